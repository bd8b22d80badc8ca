#!/usr/bin/env bash
# make bench: generates its data (fixed seed), measures a baseline and
# magazin in the same run and writes docs/benchmarks.md with the goals of
# issue 11 marked met or missed (internal/tools/bench).
#   BENCH_FULL=1   also index 2,500,000 finding-aid units (about an hour)
#   BENCH_RUNS=N   runs of each timed ingest and audit step, best counts (2)
#   BENCH_SRC=DIR  build the magazin binary from another source tree (e.g. a
#                  worktree of main) to compare with the same data
# The Go benchmarks (go test -bench) of ingest, identify, access/search,
# access/oai and profiles/ead stay available for profiling single parts.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./internal/tools/bench -out docs/benchmarks.md -runs "${BENCH_RUNS:-2}" -src "${BENCH_SRC:-.}" "$@"
