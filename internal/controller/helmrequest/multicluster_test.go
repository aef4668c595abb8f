package helmrequest_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/pkg/release"
)

// member is a member cluster: its own control plane, reached through a
// proxy that can take it offline.
type member struct {
	name  string
	cp    *testenv.ControlPlane
	proxy *testenv.Proxy
}

// newMember starts a control plane and registers it as Cluster name with
// labels, its kubeconfig in a Secret of the controller's namespace.
func newMember(t *testing.T, name string, labels map[string]string) *member {
	t.Helper()
	g := NewWithT(t)
	cp := testenv.StartForTest(t, testenv.WithoutCRDs())
	kc, err := clientcmd.Load(cp.KubeConfig())
	g.Expect(err).NotTo(HaveOccurred())
	m := &member{name: name, cp: cp}
	for _, c := range kc.Clusters {
		m.proxy = testenv.NewProxy(t, c.Server[len("https://"):])
		c.Server = "https://" + m.proxy.Addr()
	}
	data, err := clientcmd.Write(*kc)
	g.Expect(err).NotTo(HaveOccurred())
	ctx := context.Background()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-kubeconfig", Namespace: "default"},
		Data:       map[string][]byte{"value": data},
	}
	g.Expect(controlPlane.Client.Create(ctx, secret)).To(Succeed())
	cluster := &v1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: secret.Name}},
	}
	g.Expect(controlPlane.Client.Create(ctx, cluster)).To(Succeed())
	t.Cleanup(func() {
		_ = controlPlane.Client.Delete(ctx, cluster)
		_ = controlPlane.Client.Delete(ctx, secret)
	})
	g.Eventually(func(g Gomega) {
		got := &v1.Cluster{}
		g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Name: name}, got)).To(Succeed())
		g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, v1.ReadyCondition)).To(BeTrue(), "%v", got.Status.Conditions)
		g.Expect(got.Status.KubernetesVersion).To(Equal("v1.37.1"))
	}, timeout, interval).Should(Succeed())
	return m
}

// greeting is the ConfigMap value the plain chart renders in the member.
func (m *member) greeting(g Gomega, ns, name string) string {
	cm := &corev1.ConfigMap{}
	g.Expect(m.cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm)).To(Succeed())
	return cm.Data["greeting"]
}

func (m *member) release(g Gomega, ns, name string) *release.State {
	st, err := release.NewFactory().Observe(context.Background(), release.Target{Config: m.cp.Config}, name, ns)
	g.Expect(err).NotTo(HaveOccurred())
	return st
}

func clusterEntry(hr *v1.HelmRequest, name string) *v1.ClusterReleaseStatus {
	for i := range hr.Status.Clusters {
		if hr.Status.Clusters[i].Name == name {
			return &hr.Status.Clusters[i]
		}
	}
	return nil
}

// One HelmRequest for every member, each with its environment's values;
// with a member offline the other still converges (PartialSynced), and the
// offline one catches up when it is back.
func TestInstallToAllClusters(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	staging := newMember(t, "staging", map[string]string{v1.EnvironmentLabel: "staging"})
	prod := newMember(t, "prod", map[string]string{v1.EnvironmentLabel: "prod"})
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := plainRequest(ns, repo.URL(), `{"replicaCount":0,"config":{"greeting":"default"}}`)
	hr.Spec.InstallToAllClusters, hr.Spec.CreateNamespace = true, true
	hr.Spec.Overlays = []v1.Overlay{
		{Name: "staging", Environment: "staging", Values: &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"hello staging"}}`)}},
		{Name: "prod", Environment: "prod", Values: &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"hello prod"}}`)}},
	}
	create(t, hr)
	got := eventuallyReady(t, hr)
	g.Expect(got.Status.Phase).To(Equal(v1.PhaseSynced))
	g.Expect(clusterEntry(got, "staging")).NotTo(BeNil())
	g.Expect(clusterEntry(got, "prod")).NotTo(BeNil())
	g.Expect(clusterEntry(got, v1.LocalCluster)).To(BeNil(), "installToAllClusters means the registered clusters")
	g.Expect(staging.greeting(g, ns, "web")).To(Equal("hello staging"))
	g.Expect(prod.greeting(g, ns, "web")).To(Equal("hello prod"))
	g.Expect(prod.release(g, ns, "web").Latest().Owner).To(Equal(release.Owner{Namespace: ns, Name: "web"}))

	prod.proxy.Down()
	got = get(g, hr)
	got.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":0,"config":{"greeting":"default","extra":"2"}}`)}
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := get(g, hr)
		g.Expect(got.Status.Phase).To(Equal(v1.PhasePartialSynced))
		ready := condition(got, v1.ReadyCondition)
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal("PartialSynced"))
		g.Expect(ready.Message).To(ContainSubstring("cluster prod: Cluster prod is not Ready"))
		g.Expect(clusterEntry(got, "staging").Revision).To(Equal(2))
		g.Expect(clusterEntry(got, "prod").Phase).To(Equal(v1.PhaseFailed))
	}, timeout, interval).Should(Succeed())

	prod.proxy.Up(t)
	g.Eventually(func(g Gomega) {
		got := get(g, hr)
		g.Expect(got.Status.Phase).To(Equal(v1.PhaseSynced))
		g.Expect(clusterEntry(got, "prod").Revision).To(Equal(2))
	}, timeout, interval).Should(Succeed())
	g.Expect(prod.release(g, ns, "web").Latest().Number).To(Equal(2))

	// Deleting it uninstalls everywhere; an offline member holds the
	// deletion (and says so) until it is back.
	prod.proxy.Down()
	g.Expect(controlPlane.Client.Delete(ctx, get(g, hr))).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(staging.release(g, ns, "web").Exists()).To(BeFalse())
		g.Expect(warnings(g, ns, "web")).To(ContainElement(And(
			HaveField("Reason", "UninstallFailed"), HaveField("Note", ContainSubstring("cluster prod")))))
		got := get(g, hr)
		g.Expect(got.Status.Phase).To(Equal(v1.PhaseUninstalling))
		g.Expect(got.Status.Clusters).To(ConsistOf(HaveField("Name", "prod")), "the clusters deletion waits for")
		g.Expect(condition(got, v1.ReadyCondition).Reason).To(Equal("UninstallFailed"))
	}, timeout, interval).Should(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(controlPlane.Client.Get(ctx, client.ObjectKeyFromObject(hr), &v1.HelmRequest{})).To(Succeed())
	}, "2s", interval).Should(Succeed())
	prod.proxy.Up(t)
	g.Eventually(func() error {
		return controlPlane.Client.Get(ctx, client.ObjectKeyFromObject(hr), &v1.HelmRequest{})
	}, timeout, interval).Should(MatchError(ContainSubstring("not found")))
	g.Expect(prod.release(g, ns, "web").Exists()).To(BeFalse())
}

// warnings are the Warning events about the named object.
func warnings(g Gomega, ns, name string) []eventsv1.Event {
	list := &eventsv1.EventList{}
	g.Expect(controlPlane.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Type == corev1.EventTypeWarning {
			out = append(out, e)
		}
	}
	return out
}

// A clusterSelector follows the Clusters' labels: a member relabelled out
// has the release uninstalled, one relabelled in gets it.
func TestClusterSelectorFollowsLabels(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	a := newMember(t, "member-a", map[string]string{"tier": "web"})
	b := newMember(t, "member-b", map[string]string{"tier": "db"})
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := plainRequest(ns, repo.URL(), `{"replicaCount":0}`)
	hr.Spec.ClusterSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "web"}}
	hr.Spec.CreateNamespace = true
	create(t, hr)
	got := eventuallyReady(t, hr)
	g.Expect(got.Status.Clusters).To(HaveLen(1))
	g.Expect(a.release(g, ns, "web").Exists()).To(BeTrue())
	g.Expect(b.release(g, ns, "web").Exists()).To(BeFalse())

	relabel := func(name, tier string) {
		c := &v1.Cluster{}
		g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Name: name}, c)).To(Succeed())
		c.Labels["tier"] = tier
		g.Expect(controlPlane.Client.Update(ctx, c)).To(Succeed())
	}
	relabel("member-a", "db")
	relabel("member-b", "web")
	g.Eventually(func(g Gomega) {
		got := get(g, hr)
		g.Expect(got.Status.Clusters).To(HaveLen(1))
		g.Expect(got.Status.Clusters[0].Name).To(Equal("member-b"))
		g.Expect(got.Status.Phase).To(Equal(v1.PhaseSynced))
	}, timeout, interval).Should(Succeed())
	g.Expect(a.release(g, ns, "web").Exists()).To(BeFalse(), "uninstalled where it is no longer targeted")
	g.Expect(b.release(g, ns, "web").Exists()).To(BeTrue())
}

// A Cluster Captain cannot use says why in its Ready condition, and a
// HelmRequest targeting it says why too.
func TestUnusableClusters(t *testing.T) {
	ctx := context.Background()
	otherNS := controlPlane.NewNamespace(t)
	member := testenv.StartForTest(t, testenv.WithoutCRDs())
	wrongCA := func(g Gomega) []byte {
		kc, err := clientcmd.Load(member.KubeConfig())
		g.Expect(err).NotTo(HaveOccurred())
		mgmt, err := clientcmd.Load(controlPlane.KubeConfig())
		g.Expect(err).NotTo(HaveOccurred())
		for name := range kc.Clusters {
			for _, other := range mgmt.Clusters {
				kc.Clusters[name].CertificateAuthorityData = other.CertificateAuthorityData
			}
		}
		data, err := clientcmd.Write(*kc)
		g.Expect(err).NotTo(HaveOccurred())
		return data
	}
	insecure := []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: abc}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`)
	cases := []struct {
		name, reason, message string
		// secret is the kubeconfig Secret to make, in namespace ns; nil for none.
		secretNS string
		data     func(g Gomega) []byte
	}{
		{name: "secret-elsewhere", reason: "KubeconfigSecretMissing", secretNS: otherNS,
			data:    func(Gomega) []byte { return member.KubeConfig() },
			message: "Secret default/secret-elsewhere-kubeconfig not found (kubeconfigs are read from the controller's namespace only)"},
		{name: "secret-missing", reason: "KubeconfigSecretMissing",
			message: "Secret default/secret-missing-kubeconfig not found"},
		{name: "not-a-kubeconfig", reason: "KubeconfigInvalid", secretNS: "default",
			data:    func(Gomega) []byte { return []byte("{{{") },
			message: `key "value" is not a kubeconfig`},
		{name: "insecure", reason: "KubeconfigInvalid", secretNS: "default",
			data:    func(Gomega) []byte { return insecure },
			message: "turns TLS verification off"},
		{name: "wrong-ca", reason: "CertificateInvalid", secretNS: "default", data: wrongCA,
			message: "does not verify with the kubeconfig's CA"},
	}
	repo := httprepo.New(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			if tc.secretNS != "" {
				secret := &corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Name: tc.name + "-kubeconfig", Namespace: tc.secretNS},
					Data:       map[string][]byte{"value": tc.data(g)},
				}
				g.Expect(controlPlane.Client.Create(ctx, secret)).To(Succeed())
				t.Cleanup(func() { _ = controlPlane.Client.Delete(ctx, secret) })
			}
			cluster := &v1.Cluster{
				ObjectMeta: metav1.ObjectMeta{Name: tc.name},
				Spec:       v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: tc.name + "-kubeconfig"}},
			}
			g.Expect(controlPlane.Client.Create(ctx, cluster)).To(Succeed())
			t.Cleanup(func() { _ = controlPlane.Client.Delete(ctx, cluster) })
			g.Eventually(func(g Gomega) {
				got := &v1.Cluster{}
				g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Name: tc.name}, got)).To(Succeed())
				ready := apimeta.FindStatusCondition(got.Status.Conditions, v1.ReadyCondition)
				g.Expect(ready).NotTo(BeNil())
				g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
				g.Expect(ready.Reason).To(Equal(tc.reason))
				g.Expect(ready.Message).To(ContainSubstring(tc.message))
			}, timeout, interval).Should(Succeed())

			ns := controlPlane.NewNamespace(t)
			hr := plainRequest(ns, repo.URL(), "")
			hr.Spec.ClusterName = tc.name
			create(t, hr)
			g.Eventually(func(g Gomega) {
				ready := condition(get(g, hr), v1.ReadyCondition)
				g.Expect(ready.Reason).To(Equal("ClusterNotReady"))
				g.Expect(ready.Message).To(And(ContainSubstring("Cluster "+tc.name+" is not Ready"), ContainSubstring(tc.message)))
			}, timeout, interval).Should(Succeed())
		})
	}
}
