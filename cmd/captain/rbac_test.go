package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	gomegatypes "github.com/onsi/gomega/types"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/manager"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
)

// deployNamespace is where config/ deploys Captain; deployAccount is the
// ServiceAccount config/rbac makes for it.
const (
	deployNamespace = "captain-system"
	deployAccount   = "captain"
	deployUser      = "system:serviceaccount:" + deployNamespace + ":" + deployAccount
)

// binaryEnv names a Captain binary (such as bin/captain, relative to the
// module root) for TestDeployedRBAC to run instead of re-executing the test
// binary, which runs this package's main() too.
const binaryEnv = "CAPTAIN_BINARY"

// rbacTimeout bounds each wait; it is generous because it only matters
// when something is wrong.
const rbacTimeout = 2 * time.Minute

// TestDeployedRBAC proves the RBAC of config/ sufficient, and its rules
// necessary, by running Captain as a process of its own with the args of
// config/manager's Deployment and a token of the ServiceAccount config/rbac
// makes, and nothing else. RBAC changes apply at once, so one Captain
// process sees the stages in turn:
//
//   - config/rbac alone (Captain's own rights) installs nothing as Captain;
//   - config/tenant: Captain syncs a ChartRepo, probes a Cluster, and a
//     release made as a tenant's ServiceAccount installs, upgrades (on spec
//     and valuesFrom changes) and uninstalls, with leader election and
//     events, and its log shows no request refused, not even those whose
//     failure is otherwise silent (a watch, an event). The release
//     manager's rights are absent, so all this rests on config/rbac's rules.
//     The admission policy refuses HelmRequests that tenant mode cannot
//     serve, and a ServiceAccount without rights gets nothing done;
//   - without one of config/rbac's rules, what needs it fails with an error
//     naming it, and putting the rule back heals it;
//   - config/default: a release made as Captain, into a namespace it
//     creates, installs, upgrades and uninstalls.
func TestDeployedRBAC(t *testing.T) {
	g := NewWithT(t)
	cp := testenv.StartForTest(t)
	own := append(only("Namespace", kustomize(t, "config/manager")), kustomize(t, "config/rbac")...)
	tenant := deployable(kustomize(t, "config/tenant"))
	defaults := deployable(kustomize(t, "config/default"))
	g.Expect(names(difference(tenant, own))).To(ConsistOf(
		"ValidatingAdmissionPolicy/captain-tenant-helmrequests", "ValidatingAdmissionPolicyBinding/captain-tenant-helmrequests"))
	g.Expect(names(difference(defaults, own))).To(ConsistOf(
		"ClusterRole/captain-release-manager", "ClusterRoleBinding/captain-release-manager"))
	g.Expect(difference(own, defaults)).To(BeEmpty())

	switchObjects(g, cp, nil, own)
	// Captain should start with its rights in force, or its log shows refusals.
	eventuallyAllowed(g, cp, "", "watch", "captain.io", "helmrequests", true)
	eventuallyAllowed(g, cp, deployNamespace, "create", "coordination.k8s.io", "leases", true)
	kubeconfig := serviceAccountKubeconfig(t, cp, deployNamespace, deployAccount)
	args := deploymentArgs(t, kustomize(t, "config/manager"), kubeconfig)
	captain := startCaptain(t, args...)
	repo := httprepo.New(t)

	var ownNamespace string
	if !t.Run("own rights", func(t *testing.T) { ownNamespace = testOwnRights(t, cp, repo, captain) }) {
		return
	}
	switchObjects(g, cp, own, tenant)
	if !t.Run("tenant mode", func(t *testing.T) { testTenantMode(t, cp, repo, captain, ownNamespace) }) {
		return
	}
	if !t.Run("missing rule", func(t *testing.T) { testMissingRules(t, cp, repo, args) }) {
		return
	}
	switchObjects(g, cp, tenant, defaults)
	eventuallyAllowed(g, cp, "", "create", "apps", "deployments", true)
	t.Run("release manager", func(t *testing.T) { testReleaseManager(t, cp, repo, captain) })
}

// testOwnRights checks that config/rbac alone lets Captain make no release
// as itself, and says so. It returns the namespace it tried in.
func testOwnRights(t *testing.T, cp *testenv.ControlPlane, repo *httprepo.Server, captain *managerProcess) string {
	g := NewWithT(t)
	ctx := context.Background()
	ns := cp.NewNamespace(t)
	hr := sourceRequest(ns, repo.URL()+"/plain-0.1.0.tgz", "")
	g.Expect(cp.Client.Create(ctx, hr)).To(Succeed())
	eventuallyFailing(g, cp, hr, MatchRegexp(`User %q cannot \w+ resource`, deployUser))
	g.Expect(releaseRecords(g, cp, ns, "web")).To(BeEmpty())
	// The log shows refusals as the later subtests look for them.
	g.Expect(refusals(captain, 0)).To(ContainElement(MatchRegexp(`^\w+ /\w+ in %q$`, ns)))
	g.Expect(cp.Client.Delete(ctx, hr)).To(Succeed())
	eventuallyGone(g, cp, hr)
	return ns
}

// testTenantMode runs through a release's life in tenant mode, touching
// every kind Captain works with, and checks the admission policy.
func testTenantMode(t *testing.T, cp *testenv.ControlPlane, repo *httprepo.Server, captain *managerProcess, ownNamespace string) {
	g := NewWithT(t)
	ctx := context.Background()
	lease := &coordinationv1.Lease{}
	leaseKey := client.ObjectKey{Namespace: deployNamespace, Name: "captain.captain.io"}
	g.Expect(cp.Client.Get(ctx, leaseKey, lease)).To(Succeed())
	g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil(), "leader elected")
	renewed := lease.Spec.RenewTime.DeepCopy()

	// A shared ChartRepo (its Charts are made by Captain), and a Cluster
	// whose kubeconfig Secret Captain reads in its namespace.
	chartRepo := &v1.ChartRepo{
		ObjectMeta: metav1.ObjectMeta{Name: "charts", Namespace: deployNamespace},
		Spec:       v1.ChartRepoSpec{Type: v1.RepoHTTP, URL: repo.URL()},
	}
	g.Expect(cp.Client.Create(ctx, chartRepo)).To(Succeed())
	kubeconfigSecret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "self-kubeconfig", Namespace: deployNamespace},
		Data:       map[string][]byte{"value": cp.KubeConfig()},
	}
	g.Expect(cp.Client.Create(ctx, kubeconfigSecret)).To(Succeed())
	cluster := &v1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "self"},
		Spec:       v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: kubeconfigSecret.Name}},
	}
	g.Expect(cp.Client.Create(ctx, cluster)).To(Succeed())

	team := cp.NewNamespace(t)
	grantDeployer(g, cp, team)
	valuesCM := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "web-values", Namespace: team},
		Data:       map[string]string{"values.yaml": "config:\n  greeting: hello\n"},
	}
	valuesSecret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "web-secret-values", Namespace: team},
		Data:       map[string][]byte{"values.yaml": []byte("config:\n  token: s3cret\n")},
	}
	g.Expect(cp.Client.Create(ctx, valuesCM)).To(Succeed())
	g.Expect(cp.Client.Create(ctx, valuesSecret)).To(Succeed())
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: team},
		Spec: v1.HelmRequestSpec{
			Chart:              "charts/plain",
			ServiceAccountName: "deployer",
			Values:             &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":1}`)},
			ValuesFrom: []v1.ValuesReference{
				{ConfigMapKeyRef: &v1.ValuesKeyRef{Name: valuesCM.Name}},
				{SecretKeyRef: &v1.ValuesKeyRef{Name: valuesSecret.Name}},
			},
		},
	}
	g.Expect(cp.Client.Create(ctx, hr)).To(Succeed())
	eventuallyReady(g, cp, hr)
	g.Expect(revision(g, cp, hr)).To(Equal(1))
	g.Expect(liveConfig(g, cp, team, "web")).To(Equal(map[string]string{"greeting": "hello", "token": "s3cret"}))

	g.Eventually(func() metav1.ConditionStatus { return conditionOf(g, cp, chartRepo, v1.ReadyCondition) },
		rbacTimeout, 100*time.Millisecond).Should(Equal(metav1.ConditionTrue), "ChartRepo synced")
	charts := &v1.ChartList{}
	g.Expect(cp.Client.List(ctx, charts, client.InNamespace(deployNamespace), client.MatchingLabels{v1.RepoLabel: "charts"})).To(Succeed())
	g.Expect(charts.Items).NotTo(BeEmpty(), "Chart objects made")
	g.Eventually(func() metav1.ConditionStatus { return conditionOf(g, cp, cluster, v1.ReadyCondition) },
		rbacTimeout, 100*time.Millisecond).Should(Equal(metav1.ConditionTrue), "Cluster probed with its kubeconfig Secret")

	// A spec change upgrades...
	g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(hr), hr)).To(Succeed())
	hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":2}`)}
	g.Expect(cp.Client.Update(ctx, hr)).To(Succeed())
	eventuallyReady(g, cp, hr)
	g.Expect(revision(g, cp, hr)).To(Equal(2))
	deploy := &appsv1.Deployment{}
	g.Expect(cp.Client.Get(ctx, client.ObjectKey{Namespace: team, Name: "web"}, deploy)).To(Succeed())
	g.Expect(*deploy.Spec.Replicas).To(BeEquivalentTo(2))

	// ...and so does a change to a referenced ConfigMap, seen by the watch.
	valuesCM.Data["values.yaml"] = "config:\n  greeting: hi\n"
	g.Expect(cp.Client.Update(ctx, valuesCM)).To(Succeed())
	g.Eventually(func() int { return revision(g, cp, hr) }, rbacTimeout, 100*time.Millisecond).Should(Equal(3))
	eventuallyReady(g, cp, hr)
	g.Expect(liveConfig(g, cp, team, "web")).To(HaveKeyWithValue("greeting", "hi"))

	g.Eventually(func() []string { return eventReasons(g, cp, team, "web") }, rbacTimeout, 100*time.Millisecond).
		Should(ContainElements("InstallSucceeded", "UpgradeSucceeded"), "events.k8s.io events")
	g.Eventually(func() *metav1.MicroTime {
		g.Expect(cp.Client.Get(ctx, leaseKey, lease)).To(Succeed())
		return lease.Spec.RenewTime
	}, rbacTimeout, 100*time.Millisecond).Should(Satisfy(renewed.Before), "the leader renews its Lease")
	g.Eventually(func() []string { return coreEventReasons(g, cp, deployNamespace) }, rbacTimeout, 100*time.Millisecond).
		Should(ContainElement("LeaderElection"), "the leader election's core events")
	digestKey := &corev1.Secret{}
	g.Expect(cp.Client.Get(ctx, client.ObjectKey{Namespace: deployNamespace, Name: manager.DigestKeySecret}, digestKey)).To(Succeed())

	g.Expect(cp.Client.Delete(ctx, hr)).To(Succeed())
	eventuallyGone(g, cp, hr)
	g.Expect(releaseRecords(g, cp, team, "web")).To(BeEmpty(), "release uninstalled")
	err := cp.Client.Get(ctx, client.ObjectKey{Namespace: team, Name: "web"}, &appsv1.Deployment{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "release objects deleted: %v", err)

	// The admission policy refuses what tenant mode cannot serve.
	url := repo.URL() + "/plain-0.1.0.tgz"
	g.Eventually(func() error {
		return cp.Client.Create(ctx, sourceRequest(team, url, ""), client.DryRunAll)
	}, rbacTimeout, 100*time.Millisecond).Should(MatchError(ContainSubstring("spec.serviceAccountName is required")))
	elsewhere := sourceRequest(team, url, "deployer")
	elsewhere.Spec.Namespace = "kube-system"
	g.Expect(cp.Client.Create(ctx, elsewhere, client.DryRunAll)).To(MatchError(ContainSubstring("spec.namespace must be empty or the HelmRequest's own namespace")))
	created := sourceRequest(team, url, "deployer")
	created.Spec.CreateNamespace = true
	g.Expect(cp.Client.Create(ctx, created, client.DryRunAll)).To(MatchError(ContainSubstring("spec.createNamespace cannot be set")))

	// Without a Role, the ServiceAccount can do nothing, and neither can
	// Captain for it.
	bare := cp.NewNamespace(t)
	g.Expect(cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer", Namespace: bare}})).To(Succeed())
	hr = sourceRequest(bare, url, "deployer")
	g.Expect(cp.Client.Create(ctx, hr)).To(Succeed())
	eventuallyFailing(g, cp, hr, And(
		ContainSubstring("forbidden"),
		ContainSubstring(fmt.Sprintf(`User "system:serviceaccount:%s:deployer" cannot`, bare)),
	))

	// Some refusals only show in the log: a failing watch is made up for by
	// relisting, a lost event is only logged. Since Captain started, it was
	// refused nothing but the release it tried as itself.
	g.Expect(refusals(captain, 0, ownNamespace)).To(BeEmpty(), "Captain's requests refused")
}

// testReleaseManager runs through the life of a release made as Captain,
// with config/default's rights, in a namespace it creates.
func testReleaseManager(t *testing.T, cp *testenv.ControlPlane, repo *httprepo.Server, captain *managerProcess) {
	g := NewWithT(t)
	ctx := context.Background()
	logged := len(captain.out.String())
	hr := sourceRequest(cp.NewNamespace(t), repo.URL()+"/plain-0.1.0.tgz", "")
	hr.Spec.Namespace, hr.Spec.CreateNamespace = "apps", true
	// The API server takes a moment to drop the tenant admission policy.
	g.Eventually(func() error { return cp.Client.Create(ctx, hr.DeepCopy(), client.DryRunAll) },
		rbacTimeout, 100*time.Millisecond).Should(Succeed())
	g.Expect(cp.Client.Create(ctx, hr)).To(Succeed())
	eventuallyReady(g, cp, hr)
	g.Expect(revision(g, cp, hr)).To(Equal(1))
	g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(hr), hr)).To(Succeed())
	hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":3}`)}
	g.Expect(cp.Client.Update(ctx, hr)).To(Succeed())
	eventuallyReady(g, cp, hr)
	g.Expect(revision(g, cp, hr)).To(Equal(2))
	deploy := &appsv1.Deployment{}
	g.Expect(cp.Client.Get(ctx, client.ObjectKey{Namespace: "apps", Name: "web"}, deploy)).To(Succeed())
	g.Expect(*deploy.Spec.Replicas).To(BeEquivalentTo(3))

	g.Expect(cp.Client.Delete(ctx, hr)).To(Succeed())
	eventuallyGone(g, cp, hr)
	g.Expect(releaseRecords(g, cp, "apps", "web")).To(BeEmpty(), "release uninstalled")
	err := cp.Client.Get(ctx, client.ObjectKey{Namespace: "apps", Name: "web"}, &appsv1.Deployment{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "release objects deleted: %v", err)
	g.Expect(refusals(captain, logged)).To(BeEmpty(), "Captain's requests refused")
}

// testMissingRules takes one rule out of config/rbac's roles at a time and
// checks that what needs it fails, saying why, until it is put back.
func testMissingRules(t *testing.T, cp *testenv.ControlPlane, repo *httprepo.Server, args []string) {
	url := repo.URL() + "/plain-0.1.0.tgz"
	for _, tc := range []struct {
		name                  string
		role                  client.ObjectKey // no namespace: a ClusterRole
		group, resource, verb string
		// broken runs what needs the rule and checks that it fails; it
		// returns what checks that it works once the rule is back.
		broken func(t *testing.T, g Gomega) (restored func(g Gomega))
	}{{
		name: "impersonate serviceaccounts",
		role: client.ObjectKey{Name: "captain"}, resource: "serviceaccounts", verb: "impersonate",
		broken: func(t *testing.T, g Gomega) func(Gomega) {
			ns := cp.NewNamespace(t)
			grantDeployer(g, cp, ns)
			hr := sourceRequest(ns, url, "deployer")
			g.Expect(cp.Client.Create(context.Background(), hr)).To(Succeed())
			eventuallyFailing(g, cp, hr,
				ContainSubstring(fmt.Sprintf("User %q cannot impersonate resource \"serviceaccounts\"", deployUser)))
			return func(g Gomega) {
				poke(g, cp, hr) // rather than wait for the retry's backoff
				eventuallyReady(g, cp, hr)
			}
		},
	}, {
		name: "create secrets in its namespace",
		role: client.ObjectKey{Namespace: deployNamespace, Name: "captain"}, resource: "secrets", verb: "create",
		broken: func(t *testing.T, g Gomega) func(Gomega) {
			key := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: deployNamespace, Name: manager.DigestKeySecret}}
			g.Expect(cp.Client.Delete(context.Background(), key)).To(Succeed())
			p := startCaptain(t, args...)
			g.Eventually(p.done, rbacTimeout).Should(BeClosed(), "Captain cannot start without its digest key")
			g.Expect(p.cmd.ProcessState.ExitCode()).NotTo(BeZero())
			g.Expect(p.out.String()).To(And(
				ContainSubstring("creating Secret captain-system/captain-digest-key"),
				ContainSubstring(fmt.Sprintf("User %q cannot create resource \"secrets\"", deployUser)),
			))
			return func(g Gomega) {
				p := startCaptain(t, args...)
				defer p.kill()
				g.Eventually(func() error {
					return cp.Client.Get(context.Background(), client.ObjectKeyFromObject(key), &corev1.Secret{})
				}, rbacTimeout, 100*time.Millisecond).Should(Succeed())
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			original := rules(g, cp, tc.role)
			reduced, found := withoutRule(original, tc.group, tc.resource, tc.verb)
			g.Expect(found).To(BeTrue(), "config/rbac grants %s on %s", tc.verb, tc.resource)
			setRules(g, cp, tc.role, reduced)
			eventuallyAllowed(g, cp, tc.role.Namespace, tc.verb, tc.group, tc.resource, false)
			restored := tc.broken(t, g)
			setRules(g, cp, tc.role, original)
			eventuallyAllowed(g, cp, tc.role.Namespace, tc.verb, tc.group, tc.resource, true)
			restored(g)
		})
	}
}

// kustomize builds a kustomization of the module the way kubectl apply -k
// does.
func kustomize(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, dir))
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range m.Resources() {
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("kustomize %s: %v", dir, err)
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(b); err != nil {
			t.Fatalf("kustomize %s: %v", dir, err)
		}
		objs = append(objs, obj)
	}
	return objs
}

// deployable are the objects the test applies: not the CRDs (testenv
// installed config/crd/bases) nor the Deployment (Captain runs here as a
// process of its own).
func deployable(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if k := o.GetKind(); k != "CustomResourceDefinition" && k != "Deployment" {
			out = append(out, o)
		}
	}
	return out
}

func only(kind string, objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// switchObjects goes from the objects from to the objects to: deletes those
// only in from, creates those only in to.
func switchObjects(g Gomega, cp *testenv.ControlPlane, from, to []*unstructured.Unstructured) {
	ctx := context.Background()
	for _, o := range difference(from, to) {
		g.Expect(cp.Client.Delete(ctx, o.DeepCopy())).To(Succeed(), "deleting %s", objectName(o))
	}
	for _, o := range difference(to, from) {
		g.Expect(cp.Client.Create(ctx, o.DeepCopy())).To(Succeed(), "creating %s", objectName(o))
	}
}

func objectName(o *unstructured.Unstructured) string {
	if o.GetNamespace() != "" {
		return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
	}
	return o.GetKind() + "/" + o.GetName()
}

func names(objs []*unstructured.Unstructured) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = objectName(o)
	}
	return out
}

// difference is the objects of a that are not in b.
func difference(a, b []*unstructured.Unstructured) []*unstructured.Unstructured {
	in := map[string]bool{}
	for _, o := range b {
		in[o.GetAPIVersion()+" "+objectName(o)] = true
	}
	var out []*unstructured.Unstructured
	for _, o := range a {
		if !in[o.GetAPIVersion()+" "+objectName(o)] {
			out = append(out, o)
		}
	}
	return out
}

// serviceAccountKubeconfig writes a kubeconfig that reaches the control
// plane as the ServiceAccount, with a token from the TokenRequest API.
func serviceAccountKubeconfig(t *testing.T, cp *testenv.ControlPlane, namespace, name string) string {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(cp.Config)
	g.Expect(err).NotTo(HaveOccurred())
	expiry := int64(3 * time.Hour / time.Second)
	tok, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	cfg, err := clientcmd.Load(cp.KubeConfig())
	g.Expect(err).NotTo(HaveOccurred())
	user := cfg.Contexts[cfg.CurrentContext].AuthInfo
	cfg.AuthInfos[user].ClientCertificateData, cfg.AuthInfos[user].ClientKeyData = nil, nil
	cfg.AuthInfos[user].Token = tok.Status.Token
	path := filepath.Join(t.TempDir(), "kubeconfig")
	g.Expect(clientcmd.WriteToFile(*cfg, path)).To(Succeed())

	// The kubeconfig is that account and nothing more.
	restCfg, err := clientcmd.BuildConfigFromFlags("", path)
	g.Expect(err).NotTo(HaveOccurred())
	saClient, err := kubernetes.NewForConfig(restCfg)
	g.Expect(err).NotTo(HaveOccurred())
	review, err := saClient.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(review.Status.UserInfo.Username).To(Equal("system:serviceaccount:" + namespace + ":" + name))
	g.Expect(review.Status.UserInfo.Groups).NotTo(ContainElement("system:masters"))
	return path
}

// deploymentArgs are the args of the manager container of config/manager's
// Deployment, with addresses on loopback ports of the system's choosing and
// the chart cache in a temporary folder, plus the kubeconfig.
func deploymentArgs(t *testing.T, objs []*unstructured.Unstructured, kubeconfig string) []string {
	t.Helper()
	var deploy *appsv1.Deployment
	for _, o := range objs {
		if o.GetKind() == "Deployment" && o.GetNamespace() == deployNamespace && o.GetName() == "captain" {
			deploy = &appsv1.Deployment{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, deploy); err != nil {
				t.Fatal(err)
			}
		}
	}
	if deploy == nil {
		t.Fatal("config/default has no Deployment captain-system/captain")
	}
	if got := deploy.Spec.Template.Spec.ServiceAccountName; got != deployAccount {
		t.Fatalf("the Deployment runs as ServiceAccount %q, not %q", got, deployAccount)
	}
	local := map[string]string{
		"--metrics-bind-address":      "127.0.0.1:0",
		"--health-probe-bind-address": "127.0.0.1:0",
		"--chart-cache-dir":           t.TempDir(),
	}
	args := []string{"--kubeconfig=" + kubeconfig}
	for _, c := range deploy.Spec.Template.Spec.Containers {
		if c.Name != "manager" {
			continue
		}
		for _, a := range c.Args {
			name, _, _ := strings.Cut(a, "=")
			if v, ok := local[name]; ok {
				a = name + "=" + v
			}
			args = append(args, a)
		}
	}
	if !slices.Contains(args, "--namespace="+deployNamespace) || !slices.Contains(args, "--leader-elect") {
		t.Fatalf("the Deployment's args %q lack --namespace=%s or --leader-elect", args, deployNamespace)
	}
	return args
}

// startCaptain runs Captain as a process of its own until the test ends:
// the test binary's main(), or $CAPTAIN_BINARY.
func startCaptain(t *testing.T, args ...string) *managerProcess {
	t.Helper()
	bin, env := os.Args[0], append(os.Environ(), runAsManager+"=1")
	if b := os.Getenv(binaryEnv); b != "" {
		if !filepath.IsAbs(b) {
			root, err := testenv.ModuleRoot()
			if err != nil {
				t.Fatal(err)
			}
			b = filepath.Join(root, b)
		}
		bin, env = b, os.Environ()
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	return runProcess(t, cmd)
}

// refusedPattern finds the API server refusing Captain's ServiceAccount a
// request, in Captain's log (where quotes may be escaped).
var refusedPattern = regexp.MustCompile(regexp.QuoteMeta(deployUser) +
	`\\*" cannot (\w+) resource \\*"([\w/]+)\\*"(?: in API group \\*"([\w.]*)\\*")?(?: in the namespace \\*"([\w-]+)\\*")?`)

// refusals are the requests the API server refused Captain, as its log
// after byte from tells (as "verb group/resource in namespace"), but for
// those in the namespaces ignored.
func refusals(p *managerProcess, from int, ignored ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range refusedPattern.FindAllStringSubmatch(p.out.String()[from:], -1) {
		if slices.Contains(ignored, m[4]) {
			continue
		}
		if r := fmt.Sprintf("%s %s/%s in %q", m[1], m[3], m[2], m[4]); !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// sourceRequest is a HelmRequest "web" in ns for the chart at url, made as
// serviceAccount when set.
func sourceRequest(ns, url, serviceAccount string) *v1.HelmRequest {
	return &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Source:             &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: url}},
			Values:             &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":1}`)},
			ServiceAccountName: serviceAccount,
		},
	}
}

// grantDeployer makes ServiceAccount "deployer" in ns with a Role for the
// plain chart's kinds and Helm's release records.
func grantDeployer(g Gomega, cp *testenv.ControlPlane, ns string) {
	ctx := context.Background()
	all := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	g.Expect(cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer", Namespace: ns}})).To(Succeed())
	g.Expect(cp.Client.Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "deployer", Namespace: ns},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps", "services"}, Verbs: all},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: all},
		},
	})).To(Succeed())
	g.Expect(cp.Client.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "deployer", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "deployer"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "deployer", Namespace: ns}},
	})).To(Succeed())
}

// eventuallyFailing waits for Ready=False with a message msg matches.
func eventuallyFailing(g Gomega, cp *testenv.ControlPlane, hr *v1.HelmRequest, msg gomegatypes.GomegaMatcher) {
	g.Eventually(func(g Gomega) {
		got := &v1.HelmRequest{}
		g.Expect(cp.Client.Get(context.Background(), client.ObjectKeyFromObject(hr), got)).To(Succeed())
		ready := apimeta.FindStatusCondition(got.Status.Conditions, v1.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Message).To(msg)
	}, rbacTimeout, 100*time.Millisecond).Should(Succeed())
}

func eventuallyGone(g Gomega, cp *testenv.ControlPlane, obj client.Object) {
	g.Eventually(func() bool {
		err := cp.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		return apierrors.IsNotFound(err)
	}, rbacTimeout, 100*time.Millisecond).Should(BeTrue(), "%s deleted", obj.GetName())
}

// poke changes an annotation, which the reconciler acts on at once.
func poke(g Gomega, cp *testenv.ControlPlane, hr *v1.HelmRequest) {
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{"test.captain.io/poke":%q}}}`, time.Now().Format(time.RFC3339Nano)))
	g.Expect(cp.Client.Patch(context.Background(), hr, client.RawPatch("application/merge-patch+json", patch))).To(Succeed())
}

// revision is the HelmRequest's deployed revision in the local cluster.
func revision(g Gomega, cp *testenv.ControlPlane, hr *v1.HelmRequest) int {
	got := &v1.HelmRequest{}
	g.Expect(cp.Client.Get(context.Background(), client.ObjectKeyFromObject(hr), got)).To(Succeed())
	if len(got.Status.Clusters) == 0 {
		return 0
	}
	return got.Status.Clusters[0].Revision
}

func conditionOf(g Gomega, cp *testenv.ControlPlane, obj client.Object, t string) metav1.ConditionStatus {
	got := obj.DeepCopyObject().(client.Object)
	g.Expect(cp.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
	var conds []metav1.Condition
	switch o := got.(type) {
	case *v1.ChartRepo:
		conds = o.Status.Conditions
	case *v1.Cluster:
		conds = o.Status.Conditions
	}
	if c := apimeta.FindStatusCondition(conds, t); c != nil {
		return c.Status
	}
	return metav1.ConditionUnknown
}

// liveConfig is the data of the plain chart's ConfigMap.
func liveConfig(g Gomega, cp *testenv.ControlPlane, ns, name string) map[string]string {
	cm := &corev1.ConfigMap{}
	g.Expect(cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm)).To(Succeed())
	return cm.Data
}

// releaseRecords are the names of Helm's release Secrets of a release.
func releaseRecords(g Gomega, cp *testenv.ControlPlane, ns, release string) []string {
	list := &corev1.SecretList{}
	g.Expect(cp.Client.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{"owner": "helm", "name": release})).To(Succeed())
	var out []string
	for _, s := range list.Items {
		out = append(out, s.Name)
	}
	return out
}

// eventReasons are the reasons of the events.k8s.io Events about object name in ns.
func eventReasons(g Gomega, cp *testenv.ControlPlane, ns, name string) []string {
	cs, err := kubernetes.NewForConfig(cp.Config)
	g.Expect(err).NotTo(HaveOccurred())
	list, err := cs.EventsV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			out = append(out, e.Reason)
		}
	}
	return out
}

// coreEventReasons are the reasons of the core v1 Events in ns.
func coreEventReasons(g Gomega, cp *testenv.ControlPlane, ns string) []string {
	list := &corev1.EventList{}
	g.Expect(cp.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Reason)
	}
	return out
}

func rules(g Gomega, cp *testenv.ControlPlane, key client.ObjectKey) []rbacv1.PolicyRule {
	if key.Namespace == "" {
		role := &rbacv1.ClusterRole{}
		g.Expect(cp.Client.Get(context.Background(), key, role)).To(Succeed())
		return role.Rules
	}
	role := &rbacv1.Role{}
	g.Expect(cp.Client.Get(context.Background(), key, role)).To(Succeed())
	return role.Rules
}

func setRules(g Gomega, cp *testenv.ControlPlane, key client.ObjectKey, rules []rbacv1.PolicyRule) {
	var role client.Object
	if key.Namespace == "" {
		cr := &rbacv1.ClusterRole{}
		g.Expect(cp.Client.Get(context.Background(), key, cr)).To(Succeed())
		cr.Rules = rules
		role = cr
	} else {
		r := &rbacv1.Role{}
		g.Expect(cp.Client.Get(context.Background(), key, r)).To(Succeed())
		r.Rules = rules
		role = r
	}
	g.Expect(cp.Client.Update(context.Background(), role)).To(Succeed())
}

// eventuallyAllowed waits for the API server's authorizer to allow, or
// deny, Captain's ServiceAccount verb on resource in group, in namespace or
// all namespaces: RBAC changes take a moment to apply.
func eventuallyAllowed(g Gomega, cp *testenv.ControlPlane, namespace, verb, group, resource string, allowed bool) {
	cs, err := kubernetes.NewForConfig(cp.Config)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) bool {
		review, err := cs.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User:               deployUser,
				Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + deployNamespace, "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: verb, Group: group, Resource: resource},
			},
		}, metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		return review.Status.Allowed
	}, rbacTimeout, 100*time.Millisecond).Should(Equal(allowed), "%s may %s %s/%s", deployUser, verb, group, resource)
}

// withoutRule takes verb on resource in group out of rules, leaving every
// other grant as it was. It tells whether anything was taken out.
func withoutRule(rules []rbacv1.PolicyRule, group, resource, verb string) ([]rbacv1.PolicyRule, bool) {
	var out []rbacv1.PolicyRule
	found := false
	for _, r := range rules {
		if !slices.Contains(r.APIGroups, group) || !slices.Contains(r.Resources, resource) || !slices.Contains(r.Verbs, verb) {
			out = append(out, r)
			continue
		}
		found = true
		rest := func(s []string, drop string) []string {
			return slices.DeleteFunc(slices.Clone(s), func(x string) bool { return x == drop })
		}
		if len(r.APIGroups) > 1 {
			other := *r.DeepCopy()
			other.APIGroups = rest(r.APIGroups, group)
			out = append(out, other)
		}
		if len(r.Resources) > 1 {
			other := *r.DeepCopy()
			other.APIGroups, other.Resources = []string{group}, rest(r.Resources, resource)
			out = append(out, other)
		}
		if verbs := rest(r.Verbs, verb); len(verbs) > 0 {
			other := *r.DeepCopy()
			other.APIGroups, other.Resources, other.Verbs = []string{group}, []string{resource}, verbs
			out = append(out, other)
		}
	}
	return out, found
}
