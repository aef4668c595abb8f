package chartrepo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"helm.sh/helm/v3/pkg/chart"
	helmregistry "helm.sh/helm/v3/pkg/registry"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

const ociScheme = helmregistry.OCIScheme + "://"

// FetchOCI resolves constraint (an exact version, a semver range, or empty
// for the latest stable version) against the semver tags of repo, such as
// oci://registry.example/charts/app, and pulls that version with Helm's
// registry client. It speaks plain HTTP only if creds.PlainHTTP says so.
// Chart.Digest is the digest of the chart layer; a version whose layer is
// cached, in memory or on disk, costs a tag listing and a manifest fetch,
// not a download, and concurrent fetches of one layer share its download.
func (f *Fetcher) FetchOCI(ctx context.Context, repo, constraint string, creds Credentials) (*Chart, error) {
	ref, err := parseOCIRepo(repo)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	client, err := ociClient(ctx, ref.Registry, creds)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", repo, err)
	}
	defer client.Client.CloseIdleConnections()
	remoteRepo := &remote.Repository{Client: client, Reference: ref, PlainHTTP: creds.PlainHTTP}

	ref.Reference, err = resolveTag(ctx, remoteRepo, constraint)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", repo, err)
	}
	source := ociScheme + ref.String()
	manifest, layer, err := chartLayer(ctx, remoteRepo, ref.Reference)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if layer.Size > f.maxSize {
		return nil, tooLarge(source, f.maxSize)
	}
	digest := layer.Digest.String()
	if ch, ok := f.cachedChart(digest); ok {
		return newChart(ch, digest, source), nil
	}
	// Pulling the manifest the tag resolved to, rather than the tag, makes
	// what is pulled what was checked even if the tag moves meanwhile.
	ref.Reference = manifest.Digest.String()
	fl := flight{key: digest, identity: identityOf(ref.String(), creds, digest), what: "pulling " + source}
	ch, _, err := f.shared(ctx, fl, func(ctx context.Context) (*chart.Chart, string, error) {
		if ch, ok := f.local(digest, source); ok {
			return ch, digest, nil
		}
		ch, err := f.pullChart(ctx, ref, creds, digest, source)
		return ch, digest, err
	})
	if err != nil {
		return nil, err
	}
	return newChart(ch, digest, source), nil
}

// pullChart pulls the chart layer of the manifest ref names, whose digest
// the manifest gives, and loads it. It runs as a shared fetch, under a
// context of its own: a client made for the caller's would end when the
// caller gives up.
func (f *Fetcher) pullChart(ctx context.Context, ref registry.Reference, creds Credentials, digest, source string) (*chart.Chart, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	client, err := ociClient(ctx, ref.Registry, creds)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	defer client.Client.CloseIdleConnections()
	data, err := pull(client, ref, creds.PlainHTTP)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", source, err)
	}
	// The registry client checks the layer against its digest; a sha256 one
	// is checked here as well, since the bytes are kept under it on disk.
	if got := digestOf(data); strings.HasPrefix(digest, sha256Prefix) && got != digest {
		return nil, fmt.Errorf("pulling %s: digest mismatch: the manifest lists %s, the layer is %s", source, digest, got)
	}
	return f.store(data, digest, source)
}

// parseOCIRepo parses oci://host[:port]/path/chart, which must not name a
// version: that is the constraint's job.
func parseOCIRepo(repo string) (registry.Reference, error) {
	rest, ok := strings.CutPrefix(repo, ociScheme)
	if !ok {
		return registry.Reference{}, fmt.Errorf("OCI repository %q does not start with %s", repo, ociScheme)
	}
	ref, err := registry.ParseReference(rest)
	if err != nil {
		return registry.Reference{}, fmt.Errorf("OCI repository %q is not valid: %w", repo, err)
	}
	if ref.Reference != "" {
		return registry.Reference{}, fmt.Errorf("OCI repository %q names a tag or digest; give the version as the chart version instead", repo)
	}
	return ref, nil
}

// ociClient is an ORAS auth client that presents creds to registry (only),
// speaks TLS as creds say, and sends every request under ctx.
func ociClient(ctx context.Context, registry string, creds Credentials) (*auth.Client, error) {
	t, err := creds.transport()
	if err != nil {
		return nil, err
	}
	return &auth.Client{
		Client: &http.Client{Transport: contextTransport{ctx: ctx, next: t}},
		Credential: auth.StaticCredential(registry, auth.Credential{
			Username:    creds.Username,
			Password:    creds.Password,
			AccessToken: creds.Token,
		}),
		// Remembering the auth scheme spares a 401 round trip on every request after the first.
		Cache: auth.NewCache(),
	}, nil
}

// contextTransport sends every request under ctx. Helm's registry client
// makes its requests with context.Background(); this is how the caller's
// cancellation and the Fetcher's timeout reach them.
type contextTransport struct {
	ctx  context.Context
	next *http.Transport
}

func (t contextTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req.WithContext(t.ctx))
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (t contextTransport) CloseIdleConnections() { t.next.CloseIdleConnections() }

// resolveTag returns the tag of the highest version satisfying constraint;
// ResolveVersion ignores tags that are not semver. Helm pushes a version's
// "+" as "_", which tags cannot hold, so "_" is read back as "+".
func resolveTag(ctx context.Context, repo *remote.Repository, constraint string) (string, error) {
	tagOf := map[string]string{}
	var versions []string
	err := repo.Tags(ctx, "", func(tags []string) error {
		for _, tag := range tags {
			v := strings.ReplaceAll(tag, "_", "+")
			tagOf[v] = tag
			versions = append(versions, v)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("listing tags: %w", err)
	}
	v, err := ResolveVersion(versions, constraint)
	if err != nil {
		return "", err
	}
	return tagOf[v], nil
}

// chartLayer fetches the manifest tag points to and returns its descriptor
// and that of its chart layer, so that the layer's size and digest are known
// before anything large is downloaded.
func chartLayer(ctx context.Context, repo *remote.Repository, tag string) (manifest, layer ocispec.Descriptor, err error) {
	manifest, rc, err := repo.FetchReference(ctx, tag)
	if err != nil {
		return manifest, layer, fmt.Errorf("fetching manifest: %w", err)
	}
	defer rc.Close()
	data, err := content.ReadAll(rc, manifest)
	if err != nil {
		return manifest, layer, fmt.Errorf("reading manifest: %w", err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return manifest, layer, fmt.Errorf("decoding manifest: %w", err)
	}
	for _, l := range m.Layers {
		if l.MediaType == helmregistry.ChartLayerMediaType || l.MediaType == helmregistry.LegacyChartLayerMediaType {
			return manifest, l, nil
		}
	}
	return manifest, layer, fmt.Errorf("not a Helm chart: no layer of type %s", helmregistry.ChartLayerMediaType)
}

// pull downloads the chart archive ref points to with Helm's registry
// client. Given client, it authenticates with creds alone, never with Helm's
// or Docker's credential files, and never falls back to plain HTTP on its
// own, as Helm's default transport would.
func pull(client *auth.Client, ref registry.Reference, plainHTTP bool) ([]byte, error) {
	opts := []helmregistry.ClientOption{
		helmregistry.ClientOptAuthorizer(*client),
		helmregistry.ClientOptHTTPClient(client.Client),
	}
	if plainHTTP {
		opts = append(opts, helmregistry.ClientOptPlainHTTP())
	}
	c, err := helmregistry.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating registry client: %w", err)
	}
	res, err := c.Pull(ref.String(), helmregistry.PullOptWithChart(true))
	if err != nil {
		return nil, err
	}
	return res.Chart.Data, nil
}
