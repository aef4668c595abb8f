package main

import (
	"flag"
	"io"
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
