#!/usr/bin/env bash
# Install libdsr for C: include/dsr.h, include/dsr_config.h (this build's
# sizes and capacities, scripts/dsr-config-h.sh), lib/libdsr.a, lib/libdsr.so
# and the pkg-config files lib/pkgconfig/dsr.pc (shared) and dsr-static.pc
# (static).
#
#   cargo build -p dsr-ffi --release
#   bash ffi/pkg/install.sh PREFIX        e.g. /usr/local or $HOME/.local
#
# Then:  cc app.c $(pkg-config --cflags --libs dsr)          (libdsr.so)
#        cc app.c $(pkg-config --cflags --libs dsr-static)   (libdsr.a)
# with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig when PREFIX is not a system one.
#
# Environment: CARGO_TARGET_DIR (honoured).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: install.sh PREFIX" >&2; exit 2; }
prefix=$1
case "$prefix" in /*) ;; *) prefix=$PWD/$prefix ;; esac
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target=$root/$target ;; esac

version=$(sed -n 's/^#define DSR_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/dsr.h")
[ -n "$version" ] || { echo "install.sh: no DSR_VERSION_STRING in include/dsr.h" >&2; exit 1; }
for f in libdsr.a libdsr.so; do
    [ -f "$target/release/$f" ] ||
        { echo "install.sh: no $target/release/$f; run 'cargo build -p dsr-ffi --release'" >&2; exit 1; }
done

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 0644 "$root/include/dsr.h" "$prefix/include/dsr.h"
bash "$root/scripts/dsr-config-h.sh" "$target/release/libdsr.a" "$prefix/include/dsr_config.h" >/dev/null
install -m 0644 "$target/release/libdsr.a" "$prefix/lib/libdsr.a"
install -m 0755 "$target/release/libdsr.so" "$prefix/lib/libdsr.so"
for pc in dsr dsr-static; do
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" "$here/$pc.pc.in" \
        >"$prefix/lib/pkgconfig/$pc.pc"
done
echo "installed libdsr $version into $prefix"
