package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestVersionClientOnly(t *testing.T) {
	g := NewWithT(t)
	var out, errOut bytes.Buffer
	code := run([]string{"version", "--client"}, strings.NewReader(""), &out, &errOut)
	g.Expect(code).To(Equal(exitOK), errOut.String())
	g.Expect(out.String()).To(Equal("kubectl-captain dev\n"))
}

// version finds Captain's Deployment by its app.kubernetes.io labels, and
// says how to look elsewhere when there is none.
func TestVersionFindsCaptain(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	c := startCluster(t)
	ns := c.cp.NewNamespace(t)
	labels := map[string]string{nameLabel: "captain", versionLabel: "v1.2.3"}
	g.Expect(c.cp.Client.Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "captain", Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "registry.example/captain:v1.2.3"}}},
			},
		},
	})).To(Succeed())

	g.Expect(ok(g, c.plugin(t, "", "version", "--captain-namespace", ns))).To(Equal(
		"kubectl-captain dev\ncontroller v1.2.3 (Deployment " + ns + "/captain)\n"))
	empty := c.cp.NewNamespace(t)
	g.Expect(ok(g, c.plugin(t, "", "version", "--captain-namespace", empty))).To(Equal(
		"kubectl-captain dev\ncontroller not found (no Deployment labelled app.kubernetes.io/name=captain in namespace " + empty + "; see --captain-namespace)\n"))
}
