package chartrepo

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestResolveVersion(t *testing.T) {
	versions := []string{"1.2.3", "1.2.4", "1.3.0", "2.0.0-beta.1", "v0.9.0", "not-semver"}
	cases := []struct {
		constraint, want, err string
	}{
		{"", "1.3.0", ""},
		{"1.2.3", "1.2.3", ""},
		{"~1.2", "1.2.4", ""},
		{">=1.2 <2", "1.3.0", ""},
		{"^1", "1.3.0", ""},
		{">=2.0.0-0", "2.0.0-beta.1", ""},
		{"2.0.0-beta.1", "2.0.0-beta.1", ""},
		{"<1", "v0.9.0", ""},
		{"~3", "", `no version satisfies "~3" among 6 versions`},
		{"not a constraint", "", `spec.version "not a constraint" is not a version or semver constraint`},
	}
	for _, tc := range cases {
		t.Run(tc.constraint, func(t *testing.T) {
			g := NewWithT(t)
			got, err := ResolveVersion(versions, tc.constraint)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
	_, err := ResolveVersion([]string{"1.0.0-rc.1"}, "")
	NewWithT(t).Expect(err).To(MatchError("no stable version among 1 versions"))
}
