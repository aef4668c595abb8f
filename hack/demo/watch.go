package main

import (
	"context"
	"fmt"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

const readyTimeout = 3 * time.Minute

// watchReady prints each object's Ready condition as it changes, until all
// are Ready.
func watchReady(ctx context.Context, c client.Client, objs []*unstructured.Unstructured) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	last := map[string]string{}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		ready := 0
		for _, o := range objs {
			state, ok := readiness(ctx, c, o)
			key := o.GetKind() + " " + o.GetName()
			if o.GetNamespace() != "" {
				key = o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
			}
			if state != last[key] {
				step(key + ": " + state)
				last[key] = state
			}
			if ok {
				ready++
			}
		}
		if ready == len(objs) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d objects not Ready after %s", len(objs)-ready, len(objs), readyTimeout)
		case <-tick.C:
		}
	}
}

// readiness describes o's Ready condition and says whether it is True.
func readiness(ctx context.Context, c client.Client, o *unstructured.Unstructured) (string, bool) {
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(o.GroupVersionKind())
	if err := c.Get(ctx, client.ObjectKeyFromObject(o), live); err != nil {
		return "not readable: " + err.Error(), false
	}
	var status struct {
		Conditions []metav1.Condition `json:"conditions"`
	}
	raw, _, _ := unstructured.NestedMap(live.Object, "status")
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &status); err != nil {
		return "status unreadable: " + err.Error(), false
	}
	cond := apimeta.FindStatusCondition(status.Conditions, v1.ReadyCondition)
	switch {
	case cond == nil:
		return "waiting for Captain", false
	case cond.Status == metav1.ConditionTrue:
		return "Ready — " + cond.Message, true
	default:
		return "not Ready (" + cond.Reason + ") — " + cond.Message, false
	}
}
