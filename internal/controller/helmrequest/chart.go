package helmrequest

import (
	"context"
	"errors"
	"fmt"

	"github.com/Masterminds/semver/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/pkg/chartrepo"
)

// ChartResolver finds the chart a HelmRequest asks for.
type ChartResolver interface {
	Resolve(ctx context.Context, hr *v1.HelmRequest) (*chartrepo.Chart, error)
}

func (r *Reconciler) resolveChart(ctx context.Context, s *scope) error {
	ch, err := r.Charts.Resolve(ctx, s.hr)
	if err != nil {
		var pe *phaseError
		if errors.As(err, &pe) {
			return err
		}
		return retrying(v1.ChartResolvedCondition, "ChartUnavailable", err)
	}
	s.chart = ch
	s.setCondition(v1.ChartResolvedCondition, metav1.ConditionTrue, "Succeeded",
		fmt.Sprintf("chart %s version %s from %s", ch.Chart.Name(), ch.Version, ch.Source))
	return nil
}

// SourceResolver resolves spec.source: a chart archive URL or an OCI
// repository, with credentials from a Secret in the HelmRequest's namespace.
type SourceResolver struct {
	Fetcher *chartrepo.Fetcher
	// Reader reads Secrets directly (they are not cached).
	Reader ctrl.Reader
}

// Resolve implements ChartResolver.
func (sr *SourceResolver) Resolve(ctx context.Context, hr *v1.HelmRequest) (*chartrepo.Chart, error) {
	src := hr.Spec.Source
	switch {
	case src.HTTP != nil:
		creds, err := sr.credentials(ctx, hr.Namespace, src.HTTP.SecretRef, "spec.source.http.secretRef")
		if err != nil {
			return nil, err
		}
		creds.InsecureSkipTLSVerify = src.HTTP.InsecureSkipTLSVerify
		ch, err := sr.Fetcher.FetchURL(ctx, src.HTTP.URL, creds)
		if err != nil {
			return nil, retrying(v1.ChartResolvedCondition, "ChartUnavailable", fmt.Errorf("spec.source.http.url: %w", err))
		}
		return ch, checkVersion(hr.Spec.Version, ch)
	default:
		creds, err := sr.credentials(ctx, hr.Namespace, src.OCI.SecretRef, "spec.source.oci.secretRef")
		if err != nil {
			return nil, err
		}
		creds.InsecureSkipTLSVerify, creds.PlainHTTP = src.OCI.InsecureSkipTLSVerify, src.OCI.PlainHTTP
		ch, err := sr.Fetcher.FetchOCI(ctx, src.OCI.Repo, hr.Spec.Version, creds)
		if err != nil {
			return nil, retrying(v1.ChartResolvedCondition, "ChartUnavailable", fmt.Errorf("spec.source.oci.repo: %w", err))
		}
		return ch, nil
	}
}

func (sr *SourceResolver) credentials(ctx context.Context, ns string, ref *v1.LocalObjectReference, field string) (chartrepo.Credentials, error) {
	if ref == nil {
		return chartrepo.Credentials{}, nil
	}
	secret := &corev1.Secret{}
	if err := sr.Reader.Get(ctx, ctrl.ObjectKey{Namespace: ns, Name: ref.Name}, secret); err != nil {
		return chartrepo.Credentials{}, retrying(v1.ChartResolvedCondition, "SecretUnavailable",
			fmt.Errorf("%s: reading Secret %s/%s: %w", field, ns, ref.Name, err))
	}
	creds, err := chartrepo.CredentialsFromSecret(ref.Name, secret.Data)
	if err != nil {
		return creds, stalled(v1.ChartResolvedCondition, "InvalidSecret", fmt.Errorf("%s: %w", field, err))
	}
	return creds, nil
}

// checkVersion holds a chart fetched by URL to spec.version, if set.
func checkVersion(constraint string, ch *chartrepo.Chart) error {
	if constraint == "" {
		return nil
	}
	c, err := versionConstraint(constraint)
	if err != nil {
		return err
	}
	v, err := semver.NewVersion(ch.Version)
	if err != nil || !c.Check(v) {
		return stalled(v1.ChartResolvedCondition, "VersionMismatch",
			fmt.Errorf("spec.version %q does not match version %s of the chart at spec.source.http.url", constraint, ch.Version))
	}
	return nil
}

// versionConstraint parses spec.version; a bad one needs the user.
func versionConstraint(constraint string) (*semver.Constraints, error) {
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil, stalled(v1.ChartResolvedCondition, "InvalidVersion", fmt.Errorf("spec.version %q: %w", constraint, err))
	}
	return c, nil
}
