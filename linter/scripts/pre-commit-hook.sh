#!/usr/bin/env bash
# pre-commit entry point of the `blueprint-lint` hook (.pre-commit-hooks.yaml, `language: script`).
#
# pre-commit runs this file from its clone of the Blueprint repository, with the repository being
# checked as the working directory. The linter is built from the clone with the clone's
# Cargo.lock the first time (a few minutes) and reused afterwards: pre-commit keeps one clone per
# `rev`, so later runs only pay cargo's up-to-date check. Needs `cargo` (rustup) on PATH.
#
#   BLUEPRINT_LINT_TARGET_DIR   where to build (default: `target/` inside the clone); share one
#                               between clones to reuse compiled dependencies across revs.
#
# Arguments (the hook's `args`) are passed to `blueprint-lint`; with none it lints `.`.
set -euo pipefail

clone="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${BLUEPRINT_LINT_TARGET_DIR:-$clone/target}"
bin="$target/release/blueprint-lint"

if ! command -v cargo >/dev/null 2>&1; then
  echo "blueprint-lint hook: cargo not found on PATH (install the Rust toolchain with rustup)" >&2
  exit 2
fi
if [ ! -x "$bin" ]; then
  echo "blueprint-lint hook: building blueprint-lint from $clone (first run only)" >&2
fi
# A no-op when the binary is up to date.
cargo build --quiet --release --locked -p blueprint-lint \
  --manifest-path "$clone/Cargo.toml" --target-dir "$target" >&2

exec "$bin" "$@"
