#!/usr/bin/env bash
# The redirect benchmark: `GET /r/{slug}` of one dynamic link, flat out with wrk, on a fresh
# `qrsmith serve` (embedded SQLite store in a temporary directory). Prints requests/s, p50 and
# p99, then stops the server with SIGTERM (its last flush) and checks that the link's stored
# scans equal the requests wrk sent: no scan lost or counted twice. Exit 1 when they differ.
#
#   bench/links.sh [seconds=10] [connections=32]
#
# Uses target/release/qrsmith (cargo build --release -p qrsmith) or $QRSMITH; needs wrk and curl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-10}
connections=${2:-32}
bin=${QRSMITH:-$here/../target/release/qrsmith}
[ -x "$bin" ] || { echo "links bench: build first: cargo build --release -p qrsmith" >&2; exit 2; }
command -v wrk >/dev/null || { echo "links bench: needs wrk (Debian package wrk)" >&2; exit 2; }
data=$(mktemp -d)
log=$data/serve.log
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
QRSMITH_DRAIN_DELAY_MS=0 "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" \
  --log warn 2>"$log" &
pid=$!
for _ in $(seq 100); do
  curl -fsS "$url/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$url/ready" >/dev/null || { echo "links bench: the server did not start" >&2; cat "$log" >&2; exit 2; }

curl -fsS -X POST "$url/api/v1/links" -H 'content-type: application/json' \
  -d '{"destination": "https://example.com/landing", "slug": "bench"}' >/dev/null
result=$(SLUG=bench wrk -t2 -c"$connections" -d"${seconds}s" -s "$here/links.lua" "$url" | grep '^RESULT')
echo "links bench: $result"

kill -TERM "$pid"
wait "$pid" || { echo "links bench: the server did not exit cleanly" >&2; exit 1; }
pid=
sent=$(sed -E 's/.*sent=([0-9]+).*/\1/' <<<"$result")
stored=$("$bin" links stats bench --json --data-dir "$data" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total"]["scans"])')
echo "links bench: wrk sent $sent requests; the link's stored scans after SIGTERM: $stored"
[ "$sent" = "$stored" ] || { echo "links bench: counts differ" >&2; exit 1; }
