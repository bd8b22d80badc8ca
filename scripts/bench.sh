#!/usr/bin/env bash
# make bench: runs the benchmarks with their baselines in the same run and
# writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
count=${BENCH_COUNT:-3}
go test -run '^$' -bench . -benchtime "${BENCH_TIME:-5x}" -count "$count" ./ingest ./ingest/identify | tee "$out"
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(go version | cut -d' ' -f3)); noisy shared machine."
	echo
	echo "Ingest is measured against its physical floor in the same run: \`BenchmarkBaseline\` reads each file once"
	echo "computing SHA-512, writes it durably (fsync) and reads it back hashing again — the least a safe ingest must do."
	echo "Ingest also identifies formats, builds METS/PREMIS/OCFL inventories, writes crash-safely and commits the catalog."
	echo
	echo "| shape | ingest MB/s | baseline MB/s | ingest / baseline |"
	echo "|---|---|---|---|"
	awk '
		/^BenchmarkIngest\// { split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]); ing[a[2]] += $(NF-1); n[a[2]]++ }
		/^BenchmarkBaseline\// { split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]); base[a[2]] += $(NF-1); m[a[2]]++ }
		END { for (s in ing) if (m[s] > 0) printf "| %s | %.1f | %.1f | %.0f %% |\n", s, ing[s]/n[s], base[s]/m[s], 100*(ing[s]/n[s])/(base[s]/m[s]) }
	' "$out" | sort
	echo
	echo "Raw output:"
	echo
	echo '```'
	grep -E '^(Benchmark|goos|goarch|pkg|cpu)' "$out"
	echo '```'
} > docs/benchmarks.md
rm -f "$out"
echo "bench: wrote docs/benchmarks.md" >&2
