#!/usr/bin/env bash
# The container's runtime stage without a container engine: builds the binary exactly as the
# Dockerfile does (deploy/build-static.sh), copies it alone into an empty directory and runs
# `qrsmith serve` there, chrooted, as the image's non-root user (65532), with the root read-only
# and /data a writable mount as the image's volume. Then it checks what the image promises:
# /health and /ready answer, `qrsmith healthcheck` (the HEALTHCHECK) passes inside the root, a
# code is generated and an image decoded through the API, a batch job runs with its store in
# /data, and the metrics read /proc.
#
# Isolation, in order of preference (the first that works is used, and said):
#   1. root: unshare --mount --pid (a private mount table for the read-only bind, a PID namespace
#      so nothing outlives the test), chroot --userspec=65532:65532;
#   2. not root, unprivileged user namespaces allowed: the same inside `unshare --user
#      --map-root-user`, where only our own uid is mapped, so the server runs as that uid;
#   3. neither: the test fails (set EMPTY_ROOT_ALLOW_SKIP=1 to skip instead).
# The network namespace is the host's: the test talks to the server on 127.0.0.1.
#
# Like a container runtime (the OCI runtime spec requires it of every container), the test
# mounts a minimal /dev (null, zero, random, urandom), /proc and a tmpfs /tmp on mount points in
# the root; the image has nothing else. /dev/urandom matters: a statically linked glibc has no
# dynamic symbol table, so the getrandom crate's lookup of glibc's getrandom() fails and it reads
# /dev/urandom instead (the service draws ids at start). /proc feeds the process_* metrics.
#
# Usage: deploy/empty-root-test.sh [BINARY]  (BINARY: a static build to use instead of building)
# Needs: cargo, cmake, g++, curl, python3 (to read JSON), util-linux (unshare), coreutils (chroot).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/qrsmith-empty-root.XXXXXX)
root=$work/root
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    # unshare --fork ignores SIGTERM while it waits: stop its child, the server, and unshare
    # follows; --kill-child covers the server if unshare goes first.
    kill $(pgrep -P "$pid") 2>/dev/null || kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ $# -ge 1 ]; then
  bin=$1
else
  bin=$work/qrsmith
  "$here/build-static.sh" "$bin"
fi

mkdir -p "$root" "$work/data"
cp "$bin" "$root/qrsmith"
mkdir "$root/data" # the mount point of the volume, as the image declares it
# Mount points of what a container runtime provides.
mkdir "$root/dev" "$root/proc" "$root/tmp"
chmod 0755 "$root"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Inside the new mount namespace: make the root read-only, mount the data directory on /data,
# then chroot and exec the server. Arguments: ROOT DATA USERSPEC PORT.
inner='set -e
root=$1; data=$2; userspec=$3; port=$4
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t tmpfs -o mode=0755,size=64k tmpfs "$root/dev"
for d in null zero random urandom; do
  touch "$root/dev/$d"
  mount --bind "/dev/$d" "$root/dev/$d"
done
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777,size=16m tmpfs "$root/tmp"
mount --bind "$data" "$root/data"
exec chroot ${userspec:+--userspec=$userspec} "$root" /qrsmith serve \
  --listen "127.0.0.1:$port" --data-dir /data --log-format json --drain-delay-ms 0'

if [ "$(id -u)" -eq 0 ] && unshare --mount --pid --fork true 2>/dev/null; then
  mode="root: unshare --mount --pid, chroot as 65532:65532"
  chown 65532:65532 "$work/data"
  set -- unshare --mount --pid --fork --kill-child sh -c "$inner" sh "$root" "$work/data" 65532:65532 "$port"
elif unshare --user --map-root-user --mount --pid --fork true 2>/dev/null; then
  mode="unprivileged user namespace: chroot as uid $(id -u) (the only uid mapped)"
  set -- unshare --user --map-root-user --mount --pid --fork --kill-child sh -c "$inner" sh "$root" "$work/data" "" "$port"
else
  echo "empty-root: neither root nor unprivileged user namespaces: cannot chroot" >&2
  if [ "${EMPTY_ROOT_ALLOW_SKIP:-0}" = 1 ]; then echo "empty-root: SKIPPED" >&2; exit 0; fi
  exit 1
fi
echo "empty-root: $mode; root holds only: $(cd "$root" && ls -A | tr '\n' ' ')" >&2
"$@" 2>"$work/server.log" &
pid=$!

fail() {
  echo "empty-root: FAILED: $*" >&2
  echo "--- server log" >&2
  tail -20 "$work/server.log" >&2
  exit 1
}
base=http://127.0.0.1:$port
deadline=$((SECONDS + 30))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health" || true)" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || fail "the server exited"
  [ $SECONDS -lt $deadline ] || fail "/health did not answer 200 within 30 s"
  sleep 0.1
done
[ "$(curl -s "$base/health")" = ok ] || fail "/health body is not ok"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/ready")" = 200 ] || fail "/ready is not 200"

# The image's HEALTHCHECK, run inside the empty root as the image runs it.
if [ "$(id -u)" -eq 0 ]; then
  chroot_cmd=(chroot --userspec=65532:65532)
else
  chroot_cmd=(unshare --user --map-root-user chroot)
fi
"${chroot_cmd[@]}" "$root" /qrsmith healthcheck --listen "0.0.0.0:$port" || fail "qrsmith healthcheck inside the root"


# Generate a code, then decode it and the benchmark's photo-sized image through the API.
text="empty root $(date +%s%N)"
curl -sf -o "$work/gen.png" -H 'Content-Type: application/json' \
  -d "{\"text\": \"$text\"}" "$base/generate" || fail "POST /generate"
[ "$(head -c 8 "$work/gen.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "/generate did not answer a PNG"
read_text() {
  curl -sf -F "image=@$1;type=image/png" "$base/decode" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["texts"][0])'
}
got=$(read_text "$work/gen.png") || fail "POST /decode of the generated code"
[ "$got" = "$text" ] || fail "decoded '$got', expected '$text'"
got=$(read_text "$here/../bench/qr400.png") || fail "POST /decode of bench/qr400.png"
[ -n "$got" ] || fail "nothing read in bench/qr400.png"

# A batch job: ids from the random source, the SQLite store and the result ZIP in /data.
job=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"type": "generate", "items": [{"text": "one"}, {"text": "two"}]}' "$base/api/v1/jobs" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail "POST /api/v1/jobs"
deadline=$((SECONDS + 30))
until curl -sf "$base/api/v1/jobs/$job" | grep -q '"status":"succeeded"'; do
  [ $SECONDS -lt $deadline ] || fail "job $job did not succeed: $(curl -s "$base/api/v1/jobs/$job")"
  sleep 0.1
done
curl -sf -o "$work/job.zip" "$base/api/v1/jobs/$job/result" || fail "the job's result"
python3 -c 'import sys, zipfile; n = zipfile.ZipFile(sys.argv[1]).namelist(); assert len(n) == 3, n' \
  "$work/job.zip" || fail "the job's ZIP does not hold 2 images and the manifest"
# /proc is read for the process metrics.
rss=$(curl -sf "$base/metrics" | awk '$1 == "process_resident_memory_bytes" {print $2}')
[ "${rss:-0}" != 0 ] || fail "process_resident_memory_bytes is 0: /proc unreadable?"

# The service writes nothing outside /data (the root is read-only: a write would have failed the
# start); the job store is there.
[ -n "$(ls -A "$work/data")" ] || fail "nothing in /data: where did the job store go?"
echo "empty-root: ok: /health, /ready, healthcheck, generate, decode ('$got'), a batch job and metrics (RSS $rss) served from an empty, read-only root; /data holds: $(ls -A "$work/data" | tr '\n' ' ')" >&2
echo "1 passed, 0 failed"
