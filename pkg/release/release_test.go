package release_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	helmrelease "helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/release"
)

var (
	controlPlane *testenv.ControlPlane
	// kubeconfig is a file for clients built the helm CLI's way.
	kubeconfig string
	factory    = release.NewFactory()
)

func TestMain(m *testing.M) {
	// A fuzz worker runs one fuzz target, which needs no cluster: each
	// worker process would start (and, when killed, leak) one.
	if flag.Parse(); flag.Lookup("test.fuzzworker").Value.String() == "true" {
		os.Exit(m.Run())
	}
	cp, err := testenv.Start(testenv.WithoutCRDs())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	controlPlane = cp
	dir, err := os.MkdirTemp("", "captain-release-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, cp.KubeConfig(), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if err := cp.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func request(t *testing.T, ns string, ch *chart.Chart, values map[string]any, digest string) *release.Request {
	t.Helper()
	return &release.Request{
		Target:    release.Target{Config: controlPlane.Config},
		Name:      "app",
		Namespace: ns,
		Chart:     ch,
		Values:    values,
		Owner:     release.Owner{Namespace: "apps", Name: "app"},
		Digest:    digest,
		Options:   release.Options{Timeout: time.Minute, MaxHistory: 10, CRDs: release.CRDsCreate},
	}
}

// helmConfig is an action.Configuration built the way the helm CLI builds
// one, independent of Captain's factory.
func helmConfig(t *testing.T, ns string) *action.Configuration {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &kubeconfig
	flags.Namespace = &ns
	cfg := &action.Configuration{}
	if err := cfg.Init(flags, ns, "secret", func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// helmHistory reads the release history the way `helm history` does.
func helmHistory(t *testing.T, ns, name string) []*helmrelease.Release {
	t.Helper()
	h, err := action.NewHistory(helmConfig(t, ns)).Run(name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func configMapExists(t *testing.T, ns, name string) bool {
	t.Helper()
	err := controlPlane.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &corev1.ConfigMap{})
	if client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
	return err == nil
}

func TestInstallUpgradeNoop(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "plain")

	applied, err := factory.Apply(ctx, request(t, ns, ch, map[string]any{"config": map[string]any{"greeting": "hello"}}, "d1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.Actions).To(Equal([]release.Action{release.ActionInstall}))
	g.Expect(applied.Outcome.Release.Version).To(Equal(1))
	g.Expect(applied.Outcome.Inventory).To(ConsistOf(
		release.ObjectRef{Kind: "ConfigMap", Namespace: ns, Name: "app"},
		release.ObjectRef{Kind: "Service", Namespace: ns, Name: "app"},
		release.ObjectRef{Group: "apps", Kind: "Deployment", Namespace: ns, Name: "app"},
	))

	// The same desired state is a no-op.
	applied, err = factory.Apply(ctx, request(t, ns, ch, map[string]any{"config": map[string]any{"greeting": "hello"}}, "d1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.Actions).To(BeEmpty())

	// A new desired state upgrades.
	applied, err = factory.Apply(ctx, request(t, ns, ch, map[string]any{"config": map[string]any{"greeting": "hi"}}, "d2"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.Actions).To(Equal([]release.Action{release.ActionUpgrade}))

	history := helmHistory(t, ns, "app")
	g.Expect(history).To(HaveLen(2))
	g.Expect(history[1].Info.Status).To(Equal(helmrelease.StatusDeployed))
	g.Expect(history[1].Config).To(Equal(map[string]any{"config": map[string]any{"greeting": "hi"}}))
	g.Expect(history[0].Info.Status).To(Equal(helmrelease.StatusSuperseded))

	var secrets corev1.SecretList
	g.Expect(controlPlane.Client.List(ctx, &secrets, client.InNamespace(ns), client.MatchingLabels{"owner": "helm", "name": "app"})).To(Succeed())
	g.Expect(secrets.Items).To(HaveLen(2), "release records are Helm's Secrets")
	for _, s := range secrets.Items {
		g.Expect(s.Labels).To(HaveKeyWithValue(release.OwnerNameLabel, "app"))
		g.Expect(s.Labels).To(HaveKeyWithValue(release.OwnerNamespaceLabel, "apps"))
	}
	var cm corev1.ConfigMap
	g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app"}, &cm)).To(Succeed())
	g.Expect(cm.Data).To(HaveKeyWithValue("greeting", "hi"))
}

// v1 ok → v2 adds X and fails part-way → v3 without X succeeds → X is gone,
// while an object marked keep survives its removal from the chart.
func TestOrphansOfFailedRevisionsArePruned(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "orphans")

	_, err := factory.Apply(ctx, request(t, ns, ch, map[string]any{"kept": true}, "v1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(configMapExists(t, ns, "app-kept")).To(BeTrue())

	// The selector change is refused by the API server after the new
	// ConfigMap was created.
	applied, err := factory.Apply(ctx, request(t, ns, ch, map[string]any{"extra": true, "selector": "b"}, "v2"))
	g.Expect(err).To(MatchError(ContainSubstring("field is immutable")))
	g.Expect(applied.Outcome.Release.Info.Status).To(Equal(helmrelease.StatusFailed))
	g.Expect(configMapExists(t, ns, "app-extra")).To(BeTrue(), "the failed revision created X")
	inventory := applied.Outcome.Inventory
	g.Expect(inventory).To(ContainElement(release.ObjectRef{Kind: "ConfigMap", Namespace: ns, Name: "app-extra"}))

	req := request(t, ns, ch, map[string]any{}, "v3")
	req.Inventory = inventory
	applied, err = factory.Apply(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.Outcome.Release.Info.Status).To(Equal(helmrelease.StatusDeployed))
	g.Expect(applied.Outcome.Pruned).To(ContainElement(release.ObjectRef{Kind: "ConfigMap", Namespace: ns, Name: "app-extra"}))
	g.Expect(configMapExists(t, ns, "app-extra")).To(BeFalse(), "Captain pruned X, which plain Helm leaks")
	g.Expect(configMapExists(t, ns, "app-kept")).To(BeTrue(), "helm.sh/resource-policy: keep is respected")
	g.Expect(configMapExists(t, ns, "app-base")).To(BeTrue())
}

// Even when Helm prunes the failed revision from its history, the inventory
// passed back by the caller still finds the orphan.
func TestOrphansSurviveHistoryPruning(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "orphans")
	withHistory := func(r *release.Request) *release.Request { r.Options.MaxHistory = 2; return r }

	_, err := factory.Apply(ctx, withHistory(request(t, ns, ch, nil, "v1")))
	g.Expect(err).NotTo(HaveOccurred())
	applied, err := factory.Apply(ctx, withHistory(request(t, ns, ch, map[string]any{"extra": true, "selector": "b"}, "v2")))
	g.Expect(err).To(HaveOccurred())
	inventory := applied.Outcome.Inventory
	// Two more failures push revision 2 out of a history of 2.
	for _, d := range []string{"v3", "v4"} {
		req := withHistory(request(t, ns, ch, map[string]any{"selector": "b"}, d))
		req.Inventory = inventory
		applied, err = factory.Apply(ctx, req)
		g.Expect(err).To(HaveOccurred())
		inventory = applied.Outcome.Inventory
	}
	revisions := helmHistory(t, ns, "app")
	for _, r := range revisions {
		g.Expect(r.Version).NotTo(Equal(2), "revision 2 was pruned from the history")
	}

	req := withHistory(request(t, ns, ch, nil, "v5"))
	req.Inventory = inventory
	_, err = factory.Apply(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(configMapExists(t, ns, "app-extra")).To(BeFalse())
}

func TestRollbackOnFailure(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "orphans")

	_, err := factory.Apply(ctx, request(t, ns, ch, nil, "v1"))
	g.Expect(err).NotTo(HaveOccurred())
	req := request(t, ns, ch, map[string]any{"selector": "b"}, "v2")
	req.Options.RollbackOnFailure = true
	applied, err := factory.Apply(ctx, req)
	g.Expect(err).To(MatchError(ContainSubstring("rolled back to revision 1")))
	g.Expect(applied.Outcome.RolledBack).To(BeTrue())

	history := helmHistory(t, ns, "app")
	g.Expect(history).To(HaveLen(3))
	g.Expect(history[1].Info.Status).To(Equal(helmrelease.StatusFailed))
	g.Expect(history[2].Info.Status).To(Equal(helmrelease.StatusDeployed))
	g.Expect(history[2].Config).To(BeEmpty(), "revision 3 is revision 1 again")
}

// A release left pending by a dead process is recovered, not left blocking.
func TestStuckReleaseIsUnlocked(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "plain")

	_, err := factory.Apply(ctx, request(t, ns, ch, nil, "d1"))
	g.Expect(err).NotTo(HaveOccurred())
	markPending(t, ns, "app")

	applied, err := factory.Apply(ctx, request(t, ns, ch, map[string]any{"replicaCount": 2}, "d2"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.Actions).To(Equal([]release.Action{release.ActionUnlock, release.ActionUpgrade}))
	history := helmHistory(t, ns, "app")
	g.Expect(history[0].Info.Status.IsPending()).To(BeFalse())
	g.Expect(history[0].Info.Description).To(ContainSubstring("interrupted"))
	g.Expect(history[1].Info.Status).To(Equal(helmrelease.StatusDeployed))
}

// markPending rewrites the newest record as a process killed mid-upgrade leaves it.
func markPending(t *testing.T, ns, name string) {
	t.Helper()
	store := helmConfig(t, ns).Releases
	last, err := store.Last(name)
	if err != nil {
		t.Fatal(err)
	}
	last.SetStatus(helmrelease.StatusPendingUpgrade, "killed mid-upgrade")
	if err := store.Update(last); err != nil {
		t.Fatal(err)
	}
}

func TestReleasesOfOthersAreNotTouched(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "plain")

	// A release made with the SDK directly, as the helm CLI would.
	installByHand(t, ns, ch)

	_, err := factory.Apply(ctx, request(t, ns, ch, map[string]any{"replicaCount": 3}, "d1"))
	var notOwned *release.NotOwnedError
	g.Expect(err).To(BeAssignableToTypeOf(notOwned))
	g.Expect(err.Error()).To(ContainSubstring("not made by Captain"))
	g.Expect(helmHistory(t, ns, "app")).To(HaveLen(1), "nothing was changed")

	// Another HelmRequest may not take it either, nor uninstall it.
	other := request(t, ns, ch, map[string]any{"replicaCount": 2}, "d1")
	other.Owner = release.Owner{Namespace: "apps", Name: "other"}
	other.Options.Adopt = true
	_, err = factory.Apply(ctx, other)
	g.Expect(err).NotTo(HaveOccurred(), "adoption is an explicit opt-in")
	_, err = factory.Apply(ctx, request(t, ns, ch, nil, "d2"))
	g.Expect(err).To(MatchError(ContainSubstring("belongs to HelmRequest apps/other")))
	_, err = factory.Uninstall(ctx, request(t, ns, ch, nil, "d2"))
	g.Expect(err).To(MatchError(ContainSubstring("belongs to HelmRequest apps/other")))
	g.Expect(helmHistory(t, ns, "app")).To(HaveLen(2))
}

func installByHand(t *testing.T, ns string, ch *chart.Chart) {
	t.Helper()
	install := action.NewInstall(helmConfig(t, ns))
	install.ReleaseName, install.Namespace = "app", ns
	if _, err := install.Run(ch, nil); err != nil {
		t.Fatal(err)
	}
}

func TestUninstallRemovesEveryRevisionsObjects(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "orphans")

	_, err := factory.Apply(ctx, request(t, ns, ch, map[string]any{"kept": true}, "v1"))
	g.Expect(err).NotTo(HaveOccurred())
	// Revision 2 creates X and fails; revision 3, the last, has no X.
	_, err = factory.Apply(ctx, request(t, ns, ch, map[string]any{"kept": true, "extra": true, "selector": "b"}, "v2"))
	g.Expect(err).To(HaveOccurred())
	_, err = factory.Apply(ctx, request(t, ns, ch, map[string]any{"kept": true, "selector": "b"}, "v3"))
	g.Expect(err).To(HaveOccurred())
	g.Expect(configMapExists(t, ns, "app-extra")).To(BeTrue())

	out, err := factory.Uninstall(ctx, request(t, ns, ch, nil, ""))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Pruned).To(ContainElement(release.ObjectRef{Kind: "ConfigMap", Namespace: ns, Name: "app-extra"}))
	g.Expect(configMapExists(t, ns, "app-extra")).To(BeFalse(), "Helm alone deletes only the last manifest")
	g.Expect(configMapExists(t, ns, "app-base")).To(BeFalse())
	g.Expect(configMapExists(t, ns, "app-kept")).To(BeTrue())
	st, err := factory.Observe(ctx, release.Target{Config: controlPlane.Config}, "app", ns)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st.Exists()).To(BeFalse())
}

func TestCRDPolicies(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ch := testcharts.Load(t, "withcrd")

	skip := request(t, controlPlane.NewNamespace(t), ch, nil, "d1")
	skip.Options.CRDs = release.CRDsSkip
	_, err := factory.Apply(ctx, skip)
	g.Expect(err).To(MatchError(ContainSubstring("Widget")), "without its CRD the custom resource cannot be made")

	create := request(t, controlPlane.NewNamespace(t), ch, nil, "d1")
	_, err = factory.Apply(ctx, create)
	g.Expect(err).NotTo(HaveOccurred())

	// A chart whose CRD gained a field: Create leaves the CRD, CreateReplace updates it.
	changed := withCRDField(t)
	upgrade := request(t, create.Namespace, changed, nil, "d2")
	_, err = factory.Apply(ctx, upgrade)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(crdHasField(t, "shape")).To(BeFalse())
	upgrade = request(t, create.Namespace, changed, nil, "d3")
	upgrade.Options.CRDs = release.CRDsCreateReplace
	_, err = factory.Apply(ctx, upgrade)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(crdHasField(t, "shape")).To(BeTrue())
}

// withCRDField is the withcrd chart whose CRD gained spec.shape.
func withCRDField(t *testing.T) *chart.Chart {
	t.Helper()
	changed, err := loader.LoadDir(testcharts.Path(t, "withcrd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range changed.Files {
		if strings.HasPrefix(f.Name, "crds/") {
			f.Data = []byte(strings.Replace(string(f.Data), "                color:\n", "                shape:\n                  type: string\n                color:\n", 1))
		}
	}
	return changed
}

func crdHasField(t *testing.T, field string) bool {
	t.Helper()
	var crd apiextensionsv1.CustomResourceDefinition
	err := controlPlane.Client.Get(context.Background(), client.ObjectKey{Name: "widgets.test.captain.io"}, &crd)
	if err != nil {
		t.Fatal(err)
	}
	_, ok := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties[field]
	return ok
}
