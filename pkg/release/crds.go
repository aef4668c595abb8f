package release

import (
	"bytes"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/kube"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/resource"
)

// crdEstablishTimeout bounds the wait for new CRDs to be served.
const crdEstablishTimeout = time.Minute

// applyCRDs applies the chart's crds/ folder by the request's policy: Create
// makes missing CRDs (Helm's behaviour, but on upgrades too), CreateReplace
// also replaces existing ones, Skip leaves them alone. Helm never upgrades
// or deletes CRDs; neither does Create.
func (cc *clusterClients) applyCRDs(cfg *action.Configuration, req *Request) error {
	crds := req.Chart.CRDObjects()
	if len(crds) == 0 || req.Options.CRDs == CRDsSkip {
		return nil
	}
	var changed kube.ResourceList
	for _, crd := range crds {
		infos, err := cfg.KubeClient.Build(bytes.NewReader(crd.File.Data), false)
		if err != nil {
			return fmt.Errorf("reading CRD %s of chart %s: %w", crd.Filename, req.Chart.Name(), err)
		}
		for _, info := range infos {
			ok, err := applyCRD(info, req.Options.CRDs == CRDsCreateReplace)
			if err != nil {
				return fmt.Errorf("applying CRD %s of chart %s: %w", info.Name, req.Chart.Name(), err)
			}
			if ok {
				changed = append(changed, info)
			}
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if err := cfg.KubeClient.Wait(changed, crdEstablishTimeout); err != nil {
		return fmt.Errorf("waiting for the CRDs of chart %s: %w", req.Chart.Name(), err)
	}
	// New kinds change what the cluster can do and what templates may ask.
	cc.invalidateCapabilities()
	caps, err := cc.capabilities()
	if err != nil {
		return err
	}
	cfg.Capabilities = caps
	return nil
}

// applyCRD creates a CRD, or replaces it when replace is set. It reports
// whether it wrote anything.
func applyCRD(info *resource.Info, replace bool) (bool, error) {
	helper := resource.NewHelper(info.Client, info.Mapping)
	live, err := helper.Get(info.Namespace, info.Name)
	if apierrors.IsNotFound(err) {
		_, err = helper.Create(info.Namespace, true, info.Object)
		return err == nil, err
	}
	if err != nil || !replace {
		return false, err
	}
	accessor, err := meta.Accessor(live)
	if err != nil {
		return false, err
	}
	target, err := meta.Accessor(info.Object)
	if err != nil {
		return false, err
	}
	target.SetResourceVersion(accessor.GetResourceVersion())
	_, err = helper.Replace(info.Namespace, info.Name, true, info.Object)
	return err == nil, err
}
