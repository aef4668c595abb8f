package cluster

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
)

func kubeconfig(user string) []byte {
	return []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: "` + testCA + `"}}]
users: [{name: u, user: ` + user + `}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`)
}

// testCA is any base64 PEM; the config is never used to connect.
const testCA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJBREFOQmdrcWhraUc5dzBCQVFzRkFEQUFNQjRYRFRJME1ERXdNVEF3TURBd01Gb1hEVEkxTURFd01UQXcKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="

// Kubeconfigs that would weaken TLS or make the controller run programs or
// read its own files are refused with the reason.
func TestRestConfigRefusesUnsafeKubeconfigs(t *testing.T) {
	cases := []struct {
		name, user, message string
	}{
		{"token", "{token: abc}", ""},
		{"exec plugin", "{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh}}", "runs a credential plugin"},
		{"token file", "{tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token}", "names files"},
		{"client cert file", "{client-certificate: /etc/cert.pem, client-key: /etc/key.pem}", "names files"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			secret := &corev1.Secret{Data: map[string][]byte{"value": kubeconfig(tc.user)}}
			cfg, err := restConfig(secret, "value")
			if tc.message == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(cfg.Host).To(Equal("https://127.0.0.1:6443"))
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.message)))
		})
	}
}

// A Cluster's config is built once and reused until its Secret changes;
// the replaced config is reported so clients built on it can go.
func TestRegistryRebuildsOnSecretChange(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t, testenv.WithoutCRDs())
	ns := cp.NewNamespace(t)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "member-kubeconfig", Namespace: ns},
		Data:       map[string][]byte{"value": kubeconfig("{token: one}")},
	}
	g.Expect(cp.Client.Create(ctx, secret)).To(Succeed())
	var forgotten []*rest.Config
	reg := NewRegistry(cp.Client, ns, func(c *rest.Config) { forgotten = append(forgotten, c) })
	c := &v1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member"},
		Spec: v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: "member-kubeconfig"}}}

	first, err := reg.Config(ctx, c)
	g.Expect(err).NotTo(HaveOccurred())
	again, err := reg.Refresh(ctx, c)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again).To(BeIdenticalTo(first), "an unchanged Secret keeps the config")

	secret.Data["value"] = kubeconfig("{token: two}")
	g.Expect(cp.Client.Update(ctx, secret)).To(Succeed())
	second, err := reg.Refresh(ctx, c)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second.BearerToken).To(Equal("two"))
	g.Expect(forgotten).To(Equal([]*rest.Config{first}))

	reg.Forget("member")
	g.Expect(forgotten).To(Equal([]*rest.Config{first, second}))
}

// With MaxAge, a config read longer ago than that is checked again on use:
// a shard, which probes no Cluster, still follows a rotated kubeconfig.
func TestRegistryMaxAge(t *testing.T) {
	cases := []struct {
		name      string
		maxAge    time.Duration
		wantToken string
	}{
		{"without MaxAge the config is kept until a Refresh", 0, "one"},
		{"with MaxAge an old config is checked again", time.Millisecond, "two"},
	}
	cp := testenv.StartForTest(t, testenv.WithoutCRDs())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			ns := cp.NewNamespace(t)
			secret := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "member-kubeconfig", Namespace: ns},
				Data:       map[string][]byte{"value": kubeconfig("{token: one}")},
			}
			g.Expect(cp.Client.Create(ctx, secret)).To(Succeed())
			reg := NewRegistry(cp.Client, ns, nil)
			reg.MaxAge = tc.maxAge
			c := &v1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member"},
				Spec: v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: "member-kubeconfig"}}}
			_, err := reg.Config(ctx, c)
			g.Expect(err).NotTo(HaveOccurred())

			secret.Data["value"] = kubeconfig("{token: two}")
			g.Expect(cp.Client.Update(ctx, secret)).To(Succeed())
			time.Sleep(2 * time.Millisecond)
			cfg, err := reg.Config(ctx, c)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cfg.BearerToken).To(Equal(tc.wantToken))
		})
	}
}
