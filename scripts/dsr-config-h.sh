#!/usr/bin/env bash
# Writes the dsr_config.h of one build of libdsr: DSR_ENGINE_SIZE,
# DSR_ENGINE_ALIGN, DSR_PLAN_SIZE, DSR_PLAN_ALIGN, DSR_SNAPSHOT_MAX_SIZE, the
# capacities (DSR_NODES, ...), the per-call limits and DSR_CONFIG_ID, for C
# that sizes memory at compile time:
#
#   #include "dsr.h"
#   #include "dsr_config.h"
#   static _Alignas(DSR_ENGINE_ALIGN) unsigned char mem[DSR_ENGINE_SIZE];
#   ... if (DSR_CONFIG_CHECK() != DSR_RESULT_OK) { /* linked another build */ }
#
#   scripts/dsr-config-h.sh LIBRARY OUT     e.g. target/release/libdsr.a include-dir/dsr_config.h
#
# The sizes are size_of of the library's types for its target, known only
# when dsr-ffi is compiled; the library carries the header's text (ffi/src/
# config.rs renders it by const evaluation) between two marker lines, and this
# copies it out of LIBRARY (libdsr.a or libdsr.so, of any target, object format
# or profile). No tool but sed and awk is needed.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: dsr-config-h.sh LIBRARY OUT" >&2; exit 2; }
lib=$1
out=$2
[ -f "$lib" ] || { echo "dsr-config-h: no $lib" >&2; exit 1; }

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# The first copy between the markers (an archive or a shared object holds one;
# a debug build may hold the same text twice).
LC_ALL=C awk '
    /^\/\* dsr_config\.h: begin \*\/$/ { on = 1; next }
    on && /^\/\* dsr_config\.h: end \*\/$/ { found = 1; exit }
    on { print }
    END { exit found ? 0 : 1 }' "$lib" >"$tmp" ||
    { echo "dsr-config-h: $lib has no dsr_config.h (a libdsr older than 0.1.0's dsr_config_check?)" >&2; exit 1; }
grep -q '^#define DSR_ENGINE_SIZE [0-9][0-9]*u$' "$tmp" &&
    grep -q '^#define DSR_CONFIG_ID 0x[0-9a-f]\{16\}ull$' "$tmp" ||
    { echo "dsr-config-h: the dsr_config.h in $lib is damaged" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
cp "$tmp" "$out"
echo "dsr-config-h: wrote $out ($(sed -n 's/^#define DSR_ENGINE_SIZE \([0-9]*\)u$/\1/p' "$out")-byte engine)"
