# Sourced by scripts/demo.sh and scripts/test.sh: `cargo_with_progress TAG WHAT CARGO-ARGS...`
# runs `cargo CARGO-ARGS...` with a line every minute (BLUEPRINT_PROGRESS_SECONDS seconds) on
# stderr naming the crates rustc is busy with (a cold build spends minutes in single crates
# without printing anything), then says how long it took. Returns cargo's status.
cargo_with_progress() {
  local tag="$1" what="$2"
  shift 2
  local start=$SECONDS status=0 cargo_pid heartbeat_pid
  printf '=== %s\n' "$what" >&2
  cargo "$@" &
  cargo_pid=$!
  (
    while sleep "${BLUEPRINT_PROGRESS_SECONDS:-60}"; do
      busy="$(ps -o args= --ppid "$cargo_pid" 2>/dev/null |
        sed -n 's/.*--crate-name \([^ ]*\).*/\1/p' | sort -u | paste -sd ' ')"
      printf '[%s] still compiling after %d min%s\n' "$tag" "$(((SECONDS - start) / 60))" \
        "${busy:+: rustc is busy with $busy}" >&2
    done
  ) &
  heartbeat_pid=$!
  wait "$cargo_pid" || status=$?
  kill "$heartbeat_pid" 2>/dev/null || true
  wait "$heartbeat_pid" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    printf '=== cargo %s failed (exit %s)\n' "$1" "$status" >&2
  else
    printf '=== done in %d s\n' "$((SECONDS - start))" >&2
  fi
  return "$status"
}
