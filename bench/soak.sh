#!/usr/bin/env bash
# Soak test: holds the brief's mixed load (mix.lua: 50 % generate of 1,000 URLs, 50 % decode of
# qr400.png) at a share of the server's measured capacity for a while, sampling the server's RSS
# every 10 s. Passes when no request failed (any status but 200 counts) and memory plateaued: after the warm-up (the first
# fifth of the run) RSS never grows more than 10 % above its value at the warm-up's end.
#
#   bench/soak.sh URL [minutes=10] [share=0.8]
#
# The server's process is the one listening on URL's port (or PID=…). Needs wrk and ss.
# Writes the samples to soak-rss.csv in the current directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
url=$1
minutes=${2:-10}
share=${3:-0.8}
port=$(sed -E 's#^[a-z]+://[^:/]+:?([0-9]*).*#\1#' <<<"$url")
pid=${PID:-$(ss -Htlnp "sport = :${port:-80}" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)}
[ -n "$pid" ] && [ -r "/proc/$pid/status" ] || { echo "soak: no process listens on $url (set PID)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "soak: needs wrk (Debian package wrk)" >&2; exit 2; }
export MIX="$here/mix.lua" IMG="$here/qr400.png"
rate() { sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$1"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

# Capacity: the flat-out rate at compare.sh's 32 connections.
full=$(wrk -t2 -c32 -d10s -s "$here/mix.lua" "$url" 2>/dev/null | grep '^RESULT')
capacity=$(rate "$full")
target=$(python3 -c "print(round($capacity * $share))")
echo "soak: capacity $capacity requests/s ($full); holding $target requests/s ($share) for $minutes min"

# Pacing: each connection waits 2 ms between requests; the connection count is set from one
# 10 s calibration run (rate is nearly proportional to connections below capacity). A short
# pause keeps the connections few (~50 at 10,000 requests/s), as clients with keep-alive are:
# with hundreds, their bursts alone would overflow the worker queue (its 429 is back-pressure
# working, but not the steady load this test is about).
export DELAY_MS=2
connections=$(python3 -c "print(max(2, round($target * 0.005)))")
calibration=$(wrk -t2 -c"$connections" -d10s -s "$here/paced.lua" "$url" 2>/dev/null | grep '^RESULT')
connections=$(python3 -c "print(max(2, round($connections * $target / max($(rate "$calibration"), 1))))")
echo "soak: $connections connections (calibration: $calibration)"

samples=soak-rss.csv
echo "seconds,rss_kb" >"$samples"
wrk -t2 -c"$connections" -d"$((minutes * 60))s" --timeout 10s -s "$here/paced.lua" "$url" \
  >soak-wrk.out 2>&1 &
load=$!
start=$SECONDS
while kill -0 "$load" 2>/dev/null; do
  echo "$((SECONDS - start)),$(rss_kb)" >>"$samples"
  sleep 10
done
wait "$load"
result=$(grep '^RESULT' soak-wrk.out)
echo "soak: $result"

python3 - "$samples" "$result" "$capacity" <<'PY'
import csv, re, sys
rows = [(int(r["seconds"]), int(r["rss_kb"])) for r in csv.DictReader(open(sys.argv[1]))]
result, capacity = sys.argv[2], float(sys.argv[3])
fields = dict(re.findall(r"(\w+)=([0-9.]+)", result))
errors = int(fields["non2xx"]) + int(fields["errors"])
rate = float(fields["rps"])
warm = rows[-1][0] / 5
after = [rss for t, rss in rows if t >= warm]
base = after[0]
peak = max(after)
growth = (peak - base) / base * 100
print(f"soak: {len(rows)} samples; RSS at warm-up end {base / 1024:.1f} MB, peak after "
      f"{peak / 1024:.1f} MB (+{growth:.1f} %), last {rows[-1][1] / 1024:.1f} MB; "
      f"{rate:.0f} requests/s ({rate / capacity * 100:.0f} % of capacity), "
      f"p99 {fields['p99_ms']} ms, {errors} failed requests")
ok = errors == 0 and growth <= 10
print("soak: PASS" if ok else "soak: FAIL")
sys.exit(0 if ok else 1)
PY
