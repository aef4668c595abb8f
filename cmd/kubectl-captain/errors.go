package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// usageError is a command line the plugin cannot act on: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// failure is an error of a command that ran: exit code 1. Every other error
// cobra returns (unknown command or flag, wrong arguments) is a usage error.
type failure struct{ err error }

func (e failure) Error() string { return e.err.Error() }
func (e failure) Unwrap() error { return e.err }

// markFailures wraps every command's RunE so that its errors, except usage
// errors it finds itself, count as failures.
func markFailures(cmd *cobra.Command) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			err := run(c, args)
			if err == nil || errors.As(err, new(usageError)) {
				return err
			}
			return failure{err}
		}
	}
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		markFailures(sub)
	}
}

// report prints err as one line (more with -v) and returns the exit code.
func (a *app) report(w io.Writer, cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(w, "error: %s\n", oneLine(explain(err)))
	if !errors.As(err, new(failure)) {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return exitUsage
	}
	if a.verbose > 0 {
		printDetail(w, err)
	}
	return exitFailure
}

// printDetail writes what -v adds: each error the message wraps, and what
// the API server said field by field.
func printDetail(w io.Writer, err error) {
	prev := err.Error()
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		if msg := e.Error(); msg != prev {
			fmt.Fprintf(w, "detail: %s\n", oneLine(msg))
			prev = msg
		}
		if status, ok := e.(apierrors.APIStatus); ok {
			st := status.Status()
			fmt.Fprintf(w, "detail: the API server answered %d %s\n", st.Code, st.Reason)
			for _, c := range detailCauses(st.Details) {
				fmt.Fprintf(w, "detail: %s\n", c)
			}
			return
		}
	}
}

// explain adds what to do to errors that are about reaching the cluster
// rather than about the object a command works on.
func explain(err error) string {
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case apimeta.IsNoMatchError(err):
		return err.Error() + " (is Captain installed? its CRDs are missing from this cluster)"
	case errors.As(err, &urlErr), errors.As(err, &netErr):
		return err.Error() + " (check --kubeconfig and --context)"
	case apierrors.IsUnauthorized(err):
		return err.Error() + " (your credentials were refused: check --kubeconfig and --context)"
	}
	return err.Error()
}

// detailCauses lists what the API server said is wrong, field by field.
func detailCauses(d *metav1.StatusDetails) []string {
	if d == nil {
		return nil
	}
	out := make([]string, len(d.Causes))
	for i, c := range d.Causes {
		out[i] = fmt.Sprintf("%s: %s (%s)", c.Field, c.Message, c.Type)
	}
	return out
}

// oneLine joins the lines of a message for a table cell or an error line:
// with "; ", or a space after a line that ends in punctuation.
func oneLine(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.ContainsAny(b.String()[b.Len()-1:], ":;,.") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

func kubeconfigError(err error) error {
	return fmt.Errorf("loading the kubeconfig: %w (check --kubeconfig, $KUBECONFIG and --context)", err)
}
