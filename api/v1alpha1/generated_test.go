package v1alpha1_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv"
)

// The committed CRDs and deepcopy code must be what controller-gen makes from
// the types today; `make generate manifests` refreshes them.
func TestGeneratedFilesAreFresh(t *testing.T) {
	g := NewWithT(t)
	root, err := testenv.ModuleRoot()
	g.Expect(err).NotTo(HaveOccurred())
	tmp := t.TempDir()

	run := func(args ...string) {
		cmd := exec.Command("go", append([]string{"tool", "controller-gen"}, args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), string(out))
	}
	run("crd", "paths=./api/...", "output:crd:artifacts:config="+filepath.Join(tmp, "crd"))
	run("object:headerFile=hack/boilerplate.go.txt", "paths=./api/...", "output:object:dir="+filepath.Join(tmp, "object"))

	pairs := map[string]string{
		filepath.Join(tmp, "object", "zz_generated.deepcopy.go"): filepath.Join(root, "api", "v1alpha1", "zz_generated.deepcopy.go"),
	}
	fresh, err := filepath.Glob(filepath.Join(tmp, "crd", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	committed, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(committed).To(HaveLen(len(fresh)), "config/crd/bases has stale or missing CRDs: run make manifests")
	for _, f := range fresh {
		pairs[f] = filepath.Join(root, "config", "crd", "bases", filepath.Base(f))
	}
	for generated, inRepo := range pairs {
		want, err := os.ReadFile(generated)
		g.Expect(err).NotTo(HaveOccurred())
		got, err := os.ReadFile(inRepo)
		g.Expect(err).NotTo(HaveOccurred(), "%s is missing: run make generate manifests", inRepo)
		g.Expect(string(got)).To(Equal(string(want)), "%s is stale: run make generate manifests", inRepo)
	}
}
