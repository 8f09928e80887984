#!/usr/bin/env bash
# Keep the documented link flags honest:
#   1. the native libraries listed in ffi/pkg/*.pc.in are what
#      `rustc --print native-static-libs` says a std staticlib needs;
#   2. ffi/pkg/install.sh installs into a temporary prefix, and pkg-config
#      accepts dsr.pc and dsr-static.pc;
#   3. examples/c/placement.c links with exactly
#        cc app.c $(pkg-config --cflags --libs dsr)          (shared)
#        cc app.c $(pkg-config --cflags --libs dsr-static)   (static)
#      and each binary prints examples/c/placement.expected; the shared one
#      needs libdsr.so, the static one does not.
# Needs target/release/libdsr.{a,so} (the libdsr step of test-all.sh).
#
# Environment: CC (default cc), RUSTC (default rustc), PKG_CONFIG (default
# pkg-config), CARGO_TARGET_DIR (honoured).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
CC=${CC:-cc}
RUSTC=${RUSTC:-rustc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

die() {
    echo "pkgconfig-check: $*" >&2
    exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "--- native libraries of a std staticlib"
printf 'pub fn f() -> usize { std::env::args().count() }\n' >"$tmp/probe.rs"
"$RUSTC" --edition 2021 --crate-type staticlib --crate-name probe -o "$tmp/libprobe.a" \
    --print native-static-libs "$tmp/probe.rs" 2>"$tmp/rustc.err" ||
    { cat "$tmp/rustc.err" >&2; die "rustc could not build a probe staticlib"; }
want=$(sed -n 's/^note: native-static-libs: //p' "$tmp/rustc.err")
[ -n "$want" ] || die "rustc printed no native-static-libs"
echo "rustc: $want"
for pc in dsr dsr-static; do
    have=$(sed -n -e 's/^Libs.private: //p' -e 's/^Libs: \${libdir}\/libdsr\.a //p' "$root/ffi/pkg/$pc.pc.in")
    [ "$have" = "$want" ] ||
        die "FAILED: ffi/pkg/$pc.pc.in lists '$have' but rustc says '$want'; update it" \
            "(and tests/c/run.sh, ffi/README.md)"
done

echo "--- install into a temporary prefix"
bash "$root/ffi/pkg/install.sh" "$tmp/prefix"
export PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig
"$PKG_CONFIG" --validate dsr
"$PKG_CONFIG" --validate dsr-static
[ "$("$PKG_CONFIG" --modversion dsr)" = "$(sed -n 's/^#define DSR_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/dsr.h")" ] ||
    die "FAILED: dsr.pc's version is not the header's"

cd "$tmp"
echo "--- dsr_config.h is installed and describes the installed library"
cat >config.c <<'EOF2'
#include <stdio.h>
#include "dsr.h"
#include "dsr_config.h"
static _Alignas(DSR_ENGINE_ALIGN) unsigned char mem[DSR_ENGINE_SIZE];
int main(void) {
    dsr_engine *e;
    if (DSR_CONFIG_CHECK() != DSR_RESULT_OK || dsr_engine_init(mem, sizeof mem, &e) != DSR_RESULT_OK) return 1;
    puts("config ok");
    return 0;
}
EOF2
# shellcheck disable=SC2046
"$CC" -std=c11 -Wall -Werror -o config-static config.c $("$PKG_CONFIG" --cflags --libs dsr-static)
[ "$(./config-static)" = "config ok" ] || die "FAILED: the installed dsr_config.h does not match the installed libdsr.a"
# shellcheck disable=SC2046
"$CC" -std=c11 -Wall -Werror -o config-shared config.c $("$PKG_CONFIG" --cflags --libs dsr)
[ "$(LD_LIBRARY_PATH=$tmp/prefix/lib ./config-shared)" = "config ok" ] ||
    die "FAILED: the installed dsr_config.h does not match the installed libdsr.so"

echo "--- shared: cc placement.c \$(pkg-config --cflags --libs dsr)"
# shellcheck disable=SC2046 # word splitting of pkg-config output is intended
"$CC" -std=c11 -Wall -Werror -o placement-shared "$root/examples/c/placement.c" \
    $("$PKG_CONFIG" --cflags --libs dsr)
LD_LIBRARY_PATH=$tmp/prefix/lib ./placement-shared >shared.out
diff -u "$root/examples/c/placement.expected" shared.out || die "FAILED: the shared build printed something else"
readelf -d placement-shared | grep -q 'NEEDED.*libdsr\.so' || die "FAILED: the shared build does not use libdsr.so"

echo "--- static: cc placement.c \$(pkg-config --cflags --libs dsr-static)"
# shellcheck disable=SC2046
"$CC" -std=c11 -Wall -Werror -o placement-static "$root/examples/c/placement.c" \
    $("$PKG_CONFIG" --cflags --libs dsr-static)
./placement-static >static.out
diff -u "$root/examples/c/placement.expected" static.out || die "FAILED: the static build printed something else"
if readelf -d placement-static | grep -q 'NEEDED.*libdsr'; then
    die "FAILED: the static build needs a libdsr shared object"
fi
echo "pkgconfig-check: passed (shared and static builds of examples/c/placement.c agree)"
