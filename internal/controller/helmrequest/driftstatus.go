package helmrequest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/pkg/diff"
)

// Bounds on what drift messages list, so that a release with hundreds of
// drifted objects still has a readable condition of bounded size.
const (
	maxDriftObjects    = 5
	maxDriftPaths      = 3
	maxDriftMessageLen = 1024
)

// driftChecks remembers the last drift check per HelmRequest and cluster.
// Memory rather than status: writing the time of every check would be a
// write per interval per release.
type driftChecks struct {
	mu   sync.Mutex
	last map[driftKey]driftOutcome
}

type driftKey struct {
	hr      types.UID
	cluster string
}

// driftOutcome is what one check found in one cluster.
type driftOutcome struct {
	at         time.Time
	generation int64
	summary    v1.DriftSummary
	// found describes the drift (describeDrift); empty when there is none.
	found string
	// failure says what could not be checked or corrected, and why.
	failure string
}

func (c *driftChecks) get(k driftKey) (driftOutcome, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.last[k]
	return o, ok
}

func (c *driftChecks) put(k driftKey, o driftOutcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[driftKey]driftOutcome{}
	}
	c.last[k] = o
}

// forget drops a HelmRequest's checks: it was deleted or its drift
// detection turned off.
func (c *driftChecks) forget(hr types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.last {
		if k.hr == hr {
			delete(c.last, k)
		}
	}
}

// record notes a check's report and error; both are redacted by pkg/diff.
func (o *driftOutcome) record(report *diff.Report, err error) {
	if report != nil {
		o.summary = report.DriftSummary()
		o.found = describeDrift(report)
		if rerr := report.Err(); rerr != nil {
			err = errors.Join(err, fmt.Errorf("checking drift: %w", rerr))
		}
	}
	if err != nil {
		o.failure = strings.ReplaceAll(err.Error(), "\n", "; ")
	}
}

// describeDrift reads like "2 objects drifted (3 fields): Deployment.apps
// ns/web (/spec/replicas), Service ns/web (deleted)"; empty without drift.
func describeDrift(report *diff.Report) string {
	sum := report.DriftSummary()
	if sum.Objects == 0 {
		return ""
	}
	var objs []string
	for _, o := range report.Objects {
		if o.Drift != nil {
			objs = append(objs, o.Ref.String()+" ("+describeObjectDrift(o.Drift)+")")
		}
	}
	return fmt.Sprintf("%s drifted (%s): %s", plural(sum.Objects, "object"), plural(sum.Fields, "field"), capList(objs, maxDriftObjects, "objects"))
}

func describeObjectDrift(d *diff.Drift) string {
	if d.Missing {
		return "deleted"
	}
	paths := make([]string, len(d.Fields))
	for i, f := range d.Fields {
		paths[i] = f.Path
	}
	return capList(paths, maxDriftPaths, "fields")
}

func listRefs(refs []diff.ObjectRef) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.String()
	}
	return capList(names, maxDriftObjects, "objects")
}

// capList joins at most max items and counts the rest.
func capList(items []string, max int, noun string) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more %s", strings.Join(items[:max], ", "), len(items)-max, noun)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// settleDrift sums up the targets' last drift checks in the Drifted
// condition, once any target was checked in this reconcile. Drift never
// makes Ready False: Ready says, in the kstatus sense, that the desired
// state was applied and the release is deployed, which a later edit of its
// objects does not undo; Drifted reports that edit separately, so that a
// drifted release neither looks failed nor holds up its dependents.
func (r *Reconciler) settleDrift(s *scope) {
	if driftMode(s.hr) == v1.DriftDisabled {
		s.removeCondition(v1.DriftedCondition)
		for i := range s.hr.Status.Clusters {
			s.hr.Status.Clusters[i].Drift = nil
		}
		r.drift.forget(s.hr.UID)
		return
	}
	var drifted, failed []string
	checked := false
	for _, t := range s.targets {
		checked = checked || t.driftChecked
		out, ok := r.drift.get(driftKey{hr: s.hr.UID, cluster: t.name})
		if !ok {
			continue
		}
		prefix := ""
		if len(s.targets) > 1 {
			prefix = "cluster " + t.name + ": "
		}
		if out.found != "" {
			drifted = append(drifted, prefix+out.found)
		}
		if out.failure != "" {
			failed = append(failed, prefix+out.failure)
		}
	}
	if !checked {
		return
	}
	switch msg := boundMessage(strings.Join(append(drifted, failed...), "; ")); {
	case len(drifted) > 0:
		s.setCondition(v1.DriftedCondition, metav1.ConditionTrue, "DriftDetected", msg)
	case len(failed) > 0:
		s.setCondition(v1.DriftedCondition, metav1.ConditionUnknown, "DriftCheckFailed", msg)
	default:
		s.setCondition(v1.DriftedCondition, metav1.ConditionFalse, "NoDrift", "the live objects are as the release applied them")
	}
}

// boundMessage cuts s to maxDriftMessageLen bytes, on a rune boundary.
func boundMessage(s string) string {
	if len(s) <= maxDriftMessageLen {
		return s
	}
	cut := maxDriftMessageLen - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
