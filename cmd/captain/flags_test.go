package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

func TestChartCacheFlags(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		wantDir   string
		wantBytes int64
		wantErr   string
	}{
		{name: "defaults: memory only, 1Gi", wantBytes: 1 << 30},
		{name: "folder and plain bytes", args: []string{"--chart-cache-dir=/cache", "--chart-cache-size=1048576"},
			wantDir: "/cache", wantBytes: 1 << 20},
		{name: "binary quantity", args: []string{"--chart-cache-size=512Mi"}, wantBytes: 512 << 20},
		{name: "decimal quantity", args: []string{"--chart-cache-size=2G"}, wantBytes: 2_000_000_000},
		{name: "not a quantity", args: []string{"--chart-cache-size=lots"},
			wantErr: `invalid value "lots" for flag -chart-cache-size: quantities must match`},
		{name: "zero", args: []string{"--chart-cache-size=0"},
			wantErr: `invalid value "0" for flag -chart-cache-size: must be positive`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			fs := flag.NewFlagSet("captain", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var f flags
			f.bind(fs)
			err := fs.Parse(tc.args)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(f.ChartCacheDir).To(Equal(tc.wantDir))
			g.Expect(f.ChartCacheBytes).To(Equal(tc.wantBytes))
		})
	}
}

// The help shows the default size as a quantity.
func TestChartCacheSizeDefaultInHelp(t *testing.T) {
	fs := flag.NewFlagSet("captain", flag.ContinueOnError)
	var f flags
	f.bind(fs)
	NewWithT(t).Expect(fs.Lookup("chart-cache-size").DefValue).To(Equal("1Gi"))
}

// --log-level and --log-format set controller-runtime's zap flags.
func TestLogFlags(t *testing.T) {
	cases := []struct {
		args                 []string
		wantLevel, wantCodec string
		wantErr              string
	}{
		{args: []string{"--log-level=debug", "--log-format=text"}, wantLevel: "debug", wantCodec: "console"},
		{args: []string{"--log-level=error", "--log-format=json"}, wantLevel: "error", wantCodec: "json"},
		{args: []string{"--log-format=xml"}, wantErr: `invalid value "xml" for flag -log-format: "xml" is not json or text`},
		{args: []string{"--log-level=loud"}, wantErr: `invalid value "loud" for flag -log-level`},
	}
	for _, tc := range cases {
		t.Run(tc.args[0], func(t *testing.T) {
			g := NewWithT(t)
			fs := flag.NewFlagSet("captain", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			zapOpts := zap.Options{}
			zapOpts.BindFlags(fs)
			bindLogFlags(fs)
			err := fs.Parse(tc.args)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(fs.Lookup("zap-log-level").Value.String()).To(Equal(tc.wantLevel))
			g.Expect(fs.Lookup("zap-encoder").Value.String()).To(Equal(tc.wantCodec))
		})
	}
}

// The manager's client is not held to client-go's default 5 requests per
// second, which would cap installs at a few per second.
func TestKubeAPIRateFlags(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	NewWithT(t).Expect(os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`), 0o600)).To(Succeed())
	cases := []struct {
		args      []string
		wantQPS   float32
		wantBurst int
	}{
		{args: nil, wantQPS: 50, wantBurst: 300},
		{args: []string{"--kube-api-qps=200", "--kube-api-burst=400"}, wantQPS: 200, wantBurst: 400},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			g := NewWithT(t)
			fs := flag.NewFlagSet("captain", flag.ContinueOnError)
			var f flags
			f.bind(fs)
			g.Expect(fs.Parse(append([]string{"--kubeconfig=" + kubeconfig}, tc.args...))).To(Succeed())
			cfg, err := f.complete()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cfg.QPS).To(Equal(tc.wantQPS))
			g.Expect(cfg.Burst).To(Equal(tc.wantBurst))
		})
	}
}
