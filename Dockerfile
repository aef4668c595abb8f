# Captain's controller manager: a static binary on distroless, as a non-root
# user. Build from the repository root:
#   docker build -t <registry>/captain:<tag> .
# and set the image in config/manager (kustomize edit set image) or with
# helm install --set image.repository=...,image.tag=...

FROM golang:1.26 AS builder
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/
COPY pkg/ pkg/
ARG TARGETOS=linux
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags "-s -w" -o /captain ./cmd/captain

FROM gcr.io/distroless/static:nonroot
COPY --from=builder /captain /captain
USER 65532:65532
ENTRYPOINT ["/captain"]
