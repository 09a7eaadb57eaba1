#!/usr/bin/env bash
# Builds the blueprint-lint wheel (linter/pyproject.toml: maturin, `bindings = "bin"`, the
# release binary as the wheel's `blueprint-lint` script) for the manylinux2014 baseline:
# glibc 2.17 and newer (Debian 8+, Ubuntu 14.04+, RHEL/CentOS 7+), the baseline most binary
# wheels on PyPI still support. maturin links with Zig (the `ziglang` package, pinned in
# scripts/requirements.txt), which targets glibc 2.17 from any build machine, and checks the
# result against the manylinux2014 policy before naming the wheel.
#
#   scripts/build-wheel.sh [OUT_DIR]      default: dist/ in the repository
#
# Uses maturin and ziglang from the project's venv (scripts/setup.sh installs them) and
# $CARGO_TARGET_DIR when set. Prints the wheel's path last.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/dist}"
VENV="${BLUEPRINT_VENV:-$ROOT/.venv}"
if ! "$VENV/bin/python" -c 'import ziglang' 2>/dev/null || [ ! -x "$VENV/bin/maturin" ]; then
  echo "build-wheel.sh: maturin and ziglang are not in $VENV: run scripts/setup.sh" >&2
  exit 2
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
# maturin runs Zig as `python3 -m ziglang`: the venv's python3 first on PATH.
PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" build --release --locked --zig \
  --compatibility manylinux2014 --out "$OUT" -m "$ROOT/linter/Cargo.toml" >&2
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)"
ls -t "$OUT"/blueprint_lint-"$VERSION"-*manylinux*.whl | head -n 1
