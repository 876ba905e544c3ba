#!/usr/bin/env bash
# The failure story on one machine: 3 `qrsmith serve` replicas sharing one real redis-server,
# behind a real nginx (round robin, passive health checks, retries: deploy/nginx/proxy.conf, the
# file compose uses). Then:
#   1. the brief's mixed load (bench/mix.lua: 50 % generate of cached texts, 50 % decode of a
#      400x400 PNG) through nginx with wrk for $DURATION s (>= 30);
#   2. batch jobs submitted before the kill (big enough to be running at it);
#   3. SIGKILL of one replica at $KILL_AT s, restarted $DOWN_FOR s later;
#   4. checks: every client request answered 200 (wrk's non-2xx and socket errors, and nginx's
#      log of what clients got), every job succeeded with each item exactly once in its result;
#      prints requests/s per phase (before the kill, replica down, after the restart).
# All traffic stays on 127.0.0.1; every process is ours and stopped at exit; the run is bounded.
#
# Usage: deploy/cluster-test.sh          (env: DURATION=40 KILL_AT=15 DOWN_FOR=5 CONNS=32
#                                         JOBS=6 JOB_ITEMS=4000 QRSMITH_BIN=<static build>)
# Needs: redis-server and redis-cli, nginx, wrk, curl, python3; the binary (built by deploy/build-static.sh,
# the image's build, unless QRSMITH_BIN names one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
DURATION=${DURATION:-40}
KILL_AT=${KILL_AT:-15}
DOWN_FOR=${DOWN_FOR:-5}
CONNS=${CONNS:-32}
JOBS=${JOBS:-6}
JOB_ITEMS=${JOB_ITEMS:-4000}
[ "$DURATION" -ge 30 ] || { echo "cluster-test: DURATION must be at least 30 s" >&2; exit 2; }
[ $((KILL_AT + DOWN_FOR + 5)) -lt "$DURATION" ] || { echo "cluster-test: the restart must fall inside the load" >&2; exit 2; }
for tool in redis-server redis-cli nginx wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "cluster-test: needs $tool" >&2; exit 2; }
done

work=$(mktemp -d /tmp/qrsmith-cluster.XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "cluster-test: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL SECONDS: until the URL answers 200
  local deadline=$((SECONDS + $2))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ]; do
    [ $SECONDS -lt "$deadline" ] || { echo "cluster-test: $1 not 200 within $2 s" >&2; return 1; }
    sleep 0.1
  done
}

bin=${QRSMITH_BIN:-}
if [ -z "$bin" ]; then
  bin=$work/qrsmith
  "$here/build-static.sh" "$bin"
fi
if ! "$bin" serve --help | grep -q -- '--redis <URL>'; then
  echo "cluster-test: this qrsmith has no --redis (the Redis backend): the replicas cannot share state" >&2
  exit 1
fi

# Redis: in memory only (the test is about the replicas, not Redis's durability).
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" \
  --logfile "$work/redis.log" &
pids+=($!)
redis_url="redis://127.0.0.1:$redis_port/0"

ports=()
for i in 1 2 3; do ports+=("$(free_port)"); done
replica_pid=()
start_replica() { # INDEX (0-2)
  local i=$1
  mkdir -p "$work/replica$i"
  # A short job lease, so that the killed replica's job is taken over within the test.
  "$bin" serve --listen "127.0.0.1:${ports[$i]}" --redis "$redis_url" \
    --redis-prefix "cluster-test:" --job-lease-secs 5 --data-dir "$work/replica$i" \
    --drain-delay-ms 0 --log-format json --log warn >>"$work/replica$i.log" 2>&1 &
  replica_pid[i]=$!
  pids+=($!)
}
for i in 0 1 2; do start_replica "$i"; done
for i in 0 1 2; do wait_http "http://127.0.0.1:${ports[$i]}/ready" 30; done

nginx_port=$(free_port)
mkdir -p "$work/nginx"
{
  echo "worker_processes 1;"
  echo "pid $work/nginx/nginx.pid;"
  echo "error_log $work/nginx/error.log warn;"
  [ "$(id -u)" -eq 0 ] && echo "user root;"
  echo "events { worker_connections 4096; }"
  echo "http {"
  echo "  log_format timed '\$msec \$status \$request_method \$uri \$upstream_addr \$upstream_status';"
  echo "  access_log $work/nginx/access.log timed buffer=64k flush=1s;"
  for d in client_body proxy fastcgi uwsgi scgi; do echo "  ${d}_temp_path $work/nginx/$d;"; done
  echo "  upstream qrsmith {"
  for p in "${ports[@]}"; do echo "    server 127.0.0.1:$p max_fails=1 fail_timeout=5s;"; done
  echo "    keepalive 32;"
  echo "  }"
  echo "  server {"
  echo "    listen 127.0.0.1:$nginx_port;"
  echo "    include $here/nginx/proxy.conf;"
  echo "  }"
  echo "}"
} >"$work/nginx/nginx.conf"
nginx -t -q -c "$work/nginx/nginx.conf" -p "$work/nginx"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
pids+=($!)
base=http://127.0.0.1:$nginx_port
wait_http "$base/ready" 10

# The load, in the background for the whole run.
t0=$(date +%s.%N)
( cd "$repo/bench" && IMG="$repo/bench/qr400.png" exec wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s \
    -s "$repo/bench/mix.lua" "$base" ) >"$work/wrk.out" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")

# Batch jobs, submitted through nginx before the kill: generate jobs of JOB_ITEMS rows each.
sleep 2
python3 - "$JOBS" "$JOB_ITEMS" >"$work/jobs.json" <<'PY'
import json, sys
jobs, items = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps([{"type": "generate", "items": [{"text": f"job {j} item {i}", "filename": f"j{j}-{i}"}
                  for i in range(items)]} for j in range(jobs)]))
PY
job_ids=$(python3 - "$base" "$work/jobs.json" <<'PY'
import json, sys, urllib.request
base, path = sys.argv[1], sys.argv[2]
for job in json.load(open(path)):
    req = urllib.request.Request(base + "/api/v1/jobs", data=json.dumps(job).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 202, r.status
        print(json.load(r)["id"])
PY
)
echo "cluster-test: submitted $(wc -w <<<"$job_ids") jobs of $JOB_ITEMS items" >&2

# The kill, in the middle of the load, and the restart.
now() { python3 -c "import time; print(f'{time.time() - $t0:.3f}')"; }
sleep "$(python3 -c "print(max(0, $KILL_AT - ($(date +%s.%N) - $t0)))")"
running=$(for id in $job_ids; do curl -s "$base/api/v1/jobs/$id"; echo; done | grep -c '"status":"running"' || true)
victim=1
# The jobs the victim is running (a runner's consumer name in Redis starts with its pid): they
# must be taken over by the others once its lease lapses, and finish exactly once.
held=0
for id in $job_ids; do
  holder=$(redis-cli -p "$redis_port" HGET "cluster-test:job:$id" holder)
  case $holder in "${replica_pid[$victim]}"-*) held=$((held + 1)) ;; esac
done
t_kill=$(now)
kill -9 "${replica_pid[$victim]}"
wait "${replica_pid[$victim]}" 2>/dev/null || true
echo "cluster-test: SIGKILLed replica $((victim + 1)) at ${t_kill} s ($running jobs running, $held of them on it)" >&2
sleep "$DOWN_FOR"
t_restart=$(now)
start_replica "$victim"
wait_http "http://127.0.0.1:${ports[$victim]}/ready" 30
t_ready=$(now)
echo "cluster-test: restarted at ${t_restart} s, ready at ${t_ready} s" >&2

wait "$wrk_pid" || true
t_end=$(now)
cat "$work/wrk.out" >&2

# Jobs: each must succeed, and its result hold every item exactly once.
jobs_ok=0
jobs_failed=0
deadline=$((SECONDS + 180))
for id in $job_ids; do
  while :; do
    status=$(curl -s "$base/api/v1/jobs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    case $status in succeeded|failed|cancelled) break ;; esac
    [ $SECONDS -lt $deadline ] || { status="not finished"; break; }
    sleep 0.5
  done
  if [ "$status" = succeeded ] && curl -sf -o "$work/$id.zip" "$base/api/v1/jobs/$id/result" \
     && python3 - "$work/$id.zip" "$JOB_ITEMS" <<'PY'
import csv, io, sys, zipfile
path, items = sys.argv[1], int(sys.argv[2])
z = zipfile.ZipFile(path)
names = z.namelist()
assert len(names) == len(set(names)), "duplicate entries"
images = [n for n in names if n != "manifest.csv"]
rows = list(csv.DictReader(io.StringIO(z.read("manifest.csv").decode())))
rownums = [int(r["row"]) for r in rows]
assert sorted(rownums) == list(range(1, items + 1)), f"rows: {len(rows)} for {items} items"
assert all(r["status"] == "ok" for r in rows), "failed items"
assert len(images) == items, f"{len(images)} images for {items} items"
PY
  then
    jobs_ok=$((jobs_ok + 1))
  else
    echo "cluster-test: job $id: $status, or its result lacks items or repeats them" >&2
    jobs_failed=$((jobs_failed + 1))
  fi
done

# Per phase, from nginx's log of what the clients got (wrk's requests: /generate and /decode).
sleep 1.5 # the access log is flushed every second
load_ok=0
python3 - "$work/nginx/access.log" "$t0" "$t_kill" "$t_ready" "$t_end" "$work/wrk.out" >"$work/summary" <<'PY' || load_ok=$?
import re, sys
log, t0, t_kill, t_ready, t_end, wrk = sys.argv[1], *map(float, sys.argv[2:6]), sys.argv[6]
phases = [("before the kill", 0, t_kill), ("replica down", t_kill, t_ready), ("after the restart", t_ready, t_end)]
counts = {p[0]: [0, 0, 0] for p in phases}  # requests, failed, retried
abandoned = 0
failures = []
for line in open(log):
    ts, status, method, uri, rest = line.rstrip("\n").split(" ", 4)
    if uri not in ("/generate", "/decode"):
        continue
    t = float(ts) - t0
    if status == "499":
        # The client closed the connection before the answer: wrk does so to the requests in
        # flight when its time is up. A client that gave up mid-run counts in wrk's errors.
        abandoned += 1
        continue
    for name, a, b in phases:
        if a <= t < b:
            c = counts[name]
            c[0] += 1
            if status != "200":
                c[1] += 1
                failures.append(line.strip())
            c[2] += "," in rest  # $upstream_addr lists every replica tried
total = [sum(c[i] for c in counts.values()) for i in range(3)]
print(f"{'phase':<18} {'seconds':>7} {'requests':>9} {'req/s':>8} {'failed':>6} {'retried':>7}")
for name, a, b in phases:
    n, f, r = counts[name]
    print(f"{name:<18} {b - a:7.1f} {n:9d} {n / (b - a):8.0f} {f:6d} {r:7d}")
print(f"{'whole run':<18} {t_end:7.1f} {total[0]:9d} {total[0] / t_end:8.0f} {total[1]:6d} {total[2]:7d}")
print(f"abandoned by wrk at its end (499): {abandoned}")
for f in failures[:10]:
    print("failed:", f)
m = re.search(r"RESULT rps=\S+ p50_ms=(\S+) p99_ms=(\S+) non2xx=(\d+) errors=(\d+)", open(wrk).read())
if not m:
    print("wrk: no RESULT line"); sys.exit(1)
print(f"wrk: p50 {m[1]} ms, p99 {m[2]} ms, non-2xx {m[3]}, socket errors {m[4]}")
sys.exit(0 if total[1] == 0 and m[3] == "0" and m[4] == "0" and total[0] > 0 else 1)
PY
cat "$work/summary"
echo "jobs: $jobs_ok of $(wc -w <<<"$job_ids") succeeded with every item exactly once ($running were running at the kill, $held on the killed replica)"
passed=0; failed=0
if [ "$load_ok" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "cluster-test: FAILED: client requests failed" >&2; fi
if [ "$jobs_failed" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "cluster-test: FAILED: jobs" >&2; fi
echo "cluster-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
