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

fuzz:
	./scripts/fuzz.sh 30s

soak:
	./scripts/fuzz.sh 5m

clean:
	rm -rf bin

tidy:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
