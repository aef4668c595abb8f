package helmrequest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	repoctl "captain.io/captain/internal/controller/chartrepo"
	"captain.io/captain/pkg/chartrepo"
)

// Resolver resolves either kind of chart reference: spec.source or
// spec.chart.
type Resolver struct {
	Sources *SourceResolver
	Repos   *RepoResolver
}

// Resolve implements ChartResolver.
func (r *Resolver) Resolve(ctx context.Context, hr *v1.HelmRequest) (*chartrepo.Chart, error) {
	if hr.Spec.Source != nil {
		return r.Sources.Resolve(ctx, hr)
	}
	return r.Repos.Resolve(ctx, hr)
}

// RepoResolver resolves spec.chart (<repo>/<chart>) through a ChartRepo of
// the HelmRequest's namespace, else of the controller's namespace, whose
// index is kept in memory: an unchanged chart costs no request.
type RepoResolver struct {
	// Client reads ChartRepos (from the cache).
	Client  ctrl.Reader
	Indexes *repoctl.Indexes
	// ControllerNamespace holds the ChartRepos every namespace may use.
	ControllerNamespace string
}

// Resolve implements ChartResolver.
func (rr *RepoResolver) Resolve(ctx context.Context, hr *v1.HelmRequest) (*chartrepo.Chart, error) {
	repoName, chartName, _ := strings.Cut(hr.Spec.Chart, "/")
	repo, err := rr.findRepo(ctx, hr.Namespace, repoName)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("ChartRepo %s/%s", repo.Namespace, repo.Name)
	index, err := rr.Indexes.Index(ctx, repo)
	if err != nil {
		return nil, repoError(where, err)
	}
	ic, ok := index.Chart(chartName)
	if !ok {
		return nil, retrying(v1.ChartResolvedCondition, "ChartNotFound",
			fmt.Errorf("spec.chart %q: %s has no chart %q", hr.Spec.Chart, where, chartName))
	}
	version, err := chartrepo.ResolveVersion(ic.VersionStrings(), hr.Spec.Version)
	if err != nil {
		if hr.Spec.Version != "" {
			if _, cerr := versionConstraint(hr.Spec.Version); cerr != nil {
				return nil, cerr
			}
		}
		return nil, retrying(v1.ChartResolvedCondition, "VersionNotFound",
			fmt.Errorf("spec.version: chart %q of %s: %w", chartName, where, err))
	}
	cv, _ := ic.Version(version)
	ch, err := rr.Indexes.FetchChart(ctx, repo, chartName, cv)
	if err != nil {
		return nil, repoError(where, err)
	}
	return ch, nil
}

// findRepo looks in the HelmRequest's namespace first, then in the
// controller's.
func (rr *RepoResolver) findRepo(ctx context.Context, ns, name string) (*v1.ChartRepo, error) {
	searched := []string{ns}
	if rr.ControllerNamespace != "" && rr.ControllerNamespace != ns {
		searched = append(searched, rr.ControllerNamespace)
	}
	for _, n := range searched {
		repo := &v1.ChartRepo{}
		err := rr.Client.Get(ctx, ctrl.ObjectKey{Namespace: n, Name: name}, repo)
		if err == nil {
			return repo, nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, retrying(v1.ChartResolvedCondition, "ChartRepoUnavailable", fmt.Errorf("spec.chart: reading ChartRepo %s/%s: %w", n, name, err))
		}
	}
	return nil, retrying(v1.ChartResolvedCondition, "ChartRepoNotFound",
		fmt.Errorf("spec.chart: no ChartRepo %q in namespace %s", name, strings.Join(searched, " or ")))
}

// repoError keeps the reason a ChartRepo failure carries.
func repoError(where string, err error) error {
	reason := "ChartUnavailable"
	var e *repoctl.Error
	if errors.As(err, &e) {
		reason = e.Reason
	}
	return retrying(v1.ChartResolvedCondition, reason, fmt.Errorf("spec.chart: %s: %w", where, err))
}
