package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "captain.io/captain/api/v1alpha1"
)

// SyncRequestedAnnotation asks the ChartRepo controller to sync a repository
// now; its value is the time of the request. The controller reacts to any
// annotation change.
const SyncRequestedAnnotation = "captain.io/sync-requested"

// credentialsLabel marks a Secret the plugin made for a ChartRepo's
// credentials, naming the ChartRepo, so that repo remove deletes it and
// nothing else.
const credentialsLabel = "captain.io/credentials-of"

func (a *app) repoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repo",
		Short: "Add, list, sync and remove ChartRepos",
	}
	cmd.AddCommand(a.repoAddCommand(), a.repoListCommand(), a.repoUpdateCommand(), a.repoRemoveCommand())
	return cmd
}

type repoAddFlags struct {
	repoType      string
	username      string
	passwordStdin bool
	tokenStdin    bool
	caFile        string
	certFile      string
	keyFile       string
	secret        string
	insecure      bool
	plainHTTP     bool
	interval      time.Duration
	wait          waitFlags
}

func (a *app) repoAddCommand() *cobra.Command {
	f := &repoAddFlags{}
	cmd := &cobra.Command{
		Use:   "add NAME URL",
		Short: "Create a ChartRepo; Captain syncs its index into Chart objects",
		Long: "Create a ChartRepo. Credentials go into a Secret beside it (NAME-credentials) and\n" +
			"are read from stdin, never from the command line; they are never printed.",
		Example: "  kubectl captain repo add stable https://charts.example --wait\n" +
			"  echo \"$PASSWORD\" | kubectl captain repo add private https://charts.example --username me --password-stdin\n" +
			"  kubectl captain repo add registry oci://registry.example/charts",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.repoAdd(cmd, f, args[0], args[1])
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.repoType, "type", "", "http, oci or git (default: oci for oci:// URLs, else http)")
	fs.StringVar(&f.username, "username", "", "User name for the repository; the password comes from --password-stdin")
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "Read the password from stdin")
	fs.BoolVar(&f.tokenStdin, "token-stdin", false, "Read a bearer token from stdin")
	fs.StringVar(&f.caFile, "ca-file", "", "CA certificate (PEM) that signed the repository's certificate")
	fs.StringVar(&f.certFile, "cert-file", "", "Client certificate (PEM) for the repository")
	fs.StringVar(&f.keyFile, "key-file", "", "Client key (PEM) for the repository")
	fs.StringVar(&f.secret, "secret", "", "Use this existing Secret for credentials instead")
	fs.BoolVar(&f.insecure, "insecure-skip-tls-verify", false, "Do not verify the repository's TLS certificate")
	fs.BoolVar(&f.plainHTTP, "plain-http", false, "Reach an OCI registry over plain HTTP")
	fs.DurationVar(&f.interval, "interval", 0, "Time between syncs (default Captain's, 10m)")
	f.wait.add(cmd, "the ChartRepo is synced", "How long --wait waits")
	cmd.MarkFlagsMutuallyExclusive("password-stdin", "token-stdin")
	cmd.MarkFlagsRequiredTogether("username", "password-stdin")
	cmd.MarkFlagsRequiredTogether("cert-file", "key-file")
	for _, cred := range []string{"username", "token-stdin", "ca-file", "cert-file"} {
		cmd.MarkFlagsMutuallyExclusive("secret", cred)
	}
	return cmd
}

func (a *app) repoAdd(cmd *cobra.Command, f *repoAddFlags, name, url string) error {
	repo := &v1.ChartRepo{Spec: v1.ChartRepoSpec{
		Type: v1.ChartRepoType(f.repoType), URL: url,
		InsecureSkipTLSVerify: f.insecure, PlainHTTP: f.plainHTTP,
	}}
	if repo.Spec.Type == "" {
		repo.Spec.Type = v1.RepoHTTP
		if strings.HasPrefix(url, "oci://") {
			repo.Spec.Type = v1.RepoOCI
		}
	}
	if f.interval > 0 {
		repo.Spec.Interval = &metav1.Duration{Duration: f.interval}
	}
	ns, err := a.namespace()
	if err != nil {
		return err
	}
	repo.Name, repo.Namespace = name, ns
	key := client.ObjectKeyFromObject(repo)
	creds, err := f.credentials(cmd.InOrStdin())
	if err != nil {
		return err
	}
	kube, err := a.client()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	secret, err := a.createCredentials(ctx, key, creds)
	if err != nil {
		return err
	}
	switch {
	case secret != nil:
		repo.Spec.SecretRef = &v1.LocalObjectReference{Name: secret.Name}
	case f.secret != "":
		repo.Spec.SecretRef = &v1.LocalObjectReference{Name: f.secret}
	}
	if err := kube.Create(ctx, repo); err != nil {
		if secret != nil {
			_ = kube.Delete(ctx, secret)
		}
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("ChartRepo %s already exists; remove it first with kubectl captain repo remove %s -n %s", key, name, ns)
		}
		return fmt.Errorf("creating ChartRepo %s: %w", key, err)
	}
	if secret != nil {
		// Owned by the ChartRepo, the Secret goes with it however the
		// ChartRepo is deleted.
		patch := client.MergeFrom(secret.DeepCopy())
		if err := controllerutil.SetOwnerReference(repo, secret, kube.Scheme()); err != nil {
			return err
		}
		if err := kube.Patch(ctx, secret, patch); err != nil {
			return fmt.Errorf("making ChartRepo %s own its Secret %s: %w", key, secret.Name, err)
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "ChartRepo %s created (%s %s)\n", key, repo.Spec.Type, url)
	if !f.wait.wait {
		return nil
	}
	return a.waitRepoReady(ctx, cmd.OutOrStdout(), key, repo.Generation, f.wait.timeout)
}

// credentials reads what goes into the credentials Secret: secrets from
// stdin, certificates from files. None is nil.
func (f *repoAddFlags) credentials(stdin io.Reader) (map[string][]byte, error) {
	data := map[string][]byte{}
	if f.passwordStdin || f.tokenStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		secret := strings.TrimRight(line, "\r\n")
		if secret == "" {
			return nil, usagef("nothing on stdin to read the password or token from (%v)", err)
		}
		if f.tokenStdin {
			data["token"] = []byte(secret)
		} else {
			data["username"], data["password"] = []byte(f.username), []byte(secret)
		}
	}
	for file, key := range map[string]string{f.caFile: "ca.crt", f.certFile: "tls.crt", f.keyFile: "tls.key"} {
		if file == "" {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usageError{err}
		}
		data[key] = b
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}

// createCredentials makes the Secret a new ChartRepo reads its credentials
// from; nil when there are none.
func (a *app) createCredentials(ctx context.Context, repo client.ObjectKey, data map[string][]byte) (*corev1.Secret, error) {
	if data == nil {
		return nil, nil
	}
	kube, err := a.client()
	if err != nil {
		return nil, err
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: repo.Name + "-credentials", Namespace: repo.Namespace,
			Labels: map[string]string{credentialsLabel: repo.Name},
		},
		Data: data,
	}
	if err := kube.Create(ctx, secret); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("Secret %s/%s already exists; pass it with --secret, or delete it", repo.Namespace, secret.Name)
		}
		return nil, fmt.Errorf("creating the credentials Secret of ChartRepo %s: %w", repo, err)
	}
	return secret, nil
}

func (a *app) repoListCommand() *cobra.Command {
	var scope scopeFlags
	var output *outputFlag
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List ChartRepos",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			repos, err := a.listRepos(cmd.Context(), &scope)
			if err != nil {
				return err
			}
			if output.format != formatTable {
				return printObjects(cmd.OutOrStdout(), output.format, objects(repos)...)
			}
			printRepos(cmd.OutOrStdout(), repos, scope.allNamespaces, a.now())
			return nil
		},
	}
	scope.add(cmd)
	output = addOutputFlag(cmd, formatTable, formatTable, formatYAML, formatJSON, formatName)
	return cmd
}

func (a *app) listRepos(ctx context.Context, scope *scopeFlags) ([]v1.ChartRepo, error) {
	list := &v1.ChartRepoList{}
	if err := a.listScoped(ctx, scope, list, "ChartRepos"); err != nil {
		return nil, err
	}
	return list.Items, nil
}

func printRepos(w io.Writer, repos []v1.ChartRepo, all bool, now time.Time) {
	if len(repos) == 0 {
		io.WriteString(w, "No ChartRepos found.\n")
		return
	}
	t := newTable(w)
	header := []string{"NAME", "TYPE", "URL", "CHARTS", "PHASE", "READY", "AGE"}
	if all {
		header = append([]string{"NAMESPACE"}, header...)
	}
	row(t, header...)
	for _, r := range repos {
		cells := []string{r.Name, string(r.Spec.Type), r.Spec.URL, strconv.Itoa(r.Status.ChartCount),
			string(r.Status.Phase), readyStatus(r.Status.Conditions), age(now, r.CreationTimestamp)}
		if all {
			cells = append([]string{r.Namespace}, cells...)
		}
		row(t, cells...)
	}
	t.Flush()
}

func (a *app) repoUpdateCommand() *cobra.Command {
	return &cobra.Command{
		Use:               "update [NAME...]",
		Short:             "Ask Captain to sync ChartRepos now (all in the namespace by default)",
		ValidArgsFunction: a.completeRepos,
		RunE: func(cmd *cobra.Command, names []string) error {
			ns, err := a.namespace()
			if err != nil {
				return err
			}
			if len(names) == 0 {
				repos, err := a.listRepos(cmd.Context(), &scopeFlags{})
				if err != nil {
					return err
				}
				for _, r := range repos {
					names = append(names, r.Name)
				}
				if len(names) == 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "No ChartRepos found in namespace %s.\n", ns)
				}
			}
			kube, err := a.client()
			if err != nil {
				return err
			}
			stamp := a.now().UTC().Format(time.RFC3339Nano)
			for _, name := range names {
				repo := &v1.ChartRepo{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
				patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, SyncRequestedAnnotation, stamp))
				if err := kube.Patch(cmd.Context(), repo, client.RawPatch(types.MergePatchType, patch)); err != nil {
					return repoError(client.ObjectKeyFromObject(repo), "requesting a sync of", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "ChartRepo %s/%s: sync requested\n", ns, name)
			}
			return nil
		},
	}
}

func (a *app) repoRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:               "remove NAME...",
		Aliases:           []string{"rm"},
		Short:             "Delete ChartRepos, their Chart objects and the credentials Secrets the plugin made",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeRepos,
		RunE: func(cmd *cobra.Command, names []string) error {
			ns, err := a.namespace()
			if err != nil {
				return err
			}
			kube, err := a.client()
			if err != nil {
				return err
			}
			for _, name := range names {
				if err := a.repoRemove(cmd, kube, client.ObjectKey{Namespace: ns, Name: name}); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func (a *app) repoRemove(cmd *cobra.Command, kube client.Client, key client.ObjectKey) error {
	ctx := cmd.Context()
	users, err := a.repoUsers(ctx, key)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: HelmRequests %s install charts of ChartRepo %s; they cannot be upgraded until it is back\n", strings.Join(users, ", "), key)
	}
	repo := &v1.ChartRepo{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	if err := kube.Delete(ctx, repo); err != nil {
		return repoError(key, "deleting", err)
	}
	// Garbage collection deletes it too, as the ChartRepo owns it; deleting
	// it here leaves nothing behind where no collector runs.
	err = kube.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace(key.Namespace), client.MatchingLabels{credentialsLabel: key.Name})
	if err != nil {
		return fmt.Errorf("deleting the credentials Secret of ChartRepo %s: %w", key, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "ChartRepo %s removed\n", key)
	return nil
}

// repoUsers names the HelmRequests of the namespace that install a chart
// of the repo.
func (a *app) repoUsers(ctx context.Context, key client.ObjectKey) ([]string, error) {
	kube, err := a.client()
	if err != nil {
		return nil, err
	}
	list := &v1.HelmRequestList{}
	if err := kube.List(ctx, list, client.InNamespace(key.Namespace)); err != nil {
		return nil, err
	}
	var users []string
	for _, hr := range list.Items {
		if strings.HasPrefix(hr.Spec.Chart, key.Name+"/") {
			users = append(users, hr.Name)
		}
	}
	return users, nil
}

func repoError(key client.ObjectKey, doing string, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("ChartRepo %s not found (kubectl captain repo list -n %s shows those there are)", key, key.Namespace)
	}
	return fmt.Errorf("%s ChartRepo %s: %w", doing, key, err)
}

// completeRepos completes ChartRepo names.
func (a *app) completeRepos(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	repos, err := a.listRepos(cmd.Context(), &scopeFlags{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, len(repos))
	for i, r := range repos {
		names[i] = r.Name
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
