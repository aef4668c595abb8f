package diff

import (
	"context"
	"encoding/json"
	"fmt"

	jsonpatch "github.com/evanphx/json-patch"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// nativeScheme holds the kinds Helm treats as built in (its pkg/kube
// kubernetesNativeScheme): client-go's and the apiextensions ones. Helm
// patches these with a three-way strategic merge and everything else, custom
// resources, with a two-way JSON merge patch.
var nativeScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextv1beta1.AddToScheme, apiextv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

// typedObject converts obj to its Go type the way Helm's AsVersioned does;
// ok is false for kinds Helm patches as unstructured.
func typedObject(obj *unstructured.Unstructured) (runtime.Object, bool) {
	gvk := obj.GroupVersionKind()
	// Helm special-cases the v1beta1 CRD type only (createPatch).
	if gvk == apiextv1beta1.SchemeGroupVersion.WithKind("CustomResourceDefinition") {
		return nil, false
	}
	typed, err := nativeScheme.New(gvk)
	if err != nil {
		return nil, false
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, typed); err != nil {
		return nil, false
	}
	return typed, true
}

// helmPatch is the patch Helm's upgrade sends (pkg/kube createPatch, with
// three-way merge for unstructured objects off, as action.Upgrade has it).
// original is the last-applied object, or the live one when the deployed
// revision did not have it.
func helmPatch(original, desired, live *unstructured.Unstructured) ([]byte, types.PatchType, error) {
	oldData, err := json.Marshal(original)
	if err != nil {
		return nil, "", err
	}
	newData, err := json.Marshal(desired)
	if err != nil {
		return nil, "", err
	}
	typed, ok := typedObject(desired)
	if !ok {
		patch, err := jsonpatch.CreateMergePatch(oldData, newData)
		return patch, types.MergePatchType, err
	}
	currentData, err := json.Marshal(live)
	if err != nil {
		return nil, "", err
	}
	meta, err := strategicpatch.NewPatchMetaFromStruct(typed)
	if err != nil {
		return nil, "", err
	}
	patch, err := strategicpatch.CreateThreeWayMergePatch(oldData, newData, currentData, meta, true)
	return patch, types.StrategicMergePatchType, err
}

// predict asks the API server, in a dry run, what the upgrade will make of
// the desired object: a create, a replace (upgrade.force) or Helm's patch.
// Defaulting, admission and validation are the server's own; only values
// the server allocates are left open (Allocated).
func (d *Differ) predict(ctx context.Context, e *entry, live *unstructured.Unstructured, force bool) (*unstructured.Unstructured, error) {
	predicted, err := d.dryRun(ctx, e, live, force)
	if err != nil || predicted == live {
		return predicted, err
	}
	markAllocated(predicted, e.desired, live)
	return predicted, nil
}

// dryRun sends Helm's request in a dry run; it returns live itself when Helm
// would send nothing.
func (d *Differ) dryRun(ctx context.Context, e *entry, live *unstructured.Unstructured, force bool) (*unstructured.Unstructured, error) {
	res := d.resource(e.mapping, e.ref.Namespace)
	dryRun := []string{metav1.DryRunAll}
	switch {
	case live == nil:
		return res.Create(ctx, e.desired, metav1.CreateOptions{DryRun: dryRun})
	case force:
		obj := e.desired.DeepCopy()
		obj.SetResourceVersion(live.GetResourceVersion())
		return res.Update(ctx, obj, metav1.UpdateOptions{DryRun: dryRun})
	}
	original := e.applied
	if original == nil {
		original = live
	}
	patch, patchType, err := helmPatch(original, e.desired, live)
	if err != nil {
		return nil, fmt.Errorf("computing Helm's patch: %w", err)
	}
	if string(patch) == "{}" {
		return live, nil
	}
	return res.Patch(ctx, e.ref.Name, patchType, patch, metav1.PatchOptions{DryRun: dryRun})
}
