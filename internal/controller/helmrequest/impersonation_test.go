package helmrequest_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
)

// With spec.serviceAccountName the release is applied with that account's
// permissions only: what its Role does not allow fails the HelmRequest with
// a condition naming the account, and granting it lets the release through.
func TestServiceAccountPermissionsApply(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer", Namespace: ns}}
	g.Expect(controlPlane.Client.Create(ctx, sa)).To(Succeed())
	// Enough for Helm's release records and the ConfigMap and Service of the
	// chart, not for its Deployment.
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "deployer", Namespace: ns},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""},
			Resources: []string{"secrets", "configmaps", "services"},
			Verbs:     []string{"get", "list", "watch", "create", "update", "patch", "delete"},
		}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "deployer", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "deployer"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "deployer", Namespace: ns}},
	}
	g.Expect(controlPlane.Client.Create(ctx, role)).To(Succeed())
	g.Expect(controlPlane.Client.Create(ctx, binding)).To(Succeed())

	hr := plainRequest(ns, repo.URL(), "")
	hr.Spec.ServiceAccountName = "deployer"
	create(t, hr)
	g.Eventually(func(g Gomega) {
		ready := condition(get(g, hr), v1.ReadyCondition)
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal("InstallFailed"))
		g.Expect(ready.Message).To(And(
			ContainSubstring(`deployments.apps "web" is forbidden`),
			MatchRegexp(`User "system:serviceaccount:%s:deployer" cannot \w+ resource "deployments"`, ns),
		))
	}, timeout, interval).Should(Succeed())
	err := controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &appsv1.Deployment{})
	g.Expect(err).To(MatchError(ContainSubstring("not found")), "Captain's own rights were not used")

	role.Rules = append(role.Rules, rbacv1.PolicyRule{
		APIGroups: []string{"apps"},
		Resources: []string{"deployments"},
		Verbs:     []string{"get", "list", "watch", "create", "update", "patch", "delete"},
	})
	g.Expect(controlPlane.Client.Update(ctx, role)).To(Succeed())
	eventuallyReady(t, hr)
	g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &appsv1.Deployment{})).To(Succeed())
}
