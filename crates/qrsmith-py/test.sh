#!/usr/bin/env bash
# The Python bindings' tests (called by scripts/test): builds the wheel with maturin (the dev
# profile: the crate unoptimised, its dependencies optimised as the root Cargo.toml sets, which
# builds in a fraction of a release build's time on two cores), installs it into a venv kept in
# the target directory with its test dependencies, runs the pytest suite, then `mypy --strict`
# on the example that uses the whole API through the type stubs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/qrsmith-py-venv"
wheels="$target/qrsmith-py-wheels"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q "maturin>=1.7,<2" pytest numpy pillow flask mypy
rm -rf "$wheels"
"$venv/bin/maturin" build --quiet --profile dev --manifest-path "$here/Cargo.toml" --out "$wheels"
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheels"/qrsmith-*.whl

cd "$here"
"$venv/bin/python" -m pytest -q tests
"$venv/bin/python" -m mypy --strict examples/api_tour.py
