#!/usr/bin/env bash
# The main job: build the provider, install it into a local filesystem mirror, start a local
# AWS-compatible endpoint (moto), then `terraform init && terraform apply` the example in
# terraform/examples/caller-identity, print its outputs, and destroy it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$BLUEPRINT_ROOT"

EXAMPLE="${1:-terraform/examples/caller-identity}"

# Build with visible progress: cargo's own progress bar on a terminal, its `Compiling` lines
# otherwise, and a heartbeat every minute naming the crates rustc is busy with (the AWS SDK
# crates take minutes each on a clean clone). `--workspace --bins` is the build scripts/test.sh
# makes first, so a demo and then the tests compile everything once.
echo "=== building (a clean clone compiles the AWS SDK crates: tens of minutes on 2 cores)" >&2
BUILD_START=$SECONDS
cargo build --locked --workspace --bins &
CARGO_PID=$!
(
  while sleep 60; do
    busy="$(ps -o args= --ppid "$CARGO_PID" 2>/dev/null |
      sed -n 's/.*--crate-name \([^ ]*\).*/\1/p' | sort -u | tr '\n' ' ')"
    printf '[demo] still building after %d min%s\n' "$(((SECONDS - BUILD_START) / 60))" \
      "${busy:+: compiling $busy}" >&2
  done
) &
HEARTBEAT_PID=$!
BUILD_STATUS=0
wait "$CARGO_PID" || BUILD_STATUS=$?
kill "$HEARTBEAT_PID" 2>/dev/null || true
wait "$HEARTBEAT_PID" 2>/dev/null || true
if [ "$BUILD_STATUS" -ne 0 ]; then
  echo "cargo build failed (exit $BUILD_STATUS)" >&2
  exit "$BUILD_STATUS"
fi
echo "=== built in $((SECONDS - BUILD_START)) s" >&2
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

# Work on a copy of terraform/ (examples call ../../modules) so the tree stays clean.
REL="$(realpath --relative-to="$BLUEPRINT_ROOT" "$EXAMPLE")"
cp -r "$BLUEPRINT_ROOT/terraform" "$WORK/"
find "$WORK" -name .terraform -prune -exec rm -rf {} + 2>/dev/null || true
cd "$WORK/$REL"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
TF=("$BLUEPRINT_TERRAFORM")
VARS=(-var "aws_endpoint=http://127.0.0.1:$PORT")
echo "=== terraform: $("${TF[@]}" version | head -n 1) ($BLUEPRINT_TERRAFORM)"
"${TF[@]}" init -input=false -no-color
"${TF[@]}" apply -auto-approve -input=false -no-color "${VARS[@]}"
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
"${TF[@]}" destroy -auto-approve -input=false -no-color "${VARS[@]}"
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
