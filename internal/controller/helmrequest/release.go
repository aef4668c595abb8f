package helmrequest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chartutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
	"captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/release"
)

// applyRelease brings the release in target t to the desired state and
// records what it found or did in t's status entry (and nowhere else:
// targets run in parallel). When the release was already made from the same
// desired-state digest, it neither renders nor writes.
func (r *Reconciler) applyRelease(ctx context.Context, s *scope, t *target) error {
	t.digest = desiredDigest(s.hr, s.chart, t.values, r.DigestKey)
	cs := t.status
	if cs.Digest != t.digest {
		// Only a change is worth validating; a no-op skips even this.
		if err := chartutil.ValidateAgainstSchema(s.chart.Chart, t.values.Effective()); err != nil {
			return stalled(v1.ReleasedCondition, "ValuesInvalid", schemaError(t.values, err))
		}
	}
	if cs.FailedDigest == t.digest && s.hr.Status.ObservedGeneration == s.hr.Generation {
		// This state was tried and rolled back; trying it again would only
		// fail again and add two more revisions.
		return stalled(v1.ReleasedCondition, "UpgradeRolledBack", errors.New(cs.Message))
	}
	req := r.releaseRequest(s.hr, t)
	req.Chart, req.Values, req.Digest = s.chart.Chart, t.values.UserValues(), t.digest
	start := time.Now()
	recorded := cs.Revision
	applied, err := r.Releases.Apply(ctx, req)
	observeApply(applied, start, err)
	recordOutcome(cs, applied, err)
	if err == nil && len(applied.Actions) == 0 && (cs.Inventory == nil || cs.Revision != recorded) {
		// The release is as requested, but the status does not record the
		// revision that made it so: the manager that made it died before
		// pruning orphans and recording it, or the status was lost. Finish.
		out, serr := r.Releases.Settle(ctx, req)
		if out != nil {
			cs.Inventory = inventoryStrings(out.Inventory)
		}
		if serr != nil {
			return retrying(v1.ReleasedCondition, "ReleaseUnreadable", serr)
		}
	}
	if err != nil {
		return applyFailed(s.hr, t, applied, err)
	}
	if len(applied.Actions) > 0 {
		r.Recorder.Eventf(s.hr, nil, "Normal", string(applied.Actions[len(applied.Actions)-1])+"Succeeded", "Release",
			"release %s/%s in cluster %s at revision %d with chart %s %s", req.Namespace, req.Name, t.name, cs.Revision, s.chart.Chart.Name(), s.chart.Version)
	}
	if out := applied.Outcome; out != nil && out.Release != nil && out.Release.Info != nil {
		t.notes = maskSecrets(out.Release.Info.Notes, t.values.SecretStrings())
	}
	cs.Phase, cs.Message, cs.Version, cs.Digest, cs.FailedDigest = v1.PhaseSynced, "", s.chart.Version, t.digest, ""
	if len(applied.Actions) == 0 {
		r.checkDrift(ctx, s, t, req, applied.State)
	}
	return nil
}

// recordOutcome notes what Apply did or found in the cluster's status. A
// release Captain was refused is someone else's: nothing of it is noted.
func recordOutcome(cs *v1.ClusterReleaseStatus, applied *release.Applied, err error) {
	var notOwned *release.NotOwnedError
	if applied == nil || errors.As(err, &notOwned) {
		return
	}
	if out := applied.Outcome; out != nil {
		cs.LastAppliedTime = now()
		cs.Inventory = inventoryStrings(out.Inventory)
		if out.Release != nil {
			cs.Revision = out.Release.Version
		}
		return
	}
	if st := applied.State; st != nil && st.Latest() != nil {
		cs.Revision = st.Latest().Number
	}
}

// schemaError words a values.schema.json violation. Helm's text quotes the
// offending values, so it is withheld when any value came from a Secret.
func schemaError(vals values.Result, err error) error {
	for _, leaf := range vals.Provenance() {
		if leaf.Origin.Secret() {
			return fmt.Errorf("values rejected by the chart's values.schema.json (details withheld: they could quote %s)", leaf.Origin)
		}
	}
	return fmt.Errorf("values rejected by the chart's values.schema.json: %w", err)
}

// applyFailed says why Apply failed and whether only the user can help
// (stalled) or time can (retrying).
func applyFailed(hr *v1.HelmRequest, t *target, applied *release.Applied, err error) error {
	var notOwned *release.NotOwnedError
	var renderErr *release.RenderError
	cs := t.status
	switch ns := hr.ReleaseNamespace(); {
	case errors.As(err, &notOwned):
		return stalled(v1.ReleasedCondition, "ReleaseNotOwned", err)
	case errors.As(err, &renderErr):
		return stalled(v1.ReleasedCondition, "RenderFailed", err)
	case !hr.Spec.CreateNamespace && namespaceMissing(err, ns):
		// Helm could store nothing there: there is no revision to report.
		cs.Revision, cs.LastAppliedTime, cs.Inventory = 0, nil, nil
		// Namespaces are not watched: a retry notices one being made.
		return retrying(v1.ReleasedCondition, "NamespaceMissing",
			fmt.Errorf("spec.namespace: Namespace %s not found; create it or set spec.createNamespace", ns))
	case applied.Outcome != nil && applied.Outcome.RolledBack:
		cs.FailedDigest = t.digest
		return stalled(v1.ReleasedCondition, "UpgradeRolledBack", err)
	}
	return retrying(v1.ReleasedCondition, failureReason(applied), err)
}

// namespaceMissing tells whether err is the API server refusing to write
// into namespace ns because it does not exist.
func namespaceMissing(err error, ns string) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	st := status.Status()
	return st.Reason == metav1.StatusReasonNotFound && st.Details != nil &&
		st.Details.Kind == "namespaces" && st.Details.Name == ns
}

func failureReason(applied *release.Applied) string {
	if applied == nil || len(applied.Actions) == 0 {
		return "ReleaseFailed"
	}
	return string(applied.Actions[len(applied.Actions)-1]) + "Failed"
}

// releaseRequest describes the release's identity in target t; applying
// adds the chart, values and digest.
func (r *Reconciler) releaseRequest(hr *v1.HelmRequest, t *target) *release.Request {
	cluster := t.name
	if cluster == v1.LocalCluster {
		cluster = ""
	}
	req := &release.Request{
		Target:    release.Target{Cluster: cluster, Config: t.config, ServiceAccount: hr.Spec.ServiceAccountName},
		Name:      hr.ReleaseName(),
		Namespace: hr.ReleaseNamespace(),
		Owner:     release.Owner{Namespace: hr.Namespace, Name: hr.Name},
		Options:   releaseOptions(hr),
	}
	if t.status != nil {
		req.Inventory = parseInventory(t.status.Inventory)
	}
	return req
}

func releaseOptions(hr *v1.HelmRequest) release.Options {
	o := release.Options{
		Wait:            hr.Spec.Wait,
		CRDs:            release.CRDPolicy(hr.Spec.CRDs),
		CreateNamespace: hr.Spec.CreateNamespace,
		Adopt:           hr.Spec.Adopt,
		MaxHistory:      10,
	}
	if hr.Spec.Timeout != nil {
		o.Timeout = hr.Spec.Timeout.Duration
	}
	if hr.Spec.MaxHistory != nil {
		o.MaxHistory = *hr.Spec.MaxHistory
	}
	if o.CRDs == "" {
		o.CRDs = release.CRDsCreate
	}
	if u := hr.Spec.Upgrade; u != nil {
		o.Force, o.RollbackOnFailure = u.Force, u.RollbackOnFailure
	}
	return o
}

// desiredDigest identifies everything that shapes the release: the chart,
// the values and the options that change what gets applied. It is keyed
// because it covers values that came from Secrets.
func desiredDigest(hr *v1.HelmRequest, ch *chartrepo.Chart, vals values.Result, key []byte) string {
	o := releaseOptions(hr)
	b, _ := json.Marshal(struct {
		Chart, Values, Name, Namespace string
		CRDs                           release.CRDPolicy
		Wait, Force                    bool
	}{ch.Digest, vals.Digest(), hr.ReleaseName(), hr.ReleaseNamespace(), o.CRDs, o.Wait, o.Force})
	mac := hmac.New(sha256.New, key)
	mac.Write(b)
	return "hmac-sha256:" + hex.EncodeToString(mac.Sum(nil))
}

func inventoryStrings(refs []release.ObjectRef) []string {
	out := make([]string, len(refs))
	for i, ref := range refs {
		out[i] = ref.String()
	}
	return out
}

func parseInventory(entries []string) []release.ObjectRef {
	refs := make([]release.ObjectRef, 0, len(entries))
	for _, e := range entries {
		if ref, err := release.ParseObjectRef(e); err == nil {
			refs = append(refs, ref)
		}
	}
	return refs
}

// maskSecrets hides values that came from Secrets in text a chart rendered,
// such as its NOTES.txt, which may well print a password it was given.
func maskSecrets(text string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			text = strings.ReplaceAll(text, v, values.RedactedMarker)
		}
	}
	return text
}
