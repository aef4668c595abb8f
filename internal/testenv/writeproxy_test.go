package testenv_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"captain.io/captain/internal/testenv"
)

// A client reaches the API server through the write proxy, its watches
// stream through it, its writes in one namespace are counted, and StopAt
// holds back exactly the chosen write and everything after it.
func TestWriteProxyStopsAtWrite(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t, testenv.WithoutCRDs())
	ns := cp.NewNamespace(t)
	proxy := cp.NewWriteProxy(t)
	cfg, err := clientcmd.RESTConfigFromKubeConfig(proxy.KubeConfig())
	g.Expect(err).NotTo(HaveOccurred())
	cs, err := kubernetes.NewForConfig(cfg)
	g.Expect(err).NotTo(HaveOccurred())
	cms := cs.CoreV1().ConfigMaps(ns)
	cm := func(name string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}

	w, err := cms.Watch(ctx, metav1.ListOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	defer w.Stop()
	proxy.Count(func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/namespaces/"+ns+"/") })
	_, err = cms.Create(ctx, cm("one"), metav1.CreateOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	select {
	case ev := <-w.ResultChan():
		g.Expect(ev.Type).To(Equal(watch.Added))
	case <-time.After(10 * time.Second):
		t.Fatal("the watch through the proxy saw nothing")
	}
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "other-"}}, metav1.CreateOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = cms.Get(ctx, "one", metav1.GetOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(proxy.Writes()).To(Equal([]string{"POST /api/v1/namespaces/" + ns + "/configmaps"}), "reads and other namespaces are not counted")

	var stoppedAt []string
	proxy.StopAt(3, func(write string) { stoppedAt = append(stoppedAt, write) })
	_, err = cms.Create(ctx, cm("two"), metav1.CreateOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(proxy.Stopped()).To(BeFalse())
	err = cms.Delete(ctx, "one", metav1.DeleteOptions{})
	g.Expect(err).To(HaveOccurred(), "the third write is held back")
	g.Expect(stoppedAt).To(Equal([]string{"DELETE /api/v1/namespaces/" + ns + "/configmaps/one"}))
	g.Expect(proxy.Stopped()).To(BeTrue())
	_, err = cms.Get(ctx, "one", metav1.GetOptions{})
	g.Expect(err).To(HaveOccurred(), "after the stop, reads are refused too")
	g.Expect(cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "one"}, &corev1.ConfigMap{})).To(Succeed(), "the held-back delete never reached the API server")

	proxy.Count(nil)
	g.Expect(cms.Delete(ctx, "one", metav1.DeleteOptions{})).To(Succeed())
	g.Expect(proxy.Writes()).To(HaveLen(1))
}
