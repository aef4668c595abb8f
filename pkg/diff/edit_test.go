package diff

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// resourceFor maps a kind for the tests' own reads and writes.
func resourceFor(t testing.TB, ns, kind, apiVersion string) dynamic.ResourceInterface {
	t.Helper()
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		t.Fatal(err)
	}
	m, err := differ.mappings().get(gv.WithKind(kind))
	if err != nil {
		t.Fatal(err)
	}
	return differ.resource(m, ns)
}

// patch edits a live object, as kubectl patch would.
func patch(t testing.TB, ns, kind, apiVersion, name string, pt types.PatchType, body string, subresources ...string) {
	t.Helper()
	_, err := resourceFor(t, ns, kind, apiVersion).Patch(ctx, name, pt, []byte(body), metav1.PatchOptions{FieldManager: "kubectl"}, subresources...)
	if err != nil {
		t.Fatal(err)
	}
}
