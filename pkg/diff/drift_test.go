package diff

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/testcharts"
)

// TestDriftAndCorrection edits a plain and a withcrd release the ways drift
// happens, checks what Drift reports, corrects it and checks that only the
// managed fields were put back.
func TestDriftAndCorrection(t *testing.T) {
	g := NewWithT(t)
	ns := controlPlane.NewNamespace(t)
	h := newHelm(t, ns)
	web := h.apply(t, "web", testcharts.Load(t, "plain"), nil, true)
	withcrd := testcharts.Load(t, "withcrd")
	h.applyCRDs(t, withcrd)
	wid := h.apply(t, "wid", withcrd, nil, true)

	// kubectl scale, kubectl edit (a ConfigMap key, a custom resource), kubectl delete.
	patch(t, ns, "Deployment", "apps/v1", "web", types.MergePatchType, `{"spec":{"replicas":5}}`, "scale")
	patch(t, ns, "ConfigMap", "v1", "web", types.MergePatchType, `{"data":{"greeting":"edited"}}`)
	patch(t, ns, "Widget", "test.captain.io/v1", "wid", types.MergePatchType, `{"spec":{"color":"green"}}`)
	g.Expect(resourceFor(t, ns, "Service", "v1").Delete(ctx, "web", metav1.DeleteOptions{})).To(Succeed())
	// Another tool adds fields the chart never set.
	patch(t, ns, "Deployment", "apps/v1", "web", types.StrategicMergePatchType,
		`{"metadata":{"annotations":{"other-tool":"was here"}},"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"ADDED","value":"by another tool"}]}]}}}}`)
	patch(t, ns, "ConfigMap", "v1", "web", types.MergePatchType, `{"data":{"added":"by another tool"}}`)

	inputs := []Input{
		{ReleaseName: "web", Namespace: ns, LastApplied: web.Manifest},
		{ReleaseName: "wid", Namespace: ns, LastApplied: wid.Manifest},
	}
	reports := drift(t, inputs)
	for _, tc := range []struct {
		object string
		want   []string
	}{
		{object: "Deployment.apps " + ns + "/web", want: []string{"/spec/replicas: applied 1, live 5"}},
		{object: "ConfigMap " + ns + "/web", want: []string{`/data/greeting: applied "hello", live "edited"`}},
		{object: "Widget.test.captain.io " + ns + "/wid", want: []string{`/spec/color: applied "blue", live "green"`}},
		{object: "Service " + ns + "/web", want: []string{"missing"}},
	} {
		g.Expect(driftOfObject(reports, tc.object)).To(Equal(tc.want), tc.object)
	}
	g.Expect(reports[0].DriftSummary()).To(Equal(v1alpha1.DriftSummary{Objects: 3, Fields: 2}))

	ignored := inputs[0]
	ignored.Ignore = []v1alpha1.DriftIgnoreRule{{Paths: []string{"/spec/replicas"}, Target: &v1alpha1.ObjectSelector{Kind: "Deployment"}}}
	g.Expect(driftOfObject(drift(t, []Input{ignored}), "Deployment.apps "+ns+"/web")).To(BeEmpty(), "ignored path")

	for _, r := range reports {
		_, err := differ.Correct(ctx, r)
		g.Expect(err).NotTo(HaveOccurred())
	}
	for _, r := range drift(t, inputs) {
		g.Expect(r.Summary().DriftedObjects).To(BeZero(), "drift after correction")
	}
	deploy := get(t, ns, "Deployment", "apps/v1", "web")
	g.Expect(deploy.GetAnnotations()).To(HaveKeyWithValue("other-tool", "was here"))
	env, _, _ := unstructured.NestedSlice(deploy.Object, "spec", "template", "spec", "containers")
	g.Expect(env[0]).To(HaveKeyWithValue("env", ContainElement(HaveKeyWithValue("name", "ADDED"))))
	cm := get(t, ns, "ConfigMap", "v1", "web")
	g.Expect(cm.Object["data"]).To(HaveKeyWithValue("added", "by another tool"))
	svc := get(t, ns, "Service", "v1", "web")
	g.Expect(svc.GetAnnotations()).To(HaveKeyWithValue(releaseNameAnnotation, "web"), "re-created as Helm made it")
}

func drift(t *testing.T, inputs []Input) []*Report {
	t.Helper()
	var out []*Report
	for _, in := range inputs {
		r, err := differ.Drift(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// driftOfObject lists the drift of one object as text; nil when it has none.
func driftOfObject(reports []*Report, object string) []string {
	for _, r := range reports {
		for _, o := range r.Objects {
			if o.Ref.String() != object || o.Drift == nil {
				continue
			}
			if o.Drift.Missing {
				return []string{"missing"}
			}
			var out []string
			for _, f := range o.Drift.Fields {
				out = append(out, fmt.Sprintf("%s: applied %s, live %s", f.Path, compact(f.Applied), compact(f.Live)))
			}
			return out
		}
	}
	return nil
}

func get(t *testing.T, ns, kind, apiVersion, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := resourceFor(t, ns, kind, apiVersion).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}
