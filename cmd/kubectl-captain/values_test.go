package main

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
)

// values layers chart defaults (from the deployed revision) < valuesFrom <
// values as Captain does, names the layer of every value, and never prints
// what came from a Secret. status judges each of the release's objects.
func TestValuesShowOriginAndRedactSecrets(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	c := startCluster(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := c.cp.NewNamespace(t)
	const secretValue = "hunter2-not-for-your-eyes"
	g.Expect(c.cp.Client.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "web-values", Namespace: ns},
		Data:       map[string]string{"values.yaml": "replicaCount: 2\nconfig:\n  greeting: hi\n"},
	})).To(Succeed())
	g.Expect(c.cp.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "web-secret", Namespace: ns},
		StringData: map[string]string{"values.yaml": "config:\n  password: " + secretValue + "\n"},
	})).To(Succeed())
	g.Expect(c.cp.Client.Create(ctx, &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: repo.URL() + "/plain-0.1.0.tgz"}},
			ValuesFrom: []v1.ValuesReference{
				{ConfigMapKeyRef: &v1.ValuesKeyRef{Name: "web-values"}},
				{SecretKeyRef: &v1.ValuesKeyRef{Name: "web-secret"}},
			},
			Values: &apiextensionsv1.JSON{Raw: []byte(`{"image":{"tag":"2.0"}}`)},
		},
	})).To(Succeed())
	run := func(args ...string) result { return c.plugin(t, "", append(args, "-n", ns)...) }
	g.Expect(ok(g, run("upgrade", "web", "--wait", "--timeout", waitTimeout))).To(HavePrefix("HelmRequest " + ns + "/web unchanged\n"))

	r := run("values", "web", "--show-origin")
	g.Expect(ok(g, r)).To(Equal(`PATH               VALUE                  ORIGIN
config.greeting    hi                     valuesFrom[0] configmap/web-values key values.yaml
config.password    <redacted>             valuesFrom[1] secret/web-secret key values.yaml
image.repository   registry.example/app   chart defaults
image.tag          2.0                    values
replicaCount       2                      valuesFrom[0] configmap/web-values key values.yaml
service.port       80                     chart defaults
`))
	g.Expect(r.err).To(BeEmpty(), "the values shown are those of the deployed revision")

	r = run("values", "web", "-o", "json")
	g.Expect(ok(g, r)).To(MatchJSON(`{
		"config": {"greeting": "hi", "password": "<redacted>"},
		"image": {"repository": "registry.example/app", "tag": "2.0"},
		"replicaCount": 2,
		"service": {"port": 80}
	}`))
	for _, args := range [][]string{{"values", "web"}, {"status", "web"}, {"status", "web", "-o", "yaml"}, {"history", "web", "-o", "json"}} {
		r := run(args...)
		g.Expect(r.out+r.err).NotTo(ContainSubstring(secretValue), "%v", args)
	}

	out := ok(g, run("status", "web"))
	g.Expect(out).To(MatchRegexp(`(?m)^ConfigMap\s+` + ns + `/web\s+Current\s+-$`))
	g.Expect(out).To(MatchRegexp(`(?m)^Service\s+` + ns + `/web\s+Current\s+-$`))
	g.Expect(out).To(MatchRegexp(`(?m)^Deployment\.apps\s+`+ns+`/web\s+InProgress\s+not observed by its controller yet$`),
		"no kube-controller-manager runs here, so the Deployment never gets a status")
}

// --cluster composes the values a registered cluster gets: the overlays its
// labels match apply, each leaf names its layer.
func TestValuesForACluster(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	c := startCluster(t)
	ctx := context.Background()
	ns := c.cp.NewNamespace(t)
	cluster := &v1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "prod-" + ns, Labels: map[string]string{v1.EnvironmentLabel: "prod"}},
		Spec:       v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: "absent"}},
	}
	g.Expect(c.cp.Client.Create(ctx, cluster)).To(Succeed())
	t.Cleanup(func() { _ = c.cp.Client.Delete(ctx, cluster) })
	g.Expect(c.cp.Client.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "base", Namespace: ns},
		Data:       map[string]string{"values.yaml": "config:\n  greeting: from-configmap\n  region: eu\n"},
	})).To(Succeed())
	g.Expect(c.cp.Client.Create(ctx, &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Chart:                "demo/plain",
			InstallToAllClusters: true,
			ValuesFrom:           []v1.ValuesReference{{ConfigMapKeyRef: &v1.ValuesKeyRef{Name: "base"}}},
			Values:               &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"from-values"}}`)},
			Overlays: []v1.Overlay{
				{Name: "prod", Environment: "prod", Values: &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"from-overlay"}}`)}},
				{Name: "staging", Environment: "staging", Values: &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"never"}}`)}},
			},
		},
	})).To(Succeed())

	r := c.plugin(t, "", "values", "web", "-n", ns, "--cluster", cluster.Name, "--show-origin")
	g.Expect(ok(g, r)).To(Equal(`PATH              VALUE          ORIGIN
config.greeting   from-overlay   overlay prod values
config.region     eu             valuesFrom[0] configmap/base key values.yaml
`))
	g.Expect(r.err).To(ContainSubstring("the chart's defaults are not shown"))
}
