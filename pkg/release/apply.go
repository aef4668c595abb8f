package release

import (
	"context"
	"fmt"
)

// Applied says what Apply did.
type Applied struct {
	// Actions run, in order; empty when the release was already as requested.
	Actions []Action
	Outcome *Outcome
	// State is the release as last observed; with no actions, as it is.
	State *State
}

// Apply moves the release towards req: observe, pick the next action, run
// it, and go on while an action only cleared the way (an unlock is followed
// by the upgrade it unblocked).
func (f *Factory) Apply(ctx context.Context, req *Request) (*Applied, error) {
	applied := &Applied{}
	// A cache that lags can only make a settled release look unsettled (a
	// revision it has not seen yet), which the live read below settles; it
	// can miss a change made outside Captain in the last moments, as a live
	// read a moment earlier would.
	if st, ok := f.cachedState(ctx, req); ok && NextAction(st, req) == ActionNone {
		applied.State = st
		return applied, nil
	}
	for step := 0; step < 3; step++ {
		st, err := f.Observe(ctx, req.Target, req.Name, req.Namespace)
		if err != nil {
			return applied, err
		}
		applied.State = st
		action := NextAction(st, req)
		switch action {
		case ActionNone:
			return applied, nil
		case ActionRefuse:
			return applied, &NotOwnedError{Release: req.Name, Namespace: req.Namespace, Owner: st.Owner()}
		}
		applied.Actions = append(applied.Actions, action)
		switch action {
		case ActionUnlock:
			if err := f.unlock(req); err != nil {
				return applied, err
			}
			continue
		case ActionAdopt:
			adopted, err := f.adopt(req)
			if err != nil {
				return applied, err
			}
			if adopted {
				continue
			}
			// Made from another chart or values: upgrading makes it ours.
			applied.Actions = append(applied.Actions, ActionUpgrade)
			applied.Outcome, err = f.upgrade(ctx, req)
			return applied, err
		case ActionInstall:
			applied.Outcome, err = f.install(ctx, req)
		case ActionUpgrade:
			applied.Outcome, err = f.upgrade(ctx, req)
		}
		return applied, err
	}
	return applied, fmt.Errorf("release %s/%s did not settle after %v", req.Namespace, req.Name, applied.Actions)
}
