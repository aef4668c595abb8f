package diff

import (
	"bytes"
	"testing"

	. "github.com/onsi/gomega"
)

// TestWriteText checks the text form of a report, plain and coloured.
func TestWriteText(t *testing.T) {
	report := &Report{Objects: []ObjectDiff{{
		Ref:    ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "a"},
		Action: ActionUpdate,
		Diff:   "--- live\n+++ predicted\n@@ -1,2 +1,2 @@\n data:\n-  k: old\n+  k: <redacted sha256:00000000>\n",
		Drift:  &Drift{Fields: []FieldDrift{{Path: "/data/k", Applied: "old", Live: nil}}},
	}, {
		Ref:    ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "b"},
		Action: ActionUnchanged,
	}, {
		Ref:    ObjectRef{Version: "v1", Kind: "Service", Namespace: "ns", Name: "c"},
		Action: ActionUnchanged,
		Drift:  &Drift{Missing: true},
	}, {
		Ref:   ObjectRef{Group: "x.io", Version: "v1", Kind: "Widget", Name: "d"},
		Error: "no matches for kind",
	}}}
	for _, tc := range []struct {
		name string
		opt  TextOptions
		want string
	}{{
		name: "plain, changes only",
		want: `ConfigMap ns/a: update
--- live
+++ predicted
@@ -1,2 +1,2 @@
 data:
-  k: old
+  k: <redacted sha256:00000000>
drift:
  /data/k: applied "old", live (absent)

Service ns/c: unchanged
drift: deleted from the cluster

Widget.x.io d
error: no matches for kind

0 to create, 1 to update, 0 to delete, 2 unchanged; drift in 2 objects (1 fields); 1 errors
`,
	}, {
		name: "coloured, unchanged too",
		opt:  TextOptions{Color: true, Unchanged: true},
		want: "\x1b[1mConfigMap ns/a: update\x1b[0m\n" +
			"\x1b[1m--- live\x1b[0m\n\x1b[1m+++ predicted\x1b[0m\n\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n data:\n" +
			"\x1b[31m-  k: old\x1b[0m\n\x1b[32m+  k: <redacted sha256:00000000>\x1b[0m\n" +
			"\x1b[33mdrift:\x1b[0m\n  /data/k: applied \"old\", live (absent)\n\n" +
			"\x1b[1mDeployment.apps ns/b: unchanged\x1b[0m\n\n" +
			"\x1b[1mService ns/c: unchanged\x1b[0m\n\x1b[33mdrift: deleted from the cluster\x1b[0m\n\n" +
			"\x1b[1mWidget.x.io d\x1b[0m\n\x1b[31merror: no matches for kind\x1b[0m\n\n" +
			"0 to create, 1 to update, 0 to delete, 2 unchanged; drift in 2 objects (1 fields); 1 errors\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			NewWithT(t).Expect(report.WriteText(&out, tc.opt)).To(Succeed())
			NewWithT(t).Expect(out.String()).To(Equal(tc.want))
		})
	}
}
