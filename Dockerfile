# The Auth0 Deploy pipe image: one static Go binary, the CA bundle it needs
# for HTTPS to Auth0, Slack and Bitbucket, and the pipe's metadata.
#
# Build:  make image        (docker build -t auth0deploy/auth0-deploy:<version> .)
# Lint:   make lint         (hadolint)
# The test in test/packaging builds the binary exactly as below and runs it
# in an otherwise empty root folder, so that what this file promises is
# checked on every `make test`, also where there is no Docker engine.

# Build stage. The Go version must be at least go.mod's (a test checks it).
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first: a source change then reuses the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The version stamped into the binary. By default it is the image tag in
# pipe.yml, which the release pipe rewrites before it builds, so that
# `auth0-deploy --version`, the image tag and pipe.yml always agree.
# Pass --build-arg VERSION=... for development builds.
ARG VERSION=""
# Same flags as `make build`: static (CGO off), trimmed paths, no symbol
# table, version stamped. The last command proves the binary runs.
RUN version="${VERSION:-$(sed -n 's/^image: [^:]*:\([0-9][^ ]*\)$/\1/p' pipe.yml)}" \
 && test -n "${version}" \
 && CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X bitbucket.org/auth0-deploy/auth0-deploy/internal/version.Version=${version}" \
      -o /out/auth0-deploy ./pipe \
 && /out/auth0-deploy --version

# Runtime stage: nothing but the binary, the CA bundle and the metadata
# (Bitbucket reads /pipe.yml and /README.md from pipe images).
#
# No USER: pipes run as root by convention. Pipelines mounts the clone
# directory owned by root, and the pipe writes its reports (REPORT_DIR) into
# it so that the step can keep them as artifacts; a non-root user could not.
# The image has no shell and no other program, so root in it can run
# nothing but the pipe.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/auth0-deploy /auth0-deploy
COPY pipe.yml README.md /
ENTRYPOINT ["/auth0-deploy"]
