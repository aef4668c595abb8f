package helmrequest_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
)

// status.notes holds the chart's rendered NOTES.txt, with values that came
// from a Secret masked.
func TestNotesMaskSecretValues(t *testing.T) {
	g := NewWithT(t)
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "web-secret", Namespace: ns},
		StringData: map[string]string{"values.yaml": "config:\n  password: hunter2-s3cret\n"},
	}
	g.Expect(controlPlane.Client.Create(context.Background(), secret)).To(Succeed())
	hr := plainRequest(ns, repo.URL(), `{"config":{"greeting":"hi"}}`)
	hr.Spec.ValuesFrom = []v1.ValuesReference{{SecretKeyRef: &v1.ValuesKeyRef{Name: "web-secret"}}}
	create(t, hr)

	got := eventuallyReady(t, hr)
	g.Expect(got.Status.Notes).To(Equal("web says hi.\nLog in with password <redacted>.\n"))
}
