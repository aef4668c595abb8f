package helmrequest_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/values"
	"captain.io/captain/pkg/chartrepo"
)

// TestHostileInput: input made to exhaust or escape the controller — alias
// bombs, nesting past any chart, values at the size limits, chart archives
// that climb out of their folder, unpack to far more than they weigh or are
// far too large — fails the HelmRequest fast, as TestBadInput's cases do:
// a condition and a Warning event that name the field, the release exactly
// as it was, recovery once fixed. Everything hostile is made in memory when
// the test runs.
func TestHostileInput(t *testing.T) {
	for _, tc := range hostileInputs() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

func hostileInputs() []badInput {
	return []badInput{
		{
			name:      "billion laughs in valuesFrom",
			setup:     withValuesFrom(configMapRef(), putConfigMap(valuesName, map[string]string{"values.yaml": goodValues})),
			breakIt:   putConfigMap(valuesName, map[string]string{"values.yaml": testenv.BillionLaughs}),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       `spec.valuesFrom[0]: ConfigMap <ns>/web-values key "values.yaml": not valid YAML: error converting YAML to JSON: yaml: document contains excessive aliasing`,
			fix:           putConfigMap(valuesName, map[string]string{"values.yaml": goodValues}),
			fixedRevision: 1,
		},
		{
			// Enough plain values among the aliases that the YAML library's
			// ratio check lets it through: 64³ values from 6.5 KB.
			name:      "aliases that expand past the value limit, on a first install",
			setup:     withValuesFrom(configMapRef(), putConfigMap(valuesName, map[string]string{"values.yaml": aliasFanOut(64)})),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       fmt.Sprintf(`spec.valuesFrom[0]: ConfigMap <ns>/web-values key "values.yaml": more than %d values (aliases expanded), the limit per layer`, values.MaxNodes),
			fix:           putConfigMap(valuesName, map[string]string{"values.yaml": goodValues}),
			fixedRevision: 1,
		},
		{
			name:      "Secret values nested 100 000 levels deep",
			setup:     withValuesFrom(secretRef(), putSecret(map[string]string{"values.yaml": secretYAML})),
			breakIt:   putSecret(map[string]string{"values.yaml": "password: " + secretValue + "\nx: " + strings.Repeat("[", 100_000)}),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       `spec.valuesFrom[0]: Secret <ns>/web-secret key "values.yaml": not valid YAML at line 2 (details withheld: they could quote the Secret)`,
			fix:           putSecret(map[string]string{"values.yaml": secretYAML}),
			fixedRevision: 1,
		},
		{
			name:      "spec.values nested 65 levels deep",
			breakIt:   editSpec(setValues(strings.Repeat(`{"a":`, values.MaxDepth+1) + "1" + strings.Repeat("}", values.MaxDepth+1))),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       fmt.Sprintf("spec.values: nested more than %d levels deep at a.a.a.", values.MaxDepth),
			fix:           editSpec(setValues(`{"replicaCount":2}`)),
			fixedRevision: 2,
		},
		{
			// A ConfigMap holds at most 1 MiB, which values.MaxLayerBytes
			// allows: the values in it are what is too many.
			name:      "ConfigMap of 1 MB with half a million values",
			setup:     withValuesFrom(configMapRef(), putConfigMap(valuesName, map[string]string{"values.yaml": goodValues})),
			breakIt:   putConfigMap(valuesName, map[string]string{"values.yaml": "ports: [" + strings.Repeat("0,", 500_000) + "0]\n"}),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       fmt.Sprintf(`spec.valuesFrom[0]: ConfigMap <ns>/web-values key "values.yaml": more than %d values (aliases expanded), the limit per layer`, values.MaxNodes),
			fix:           putConfigMap(valuesName, map[string]string{"values.yaml": goodValues}),
			fixedRevision: 1,
		},
		{
			// Under the API server's limits (3 MiB a request, 1.5 MiB an
			// object in etcd), over what the controller parses.
			name:      "spec.values of 1.1 MiB",
			breakIt:   editSpec(setValues(`{"blob":"` + strings.Repeat("x", 1100<<10) + `"}`)),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       fmt.Sprintf("spec.values: %d bytes is over the limit of %d bytes per values layer", len(`{"blob":""}`)+1100<<10, values.MaxLayerBytes),
			fix:           editSpec(setValues(`{"replicaCount":2}`)),
			fixedRevision: 2,
		},
		{
			name:      "chart archive with path traversal names",
			breakIt:   serveArchive("/evil-0.1.0.tgz", chartArchive(tarEntry{name: "plain/../../etc/cron.d/evil", body: "* * * * * root id\n"})),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       "spec.source.http.url: <repo>/evil-0.1.0.tgz is not a valid chart archive: chart illegally references parent directory",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			name:      "chart archive with an absolute path, on a first install",
			setup:     serveArchiveFirst("/evil-0.1.0.tgz", chartArchive(tarEntry{name: "plain//etc/passwd", body: "root:x:0:0::/root:/bin/sh\n"})),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       "spec.source.http.url: <repo>/evil-0.1.0.tgz is not a valid chart archive: chart illegally contains absolute paths",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			name: "chart archive with a file of 6 MiB, on a first install",
			setup: serveArchiveFirst("/bomb-0.1.0.tgz", chartArchive(tarEntry{
				name: "plain/templates/big.yaml", size: 6 << 20})),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       `spec.source.http.url: <repo>/bomb-0.1.0.tgz is not a valid chart archive: decompressed chart file "plain/templates/big.yaml" is larger than the maximum file size 5242880`,
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			name:      "chart archive of some 100 KiB that unpacks to 108 MiB",
			breakIt:   serveArchive("/bomb-0.1.0.tgz", chartArchive(bombEntries(27, 4<<20)...)),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       "spec.source.http.url: <repo>/bomb-0.1.0.tgz is not a valid chart archive: decompressed chart is larger than the maximum file size 104857600",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			name: "chart archive of 200 MiB, its length announced",
			breakIt: serveFault("/huge-0.1.0.tgz", func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
				// The length alone must refuse it: nothing more is sent.
				w.Header().Set("Content-Length", strconv.Itoa(200<<20))
				w.WriteHeader(http.StatusOK)
			}),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       fmt.Sprintf("spec.source.http.url: chart archive at <repo>/huge-0.1.0.tgz is larger than %d bytes", chartrepo.DefaultMaxChartSize),
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			name:      "endless chart archive, on a first install",
			setup:     serveFaultFirst("/endless-0.1.0.tgz", endless),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       fmt.Sprintf("spec.source.http.url: chart archive at <repo>/endless-0.1.0.tgz is larger than %d bytes", chartrepo.DefaultMaxChartSize),
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			name:      "chart archive that is an HTML page",
			breakIt:   serveArchive("/page-0.1.0.tgz", []byte("<html><body>Sign in</body></html>\n")),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       "spec.source.http.url: <repo>/page-0.1.0.tgz is not a valid chart archive: gzip: invalid header",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
	}
}

// aliasFanOut is n³ values from three anchors of n items each, after 3 000
// plain values.
func aliasFanOut(n int) string {
	list := func(item string, k int) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", k), ",") + "]"
	}
	return "f: " + list("1", 3000) + "\na: &a " + list("0", n) + "\nb: &b " + list("*a", n) + "\nc: " + list("*b", n) + "\n"
}

// tarEntry is a file of a chart archive: body, or size zero bytes.
type tarEntry struct {
	name string
	body string
	size int64
}

// chartArchive is a .tgz of the plain chart's Chart.yaml and a template,
// plus extra entries.
func chartArchive(extra ...tarEntry) []byte {
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	entries := append([]tarEntry{
		{name: "plain/Chart.yaml", body: "apiVersion: v2\nname: plain\nversion: 0.1.0\n"},
		{name: "plain/templates/configmap.yaml", body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"},
	}, extra...)
	zeros := make([]byte, 1<<20)
	for _, e := range entries {
		size := int64(len(e.body))
		if e.body == "" {
			size = e.size
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
			panic(err)
		}
		if e.body != "" {
			_, _ = io.WriteString(tw, e.body)
			continue
		}
		for left := size; left > 0; left -= int64(len(zeros)) {
			_, _ = tw.Write(zeros[:min(left, int64(len(zeros)))])
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	if err := gz.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// bombEntries are n templates of size zero bytes each.
func bombEntries(n int, size int64) []tarEntry {
	out := make([]tarEntry, n)
	for i := range out {
		out[i] = tarEntry{name: fmt.Sprintf("plain/templates/zeros-%02d.yaml", i), size: size}
	}
	return out
}

// serveFault answers requests for path with f from now on, and points the
// HelmRequest at it.
func serveFault(path string, f httprepo.Fault) func(Gomega, *badEnv) {
	return func(g Gomega, e *badEnv) {
		e.repo.SetFault(httprepo.ForPath(path, f))
		editSpec(setChartURL(path))(g, e)
	}
}

// serveFaultFirst is serveFault for a HelmRequest not yet created.
func serveFaultFirst(path string, f httprepo.Fault) func(Gomega, *badEnv) {
	return func(_ Gomega, e *badEnv) {
		e.repo.SetFault(httprepo.ForPath(path, f))
		setChartURL(path)(e, e.hr)
	}
}

func archiveFault(data []byte) httprepo.Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/gzip")
		_, _ = w.Write(data)
	}
}

func serveArchive(path string, data []byte) func(Gomega, *badEnv) {
	return serveFault(path, archiveFault(data))
}

func serveArchiveFirst(path string, data []byte) func(Gomega, *badEnv) {
	return serveFaultFirst(path, archiveFault(data))
}

// endless sends zeros, without a length, until the client hangs up (or
// 1 GiB, should it never).
func endless(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
	chunk := make([]byte, 64<<10)
	for sent := 0; sent < 1<<30; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// TestHostileAdmission: input the API server refuses never reaches the
// controller. Each is refused with an error naming the field where the API
// server names one (its size limits name none), and the HelmRequest and its
// release stay as they were.
func TestHostileAdmission(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := plainRequest(ns, repo.URL(), `{"replicaCount":1}`)
	create(t, hr)
	ready := eventuallyReady(t, hr)
	before := releaseState(g, hr.ReleaseNamespace(), hr.ReleaseName())

	deep := strings.Repeat(`{"a":`, 10_001) + "1" + strings.Repeat("}", 10_001)
	for _, tc := range []struct {
		name string
		// create is refused; else edit is, as a patch of the HelmRequest,
		// or raw, a merge patch.
		create *v1.HelmRequest
		edit   func(*v1.HelmRequest)
		raw    string
		err    []string
	}{
		{
			name:   "spec.releaseName of 54 characters",
			create: named("long-release", func(hr *v1.HelmRequest) { hr.Spec.ReleaseName = strings.Repeat("a", 54) }),
			err:    []string{"spec.releaseName", "may not be more than 53"},
		},
		{
			name:   "a 54-character name as the release name",
			create: named(strings.Repeat("b", 54), nil),
			err:    []string{"spec.releaseName", "spec.releaseName is required when metadata.name is longer than 53 characters"},
		},
		{
			name: "spec.values of 4 MiB",
			edit: func(hr *v1.HelmRequest) {
				hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"blob":"` + strings.Repeat("x", 4<<20) + `"}`)}
			},
			err: []string{"Request entity too large: limit is 3145728"},
		},
		{
			// Over what the API server's etcd client sends.
			name: "spec.values of 2 MiB",
			edit: func(hr *v1.HelmRequest) {
				hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"blob":"` + strings.Repeat("x", 2<<20) + `"}`)}
			},
			err: []string{"trying to send message larger than max"},
		},
		{
			// Over etcd's 1.5 MiB a request.
			name: "spec.values of 1.6 MiB",
			edit: func(hr *v1.HelmRequest) {
				hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"blob":"` + strings.Repeat("x", 1600<<10) + `"}`)}
			},
			err: []string{"etcdserver: request is too large"},
		},
		{
			// Sent as is: Go's encoding/json would refuse to send it.
			name: "spec.values nested 10 001 levels deep",
			raw:  `{"spec":{"values":` + deep + `}}`,
			err:  []string{"invalid JSON patch"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			var err error
			switch {
			case tc.create != nil:
				tc.create.Namespace = ns
				err = controlPlane.Client.Create(ctx, tc.create)
			case tc.raw != "":
				err = controlPlane.Client.Patch(ctx, get(g, hr), client.RawPatch(types.MergePatchType, []byte(tc.raw)))
			default:
				current := get(g, hr)
				patch := client.MergeFrom(current.DeepCopy())
				tc.edit(current)
				err = controlPlane.Client.Patch(ctx, current, patch)
			}
			g.Expect(err).To(HaveOccurred())
			t.Logf("refused: %.300s", err)
			for _, part := range tc.err {
				g.Expect(err.Error()).To(ContainSubstring(part))
			}
			if tc.create != nil {
				err := controlPlane.Client.Get(ctx, client.ObjectKeyFromObject(tc.create), &v1.HelmRequest{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "nothing is created: %v", err)
			}
			now := get(g, hr)
			g.Expect(now.Generation).To(Equal(ready.Generation))
			g.Expect(now.Spec).To(Equal(ready.Spec))
			expectUntouched(g, before)
		})
	}
}

// named is the plain chart's HelmRequest called name, changed by change.
func named(name string, change func(*v1.HelmRequest)) *v1.HelmRequest {
	hr := plainRequest("", "http://127.0.0.1:1", "")
	hr.Name = name
	if change != nil {
		change(hr)
	}
	return hr
}

// The longest release name Helm takes, 53 characters, installs: nothing
// Captain derives from it (labels, record names, object names of the
// chart) is too long.
func TestLongestReleaseName(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := plainRequest(ns, repo.URL(), "")
	hr.Spec.ReleaseName = strings.Repeat("r", 53)
	create(t, hr)
	got := eventuallyReady(t, hr)
	g.Expect(got.Status.Clusters).To(ConsistOf(HaveField("Revision", 1)))
	cm := &corev1.ConfigMap{}
	g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: hr.Spec.ReleaseName}, cm)).To(Succeed())
}
