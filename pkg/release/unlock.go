package release

import (
	"fmt"

	helmrelease "helm.sh/helm/v3/pkg/release"
)

// unlock marks a release left pending by a dead process as failed, so that
// the normal upgrade path can run; Helm would otherwise refuse every later
// operation with "another operation is in progress".
func (f *Factory) unlock(req *Request) error {
	cfg, _, err := f.configuration(req.Target, req.Namespace)
	if err != nil {
		return err
	}
	last, err := cfg.Releases.Last(req.Name)
	if err != nil {
		return fmt.Errorf("unlocking release %s/%s: %w", req.Namespace, req.Name, err)
	}
	if !last.Info.Status.IsPending() {
		return nil
	}
	last.SetStatus(helmrelease.StatusFailed, fmt.Sprintf("Captain recovered this revision: it was left %s by an interrupted operation", last.Info.Status))
	if err := cfg.Releases.Update(last); err != nil {
		return fmt.Errorf("unlocking release %s/%s: %w", req.Namespace, req.Name, err)
	}
	return nil
}
