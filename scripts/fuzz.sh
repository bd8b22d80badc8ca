#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, for the given
# time each (default 10m): scripts/fuzz.sh [FUZZTIME] [TARGET-REGEXP].
# One worker per target (FUZZPARALLEL, default 1) so that a shared machine
# stays usable. Prints one summary line per target (time, execs, result) and
# keeps the full logs in FUZZLOG (default /tmp/magazin-fuzz). A crasher is
# written by go test to the package's testdata/fuzz/<Target>/ and from then
# on runs as a regression test in `make test`; the script exits 1.
set -uo pipefail
cd "$(dirname "$0")/.."
t="${1:-10m}"
only="${2:-.}"
par="${FUZZPARALLEL:-1}"
logs="${FUZZLOG:-/tmp/magazin-fuzz}"
mkdir -p "$logs"
fail=0
# Targets are found in the sources: `go test -list` would run each
# package's TestMain (cmd/magazin builds the binary there).
while IFS=: read -r file target; do
  pkg="$(dirname "$file")"
  [[ "$target" =~ $only || "$pkg" =~ $only ]] || continue
  log="$logs/$(echo "${pkg#./}" | tr / _)_${target}.log"
  start=$(date +%s)
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" -parallel "$par" "$pkg" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  res=ok
  if [ $rc -ne 0 ]; then res="FAIL (see $log)"; fail=1; fi
  printf '%-34s %-24s %5ss %12s execs  %s\n' "${pkg#./}" "$target" "$secs" "${execs:-0}" "$res"
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's/func //' | sort)
exit $fail
