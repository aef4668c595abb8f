package chartrepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"

	"captain.io/captain/internal/testenv/testcharts"
)

// TestParseIndexLikeHelm parses indexes written by Helm and compares the
// result, field by field, with what Helm's repo.LoadIndexFile makes of them.
// The YAML ones must take the fast path.
func TestParseIndexLikeHelm(t *testing.T) {
	cases := []struct {
		name  string
		write func(t *testing.T, path string) error
	}{
		{"testdata charts, helm repo index", func(t *testing.T, path string) error {
			return testdataIndex(t).WriteFile(path, 0o644)
		}},
		{"tricky strings", func(_ *testing.T, path string) error { return trickyIndex().WriteFile(path, 0o644) }},
		{"tricky strings, JSON", func(_ *testing.T, path string) error { return trickyIndex().WriteJSONFile(path, 0o644) }},
		{"realistic", func(_ *testing.T, path string) error { return realisticIndex(3, 12).WriteFile(path, 0o644) }},
		{"realistic, JSON", func(_ *testing.T, path string) error { return realisticIndex(3, 12).WriteJSONFile(path, 0o644) }},
		{"invalid versions", func(_ *testing.T, path string) error { return invalidIndex().WriteFile(path, 0o644) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			path := filepath.Join(t.TempDir(), "index.yaml")
			g.Expect(tc.write(t, path)).To(Succeed())
			data, err := os.ReadFile(path)
			g.Expect(err).NotTo(HaveOccurred())

			ix, err := ParseIndex(data)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ix.Digest).To(Equal(sha256Digest(data)))
			expectLikeHelm(g, ix, path)
			if !strings.HasSuffix(tc.name, "JSON") {
				_, err := scanIndex(data)
				g.Expect(err).NotTo(HaveOccurred(), "the fast path reads what Helm writes")
			}
		})
	}
}

// expectLikeHelm checks ix against what repo.LoadIndexFile makes of path.
func expectLikeHelm(g Gomega, ix *Index, path string) {
	hx, err := repo.LoadIndexFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	var names []string
	for name := range hx.Entries {
		names = append(names, name)
	}
	g.Expect(chartNames(ix)).To(ConsistOf(names))
	for name, hvs := range hx.Entries {
		c, ok := ix.Chart(name)
		g.Expect(ok).To(BeTrue(), name)
		g.Expect(c.VersionStrings()).To(HaveLen(len(hvs)), name)
		for i, hv := range hvs {
			v := c.Versions[i]
			what := name + " " + hv.Version
			g.Expect(v.Version).To(Equal(hv.Version), what)
			g.Expect(v.AppVersion).To(Equal(hv.AppVersion), what)
			g.Expect(v.Description).To(Equal(hv.Description), what)
			g.Expect(v.Icon).To(Equal(hv.Icon), what)
			g.Expect(v.KubeVersion).To(Equal(hv.KubeVersion), what)
			g.Expect(v.Keywords).To(Equal(orNil(hv.Keywords)), what)
			g.Expect(v.Created.Equal(hv.Created)).To(BeTrue(), "%s: created %s, Helm %s", what, v.Created, hv.Created)
			g.Expect(v.Digest).To(Equal(hv.Digest), what)
			g.Expect(v.URLs).To(Equal(orNil(hv.URLs)), what)
			g.Expect(v.Deprecated).To(Equal(hv.Deprecated), what)
		}
	}
}

func chartNames(ix *Index) []string {
	var names []string
	for _, c := range ix.Charts {
		names = append(names, c.Name)
	}
	return names
}

func orNil(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}

// testdataIndex indexes the charts of testdata/charts as `helm package` and
// `helm repo index` do.
func testdataIndex(t *testing.T) *repo.IndexFile {
	t.Helper()
	folders, err := testcharts.Folders(testcharts.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, folder := range folders {
		if _, _, err := testcharts.Package(folder, dir); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := repo.IndexDirectory(dir, "https://charts.example.com/stable")
	if err != nil {
		t.Fatal(err)
	}
	ix.SortEntries()
	return ix
}

// trickyStrings test the scalar styles Helm's YAML writer picks and how it
// wraps them, and the sanitizing of strings Helm does when it loads them.
var trickyStrings = []string{
	"plain words", "colon: inside", "key:value", "ends with colon:", `"double" quoted`, "'single' quoted",
	"it's", "#hash first", "a #comment-like", "a# not a comment", "日本語 ✓ émoji 🚀", "naïve café",
	"  leading spaces", "trailing spaces  ", "1.0", "1", "010", "0x1F", "1e3", ".5", "-1", "+1", ".inf", ".NaN",
	"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "Null", "", " ", "- dash", "-dash",
	"? question", ":colon first", "[bracket]", "{brace}", "*star", "&amp", "!bang", "|pipe", ">gt", "%pct",
	"@at", "`tick", ",comma", "back\\slash", `a "quote" and a \ backslash`, "tab\there", "ctrl\x01char",
	"bell\a", "nel\u0085next", "nbsp\u00a0here", "bom\ufeffhere",
	"multi\nline", "trailing newline\n", "two trailing newlines\n\n", "\nleading newline",
	"para one\n\npara two", "  indented first line\nsecond", "trailing spaces  \nnext line",
	"tab\tand\nnewline", "2024-01-02T03:04:05Z", "2024-01-02", "<<", "=", "---", "...", "--- x", "... x",
	strings.Repeat("long words wrap at eighty columns ", 8),
	strings.Repeat("nospace", 30),
	strings.Repeat("x", 79) + " " + strings.Repeat("y", 10) + "  two spaces  " + strings.Repeat("z", 90),
	"a long line with \"quotes\" and escapes \\ that must be double quoted " + strings.Repeat("and wrapped ", 10) + "\x01",
	strings.Repeat("long line in a literal block ", 5) + "\n" + strings.Repeat("second ", 20),
}

// trickyIndex is an index whose strings are trickyStrings, written into
// every field Captain keeps, and whose chart names need quoting.
func trickyIndex() *repo.IndexFile {
	ix := repo.NewIndexFile()
	at := func(i int) string { return trickyStrings[i%len(trickyStrings)] }
	for i := range trickyStrings {
		md := &chart.Metadata{
			APIVersion: "v2", Name: "tricky", Version: fmt.Sprintf("0.%d.0", i),
			Description: at(i), AppVersion: at(i + 1), Icon: at(i + 2), KubeVersion: at(i + 3),
			Keywords: []string{at(i + 4), at(i + 5)}, Deprecated: i%7 == 0,
		}
		created := time.Date(2024, 1, 2, 3, 4, 5, i*1000, time.FixedZone("", (i%5-2)*3600))
		ix.Entries["tricky"] = append(ix.Entries["tricky"], &repo.ChartVersion{
			Metadata: md, Created: created, Digest: fmt.Sprintf("%064x", i),
			URLs: []string{"tricky-" + md.Version + ".tgz", "https://mirror.example.com/a b/tricky.tgz?x=1#y"},
		})
	}
	for i, name := range []string{"true", "null", "1.0", "with.dot", "a-b_c", "日本", "x: y", "#hash", "-dash"} {
		md := &chart.Metadata{APIVersion: "v1", Name: name, Version: []string{"1.0", "v2", "1.2.3-rc.1+build.5"}[i%3]}
		ix.Entries[name] = repo.ChartVersions{{Metadata: md, URLs: []string{name + ".tgz"}}}
	}
	ix.Entries["empty"] = repo.ChartVersions{}
	ix.SortEntries()
	return ix
}

// invalidIndex holds chart versions Helm leaves out when it loads an index.
func invalidIndex() *repo.IndexFile {
	ix := repo.NewIndexFile()
	versions := []*chart.Metadata{
		{Name: "ok", Version: "1.0.0"},
		{Name: "ok", Version: "not-semver"},
		{Name: "ok", Version: ""},
		{Name: "", Version: "2.0.0"},
		{Name: "../evil", Version: "3.0.0"},
		{Name: "..", Version: "3.1.0"},
		{Name: "ok", Version: "4.0.0", Type: "plugin"},
		{Name: "ok", Version: "5.0.0", Type: "library"},
	}
	for _, md := range versions {
		ix.Entries["ok"] = append(ix.Entries["ok"], &repo.ChartVersion{Metadata: md, URLs: []string{"ok.tgz"}})
	}
	ix.Entries["ok"] = append(ix.Entries["ok"], nil)
	ix.Entries["none-valid"] = repo.ChartVersions{{Metadata: &chart.Metadata{Name: "none-valid"}}}
	return ix
}

func TestParseIndexSkipsWhatHelmSkips(t *testing.T) {
	g := NewWithT(t)
	path := filepath.Join(t.TempDir(), "index.yaml")
	g.Expect(invalidIndex().WriteFile(path, 0o644)).To(Succeed())
	data, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	ix, err := ParseIndex(data)
	g.Expect(err).NotTo(HaveOccurred())
	ok, _ := ix.Chart("ok")
	g.Expect(ok.VersionStrings()).To(Equal([]string{"5.0.0", "1.0.0"}))
	none, found := ix.Chart("none-valid")
	g.Expect(found).To(BeTrue())
	g.Expect(none.Versions).To(BeEmpty())
	g.Expect(ix.Skipped).To(Equal(8))
}

// TestParseIndexManyVersionsOfOneChart keeps a chart with many versions of
// equal precedence in the order listed, and its repeats out, in linear time.
func TestParseIndexManyVersionsOfOneChart(t *testing.T) {
	g := NewWithT(t)
	const n = 50000
	var data strings.Builder
	data.WriteString("apiVersion: v1\nentries:\n  app:\n")
	for i := range n {
		fmt.Fprintf(&data, "  - name: app\n    version: 1.0.0+b%d\n", i%(n/2))
	}
	start := time.Now()
	ix, err := ParseIndex([]byte(data.String()))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(time.Since(start)).To(BeNumerically("<", 10*time.Second))
	versions := mustChart(g, ix, "app").VersionStrings()
	g.Expect(versions).To(HaveLen(n / 2))
	g.Expect(versions[:2]).To(Equal([]string{"1.0.0+b0", "1.0.0+b1"}))
	g.Expect(ix.Skipped).To(Equal(n / 2))
}

// indexCase is a hand-written index: what ParseIndex makes of it, and
// whether the fast path reads it or leaves it to yaml.v3.
type indexCase struct {
	name, data string
	fast       bool
	check      func(Gomega, *Index)
	wantErr    string
}

var indexCases = []indexCase{
	{name: "minimal", fast: true, data: "apiVersion: v1\nentries: {}\n", check: func(g Gomega, ix *Index) {
		g.Expect(ix.Charts).To(BeEmpty())
	}},
	{name: "unquoted numbers stay as written", fast: true, data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0
    appVersion: 010
  - name: app
    version: 1.10
    appVersion: true
`, check: func(g Gomega, ix *Index) {
		app := mustChart(g, ix, "app")
		g.Expect(app.VersionStrings()).To(Equal([]string{"1.10", "1.0"}))
		g.Expect(app.Versions[0].AppVersion).To(Equal("true"))
		g.Expect(app.Versions[1].AppVersion).To(Equal("010"))
	}},
	{name: "repeated versions", fast: true, data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    description: first
  - name: app
    version: v1.0.0
  - name: app
    version: 2.0.0
  - name: app
    version: 1.0.0
    description: second
`, check: func(g Gomega, ix *Index) {
		app := mustChart(g, ix, "app")
		g.Expect(app.VersionStrings()).To(Equal([]string{"2.0.0", "1.0.0", "v1.0.0"}))
		v, ok := app.Version("1.0.0")
		g.Expect(ok).To(BeTrue())
		g.Expect(v.Description).To(Equal("first"))
		g.Expect(ix.Skipped).To(Equal(1))
	}},
	{name: "charts without versions", fast: true, data: `apiVersion: v1
entries:
  a: []
  b:
  c: null
  d:
  -
  - ~
`, check: func(g Gomega, ix *Index) {
		g.Expect(chartNames(ix)).To(Equal([]string{"a", "b", "c", "d"}))
		for _, c := range ix.Charts {
			g.Expect(c.Versions).To(BeEmpty())
		}
		g.Expect(ix.Skipped).To(Equal(2))
	}},
	{name: "created with and without fractions and offsets", fast: true, data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    created: 2016-10-06T16:23:20.499814565-06:00
  - name: app
    version: 2.0.0
    created: "2016-10-06T16:23:20Z"
  - name: app
    version: 3.0.0
    created:
`, check: func(g Gomega, ix *Index) {
		app := mustChart(g, ix, "app")
		g.Expect(app.Versions[0].Created.IsZero()).To(BeTrue())
		g.Expect(app.Versions[1].Created).To(Equal(time.Date(2016, 10, 6, 16, 23, 20, 0, time.UTC)))
		g.Expect(app.Versions[2].Created).To(Equal(time.Date(2016, 10, 6, 22, 23, 20, 499814565, time.UTC)))
	}},
	{name: "invalid timestamp", data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    created: 2016-10-06
`, wantErr: `not a valid chart repository index: chart app version 1.0.0: created: parsing time "2016-10-06"`},
	{name: "deprecated", fast: true, data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    deprecated: true
  - name: app
    version: 0.9.0
    deprecated: False
`, check: func(g Gomega, ix *Index) {
		app := mustChart(g, ix, "app")
		g.Expect(app.Versions[0].Deprecated).To(BeTrue())
		g.Expect(app.Versions[1].Deprecated).To(BeFalse())
	}},
	{name: "deprecated: yes, as yaml.v3 reads it", data: `apiVersion: v1
entries:
  app:
  - {name: app, version: 1.0.0, deprecated: yes}
`, check: func(g Gomega, ix *Index) { g.Expect(mustChart(g, ix, "app").Versions[0].Deprecated).To(BeTrue()) }},
	{name: "block scalars", fast: true, data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    description: |
      literal
        indented

      kept
  - name: app
    version: 2.0.0
    description: >-
      folded
      lines

      paragraph
        more indented
      end
  - name: app
    version: 3.0.0
    description: |2+
        two spaces kept

    keywords:
    - |-
      one
    - >
      two
`, check: func(g Gomega, ix *Index) {
		app := mustChart(g, ix, "app")
		g.Expect(app.Versions[2].Description).To(Equal("literal   indented  kept "), "sanitized as Helm does")
		g.Expect(app.Versions[1].Description).To(Equal("folded lines paragraph   more indented end"))
		g.Expect(app.Versions[0].Description).To(Equal("  two spaces kept  "))
		g.Expect(app.Versions[0].Keywords).To(Equal([]string{"one", "two "}))
	}},
	{name: "comments, blank lines, a document start and indented sequences", fast: true, data: `# generated by hand
---   # start
apiVersion: v1   # version

entries:
    # a comment
    app:    # the app
        -   name: app  # name
            version: "1.0.0"   # quoted
            urls:
                - a.tgz # first
    # between
                - "b.tgz"
            keywords: [] # none
serverInfo:
  contextPath: /v1/helm
generated: 2024-01-01T00:00:00Z
`, check: func(g Gomega, ix *Index) {
		g.Expect(mustChart(g, ix, "app").Versions[0].URLs).To(Equal([]string{"a.tgz", "b.tgz"}))
	}},
	{name: "multi-line plain and quoted scalars", fast: true, data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    description: plain that goes
      on and on

      and on
    icon: "double \u00e9
      \ escaped\
      joined"
    appVersion: 'single ''quoted''

      folded'
`, check: func(g Gomega, ix *Index) {
		v := mustChart(g, ix, "app").Versions[0]
		g.Expect(v.Description).To(Equal("plain that goes on and on and on"), "newline sanitized to a space")
		g.Expect(v.Icon).To(Equal("double é  escapedjoined"))
		g.Expect(v.AppVersion).To(Equal("single 'quoted' folded"))
	}},
	{name: "unknown fields of any shape are skipped", fast: true, data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    annotations:
      a: |
        - not: a
          sequence: "
      b: {}
    dependencies:
    - - nested
      - sequence
    -
      name: x
      tags:
      - y
    maintainers:
    - name: "multi
        line"
publicKeys: []
`, check: func(g Gomega, ix *Index) {
		g.Expect(mustChart(g, ix, "app").VersionStrings()).To(Equal([]string{"1.0.0"}))
	}},
	{name: "null entries of a list are left out, as yaml.v3 does", fast: true, data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    urls:
    -
    - a.tgz
    - ~
`, check: func(g Gomega, ix *Index) {
		g.Expect(mustChart(g, ix, "app").Versions[0].URLs).To(Equal([]string{"a.tgz"}))
	}},
	{name: "anchors and aliases, left to yaml.v3", data: `apiVersion: v1
entries:
  app:
  - &v1 {name: app, version: 1.0.0, description: shared}
  other:
  - name: other
    version: 2.0.0
    description: *d
`, wantErr: "unknown anchor"},
	{name: "aliases that resolve, left to yaml.v3", data: `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    description: &d shared
  other:
  - name: other
    version: 2.0.0
    description: *d
`, check: func(g Gomega, ix *Index) {
		g.Expect(mustChart(g, ix, "other").Versions[0].Description).To(Equal("shared"))
	}},
	{name: "flow collections, left to yaml.v3", data: `apiVersion: v1
entries: {app: [{name: app, version: 1.0.0, urls: [a.tgz, b.tgz]}]}
`, check: func(g Gomega, ix *Index) {
		g.Expect(mustChart(g, ix, "app").Versions[0].URLs).To(Equal([]string{"a.tgz", "b.tgz"}))
	}},
	{name: "CRLF line ends, left to yaml.v3", data: "apiVersion: v1\r\nentries:\r\n  app:\r\n  - name: app\r\n    version: 1.0.0\r\n",
		check: func(g Gomega, ix *Index) {
			g.Expect(mustChart(g, ix, "app").VersionStrings()).To(Equal([]string{"1.0.0"}))
		}},
	{name: "tabs, left to yaml.v3", data: "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version:\t1.0.0\n",
		check: func(g Gomega, ix *Index) {
			g.Expect(mustChart(g, ix, "app").VersionStrings()).To(Equal([]string{"1.0.0"}))
		}},
	{name: "a line separator, as Helm writes it, left to yaml.v3", data: "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n    description: 'line\u2028      sep'\n",
		check: func(g Gomega, ix *Index) {
			g.Expect(mustChart(g, ix, "app").Versions[0].Description).To(Equal("line sep"))
		}},
	{name: "JSON", data: `{"apiVersion": "v1", "entries": {"app": [{"name": "app", "version": "1.0.0", "urls": ["a.tgz"]}]}}`,
		check: func(g Gomega, ix *Index) {
			g.Expect(mustChart(g, ix, "app").VersionStrings()).To(Equal([]string{"1.0.0"}))
		}},
	{name: "JSON with a number for a version", data: `{"apiVersion": "v1", "entries": {"app": [{"name": "app", "version": 1.0}]}}`,
		wantErr: "not a valid chart repository index: json: cannot unmarshal number"},
	{name: "no apiVersion", fast: true, data: "entries: {}\n", wantErr: "not a valid chart repository index: apiVersion is missing"},
	{name: "empty", data: "", wantErr: "not a valid chart repository index: the file is empty"},
	{name: "only comments", data: "# nothing\n", wantErr: "not a valid chart repository index: apiVersion is missing"},
	{name: "HTML", data: "<html><body>Not Found</body></html>\n", wantErr: "not a valid chart repository index: yaml: unmarshal errors"},
	{name: "not YAML", data: "apiVersion: v1\nentries:\n  app: [\n", wantErr: "not a valid chart repository index: yaml: line"},
	{name: "repeated field", data: "apiVersion: v1\napiVersion: v2\nentries: {}\n", wantErr: "already defined"},
	{name: "repeated unknown field", data: "apiVersion: v1\nentries:\n  a:\n  - name: a\n    x: 1\n    x: 2\n", wantErr: "already defined"},
	{name: "repeated chart", data: "apiVersion: v1\nentries:\n  a: []\n  a: []\n", wantErr: "already defined"},
	{name: "a version that is not a mapping", data: "apiVersion: v1\nentries:\n  a:\n  - 1.0.0\n", wantErr: "cannot unmarshal"},
}

func mustChart(g Gomega, ix *Index, name string) *IndexChart {
	c, ok := ix.Chart(name)
	g.ExpectWithOffset(1, ok).To(BeTrue(), "chart %s", name)
	return c
}

func TestParseIndexCases(t *testing.T) {
	for _, tc := range indexCases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ix, err := ParseIndex([]byte(tc.data))
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
			} else {
				g.Expect(err).NotTo(HaveOccurred())
				if tc.check != nil {
					tc.check(g, ix)
				}
			}
			_, err = scanIndex([]byte(tc.data))
			if tc.fast {
				g.Expect(err).NotTo(HaveOccurred(), "fast path")
			} else {
				g.Expect(err).To(BeAssignableToTypeOf(unsupported{}), "left to yaml.v3")
			}
			expectSameAsGeneral(t, []byte(tc.data))
		})
	}
}

func TestParseIndexDropsNothingElseFromCaches(t *testing.T) {
	g := NewWithT(t)
	ix, err := ParseIndex([]byte("apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n"))
	g.Expect(err).NotTo(HaveOccurred())
	_, ok := ix.Chart("nope")
	g.Expect(ok).To(BeFalse())
	_, ok = mustChart(g, ix, "app").Version("2.0.0")
	g.Expect(ok).To(BeFalse())
}

// expectSameAsGeneral is the fuzz property: where the fast path reads data,
// the general decoder must read it the same.
func expectSameAsGeneral(t *testing.T, data []byte) {
	t.Helper()
	fast, err := scanIndex(data)
	if err != nil {
		if !errors.As(err, new(unsupported)) {
			t.Fatalf("the fast path returned %v, not a reason to give up", err)
		}
		_, _ = ParseIndex(data) // must not panic
		return
	}
	general, err := decodeIndex(data)
	if err != nil {
		t.Fatalf("the fast path read what yaml.v3 refuses: %v", err)
	}
	fastIndex, fastErr := fast.index("")
	generalIndex, generalErr := general.index("")
	if fmt.Sprint(fastErr) != fmt.Sprint(generalErr) || !reflect.DeepEqual(fastIndex, generalIndex) {
		t.Fatalf("the fast path and yaml.v3 disagree:\nfast:    %+v %v\ngeneral: %+v %v", fastIndex, fastErr, generalIndex, generalErr)
	}
}

// FuzzParseIndex checks expectSameAsGeneral. Its seeds are small indexes
// written by Helm, one tricky string each, and the hand-written cases.
func FuzzParseIndex(f *testing.F) {
	seeds := []*repo.IndexFile{realisticIndex(1, 2), invalidIndex()}
	for _, s := range trickyStrings {
		seeds = append(seeds, stringIndex(s))
	}
	for _, ix := range seeds {
		data, err := yaml.Marshal(ix) // as IndexFile.WriteFile
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, tc := range indexCases {
		f.Add([]byte(tc.data))
	}
	f.Fuzz(expectSameAsGeneral)
}

// stringIndex is an index with one chart version that holds s in the
// fields Captain keeps.
func stringIndex(s string) *repo.IndexFile {
	ix := repo.NewIndexFile()
	md := &chart.Metadata{
		APIVersion: "v2", Name: "app", Version: "1.0.0", Description: s, AppVersion: s, Keywords: []string{s, "k"},
	}
	ix.Entries["app"] = repo.ChartVersions{{Metadata: md, URLs: []string{"app-1.0.0.tgz"}}}
	return ix
}
