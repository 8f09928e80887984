#!/usr/bin/env bash
# Build the C tests against libdsr.a with -Werror under AddressSanitizer and
# UndefinedBehaviorSanitizer, and run them (and the example program).
#
#   tests/c/run.sh            builds target/release/libdsr.a first (cargo)
#   tests/c/run.sh --no-build uses the libdsr.a that is there
#
# Environment: CC (default cc), CARGO_TARGET_DIR (honoured).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
CC=${CC:-cc}
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
lib=$target/release/libdsr.a

if [ "${1-}" != "--no-build" ]; then
    (cd "$root" && cargo build -p dsr-ffi --release --lib)
fi
[ -f "$lib" ] || { echo "c-tests: no $lib" >&2; exit 1; }

# The libraries a std staticlib needs, as ffi/pkg/dsr-static.pc lists them
# (tests/pkgconfig/check.sh compares them with rustc --print native-static-libs).
read -r -a native_libs <<<"$(sed -n 's/^Libs: \${libdir}\/libdsr\.a //p' "$root/ffi/pkg/dsr-static.pc.in")"
[ "${#native_libs[@]}" -gt 0 ] || { echo "c-tests: no libraries in ffi/pkg/dsr-static.pc.in" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The dsr_config.h of the library linked (DSR_ENGINE_SIZE, ...).
bash "$root/scripts/dsr-config-h.sh" "$lib" "$tmp/include/dsr_config.h"
cflags=(-std=c11 -g -O1 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wno-sign-conversion
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
    -I"$root/include" -I"$tmp/include" -pthread)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "--- tests/c/test_dsr.c (ASan + UBSan)"
"$CC" "${cflags[@]}" -o "$tmp/test_dsr" "$here/test_dsr.c" "$lib" "${native_libs[@]}"
"$tmp/test_dsr"

echo "--- tests/c/test_apply.c (ASan + UBSan)"
"$CC" "${cflags[@]}" -o "$tmp/test_apply" "$here/test_apply.c" "$lib" "${native_libs[@]}"
"$tmp/test_apply" "$root/tests/data/manifests"

# A `List` of several objects needs a scratch for them (DSR_JSON_OBJECTS, 1
# by default): the List tests again against a library that reads four objects
# per call and holds three nodes (a List checked whole before any item is
# applied; one that runs out of room part-way), built in its own target dir
# (so the libdsr.a above stays as it is), also with --no-build.
echo "--- tests/c/test_apply.c lists (DSR_JSON_OBJECTS=4 DSR_NODES=3; ASan + UBSan)"
lists_target=$target/c-lists
(cd "$root" && DSR_JSON_OBJECTS=4 DSR_NODES=3 CARGO_TARGET_DIR=$lists_target \
    cargo build -p dsr-ffi --release --lib)
mkdir -p "$tmp/lists/include"
bash "$root/scripts/dsr-config-h.sh" "$lists_target/release/libdsr.a" "$tmp/lists/include/dsr_config.h"
lists_cflags=()
for f in "${cflags[@]}"; do
    [ "$f" = "-I$tmp/include" ] && f=-I$tmp/lists/include
    lists_cflags+=("$f")
done
"$CC" "${lists_cflags[@]}" -o "$tmp/test_apply_lists" "$here/test_apply.c" \
    "$lists_target/release/libdsr.a" "${native_libs[@]}"
"$tmp/test_apply_lists" "$root/tests/data/manifests" lists

echo "--- examples/c/placement.c (ASan + UBSan)"
"$CC" "${cflags[@]}" -o "$tmp/placement" "$root/examples/c/placement.c" "$lib" "${native_libs[@]}"
"$tmp/placement" >"$tmp/placement.out"
cat "$tmp/placement.out"
diff -u "$root/examples/c/placement.expected" "$tmp/placement.out" ||
    { echo "c-tests: examples/c/placement.c printed something else than placement.expected" >&2; exit 1; }
# examples/c/apply.c: the fluentd-elasticsearch DaemonSet and the 17 manifest
# nodes from their JSON files. examples/apply.expected is what the Go example
# prints too (tests/go/run.sh), and agrees with `dsr explain`
# (go/manifests_test.go: TestApplyExampleAgreesWithDsrExplain).
echo "--- examples/c/apply.c (ASan + UBSan)"
"$CC" "${cflags[@]}" -o "$tmp/apply" "$root/examples/c/apply.c" "$lib" "${native_libs[@]}"
(cd "$root" && LC_ALL=C "$tmp/apply" tests/data/manifests/daemonsets/kubernetes-website-fluentd-elasticsearch.json \
    tests/data/manifests/nodes/*.json) >"$tmp/apply.out"
diff -u "$root/examples/apply.expected" "$tmp/apply.out" ||
    { echo "c-tests: examples/c/apply.c printed something else than examples/apply.expected" >&2; exit 1; }

# examples/agent/c/agent.c: replays tests/data/watch/agent-gateway.jsonl,
# against examples/agent/expected.txt, and resumes from its snapshot.
echo "--- examples/agent/c/agent.c (ASan + UBSan)"
"$CC" "${cflags[@]}" -o "$tmp/agent" "$root/examples/agent/c/agent.c" "$lib" "${native_libs[@]}"
bash "$root/tests/agent/check.sh" "$tmp/agent"

echo "c-tests: passed"
