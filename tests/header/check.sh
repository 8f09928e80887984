#!/usr/bin/env bash
# include/dsr.h must be exactly what the pinned cbindgen makes of ffi/, and must
# stand alone as C and C++.
#
#   tests/header/check.sh          regenerate into a temp file and diff (fails
#                                  on any difference, or on another cbindgen
#                                  version); then compile a TU that includes
#                                  only the header as C99 and as C++11 with
#                                  -Wall -Wextra -Wpedantic -Werror
#   tests/header/check.sh --write  regenerate include/dsr.h in place
#
# Environment: CBINDGEN (default cbindgen), CC (default cc), CXX (default c++).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
CBINDGEN=${CBINDGEN:-cbindgen}
CC=${CC:-cc}
CXX=${CXX:-c++}
pinned=0.29.4
header=$root/include/dsr.h

die() {
    echo "header-check: $*" >&2
    exit 1
}

have=$("$CBINDGEN" --version 2>/dev/null || true)
[ "${have##* }" = "$pinned" ] ||
    die "need cbindgen $pinned (found: ${have:-none}); install it with" \
        "'cargo install --locked cbindgen --version $pinned' (.ci/run does)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

generate() {
    (cd "$root" && "$CBINDGEN" --quiet --config ffi/cbindgen.toml --crate dsr-ffi --output "$1")
}

if [ "${1-}" = "--write" ]; then
    generate "$header"
    echo "header-check: wrote $header"
    exit 0
fi
[ $# -eq 0 ] || die "unknown argument '$1' (try --write)"

generate "$tmp/dsr.h"
if ! diff -u "$header" "$tmp/dsr.h" >"$tmp/diff"; then
    head -n 80 "$tmp/diff" >&2
    die "FAILED: include/dsr.h is stale; run 'bash tests/header/check.sh --write' and commit it"
fi
echo "header-check: include/dsr.h is what cbindgen $pinned generates"

# The header alone, in C and C++, strictly.
printf '#include "dsr.h"\nint dsr_header_only_tu(void);\nint dsr_header_only_tu(void) { return DSR_RESULT_OK; }\n' >"$tmp/only.c"
cp "$tmp/only.c" "$tmp/only.cpp"
flags=(-Wall -Wextra -Wpedantic -Werror -I"$root/include" -c)
"$CC" -std=c99 "${flags[@]}" -o "$tmp/c99.o" "$tmp/only.c" || die "FAILED: dsr.h does not compile as C99"
"$CC" -std=c11 "${flags[@]}" -o "$tmp/c11.o" "$tmp/only.c" || die "FAILED: dsr.h does not compile as C11"
"$CXX" -std=c++11 "${flags[@]}" -o "$tmp/cxx.o" "$tmp/only.cpp" || die "FAILED: dsr.h does not compile as C++11"
echo "header-check: dsr.h compiles alone as C99, C11 and C++11 with -Wall -Wextra -Wpedantic -Werror"
