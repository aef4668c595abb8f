package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
)

// waitFlags are --wait and --timeout.
type waitFlags struct {
	wait    bool
	timeout time.Duration
}

func (f *waitFlags) add(cmd *cobra.Command, until, timeoutHelp string) {
	cmd.Flags().BoolVar(&f.wait, "wait", false, "Wait until "+until+", showing progress; fail if that does not happen within --timeout")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 5*time.Minute, timeoutHelp)
}

// errTimedOut ends a wait that ran out of time.
var errTimedOut = errors.New("timed out")

// waitReady follows a HelmRequest until the given generation is Ready,
// printing each change of its progress. It fails at once when Captain
// reports it stalled, and with the last progress when the time is up.
func (a *app) waitReady(ctx context.Context, w io.Writer, key client.ObjectKey, generation int64, timeout time.Duration) error {
	fmt.Fprintf(w, "waiting for HelmRequest %s to be Ready\n", key)
	last, err := a.followProgress(ctx, w, key, timeout, &v1.HelmRequest{}, &v1.HelmRequestList{}, func(obj client.Object) plugin.Progress {
		return plugin.Observe(obj.(*v1.HelmRequest), generation)
	})
	switch {
	case errors.Is(err, errTimedOut):
		return fmt.Errorf("timed out after %s waiting for HelmRequest %s to be Ready; last seen: %s", timeout, key, last)
	case err != nil:
		return fmt.Errorf("HelmRequest %s: %w (fix its spec and Captain tries again)", key, err)
	}
	return nil
}

// waitRepoReady follows a ChartRepo until the given generation is synced.
func (a *app) waitRepoReady(ctx context.Context, w io.Writer, key client.ObjectKey, generation int64, timeout time.Duration) error {
	fmt.Fprintf(w, "waiting for ChartRepo %s to be Ready\n", key)
	last, err := a.followProgress(ctx, w, key, timeout, &v1.ChartRepo{}, &v1.ChartRepoList{}, func(obj client.Object) plugin.Progress {
		return plugin.ObserveRepo(obj.(*v1.ChartRepo), generation)
	})
	switch {
	case errors.Is(err, errTimedOut):
		return fmt.Errorf("timed out after %s waiting for ChartRepo %s to be Ready; last seen: %s", timeout, key, last)
	case err != nil:
		return fmt.Errorf("ChartRepo %s: %w", key, err)
	}
	return nil
}

// followProgress watches an object, printing each new progress line, until
// it is done or stalled. It returns the last line.
func (a *app) followProgress(ctx context.Context, w io.Writer, key client.ObjectKey, timeout time.Duration, obj client.Object, list client.ObjectList, observe func(client.Object) plugin.Progress) (string, error) {
	last := ""
	err := a.follow(ctx, key, timeout, obj, list, func(obj client.Object) (bool, error) {
		if obj == nil {
			return false, errors.New("deleted while waiting for it")
		}
		p := observe(obj)
		if p.Line != last {
			fmt.Fprintln(w, p.Line)
			last = p.Line
		}
		return p.Done, p.Stalled
	})
	return last, err
}

// waitGone follows a deleted HelmRequest until Captain has uninstalled its
// release and let it go.
func (a *app) waitGone(ctx context.Context, w io.Writer, key client.ObjectKey, timeout time.Duration) error {
	fmt.Fprintf(w, "waiting for Captain to uninstall HelmRequest %s\n", key)
	err := a.follow(ctx, key, timeout, &v1.HelmRequest{}, &v1.HelmRequestList{}, func(obj client.Object) (bool, error) {
		return obj == nil, nil
	})
	if errors.Is(err, errTimedOut) {
		return fmt.Errorf("timed out after %s waiting for HelmRequest %s to go; its events and kubectl captain status %s -n %s say why", timeout, key, key.Name, key.Namespace)
	}
	return err
}

// follow watches one object (obj and list give its kind) and calls done
// with each state of it, nil once it is gone, starting with the current
// one, until done says so or fails, or the time is up.
func (a *app) follow(ctx context.Context, key client.ObjectKey, timeout time.Duration, obj client.Object, list client.ObjectList, done func(client.Object) (bool, error)) error {
	kube, err := a.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	options := func(o metav1.ListOptions) *client.ListOptions {
		return &client.ListOptions{
			Namespace:     key.Namespace,
			FieldSelector: fields.OneTermEqualSelector("metadata.name", key.Name),
			Raw:           &o,
		}
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			l := list.DeepCopyObject().(client.ObjectList)
			return l, kube.List(ctx, l, options(o))
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return kube.Watch(ctx, list.DeepCopyObject().(client.ObjectList), options(o))
		},
	}
	initial := func(store cache.Store) (bool, error) {
		current, exists, err := store.GetByKey(key.String())
		switch {
		case err != nil:
			return false, err
		case !exists:
			return done(nil)
		}
		return done(current.(client.Object))
	}
	_, err = watchtools.UntilWithSync(ctx, lw, obj, initial, func(e watch.Event) (bool, error) {
		if e.Type == watch.Deleted {
			return done(nil)
		}
		if o, ok := e.Object.(client.Object); ok {
			return done(o)
		}
		return false, nil
	})
	if wait.Interrupted(err) || ctx.Err() != nil {
		return errTimedOut
	}
	return err
}
