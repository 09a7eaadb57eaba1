#!/usr/bin/env bash
# Run every test: unit, snapshot, protocol-client and end-to-end (real Terraform 1.0.3 against
# moto). Installs its own tools first (scripts/setup.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$BLUEPRINT_ROOT"

# The end-to-end tests launch the plugin binary: build every binary first.
cargo build --workspace --bins --locked
# Terraform runs are mostly waiting on moto; two at a time keeps a 2-core machine busy.
cargo test --workspace --locked -- --test-threads="${BLUEPRINT_TEST_THREADS:-2}" "$@"
