#!/usr/bin/env bash
# Fuzzes qrsmith with cargo-fuzz (libFuzzer): builds the targets, seeds their corpora from the
# test data, runs each target for SECONDS (default 60) and fails when any found a crash.
#
#   fuzz/run.sh [SECONDS] [TARGET...]      # every target when none is named
#
# Corpora grow in fuzz/corpus/TARGET between runs (not committed); a crash is written to
# fuzz/artifacts/TARGET/ and reproduced with `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET FILE`
# (from fuzz/..). Every crash found becomes a regression test named after it.
# cargo-fuzz passes nightly -Z flags to rustc; RUSTC_BOOTSTRAP=1 lets the stable toolchain, the
# one this project builds with, take them.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode_image encode sequence_merge batch_input http_request reader_grid reader_image)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
export RUSTC_BOOTSTRAP=1

fuzz/seed.sh
for target in "${targets[@]}"; do
  cargo fuzz build "$target" 2>&1 | grep -v '^\s*Compiling' >&2 || true
done

failed=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  log="fuzz/artifacts/$target.log"
  # -timeout: one input running longer is a hang, reported like a crash (wall-clock time: it is
  # generous, so that a busy machine does not pass for a hang; the slowest input seen under
  # AddressSanitizer took 0.7 s). -rss_limit_mb: an allocation past the service's limits is a
  # finding too.
  seeds=()
  [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
  # detect_odr_violation=0: SQLite's amalgamation (bundled by rusqlite) defines two
  # function-local `static const aiOff[]` arrays in the one sqlite3.c, which AddressSanitizer
  # reports at start-up as a one-definition-rule violation (seen on some builds, not others);
  # every other check stays on.
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0"
  if cargo fuzz run "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz: $target: $runs runs in ${seconds} s, no crash"
  else
    failed=1
    echo "fuzz: $target FAILED; last lines of $log:"
    tail -n 40 "$log"
  fi
done
exit "$failed"
