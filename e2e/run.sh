#!/usr/bin/env bash
# Real-browser end-to-end test of the web page at `/`:
#   1. installs what it needs if missing: Debian's Chromium (apt-get), playwright-core (npm ci,
#      pinned by e2e/package-lock.json; it downloads no browser of its own);
#   2. builds the qrsmith binary and serves it on a free loopback port;
#   3. waits for GET /ready (bounded polling), runs `node --test e2e/page.test.mjs`;
#   4. stops the server and exits with the test's exit code.
# The test writes a screenshot of the page to docs/screenshot.png (SCREENSHOT=path to change it).
# Environment: CHROMIUM (default /usr/bin/chromium), CARGO_TARGET_DIR as for cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ! -x "$CHROMIUM" ]; then
  if ! command -v apt-get >/dev/null; then
    echo "e2e: please install Chromium (or set CHROMIUM=/path/to/chrome)" >&2
    exit 2
  fi
  echo "e2e: installing chromium" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "e2e: needs node (20 or newer) and npm" >&2
  exit 2
fi
if [ ! -d e2e/node_modules/playwright-core ]; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

cargo build -p qrsmith
# Wherever cargo put it (CARGO_TARGET_DIR, a config file, or ./target).
target_dir=$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
bin="$target_dir/debug/qrsmith"

# A free port: bind port 0, read what the kernel chose, release it for the server.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
url="http://127.0.0.1:$port"
log=$(mktemp -t qrsmith-e2e-server.XXXXXX)

# No drain delay: nothing balances load onto this server, so SIGTERM may stop it at once.
QRSMITH_DRAIN_DELAY_MS=0 QRSMITH_LOG_FORMAT=json "$bin" serve --listen "127.0.0.1:$port" >"$log" 2>&1 &
server=$!
stop_server() {
  if kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
}
trap stop_server EXIT

# Wait for readiness: at most 150 polls, 0.2 s apart (30 s), and give up at once if it died.
ready=""
for _ in $(seq 150); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "e2e: the server exited before it was ready; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/ready" || true)" = 200 ]; then
    ready=1
    break
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "e2e: $url/ready did not answer 200 within 30 s; server log:" >&2
  cat "$log" >&2
  exit 1
fi

echo "e2e: qrsmith serving at $url" >&2
status=0
QRSMITH_URL="$url" node --test "$root/e2e/page.test.mjs" || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: server log (last 40 lines):" >&2
  tail -n 40 "$log" >&2
fi
rm -f "$log"
exit "$status"
