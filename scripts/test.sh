#!/usr/bin/env bash
# The one test command (make test, .ci/run): installs what the tests need,
# starts a real S3 server and clamd, runs lint and the whole suite with
# -race, stops them again.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

need_apt=()
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
# the tools of the default migration actions (ingest/migrate, magazin migrate)
command -v gs >/dev/null 2>&1 || need_apt+=(ghostscript)
convert -version 2>/dev/null | grep ImageMagick >/dev/null || need_apt+=(imagemagick)
# headless Chromium for the reading room's browser tests (access/web)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "test: installing ${need_apt[*]}" >&2
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
	else
		echo "test: please install ${need_apt[*]} (needs root)" >&2
	fi
fi

s3dir=$(mktemp -d "${TMPDIR:-/tmp}/magazin-s3.XXXXXX")
cleanup() {
	scripts/s3server.sh stop "$s3dir" >/dev/null 2>&1 || true
	scripts/clamd.sh stop "$s3dir/clamd" >/dev/null 2>&1 || true
	rm -rf "$s3dir"
}
trap cleanup EXIT
scripts/s3server.sh start "$s3dir"
scripts/clamd.sh start "$s3dir/clamd" # virus scanner with a local EICAR database
# shellcheck disable=SC1091
source "$s3dir/env"
# shellcheck disable=SC1091
source "$s3dir/clamd/env"

echo "== lint" >&2
make --no-print-directory lint

fuzzstatus=0
# A short fuzz pass: every fuzz target for a fixed number of inputs (a count,
# not a duration: go test -fuzztime with a short duration can end in a
# spurious "context deadline exceeded"). `make fuzz` runs them for minutes.
echo "== fuzz: ${MAGAZIN_FUZZ_EXECS:-2000} inputs per target" >&2
FUZZLOG="$s3dir/fuzz" scripts/fuzz.sh "${MAGAZIN_FUZZ_EXECS:-2000}x" >&2 || fuzzstatus=1

echo "== go test -race ./..." >&2
go build -o "$s3dir/testsum" ./internal/tools/testsum
set +e
go test -race -count=1 -timeout 25m -json ./... 2>&1 | "$s3dir/testsum"
codes=("${PIPESTATUS[@]}")
status=0
[ "${codes[0]}" = 0 ] && [ "${codes[1]}" = 0 ] || status=1
[ "$fuzzstatus" = 0 ] || { echo "test: the short fuzz pass failed (see its lines above)" >&2; status=1; }
set -e

exit "$status"
