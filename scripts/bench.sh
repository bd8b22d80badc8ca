#!/usr/bin/env bash
# make bench: runs the benchmarks (each with its baseline in the same run
# where there is one) and writes docs/benchmarks.md.
#   BENCH_COUNT (3), BENCH_TIME (5x) for ingest; MAGAZIN_BENCH_LARGE=1 adds
#   the 2.5-million-unit search runs (slow: hours).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count=${BENCH_COUNT:-3}
go test -run '^$' -bench . -benchtime "${BENCH_TIME:-5x}" -count "$count" ./ingest ./ingest/identify | tee "$work/ingest"
go test -run '^$' -bench . -benchtime 1x -timeout 3h ./access/search | tee "$work/search"
{ go test -run '^$' -bench . -benchtime 3x ./access/oai ./profiles/ead; go test -run '^$' -bench ImportEAD -benchtime 1x ./cmd/magazin; } 2>/dev/null | tee "$work/other" || true
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(go version | cut -d' ' -f3)); noisy shared machine."
	echo
	echo "## Ingest"
	echo
	echo "Ingest is measured against its physical floor in the same run: \`BenchmarkBaseline\` reads each file once"
	echo "computing SHA-512, writes it durably (fsync) and reads it back hashing again — the least a safe ingest must do."
	echo "Ingest also identifies formats, applies the format policy, validates PDF/images/XML/containers, builds"
	echo "METS/PREMIS/OCFL inventories, writes crash-safely and commits the catalog."
	echo
	echo "| shape | ingest MB/s | baseline MB/s | ingest / baseline |"
	echo "|---|---|---|---|"
	awk '
		/^BenchmarkIngest\// { split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]); ing[a[2]] += $(NF-1); n[a[2]]++ }
		/^BenchmarkBaseline\// { split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]); base[a[2]] += $(NF-1); m[a[2]]++ }
		END { for (s in ing) if (m[s] > 0) printf "| %s | %.1f | %.1f | %.0f %% |\n", s, ing[s]/n[s], base[s]/m[s], 100*(ing[s]/n[s])/(base[s]/m[s]) }
	' "$work/ingest" | sort
	echo
	echo "## Finding-aid search (bleve, on disk)"
	echo
	echo "Synthetic units with German titles; 100,000 here. The 2.5-million-unit figures are in docs/benchmarks-search.md."
	echo
	echo '```'
	grep -E '^Benchmark' "$work/search" || true
	echo '```'
	echo
	echo "## OAI-PMH harvest and EAD import"
	echo
	echo '```'
	grep -E '^Benchmark' "$work/other" || true
	echo '```'
	echo
	echo "## Raw ingest output"
	echo
	echo '```'
	grep -E '^(Benchmark|goos|goarch|pkg|cpu)' "$work/ingest"
	echo '```'
} > docs/benchmarks.md
echo "bench: wrote docs/benchmarks.md" >&2
