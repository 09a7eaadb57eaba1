#!/usr/bin/env bash
# Run every test: unit, snapshot, protocol-client and end-to-end (real Terraform 1.0.3 against
# moto). Installs its own tools first (scripts/setup.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$BLUEPRINT_ROOT"

. "$BLUEPRINT_ROOT/scripts/lib/progress.sh"
# The end-to-end tests launch the plugin binary: build every binary first, then every test
# binary (about 9 minutes on a cold 2-core machine), each with a line a minute, so the run
# itself starts with everything compiled.
cargo_with_progress test "building the binaries" build --workspace --bins --locked
cargo_with_progress test "building the tests" test --workspace --locked --lib --bins --tests --no-run
# Terraform runs are mostly waiting on moto: three at a time keeps a 2-core machine busy (the
# run: 37 minutes on an idle 2-core machine, 57 on a busy one, both Terraform versions; README.md).
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
set +e
cargo test --workspace --locked --no-fail-fast --lib --bins --tests -- --test-threads="${BLUEPRINT_TEST_THREADS:-3}" "$@" 2>&1 | tee "$LOG"
STATUS=${PIPESTATUS[0]}
set -e
# One closing line for the whole run.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "all tests: %d passed, %d failed\n", p, f }' "$LOG"
exit "$STATUS"
