package helmrequest_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/controller/helmrequest"
	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/chartrepo"
)

// Each cluster's values say, per leaf, which layer set it: a value set in
// valuesFrom, overridden in values and again in an overlay comes from the
// overlay where the overlay applies, and from values elsewhere.
func TestProvenancePerCluster(t *testing.T) {
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "base", Namespace: ns},
		Data:       map[string]string{"values.yaml": "config:\n  greeting: from-configmap\n  region: from-configmap\n"},
	}
	NewWithT(t).Expect(controlPlane.Client.Create(ctx, cm)).To(Succeed())
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			ValuesFrom: []v1.ValuesReference{{ConfigMapKeyRef: &v1.ValuesKeyRef{Name: "base"}}},
			Values:     &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"from-values"}}`)},
			Overlays: []v1.Overlay{{Name: "prod", Environment: "prod",
				Values: &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"from-overlay"}}`)}}},
		},
	}
	ch := &chartrepo.Chart{Chart: testcharts.Load(t, "plain"), Digest: "sha256:test"}
	cases := []struct {
		environment          string
		greeting, origin     string
		region, regionOrigin string
	}{
		{"prod", "from-overlay", "overlay prod values", "from-configmap", "valuesFrom[0] configmap/base key values.yaml"},
		{"staging", "from-values", "values", "from-configmap", "valuesFrom[0] configmap/base key values.yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.environment, func(t *testing.T) {
			g := NewWithT(t)
			vals, err := helmrequest.ValuesFor(ctx, controlPlane.Client, hr, ch, map[string]string{v1.EnvironmentLabel: tc.environment})
			g.Expect(err).NotTo(HaveOccurred())
			config := vals.Effective()["config"].(map[string]any)
			g.Expect(config["greeting"]).To(Equal(tc.greeting))
			g.Expect(config["region"]).To(Equal(tc.region))
			origin, ok := vals.OriginOf("config", "greeting")
			g.Expect(ok).To(BeTrue())
			g.Expect(origin.String()).To(Equal(tc.origin))
			origin, ok = vals.OriginOf("config", "region")
			g.Expect(ok).To(BeTrue())
			g.Expect(origin.String()).To(Equal(tc.regionOrigin))
			origin, ok = vals.OriginOf("replicaCount")
			g.Expect(ok).To(BeTrue())
			g.Expect(origin.String()).To(Equal("chart defaults"))
		})
	}
}
