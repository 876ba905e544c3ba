#!/usr/bin/env bash
# Real-browser end-to-end test of the web page at `/`:
#   1. installs what it needs if missing: Debian's Chromium (apt-get), playwright-core (npm ci,
#      pinned by e2e/package-lock.json; it downloads no browser of its own);
#   2. builds the qrsmith binary and serves it on a free loopback port, with its data (batch jobs)
#      in a temporary directory; if the binary has `qrsmith keys`, a second server with an API key;
#   3. waits for GET /ready (bounded polling), runs `node --test e2e/page.test.mjs`;
#   4. stops the servers, removes their data and exits with the test's exit code.
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

# Everything the servers store (batch jobs, results, keys) goes to a directory removed at the end.
data=$(mktemp -d -t qrsmith-e2e-data.XXXXXX)
servers=()
logs=()
stop_servers() {
  for pid in "${servers[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$data" "${logs[@]}"
}
trap stop_servers EXIT

# start_server NAME: serves $data/NAME on a free loopback port and sets $url once /ready is 200.
start_server() {
  # A free port: bind port 0, read what the kernel chose, release it for the server.
  local port log pid
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  url="http://127.0.0.1:$port"
  log=$(mktemp -t qrsmith-e2e-server.XXXXXX)
  logs+=("$log")
  # No drain delay: nothing balances load onto this server, so SIGTERM may stop it at once.
  QRSMITH_DRAIN_DELAY_MS=0 QRSMITH_LOG_FORMAT=json QRSMITH_DATA_DIR="$data/$1" \
    "$bin" serve --listen "127.0.0.1:$port" >"$log" 2>&1 &
  pid=$!
  servers+=("$pid")
  # Wait for readiness: at most 150 polls, 0.2 s apart (30 s), and give up at once if it died.
  for _ in $(seq 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "e2e: the server exited before it was ready; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/ready" || true)" = 200 ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "e2e: $url/ready did not answer 200 within 30 s; server log:" >&2
  cat "$log" >&2
  exit 1
}

# A server that requires an API key, once the binary has `qrsmith keys` (issue 4): the key test
# then runs against it. Without it, the test plays the server's 401s itself (see page.test.mjs).
if "$bin" keys --help >/dev/null 2>&1; then
  mkdir -p "$data/keyed"
  E2E_API_KEY=$("$bin" keys create --name e2e --data-dir "$data/keyed" | tail -n 1)
  start_server keyed
  export E2E_KEYED_URL="$url" E2E_API_KEY
  echo "e2e: qrsmith with an API key at $url" >&2
fi
start_server open
echo "e2e: qrsmith serving at $url" >&2
status=0
QRSMITH_URL="$url" node --test "$root/e2e/page.test.mjs" || status=$?
if [ "$status" -ne 0 ]; then
  for log in "${logs[@]}"; do
    echo "e2e: server log $log (last 40 lines):" >&2
    tail -n 40 "$log" >&2
  done
fi
exit "$status"
