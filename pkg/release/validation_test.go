package release

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/kube"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kubectl/pkg/validation"
)

// verifierFunc answers HasSupport and counts the questions.
type verifierFunc struct {
	calls  map[schema.GroupVersionKind]int
	answer func(schema.GroupVersionKind) error
}

func (v *verifierFunc) HasSupport(gvk schema.GroupVersionKind) error {
	v.calls[gvk]++
	return v.answer(gvk)
}

// slowFactory stands for kubectl's factory: its validator records what it
// was asked to validate.
type slowFactory struct {
	kube.Factory
	validated []string
}

func (f *slowFactory) Validator(string) (validation.Schema, error) { return f, nil }

func (f *slowFactory) ValidateBytes(data []byte) error {
	f.validated = append(f.validated, string(data))
	return nil
}

func TestServerValidatedAsksOncePerGroupVersion(t *testing.T) {
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	legacy := schema.GroupVersionKind{Group: "legacy.example", Version: "v1", Kind: "Thing"}
	docs := map[string]string{
		"deployment":  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n",
		"statefulset": "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\n",
		"legacy":      "apiVersion: legacy.example/v1\nkind: Thing\nmetadata:\n  name: b\n",
		"list":        "apiVersion: v1\nkind: List\nitems: []\n",
		"no kind":     "metadata:\n  name: c\n",
	}
	cases := []struct {
		name       string
		docs       []string
		askedFor   map[schema.GroupVersionKind]int
		slowChecks int
	}{
		{name: "one kind", docs: []string{"deployment", "deployment", "deployment"}, askedFor: map[schema.GroupVersionKind]int{deployment: 1}, slowChecks: 0},
		{name: "kinds of one group version", docs: []string{"deployment", "statefulset", "deployment"}, askedFor: map[schema.GroupVersionKind]int{deployment: 1}, slowChecks: 0},
		{name: "not validated by the server", docs: []string{"legacy", "legacy"}, askedFor: map[schema.GroupVersionKind]int{legacy: 2}, slowChecks: 2},
		{name: "list", docs: []string{"list", "list"}, askedFor: map[schema.GroupVersionKind]int{}, slowChecks: 2},
		{name: "no kind", docs: []string{"no kind"}, askedFor: map[schema.GroupVersionKind]int{}, slowChecks: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			v := &verifierFunc{calls: map[schema.GroupVersionKind]int{}, answer: func(gvk schema.GroupVersionKind) error {
				if gvk == legacy {
					return errors.New("fieldValidation not supported")
				}
				return nil
			}}
			cc := &clusterClients{}
			cc.validation.once.Do(func() {})
			cc.validation.verifier = v
			slow := &slowFactory{}
			f := &fastValidation{Factory: slow, cc: cc}
			s, err := f.Validator(metav1.FieldValidationStrict)
			g.Expect(err).NotTo(HaveOccurred())
			for _, doc := range tc.docs {
				g.Expect(s.ValidateBytes([]byte(docs[doc]))).To(Succeed())
			}
			g.Expect(v.calls).To(Equal(tc.askedFor))
			g.Expect(slow.validated).To(HaveLen(tc.slowChecks))
		})
	}
}

// Directives other than Strict are kubectl's business alone.
func TestNonStrictValidatorIsKubectls(t *testing.T) {
	g := NewWithT(t)
	slow := &slowFactory{}
	s, err := (&fastValidation{Factory: slow, cc: &clusterClients{}}).Validator(metav1.FieldValidationIgnore)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(s).To(BeIdenticalTo(validation.Schema(slow)))
}
