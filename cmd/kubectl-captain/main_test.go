package main

import (
	"bytes"
	"testing"

	. "github.com/onsi/gomega"
)

func TestVersion(t *testing.T) {
	g := NewWithT(t)
	var out bytes.Buffer
	cmd := newRootCommand()
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"version"})
	g.Expect(cmd.Execute()).To(Succeed())
	g.Expect(out.String()).To(Equal("kubectl-captain dev\n"))
}
