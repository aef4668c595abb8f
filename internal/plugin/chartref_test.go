package plugin

import (
	"testing"

	. "github.com/onsi/gomega"

	v1 "captain.io/captain/api/v1alpha1"
)

func TestParseChartRef(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want ChartRef
		err  string
	}{
		{arg: "stable/nginx", want: ChartRef{Chart: "stable/nginx"}},
		{arg: "https://charts.example/nginx-1.2.3.tgz", want: ChartRef{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://charts.example/nginx-1.2.3.tgz"}}}},
		{arg: "http://127.0.0.1:8080/x.tgz", want: ChartRef{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "http://127.0.0.1:8080/x.tgz"}}}},
		{arg: "oci://registry.example/charts/nginx", want: ChartRef{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://registry.example/charts/nginx"}}}},
		{arg: "oci://registry.example:5000/charts/nginx:1.2.3", want: ChartRef{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://registry.example:5000/charts/nginx"}}, Tag: "1.2.3"}},
		{arg: "oci://registry.example:5000/nginx", want: ChartRef{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://registry.example:5000/nginx"}}}},
		{arg: "oci://registry.example/nginx@sha256:abc", err: "digests are not supported"},
		{arg: "oci://", err: "is not an oci://registry/path/chart reference"},
		{arg: "nginx", err: `CHART "nginx" is not repo/name`},
		{arg: "Stable/nginx", err: "is not repo/name"},
		{arg: "./nginx", err: "is not repo/name"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			g := NewWithT(t)
			got, err := ParseChartRef(tc.arg)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestChartRefVersion(t *testing.T) {
	httpRef := ChartRef{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x/y-1.0.0.tgz"}}}
	ociRef := ChartRef{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://x/y"}}, Tag: "1.0.0"}
	for _, tc := range []struct {
		name, flag, want, err string
		ref                   ChartRef
	}{
		{name: "repo chart takes the flag", ref: ChartRef{Chart: "a/b"}, flag: "~1.2", want: "~1.2"},
		{name: "repo chart without flag is latest", ref: ChartRef{Chart: "a/b"}, want: ""},
		{name: "URL names the version", ref: httpRef, flag: "1.0.0", err: "--version cannot be used with an http(s) chart URL"},
		{name: "URL alone", ref: httpRef, want: ""},
		{name: "OCI tag", ref: ociRef, want: "1.0.0"},
		{name: "OCI tag and the same flag", ref: ociRef, flag: "1.0.0", want: "1.0.0"},
		{name: "OCI tag and another flag", ref: ociRef, flag: "2.0.0", err: "tagged 1.0.0 but --version says 2.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := tc.ref.Version(tc.flag)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

// A new chart of the same kind of source keeps the old one's credentials
// and TLS settings; another kind starts afresh.
func TestChartRefApplyToKeepsSourceSettings(t *testing.T) {
	secret := &v1.LocalObjectReference{Name: "creds"}
	for _, tc := range []struct {
		name       string
		spec, want v1.HelmRequestSpec
		ref        ChartRef
	}{
		{
			name: "http to http",
			spec: v1.HelmRequestSpec{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x/a-1.tgz", SecretRef: secret, InsecureSkipTLSVerify: true}}},
			ref:  ChartRef{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x/a-2.tgz"}}},
			want: v1.HelmRequestSpec{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x/a-2.tgz", SecretRef: secret, InsecureSkipTLSVerify: true}}},
		},
		{
			name: "oci to oci",
			spec: v1.HelmRequestSpec{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://x/a", SecretRef: secret, PlainHTTP: true}}},
			ref:  ChartRef{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://y/a"}}},
			want: v1.HelmRequestSpec{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://y/a", SecretRef: secret, PlainHTTP: true}}},
		},
		{
			name: "http to a repo chart",
			spec: v1.HelmRequestSpec{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x/a-1.tgz", SecretRef: secret}}},
			ref:  ChartRef{Chart: "stable/a"},
			want: v1.HelmRequestSpec{Chart: "stable/a"},
		},
		{
			name: "repo chart to oci",
			spec: v1.HelmRequestSpec{Chart: "stable/a"},
			ref:  ChartRef{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://y/a"}}},
			want: v1.HelmRequestSpec{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://y/a"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ref.ApplyTo(&tc.spec)
			NewWithT(t).Expect(tc.spec).To(Equal(tc.want))
		})
	}
}

func TestSourceOptions(t *testing.T) {
	yes, no, name, none := true, false, "creds", ""
	httpSpec := func() v1.HelmRequestSpec {
		return v1.HelmRequestSpec{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x/a.tgz", SecretRef: &v1.LocalObjectReference{Name: "old"}}}}
	}
	ociSpec := func() v1.HelmRequestSpec {
		return v1.HelmRequestSpec{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://x/a", InsecureSkipTLSVerify: true}}}
	}
	for _, tc := range []struct {
		name string
		spec v1.HelmRequestSpec
		o    SourceOptions
		want *v1.ChartSource
		err  string
	}{
		{name: "none leaves a repo chart alone", spec: v1.HelmRequestSpec{Chart: "a/b"}},
		{name: "http secret", spec: httpSpec(), o: SourceOptions{Secret: &name, Insecure: &yes},
			want: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x/a.tgz", SecretRef: &v1.LocalObjectReference{Name: "creds"}, InsecureSkipTLSVerify: true}}},
		{name: "empty secret clears it", spec: httpSpec(), o: SourceOptions{Secret: &none},
			want: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x/a.tgz"}}},
		{name: "oci plain http, verify again", spec: ociSpec(), o: SourceOptions{PlainHTTP: &yes, Insecure: &no},
			want: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://x/a", PlainHTTP: true}}},
		{name: "plain http is for oci", spec: httpSpec(), o: SourceOptions{PlainHTTP: &yes}, err: "--plain-http is for oci:// charts"},
		{name: "a repo chart has no source", spec: v1.HelmRequestSpec{Chart: "a/b"}, o: SourceOptions{Secret: &name}, err: "reached with the ChartRepo's settings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := tc.o.ApplyTo(&tc.spec)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(tc.spec.Source).To(Equal(tc.want))
		})
	}
}
