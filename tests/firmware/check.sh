#!/usr/bin/env bash
# The firmware build of libdsr: dsr-ffi as a no_std staticlib (no `std`
# feature, panic = "abort", opt-level "z", LTO, the machine outliner; features
# `panic-handler` and `compact`) with the gateway profile of
# scripts/build-firmware.sh.
#
#   1. build it with scripts/build-firmware.sh into
#      target/firmware/release/libdsr.a (its own target dir, so the hosted
#      libdsr.a is not overwritten) and its dsr_config.h, with which
#      firmware.c sizes its static engine, plan and flash;
#   2. fail if nm shows malloc, calloc, realloc, free, __rust_alloc* or any
#      symbol from std or alloc (tests/nostd-check/check.sh --scan);
#   3. fail if dsr_engine_init builds the engine on the stack (x86-64 only:
#      no stack frame as large as half the engine);
#   4. link it into tests/firmware/firmware.c, a C program with the engine in
#      a static array, run it, and check its placement decision, a sync round
#      and a snapshot restored from a static "flash" array, and that no library
#      call it makes uses more than 4 KiB of stack (it paints the stack around
#      each call and prints what each used);
#   5. report the sizes: the dsr object's text and .text, and the .text of
#      the linked program, which must stay within FIRMWARE_TEXT_MAX bytes
#      (default 98304, 96 KiB: the code-size budget of the firmware build);
#      on x86-64, the largest stack frames of the exported functions;
#   6. build it again with the `json` feature (DSR_JSON=1), scan it the same
#      way, run the same program linked against it (with DSR_JSON set in
#      dsr_config.h it also applies a node watch event through
#      dsr_engine_apply and checks that a refused one changes nothing, so the
#      JSON decoder is linked and its stack measured) and report the same
#      sizes; the program's .text must stay within FIRMWARE_JSON_TEXT_MAX
#      bytes (default 131072, 128 KiB). The program measures 130408
#      bytes (x86-64; 148970 before the size work of issue 12, 138660
#      before its second round, 131516 before its third).
#      What made the room: the core's `Error` is 12 bytes
#      (was 40: `ValidationError`'s maxima are u16, `ParseError`'s positions
#      and the error's capacities u32), so a `Result` travels in registers
#      and each `?` moves two words; LLVM's inline threshold is 20 and its
#      machine outliner is on (scripts/build-firmware.sh); in `compact`,
#      small helpers stay out of line, a pool span is freed with one
#      memmove, a node update moves its string holds with the add and
#      remove code, times are read by one pattern loop, field names are
#      looked up in a table; and everywhere, DaemonSet and pod updates
#      compile the object once, an empty object is written in its slot (no
#      350-byte temporary), an error's name is read again with the decode's
#      own context, a one-object scratch leaves the `List` stage out; in the
#      third round, the JSON objects of which one field is read share one
#      reader (`One`, compact), apply's error is written where the C
#      library keeps it (not made on the stack and copied three times),
#      keys and strings are read with the skipper's visitor (compact: the
#      parser's string code made once) and a document's objects are opened
#      and closed by one pair of functions.
#      What json adds (37.9 KB) is the JSON reading itself (about 21 KB:
#      serde-json-core, the readers of each kind, the document and event
#      logic), apply (about 6 KB, the C entry point included) and the update
#      and removal paths of the engine that only apply reaches (about 8.5
#      KB);
#   7. build it again with 64 nodes and run the same program: no call's stack
#      may grow with the capacities past the same 4 KiB.
#
# What the no_std staticlib needs when linked on a hosted target: memcpy,
# memmove, memset, memcmp and bcmp, which the C library provides (on bare
# metal, compiler_builtins' "mem" functions or the vendor libc do), and
# __divti3, which the archive's compiler_builtins member provides; on a hosted
# target that member's unwind tables name rust_eh_personality, which
# firmware.c defines empty (panic = "abort" never calls it). The panic
# handler comes from the `panic-handler` feature.
#
# Environment: CC (default cc), NM (default nm), OBJDUMP (default objdump),
# FIRMWARE_TEXT_MAX (default 98304), FIRMWARE_JSON_TEXT_MAX (default 131072).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
CC=${CC:-cc}
OBJDUMP=${OBJDUMP:-objdump}
FIRMWARE_TEXT_MAX=${FIRMWARE_TEXT_MAX:-98304}
FIRMWARE_JSON_TEXT_MAX=${FIRMWARE_JSON_TEXT_MAX:-131072}
target=$root/target/firmware
archive=$target/release/libdsr.a

die() {
    echo "firmware-check: $*" >&2
    exit 1
}

# The firmware profile is scripts/build-firmware.sh's (the core's GatewayEngine
# sizing), with 4 nodes: the program places a pod on one of two nodes.
export DSR_NODES=4

# build_archive: the firmware build of libdsr.a (scripts/build-firmware.sh) for
# the DSR_* capacities and DSR_JSON in the environment, and its dsr_config.h.
export DSR_JSON=0
build_archive() {
    echo "--- building $archive with scripts/build-firmware.sh (DSR_NODES=$DSR_NODES DSR_JSON=$DSR_JSON)"
    FIRMWARE_TARGET_DIR=$target bash "$root/scripts/build-firmware.sh" >/dev/null ||
        die "FAILED: dsr-ffi does not build as a no_std staticlib"
    [ -f "$archive" ] || die "the script finished but $archive does not exist"
    [ -f "$target/include/dsr_config.h" ] || die "no $target/include/dsr_config.h"
}
build_archive

echo "--- scanning it for std, alloc and heap symbols"
bash "$root/tests/nostd-check/check.sh" --scan "$archive" dsr_engine_init

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
member=$(ar t "$archive" | grep '^dsr-' | head -n 1)
[ -n "$member" ] || die "no dsr object in $archive"
(cd "$tmp" && ar x "$archive" "$member")

if [ "$(uname -m)" = x86_64 ]; then
    echo "--- dsr_engine_init must not build the engine on the stack"
    "$OBJDUMP" -d --no-show-raw-insn "$tmp/$member" |
        awk '/<dsr_engine_init>:/,/^$/' >"$tmp/init.s"
    [ -s "$tmp/init.s" ] || die "no dsr_engine_init in $member"
    biggest=0
    for h in $(grep -oE 'sub +\$0x[0-9a-f]+,%rsp' "$tmp/init.s" | sed -E 's/.*\$0x([0-9a-f]+).*/\1/'); do
        [ $((16#$h)) -le "$biggest" ] || biggest=$((16#$h))
    done
    echo "largest stack frame in dsr_engine_init: $biggest bytes"
fi

echo "--- linking tests/firmware/firmware.c against it"
"$CC" -std=c11 -Os -Wall -Wextra -Wpedantic -Werror -I"$root/include" -I"$target/include" \
    -o "$tmp/firmware" "$here/firmware.c" "$archive" -Wl,--gc-sections
"$tmp/firmware" | tee "$tmp/out"
engine_size=$(sed -n 's/^firmware: engine \([0-9]*\) bytes.*/\1/p' "$tmp/out")
if [ -n "${biggest:-}" ] && [ "$biggest" -ge $((engine_size / 2)) ]; then
    die "FAILED: dsr_engine_init has a ${biggest}-byte stack frame for a ${engine_size}-byte engine"
fi

echo "--- sizes"
echo "libdsr.a (firmware build): $(wc -c <"$archive") bytes on disk" \
    "(mostly compiler_builtins objects a link leaves out)"
size "$tmp/$member" | awk 'NR == 2 { printf "dsr object: text %d, data %d, bss %d bytes (text: code and read-only data)\n", $1, $2, $3 }'
# .text alone: the dsr object (every exported function and what it reaches),
# and the C program linked with --gc-sections (what this firmware keeps).
section_text() { size -A "$1" | awk '$1 ~ /^\.text/ { t += $2 } END { print t + 0 }'; }
echo "dsr object .text: $(section_text "$tmp/$member") bytes"
program_text=$(section_text "$tmp/firmware")
echo "firmware program (tests/firmware/firmware.c linked, --gc-sections): .text" \
    "$program_text bytes (budget $FIRMWARE_TEXT_MAX), text" \
    "$(size "$tmp/firmware" | awk 'NR == 2 { print $1 }') bytes"
if [ "$(uname -m)" = x86_64 ]; then
    # Each exported function's own frame: the sum of its `sub $N,%rsp` (frames
    # over a page are allocated page by page). Its callees' frames come on top;
    # core/tests/stack.rs measures whole calls of the core.
    echo "largest stack frames of exported functions (bytes, own frame only):" \
        $("$OBJDUMP" -d --no-show-raw-insn "$tmp/$member" | awk '
            function hex(s,   i, v) {
                v = 0
                for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
                return v
            }
            /^[0-9a-f]+ <.*>:$/ { f = $2; gsub(/^<|>:$/, "", f); next }
            f ~ /^dsr_/ && match($0, /sub +\$0x[0-9a-f]+,%rsp/) {
                s = substr($0, RSTART, RLENGTH); sub(/^sub +\$0x/, "", s); sub(/,%rsp$/, "", s)
                frame[f] += hex(s)
            }
            END { for (f in frame) print frame[f], f }' | sort -rn | head -n 4 | awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
fi
echo "undefined symbols of the dsr object: $(nm --plugin /dev/null "$tmp/$member" 2>/dev/null |
    awk '$1 == "U" { print $2 }' | sort -u | tr '\n' ' ')"
echo "engine: $engine_size bytes ($(sed -n 's/^#define \(DSR_[A-Z_]*\) \([0-9]*\)u$/\1=\2/p' "$target/include/dsr_config.h" |
    grep -v -e ENGINE -e PLAN_ -e SNAPSHOT -e CALL | tr '\n' ' '))"
if [ "$program_text" -gt "$FIRMWARE_TEXT_MAX" ]; then
    die "FAILED: the firmware program's .text is $program_text bytes, over the budget of $FIRMWARE_TEXT_MAX"
fi

# The same with the `json` feature: heap-free too, the same program, and its own
# budget. dsr_engine_apply is what links the JSON code into a program.
echo "--- the build with the json feature (DSR_JSON=1)"
export DSR_JSON=1
build_archive
bash "$root/tests/nostd-check/check.sh" --scan "$archive" dsr_engine_init
mkdir "$tmp/json"
json_member=$(ar t "$archive" | grep '^dsr-' | head -n 1)
[ -n "$json_member" ] || die "no dsr object in $archive (json)"
(cd "$tmp/json" && ar x "$archive" "$json_member")
"$CC" -std=c11 -Os -Wall -Wextra -Wpedantic -Werror -I"$root/include" -I"$target/include" \
    -o "$tmp/firmware-json" "$here/firmware.c" "$archive" -Wl,--gc-sections
"$tmp/firmware-json" >"$tmp/out-json" || {
    cat "$tmp/out-json"
    die "FAILED: tests/firmware/firmware.c against the json build"
}
json_text=$(section_text "$tmp/firmware-json")
# grep reads all of nm's output (no -q): under pipefail, nm cut short by a grep
# that stopped at the first match would fail the test.
if nm "$tmp/firmware-json" 2>/dev/null | grep ' [Tt] dsr_engine_apply$' >/dev/null; then
    applies="dsr_engine_apply linked"
else
    die "FAILED: the program linked against the json build has no dsr_engine_apply (is DSR_JSON in dsr_config.h?)"
fi
echo "json build: dsr object .text $(section_text "$tmp/json/$json_member") bytes;" \
    "firmware program .text $json_text bytes (budget $FIRMWARE_JSON_TEXT_MAX; $applies)"
grep -E '^firmware: (engine|stack per call|deepest stack)|passed, ' "$tmp/out-json" | sed 's/^firmware:/firmware (json):/'
if [ "$json_text" -gt "$FIRMWARE_JSON_TEXT_MAX" ]; then
    die "FAILED: the json build's firmware program .text is $json_text bytes, over the budget of $FIRMWARE_JSON_TEXT_MAX"
fi
export DSR_JSON=0

# The stack of a call must not grow with the capacities: dsr_engine_init once
# built per-node arrays on the stack (5.4 KB with 64 nodes). The same program
# with 64 nodes checks every call against the same 4 KiB limit.
export DSR_NODES=64
build_archive
"$CC" -std=c11 -Os -Wall -Wextra -Wpedantic -Werror -I"$root/include" -I"$target/include" \
    -o "$tmp/firmware64" "$here/firmware.c" "$archive" -Wl,--gc-sections
"$tmp/firmware64" >"$tmp/out64" || {
    cat "$tmp/out64"
    die "FAILED: tests/firmware/firmware.c with DSR_NODES=64"
}
grep -E '^firmware: (engine|deepest stack)' "$tmp/out64" | sed 's/^firmware:/firmware (DSR_NODES=64):/'
echo "firmware-check: passed"
