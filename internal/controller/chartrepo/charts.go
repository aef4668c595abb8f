package chartrepo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	v1 "captain.io/captain/api/v1alpha1"
	helmrepo "captain.io/captain/pkg/chartrepo"
)

const (
	// detailedVersions is how many of the newest versions keep every field;
	// a marketplace shows details of recent versions, and older ones only
	// need to be listed.
	detailedVersions = 10
	// chartObjectBudget caps the versions' encoded size, far below etcd's
	// 1.5 MB object limit even for charts with thousands of versions.
	chartObjectBudget = 512 << 10
	// maxListedVersions is the CRD's maxItems for spec.versions.
	maxListedVersions = 5000
)

// ChartObjectName is the name of the Chart object of chart in repo.
func ChartObjectName(repo, chart string) string { return chart + "." + repo }

// chartObject is the Chart object for one chart of repo's index, or an
// error when the chart's name cannot name an object.
func chartObject(repo *v1.ChartRepo, ic *helmrepo.IndexChart) (*v1.Chart, error) {
	name := ChartObjectName(repo.Name, ic.Name)
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return nil, fmt.Errorf("chart %q cannot have a Chart object named %q: %s", ic.Name, name, strings.Join(errs, "; "))
	}
	ch := &v1.Chart{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: repo.Namespace, Labels: map[string]string{v1.RepoLabel: repo.Name}},
		Spec:       v1.ChartSpec{Name: ic.Name, Repo: repo.Name, TotalVersions: len(ic.Versions)},
	}
	size := 0
	for i := range min(len(ic.Versions), maxListedVersions) {
		v := chartVersion(&ic.Versions[i], i < detailedVersions)
		b, _ := json.Marshal(v)
		if size += len(b) + 1; size > chartObjectBudget {
			break
		}
		ch.Spec.Versions = append(ch.Spec.Versions, v)
	}
	return ch, nil
}

// chartVersion trims an index entry; detailed keeps what a marketplace
// shows for recent versions.
func chartVersion(v *helmrepo.ChartVersion, detailed bool) v1.ChartVersion {
	out := v1.ChartVersion{Version: v.Version, AppVersion: v.AppVersion, Deprecated: v.Deprecated}
	if !v.Created.IsZero() {
		// The API keeps seconds; finer time would differ on every compare.
		t := metav1.NewTime(v.Created.Truncate(time.Second))
		out.Created = &t
	}
	if detailed {
		out.Description, out.Icon, out.Keywords = v.Description, v.Icon, v.Keywords
		out.Digest, out.URLs = v.Digest, v.URLs
	}
	return out
}
