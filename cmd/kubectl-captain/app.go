package main

import (
	"time"

	"github.com/spf13/cobra"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// app is what every command shares: how to reach the cluster, how much to
// say, and the clock (tests fix it, so that ages in tables are golden).
type app struct {
	config  *genericclioptions.ConfigFlags
	verbose int
	now     func() time.Time

	kube      client.WithWatch
	clientset kubernetes.Interface
}

func newApp(now func() time.Time) *app {
	empty := func() *string { s := ""; return &s }
	// Only kubectl's flags that name the cluster and namespace: the others
	// (--cluster, --insecure-skip-tls-verify, ...) would clash with
	// Captain's own flags of the same names.
	return &app{
		config: &genericclioptions.ConfigFlags{KubeConfig: empty(), Context: empty(), Namespace: empty()},
		now:    now,
	}
}

// command builds the command tree.
func (a *app) command() *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-captain",
		Short: "Drive Captain's Helm releases declaratively",
		Long: "kubectl captain writes HelmRequest and ChartRepo objects and reads their status.\n" +
			"Captain, running in the cluster, makes the Helm releases they describe.",
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl captain"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	a.config.AddFlags(root.PersistentFlags())
	root.PersistentFlags().CountVarP(&a.verbose, "verbose", "v", "Say more: -v adds the detail of errors")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	a.completeNamespaces(root)
	root.AddCommand(
		a.installCommand(), a.upgradeCommand(), a.rollbackCommand(), a.uninstallCommand(),
		a.listCommand(), a.statusCommand(), a.historyCommand(), a.diffCommand(), a.valuesCommand(), a.importCommand(),
		a.repoCommand(), a.searchCommand(), a.migrateCommand(), a.versionCommand(),
	)
	markFailures(root)
	return root
}

// namespace is -n, else the kubeconfig context's namespace, else default.
func (a *app) namespace() (string, error) {
	ns, _, err := a.config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", kubeconfigError(err)
	}
	return ns, nil
}

func (a *app) restConfig() (*rest.Config, error) {
	cfg, err := a.config.ToRESTConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	cfg.UserAgent = "kubectl-captain/" + version
	return cfg, nil
}

// client is a client for Captain's objects and the built-in kinds.
func (a *app) client() (client.WithWatch, error) {
	if a.kube != nil {
		return a.kube, nil
	}
	cfg, err := a.restConfig()
	if err != nil {
		return nil, err
	}
	s, err := kinds()
	if err != nil {
		return nil, err
	}
	if a.kube, err = client.NewWithWatch(cfg, client.Options{Scheme: s}); err != nil {
		return nil, kubeconfigError(err)
	}
	return a.kube, nil
}

// releases reads the Helm release records of a namespace in the local
// cluster, as helm history does.
func (a *app) releases(namespace string) (*storage.Storage, error) {
	if a.clientset == nil {
		cfg, err := a.restConfig()
		if err != nil {
			return nil, err
		}
		if a.clientset, err = kubernetes.NewForConfig(cfg); err != nil {
			return nil, kubeconfigError(err)
		}
	}
	return storage.Init(driver.NewSecrets(a.clientset.CoreV1().Secrets(namespace))), nil
}
