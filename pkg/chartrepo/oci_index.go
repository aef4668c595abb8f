package chartrepo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
)

// ListOCI builds an index of the charts under repoURL, such as
// oci://registry.example/charts: every repository directly below that path
// (from the registry's catalog) is a chart, and its semver tags are its
// versions. OCI registries have no index file; this is the closest thing,
// and it lets ChartRepos of both kinds resolve and list charts alike.
func (f *Fetcher) ListOCI(ctx context.Context, repoURL string, creds Credentials) (*Index, error) {
	rest, ok := strings.CutPrefix(repoURL, ociScheme)
	if !ok {
		return nil, fmt.Errorf("OCI repository %q does not start with %s", repoURL, ociScheme)
	}
	host, path, _ := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	client, err := ociClient(ctx, host, creds)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", repoURL, err)
	}
	defer client.Client.CloseIdleConnections()
	reg, err := remote.NewRegistry(host)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", repoURL, err)
	}
	reg.Client, reg.PlainHTTP = client, creds.PlainHTTP

	names, err := chartRepositories(ctx, reg, path)
	if err != nil {
		return nil, fmt.Errorf("%s: listing the registry's repositories (catalog API): %w", repoURL, err)
	}
	ix := &Index{}
	for _, name := range names {
		repo, err := reg.Repository(ctx, strings.TrimPrefix(path+"/"+name, "/"))
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", repoURL, name, err)
		}
		versions, err := semverTags(ctx, repo)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: listing tags: %w", repoURL, name, err)
		}
		c := IndexChart{Name: name}
		for _, v := range versions {
			c.Versions = append(c.Versions, ChartVersion{
				Version: v,
				URLs:    []string{repoURL + "/" + name + ":" + strings.ReplaceAll(v, "+", "_")},
			})
		}
		ix.Charts = append(ix.Charts, c)
	}
	ix.Digest = listingDigest(ix)
	return ix, nil
}

// chartRepositories are the names of the repositories directly below path.
func chartRepositories(ctx context.Context, reg *remote.Registry, path string) ([]string, error) {
	prefix := ""
	if path != "" {
		prefix = path + "/"
	}
	var names []string
	err := reg.Repositories(ctx, "", func(repos []string) error {
		for _, r := range repos {
			name, ok := strings.CutPrefix(r, prefix)
			if ok && name != "" && !strings.Contains(name, "/") {
				names = append(names, name)
			}
		}
		return nil
	})
	sort.Strings(names)
	return names, err
}

// semverTags lists a repository's versions, newest first. Helm pushes a
// version's "+" as "_", which tags cannot hold.
func semverTags(ctx context.Context, repo registry.Repository) ([]string, error) {
	var versions []*semver.Version
	err := repo.Tags(ctx, "", func(tags []string) error {
		for _, tag := range tags {
			if v, err := semver.NewVersion(strings.ReplaceAll(tag, "_", "+")); err == nil {
				versions = append(versions, v)
			}
		}
		return nil
	})
	sort.Sort(sort.Reverse(semver.Collection(versions)))
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = v.Original()
	}
	return out, err
}

// listingDigest identifies a listing, so an unchanged registry is seen as
// an unchanged index.
func listingDigest(ix *Index) string {
	h := sha256.New()
	for _, c := range ix.Charts {
		for _, v := range c.Versions {
			fmt.Fprintf(h, "%s\t%s\n", c.Name, v.Version)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
