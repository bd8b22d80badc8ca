#!/usr/bin/env bash
# Runs a throwaway ClamAV daemon (clamd) for magazin's tests.
#
#   scripts/clamd.sh start DIR   install clamav-daemon with apt-get if clamd is missing (root only),
#                                write a test signature database and clamd.conf into DIR, start clamd
#                                on the unix socket DIR/clamd.sock, wait until it answers PING,
#                                write DIR/env
#   scripts/clamd.sh stop DIR    stop the clamd started with DIR
#   scripts/clamd.sh status DIR  exit 0 when it runs
#
# No signature database is shipped with Debian's package and the update servers cannot be
# reached, so DIR gets its own: test.hdb (the MD5 and size of the EICAR test file) and test.ndb
# (the hex of the EICAR marker string). Neither file contains the EICAR string itself.
# clamd listens on DIR/clamd.sock only (no TCP). StreamMaxLength is 200M, and so is MaxFileSize
# (default 100M), so that every stream clamd accepts is scanned completely.
# DIR/env exports MAGAZIN_TEST_CLAMD=unix:DIR/clamd.sock; source it before `go test`.
# clamd's log is DIR/clamd.log.
set -euo pipefail

usage() { echo "usage: $0 start|stop|status DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

running() { [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; }

# find_clamd prints the path of clamd (Debian puts it in /usr/sbin, often not in a user's PATH).
find_clamd() {
	command -v clamd 2>/dev/null && return 0
	[ -x /usr/sbin/clamd ] && echo /usr/sbin/clamd && return 0
	return 1
}

install() {
	find_clamd >/dev/null && command -v clamdscan >/dev/null 2>&1 && return 0
	if [ "$(id -u)" != 0 ]; then
		find_clamd >/dev/null && return 0 # clamdscan is only a convenience for ping
		echo "clamd: clamd is not installed; as root: apt-get install -y clamav clamav-daemon clamdscan" >&2
		return 1
	fi
	echo "clamd: installing clamav-daemon" >&2
	apt-get update -qq >/dev/null
	# policy-rc.d exit 101: the package's own services (clamd, freshclam) are not started.
	local policy=/usr/sbin/policy-rc.d made_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav clamav-daemon clamdscan >/dev/null || {
		[ -n "$made_policy" ] && rm -f "$policy"
		return 1
	}
	[ -n "$made_policy" ] && rm -f "$policy"
	find_clamd >/dev/null
}

# ping: clamd answers PING on DIR/clamd.sock (clamdscan, else python3 or socat: bash itself
# cannot talk to a unix socket).
ping() {
	local sock=$dir/clamd.sock
	[ -S "$sock" ] || return 1
	if command -v clamdscan >/dev/null 2>&1; then
		clamdscan --config-file="$dir/clamd.conf" --ping 1 >/dev/null 2>&1
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.settimeout(1); s.connect(sys.argv[1]); s.sendall(b"zPING\0")
sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)' "$sock" 2>/dev/null
	elif command -v socat >/dev/null 2>&1; then
		[ "$(printf 'PING\n' | socat -t1 - "UNIX-CONNECT:$sock" 2>/dev/null)" = PONG ]
	else
		echo "clamd: cannot check the socket: install clamdscan" >&2
		return 1
	fi
}

start() {
	if running; then
		echo "clamd: already running (pid $(cat "$dir/pid")), env in $dir/env" >&2
		return 0
	fi
	install
	local clamd
	clamd=$(find_clamd)
	mkdir -p "$dir/db"
	# The test database, exactly as docs (shared deps.md) give it.
	echo '44d88612fea8a8f36de82e1278abb02f:68:Test.EICAR.MD5' >"$dir/db/test.hdb"
	echo 'Test.EICAR.NDB:0:*:45494341522d5354414e444152442d414e544956495255532d544553542d46494c45' >"$dir/db/test.ndb"
	cat >"$dir/clamd.conf" <<EOF
Foreground yes
DatabaseDirectory $dir/db
LocalSocket $dir/clamd.sock
User root
StreamMaxLength 200M
MaxFileSize 200M
TemporaryDirectory ${TMPDIR:-/tmp}
EOF
	rm -f "$dir/clamd.sock"
	setsid "$clamd" -c "$dir/clamd.conf" >>"$dir/clamd.log" 2>&1 </dev/null &
	local pid=$!
	for _ in $(seq 1 400); do
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		if ping; then
			echo "$pid" >"$dir/pid"
			echo "export MAGAZIN_TEST_CLAMD='unix:$dir/clamd.sock'" >"$dir/env"
			echo "clamd: running on $dir/clamd.sock (pid $pid); source $dir/env" >&2
			return 0
		fi
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	echo "clamd: did not start; see $dir/clamd.log:" >&2
	tail -n 20 "$dir/clamd.log" >&2 || true
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
	rm -f "$dir/pid" "$dir/env" "$dir/clamd.sock"
}

case $cmd in
start) start ;;
stop) stop ;;
status) running ;;
*) usage ;;
esac
