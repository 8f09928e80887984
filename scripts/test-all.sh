#!/usr/bin/env bash
# Run every test of the repository; the one command CI runs (via .ci/run).
#
# Steps, in order, stopping at the first failure:
#   fmt, clippy, doc, test (cargo test --workspace, once), conformance
#   (the dsr CLI over tests/data/conformance), nostd (self-test, then the
#   no_std / no-alloc symbol check), fuzz (each cargo-fuzz target for
#   FUZZ_SECONDS, default 20, from its seeds: scripts/fuzz-short.sh),
#   shared-data (tests/data vs ../shared).
# Ends with one summary line: "test-all: PASSED ..." or "test-all: FAILED ...".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# >>> CONFORMANCE_DIRS: vector folders (or files) run by `dsr conformance`.
# Add tests/data/conformance/controller once the controller sync lands.
CONFORMANCE_DIRS=(
    tests/data/conformance/placement
)
# <<< CONFORMANCE_DIRS

start=$SECONDS
current=""
passed=()

finish() {
    local rc=$?
    local total=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
        echo
        echo "test-all: PASSED all ${#passed[@]} steps (${passed[*]}) in ${total}s"
    else
        echo
        echo "test-all: FAILED at step '${current:-setup}' (exit $rc) after ${total}s;" \
            "passed before it: ${passed[*]:-none}" >&2
    fi
}
trap finish EXIT

# step NAME DESCRIPTION COMMAND...: runs one step under a header; set -e stops
# the script (and finish reports the step) when it fails.
step() {
    current=$1
    local what=$2
    shift 2
    local t=$SECONDS
    echo
    echo "==> [$current] $what"
    "$@"
    echo "==> [$current] ok ($((SECONDS - t))s)"
    passed+=("$current")
}

doc_step() {
    RUSTDOCFLAGS="${RUSTDOCFLAGS:+$RUSTDOCFLAGS }-D warnings" cargo doc --workspace --no-deps
}

nostd_step() {
    bash tests/nostd-check/check.sh --self-test
    bash tests/nostd-check/check.sh
}

step fmt "cargo fmt --all -- --check" \
    cargo fmt --all -- --check
step clippy "cargo clippy --workspace --all-targets -- -D warnings" \
    cargo clippy --workspace --all-targets -- -D warnings
step doc "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps" \
    doc_step
step test "cargo test --workspace" \
    cargo test --workspace
step conformance "dsr conformance ${CONFORMANCE_DIRS[*]}" \
    cargo run --release -q -p dsr-cli -- conformance "${CONFORMANCE_DIRS[@]}"
step nostd "tests/nostd-check/check.sh --self-test, then the check" \
    nostd_step
step fuzz "fuzz (short runs): scripts/fuzz-short.sh, ${FUZZ_SECONDS:-20}s per target" \
    bash scripts/fuzz-short.sh
step shared-data "scripts/sync-shared-data.sh --check" \
    bash scripts/sync-shared-data.sh --check
current=""
