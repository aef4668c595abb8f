package chartrepo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// BenchmarkIndex compares Helm's repo.LoadIndexFile with ParseIndex on a
// generated index shaped like Bitnami's (900 charts × 40 versions, 50.6 MB),
// in one run:
//
//	go test -run '^$' -bench BenchmarkIndex -benchtime 3x ./pkg/chartrepo/
//
// Besides ns/op and B/op, each reports peak-MB, the most the live heap grew
// by during one parse, reading the file included (sampled every millisecond
// after a GC, garbage not yet collected included: the memory a process
// needs), and retained-MB, what the parsed index keeps once garbage is
// collected. captain also reports how many times faster it is than helm
// (x-faster) and how many times less its peak heap is (x-less-peak).
func BenchmarkIndex(b *testing.B) {
	path := filepath.Join(b.TempDir(), "index.yaml")
	data := realisticIndexFile(b, 900, 40)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}

	var helm, captain benchResult
	b.Run("helm", func(b *testing.B) {
		benchParse(b, &helm, func() (any, error) { return repo.LoadIndexFile(path) })
	})
	b.Run("captain", func(b *testing.B) {
		benchParse(b, &captain, func() (any, error) {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			return ParseIndex(data)
		})
		if helm.nsPerOp == 0 {
			return // helm was not run
		}
		// The ratios go on this line: a parent benchmark's log is not shown.
		b.ReportMetric(helm.nsPerOp/captain.nsPerOp, "x-faster")
		b.ReportMetric(helm.peakMB/captain.peakMB, "x-less-peak")
	})
}

type benchResult struct {
	nsPerOp, peakMB, retainedMB float64
}

// benchParse times parse and, the first time it is called for r (the
// testing package calls a benchmark more than once), measures its heap.
func benchParse(b *testing.B, r *benchResult, parse func() (any, error)) {
	b.ReportAllocs()
	for range b.N {
		if _, err := parse(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	r.nsPerOp = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	if r.peakMB == 0 {
		r.peakMB, r.retainedMB = heapOf(b, parse)
	}
	b.ReportMetric(r.peakMB, "peak-MB")
	b.ReportMetric(r.retainedMB, "retained-MB")
}

// heapOf runs parse once and returns how far the heap grew while it ran and
// how much of that its result keeps, in MB.
func heapOf(b *testing.B, parse func() (any, error)) (peakMB, retainedMB float64) {
	runtime.GC()
	base := heapObjects()
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		highest := base
		for {
			select {
			case <-stop:
				peak <- max(highest, heapObjects())
				return
			case <-tick.C:
				highest = max(highest, heapObjects())
			}
		}
	}()
	result, err := parse()
	close(stop)
	highest := <-peak
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	retained := heapObjects()
	runtime.KeepAlive(result)
	return float64(highest-base) / 1e6, float64(retained-base) / 1e6
}

func heapObjects() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// realisticIndexFile is the index.yaml of realisticIndex(charts, versions)
// as Helm writes it, but for speed (Helm takes half a minute for 50 MB) Helm
// writes only the first chart, whose text is then repeated for the others
// under their names. The versions, digests and timestamps of each chart are
// thus the same.
func realisticIndexFile(tb testing.TB, charts, versions int) []byte {
	data, err := yaml.Marshal(realisticIndex(1, versions)) // as IndexFile.WriteFile
	if err != nil {
		tb.Fatal(err)
	}
	head, rest, ok1 := bytes.Cut(data, []byte("entries:\n"))
	section, tail, ok2 := bytes.Cut(rest, []byte("generated: "))
	if !ok1 || !ok2 {
		tb.Fatalf("unexpected index layout:\n%s", data)
	}
	var out bytes.Buffer
	out.Grow(len(section) * charts)
	out.Write(head)
	out.WriteString("entries:\n")
	for c := range charts {
		out.Write(bytes.ReplaceAll(section, []byte(chartName(0)), []byte(chartName(c))))
	}
	out.WriteString("generated: ")
	out.Write(tail)
	return out.Bytes()
}

func chartName(c int) string { return fmt.Sprintf("app-%04d", c) }

// realisticIndex is an index shaped like Bitnami's: every version with
// annotations, dependencies, maintainers, keywords, sources, a digest and a
// URL, and a description shared by a chart's versions.
func realisticIndex(charts, versions int) *repo.IndexFile {
	ix := repo.NewIndexFile()
	start := time.Date(2020, 1, 2, 3, 4, 5, 123456789, time.UTC)
	for c := range charts {
		name := chartName(c)
		for v := range versions {
			version := fmt.Sprintf("%d.%d.%d", 1+v/10, v%10, c%3)
			sum := sha256.Sum256([]byte(name + version))
			ix.Entries[name] = append(ix.Entries[name], &repo.ChartVersion{
				Metadata: realisticMetadata(name, version, v),
				URLs:     []string{"https://charts.example.com/stable/" + name + "-" + version + ".tgz"},
				Created:  start.Add(time.Duration(c*versions+v) * time.Minute),
				Digest:   hex.EncodeToString(sum[:]),
			})
		}
	}
	ix.SortEntries()
	return ix
}

func realisticMetadata(name, version string, v int) *chart.Metadata {
	appVersion := fmt.Sprintf("%d.%d.%d", 10+v/10, v%10, v%4)
	return &chart.Metadata{
		APIVersion: "v2",
		Name:       name,
		Version:    version,
		AppVersion: appVersion,
		Description: name + " is an open source application known for reliability and data integrity. " +
			"This chart bootstraps a deployment on a Kubernetes cluster using the Helm package manager.",
		Home:        "https://example.com/" + name,
		Icon:        "https://example.com/assets/stacks/" + name + "/img/" + name + "-stack-220x234.png",
		Keywords:    []string{name, "database", "sql", "replication", "cluster"},
		KubeVersion: ">=1.23.0-0",
		Sources:     []string{"https://github.com/example/charts/tree/main/" + name},
		Maintainers: []*chart.Maintainer{{Name: "Example, Inc.", URL: "https://github.com/example/charts"}},
		Annotations: map[string]string{
			"category": "Database",
			"licenses": "Apache-2.0",
			"images": "- name: " + name + "\n  image: docker.io/example/" + name + ":" + appVersion + "-debian-12-r8\n" +
				"- name: os-shell\n  image: docker.io/example/os-shell:12-debian-12-r16\n",
		},
		Dependencies: []*chart.Dependency{
			{Name: "common", Version: "2.x.x", Repository: "oci://registry-1.example.com/charts", Tags: []string{"example-common"}},
			{Name: "redis", Version: "18.x.x", Repository: "oci://registry-1.example.com/charts", Condition: "redis.enabled"},
		},
	}
}
