# magazin — build, test, run. `make test` is the one test command (README, .ci/run).
GO       ?= go
BIN      := bin/magazin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
DATA     ?= ./magazin-data
ADDR     ?= 127.0.0.1:8080

.PHONY: all build test test-short run bench lint fmt vet imports tidy soak fuzz clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/magazin

# Installs what the tests need (S3 server, xmllint, Chromium), starts and stops the
# S3 server, runs lint and the whole suite with the race detector.
test:
	./scripts/test.sh

# Unit tests only, no services, no race detector.
test-short:
	$(GO) test -short ./...

# Build, ingest the sample transfer, serve it.
run: build
	$(BIN) --data $(DATA) ingest --profile folder testdata/sample-transfer
	@echo "magazin: open http://$(ADDR)/"
	$(BIN) --data $(DATA) serve --addr $(ADDR)

bench:
	./scripts/bench.sh

lint: fmt vet imports tidy

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

imports:
	$(GO) test -count=1 -run 'TestImportDirection|TestCheckImportRules' .

# Every fuzz target in turn, FUZZTIME each (one worker; a crasher lands in
# the package's testdata/fuzz/ and fails the run). The seed corpora run as
# ordinary tests in `make test`.
FUZZTIME ?= 10m
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# The long runs (scripts/soak.sh, docs/reliability.md): the daemon killed
# with SIGKILL 50 times while it ingests (`make test` runs 5 kills), the
# bit-rot campaign with 1,000 damaged objects, the large leak-hunt crawl,
# then every fuzz target for 5 minutes.
CRASH_ROUNDS ?= 50
soak:
	CRASH_ROUNDS=$(CRASH_ROUNDS) FUZZTIME=5m ./scripts/soak.sh

clean:
	rm -rf bin

tidy:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
