# Captain's entry points. `make test` is what CI runs.
SHELL := /usr/bin/env bash
GO ?= go
BIN := $(CURDIR)/bin
TESTBIN := $(BIN)/k8s
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
CONTROLLER_GEN := $(GO) tool controller-gen

export KUBEBUILDER_ASSETS := $(TESTBIN)

.PHONY: all build testbin test bench fuzz lint generate manifests demo clean

all: build

## build: bin/captain and bin/kubectl-captain
build:
	$(GO) build -o $(BIN)/captain ./cmd/captain
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN)/kubectl-captain ./cmd/kubectl-captain

## testbin: kube-apiserver, etcd and kube-controller-manager for the tests, built from the Go module proxy
testbin:
	@hack/testbin/build.sh $(TESTBIN)

## test: every unit and integration test, against a real control plane, with the race detector
test: testbin
	$(GO) test -race -count=1 -timeout 25m ./...

# Benchmarks run no tests (-run '^$$'); each line picks its benchmarks and a
# -benchtime that suits them, so the slow ones run a fixed number of times.
BENCH := $(GO) test -run '^$$' -timeout 20m

## bench: reconcile-cost benchmarks against a real control plane (docs/benchmarks.md), then the scale
## benchmarks of hack/bench — Captain vs the Helm SDK vs the helm CLI, growth, idle at 1000
## (docs/benchmarks-scale.md); not part of test
bench: testbin
	$(BENCH) -bench '^BenchmarkInstall50$$' -benchtime 3x ./internal/controller/helmrequest/
	$(BENCH) -bench '^BenchmarkNoopReconcile$$' -benchtime 3s ./internal/controller/helmrequest/
	$(BENCH) -bench '^BenchmarkDriftCheck$$' -benchtime 40x ./internal/controller/helmrequest/
	$(BENCH) -bench '^BenchmarkIndex$$' -benchtime 3x ./pkg/chartrepo/
	$(BENCH) -bench '^Benchmark(Diff|Drift)300$$' ./pkg/diff/
	$(GO) run ./hack/bench -sizes 100,300 -growth 100,200,500,1000 -idle 1000 -out docs/benchmarks-scale.md

# Fuzz targets run one at a time (go test -fuzz takes one); FUZZTIME each.
FUZZTIME ?= 10s
FUZZ := $(GO) test -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s -parallel 2

## fuzz: every fuzz target for FUZZTIME (10s) each; crashers land in testdata/fuzz (docs/reliability.md)
fuzz:
	$(FUZZ) -fuzz '^FuzzMerge$$' ./internal/values/
	$(FUZZ) -fuzz '^FuzzParseIndex$$' ./pkg/chartrepo/
	$(FUZZ) -fuzz '^FuzzManifestRefs$$' ./pkg/release/
	$(FUZZ) -fuzz '^FuzzDrift$$' ./pkg/diff/
	$(FUZZ) -fuzz '^FuzzConvert$$' ./internal/migrate/

## lint: formatting and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## generate: deepcopy code for the API types
generate:
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

## manifests: CRDs from the API types
manifests:
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	cp config/crd/bases/*.yaml charts/captain/crds/

## demo: run Captain end to end on a local control plane until Ctrl-C (DEMO_EXIT=1: exit once all is Ready)
demo: testbin
	$(GO) run ./hack/demo

clean:
	rm -rf $(BIN)/captain $(BIN)/kubectl-captain
