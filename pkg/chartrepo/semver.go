package chartrepo

import (
	"fmt"
	"sort"

	"github.com/Masterminds/semver/v3"
)

// ResolveVersion picks the highest of versions that satisfies constraint.
// An empty constraint means the latest stable version. Pre-releases match
// only a constraint that names one (Masterminds' rule, as Helm's). Versions
// that are not semver are ignored.
func ResolveVersion(versions []string, constraint string) (string, error) {
	c, err := parseConstraint(constraint)
	if err != nil {
		return "", err
	}
	var matching []*semver.Version
	byVersion := map[*semver.Version]string{}
	for _, raw := range versions {
		v, err := semver.NewVersion(raw)
		if err != nil || !c.Check(v) {
			continue
		}
		matching = append(matching, v)
		byVersion[v] = raw
	}
	if len(matching) == 0 {
		if constraint == "" {
			return "", fmt.Errorf("no stable version among %d versions", len(versions))
		}
		return "", fmt.Errorf("no version satisfies %q among %d versions", constraint, len(versions))
	}
	sort.Sort(sort.Reverse(semver.Collection(matching)))
	return byVersion[matching[0]], nil
}

func parseConstraint(constraint string) (*semver.Constraints, error) {
	if constraint == "" {
		constraint = "*"
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil, fmt.Errorf("spec.version %q is not a version or semver constraint: %w", constraint, err)
	}
	return c, nil
}
