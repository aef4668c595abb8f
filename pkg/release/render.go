package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// RenderError is an install or upgrade that failed on the chart and its
// values (a template error, a manifest that is not YAML) before Helm made a
// revision. Retrying the same chart and values fails the same way, and
// there is nothing to roll back.
type RenderError struct {
	Release, Namespace, Chart string
	Err                       error
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("release %s/%s: chart %s did not render: %v", e.Namespace, e.Release, e.Chart, e.Err)
}

func (e *RenderError) Unwrap() error { return e.Err }

// renderWatch is a post-renderer that changes nothing: Helm runs it only
// once the templates have rendered, which tells a render failure from a
// failure of the operation that followed.
type renderWatch struct {
	rendered bool
}

func (w *renderWatch) Run(manifests *bytes.Buffer) (*bytes.Buffer, error) {
	w.rendered = true
	return manifests, nil
}

// failedRendering tells whether the operation that ended in err failed
// before its templates rendered for a reason other than the cluster: Helm
// only reads the cluster before rendering, so an API or network error there
// is no fault of the chart.
func (w *renderWatch) failedRendering(err error) bool {
	var status apierrors.APIStatus
	var netErr net.Error
	return err != nil && !w.rendered && !errors.As(err, &status) && !errors.As(err, &netErr) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func renderError(req *Request, err error) *RenderError {
	return &RenderError{Release: req.Name, Namespace: req.Namespace, Chart: req.Chart.Name(), Err: err}
}
