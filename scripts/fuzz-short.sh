#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a short time, starting from its
# committed seeds in fuzz/corpus/<target>/; fails at the first crash.
#
#   FUZZ_SECONDS   seconds per target (default 12); 0 only replays the seeds
#   FUZZ_TARGETS   space-separated targets (default: all of `cargo fuzz list`)
#
# Needs the nightly toolchain and cargo-fuzz 0.13.2 (.ci/run installs it).
# Targets are built once, without a sanitizer (the core has one small unsafe
# function, json::Scratch::init_in_place, and
# AddressSanitizer would halve the executions) and without comparison tracing
# (it took about 40% of the structured targets' time; their strings come from
# dictionaries, so its hints matter little), but with debug assertions and
# overflow checks. New inputs go to a scratch folder, so the committed corpus
# stays as it is; a crash is saved under fuzz/artifacts/<target>/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# 12 s, not 20: this run replays the seeds and catches what a few seconds find;
# finding deep bugs is the long runs' job (fuzz/README.md). Measured with a fixed
# seed over the executions a 20 s CI run makes, the first 60% of them (12 s)
# reached 95-97% of the edges (c_api 3693 of 3851, churn 2679 of 2753, cli_load
# 6642 of 6977); the 8 s saved per target are 72 s of a CI run.
seconds=${FUZZ_SECONDS:-12}
flags=(--sanitizer none --no-trace-compares)

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz-short: cargo-fuzz is missing: cargo install --locked cargo-fuzz --version 0.13.2" >&2
    exit 1
fi

if [ -n "${FUZZ_TARGETS:-}" ]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

# fuzz/ is its own workspace, so the root `cargo fmt --all` does not see it.
cargo fmt --manifest-path fuzz/Cargo.toml -- --check

echo "fuzz-short: building ${targets[*]}"
cargo +nightly fuzz build "${flags[@]}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

summary=()
for t in "${targets[@]}"; do
    seeds="fuzz/corpus/$t"
    mkdir -p "$scratch/$t"
    if [ "$seconds" -gt 0 ]; then
        limit=(-max_total_time="$seconds")
    else
        limit=(-runs=0)
    fi
    echo
    echo "fuzz-short: $t for ${seconds}s from $seeds"
    log="$scratch/$t.log"
    # The first folder receives new inputs; the seeds are only read.
    set +e
    cargo +nightly fuzz run "${flags[@]}" "$t" "$scratch/$t" "$seeds" -- \
        "${limit[@]}" -timeout=30 -print_final_stats=1 2>&1 | tee "$log" | grep -E \
        '^#[0-9]+[[:space:]]+(INITED|DONE)|panicked|SUMMARY|Test unit written|^Done'
    status=${PIPESTATUS[0]}
    set -e
    if [ "$status" -ne 0 ]; then
        echo "fuzz-short: $t FAILED (exit $status):" >&2
        grep -A 4 -m 1 'panicked' "$log" >&2 || tail -n 40 "$log" >&2
        grep -E 'Test unit written|^Reproduce with|cargo fuzz run' "$log" >&2 || true
        echo "(full output: cargo +nightly fuzz fmt ${flags[*]} $t <the crash file> decodes the input)" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    summary+=("$t: ${runs:-?} executions")
done

echo
echo "fuzz-short: no crash in ${seconds}s per target (${summary[*]})"
