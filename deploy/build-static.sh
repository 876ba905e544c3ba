#!/usr/bin/env bash
# Builds the statically linked `qrsmith` binary that the container image ships and writes it,
# stripped, to OUT. The Dockerfile runs this script, and so does the empty-root test (deploy/empty-root-test.sh),
# so the binary tested is built exactly as the image's is.
#
# Static on the gnu target (glibc, libstdc++ and libgcc linked in), because the musl target is
# not installable on our machines. `+crt-static` makes rustc link a static PIE, but zxing-cpp's
# build script asks for `dylib=stdc++`, which rustc links with -Bdynamic: the linker would take
# libstdc++.so and leave a binary that needs it (and crashes without a loader). So the final link
# gets a search directory that holds only libstdc++.a, found before gcc's own directory: the
# linker, finding no .so there, takes the archive. readelf checks the result below.
# glibc >= 2.34 has its files/dns name lookup built in, so a `--redis redis://redis:6379` host
# name resolves without the NSS modules a static glibc could not load. The explicit --target
# keeps the flags off build scripts and proc macros (which must stay dynamic); it also means a
# build directory of its own, so the first run compiles every dependency once (~10 min on 2 cores).
#
# Usage: deploy/build-static.sh OUT   (honours CARGO_TARGET_DIR; needs cmake, g++ and binutils)
set -euo pipefail
out=$(realpath -m "${1:?usage: build-static.sh OUT}")
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
# RUSTFLAGS replaces .cargo/config.toml's target rustflags, so its target-cpu is repeated here.
export RUSTFLAGS="-C target-cpu=x86-64-v2 -C target-feature=+crt-static"
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
static_libs=$target_dir/static-libstdcxx
mkdir -p "$static_libs"
ln -sf "$(g++ -print-file-name=libstdc++.a)" "$static_libs/libstdc++.a"
# `cargo rustc`: the extra search directory goes to the final crate's link only, so it does not
# change the other crates' flags (and rebuild them).
cargo rustc --release --locked -p qrsmith --bin qrsmith --target "$target" -- \
  -L "native=$static_libs" >&2
mkdir -p "$(dirname "$out")"
# Symbols are much of the file; panic messages still name their source line (backtraces lose
# the function names).
strip --strip-all -o "$out" "$target_dir/$target/release/qrsmith"
bin=$out
# Refuse to hand out a binary that would need a dynamic loader the image does not have.
if readelf -lW "$bin" | grep -q 'INTERP'; then
  echo "build-static: $bin asks for a dynamic loader; it is not static" >&2
  exit 1
fi
if readelf -dW "$bin" | grep -q 'NEEDED'; then
  echo "build-static: $bin needs shared libraries:" >&2
  readelf -dW "$bin" | grep NEEDED >&2
  exit 1
fi
echo "build-static: $bin ($(stat -c %s "$bin") bytes), statically linked" >&2
