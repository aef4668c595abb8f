// Package scheme builds the runtime.Scheme that Captain's clients use: the
// built-in Kubernetes types, CRDs and Captain's own.
package scheme

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	captainv1 "captain.io/captain/api/v1alpha1"
)

// New returns a scheme with the built-in types, CRDs and Captain's types.
func New() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := captainv1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}
