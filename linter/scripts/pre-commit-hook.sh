#!/usr/bin/env bash
# pre-commit entry point of the `blueprint-lint` hook (.pre-commit-hooks.yaml, `language: script`).
#
# pre-commit runs this file from its clone of the Blueprint repository, with the repository being
# checked as the working directory. The linter is built from the clone with the clone's
# Cargo.lock the first time (a few minutes) and copied into the clone
# (`.blueprint-lint-hook/`, with the commit it was built from). pre-commit keeps one clone per
# `rev` and never changes it, so later runs exec that copy directly: no cargo, not even its
# up-to-date check. Building needs `cargo` (rustup) on PATH; a team without Rust can use the
# `blueprint-lint-python` hook (the wheel) instead.
#
#   BLUEPRINT_LINT_TARGET_DIR   where to build (default: `target/` inside the clone); share one
#                               between clones to reuse compiled dependencies across revs.
#
# Arguments (the hook's `args`) are passed to `blueprint-lint`; with none it lints `.`.
set -euo pipefail

clone="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$clone/.blueprint-lint-hook"

# The clone's commit, read without running git (pre-commit's clones have a detached HEAD).
rev=""
if [ -f "$clone/.git/HEAD" ]; then
  read -r rev <"$clone/.git/HEAD" || true
fi
if [ -n "$rev" ] && [ -x "$cache/blueprint-lint" ] && [ -f "$cache/rev" ] &&
  [ "$(<"$cache/rev")" = "$rev" ]; then
  exec "$cache/blueprint-lint" "$@"
fi

target="${BLUEPRINT_LINT_TARGET_DIR:-$clone/target}"
if ! command -v cargo >/dev/null 2>&1; then
  echo "blueprint-lint hook: cargo not found on PATH (install the Rust toolchain with rustup," \
    "or use the blueprint-lint-python hook, which installs a prebuilt wheel)" >&2
  exit 2
fi
echo "blueprint-lint hook: building blueprint-lint from $clone (first run of this rev only)" >&2
cargo build --quiet --release --locked -p blueprint-lint \
  --manifest-path "$clone/Cargo.toml" --target-dir "$target" >&2
bin="$target/release/blueprint-lint"
if [ -n "$rev" ]; then
  # Copied, not linked: a target directory shared between revs holds the last rev's binary.
  mkdir -p "$cache"
  cp "$bin" "$cache/blueprint-lint.tmp"
  mv "$cache/blueprint-lint.tmp" "$cache/blueprint-lint"
  printf '%s\n' "$rev" >"$cache/rev"
  exec "$cache/blueprint-lint" "$@"
fi
exec "$bin" "$@"
