#!/usr/bin/env bash
# The redirect benchmark: `GET /r/{slug}` of one dynamic link with wrk, on a fresh `qrsmith serve`
# (embedded SQLite store in a temporary directory):
#   1. flat out for SECONDS: requests/s, p50 and p99;
#   2. exactly 2 × QUOTA scans (wrk's 2 threads, one connection each, each reads QUOTA answers,
#      default 20,000, and stops with nothing in flight): the link's scan count must grow by
#      exactly that many;
#   3. SIGTERM: the store must then hold what the server had counted (nothing lost at the stop).
# Exit 1 when a count differs.
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
field() { sed -E "s/.*[ ]$1=([0-9.]+).*/\1/" <<<"$2"; }
stored_now() {  # the link's scans as the server counts them (it writes its own counts first)
  curl -fsS "$url/api/v1/links/bench/stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"]["scans"])'
}

# 1. Throughput: flat out for the given time.
run=$(SLUG=bench wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/links.lua" "$url" | grep '^RESULT')
echo "links bench: throughput: $run"

# 2. Exact count: wrk's 2 threads, one connection each, read $quota answers each and stop.
quota=${QUOTA:-20000}
before=$(stored_now)
run=$(SLUG=bench QUOTA=$quota wrk -t2 -c2 -d60s -s "$here/links.lua" "$url" | grep '^RESULT')
after=$(stored_now)
scans=$(field scans "$run")
echo "links bench: exact run: $run"
echo "links bench: wrk's scans answered 302: $scans; the link's count grew by $((after - before))"
[ "$scans" = "$((2 * quota))" ] || { echo "links bench: wrk did not finish its scans within 60 s" >&2; exit 1; }
[ "$((after - before))" = "$scans" ] || { echo "links bench: counts differ" >&2; exit 1; }

# 3. A graceful stop writes what is left: the store holds what the server counted.
kill -TERM "$pid"
wait "$pid" || { echo "links bench: the server did not exit cleanly" >&2; exit 1; }
pid=
final=$("$bin" links stats bench --json --data-dir "$data" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total"]["scans"])')
echo "links bench: stored scans after SIGTERM: $final (the server's count before it: $after)"
[ "$final" = "$after" ] || { echo "links bench: counts differ after the stop" >&2; exit 1; }
