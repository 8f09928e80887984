#!/usr/bin/env bash
# Run every test of the repository; the one command CI runs (via .ci/run).
#
# Steps, in order, stopping at the first failure:
#   fmt, clippy, doc, features, test (cargo test --workspace, once), stack
#   (the stack-painting test, optimized: every call within 4 KiB), conformance
#   (the test step's debug dsr CLI over CONFORMANCE_DIRS), nostd (self-test,
#   then the no_std / no-alloc symbol check), header (include/dsr.h fresh and
#   standalone), libdsr (one release build of libdsr.a/.so, reused by the next
#   steps), c-tests (tests/c under ASan+UBSan), pkgconfig (install, then
#   link examples/c with the documented flags, shared and static), firmware
#   (no_std libdsr.a: no-alloc symbol check, linked into a C program), go
#   (go vet, go test, go test with GOGC=1; then a module outside the
#   repository against an installed libdsr), docs (every C and Go block of
#   README.md and ffi/README.md built and run), fuzz (each cargo-fuzz target for
#   FUZZ_SECONDS, default 12, from its seeds: scripts/fuzz-short.sh),
#   shared-data (tests/data vs ../shared).
# Ends with one summary line: "test-all: PASSED ..." or "test-all: FAILED ...".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Disk: one run builds the workspace's tests several times (feature sets, release,
# fuzz); with full debug info and incremental caches that reached 16 GB and filled
# a CI disk. Line tables keep panics' locations; incremental caches never pay off
# in a one-shot run. Either can be overridden from the environment.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"

# >>> CONFORMANCE_DIRS: vector folders (or files) run by `dsr conformance`.
# The whole tree: placement/ and controller/ (reconcile); conformance-next/ holds
# the vectors published after it (toleration operators Gt/Lt, issue 13).
CONFORMANCE_DIRS=(
    tests/data/conformance
    tests/data/conformance-next
)
# <<< CONFORMANCE_DIRS

start=$SECONDS
current=""
passed=()

finish() {
    local rc=$?
    local total=$((SECONDS - start))
    df -h "$root" | tail -n 1 | awk '{print "test-all: disk " $3 " used, " $4 " free"}'
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
features_step() {
    # Each optional feature of the core alone and all together, so a feature set
    # that does not build is caught (cargo-hack style, without the tool).
    local f
    for f in "" defmt log serde "defmt serde" "log serde" compact json "json compact" "json defmt"; do
        echo "-- dsr-core features: ${f:-none}"
        cargo check -q -p dsr-core --no-default-features ${f:+--features "$f"}
    done
    # defmt and log exclude each other, with a readable compile_error!.
    if cargo check -q -p dsr-core --features "defmt log" 2>/tmp/dsr-both.txt; then
        echo "defmt + log built; it must not" >&2
        return 1
    fi
    grep -q "exclude each other" /tmp/dsr-both.txt
    cargo test -q -p dsr-core --features log --test logging
    # `compact` (the firmware build's) changes algorithms, never results: the
    # core's tests, plans included, pass with it too.
    cargo test -q -p dsr-core --features compact
    # `json` adds Engine::apply; the core's tests pass with it (its own tests
    # are in cli/tests/json_apply.rs, against the CLI's loader).
    cargo test -q -p dsr-core --features "json compact"
}

step features "dsr-core with each feature set" \
    features_step
step test "cargo test --workspace" \
    cargo test --workspace
# The stack bound (4 KiB per call) holds for optimized builds, as firmware runs
# them; `cargo test` above checks the debug build's looser bound.
step stack "cargo test --release -p dsr-core --features json --test stack: worst-case stack per call, optimized" \
    cargo test --release -p dsr-core --features json --test stack -- --nocapture
# The debug binary that `cargo test --workspace` just built for the CLI's tests: the
# vectors take seconds there. Not `cargo run -p dsr-cli`: alone, the CLI unifies
# other features of dsr-core, serde and serde_json than the workspace's tests do, so
# it rebuilt them and the CLI (35 s of a cold run); a release build would add minutes.
conformance_step() {
    local dsr="${CARGO_TARGET_DIR:-target}/debug/dsr"
    [ -x "$dsr" ] || { echo "no $dsr: the test step builds it" >&2; return 1; }
    "$dsr" conformance "${CONFORMANCE_DIRS[@]}"
}
step conformance "dsr conformance ${CONFORMANCE_DIRS[*]} (the test step's debug build)" \
    conformance_step
step nostd "tests/nostd-check/check.sh --self-test, then the check" \
    nostd_step
step header "tests/header/check.sh: include/dsr.h regenerated and diffed, compiled alone as C99/C++" \
    bash tests/header/check.sh
step libdsr "cargo build -p dsr-ffi --release --lib (libdsr.a, libdsr.so)" \
    cargo build -p dsr-ffi --release --lib
step c-tests "tests/c/run.sh --no-build: C tests and examples/c against libdsr.a under ASan+UBSan" \
    bash tests/c/run.sh --no-build
step pkgconfig "tests/pkgconfig/check.sh: dsr.pc and dsr-static.pc link examples/c/placement.c" \
    bash tests/pkgconfig/check.sh
step firmware "tests/firmware/check.sh: no_std libdsr.a has no heap symbols and decides placement from C" \
    bash tests/firmware/check.sh
step go "tests/go/run.sh: gofmt, go vet, go test and GOGC=1 go test of go/; tests/go/outside.sh" \
    bash tests/go/run.sh
step docs "tests/docs/check.sh: the C and Go blocks of README.md and ffi/README.md build and run" \
    bash tests/docs/check.sh
step fuzz "fuzz (short runs): scripts/fuzz-short.sh, ${FUZZ_SECONDS:-12}s per target" \
    bash scripts/fuzz-short.sh
step shared-data "scripts/sync-shared-data.sh --check" \
    bash scripts/sync-shared-data.sh --check
current=""
