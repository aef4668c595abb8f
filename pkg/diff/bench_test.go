package diff

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDiff300 diffs a release of 300 objects (100 each of Deployments,
// Services and ConfigMaps) against the real API server, with an upgrade
// that changes 30 of them. The Services are headless: the test server's
// Service range has 254 addresses, and -count would exhaust it. Run it with
//
//	go test -run '^$' -bench BenchmarkDiff300 ./pkg/diff/
func BenchmarkDiff300(b *testing.B) {
	in := install300(b)
	for b.Loop() {
		r, err := differ.Diff(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if s := r.Summary(); s.Update != 30 || s.Unchanged != 270 || s.Errors != 0 {
			b.Fatalf("unexpected plan %+v: %v", s, r.Err())
		}
	}
}

// BenchmarkDrift300 is the periodic drift check of the same release: reads
// only, no dry runs.
func BenchmarkDrift300(b *testing.B) {
	in := install300(b)
	for b.Loop() {
		r, err := differ.Drift(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if s := r.Summary(); s.DriftedObjects != 0 || s.Errors != 0 {
			b.Fatalf("unexpected drift %+v: %v", s, r.Err())
		}
	}
}

func install300(b *testing.B) Input {
	ns := controlPlane.NewNamespace(b)
	applied := release300("v1")
	install(b, ns, "big", applied)
	return Input{ReleaseName: "big", Namespace: ns, LastApplied: applied, Desired: release300("v2")}
}

// release300 renders the benchmark's manifest; version is the data of the
// first 30 ConfigMaps.
func release300(version string) string {
	var m strings.Builder
	for i := range 100 {
		data := "v1"
		if i < 30 {
			data = version
		}
		fmt.Fprintf(&m, `---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-%d, labels: {app: big}}
data: {version: %q, greeting: hello}
---
apiVersion: v1
kind: Service
metadata: {name: svc-%d, labels: {app: big}}
spec:
  clusterIP: None
  selector: {app: big, index: "%d"}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: deploy-%d, labels: {app: big}}
spec:
  replicas: 1
  selector: {matchLabels: {app: big, index: "%d"}}
  template:
    metadata: {labels: {app: big, index: "%d"}}
    spec:
      containers:
      - name: app
        image: registry.example/app:1.0
        ports: [{name: http, containerPort: 8080}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
`, i, data, i, i, i, i, i)
	}
	return m.String()
}
