package testenv_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	captainv1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
)

// Two control planes run side by side in one process, each a real
// kube-apiserver v1.37.1 with Captain's CRDs, and they do not share state.
func TestTwoControlPlanes(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	first := testenv.StartForTest(t)
	second := testenv.StartForTest(t)
	g.Expect(first.Config.Host).NotTo(Equal(second.Config.Host))

	for _, cp := range []*testenv.ControlPlane{first, second} {
		dc, err := discovery.NewDiscoveryClientForConfig(cp.Config)
		g.Expect(err).NotTo(HaveOccurred())
		v, err := dc.ServerVersion()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(v.GitVersion).To(Equal("v1.37.1"))

		var repos captainv1.ChartRepoList
		g.Expect(cp.Client.List(ctx, &repos)).To(Succeed(), "Captain's CRDs are installed")
	}

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "only-in-first", Namespace: "default"}}
	g.Expect(first.Client.Create(ctx, cm)).To(Succeed())
	err := second.Client.Get(ctx, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{})
	g.Expect(err).To(MatchError(ContainSubstring("not found")))
}

// With the controller manager, a Deployment gets a ReplicaSet and Pods.
func TestControllerManager(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t, testenv.WithControllerManager(), testenv.WithoutCRDs())

	labels := map[string]string{"app": "web"}
	replicas := int32(2)
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "web", Image: "registry.example/web:1"},
				}},
			},
		},
	}
	g.Expect(cp.Client.Create(ctx, deploy)).To(Succeed())

	g.Eventually(func() (int, error) {
		var pods corev1.PodList
		err := cp.Client.List(ctx, &pods, client.InNamespace("default"), client.MatchingLabels(labels))
		return len(pods.Items), err
	}, 30*time.Second, 200*time.Millisecond).Should(Equal(2))

	// Without a kubelet nothing becomes ready; RunPods stands in for one.
	g.Consistently(func() (int32, error) {
		err := cp.Client.Get(ctx, client.ObjectKeyFromObject(deploy), deploy)
		return deploy.Status.ReadyReplicas, err
	}, time.Second, 200*time.Millisecond).Should(BeZero())
	cp.RunPods(t, "default")
	g.Eventually(func() (int32, error) {
		err := cp.Client.Get(ctx, client.ObjectKeyFromObject(deploy), deploy)
		return deploy.Status.AvailableReplicas, err
	}, 30*time.Second, 200*time.Millisecond).Should(Equal(int32(2)))
}
