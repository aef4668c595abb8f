package chartrepo_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
	helmrepo "captain.io/captain/pkg/chartrepo"
)

// Hostile indexes, made when they are served. Each is a whole index.yaml.
const indexHead = "apiVersion: v1\nentries:\n"

// millionEntries streams an index of a million charts (some 85 MB), or
// announces its length first; it stops when the client hangs up.
func millionEntries(announce bool) httprepo.Fault {
	entry := func(i int) string {
		return fmt.Sprintf("  c%07d:\n  - name: c%07d\n    version: 1.0.0\n    urls:\n    - c%07d-1.0.0.tgz\n", i, i, i)
	}
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		if announce {
			w.Header().Set("Content-Length", strconv.Itoa(len(indexHead)+1_000_000*len(entry(0))))
		}
		if _, err := io.WriteString(w, indexHead); err != nil {
			return
		}
		for i := range 1_000_000 {
			if _, err := io.WriteString(w, entry(i)); err != nil {
				return
			}
		}
	}
}

// serveIndex answers index.yaml requests with body, and serves the rest.
func serveIndex(body string) httprepo.Fault {
	return httprepo.ForPath("/index.yaml", func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		_, _ = io.WriteString(w, body)
	})
}

// unconditional serves f as if the request had no If-None-Match or
// If-Modified-Since: the client's cached index must not hide the fault.
func unconditional(f httprepo.Fault) httprepo.Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		r.Header.Del("If-None-Match")
		r.Header.Del("If-Modified-Since")
		f(w, r, next)
	}
}

// cutIndex serves the repository's own index cut in the middle of a key,
// as a complete response: a proxy that lost the end of a file.
func cutIndex(*httprepo.Server) httprepo.Fault {
	return httprepo.ForPath("/index.yaml", unconditional(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := &recorder{header: http.Header{}}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		key := bytes.Index(body, []byte("\n    "))
		if key < 0 {
			http.Error(w, "the index has no key to cut", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(body[:key+len("\n    ")+3])
	}))
}

type recorder struct {
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(int)             {}

var billionLaughsIndex = func() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nlol: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",") + "]\n")
		prev = name
	}
	b.WriteString("entries:\n  plain:\n  - {name: plain, version: 0.1.0, urls: [plain-0.1.0.tgz], keywords: *i}\n")
	return b.String()
}()

// TestHostileIndexesKeepLastGoodCharts: an index built to exhaust the
// controller — too large, endless, cut short, an alias bomb, nested past
// any chart — fails the sync fast with a condition and a Warning event that
// say why and name spec.url, keeps the Chart objects of the last good
// index, and the repo recovers by itself when the index is good again.
func TestHostileIndexesKeepLastGoodCharts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault func(srv *httprepo.Server) httprepo.Fault
		// message is part of the condition's message, after "spec.url: ";
		// <url> stands for the repository's URL.
		message string
	}{
		{"index of a million entries, streamed",
			func(*httprepo.Server) httprepo.Fault { return httprepo.ForPath("/index.yaml", millionEntries(false)) },
			fmt.Sprintf("chart repository index at <url>/index.yaml is larger than %d bytes", maxIndexSize)},
		{"index of a million entries, length announced",
			func(*httprepo.Server) httprepo.Fault { return httprepo.ForPath("/index.yaml", millionEntries(true)) },
			fmt.Sprintf("chart repository index at <url>/index.yaml is larger than %d bytes", maxIndexSize)},
		{"index cut short of its announced length",
			func(*httprepo.Server) httprepo.Fault {
				return httprepo.ForPath("/index.yaml", unconditional(httprepo.Truncate(100)))
			},
			"reading chart repository index at <url>/index.yaml: unexpected EOF"},
		{"index cut inside a string",
			cutIndex,
			"<url>/index.yaml: not a valid chart repository index: yaml: line "},
		{"billion laughs index",
			func(*httprepo.Server) httprepo.Fault { return serveIndex(billionLaughsIndex) },
			"<url>/index.yaml: not a valid chart repository index: too costly to read: over 100000000 steps"},
		{"index nested 50 000 levels deep",
			func(*httprepo.Server) httprepo.Fault {
				return serveIndex(indexHead + "  plain: " + strings.Repeat("[", 50_000) + "\n")
			},
			"<url>/index.yaml: not a valid chart repository index: yaml: line 3: exceeded max depth of 10000"},
		{"index that is not a map",
			func(*httprepo.Server) httprepo.Fault { return serveIndex("- apiVersion: v1\n- entries: {}\n") },
			"<url>/index.yaml: not a valid chart repository index: yaml: unmarshal errors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
			ns := controlPlane.NewNamespace(t)
			repo := newRepo(ns, srv.URL())
			repo.Spec.Timeout = &metav1.Duration{Duration: 5e9}
			g.Expect(controlPlane.Client.Create(context.Background(), repo)).To(Succeed())
			eventuallySynced(t, repo)

			srv.SetFault(tc.fault(srv))
			expectSyncFailed(g, repo, "IndexUnavailable", "ChartRepo "+ns+"/charts: spec.url: ",
				strings.ReplaceAll(tc.message, "<url>", srv.URL()))
			g.Expect(charts(g, ns)).To(HaveKey("plain.charts"), "the last good Charts stay")
			g.Expect(getRepo(g, repo).Status.ChartCount).To(Equal(1))

			srv.SetFault(nil)
			eventuallySynced(t, repo)
		})
	}
}

// expectSyncFailed waits for Ready False with reason and a message holding
// each of parts, and for the Warning event that says the same.
func expectSyncFailed(g Gomega, repo *v1.ChartRepo, reason string, parts ...string) {
	var matchers []types.GomegaMatcher
	for _, p := range parts {
		matchers = append(matchers, ContainSubstring(p))
	}
	g.Eventually(func(g Gomega) {
		got := getRepo(g, repo)
		ready := apimeta.FindStatusCondition(got.Status.Conditions, v1.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(reason))
		g.Expect(ready.Message).To(And(matchers...))
		g.Expect(got.Status.Phase).To(Equal(v1.RepoFailed))
	}, timeout, interval).Should(Succeed())
	g.Eventually(func(g Gomega) []eventsv1.Event {
		list := &eventsv1.EventList{}
		g.Expect(controlPlane.Client.List(context.Background(), list, client.InNamespace(repo.Namespace))).To(Succeed())
		return list.Items
	}, timeout, interval).Should(ContainElement(SatisfyAll(
		HaveField("Type", corev1.EventTypeWarning),
		HaveField("Reason", reason),
		HaveField("Regarding.Name", repo.Name),
		HaveField("Note", And(matchers...)),
	)))
}

// A chart whose name would climb out of a folder or cannot name an object
// is not mirrored; the index's other charts are, the sync succeeds and says
// which chart was left out, and nothing is written for it.
func TestIndexWithPathTraversalNames(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	ns := controlPlane.NewNamespace(t)
	repo := newRepo(ns, srv.URL())
	g.Expect(controlPlane.Client.Create(context.Background(), repo)).To(Succeed())
	eventuallySynced(t, repo)

	srv.SetFault(serveIndex(indexHead +
		"  plain:\n  - {name: plain, version: 0.1.0, urls: [plain-0.1.0.tgz]}\n" +
		// The entry's key names the chart: it cannot name a Chart object.
		"  ../../etc/passwd:\n  - {name: passwd, version: 1.0.0, urls: [../../../../etc/passwd]}\n" +
		// Helm leaves out a version whose name is not one path element.
		"  web:\n  - {name: ../../web, version: 1.0.0, urls: [web-1.0.0.tgz]}\n" +
		"  /abs:\n  - {name: abs, version: 1.0.0, urls: [/etc/shadow]}\n"))
	var got *v1.ChartRepo
	g.Eventually(func(g Gomega) {
		got = getRepo(g, repo)
		g.Expect(got.Status.ChartErrors).To(ConsistOf(
			HaveField("Chart", "../../etc/passwd"),
			HaveField("Chart", "/abs"),
		))
	}, timeout, interval).Should(Succeed())
	for _, e := range got.Status.ChartErrors {
		g.Expect(e.Message).To(ContainSubstring("cannot have a Chart object named"))
	}
	g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, v1.ReadyCondition)).To(BeTrue())
	all := charts(g, ns)
	g.Expect(all).To(HaveKey("plain.charts"))
	g.Expect(all).To(HaveKeyWithValue("web.charts", HaveField("Spec.Versions", BeEmpty())), "the version named ../../web is left out")
	g.Expect(all).To(HaveLen(2))
}

// With the default limits, an index of more charts than Captain mirrors is
// refused once parsed, and one that would make yaml.v3 check huge mappings
// for duplicate keys (quadratic: a million charts took hours; the aliased
// mapping below 6 s) is refused before it is decoded. The controller's own test manager has a small
// MaxIndexSize, so these are asked of a Fetcher with the defaults.
func TestIndexLimitsWithDefaults(t *testing.T) {
	t.Parallel()
	block := func(i int) string {
		return fmt.Sprintf("  c%05d:\n  - name: c%05d\n    version: 1.0.0\n    urls:\n    - c%05d-1.0.0.tgz\n", i, i, i)
	}
	flow := func(i int) string {
		return fmt.Sprintf("  c%05d: [{name: c%05d, version: 1.0.0, urls: [c%05d-1.0.0.tgz]}]\n", i, i, i)
	}
	index := func(n int, entry func(int) string) string {
		var b strings.Builder
		b.WriteString(indexHead)
		for i := range n {
			b.WriteString(entry(i))
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, index, err string
	}{
		{"10 001 charts", index(helmrepo.DefaultMaxIndexCharts+1, block),
			"it lists 10001 charts, more than the 10000 Captain mirrors"},
		{"20 000 charts in flow style", index(20_000, flow),
			"too costly to read: over 100000000 steps"},
		{"a mapping of 2 000 keys aliased as the keywords of 1 000 versions", func() string {
			var b strings.Builder
			b.WriteString("apiVersion: v1\nbig: &big\n")
			for i := range 2000 {
				fmt.Fprintf(&b, "  k%d: v\n", i)
			}
			b.WriteString("entries:\n  a:\n")
			for range 1000 {
				b.WriteString("  - {name: a, version: 1.0.0, keywords: *big}\n")
			}
			return b.String()
		}(), "too costly to read: over 100000000 steps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			srv := httprepo.New(t, httprepo.WithCharts())
			srv.SetFault(serveIndex(tc.index))
			f := helmrepo.NewFetcher(helmrepo.FetcherOptions{})
			_, err := f.FetchIndex(context.Background(), srv.URL(), helmrepo.Credentials{})
			g.Expect(err).To(MatchError(And(
				ContainSubstring(srv.URL()+"/index.yaml: not a valid chart repository index: "),
				ContainSubstring(tc.err))))
		})
	}
}
