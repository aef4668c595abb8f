package diff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// unified is the diff of YAML from the live object to the predicted one,
// both redacted; empty when the upgrade leaves the object as it is.
func (r *redactor) unified(od *ObjectDiff) string {
	var from, to *unstructured.Unstructured
	switch od.Action {
	case ActionCreate:
		to = od.predicted
	case ActionUpdate:
		from, to = od.live, od.predicted
	case ActionDelete:
		from = od.live
	default:
		return ""
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        lines(r.yaml(from)),
		B:        lines(r.yaml(to)),
		FromFile: "live",
		ToFile:   "predicted",
		Context:  3,
	})
	if err != nil {
		// Writing to memory does not fail.
		panic(err)
	}
	return text
}

// lines splits text after each newline; "" has none (difflib's SplitLines
// would give it one empty line, and every text an extra one).
func lines(text string) []string {
	out := strings.SplitAfter(text, "\n")
	if out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

func (r *redactor) yaml(obj *unstructured.Unstructured) string {
	if obj == nil {
		return ""
	}
	out, err := yaml.Marshal(r.object(isSecret(obj), forDisplay(obj)))
	if err != nil {
		// A decoded JSON object always marshals.
		panic(err)
	}
	return string(out)
}

// JSON is the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(r)
	return b.Bytes(), err
}

// TextOptions tune WriteText.
type TextOptions struct {
	// Color marks additions, removals and drift with ANSI colours.
	Color bool
	// Unchanged lists unchanged objects too.
	Unchanged bool
}

// ANSI colours.
const (
	colorReset = "\x1b[0m"
	colorBold  = "\x1b[1m"
	colorRed   = "\x1b[31m"
	colorGreen = "\x1b[32m"
	colorCyan  = "\x1b[36m"
	colorYello = "\x1b[33m"
)

// WriteText writes the report for people: per object its action, unified
// diff, drift and error, then a summary line.
func (r *Report) WriteText(w io.Writer, opt TextOptions) error {
	bw := bufio.NewWriter(w)
	p := painter{color: opt.Color}
	for _, o := range r.Objects {
		if o.Action == ActionUnchanged && o.Drift == nil && o.Error == "" && !opt.Unchanged {
			continue
		}
		writeObject(bw, p, &o)
	}
	s := r.Summary()
	fmt.Fprintf(bw, "%d to create, %d to update, %d to delete, %d unchanged; drift in %d objects (%d fields)",
		s.Create, s.Update, s.Delete, s.Unchanged, s.DriftedObjects, s.DriftedFields)
	if s.Errors > 0 {
		fmt.Fprintf(bw, "; %d errors", s.Errors)
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

func writeObject(w io.Writer, p painter, o *ObjectDiff) {
	head := o.Ref.String()
	if o.Action != "" {
		head += ": " + strings.ToLower(string(o.Action))
	}
	fmt.Fprintln(w, p.paint(colorBold, head))
	for _, line := range lines(o.Diff) {
		fmt.Fprint(w, p.diffLine(line))
	}
	if o.Drift != nil {
		writeDrift(w, p, o.Drift)
	}
	if o.Error != "" {
		fmt.Fprintln(w, p.paint(colorRed, "error: "+o.Error))
	}
	fmt.Fprintln(w)
}

func writeDrift(w io.Writer, p painter, d *Drift) {
	if d.Missing {
		fmt.Fprintln(w, p.paint(colorYello, "drift: deleted from the cluster"))
		return
	}
	fmt.Fprintln(w, p.paint(colorYello, "drift:"))
	for _, f := range d.Fields {
		live := "(absent)"
		if f.Live != nil {
			live = compact(f.Live)
		}
		fmt.Fprintf(w, "  %s: applied %s, live %s\n", f.Path, compact(f.Applied), live)
	}
}

// compact is v as one line of JSON, markers left readable.
func compact(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// painter colours text when asked to.
type painter struct{ color bool }

func (p painter) paint(color, s string) string {
	if !p.color {
		return s
	}
	return color + s + colorReset
}

func (p painter) diffLine(line string) string {
	if !p.color {
		return line
	}
	body := strings.TrimSuffix(line, "\n")
	switch {
	case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
		return p.paint(colorBold, body) + "\n"
	case strings.HasPrefix(line, "+"):
		return p.paint(colorGreen, body) + "\n"
	case strings.HasPrefix(line, "-"):
		return p.paint(colorRed, body) + "\n"
	case strings.HasPrefix(line, "@@"):
		return p.paint(colorCyan, body) + "\n"
	}
	return line
}
