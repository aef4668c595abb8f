package helmrequest_test

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
)

// BenchmarkDriftCheck measures a reconcile of an up-to-date, undrifted
// HelmRequest with drift detection on that checks drift every time: set
// against BenchmarkNoopReconcile, the cost of one drift check of the plain
// chart (three objects). It fails if any made an API write.
func BenchmarkDriftCheck(b *testing.B) {
	repo := httprepo.New(b)
	ns := controlPlane.NewNamespace(b)
	hr := driftRequest(ns, requestName(0), repo.URL()+"/plain-0.1.0.tgz", v1.DriftWarn)
	hr.Spec.Values = plainRequest(ns, repo.URL(), benchValues).Spec.Values
	if err := controlPlane.Client.Create(context.Background(), hr); err != nil {
		b.Fatal(err)
	}
	waitReady(b, ns, 1)
	b.Cleanup(func() { deleteAll(b, ns) })

	ctx := context.Background()
	r := newReconciler(b)
	r.DriftCheckInterval = time.Nanosecond
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: hr.Name}}
	// The first reconcile downloads the chart, decodes the deployed
	// revision and writes the first drift status; the ones measured do not.
	if _, err := r.Reconcile(ctx, req); err != nil {
		b.Fatal(err)
	}
	settle(b)
	writes := managerWrites.Load()
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		if _, err := r.Reconcile(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	cpu = cpuTime(b) - cpu
	if w := managerWrites.Load() - writes; w != 0 {
		b.Fatalf("%d drift checks made %d API writes", b.N, w)
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}
