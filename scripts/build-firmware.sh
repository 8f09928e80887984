#!/usr/bin/env bash
# The firmware build of libdsr: dsr-ffi as a no_std staticlib (no `std`
# feature, panic = "abort", opt-level "z", LTO, one codegen unit, LLVM's
# machine outliner on, inline threshold 20; features `panic-handler` and
# `compact`), in its own target directory so that it never overwrites the
# hosted target/release/libdsr.a, and the build's dsr_config.h beside it.
#
# The outliner (`-C llvm-args=-enable-machine-outliner=always`, given to the
# final crate, where LTO generates all the code) moves instruction sequences
# repeated across functions into shared ones: 1.5 KB less .text of the json
# firmware program on x86-64 (0.3 KB without json), a few bytes more stack.
# The inliner's threshold is 20 (`-C llvm-args=-inline-threshold=20`; opt-level
# "z" leaves LLVM's own for minimum size): 1.9 KB less with json, 2.1 KB less
# without, and less stack (functions called from several places stay out of
# line). The size moves in steps with it (16 to 20 measured the same; 10, 25
# and 30 gave 0.6 to 2 KB more).
#
#   bash scripts/build-firmware.sh                 # host target
#   bash scripts/build-firmware.sh --target thumbv7em-none-eabihf
#   DSR_JSON=1 bash scripts/build-firmware.sh      # with Kubernetes JSON in
#
# writes target/firmware/[TRIPLE/]release/libdsr.a and
# target/firmware/[TRIPLE/]include/dsr_config.h (DSR_ENGINE_SIZE, ...), and
# prints both paths. Arguments are passed to cargo (--target, -v, ...; cargo
# options only: the rustc flags above come after them).
#
# The capacities are the DSR_* variables below: the gateway sizing of the core's
# `GatewayEngine` (one node, 16 DaemonSets, 32 pods; an engine under 16 KiB of
# tables), with per-call limits to match. Each can be overridden from the
# environment (DSR_NODES=4 bash scripts/build-firmware.sh); ffi/README.md
# lists what each one sizes.
#
# DSR_JSON=1 adds dsr-ffi's `json` feature (the core's no_std JSON decoding of
# Kubernetes objects and watch events, behind dsr_engine_apply): more code (the
# budget is 128 KiB of .text with it, 96 KiB without), the same engine API
# otherwise. Default 0.
#
# Environment: FIRMWARE_TARGET_DIR (default target/firmware), DSR_JSON (0 or 1),
# DSR_* (below).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir=${FIRMWARE_TARGET_DIR:-$root/target/firmware}
case "$target_dir" in /*) ;; *) target_dir=$root/$target_dir ;; esac

# The firmware profile, in one place.
: "${DSR_NODES:=1}" "${DSR_DAEMON_SETS:=16}" "${DSR_PODS:=32}"
: "${DSR_STRINGS:=144}" "${DSR_STRING_BYTES:=2816}" "${DSR_LABELS:=144}"
: "${DSR_RULES:=36}" "${DSR_TAINTS:=8}" "${DSR_TERMS:=8}" "${DSR_BACKOFF:=16}"
: "${DSR_CALL_LABELS:=32}" "${DSR_CALL_TAINTS:=8}" "${DSR_CALL_TOLERATIONS:=8}"
: "${DSR_CALL_REQUIREMENTS:=16}" "${DSR_CALL_VALUES:=32}" "${DSR_CALL_TERMS:=4}"
: "${DSR_PLAN:=32}" "${DSR_CALL_CONTAINERS:=4}"
export DSR_NODES DSR_DAEMON_SETS DSR_PODS DSR_STRINGS DSR_STRING_BYTES DSR_LABELS \
    DSR_RULES DSR_TAINTS DSR_TERMS DSR_BACKOFF DSR_CALL_LABELS DSR_CALL_TAINTS \
    DSR_CALL_TOLERATIONS DSR_CALL_REQUIREMENTS DSR_CALL_VALUES DSR_CALL_TERMS DSR_PLAN \
    DSR_CALL_CONTAINERS

# Where cargo puts the archive: TARGET_DIR[/TRIPLE]/release.
triple=
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --target) triple=${args[i + 1]:-} ;;
        --target=*) triple=${args[i]#--target=} ;;
    esac
done
out=$target_dir${triple:+/$triple}

features=panic-handler,compact
case "${DSR_JSON:-0}" in
    0) ;;
    1) features=$features,json ;;
    *) echo "build-firmware: DSR_JSON must be 0 or 1, not '$DSR_JSON'" >&2; exit 2 ;;
esac

echo "build-firmware: DSR_NODES=$DSR_NODES DSR_DAEMON_SETS=$DSR_DAEMON_SETS DSR_PODS=$DSR_PODS" \
    "DSR_STRINGS=$DSR_STRINGS DSR_STRING_BYTES=$DSR_STRING_BYTES DSR_LABELS=$DSR_LABELS" \
    "DSR_RULES=$DSR_RULES DSR_TAINTS=$DSR_TAINTS DSR_TERMS=$DSR_TERMS DSR_BACKOFF=$DSR_BACKOFF" \
    "DSR_PLAN=$DSR_PLAN DSR_JSON=${DSR_JSON:-0}" >&2
(cd "$root" && CARGO_TARGET_DIR=$target_dir cargo rustc -p dsr-ffi --lib --release \
    --crate-type staticlib --no-default-features --features "$features" \
    --config 'profile.release.panic="abort"' --config 'profile.release.opt-level="z"' \
    --config 'profile.release.lto=true' --config 'profile.release.codegen-units=1' "$@" \
    -- -C llvm-args=-enable-machine-outliner=always -C llvm-args=-inline-threshold=20)
archive=$out/release/libdsr.a
[ -f "$archive" ] || { echo "build-firmware: cargo finished but $archive does not exist" >&2; exit 1; }
bash "$root/scripts/dsr-config-h.sh" "$archive" "$out/include/dsr_config.h" >&2
echo "$archive"
echo "$out/include/dsr_config.h"
