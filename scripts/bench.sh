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
go run ./internal/tools/bench -out docs/benchmarks.md -runs "${BENCH_RUNS:-2}" -src "${BENCH_SRC:-.}" "$@"

# The OAI-PMH harvest of 10,000 units and the EAD(DDB) import of a generated
# Findbuch of 100,000 units (issue 7 asks for >= 5,000 units/s), appended.
other=$(mktemp)
trap 'rm -f "$other"' EXIT
{ go test -run '^$' -bench . -benchtime 3x ./access/oai; go test -run '^$' -bench ImportEAD -benchtime 1x ./cmd/magazin; } >"$other" 2>/dev/null || true
{
	echo
	echo "## OAI-PMH harvest and EAD import"
	echo
	echo "Go benchmarks in the same run: access/oai BenchmarkHarvest (ListRecords over 10,000 units) and"
	echo "cmd/magazin BenchmarkImportEAD (a generated EAD(DDB) Findbuch of 100,000 units into an archive on disk;"
	echo "\"journal\" without, \"indexed\" with the search index kept up to date as \`magazin import ead\` does; goal of"
	echo "issue 7: 5,000 units/s)."
	echo
	echo '```'
	grep -E '^Benchmark' "$other" || echo "(the benchmarks did not run)"
	echo '```'
} >>docs/benchmarks.md
