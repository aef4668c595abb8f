package main

import (
	"bytes"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// Completion scripts come without a cluster; HelmRequest names complete
// against one (TestLifecycleFromURL).
func TestCompletionScripts(t *testing.T) {
	for shell, first := range map[string]string{
		"bash": "# bash completion V2 for kubectl-captain",
		"zsh":  "#compdef kubectl-captain",
		"fish": "# fish completion for kubectl-captain",
	} {
		t.Run(shell, func(t *testing.T) {
			g := NewWithT(t)
			var out, errOut bytes.Buffer
			g.Expect(run([]string{"completion", shell}, strings.NewReader(""), &out, &errOut)).To(Equal(exitOK), errOut.String())
			g.Expect(out.String()).To(HavePrefix(first))
		})
	}
}
