#!/usr/bin/env bash
# The documentation's code compiles and runs, so that it cannot drift from
# the library: every fenced ```c and ```go block of README.md and
# ffi/README.md is built and run (exit status 0, within 20 s).
#
#   C   against include/dsr.h and libdsr.a, -Wall -Werror (unused variables
#       allowed), under ASan+UBSan. A block without main() is a fragment: its
#       #include lines go on top, after <stdbool.h> <stddef.h> <stdint.h>
#       <stdio.h> <stdlib.h> <string.h> <time.h> and "dsr.h", and the rest
#       becomes the body of int main(void); when it declares dsr_result r,
#       it fails unless r is DSR_RESULT_OK at its end.
#   Go  in a temporary module outside the repository that reaches the package
#       through a replace directive (-tags dsr_in_tree: this checkout's
#       libdsr.a), go vet, then run. A block without a package clause is a
#       fragment: its import lines go on top, with errors, fmt, log, os,
#       strings and time when it uses them, and the rest becomes func main().
#       Go refuses unused variables and imports: fragments use what they
#       declare.
#
# An HTML comment on the line before a fence changes how its block is taken:
#   <!-- doc-test: skip (why) -->   not built (say why)
#   <!-- doc-test: continues -->    appended to the previous block of the same
#                                   language in the file: the two are one program
# Needs target/release/libdsr.a (the libdsr step of test-all.sh).
# Environment: CC (default cc), CARGO_TARGET_DIR (honoured).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CC=${CC:-cc}
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
lib=$target/release/libdsr.a
docs=(README.md ffi/README.md)

die() {
    echo "doc-test: $*" >&2
    exit 1
}
[ -f "$lib" ] || die "no $lib; run cargo build -p dsr-ffi --release"
read -r -a native_libs <<<"$(sed -n 's/^Libs: \${libdir}\/libdsr\.a //p' "$root/ffi/pkg/dsr-static.pc.in")"

tmp=$(mktemp -d)
# The build's dsr_config.h, as firmware and installs get it.
mkdir -p "$tmp/config"
bash "$root/scripts/dsr-config-h.sh" "$lib" "$tmp/config/dsr_config.h"
trap 'rm -rf "$tmp"' EXIT

# Extract: one file per program, $tmp/snippets/<n>.<lang>, and a list
# "<n> <lang> <doc>:<line of its first fence>". A continued block goes into
# its predecessor's file.
mkdir -p "$tmp/snippets"
: >"$tmp/list"
for doc in "${docs[@]}"; do
    awk -v doc="$doc" -v dir="$tmp/snippets" -v list="$tmp/list" -v base="$(wc -l <"$tmp/list")" '
        function directive(line) {
            if (line ~ /^<!-- doc-test: skip/) return "skip"
            if (line ~ /^<!-- doc-test: continues -->$/) return "continues"
            if (line ~ /^<!-- doc-test:/) { print doc ":" NR ": unknown directive " line > "/dev/stderr"; bad = 1 }
            return ""
        }
        !inside && /^```(c|go)$/ {
            lang = substr($0, 4); what = directive(prev)
            inside = 1; keep = (what != "skip")
            if (!keep) { skipped++; next }
            if (what == "continues") {
                if (!(lang in last)) { print doc ":" NR ": continues, but no earlier " lang " block" > "/dev/stderr"; bad = 1; keep = 0; next }
                file = last[lang]
            } else {
                n++; file = sprintf("%s/%03d.%s", dir, base + n, lang); last[lang] = file
                printf "%03d %s %s:%d\n", base + n, lang, doc, NR >> list
                printf "" > file
            }
            printf "@@line %d %s\n", NR + 1, doc >> file
            next
        }
        inside && /^```$/ { inside = 0; if (keep) close(file); prev = $0; next }
        inside { if (keep) print >> file; next }
        /^```/ { fence = !fence }
        { prev = $0 }
        END { if (bad) exit 1; printf "%s: %d blocks to build, %d skipped\n", doc, n, skipped }
    ' "$root/$doc"
done
[ -s "$tmp/list" ] || die "no C or Go blocks found"

failed=0
fail() {
    echo "doc-test: FAILED: $*" >&2
    failed=1
}

# C: fragments wrapped into main().
cflags=(-std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-variable -Wno-unused-but-set-variable
    -Wno-unused-parameter -fsanitize=address,undefined -fno-sanitize-recover=all -I"$root/include" -I"$tmp/config")
# Fragments need not free what they allocate.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
while read -r n lang where; do
    [ "$lang" = c ] || continue
    src=$tmp/snippets/$n.c
    prog=$tmp/c-$n.c
    # @@line markers become #line directives: errors name the Markdown line.
    sed -i 's/^@@line \([0-9]*\) \(.*\)$/#line \1 "\2"/' "$src"
    if grep -Eq '\bmain[[:space:]]*\(' "$src"; then
        cp "$src" "$prog"
    else
        {
            printf '#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n'
            printf '#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n#include "dsr.h"\n'
            grep -E '^[[:space:]]*#[[:space:]]*include' "$src" || true
            printf 'int main(void) {\n'
            grep -Ev '^[[:space:]]*#[[:space:]]*include' "$src" || true
            # A fragment's last result is its exit status.
            if grep -Eq '^[[:space:]]*dsr_result[[:space:]]+r\b' "$src"; then
                printf 'if (r != DSR_RESULT_OK) {\n'
                printf '    fprintf(stderr, "the last result is %%u: %%s\\n", (unsigned)r, dsr_result_str(r));\n'
                printf '    return 1;\n}\n'
            fi
            printf 'return 0;\n}\n'
        } >"$prog"
    fi
    echo "--- C block at $where"
    if ! "$CC" "${cflags[@]}" -o "$tmp/c-$n" "$prog" "$lib" "${native_libs[@]}"; then
        fail "the C block at $where does not compile (as $prog):"
        cat -n "$prog" >&2
        continue
    fi
    timeout 20 "$tmp/c-$n" | sed "s/^/    /" || fail "the C block at $where exits with status $?"
done <"$tmp/list"

# Go: one module outside the repository, one main package per block.
mod=$tmp/gomod
mkdir -p "$mod"
any_go=0
while read -r n lang where; do
    [ "$lang" = go ] || continue
    any_go=1
    src=$tmp/snippets/$n.go
    mkdir -p "$mod/b$n"
    prog=$mod/b$n/main.go
    # @@line markers become //line directives: errors name the Markdown line.
    sed -i 's/^@@line \([0-9]*\) \(.*\)$/\/\/line \2:\1/' "$src"
    if grep -Eq '^package ' "$src"; then
        cp "$src" "$prog"
    else
        # Import lines leave blank lines behind, so that the //line
        # directives stay true.
        body=$(awk '
            /^import \($/ { block = 1; print ""; next }
            block && /^\)$/ { block = 0; print ""; next }
            block || /^import / { print ""; next }
            { print }
        ' "$src")
        {
            echo "// The Go block at $where."
            echo "package main"
            echo
            echo "import ("
            awk '
                /^import \($/ { block = 1; next }
                block && /^\)$/ { block = 0; next }
                block { print; next }
                /^import / { sub(/^import /, ""); print }
            ' "$src"
            for pkg in errors fmt log os strings time; do
                if grep -Eq "(^|[^.[:alnum:]_])$pkg\." <<<"$body" &&
                    ! grep -Eq "^(import )?[[:space:]]*\"$pkg\"" "$src"; then
                    echo "\"$pkg\""
                fi
            done
            echo ")"
            echo
            echo "func main() {"
            printf '%s\n' "$body"
            echo "}"
        } >"$prog"
    fi
    echo "$where" >"$mod/b$n/where"
done <"$tmp/list"
if [ "$any_go" = 1 ]; then
    (
        cd "$mod"
        unset GOWORK
        export GOFLAGS="-mod=mod -tags=dsr_in_tree" GOPROXY=off
        export CGO_CFLAGS="-g -O2 -DDSR_LIBDSR_HASH=0x$(sha256sum "$lib" | cut -c1-16)"
        go mod init example.com/doctest >/dev/null 2>&1
        go mod edit -require=dsr/go@v0.0.0 -replace=dsr/go="$root/go"
        for dir in b*/; do
            dir=${dir%/}
            where=$(cat "$dir/where")
            echo "--- Go block at $where"
            if ! go vet "./$dir" || ! go build -o "$dir/prog" "./$dir"; then
                echo "doc-test: FAILED: the Go block at $where does not build (as $mod/$dir/main.go):" >&2
                cat -n "$dir/main.go" >&2
                exit 1
            fi
            timeout 20 "$dir/prog" | sed "s/^/    /" || { echo "doc-test: FAILED: the Go block at $where exits with status $?" >&2; exit 1; }
        done
    ) || failed=1
fi

[ "$failed" = 0 ] || die "FAILED (see above)"
echo "doc-test: passed ($(wc -l <"$tmp/list") programs from ${docs[*]})"
