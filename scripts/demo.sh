#!/usr/bin/env bash
# The main job: build the provider, install it into a local filesystem mirror, start a local
# AWS-compatible endpoint (moto), then `terraform init && terraform apply` an example, print its
# outputs, list what it created, and destroy it.
#
#   scripts/demo.sh            seed 001's platform (terraform/examples/senas-platform): the
#                              network, ECS cluster, ALB, three Fargate services, Aurora
#   scripts/demo.sh DIR        another configuration: DIR absolute, relative to the current
#                              directory, or relative to the repository
#   scripts/demo.sh --check [DIR]   only check DIR as below and say what would run
#   scripts/demo.sh --no-build [DIR]  use the binaries already built in $CARGO_TARGET_DIR/debug
#
# DIR is checked before anything is built or started: it must hold .tf files, declare
# `variable "aws_endpoint"` (the demo points the providers at moto through it), and every
# variable without a default must have a value (TF_VAR_NAME, DIR/terraform.tfvars or
# DIR/*.auto.tfvars); otherwise the demo stops with a message and exit status 2.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEFAULT_EXAMPLE="terraform/examples/senas-platform"

die() { # STATUS FIRST-LINE [MORE-LINES...]
  local status="$1"
  printf 'demo.sh: %s\n' "$2" >&2
  shift 2
  if [ "$#" -gt 0 ]; then printf '%s\n' "$@" >&2; fi
  exit "$status"
}

# The examples in this repository the demo can run (for messages).
runnable_examples() {
  local d
  for d in "$ROOT"/terraform/examples/*/; do
    d="${d%/}"
    if grep -qsE '^[[:space:]]*variable[[:space:]]+"aws_endpoint"' "$d"/*.tf &&
      [ -z "$(python3 "$ROOT/scripts/lib/example_vars.py" "$d" 2>/dev/null)" ]; then
      printf '  %s\n' "${d#"$ROOT"/}"
    fi
  done
}

CHECK_ONLY=""
BUILD=1
ARG=""
for a in "$@"; do
  case "$a" in
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
      exit 0
      ;;
    --check) CHECK_ONLY=1 ;;
    --no-build) BUILD="" ;;
    -*) die 2 "unknown option \`$a\` (scripts/demo.sh [--check] [--no-build] [DIR]; --help)" ;;
    *)
      [ -z "$ARG" ] || die 2 "one directory at most (got \`$ARG\` and \`$a\`)"
      ARG="$a"
      ;;
  esac
done

# DIR as given: absolute, else relative to the caller's directory, else to the repository.
if [ -z "$ARG" ]; then
  EXAMPLE="$ROOT/$DEFAULT_EXAMPLE"
elif [ "${ARG#/}" != "$ARG" ]; then
  EXAMPLE="$ARG"
elif [ -d "$PWD/$ARG" ]; then
  EXAMPLE="$PWD/$ARG"
else
  EXAMPLE="$ROOT/$ARG"
fi
if [ ! -d "$EXAMPLE" ]; then
  if [ "${ARG#/}" != "$ARG" ]; then
    die 2 "no directory \`$ARG\`"
  fi
  die 2 "no directory \`$ARG\` (looked in $PWD and in $ROOT)"
fi
EXAMPLE="$(cd "$EXAMPLE" && pwd -P)"
if ! compgen -G "$EXAMPLE/*.tf" >/dev/null; then
  die 2 "\`$EXAMPLE\` holds no .tf file: give a Terraform configuration directory"
fi
if ! grep -qsE '^[[:space:]]*variable[[:space:]]+"aws_endpoint"' "$EXAMPLE"/*.tf; then
  die 2 "\`$EXAMPLE\` declares no \`variable \"aws_endpoint\"\`:" \
    "the demo points the AWS calls at a local endpoint (moto) through that variable" \
    "(see terraform/examples/senas-platform). Examples that run:" \
    "$(runnable_examples)"
fi
MISSING="$(python3 "$ROOT/scripts/lib/example_vars.py" "$EXAMPLE")"
if [ -n "$MISSING" ]; then
  die 2 "\`$EXAMPLE\` needs values the demo does not set (variables without a default):" \
    "$(printf '  %s\n' $MISSING)" \
    "Set each as TF_VAR_<name>, or in $EXAMPLE/terraform.tfvars or a *.auto.tfvars there." \
    "Examples that run as they are:" "$(runnable_examples)"
fi
case "$EXAMPLE/" in
  "$ROOT"/terraform/*) IN_TREE=1 ;;
  *) IN_TREE="" ;;
esac
echo "=== example: $EXAMPLE"
if [ -n "$CHECK_ONLY" ]; then
  echo "=== would run: build, terraform init, apply, output, destroy (--check: stopping here)"
  exit 0
fi

. "$ROOT/scripts/setup.sh"
cd "$BLUEPRINT_ROOT"

if [ -n "$BUILD" ]; then
  # Cargo's own progress bar on a terminal, its `Compiling` lines otherwise, and a line every
  # minute naming the crates rustc is busy with. `--workspace --bins` is the build
  # scripts/test.sh makes first, so a demo and then the tests compile everything once.
  . "$ROOT/scripts/lib/progress.sh"
  cargo_with_progress demo "building (a clean clone compiles the AWS SDK crates: tens of minutes on 2 cores)" \
    build --locked --workspace --bins
else
  for bin in terraform-provider-blueprint blueprint-install; do
    [ -x "$CARGO_TARGET_DIR/debug/$bin" ] ||
      die 2 "--no-build: no $CARGO_TARGET_DIR/debug/$bin (build it: cargo build --workspace --bins)"
  done
fi
STATE_DIR="$BLUEPRINT_ROOT/.blueprint"
"$CARGO_TARGET_DIR/debug/blueprint-install" \
  --binary "$CARGO_TARGET_DIR/debug/terraform-provider-blueprint" \
  --mirror "$STATE_DIR/mirror" --cli-config "$STATE_DIR/terraform.rc"
export TF_CLI_CONFIG_FILE="$STATE_DIR/terraform.rc"

PORT="$("$BLUEPRINT_VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
MOTO_LOG="$STATE_DIR/moto.log"
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ECS_SERVICE_RUNNING=1 \
  "$BLUEPRINT_MOTO_SERVER" -H 127.0.0.1 -p "$PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
WORK="$(mktemp -d)"
cleanup() {
  kill "$MOTO_PID" 2>/dev/null || true
  wait "$MOTO_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  if "$BLUEPRINT_VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/')" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
echo "moto listening on http://127.0.0.1:$PORT"

# Work on a copy so the tree stays clean: of all of terraform/ for an example in it (examples
# call ../../modules), of the directory alone otherwise.
if [ -n "$IN_TREE" ]; then
  cp -r "$BLUEPRINT_ROOT/terraform" "$WORK/"
  RUN_DIR="$WORK/$(realpath --relative-to="$BLUEPRINT_ROOT" "$EXAMPLE")"
else
  cp -r "$EXAMPLE" "$WORK/example"
  RUN_DIR="$WORK/example"
fi
find "$WORK" \( -name .terraform -o -name .terraform.lock.hcl -o -name 'terraform.tfstate*' \) \
  -prune -exec rm -rf {} + 2>/dev/null || true
cd "$RUN_DIR"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
TF=("$BLUEPRINT_TERRAFORM")
VARS=(-var "aws_endpoint=http://127.0.0.1:$PORT")
echo "=== terraform: $("${TF[@]}" version | head -n 1) ($BLUEPRINT_TERRAFORM)"
# The lock file first, from the mirror: `terraform init` then finds the provider's checksum
# already recorded instead of computing it and warning that the lock file is incomplete.
PLATFORM="$("${TF[@]}" version -json | sed -n 's/^ *"platform": *"\([^"]*\)".*/\1/p')"
if grep -qs 'blueprint-iac/blueprint' ./*.tf; then
  "${TF[@]}" providers lock -fs-mirror="$STATE_DIR/mirror" -platform="$PLATFORM" -no-color \
    registry.terraform.io/blueprint-iac/blueprint >/dev/null
fi
"${TF[@]}" init -input=false -no-color
# The outputs are printed once, by `terraform output` below: the plans' "Changes to Outputs:"
# blocks (indented lines up to the next unindented one) and apply's closing "Outputs:" section
# are left out.
WITHOUT_OUTPUTS='/^Outputs:$/ { done = 1 }
  /^Changes to Outputs:$/ { skip = 1; next }
  skip && /^[^ ]/ { skip = 0 }
  !skip && !done { print; fflush() }'
"${TF[@]}" apply -auto-approve -input=false -no-color "${VARS[@]}" | awk "$WITHOUT_OUTPUTS"
echo "=== outputs"
"${TF[@]}" output -no-color

# What the apply made, from the state (resource addresses and ids), before destroying it.
list_state() { # MODE: managed or data
  "${TF[@]}" show -json -no-color | "$BLUEPRINT_VENV/bin/python" -c '
import json, sys
mode = sys.argv[1]
doc = json.load(sys.stdin)
def walk(module):
    for r in module.get("resources", []):
        if r.get("mode") != mode:
            continue
        v = r.get("values") or {}
        print("  %-60s id=%s" % (r["address"], v.get("id") or v.get("arn") or "-"))
    for child in module.get("child_modules", []):
        walk(child)
walk((doc.get("values") or {}).get("root_module") or {})
' "$1"
}
CREATED="$(list_state managed)"
READ="$(list_state data)"
# The destroy's plan repeats what the list above says: from it only its "Plan:" line is kept.
"${TF[@]}" destroy -auto-approve -input=false -no-color "${VARS[@]}" |
  awk 'BEGIN { plan = 1 } plan && /^(Plan: |No changes)/ { plan = 0 } !plan { print; fflush() }' |
  awk "$WITHOUT_OUTPUTS"
LEFT="$("${TF[@]}" state list 2>/dev/null || true)"
echo "=== created by apply (managed resources in the state, before destroy)"
echo "${CREATED:-  (none)}"
echo "=== read (data sources; nothing to destroy)"
echo "${READ:-  (none)}"
if [ -n "$LEFT" ]; then
  echo "=== NOT destroyed, still in the state:"
  echo "$LEFT" | sed 's/^/  /'
  exit 1
fi
if [ -n "$CREATED" ]; then
  echo "=== destroyed: the $(printf '%s\n' "$CREATED" | wc -l) managed resource(s) above; the state is empty"
else
  echo "=== destroyed: nothing to destroy; the state is empty"
fi
