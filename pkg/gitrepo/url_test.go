package gitrepo

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		url      string
		protocol Protocol
		user     string // of SSH URLs
		hostPort string // of SSH URLs
		err      string
	}{
		{url: "https://git.example/org/charts.git", protocol: HTTP},
		{url: "http://127.0.0.1:8080/charts", protocol: HTTP},
		{url: "https://user@git.example/charts.git", protocol: HTTP},
		{url: "ssh://git@git.example/org/charts.git", protocol: SSH, user: "git", hostPort: "git.example:22"},
		{url: "ssh://deploy@127.0.0.1:2222/charts", protocol: SSH, user: "deploy", hostPort: "127.0.0.1:2222"},
		{url: "ssh://git.example/charts", protocol: SSH, user: "git", hostPort: "git.example:22"},
		{url: "git@github.com:org/charts.git", protocol: SSH, user: "git", hostPort: "github.com:22"},
		{url: "ssh://git@[::1]:2222/charts", protocol: SSH, user: "git", hostPort: "[::1]:2222"},
		{url: "git://127.0.0.1:9418/charts", protocol: Git},
		{url: "file:///srv/git/charts", protocol: File},
		{url: "/srv/git/charts", err: "starts with https://"},
		{url: "charts", err: "starts with https://"},
		{url: "oci://registry.example/charts", err: "starts with https://"},
		{url: "ftp://git.example/charts", err: "starts with https://"},
		{url: "https://user:s3cret@git.example/charts.git", err: "holds a password"},
		{url: "file://host/srv/charts", err: "names a local path"},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			g := NewWithT(t)
			r, err := ParseURL(tc.url)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				g.Expect(err.Error()).To(HavePrefix("spec.url: "))
				g.Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
				g.Expect(err.(*Error).Reason).To(Equal(ReasonInvalidURL))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(r.Protocol).To(Equal(tc.protocol))
			if tc.protocol == SSH {
				g.Expect(r.sshUser()).To(Equal(tc.user))
				g.Expect(r.hostPort()).To(Equal(tc.hostPort))
			}
		})
	}
}
