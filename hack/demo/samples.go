package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"captain.io/captain/internal/testenv"
)

// applySamples creates the objects of config/samples that the demo can
// serve, pointing the ChartRepo at the demo's repository, and returns them.
func applySamples(ctx context.Context, c client.Client, dir, repoURL string) ([]*unstructured.Unstructured, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	// The overlay sample reads values from this ConfigMap.
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "web-values", Namespace: "default"},
		Data:       map[string]string{"values.yaml": "config:\n  source: a ConfigMap\n"},
	}
	if err := c.Create(ctx, cm); err != nil {
		return nil, err
	}
	var applied []*unstructured.Unstructured
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		objs, err := decode(f)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if why := unsupported(o); why != "" {
				step(fmt.Sprintf("skipping %s %s: %s", o.GetKind(), o.GetName(), why))
				continue
			}
			if o.GetKind() == "ChartRepo" {
				_ = unstructured.SetNestedField(o.Object, repoURL, "spec", "url")
			}
			if err := c.Create(ctx, o); err != nil {
				return nil, fmt.Errorf("%s: creating %s %s: %w", f, o.GetKind(), o.GetName(), err)
			}
			step(fmt.Sprintf("applied %s %s/%s from %s", o.GetKind(), o.GetNamespace(), o.GetName(), filepath.Base(f)))
			applied = append(applied, o)
		}
	}
	return applied, nil
}

// unsupported says why the demo leaves a sample out, or "".
func unsupported(o *unstructured.Unstructured) string {
	if repo, _, _ := unstructured.NestedString(o.Object, "spec", "source", "oci", "repo"); strings.HasPrefix(repo, "oci://") {
		return "the demo runs no OCI registry"
	}
	return ""
}

func decode(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		o := &unstructured.Unstructured{}
		if err := dec.Decode(&o.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(o.Object) > 0 {
			out = append(out, o)
		}
	}
}

// registerMember stores the member cluster's kubeconfig where the sample
// Cluster prod-eu-1 expects it: Secret prod-eu-1-kubeconfig in the
// controller's namespace.
func registerMember(ctx context.Context, c client.Client, member *testenv.ControlPlane) error {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "prod-eu-1-kubeconfig", Namespace: "default"},
		Data:       map[string][]byte{"value": member.KubeConfig()},
	}
	return c.Create(ctx, secret)
}
