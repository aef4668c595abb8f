package helmrequest_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/action"
	helmrelease "helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/release"
)

// Names and values the bad-input cases share. secretValue stands for a
// password: it must never show in a condition or an event.
const (
	valuesName  = "web-values"
	secretName  = "web-secret"
	secretValue = "hunter2-s3cret"
	goodValues  = "config:\n  greeting: hello\n"
	secretYAML  = "config:\n  password: " + secretValue + "\n"
)

// badInput is one bad input to a HelmRequest, how it shows, and its fix.
type badInput struct {
	name string
	// setup prepares the namespace and the HelmRequest (e.hr, a plain chart
	// by default) before it is created.
	setup func(g Gomega, e *badEnv)
	// breakIt makes the input bad once the HelmRequest is Ready at revision
	// 1. Without it, the HelmRequest is bad from the start: a first install.
	breakIt func(g Gomega, e *badEnv)
	// condition is the phase condition that fails with reason; message is
	// part of its text, "<ns>" and "<repo>" standing for the test namespace
	// and the chart repository's URL.
	condition, reason, message string
	// stalled: the failure waits for a change (Stalled), not for time
	// (Reconciling).
	stalled bool
	// fix repairs the input: the HelmRequest must become Ready by itself.
	fix func(g Gomega, e *badEnv)
	// fixedRevision is the deployed revision once fixed: 1 when the fix
	// restored what revision 1 was made from.
	fixedRevision int
}

// badEnv is one case's namespace, chart repository and HelmRequest.
type badEnv struct {
	t    *testing.T
	ns   string
	repo *httprepo.Server
	hr   *v1.HelmRequest
}

// TestBadInput: every bad input fails the HelmRequest with a condition and a
// Warning event that name the problem, leaves the release exactly as it was,
// and recovers by itself once fixed.
func TestBadInput(t *testing.T) {
	for _, tc := range badInputs() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

func (tc badInput) run(t *testing.T) {
	g := NewWithT(t)
	e, before := tc.start(t, g)
	tc.expectFailure(g, e)
	expectUntouched(g, before)
	tc.fix(g, e)
	tc.expectRecovered(t, g, e)
}

// start creates the case's HelmRequest with its bad input, and returns the
// release as it was before the input went bad.
func (tc badInput) start(t *testing.T, g Gomega) (*badEnv, *release.State) {
	e := &badEnv{t: t, ns: controlPlane.NewNamespace(t), repo: httprepo.New(t)}
	e.hr = plainRequest(e.ns, e.repo.URL(), "")
	if tc.setup != nil {
		tc.setup(g, e)
	}
	if tc.breakIt == nil {
		before := releaseState(g, e.hr.ReleaseNamespace(), e.hr.ReleaseName())
		create(t, e.hr)
		return e, before
	}
	create(t, e.hr)
	eventuallyReady(t, e.hr)
	before := releaseState(g, e.hr.ReleaseNamespace(), e.hr.ReleaseName())
	tc.breakIt(g, e)
	return e, before
}

// expectFailure waits for Ready and the phase condition to say why, for the
// current generation, and for the Warning event that says it too.
func (tc badInput) expectFailure(g Gomega, e *badEnv) {
	message := strings.NewReplacer("<ns>", e.ns, "<repo>", e.repo.URL()).Replace(tc.message)
	kstatus := v1.ReconcilingCondition
	if tc.stalled {
		kstatus = v1.StalledCondition
	}
	g.Eventually(func(g Gomega) {
		got := get(g, e.hr)
		for _, c := range []string{v1.ReadyCondition, tc.condition} {
			g.Expect(condition(got, c)).To(SatisfyAll(
				HaveField("Status", metav1.ConditionFalse),
				HaveField("Reason", tc.reason),
				HaveField("Message", ContainSubstring(message)),
				HaveField("Message", Not(ContainSubstring(secretValue))),
				HaveField("ObservedGeneration", got.Generation),
			), c)
		}
		g.Expect(condition(got, kstatus).Status).To(Equal(metav1.ConditionTrue), kstatus)
	}, timeout, interval).Should(Succeed())
	g.Eventually(func(g Gomega) []eventsv1.Event { return eventsIn(g, e.ns) }, timeout, interval).Should(ContainElement(SatisfyAll(
		HaveField("Type", corev1.EventTypeWarning),
		HaveField("Reason", tc.reason),
		HaveField("Regarding.Name", e.hr.Name),
		HaveField("Note", ContainSubstring(message)),
	)))
	g.Expect(eventsIn(g, e.ns)).NotTo(ContainElement(HaveField("Note", ContainSubstring(secretValue))))
}

// expectRecovered waits for Ready with no help, and checks the revision.
func (tc badInput) expectRecovered(t *testing.T, g Gomega, e *badEnv) {
	got := eventuallyReady(t, e.hr)
	g.Expect(got.Status.Clusters[0].Revision).To(Equal(tc.fixedRevision))
	latest := releaseState(g, got.ReleaseNamespace(), got.ReleaseName()).Latest()
	g.Expect(latest.Number).To(Equal(tc.fixedRevision))
	g.Expect(latest.Status).To(Equal(helmrelease.StatusDeployed))
}

// expectUntouched checks that a release's records are as they were before the
// bad input: no revision was added, failed or not, and a release that was
// running is still deployed at the same revision.
func expectUntouched(g Gomega, before *release.State) {
	now := releaseState(g, before.Namespace, before.Name)
	g.Expect(now.Revisions).To(Equal(before.Revisions), "the release changed")
	if before.Exists() {
		g.Expect(now.Latest().Number).To(Equal(1))
		g.Expect(now.Latest().Status).To(Equal(helmrelease.StatusDeployed))
	}
}

func badInputs() []badInput {
	return []badInput{
		{
			name:      "missing ConfigMap on a first install",
			setup:     withValuesFrom(configMapRef()),
			condition: v1.ReleasedCondition, reason: "ValuesSourceMissing", stalled: true,
			message:       "spec.valuesFrom[0]: ConfigMap <ns>/web-values not found",
			fix:           putConfigMap(valuesName, map[string]string{"values.yaml": goodValues}),
			fixedRevision: 1,
		},
		{
			name:      "missing ConfigMap",
			setup:     withValuesFrom(configMapRef(), putConfigMap(valuesName, map[string]string{"values.yaml": goodValues})),
			breakIt:   deleteObject(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: valuesName}}),
			condition: v1.ReleasedCondition, reason: "ValuesSourceMissing", stalled: true,
			message:       "spec.valuesFrom[0]: ConfigMap <ns>/web-values not found",
			fix:           putConfigMap(valuesName, map[string]string{"values.yaml": goodValues}),
			fixedRevision: 1,
		},
		{
			name:      "missing Secret",
			setup:     withValuesFrom(secretRef(), putSecret(map[string]string{"values.yaml": secretYAML})),
			breakIt:   deleteObject(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName}}),
			condition: v1.ReleasedCondition, reason: "ValuesSourceMissing", stalled: true,
			message:       "spec.valuesFrom[0]: Secret <ns>/web-secret not found",
			fix:           putSecret(map[string]string{"values.yaml": secretYAML}),
			fixedRevision: 1,
		},
		{
			name:      "key missing in a ConfigMap",
			setup:     withValuesFrom(configMapRef(), putConfigMap(valuesName, map[string]string{"values.yaml": goodValues})),
			breakIt:   putConfigMap(valuesName, map[string]string{"other.yaml": goodValues}),
			condition: v1.ReleasedCondition, reason: "ValuesSourceMissing", stalled: true,
			message:       `spec.valuesFrom[0]: ConfigMap <ns>/web-values has no key "values.yaml"`,
			fix:           putConfigMap(valuesName, map[string]string{"values.yaml": goodValues}),
			fixedRevision: 1,
		},
		{
			name:      "key missing in a Secret",
			setup:     withValuesFrom(secretRef(), putSecret(map[string]string{"values.yaml": secretYAML})),
			breakIt:   putSecret(map[string]string{"other.yaml": secretYAML}),
			condition: v1.ReleasedCondition, reason: "ValuesSourceMissing", stalled: true,
			message:       `spec.valuesFrom[0]: Secret <ns>/web-secret has no key "values.yaml"`,
			fix:           putSecret(map[string]string{"values.yaml": secretYAML}),
			fixedRevision: 1,
		},
		{
			name:      "values that are not YAML",
			setup:     withValuesFrom(configMapRef(), putConfigMap(valuesName, map[string]string{"values.yaml": "replicaCount: 2\n"})),
			breakIt:   putConfigMap(valuesName, map[string]string{"values.yaml": "replicaCount: [unclosed\n"}),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       `spec.valuesFrom[0]: ConfigMap <ns>/web-values key "values.yaml": not valid YAML: `,
			fix:           putConfigMap(valuesName, map[string]string{"values.yaml": "replicaCount: 3\n"}),
			fixedRevision: 2,
		},
		{
			name:      "Secret values that are not YAML",
			setup:     withValuesFrom(secretRef(), putSecret(map[string]string{"values.yaml": secretYAML})),
			breakIt:   putSecret(map[string]string{"values.yaml": "config: [" + secretValue + "\n"}),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       `spec.valuesFrom[0]: Secret <ns>/web-secret key "values.yaml": not valid YAML at line 1 (details withheld`,
			fix:           putSecret(map[string]string{"values.yaml": secretYAML}),
			fixedRevision: 1,
		},
		{
			// The API server takes any JSON here, a list included.
			name:      "spec.values that are not a map",
			breakIt:   editSpec(setValues(`["replicaCount", 2]`)),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       "spec.values: the top level is a list, but values must be a map of keys",
			fix:           editSpec(setValues(`{"replicaCount":2}`)),
			fixedRevision: 2,
		},
		{
			name:      "values rejected by the chart's schema on a first install",
			setup:     withChart("schema-0.1.0.tgz", `{"replicaCount":0,"name":"web"}`),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       "values rejected by the chart's values.schema.json",
			fix:           editSpec(setValues(`{"replicaCount":1,"name":"web"}`)),
			fixedRevision: 1,
		},
		{
			name:      "values rejected by the chart's schema",
			setup:     withChart("schema-0.1.0.tgz", `{"replicaCount":1,"name":"web"}`),
			breakIt:   editSpec(setValues(`{"replicaCount":0,"name":"web"}`)),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       "values rejected by the chart's values.schema.json",
			fix:           editSpec(setValues(`{"replicaCount":2,"name":"web"}`)),
			fixedRevision: 2,
		},
		{
			// Helm's schema errors quote the values they reject.
			name: "Secret values rejected by the chart's schema",
			setup: withValuesFrom(secretRef(),
				withChart("schema-0.1.0.tgz", `{"name":"web"}`), putSecret(map[string]string{"values.yaml": "replicaCount: 1\n"})),
			breakIt:   putSecret(map[string]string{"values.yaml": "replicaCount: 0\n"}),
			condition: v1.ReleasedCondition, reason: "ValuesInvalid", stalled: true,
			message:       "values rejected by the chart's values.schema.json (details withheld: they could quote valuesFrom[0] secret/web-secret key values.yaml)",
			fix:           putSecret(map[string]string{"values.yaml": "replicaCount: 2\n"}),
			fixedRevision: 2,
		},
		{
			name:      "a chart that fails to render",
			breakIt:   editSpec(setChartURL("/failing-0.1.0.tgz")),
			condition: v1.ReleasedCondition, reason: "RenderFailed", stalled: true,
			message:       "release <ns>/web: chart failing did not render: execution error at (failing/templates/configmap.yaml:1:3): this chart always fails to render",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			name:      "a chart that fails to render on a first install",
			setup:     withChart("failing-0.1.0.tgz", `{}`),
			condition: v1.ReleasedCondition, reason: "RenderFailed", stalled: true,
			message:       "release <ns>/web: chart failing did not render: ",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			// A rollback would make a revision: there is nothing to undo.
			name:      "a chart that fails to render, with rollbackOnFailure",
			setup:     func(_ Gomega, e *badEnv) { e.hr.Spec.Upgrade = &v1.UpgradeSpec{RollbackOnFailure: true} },
			breakIt:   editSpec(setChartURL("/failing-0.1.0.tgz")),
			condition: v1.ReleasedCondition, reason: "RenderFailed", stalled: true,
			message:       "release <ns>/web: chart failing did not render: execution error at (failing/templates/configmap.yaml:1:3): this chart always fails to render",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			name:      "spec.version the chart does not have",
			breakIt:   editSpec(func(_ *badEnv, hr *v1.HelmRequest) { hr.Spec.Version = "0.2.0" }),
			condition: v1.ChartResolvedCondition, reason: "VersionMismatch", stalled: true,
			message:       `spec.version "0.2.0" does not match version 0.1.0 of the chart at spec.source.http.url`,
			fix:           editSpec(func(_ *badEnv, hr *v1.HelmRequest) { hr.Spec.Version = "0.1.0" }),
			fixedRevision: 1,
		},
		{
			name:      "chart archive URL that 404s",
			breakIt:   editSpec(setChartURL("/plain-0.2.0.tgz")),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       "spec.source.http.url: fetching chart archive at <repo>/plain-0.2.0.tgz: 404 Not Found",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			// Nothing in the cluster changes when a repository comes back:
			// only the retry with backoff notices.
			name:      "chart archive that 404s until it is published",
			setup:     func(_ Gomega, e *badEnv) { e.repo.SetFault(httprepo.Status(http.StatusNotFound)) },
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       "spec.source.http.url: fetching chart archive at <repo>/plain-0.1.0.tgz: 404 Not Found",
			fix:           func(_ Gomega, e *badEnv) { e.repo.SetFault(nil) },
			fixedRevision: 1,
		},
		{
			// Port 1 (tcpmux) is reserved: nothing listens there.
			name:      "unreachable chart URL",
			breakIt:   editSpec(func(_ *badEnv, hr *v1.HelmRequest) { hr.Spec.Source.HTTP.URL = "http://127.0.0.1:1/plain-0.1.0.tgz" }),
			condition: v1.ChartResolvedCondition, reason: "ChartUnavailable",
			message:       "spec.source.http.url: chart archive at http://127.0.0.1:1/plain-0.1.0.tgz is unreachable",
			fix:           editSpec(setChartURL("/plain-0.1.0.tgz")),
			fixedRevision: 1,
		},
		{
			// A first install: moving an existing release to another
			// namespace is a new release, and the old one is left behind.
			name:      "target namespace that does not exist",
			setup:     func(_ Gomega, e *badEnv) { e.hr.Spec.Namespace = e.ns + "-target" },
			condition: v1.ReleasedCondition, reason: "NamespaceMissing",
			message: "spec.namespace: Namespace <ns>-target not found; create it or set spec.createNamespace",
			fix: func(g Gomega, e *badEnv) {
				ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: e.ns + "-target"}}
				g.Expect(controlPlane.Client.Create(context.Background(), ns)).To(Succeed())
			},
			fixedRevision: 1,
		},
		{
			name: "release name taken by another HelmRequest",
			setup: func(g Gomega, e *badEnv) {
				owner := e.hr
				create(e.t, owner)
				eventuallyReady(e.t, owner)
				e.hr = plainRequest(e.ns, e.repo.URL(), "")
				e.hr.Name, e.hr.Spec.ReleaseName = "intruder", owner.Name
			},
			condition: v1.ReleasedCondition, reason: "ReleaseNotOwned", stalled: true,
			message: "release <ns>/web belongs to HelmRequest <ns>/web",
			// spec.releaseName cannot change: the owner going away frees the name.
			fix: func(g Gomega, e *badEnv) {
				owner := &v1.HelmRequest{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: e.ns}}
				g.Expect(controlPlane.Client.Delete(context.Background(), owner)).To(Succeed())
			},
			fixedRevision: 1,
		},
		{
			name:      "release made outside Captain",
			setup:     func(_ Gomega, e *badEnv) { installWithHelm(e.t, e.ns, "web") },
			condition: v1.ReleasedCondition, reason: "ReleaseNotOwned", stalled: true,
			message: "release <ns>/web exists and was not made by Captain",
			// Same chart and values: adoption relabels the record, no revision.
			fix:           editSpec(func(_ *badEnv, hr *v1.HelmRequest) { hr.Spec.Adopt = true }),
			fixedRevision: 1,
		},
		{
			name:      "missing dependency",
			breakIt:   editSpec(setDependencies("db")),
			condition: v1.DependenciesReadyCondition, reason: "DependencyNotReady",
			message:       "spec.dependencies: waiting for HelmRequest db (not found)",
			fix:           func(_ Gomega, e *badEnv) { create(e.t, dependency(e, "/plain-0.1.0.tgz")) },
			fixedRevision: 1,
		},
		{
			name: "dependency that is not Ready",
			breakIt: func(g Gomega, e *badEnv) {
				create(e.t, dependency(e, "/failing-0.1.0.tgz"))
				editSpec(setDependencies("db"))(g, e)
			},
			condition: v1.DependenciesReadyCondition, reason: "DependencyNotReady",
			message: "spec.dependencies: waiting for HelmRequest db (not Ready in cluster local)",
			fix: func(g Gomega, e *badEnv) {
				db := &v1.HelmRequest{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: e.ns}}
				editRequest(g, db, func(db *v1.HelmRequest) { setChartURL("/plain-0.1.0.tgz")(e, db) })
			},
			fixedRevision: 1,
		},
	}
}

func configMapRef() v1.ValuesReference {
	return v1.ValuesReference{ConfigMapKeyRef: &v1.ValuesKeyRef{Name: valuesName}}
}

func secretRef() v1.ValuesReference {
	return v1.ValuesReference{SecretKeyRef: &v1.ValuesKeyRef{Name: secretName}}
}

// withValuesFrom makes the HelmRequest read ref, after the given setups.
func withValuesFrom(ref v1.ValuesReference, setups ...func(Gomega, *badEnv)) func(Gomega, *badEnv) {
	return func(g Gomega, e *badEnv) {
		for _, s := range setups {
			s(g, e)
		}
		e.hr.Spec.ValuesFrom = []v1.ValuesReference{ref}
	}
}

func withChart(archive, values string) func(Gomega, *badEnv) {
	return func(_ Gomega, e *badEnv) {
		e.hr.Spec.Source.HTTP.URL = e.repo.URL() + "/" + archive
		e.hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(values)}
	}
}

// putConfigMap creates or replaces a ConfigMap in the case's namespace.
func putConfigMap(name string, data map[string]string) func(Gomega, *badEnv) {
	return func(g Gomega, e *badEnv) {
		putObject(g, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns}, Data: data})
	}
}

// putSecret creates or replaces the values Secret in the case's namespace.
func putSecret(data map[string]string) func(Gomega, *badEnv) {
	return func(g Gomega, e *badEnv) {
		putObject(g, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: e.ns}, StringData: data})
	}
}

// putObject creates obj, or replaces the one that exists.
func putObject(g Gomega, obj client.Object) {
	ctx := context.Background()
	existing := obj.DeepCopyObject().(client.Object)
	err := controlPlane.Client.Get(ctx, client.ObjectKeyFromObject(obj), existing)
	if apierrors.IsNotFound(err) {
		g.Expect(controlPlane.Client.Create(ctx, obj)).To(Succeed())
		return
	}
	g.Expect(err).NotTo(HaveOccurred())
	obj.SetResourceVersion(existing.GetResourceVersion())
	g.Expect(controlPlane.Client.Update(ctx, obj)).To(Succeed())
}

func deleteObject(obj client.Object) func(Gomega, *badEnv) {
	return func(g Gomega, e *badEnv) {
		obj.SetNamespace(e.ns)
		g.Expect(controlPlane.Client.Delete(context.Background(), obj)).To(Succeed())
	}
}

// editSpec changes the case's HelmRequest.
func editSpec(change func(e *badEnv, hr *v1.HelmRequest)) func(Gomega, *badEnv) {
	return func(g Gomega, e *badEnv) { editRequest(g, e.hr, func(hr *v1.HelmRequest) { change(e, hr) }) }
}

// editRequest changes a HelmRequest as a user would, with a merge patch
// that cannot conflict with the controller's status writes.
func editRequest(g Gomega, hr *v1.HelmRequest, change func(*v1.HelmRequest)) {
	current := get(g, hr)
	patch := client.MergeFrom(current.DeepCopy())
	change(current)
	g.Expect(controlPlane.Client.Patch(context.Background(), current, patch)).To(Succeed())
}

func setValues(values string) func(*badEnv, *v1.HelmRequest) {
	return func(_ *badEnv, hr *v1.HelmRequest) { hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(values)} }
}

// setChartURL points the HelmRequest at an archive of the case's repository.
func setChartURL(path string) func(*badEnv, *v1.HelmRequest) {
	return func(e *badEnv, hr *v1.HelmRequest) { hr.Spec.Source.HTTP.URL = e.repo.URL() + path }
}

func setDependencies(names ...string) func(*badEnv, *v1.HelmRequest) {
	return func(_ *badEnv, hr *v1.HelmRequest) { hr.Spec.Dependencies = names }
}

// dependency is the HelmRequest "db", with its own release, made from the
// archive at path of the case's repository.
func dependency(e *badEnv, path string) *v1.HelmRequest {
	db := plainRequest(e.ns, e.repo.URL(), "")
	db.Name = "db"
	db.Spec.Source.HTTP.URL = e.repo.URL() + path
	return db
}

// installWithHelm makes a release of the plain chart with the Helm SDK, as
// the helm CLI would: no Captain labels.
func installWithHelm(t *testing.T, ns, name string) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, controlPlane.KubeConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &kubeconfig, &ns
	cfg := &action.Configuration{}
	if err := cfg.Init(flags, ns, "secret", func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace = name, ns
	if _, err := install.Run(testcharts.Load(t, "plain"), nil); err != nil {
		t.Fatal(err)
	}
}

func eventsIn(g Gomega, ns string) []eventsv1.Event {
	var list eventsv1.EventList
	g.Expect(controlPlane.Client.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
	return list.Items
}
