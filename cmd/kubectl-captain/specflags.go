package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
	layers "captain.io/captain/internal/values"
)

// specFlags are the flags install and upgrade share: they describe the
// HelmRequest's spec.
type specFlags struct {
	version         string
	values          plugin.ValueFlags
	createNamespace bool
	cluster         string
	allClusters     bool
	clusterSelector string
	sourceSecret    string
	insecure        bool
	plainHTTP       bool
	writeFlags
}

// Target flags: at most one of them.
var targetFlags = []string{"cluster", "all-clusters", "cluster-selector"}

func (f *specFlags) add(cmd *cobra.Command) {
	f.addChanges(cmd)
	fs := cmd.Flags()
	fs.BoolVar(&f.dryRun, "dry-run", false, "Print the HelmRequest instead of writing it (with -o yaml: a manifest for GitOps)")
	f.wait.add(cmd, "Captain reports the HelmRequest Ready", "How long --wait waits")
	f.output = addOutputFlag(cmd, formatTable, formatTable, formatYAML, formatJSON, formatName)
}

// addChanges adds the flags that change the spec, which diff shares.
func (f *specFlags) addChanges(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.version, "version", "", "Chart version or semver range (\">=1.2 <2\", \"~1.4\"); empty means the latest stable. Not for http(s) URLs, which name the version")
	fs.StringArrayVarP(&f.values.ValueFiles, "values", "f", nil, "Values from a YAML file (- for stdin); repeat to layer several")
	fs.StringArrayVar(&f.values.Values, "set", nil, "A value on the command line (a.b=c, list={x,y}); repeat for more")
	fs.StringArrayVar(&f.values.StringValues, "set-string", nil, "A string value on the command line (a.b=c); repeat for more")
	fs.BoolVar(&f.createNamespace, "create-namespace", false, "Create the release namespace if it does not exist")
	fs.StringVar(&f.cluster, "cluster", "", "Install into this registered Cluster (empty: the cluster Captain runs in)")
	fs.BoolVar(&f.allClusters, "all-clusters", false, "Install into every registered Cluster")
	fs.StringVar(&f.clusterSelector, "cluster-selector", "", "Install into the registered Clusters with these labels (env=prod,region in (eu,us))")
	fs.StringVar(&f.sourceSecret, "source-secret", "", "Secret in the namespace with credentials for an http(s) or oci:// chart (username/password or token, ca.crt, tls.crt/tls.key)")
	fs.BoolVar(&f.insecure, "insecure-skip-tls-verify", false, "Do not verify the TLS certificate of an http(s) or oci:// chart's server")
	fs.BoolVar(&f.plainHTTP, "plain-http", false, "Reach an oci:// registry over plain HTTP")
	cmd.MarkFlagsMutuallyExclusive(targetFlags...)
}

// apply writes the flags into spec. ref is the CHART argument, if given;
// resetValues drops the values spec had before. Errors are the user's.
func (f *specFlags) apply(cmd *cobra.Command, spec *v1.HelmRequestSpec, ref *plugin.ChartRef, resetValues bool) error {
	changed := cmd.Flags().Changed
	if err := f.applyChart(spec, ref, changed("version")); err != nil {
		return usageError{err}
	}
	if f.valuesGiven() || resetValues {
		if err := checkValueFiles(f.values.ValueFiles); err != nil {
			return usageError{err}
		}
		add, err := plugin.ReadValues(&f.values)
		if err != nil {
			return usageError{err}
		}
		if spec.Values, err = plugin.SetValues(spec.Values, add, resetValues); err != nil {
			return usageError{err}
		}
		if spec.Values != nil && len(spec.Values.Raw) > layers.MaxLayerBytes {
			return usagef("spec.values would be %d bytes of JSON, more than the %d Captain reads; %s",
				len(spec.Values.Raw), layers.MaxLayerBytes, largeValuesHint)
		}
	}
	if err := f.sourceOptions(changed).ApplyTo(spec); err != nil {
		return usageError{err}
	}
	if changed("create-namespace") {
		spec.CreateNamespace = f.createNamespace
	}
	return f.applyTarget(spec, changed)
}

// maxValuesFileBytes bounds a -f file, checked before it is read: YAML
// costs far more memory to parse than its size (a 50 MB file took over a
// minute and 1.5 GB before being refused), and spec.values holds at most
// values.MaxLayerBytes of JSON anyway. Comments and indentation get room.
const maxValuesFileBytes = 4 * layers.MaxLayerBytes

const largeValuesHint = "put large values in ConfigMaps or Secrets and reference them in spec.valuesFrom"

// checkValueFiles refuses -f files too large to be values, by their size.
// Stdin and other streams are read, and their values measured, as usual.
func checkValueFiles(files []string) error {
	for _, name := range files {
		if strings.TrimSpace(name) == "-" {
			continue
		}
		info, err := os.Stat(name)
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			// Not wrapped: the bare errno would read as a network error.
			return fmt.Errorf("-f %s: %v", name, pathErr.Err)
		}
		if err != nil || !info.Mode().IsRegular() {
			// Helm's reader says what is wrong with it.
			continue
		}
		if info.Size() > maxValuesFileBytes {
			return fmt.Errorf("-f %s: %d bytes is more than the %d a values file may have; %s",
				name, info.Size(), maxValuesFileBytes, largeValuesHint)
		}
	}
	return nil
}

func (f *specFlags) applyChart(spec *v1.HelmRequestSpec, ref *plugin.ChartRef, versionChanged bool) error {
	if ref == nil {
		if !versionChanged {
			return nil
		}
		ref = &plugin.ChartRef{Chart: spec.Chart, Source: spec.Source.DeepCopy()}
	}
	version, err := ref.Version(f.version)
	if err != nil {
		return err
	}
	ref.ApplyTo(spec)
	spec.Version = version
	return nil
}

func (f *specFlags) valuesGiven() bool {
	return len(f.values.ValueFiles)+len(f.values.Values)+len(f.values.StringValues) > 0
}

func (f *specFlags) sourceOptions(changed func(string) bool) plugin.SourceOptions {
	var o plugin.SourceOptions
	if changed("source-secret") {
		o.Secret = &f.sourceSecret
	}
	if changed("insecure-skip-tls-verify") {
		o.Insecure = &f.insecure
	}
	if changed("plain-http") {
		o.PlainHTTP = &f.plainHTTP
	}
	return o
}

// applyTarget sets where the release goes when a target flag is given; the
// API takes one way of targeting, so the others are cleared.
func (f *specFlags) applyTarget(spec *v1.HelmRequestSpec, changed func(string) bool) error {
	if !slices.ContainsFunc(targetFlags, changed) {
		return nil
	}
	spec.ClusterName, spec.InstallToAllClusters, spec.ClusterSelector = f.cluster, f.allClusters, nil
	if f.clusterSelector == "" {
		return nil
	}
	sel, err := metav1.ParseToLabelSelector(f.clusterSelector)
	if err != nil {
		return usagef("--cluster-selector: %v", err)
	}
	spec.ClusterSelector = sel
	return nil
}
