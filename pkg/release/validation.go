package release

import (
	"sync"

	"golang.org/x/sync/singleflight"

	"helm.sh/helm/v3/pkg/kube"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/kubectl/pkg/validation"
	"sigs.k8s.io/yaml"
)

// fastValidation gives Helm's kube client a Validator that remembers, per
// kind, that the API server validates fields itself. kubectl's validator
// asks by downloading and parsing the server's OpenAPI document of the
// kind's group on every object of every install — most of an install's
// CPU — only to learn each time that the server does the work. Kinds the
// server does not validate still go through kubectl's validator.
type fastValidation struct {
	kube.Factory
	cc *clusterClients
}

func (f *fastValidation) Validator(directive string) (validation.Schema, error) {
	if directive != metav1.FieldValidationStrict {
		return f.Factory.Validator(directive)
	}
	return &serverValidated{factory: f.Factory, cc: f.cc}, nil
}

// serverValidated validates like kubectl's strict schema, skipping the
// question whose answer cc remembers.
type serverValidated struct {
	factory kube.Factory
	cc      *clusterClients
}

func (s *serverValidated) ValidateBytes(data []byte) error {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(data, &meta); err == nil && meta.Kind != "" && meta.Kind != "List" {
		gvk := schema.FromAPIVersionAndKind(meta.APIVersion, meta.Kind)
		if s.cc.serverValidates(gvk) {
			return nil
		}
	}
	slow, err := s.factory.Validator(metav1.FieldValidationStrict)
	if err != nil {
		return err
	}
	return slow.ValidateBytes(data)
}

// fieldValidation remembers the group versions whose server-side field
// validation was confirmed; a failed or negative check is asked again next
// time. One server serves a whole group version, so one kind's answer holds
// for its siblings: each check parses the group version's OpenAPI document,
// megabytes for the core group, which a chart's ServiceAccount, ConfigMap,
// Secret and Service would otherwise parse once each. Concurrent installs
// that ask about one group version share a single check: the first
// installs into a cluster all ask at once.
type fieldValidation struct {
	once      sync.Once
	verifier  resource.Verifier
	confirmed sync.Map // schema.GroupVersion → struct{}
	checks    singleflight.Group
}

func (cc *clusterClients) serverValidates(gvk schema.GroupVersionKind) bool {
	fv := &cc.validation
	gv := gvk.GroupVersion()
	if _, ok := fv.confirmed.Load(gv); ok {
		return true
	}
	fv.once.Do(func() {
		if cc.dynamic != nil {
			fv.verifier = resource.NewQueryParamVerifierV3(cc.dynamic, cc.discovery.OpenAPIV3(), resource.QueryParamFieldValidation)
		}
	})
	if fv.verifier == nil {
		return false
	}
	supported, _, _ := fv.checks.Do(gv.String(), func() (any, error) {
		if fv.verifier.HasSupport(gvk) != nil {
			return false, nil
		}
		fv.confirmed.Store(gv, struct{}{})
		return true, nil
	})
	return supported.(bool)
}
