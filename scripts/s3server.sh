#!/usr/bin/env bash
# Runs a throwaway versitygw S3 server for magazin's tests.
#
#   scripts/s3server.sh start DIR [PORT]  install versitygw into .tools if missing, start it on
#                                         a free loopback port (or on PORT) with data in DIR,
#                                         write DIR/env
#   scripts/s3server.sh stop DIR          stop the server started with DIR (the data stays)
#   scripts/s3server.sh status DIR        exit 0 when it runs
#
# DIR/env holds export lines for MAGAZIN_TEST_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
# AWS_REGION; source it before `go test`. The server keeps versions (--versioning-dir), so
# buckets with object lock work. Its log is DIR/versitygw.log. The credentials are made on the
# first start and kept in DIR/credentials, so a server stopped and started again on the same
# DIR and PORT is the same S3 service to its clients (tests of outages use that).
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=$repo/.tools
bin=$tools/versitygw

usage() { echo "usage: $0 start DIR [PORT] | stop DIR | status DIR" >&2; exit 2; }
[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = start ]; } || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
fixed_port=${3:-}
case $fixed_port in
'' | *[!0-9]*) [ -z "$fixed_port" ] || usage ;;
esac

running() { [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; }

# port_free PORT: nothing accepts connections on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install() {
	[ -x "$bin" ] && return 0
	echo "s3server: installing versitygw $VERSITYGW_VERSION into $tools (about a minute)" >&2
	mkdir -p "$tools"
	GOBIN=$tools go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
}

start() {
	if running; then
		echo "s3server: already running (pid $(cat "$dir/pid")), env in $dir/env" >&2
		return 0
	fi
	install
	mkdir -p "$dir/data" "$dir/versions"
	local access=magazintest secret
	if [ -s "$dir/credentials" ]; then
		secret=$(cat "$dir/credentials")
	else
		secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
		(umask 077 && echo "$secret" >"$dir/credentials")
	fi
	local tries=20
	[ -z "$fixed_port" ] || tries=3
	for _ in $(seq 1 "$tries"); do
		local port=$((20000 + RANDOM % 40000))
		if [ -n "$fixed_port" ]; then
			port=$fixed_port
			# A server just stopped may hold the port for a moment.
			for _ in $(seq 1 100); do
				port_free "$port" && break
				sleep 0.05
			done
		fi
		port_free "$port" || continue
		ROOT_ACCESS_KEY=$access ROOT_SECRET_KEY=$secret \
			setsid "$bin" --port "127.0.0.1:$port" --quiet \
			posix --versioning-dir "$dir/versions" "$dir/data" \
			>>"$dir/versitygw.log" 2>&1 </dev/null &
		local pid=$!
		for _ in $(seq 1 200); do
			if ! kill -0 "$pid" 2>/dev/null; then
				break # exited, e.g. the port was taken meanwhile: try another
			fi
			if ! port_free "$port"; then
				echo "$pid" >"$dir/pid"
				cat >"$dir/env" <<EOF
export MAGAZIN_TEST_S3='s3://magazin-test?endpoint=127.0.0.1:$port&tls=false&region=us-east-1'
export AWS_ACCESS_KEY_ID='$access'
export AWS_SECRET_ACCESS_KEY='$secret'
export AWS_REGION='us-east-1'
EOF
				echo "s3server: versitygw running on 127.0.0.1:$port (pid $pid); source $dir/env" >&2
				return 0
			fi
			sleep 0.05
		done
		kill "$pid" 2>/dev/null || true
	done
	echo "s3server: versitygw did not start; see $dir/versitygw.log" >&2
	return 1
}

stop() {
	if running; then
		local pid
		pid=$(cat "$dir/pid")
		kill "$pid"
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
	fi
	rm -f "$dir/pid" "$dir/env"
}

case $cmd in
start) start ;;
stop) stop ;;
status) running ;;
*) usage ;;
esac
