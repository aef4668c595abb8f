package gitrepo_test

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/gitserver"
	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/gitrepo"
)

// newRepo makes a repository called "charts" holding test charts, as
// pairs of destination folder and testdata/charts folder, in one commit.
func newRepo(t *testing.T, charts ...string) (*gitserver.Root, *gitserver.Repo) {
	t.Helper()
	root := gitserver.NewRoot(t)
	repo := root.NewRepo(t, "charts")
	for i := 0; i+1 < len(charts); i += 2 {
		repo.CopyChart(t, testcharts.Path(t, charts[i+1]), charts[i])
	}
	repo.Commit(t, "first")
	return root, repo
}

func mustSync(t *testing.T, rs *gitrepo.Repos, src gitrepo.Source, prev *gitrepo.Snapshot) *gitrepo.Snapshot {
	t.Helper()
	snap, err := rs.Sync(context.Background(), src, prev)
	if err != nil {
		t.Fatalf("sync of %s: %v", src.URL, err)
	}
	return snap
}

// versions lists the versions of chart name in snap's index.
func versions(snap *gitrepo.Snapshot, name string) []string {
	ic, ok := snap.Index.Chart(name)
	if !ok {
		return nil
	}
	return ic.VersionStrings()
}

// failure is the *gitrepo.Error of a sync expected to fail.
func failure(g Gomega, err error) *gitrepo.Error {
	var e *gitrepo.Error
	g.Expect(errors.As(err, &e)).To(BeTrue(), "%v", err)
	return e
}
