# auth0-deploy: developer entry points. `make demo` and `make test` are the two
# set-up commands the README starts with; both work on a fresh machine with Go.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell cat VERSION 2>/dev/null || echo 0.0.0-dev)
BIN := bin/auth0-deploy
LDFLAGS := -s -w -X bitbucket.org/auth0-deploy/auth0-deploy/internal/version.Version=$(VERSION)
export CGO_ENABLED ?= 0

.PHONY: build test vet fuzz demo bench clean sim

build: ## static pipe binary in bin/
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./pipe

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

test: vet ## vet, every test with the race detector, short fuzz runs
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz

FUZZTIME ?= 5s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

demo: build ## run the pipe on the bundled example against the local Auth0 stand-in
	./test/demo.sh

bench: build ## benchmark scenarios against the stand-in (see README "Performance")
	$(GO) run ./test/cmd/bench

sim: ## run the Auth0 stand-in on a random port
	$(GO) run ./test/cmd/auth0sim

clean:
	rm -rf bin auth0-deploy-report
