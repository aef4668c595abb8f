package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
)

// longFaults turns on the long versions of the fault injection tests
// (CAPTAIN_FAULTS_LONG=1): TestCrashAnywhere adds 20 crash points spread
// over all writes to its 5 key ones, and TestAPIServerRestart a longer
// outage and a leader that loses its Lease.
const longFaults = "CAPTAIN_FAULTS_LONG"

// The release every crash scenario drives, from the orphans chart: a
// ConfigMap <release>-base, a Deployment, and a ConfigMap <release>-extra
// when values.extra is set; a new values.selector makes an upgrade fail on
// the Deployment's immutable selector after the ConfigMaps were applied.
const crashRelease = "app"

// crashOps are the operations a crash can interrupt, in the order a
// scenario runs them; each starts with one change to the HelmRequest.
var crashOps = []crashOp{
	{name: "install", values: `{"extra":true}`},
	{name: "upgrade", values: `{}`},
	// Fails after creating -extra and changing -base; rolled back to the
	// upgrade's revision, which -extra is no part of.
	{name: "rollback-on-failure", values: `{"extra":true,"selector":"b"}`, rolledBack: true},
	{name: "uninstall", uninstall: true},
}

type crashOp struct {
	name string
	// values are the HelmRequest's new spec.values.
	values string
	// rolledBack: the change fails and is rolled back, leaving the values
	// of the operation before deployed.
	rolledBack bool
	uninstall  bool
}

// crashPoint is one crash: before the nth counted write of operation op.
type crashPoint struct {
	op    int
	write int
}

// A manager SIGKILLed at any point of an install, an upgrade, an upgrade
// rolled back on failure and an uninstall of a multi-object chart is
// replaced by one that converges every HelmRequest to its spec: no release
// is left pending-*, no object of the release is orphaned, no Helm
// revision is lost.
//
// The managers reach the API server through a proxy that counts their
// writes in the scenario's namespace (Events aside) and kills the manager
// just before the chosen write, so the API server holds exactly the writes
// made before it. A first, uninterrupted pass records the writes each
// operation makes. The short version crashes at the key points among them
// (keyPoints): just before each operation's last write to Helm's release
// records (its commit), and as the rollback begins. The long version
// (CAPTAIN_FAULTS_LONG=1) adds 20 points spread over all the writes
// (crashPoints). Each crash point runs the whole scenario in a namespace of
// its own: the operations before the crashing one, the crash, a new
// manager, then the rest of the operations. A bystander release, as
// requested all along, must get no new revision from any restart.
func TestCrashAnywhere(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t)
	proxy := cp.NewWriteProxy(t)
	kubeconfig := writeKubeconfig(t, proxy.KubeConfig())
	repo := httprepo.New(t)
	env := &crashEnv{t: t, cp: cp, proxy: proxy, repo: repo}
	env.manager = startManager(t, kubeconfig)

	// A bystander: a restart must neither upgrade nor otherwise write to a
	// release that is as requested.
	bystanderNS := cp.NewNamespace(t)
	bystander := sourced(bystanderNS, "bystander", repo.URL(), nil)
	g.Expect(cp.Client.Create(ctx, bystander)).To(Succeed())
	eventuallyReady(g, cp, bystander)

	// Measure each operation's writes once, uninterrupted.
	ns := cp.NewNamespace(t)
	counts := make([]int, len(crashOps))
	measured := make([][]string, len(crashOps))
	for i, op := range crashOps {
		proxy.Count(env.inNamespace(ns))
		env.quiet(g)
		proxy.Count(env.inNamespace(ns))
		env.start(g, ns, op)
		env.converged(g, ns, i)
		env.quiet(g)
		writes := proxy.Writes()
		counts[i], measured[i] = len(writes), writes
		t.Logf("%s: %d writes:\n  %s", op.name, len(writes), strings.Join(writes, "\n  "))
	}

	points := keyPoints(measured)
	if os.Getenv(longFaults) != "" {
		points = unionPoints(crashPoints(counts, 20), points)
	}
	missed := 0
	for k, p := range points {
		op := crashOps[p.op]
		start := time.Now()
		ns := cp.NewNamespace(t)
		for i := range p.op {
			env.start(g, ns, crashOps[i])
			env.converged(g, ns, i)
		}
		proxy.Count(env.inNamespace(ns))
		env.quiet(g)
		proxy.Count(env.inNamespace(ns))
		var hit string
		dying := env.manager
		proxy.StopAt(p.write, func(write string) {
			hit = write
			dying.kill()
		})
		env.start(g, ns, op)
		reached := true
		g.Eventually(func(g Gomega) {
			if proxy.Stopped() {
				return
			}
			env.check(g, ns, p.op)
			reached = false
		}, time.Minute, 20*time.Millisecond).Should(Succeed())
		made := len(proxy.Writes())
		proxy.Count(nil)
		if !reached {
			// The operation made fewer writes this time than measured.
			missed++
			t.Logf("crash %d/%d: %s finished after %d writes, before write %d: no crash", k+1, len(points), op.name, made, p.write)
		} else {
			env.manager = startManager(t, kubeconfig)
		}
		env.converged(g, ns, p.op)
		for i := p.op + 1; i < len(crashOps); i++ {
			env.start(g, ns, crashOps[i])
			env.converged(g, ns, i)
		}
		env.bystanderUntouched(g, bystander)
		if reached {
			t.Logf("crash %d/%d: %s, before write %d of %d (%s): recovered, %s", k+1, len(points), op.name, p.write, counts[p.op], hit, time.Since(start).Round(100*time.Millisecond))
		}
	}
	g.Expect(missed).To(BeNumerically("<=", len(points)/5), "most crash points were reached")
}

// Captain deletes the objects a failed revision created once a later
// upgrade succeeds (Helm leaks them: it diffs against the last deployed
// revision only). A manager killed after that upgrade was recorded but
// before the orphan was deleted leaves the deletion to the next manager.
func TestCrashBeforePruneLeavesNoOrphan(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t)
	proxy := cp.NewWriteProxy(t)
	kubeconfig := writeKubeconfig(t, proxy.KubeConfig())
	repo := httprepo.New(t)
	ns := cp.NewNamespace(t)
	first := startManager(t, kubeconfig)
	keepAll := 0
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: crashRelease, Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Source:     &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: repo.URL() + "/orphans-0.1.0.tgz"}},
			MaxHistory: &keepAll,
			Values:     &apiextensionsv1.JSON{Raw: []byte(`{}`)},
		},
	}
	g.Expect(cp.Client.Create(ctx, hr)).To(Succeed())
	eventuallyReady(g, cp, hr)

	// An upgrade that fails after creating -extra, and is not rolled back.
	patchSpecValues(g, cp, hr, `{"extra":true,"selector":"b"}`)
	g.Eventually(func(g Gomega) {
		history := crashHistory(g, cp, ns)
		g.Expect(history[len(history)-1].Info.Status).To(Equal(helmrelease.StatusFailed))
		g.Expect(cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: crashRelease + "-extra"}, &corev1.ConfigMap{})).To(Succeed())
	}, time.Minute, 50*time.Millisecond).Should(Succeed())

	// The fix succeeds; the manager dies just before deleting -extra.
	proxy.Count(func(r *http.Request) bool {
		return r.Method == http.MethodDelete && r.URL.Path == "/api/v1/namespaces/"+ns+"/configmaps/"+crashRelease+"-extra"
	})
	proxy.StopAt(1, func(string) { first.kill() })
	g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(hr), hr)).To(Succeed())
	patchSpecValues(g, cp, hr, `{}`)
	g.Eventually(proxy.Stopped, time.Minute, 20*time.Millisecond).Should(BeTrue())
	proxy.Count(nil)

	startManager(t, kubeconfig)
	eventuallyReady(g, cp, hr)
	g.Eventually(func(g Gomega) { checkCrashRelease(g, cp, ns, nil) }, 30*time.Second, 100*time.Millisecond).Should(Succeed())
}

// keyPoints are, in the writes measured of each operation, those before
// which a crash leaves the most to recover: the last write to a release
// record (the one that marks the new revision deployed, or deletes the last
// record), and in the rollback the creation of the rollback's revision,
// after the failed upgrade was recorded.
func keyPoints(measured [][]string) []crashPoint {
	var points []crashPoint
	for i, writes := range measured {
		lastRecord, lastCreate := 0, 0
		for n, w := range writes {
			if strings.Contains(w, "/secrets/sh.helm.release.v1.") {
				lastRecord = n + 1
			}
			if strings.HasPrefix(w, "POST ") && strings.HasSuffix(w, "/secrets") {
				lastCreate = n + 1
			}
		}
		if crashOps[i].rolledBack && lastCreate >= 2 {
			points = append(points, crashPoint{op: i, write: lastCreate})
		}
		if lastRecord >= 2 {
			points = append(points, crashPoint{op: i, write: lastRecord})
		}
	}
	return points
}

// unionPoints is a and b without duplicates, in operation and write order.
func unionPoints(a, b []crashPoint) []crashPoint {
	seen := map[crashPoint]bool{}
	var out []crashPoint
	for _, p := range append(append([]crashPoint(nil), a...), b...) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].op != out[j].op {
			return out[i].op < out[j].op
		}
		return out[i].write < out[j].write
	})
	return out
}

// crashPoints spreads total crash points over the operations in proportion
// to their writes (at least one each), then evenly over each operation's
// writes. A crash before an operation's first write is left out: it leaves
// the same state as no crash at all.
func crashPoints(counts []int, total int) []crashPoint {
	// Positions: before write 2 .. before write n of each operation.
	positions, all := make([]int, len(counts)), 0
	for i, c := range counts {
		positions[i] = max(c-1, 0)
		all += positions[i]
	}
	total = min(total, all)
	// Largest remainders, after one point for each operation that writes.
	alloc, given := make([]int, len(counts)), 0
	rest := make([]float64, len(counts))
	for i, p := range positions {
		share := float64(total) * float64(p) / float64(all)
		alloc[i] = min(max(int(share), min(p, 1)), p)
		rest[i] = share - float64(alloc[i])
		given += alloc[i]
	}
	for ; given < total; given++ {
		best := -1
		for i := range rest {
			if alloc[i] < positions[i] && (best < 0 || rest[i] > rest[best]) {
				best = i
			}
		}
		alloc[best]++
		rest[best]--
	}
	var points []crashPoint
	for i, k := range alloc {
		for j := range k {
			at := 0
			if k > 1 {
				at = int(math.Round(float64(j) * float64(positions[i]-1) / float64(k-1)))
			} else {
				at = positions[i] / 2
			}
			points = append(points, crashPoint{op: i, write: 2 + at})
		}
	}
	return points
}

type crashEnv struct {
	t       *testing.T
	cp      *testenv.ControlPlane
	proxy   *testenv.WriteProxy
	repo    *httprepo.Server
	manager *managerProcess
}

// inNamespace selects the writes to ns, Events aside: they are written
// asynchronously, so their order among the others varies from run to run.
func (e *crashEnv) inNamespace(ns string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/namespaces/"+ns+"/") && !strings.HasSuffix(r.URL.Path, "/events") &&
			!strings.Contains(r.URL.Path, "/events/")
	}
}

// quiet waits until the managers made no counted write for half a second,
// so that one operation's last writes are not counted as the next one's.
func (e *crashEnv) quiet(g Gomega) {
	last, since := 0, time.Now()
	g.Eventually(func() bool {
		if n := len(e.proxy.Writes()); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) > 500*time.Millisecond
	}, 30*time.Second, 50*time.Millisecond).Should(BeTrue())
}

// start makes the change that starts op in ns.
func (e *crashEnv) start(g Gomega, ns string, op crashOp) {
	ctx := context.Background()
	key := client.ObjectKey{Namespace: ns, Name: crashRelease}
	if op.uninstall {
		hr := &v1.HelmRequest{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: ns}}
		g.Expect(e.cp.Client.Delete(ctx, hr)).To(Succeed())
		return
	}
	hr := &v1.HelmRequest{}
	err := e.cp.Client.Get(ctx, key, hr)
	if apierrors.IsNotFound(err) {
		history := 0
		hr = &v1.HelmRequest{
			ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: ns},
			Spec: v1.HelmRequestSpec{
				Source:  &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: e.repo.URL() + "/orphans-0.1.0.tgz"}},
				Upgrade: &v1.UpgradeSpec{RollbackOnFailure: true},
				// Keep every revision, so that none can be lost unseen.
				MaxHistory: &history,
				Values:     &apiextensionsv1.JSON{Raw: []byte(op.values)},
			},
		}
		g.Expect(e.cp.Client.Create(ctx, hr)).To(Succeed())
		return
	}
	g.Expect(err).NotTo(HaveOccurred())
	patchSpecValues(g, e.cp, hr, op.values)
}

// patchSpecValues replaces the HelmRequest's spec.values, whatever its manager
// writes to its status meanwhile.
func patchSpecValues(g Gomega, cp *testenv.ControlPlane, hr *v1.HelmRequest, values string) {
	patch := client.MergeFrom(hr.DeepCopy())
	hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(values)}
	g.Expect(cp.Client.Patch(context.Background(), hr, patch)).To(Succeed())
}

// converged waits until the scenario in ns has converged after operation i
// (see check).
func (e *crashEnv) converged(g Gomega, ns string, i int) {
	g.Eventually(func(g Gomega) { e.check(g, ns, i) }, time.Minute, 50*time.Millisecond).Should(Succeed())
}

// check asserts that the scenario in ns has converged after operation i:
// the HelmRequest's status says so for its generation, no revision is
// pending, none is lost, the deployed one is made from the values operation
// i leaves deployed, and the release has no object but those it renders.
// After the uninstall nothing of the release is left.
func (e *crashEnv) check(g Gomega, ns string, i int) {
	op := crashOps[i]
	ctx := context.Background()
	key := client.ObjectKey{Namespace: ns, Name: crashRelease}
	if op.uninstall {
		err := e.cp.Client.Get(ctx, key, &v1.HelmRequest{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the HelmRequest is gone: %v", err)
		g.Expect(crashHistory(g, e.cp, ns)).To(BeEmpty(), "no release record is left")
		g.Expect(crashReleaseObjects(g, e.cp, ns)).To(BeEmpty(), "no object of the release is left")
		return
	}
	deployedValues := op.values
	if op.rolledBack {
		deployedValues = crashOps[i-1].values
	}
	var want map[string]any
	g.Expect(yaml.Unmarshal([]byte(deployedValues), &want)).To(Succeed())

	hr := &v1.HelmRequest{}
	g.Expect(e.cp.Client.Get(ctx, key, hr)).To(Succeed())
	g.Expect(hr.Status.ObservedGeneration).To(Equal(hr.Generation))
	ready := apimeta.FindStatusCondition(hr.Status.Conditions, v1.ReadyCondition)
	g.Expect(ready).NotTo(BeNil())
	if op.rolledBack {
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal("UpgradeRolledBack"), ready.Message)
		g.Expect(apimeta.IsStatusConditionTrue(hr.Status.Conditions, v1.StalledCondition)).To(BeTrue())
	} else {
		g.Expect(ready.Status).To(Equal(metav1.ConditionTrue), ready.Message)
	}

	latest := checkCrashRelease(g, e.cp, ns, want)
	g.Expect(hr.Status.Clusters).To(HaveLen(1))
	g.Expect(hr.Status.Clusters[0].Revision).To(Equal(latest.Version))
}

// checkCrashRelease asserts that the scenario's release in ns has no revision
// pending, none lost (numbered from 1 without a gap: the HelmRequests keep
// all), that its latest revision is the one deployed, made from values
// want, and that the live objects of the release are exactly those that
// revision renders. It returns the deployed revision.
func checkCrashRelease(g Gomega, cp *testenv.ControlPlane, ns string, want map[string]any) *helmrelease.Release {
	history := crashHistory(g, cp, ns)
	g.Expect(history).NotTo(BeEmpty())
	var statuses []string
	for _, r := range history {
		statuses = append(statuses, fmt.Sprintf("%d:%s", r.Version, r.Info.Status))
	}
	for n, r := range history {
		g.Expect(r.Version).To(Equal(n+1), "revisions are numbered from 1 without a gap: %v", statuses)
		g.Expect(r.Info.Status.IsPending()).To(BeFalse(), "no revision is pending: %v", statuses)
	}
	latest := history[len(history)-1]
	g.Expect(latest.Info.Status).To(Equal(helmrelease.StatusDeployed), "the latest revision is deployed: %v", statuses)
	for _, r := range history[:len(history)-1] {
		g.Expect(r.Info.Status).NotTo(Equal(helmrelease.StatusDeployed), "only the latest revision is deployed: %v", statuses)
	}
	g.Expect(latest.Chart.Metadata.Version).To(Equal("0.1.0"))
	if len(want) == 0 {
		g.Expect(latest.Config).To(BeEmpty(), "the deployed revision has the values of the spec")
	} else {
		g.Expect(latest.Config).To(Equal(want), "the deployed revision has the values of the spec")
	}
	g.Expect(crashReleaseObjects(g, cp, ns)).To(ConsistOf(crashManifestObjects(g, latest.Manifest)),
		"the release's objects are those of its deployed revision")
	base := &corev1.ConfigMap{}
	g.Expect(cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: crashRelease + "-base"}, base)).To(Succeed())
	g.Expect(base.Data).To(HaveKeyWithValue("selector", "a"), "the live objects are those of the deployed revision")
	return latest
}

// bystanderUntouched checks that the bystander is still at revision 1.
func (e *crashEnv) bystanderUntouched(g Gomega, hr *v1.HelmRequest) {
	eventuallyReady(g, e.cp, hr)
	st := crashHistory(g, e.cp, hr.Namespace, hr.Name)
	g.Expect(st).To(HaveLen(1), "a restart does not upgrade a release that is as requested")
}

// crashHistory reads a release's history through Helm's own storage,
// oldest first: the scenario's release unless another name is given.
func crashHistory(g Gomega, cp *testenv.ControlPlane, ns string, name ...string) []*helmrelease.Release {
	release := crashRelease
	if len(name) > 0 {
		release = name[0]
	}
	cs, err := kubernetes.NewForConfig(cp.Config)
	g.Expect(err).NotTo(HaveOccurred())
	history, err := storage.Init(driver.NewSecrets(cs.CoreV1().Secrets(ns))).History(release)
	if err == driver.ErrReleaseNotFound {
		return nil
	}
	g.Expect(err).NotTo(HaveOccurred())
	releaseutil.SortByRevision(history)
	return history
}

// crashReleaseObjects are the objects in ns that Helm's annotations assign to
// the scenario's release, as "Kind/name" (the chart makes only ConfigMaps
// and Deployments).
func crashReleaseObjects(g Gomega, cp *testenv.ControlPlane, ns string) []string {
	ctx := context.Background()
	var out []string
	ours := func(m metav1.ObjectMeta) bool {
		return m.Annotations["meta.helm.sh/release-name"] == crashRelease && m.DeletionTimestamp.IsZero()
	}
	cms := &corev1.ConfigMapList{}
	g.Expect(cp.Client.List(ctx, cms, client.InNamespace(ns))).To(Succeed())
	for _, o := range cms.Items {
		if ours(o.ObjectMeta) {
			out = append(out, "ConfigMap/"+o.Name)
		}
	}
	deploys := &appsv1.DeploymentList{}
	g.Expect(cp.Client.List(ctx, deploys, client.InNamespace(ns))).To(Succeed())
	for _, o := range deploys.Items {
		if ours(o.ObjectMeta) {
			out = append(out, "Deployment/"+o.Name)
		}
	}
	sort.Strings(out)
	return out
}

// crashManifestObjects are a manifest's objects as "Kind/name".
func crashManifestObjects(g Gomega, manifest string) []string {
	var out []string
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		g.Expect(yaml.Unmarshal([]byte(doc), &head)).To(Succeed())
		if head.Kind != "" {
			out = append(out, head.Kind+"/"+head.Metadata.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Crash points cover every operation, in proportion to its writes, at
// distinct writes after the first.
func TestCrashPointsSpread(t *testing.T) {
	g := NewWithT(t)
	counts := []int{7, 5, 12, 8}
	for _, total := range []int{5, 20} {
		points := crashPoints(counts, total)
		g.Expect(points).To(HaveLen(total))
		perOp := make([]int, len(counts))
		seen := map[crashPoint]bool{}
		for _, p := range points {
			g.Expect(p.write).To(And(BeNumerically(">=", 2), BeNumerically("<=", counts[p.op])))
			g.Expect(seen[p]).To(BeFalse(), "%v twice", p)
			seen[p] = true
			perOp[p.op]++
		}
		for i := range counts {
			g.Expect(perOp[i]).To(BeNumerically(">=", 1), "operation %d has a crash point", i)
		}
		g.Expect(perOp[2]).To(BeNumerically(">=", perOp[1]), "the operation with most writes has most points")
	}
	g.Expect(crashPoints([]int{3, 2}, 20)).To(HaveLen(3), "no more points than writes")

	// The writes measured of one scenario (namespace and API paths cut short).
	measured := [][]string{
		{"PATCH hr/app", "POST /secrets", "POST /configmaps", "POST /configmaps", "POST /deployments",
			"PUT /secrets/sh.helm.release.v1.app.v1", "PATCH hr/app/status"},
		{"POST /secrets", "DELETE /configmaps/app-extra", "PUT /secrets/sh.helm.release.v1.app.v1",
			"PUT /secrets/sh.helm.release.v1.app.v2", "PATCH hr/app/status"},
		{"POST /secrets", "PATCH /configmaps/app-base", "POST /configmaps", "PATCH /deployments/app",
			"PUT /secrets/sh.helm.release.v1.app.v2", "PUT /secrets/sh.helm.release.v1.app.v3", "POST /secrets",
			"PATCH /configmaps/app-base", "DELETE /configmaps/app-extra", "PUT /secrets/sh.helm.release.v1.app.v2",
			"PUT /secrets/sh.helm.release.v1.app.v4", "PATCH hr/app/status"},
		{"PUT /secrets/sh.helm.release.v1.app.v4", "DELETE /deployments/app", "DELETE /configmaps/app-base",
			"DELETE /secrets/sh.helm.release.v1.app.v1", "DELETE /secrets/sh.helm.release.v1.app.v2",
			"DELETE /secrets/sh.helm.release.v1.app.v3", "DELETE /secrets/sh.helm.release.v1.app.v4", "PATCH hr/app"},
	}
	g.Expect(keyPoints(measured)).To(Equal([]crashPoint{{0, 6}, {1, 4}, {2, 7}, {2, 11}, {3, 7}}),
		"before each commit to the release records, and as the rollback begins")
}
