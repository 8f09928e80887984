#!/usr/bin/env bash
# Refresh, or compare, the repository's copies of the team's shared data.
#
# The repository must stand alone, so the conformance vectors, the sample
# manifests and the benchmark clusters from ../shared are copied into
# tests/data/. This script keeps those copies byte-identical to the source.
#
#   scripts/sync-shared-data.sh           copy ../shared/* over tests/data/*
#                                         (files gone from ../shared are removed)
#   scripts/sync-shared-data.sh --check   only compare; exit 1 and list every
#                                         differing, missing or extra file
#
# The source defaults to ../shared next to the repository root; set
# DSR_SHARED_DIR to use another one. With --check, a missing source is not an
# error: the comparison is skipped (a fresh clone without ../shared is fine).
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}

mode=copy
case "${1-}" in
    "") ;;
    --check) mode=check ;;
    -h | --help) usage; exit 0 ;;
    *) echo "sync-shared-data: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
esac
if [ "$#" -gt 1 ]; then
    echo "sync-shared-data: too many arguments" >&2
    exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${DSR_SHARED_DIR:-$root/../shared}

# source folder (under $shared) -> copy (under $root)
pairs=(
    "conformance:tests/data/conformance"
    "conformance-next:tests/data/conformance-next"
    "manifests:tests/data/manifests"
    "bench:tests/data/bench"
)

if [ ! -d "$shared" ]; then
    if [ "$mode" = check ]; then
        echo "sync-shared-data: $shared does not exist; check skipped."
        exit 0
    fi
    echo "sync-shared-data: $shared does not exist; nothing to copy from." >&2
    exit 1
fi
shared=$(cd "$shared" && pwd)

# Prints the regular files under $1, relative to $1, one per line, sorted.
list_files() {
    (cd "$1" && find . -type f -print | sed 's|^\./||' | LC_ALL=C sort)
}

if [ "$mode" = copy ]; then
    for pair in "${pairs[@]}"; do
        src=$shared/${pair%%:*}
        dst=$root/${pair#*:}
        if [ ! -d "$src" ]; then
            echo "sync-shared-data: $src does not exist" >&2
            exit 1
        fi
        # Start from an empty folder so files removed upstream go away too.
        # The source is read-only; make the copies writable so the next sync
        # (and git checkout) can replace them.
        rm -rf "$dst"
        mkdir -p "$dst"
        cp -R "$src/." "$dst/"
        chmod -R u+w "$dst"
        echo "copied ${pair%%:*}/ -> ${pair#*:}/ ($(list_files "$dst" | wc -l) files)"
    done
    exit 0
fi

# --check
differ=()
for pair in "${pairs[@]}"; do
    src=$shared/${pair%%:*}
    rel=${pair#*:}
    dst=$root/$rel
    if [ ! -d "$src" ]; then
        differ+=("$rel (source $src is missing)")
        continue
    fi
    if [ ! -d "$dst" ]; then
        differ+=("$rel (copy is missing)")
        continue
    fi
    while IFS= read -r f; do
        if [ ! -f "$dst/$f" ]; then
            differ+=("$rel/$f (missing from the copy)")
        elif ! cmp -s "$src/$f" "$dst/$f"; then
            differ+=("$rel/$f (content differs)")
        fi
    done < <(list_files "$src")
    while IFS= read -r f; do
        if [ ! -f "$src/$f" ]; then
            differ+=("$rel/$f (not in $src)")
        fi
    done < <(list_files "$dst")
done

if [ "${#differ[@]}" -gt 0 ]; then
    echo "sync-shared-data: ${#differ[@]} file(s) differ from $shared:" >&2
    printf '  %s\n' "${differ[@]}" >&2
    echo "Run scripts/sync-shared-data.sh to refresh the copies." >&2
    exit 1
fi
echo "sync-shared-data: tests/data matches $shared."
