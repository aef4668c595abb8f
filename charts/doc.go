// Package charts holds Captain's own Helm chart (charts/captain) and the
// tests that keep it equal to the kustomize bases in config/: the same
// CRDs, RBAC rules, admission policy and Deployment, so that installing
// with `helm install` or `kubectl apply -k` gives the same Captain.
package charts
