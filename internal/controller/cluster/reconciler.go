// Package cluster holds the Cluster reconciler: it probes each registered
// cluster on an interval (reachable, authenticated, server version) and
// keeps its Ready condition, refreshing the cluster's connection when its
// kubeconfig Secret changes.
package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/cluster"
)

// DefaultProbeInterval is how often a cluster is probed.
const DefaultProbeInterval = time.Minute

// probeTimeout bounds one probe, so an unreachable cluster does not hold a
// worker for long.
const probeTimeout = 10 * time.Second

// Reconciler probes Clusters.
type Reconciler struct {
	Client        client.Client
	Recorder      events.EventRecorder
	Registry      *cluster.Registry
	ProbeInterval time.Duration
}

// Reconcile probes one Cluster. The status changes only when the outcome
// does, so a healthy cluster costs no writes.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	c := &v1.Cluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, c); err != nil {
		if apierrors.IsNotFound(err) {
			r.Registry.Forget(req.Name)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if c.Spec.Suspend {
		return reconcile.Result{}, nil
	}
	original := c.DeepCopy()
	version, err := r.probe(ctx, c)
	if err != nil {
		r.unready(c, err)
	} else {
		c.Status.KubernetesVersion = version
		setCondition(c, metav1.ConditionTrue, "Reachable", "Kubernetes "+version)
	}
	c.Status.ObservedGeneration = c.Generation
	if !equality.Semantic.DeepEqual(original.Status, c.Status) {
		now := metav1.Now()
		c.Status.LastProbeTime = &now
		if perr := r.Client.Status().Patch(ctx, c, client.MergeFrom(original)); perr != nil {
			return reconcile.Result{}, client.IgnoreNotFound(perr)
		}
	}
	return reconcile.Result{RequeueAfter: r.interval()}, nil
}

// probe connects to the cluster and asks its version.
func (r *Reconciler) probe(ctx context.Context, c *v1.Cluster) (string, error) {
	cfg, err := r.Registry.Refresh(ctx, c)
	if err != nil {
		return "", err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = probeTimeout
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return "", &cluster.Error{Reason: cluster.ReasonKubeconfigInvalid, Err: err}
	}
	v, err := dc.ServerVersion()
	switch {
	case apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err):
		return "", &cluster.Error{Reason: "Unauthorized", Err: fmt.Errorf("the kubeconfig's credentials are refused: %w", err)}
	case isCertificateError(err):
		return "", &cluster.Error{Reason: "CertificateInvalid", Err: fmt.Errorf("the server's certificate does not verify with the kubeconfig's CA: %w", err)}
	case err != nil:
		return "", &cluster.Error{Reason: cluster.ReasonUnreachable, Err: fmt.Errorf("probing %s: %w", cfg.Host, err)}
	}
	return v.GitVersion, nil
}

func (r *Reconciler) unready(c *v1.Cluster, err error) {
	reason := cluster.ReasonUnreachable
	var ce *cluster.Error
	if errors.As(err, &ce) {
		reason = ce.Reason
	}
	msg := fmt.Sprintf("Cluster %s: %v", c.Name, err)
	if before := apimeta.FindStatusCondition(c.Status.Conditions, v1.ReadyCondition); before == nil || before.Message != msg {
		r.Recorder.Eventf(c, nil, "Warning", reason, "Probe", "%s", msg)
	}
	setCondition(c, metav1.ConditionFalse, reason, msg)
}

func setCondition(c *v1.Cluster, status metav1.ConditionStatus, reason, msg string) {
	apimeta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{
		Type: v1.ReadyCondition, Status: status, Reason: reason, Message: msg, ObservedGeneration: c.Generation,
	})
}

func (r *Reconciler) interval() time.Duration {
	if r.ProbeInterval > 0 {
		return r.ProbeInterval
	}
	return DefaultProbeInterval
}

func isCertificateError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &hostname) || errors.As(err, &verify)
}
