# auth0-deploy: developer entry points. `make demo` and `make test` are the two
# set-up commands the README starts with; both work on a fresh machine with Go.
SHELL := /bin/bash
GO ?= go
# The pipe's version: the image tag in pipe.yml, which the release pipe rewrites
# (semversioner's .changes/ is the source; test/packaging keeps them in step).
VERSION ?= $(or $(shell sed -n 's/^image: [^:]*:\([0-9][^ ]*\)$$/\1/p' pipe.yml 2>/dev/null),0.0.0-dev)
BIN := bin/auth0-deploy
LDFLAGS := -s -w -X bitbucket.org/auth0-deploy/auth0-deploy/internal/version.Version=$(VERSION)
export CGO_ENABLED ?= 0

.PHONY: build test vet fuzz demo bench clean sim version changelog image lint

build: ## static pipe binary in bin/
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./pipe

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

# The race detector needs cgo, hence a C compiler; without one the tests run
# without it, and say so.
RACE := $(shell command -v $${CC:-gcc} >/dev/null 2>&1 && echo yes)

test: vet ## vet, every test with the race detector (when a C compiler is there), short fuzz runs
ifeq ($(RACE),yes)
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...
else
	@echo "no C compiler ($${CC:-gcc}): running the tests without the race detector (apt-get install gcc to enable it)"
	$(GO) test -count=1 ./...
endif
	$(MAKE) --no-print-directory fuzz

FUZZTIME ?= 5s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

demo: build ## run the pipe on the bundled example against the local Auth0, Code Insights and Slack stand-ins
	$(GO) run ./test/cmd/demo -bin $(BIN)

bench: build ## benchmark scenarios against the stand-in (see README "Performance")
	$(GO) run ./test/cmd/bench

sim: ## run the Auth0 stand-in on a random port
	$(GO) run ./test/cmd/auth0sim

clean:
	rm -rf bin auth0-deploy-report

version: ## print the version `make build` stamps
	@echo $(VERSION)

changelog: ## regenerate CHANGELOG.md from .changes/ (what semversioner writes)
	$(GO) test ./test/packaging -run '^TestChangelogIsGeneratedFromChanges$$' -count=1 -update

IMAGE ?= auth0deploy/auth0-deploy
image: ## build the pipe image (needs a Docker engine)
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) .
	@size=$$(docker image inspect -f '{{.Size}}' $(IMAGE):$(VERSION)); \
	  echo "$(IMAGE):$(VERSION): $$size bytes"; \
	  if [ "$$size" -ge 20000000 ]; then echo "the image must stay under 20 MB"; exit 1; fi

HADOLINT_IMAGE ?= hadolint/hadolint:v2.12.0-debian
lint: vet ## vet, gofmt, and hadolint on the Dockerfile (local hadolint, else its image)
	@if command -v hadolint >/dev/null; then hadolint Dockerfile; \
	  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then docker run --rm -i $(HADOLINT_IMAGE) hadolint - < Dockerfile; \
	  else echo "hadolint: not installed and no Docker engine; the pipe's own pipeline runs it"; fi
