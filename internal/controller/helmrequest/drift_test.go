package helmrequest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
	gomegatypes "github.com/onsi/gomega/types"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/controller/helmrequest"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/diff"
	"captain.io/captain/pkg/release"
)

// driftRequest is a HelmRequest named name of the chart at chartURL, with
// drift detection in mode.
func driftRequest(ns, name, chartURL string, mode v1.DriftMode) *v1.HelmRequest {
	return &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Source:         &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: chartURL}},
			DriftDetection: &v1.DriftDetectionSpec{Mode: mode},
		},
	}
}

// eventuallyDrifted waits until hr's Drifted condition has status and its
// message satisfies msg, with objects and fields in its status entry, and
// returns the HelmRequest.
func eventuallyDrifted(t *testing.T, hr *v1.HelmRequest, status metav1.ConditionStatus, msg gomegatypes.GomegaMatcher, objects, fields int) *v1.HelmRequest {
	t.Helper()
	var got *v1.HelmRequest
	NewWithT(t).Eventually(func(g Gomega) {
		got = get(g, hr)
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		drifted := condition(got, v1.DriftedCondition)
		g.Expect(drifted.Status).To(Equal(status), drifted.Message)
		g.Expect(drifted.Message).To(msg)
		g.Expect(got.Status.Clusters).To(HaveLen(1))
		g.Expect(got.Status.Clusters[0].Drift).To(HaveValue(And(HaveField("Objects", objects), HaveField("Fields", fields))))
	}, timeout, interval).Should(Succeed())
	return got
}

// eventuallyUndrifted waits for the first drift check to find nothing.
func eventuallyUndrifted(t *testing.T, hr *v1.HelmRequest) *v1.HelmRequest {
	t.Helper()
	eventuallyReady(t, hr)
	return eventuallyDrifted(t, hr, metav1.ConditionFalse, Equal("the live objects are as the release applied them"), 0, 0)
}

// checks is how many drift checks the manager has logged for HelmRequest
// ns/name.
func checks(ns, name string) int {
	return managerLogs.count(`"msg":"checked drift"`, `"namespace":"`+ns+`"`, `"name":"`+name+`"`)
}

// eventuallyChecked waits until the manager has checked ns/name's drift
// once more than it had when called.
func eventuallyChecked(g Gomega, ns, name string) {
	before := checks(ns, name)
	g.Eventually(func() int { return checks(ns, name) }, timeout, interval).Should(BeNumerically(">", before))
}

func events(g Gomega, ns, name, reason string) []eventsv1.Event {
	list := &eventsv1.EventList{}
	g.Expect(controlPlane.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

func mergePatch(g Gomega, obj client.Object, patch string) {
	g.Expect(controlPlane.Client.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(patch)))).To(Succeed())
}

func configMap(ns, name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func widget(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "test.captain.io", Version: "v1", Kind: "Widget"})
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// read gets obj afresh and returns the value at fields; "absent" when obj
// does not exist.
func read(g Gomega, obj client.Object, fields ...string) any {
	err := controlPlane.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if client.IgnoreNotFound(err) == nil && err != nil {
		return "absent"
	}
	g.Expect(err).NotTo(HaveOccurred())
	u, err := unstructuredOf(obj)
	g.Expect(err).NotTo(HaveOccurred())
	v, _, err := unstructured.NestedFieldNoCopy(u, fields...)
	g.Expect(err).NotTo(HaveOccurred())
	return v
}

func unstructuredOf(obj client.Object) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// Warn reports the changes that are drift (a scaled Deployment, an edited
// ConfigMap key, an edited custom resource, a deleted object) and not a
// field another tool added, touches nothing, and clears the report when
// the drift goes; Correct then restores the four, leaves the fifth, and
// makes no Helm revision.
func TestDriftWarnThenCorrect(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	web := driftRequest(ns, "web", repo.URL()+"/plain-0.1.0.tgz", v1.DriftWarn)
	crs := driftRequest(ns, "widget", repo.URL()+"/withcrd-0.1.0.tgz", v1.DriftWarn)
	create(t, web)
	create(t, crs)
	eventuallyUndrifted(t, web)
	eventuallyUndrifted(t, crs)

	deployment := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}}
	service := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}}
	cases := []struct {
		name   string
		change func(g Gomega)
		// hr is the HelmRequest whose release holds the object ref; its
		// Drifted condition lists the change as "ref (path)", or never
		// names path when the change is not drift.
		hr        *v1.HelmRequest
		ref, path string
		drift     bool
		// live reads the changed value; changed and applied are its values
		// after the change and as the release applied it.
		live             func(g Gomega) any
		changed, applied any
	}{
		{
			name: "kubectl scale of the replica count",
			change: func(g Gomega) {
				scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: 3}}
				g.Expect(controlPlane.Client.SubResource("scale").Update(ctx, deployment, client.WithSubResourceBody(scale))).To(Succeed())
			},
			hr: web, ref: "Deployment.apps " + ns + "/web", path: "/spec/replicas", drift: true,
			live:    func(g Gomega) any { return read(g, deployment, "spec", "replicas") },
			changed: float64(3), applied: float64(1),
		},
		{
			name:   "edited ConfigMap key",
			change: func(g Gomega) { mergePatch(g, configMap(ns, "web"), `{"data":{"greeting":"edited"}}`) },
			hr:     web, ref: "ConfigMap " + ns + "/web", path: "/data/greeting", drift: true,
			live:    func(g Gomega) any { return read(g, configMap(ns, "web"), "data", "greeting") },
			changed: "edited", applied: "hello",
		},
		{
			name:   "edited custom resource field",
			change: func(g Gomega) { mergePatch(g, widget(ns, "widget"), `{"spec":{"color":"red"}}`) },
			hr:     crs, ref: "Widget.test.captain.io " + ns + "/widget", path: "/spec/color", drift: true,
			live:    func(g Gomega) any { return read(g, widget(ns, "widget"), "spec", "color") },
			changed: "red", applied: "blue",
		},
		{
			name:   "deleted managed object",
			change: func(g Gomega) { g.Expect(controlPlane.Client.Delete(ctx, service)).To(Succeed()) },
			hr:     web, ref: "Service " + ns + "/web", path: "deleted", drift: true,
			live:    func(g Gomega) any { return read(g, service, "metadata", "name") },
			changed: "absent", applied: "web",
		},
		{
			name:   "field added by another tool",
			change: func(g Gomega) { mergePatch(g, configMap(ns, "web"), `{"data":{"owner":"another-tool"}}`) },
			hr:     web, ref: "ConfigMap " + ns + "/web", path: "/data/owner", drift: false,
			live:    func(g Gomega) any { return read(g, configMap(ns, "web"), "data", "owner") },
			changed: "another-tool", applied: "another-tool",
		},
	}
	for _, tc := range cases {
		tc.change(g)
	}

	eventuallyDrifted(t, web, metav1.ConditionTrue, Equal("3 objects drifted (2 fields): ConfigMap "+ns+"/web (/data/greeting), Deployment.apps "+ns+"/web (/spec/replicas), Service "+ns+"/web (deleted)"), 3, 2)
	eventuallyDrifted(t, crs, metav1.ConditionTrue, ContainSubstring("1 object drifted (1 field)"), 1, 1)
	for _, tc := range cases {
		t.Run("Warn/"+tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got := get(g, tc.hr)
			drifted := condition(got, v1.DriftedCondition)
			g.Expect(drifted.Reason).To(Equal("DriftDetected"))
			if tc.drift {
				g.Expect(drifted.Message).To(ContainSubstring(tc.ref + " (" + tc.path + ")"))
			} else {
				g.Expect(drifted.Message).NotTo(ContainSubstring(tc.path))
			}
			g.Expect(condition(got, v1.ReadyCondition).Status).To(Equal(metav1.ConditionTrue), "drift does not make a deployed release unready")
			g.Expect(events(g, ns, tc.hr.Name, "DriftDetected")).To(ContainElement(HaveField("Type", corev1.EventTypeWarning)))
			g.Expect(tc.live(g)).To(Equal(tc.changed), "Warn changes nothing")
		})
	}

	// Drift that goes away is no longer reported.
	mergePatch(g, widget(ns, "widget"), `{"spec":{"color":"blue"}}`)
	eventuallyDrifted(t, crs, metav1.ConditionFalse, Equal("the live objects are as the release applied them"), 0, 0)
	mergePatch(g, widget(ns, "widget"), `{"spec":{"color":"red"}}`)
	eventuallyDrifted(t, crs, metav1.ConditionTrue, ContainSubstring("/spec/color"), 1, 1)

	for _, hr := range []*v1.HelmRequest{web, crs} {
		mergePatch(g, hr, `{"spec":{"driftDetection":{"mode":"Correct"}}}`)
	}
	eventuallyDrifted(t, web, metav1.ConditionFalse, Equal("the live objects are as the release applied them"), 0, 0)
	eventuallyDrifted(t, crs, metav1.ConditionFalse, Equal("the live objects are as the release applied them"), 0, 0)
	for _, tc := range cases {
		t.Run("Correct/"+tc.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(tc.live(g)).To(Equal(tc.applied))
			if tc.drift {
				g.Expect(events(g, ns, tc.hr.Name, "DriftCorrected")).To(ContainElement(HaveField("Note", ContainSubstring(tc.ref))))
			}
			g.Expect(releaseState(g, ns, tc.hr.Name).Revisions).To(HaveLen(1), "correcting drift makes no Helm revision")
		})
	}
	// The next check finds nothing to correct.
	eventuallyChecked(g, ns, "web")
	eventuallyChecked(g, ns, "widget")
	for _, hr := range []*v1.HelmRequest{web, crs} {
		g.Expect(condition(get(g, hr), v1.DriftedCondition).Status).To(Equal(metav1.ConditionFalse))
	}
}

// A release nobody changed costs reads only: several drift checks make no
// write. A change on an ignored path (spec.driftDetection.ignore) is no
// drift.
func TestUndriftedReleaseCheckMakesNoWrites(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := driftRequest(ns, "web", repo.URL()+"/plain-0.1.0.tgz", v1.DriftWarn)
	hr.Spec.DriftDetection.Ignore = []v1.DriftIgnoreRule{{
		Paths:  []string{"/spec/replicas"},
		Target: &v1.ObjectSelector{Group: "apps", Kind: "Deployment"},
	}}
	create(t, hr)
	eventuallyUndrifted(t, hr)
	deployment := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}}
	scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: 2}}
	g.Expect(controlPlane.Client.SubResource("scale").Update(ctx, deployment, client.WithSubResourceBody(scale))).To(Succeed())

	quiet(g)
	writes := managerWrites.Load()
	for range 3 {
		eventuallyChecked(g, ns, "web")
	}
	g.Expect(managerWrites.Load()-writes).To(BeZero(), "a drift check of an undrifted release wrote to the API server")
	got := get(g, hr)
	g.Expect(condition(got, v1.DriftedCondition).Status).To(Equal(metav1.ConditionFalse))
	g.Expect(got.Status.Clusters[0].Drift).To(HaveValue(HaveField("Objects", 0)))
}

// A value from a Secret (valuesFrom) that the chart renders into a
// ConfigMap never shows in the diff's text or JSON, the HelmRequest's
// status, its events or the manager's logs, even when the object holding it
// drifted to a value that contains it.
func TestDriftRedactsSecretValues(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	secretValue := "s3cr3t-" + ns
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "web-secrets", Namespace: ns},
		StringData: map[string]string{"values.yaml": "config:\n  password: " + secretValue + "\n"},
	}
	g.Expect(controlPlane.Client.Create(ctx, secret)).To(Succeed())
	hr := driftRequest(ns, "web", repo.URL()+"/plain-0.1.0.tgz", v1.DriftWarn)
	hr.Spec.ValuesFrom = []v1.ValuesReference{{SecretKeyRef: &v1.ValuesKeyRef{Name: "web-secrets"}}}
	hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"hello"}}`)}
	create(t, hr)
	eventuallyUndrifted(t, hr)
	g.Expect(read(g, configMap(ns, "web"), "data", "password")).To(Equal(secretValue), "the chart renders the secret")

	mergePatch(g, configMap(ns, "web"), `{"data":{"password":"`+secretValue+`-edited"}}`)
	got := eventuallyDrifted(t, hr, metav1.ConditionTrue, ContainSubstring("ConfigMap "+ns+"/web (/data/password)"), 1, 1)

	shown := map[string][]byte{"status": mustJSON(g, got.Status), "events": mustJSON(g, events(g, ns, "web", "DriftDetected")), "logs": []byte(managerLogs.String())}
	vals, err := helmrequest.ValuesFor(ctx, controlPlane.Client, got, &chartrepo.Chart{Chart: testcharts.Load(t, "plain")}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	factory := release.NewFactory()
	target := release.Target{Config: controlPlane.Config}
	manifest, _, err := factory.DeployedManifest(target, releaseState(g, ns, "web"))
	g.Expect(err).NotTo(HaveOccurred())
	differ, err := diff.New(controlPlane.Config)
	g.Expect(err).NotTo(HaveOccurred())
	in := helmrequest.DriftInput(got, vals, manifest, []byte("key"))
	for name, run := range map[string]func(context.Context, diff.Input) (*diff.Report, error){"diff": differ.Diff, "drift": differ.Drift} {
		report, err := run(ctx, in)
		g.Expect(err).NotTo(HaveOccurred())
		var text bytes.Buffer
		g.Expect(report.WriteText(&text, diff.TextOptions{})).To(Succeed())
		g.Expect(text.String()).To(ContainSubstring("/data/password"), "%s finds the drift", name)
		shown[name+" text"] = text.Bytes()
		shown[name+" JSON"], err = report.JSON()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(shown[name+" JSON"])).To(ContainSubstring("<redacted hmac-sha256:"), "%s masks the value", name)
	}
	for where, b := range shown {
		g.Expect(string(b)).NotTo(ContainSubstring(secretValue), "the secret value shows in the %s", where)
	}
}

func mustJSON(g Gomega, v any) []byte {
	b, err := json.Marshal(v)
	g.Expect(err).NotTo(HaveOccurred())
	return b
}
