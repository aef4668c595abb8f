package values_test

import (
	"testing"

	. "github.com/onsi/gomega"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
)

func TestOriginString(t *testing.T) {
	cases := []struct {
		origin values.Origin
		want   string
	}{
		{chartDefaults, "chart defaults"},
		{specValues, "values"},
		{webValues, "valuesFrom[0] configmap/web-values key values.yaml"},
		{dbSecret, "valuesFrom[1] secret/db key values.yaml"},
		{prodValues, "overlay prod values"},
		{values.Origin{Kind: values.KindSecret, Overlay: "prod", Name: "db", Key: "values.yaml"}, "overlay prod valuesFrom[0] secret/db key values.yaml"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(c.origin.String()).To(Equal(c.want))
			g.Expect(c.origin.Secret()).To(Equal(c.origin.Kind == values.KindSecret))
		})
	}
}

func TestRefOrigin(t *testing.T) {
	cm := &v1.ValuesKeyRef{Name: "web-values"}
	secret := &v1.ValuesKeyRef{Name: "db", Key: "prod.yaml"}
	cases := []struct {
		name string
		ref  v1.ValuesReference
		want values.Origin
	}{
		{"configmap, key defaulted", v1.ValuesReference{ConfigMapKeyRef: cm},
			values.Origin{Kind: values.KindConfigMap, Overlay: "prod", Index: 2, Name: "web-values", Key: "values.yaml"}},
		{"secret", v1.ValuesReference{SecretKeyRef: secret},
			values.Origin{Kind: values.KindSecret, Overlay: "prod", Index: 2, Name: "db", Key: "prod.yaml"}},
		{"both set: the secret wins", v1.ValuesReference{ConfigMapKeyRef: cm, SecretKeyRef: secret},
			values.Origin{Kind: values.KindSecret, Overlay: "prod", Index: 2, Name: "db", Key: "prod.yaml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			NewWithT(t).Expect(values.RefOrigin("prod", 2, c.ref)).To(Equal(c.want))
		})
	}
}
