#!/usr/bin/env bash
# The main job: build the provider, install it into a local filesystem mirror, start a local
# AWS-compatible endpoint (moto), then `terraform init && terraform apply` the example in
# terraform/examples/caller-identity, print its outputs, and destroy it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$BLUEPRINT_ROOT"

EXAMPLE="${1:-terraform/examples/caller-identity}"
cargo build --locked -p terraform-provider-blueprint -p blueprint-e2e --bins
STATE_DIR="$BLUEPRINT_ROOT/.blueprint"
"$CARGO_TARGET_DIR/debug/blueprint-install" \
  --binary "$CARGO_TARGET_DIR/debug/terraform-provider-blueprint" \
  --mirror "$STATE_DIR/mirror" --cli-config "$STATE_DIR/terraform.rc"
export TF_CLI_CONFIG_FILE="$STATE_DIR/terraform.rc"

PORT="$("$BLUEPRINT_VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
MOTO_LOG="$STATE_DIR/moto.log"
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ECS_SERVICE_RUNNING=true \
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
"${TF[@]}" init -input=false -no-color
"${TF[@]}" apply -auto-approve -input=false -no-color "${VARS[@]}"
echo "=== outputs"
"${TF[@]}" output -no-color
"${TF[@]}" destroy -auto-approve -input=false -no-color "${VARS[@]}"
