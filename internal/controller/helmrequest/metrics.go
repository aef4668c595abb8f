package helmrequest

import (
	"strings"
	"time"

	"captain.io/captain/internal/metrics"
	"captain.io/captain/pkg/release"
)

// observeApply records the Helm operation Apply ran, if it ran one.
func observeApply(applied *release.Applied, start time.Time, err error) {
	if applied == nil || len(applied.Actions) == 0 {
		return
	}
	op := strings.ToLower(string(applied.Actions[len(applied.Actions)-1]))
	result := outcome(err)
	if applied.Outcome != nil && applied.Outcome.RolledBack {
		result = metrics.RolledBack
	}
	metrics.ObserveHelm(op, result, start)
}

func outcome(err error) string {
	if err != nil {
		return metrics.Failure
	}
	return metrics.Success
}
