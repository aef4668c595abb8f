package cluster

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/cluster"
	"captain.io/captain/internal/testenv"
)

// token stands for a kubeconfig's credentials: it must never show in a
// condition or an event.
const token = "s3cret-kubeconfig-token"

// testCA is the base64 PEM of a self-signed CA made for the test: no case
// connects with it.
var testCA = func() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}()

// badCA is base64 of a PEM block that holds no certificate.
const badCA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJBREFOQmdrcWhraUc5dzBCQVFzRkFEQUFNQjRYRFRJME1ERXdNVEF3TURBd01Gb1hEVEkxTURFd01UQXcKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="

// kubeconfig is a kubeconfig for server with cluster and user fields added.
func kubeconfig(server, clusterExtra, user string) string {
	return `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + server + `", certificate-authority-data: "` + testCA + `"` + clusterExtra + `}}]
users: [{name: u, user: ` + user + `}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
}

// remote is a kubeconfig for a member cluster at a TEST-NET-3 address
// (RFC 5737): routed nowhere, and never dialled by these tests.
var remote = kubeconfig("https://203.0.113.10:6443", "", "{token: "+token+"}")

// dialGuard stands in for the network: it records what a probe would dial
// and refuses it.
type dialGuard struct {
	mu    sync.Mutex
	addrs []string
}

var errNotDialled = errors.New("not dialled: the test network is closed")

func (d *dialGuard) dial(_ context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addrs = append(d.addrs, network+" "+addr)
	return nil, errNotDialled
}

func (d *dialGuard) dialled() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// TestHostileKubeconfigs: a kubeconfig in a Cluster's Secret is validated
// before anything connects. What Captain refuses (programs, files, turned
// off TLS, what is not a kubeconfig) fails the Cluster with
// KubeconfigInvalid, a Warning event, messages that name the field and
// never the credentials, and no connection attempt. A kubeconfig for a
// remote address is accepted: the probe then dials exactly that address,
// here through a dialer that refuses, so that nothing leaves the machine.
func TestHostileKubeconfigs(t *testing.T) {
	ctx := context.Background()
	cp := testenv.StartForTest(t)
	// The controller's namespace, where kubeconfig Secrets live.
	controllerNS := cp.NewNamespace(t)
	registry := cluster.NewRegistry(cp.Client, controllerNS, nil)
	recorder := events.NewFakeRecorder(100)
	r := &Reconciler{Client: cp.Client, Recorder: recorder, Registry: registry, ProbeInterval: time.Hour}

	for _, tc := range []struct {
		name       string
		kubeconfig string
		// key is spec.kubeconfigSecretRef.key; the Secret holds "value".
		key string
		// reason and message are what the Ready condition says.
		reason, message string
		// dials are what the probe would dial; nil when nothing may be.
		dials []string
	}{
		{
			name:       "remote",
			kubeconfig: remote,
			reason:     cluster.ReasonUnreachable,
			message:    "probing https://203.0.113.10:6443: ",
			dials:      []string{"tcp 203.0.113.10:6443"},
		},
		{
			name:       "not-a-kubeconfig",
			kubeconfig: "\x00\x01\x02 not yaml \xff",
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    `spec.kubeconfigSecretRef: Secret <ns>/not-a-kubeconfig-kubeconfig: key "value" is not a kubeconfig: `,
		},
		{
			name:       "truncated",
			kubeconfig: remote[:len(remote)/2],
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    `spec.kubeconfigSecretRef: Secret <ns>/truncated-kubeconfig: key "value" is not a kubeconfig: `,
		},
		{
			name:       "billion-laughs",
			kubeconfig: testenv.BillionLaughs + remote,
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    `key "value" is not a kubeconfig: `,
		},
		{
			name:       "missing-context",
			kubeconfig: strings.Replace(remote, "current-context: x", "current-context: elsewhere", 1),
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    `spec.kubeconfigSecretRef: Secret <ns>/missing-context-kubeconfig: key "value": `,
		},
		{
			name:       "missing-key",
			kubeconfig: remote,
			key:        "kubeconfig",
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    `spec.kubeconfigSecretRef: Secret <ns>/missing-key-kubeconfig: no key "kubeconfig"`,
		},
		{
			name:       "exec-plugin",
			kubeconfig: kubeconfig("https://203.0.113.10:6443", "", "{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, 'cat /var/run/secrets/kubernetes.io/serviceaccount/token']}}"),
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    "the kubeconfig runs a credential plugin (exec or auth-provider), which Captain does not run",
		},
		{
			name:       "auth-provider",
			kubeconfig: kubeconfig("https://203.0.113.10:6443", "", "{auth-provider: {name: oidc, config: {id-token: "+token+"}}}"),
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    "the kubeconfig runs a credential plugin (exec or auth-provider), which Captain does not run",
		},
		{
			name:       "insecure-skip-tls-verify",
			kubeconfig: strings.Replace(kubeconfig("https://203.0.113.10:6443", "", "{token: "+token+"}"), `certificate-authority-data: "`+testCA+`"`, "insecure-skip-tls-verify: true", 1),
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    "the kubeconfig turns TLS verification off (insecure-skip-tls-verify)",
		},
		{
			name:       "ca-file",
			kubeconfig: strings.Replace(remote, `certificate-authority-data: "`+testCA+`"`, "certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt", 1),
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    "the kubeconfig names files (certificate-authority); embed the data instead",
		},
		{
			// The registry does not parse the CA: building the probe's
			// client does, before it dials.
			name:       "malformed-ca",
			kubeconfig: strings.Replace(remote, testCA, badCA, 1),
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    "unable to load root certificates: failed to parse certificate",
			dials:      []string{},
		},
		{
			name:       "token-file",
			kubeconfig: kubeconfig("https://203.0.113.10:6443", "", "{tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token}"),
			reason:     cluster.ReasonKubeconfigInvalid,
			message:    "the kubeconfig names files (tokenFile, client-certificate or client-key); embed the data instead",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			secret := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: tc.name + "-kubeconfig", Namespace: controllerNS},
				Data:       map[string][]byte{"value": []byte(tc.kubeconfig)},
			}
			g.Expect(cp.Client.Create(ctx, secret)).To(Succeed())
			c := &v1.Cluster{
				ObjectMeta: metav1.ObjectMeta{Name: tc.name},
				Spec:       v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: secret.Name, Key: tc.key}},
			}
			g.Expect(cp.Client.Create(ctx, c)).To(Succeed())
			t.Cleanup(func() { _ = cp.Client.Delete(ctx, c) })

			// Validation alone: the registry builds the config, or says why
			// not, without a connection. An accepted config gets the guard,
			// which every later connection goes through.
			guard := &dialGuard{}
			cfg, err := registry.Config(ctx, c)
			if tc.dials == nil {
				g.Expect(err).To(HaveOccurred())
			} else {
				g.Expect(err).NotTo(HaveOccurred())
				cfg.Dial = guard.dial
			}

			_, err = r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(c)})
			g.Expect(err).NotTo(HaveOccurred())
			got := &v1.Cluster{}
			g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(c), got)).To(Succeed())
			ready := apimeta.FindStatusCondition(got.Status.Conditions, v1.ReadyCondition)
			g.Expect(ready).NotTo(BeNil())
			message := strings.ReplaceAll(tc.message, "<ns>", controllerNS)
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Reason).To(Equal(tc.reason), ready.Message)
			g.Expect(ready.Message).To(And(HavePrefix("Cluster "+tc.name+": "), ContainSubstring(message)))
			g.Expect(ready.Message).NotTo(ContainSubstring(token))
			if tc.reason == cluster.ReasonKubeconfigInvalid && tc.dials == nil {
				g.Expect(ready.Message).To(ContainSubstring("spec.kubeconfigSecretRef: Secret " + controllerNS + "/" + secret.Name))
			}
			var event string
			g.Eventually(recorder.Events).Should(Receive(&event, HavePrefix("Warning "+tc.reason+" Cluster "+tc.name+": ")))
			g.Expect(event).To(Equal("Warning " + tc.reason + " " + ready.Message))
			g.Expect(guard.dialled()).To(ConsistOf(tc.dials))
		})
	}
}
