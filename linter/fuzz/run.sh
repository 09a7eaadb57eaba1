#!/usr/bin/env bash
# Runs the front-end fuzzers under libFuzzer with the stable toolchain.
#
#   linter/fuzz/run.sh [SECONDS] [TARGET...]     (default: 300 s each, every target)
#
# Seeds each target's corpus (fuzz/corpus/TARGET, git-ignored) from terraform/lint-fixtures and
# terraform/examples, then runs `cargo fuzz run` with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes
# nightly-only `-Z` flags; no nightly toolchain is needed). Crashes land in
# fuzz/artifacts/TARGET/ (git-ignored): minimize one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz tmin TARGET fuzz/artifacts/TARGET/crash-...
# and add it to tests/fuzz-regressions/TARGET/ (tests/fuzz_regressions.rs replays them).
#
# Environment: FUZZ_SANITIZER (address, the default, or none), CARGO_TARGET_DIR, extra libFuzzer
# flags in FUZZ_ARGS (e.g. `-fork=2` for both cores).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(frontend frontend_json frontend_plan)
fi
command -v cargo-fuzz >/dev/null || {
    echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
}
seed() {
    local target=$1 dir=fuzz/corpus/$1 f name
    mkdir -p "$dir"
    while IFS= read -r -d '' f; do
        name=$(sha1sum "$f" | cut -c1-16)
        case "$target:$f" in
        frontend_json:*.tf.json) { printf '\0'; cat "$f"; } >"$dir/$name" ;;
        frontend_json:*.tfvars.json) { printf '\1'; cat "$f"; } >"$dir/$name" ;;
        frontend_json:*) ;;
        frontend_plan:*) ;;
        *) cp "$f" "$dir/$name" ;;
        esac
    done < <(find ../terraform/lint-fixtures ../terraform/examples -path '*/.terraform' -prune -o \
        \( -name '*.tf' -o -name '*.tf.json' -o -name '*.tfvars' -o -name '*.tfvars.json' \) \
        -type f -print0)
    # The plan target starts from the plan fixtures (real and synthesized plans).
    if [ "$target" = frontend_plan ]; then
        while IFS= read -r -d '' f; do
            cp "$f" "$dir/$(sha1sum "$f" | cut -c1-16)"
        done < <(find ../terraform/plan-fixtures -name '*.json' -type f -print0)
    fi
    # Inputs the fuzzers once crashed on stay in the corpus.
    for f in "tests/fuzz-regressions/$target"/*; do
        [ -f "$f" ] && cp "$f" "$dir/regression-$(basename "$f")"
    done
    return 0
}
for t in "${targets[@]}"; do
    seed "$t"
    echo "== $t: ${seconds}s, sanitizer ${FUZZ_SANITIZER:-address}" >&2
    # shellcheck disable=SC2086
    RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer "${FUZZ_SANITIZER:-address}" "$t" "fuzz/corpus/$t" -- \
        -dict="fuzz/$([ "$t" = frontend_plan ] && echo plan || echo hcl).dict" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 ${FUZZ_ARGS:-}
done
