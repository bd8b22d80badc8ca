#!/usr/bin/env bash
# The long runs (make soak): the daemon killed 50 times while it ingests,
# the bit-rot campaign with 1,000 damaged objects across fs and S3 replicas,
# the large leak-hunt crawl, then every fuzz target for FUZZTIME. Starts its
# own S3 server like scripts/test.sh; see docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${CRASH_ROUNDS:-50}
fuzztime=${FUZZTIME:-5m}

dir=$(mktemp -d "${TMPDIR:-/tmp}/magazin-soak.XXXXXX")
trap 'scripts/s3server.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
scripts/s3server.sh start "$dir"
# shellcheck disable=SC1091
source "$dir/env"

echo "== crash: $rounds kills" >&2
MAGAZIN_CRASH_ROUNDS=$rounds go test -race -count=1 -timeout 90m -run 'TestCrashKillRestart' -v ./cmd/magazin/
echo "== bit rot: 1,000 damaged objects" >&2
MAGAZIN_SOAK=1 go test -count=1 -timeout 60m -run 'TestBitRotCampaign' -v ./preservation/fixity/
echo "== leak hunt: the large crawl" >&2
MAGAZIN_SOAK=1 go test -race -count=1 -timeout 30m -run 'TestLeakHunt' -v ./cmd/magazin/
echo "== fuzz: $fuzztime per target" >&2
./scripts/fuzz.sh "$fuzztime"
