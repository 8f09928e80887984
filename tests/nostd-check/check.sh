#!/usr/bin/env bash
# Prove that dsr-core needs neither std nor a heap.
#
#   tests/nostd-check/check.sh              build libdsr_nostd_check.a (release,
#                                           panic=abort) and fail if any of its
#                                           symbols comes from std, alloc or an
#                                           allocator
#   tests/nostd-check/check.sh --self-test  show that the scan catches std and
#                                           alloc (and passes a core-only archive),
#                                           so it cannot pass silently
#   tests/nostd-check/check.sh --scan ARCHIVE SYMBOL
#                                           scan another archive (SYMBOL: one of
#                                           its exported functions), e.g. the
#                                           firmware build of libdsr.a
#
# The archive is a `#![no_std]` staticlib over dsr-core with default features
# off. It legitimately contains `core` and `compiler_builtins`; anything from
# the `std` or `alloc` crates, the Rust allocator shims (`__rust_alloc` and
# friends) or libc's heap (`malloc`, `free`, ...), defined or undefined, fails.
#
# Environment: NM (default nm), RUSTC (default rustc, self-test only),
# CARGO_TARGET_DIR (honoured, as is build.target-dir from cargo config).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
NM=${NM:-nm}
RUSTC=${RUSTC:-rustc}
crate=dsr-nostd-check
lib=libdsr_nostd_check.a

die() {
    echo "nostd-check: $*" >&2
    exit 1
}

# --- symbol listing --------------------------------------------------------

# The standard library's prebuilt objects embed LLVM bitcode (.llvmbc). GNU nm
# then hands them to the system's LTO plugin, which cannot read a newer LLVM's
# bitcode and reports "no symbols": a scan would see nothing and pass. A
# non-existent plugin keeps GNU nm on the ELF symbol table. The sanity check in
# scan() fails loudly should some other nm still hide the sysroot's symbols.
nm_flags=()
if "$NM" --help 2>&1 | grep -q -- '--plugin'; then
    nm_flags=(--plugin /dev/null)
fi

# Prints "member<TAB>type<TAB>name" for every symbol in archive $1, with names
# raw when $2 is "raw" and demangled when it is "demangled".
list_symbols() {
    local archive=$1 form=$2 flags=("${nm_flags[@]}")
    if [ "$form" = demangled ]; then
        flags+=(--demangle)
    fi
    # nm prints "member.o:" headers, then "ADDRESS TYPE NAME" lines, or
    # "<spaces> TYPE NAME" for undefined symbols. Demangled names may contain
    # spaces, so the name is everything after the type.
    "$NM" "${flags[@]}" "$archive" 2>"$tmp/nm.err" | awk '
        /^$/ { next }
        /^[^ ]+:$/ { member = substr($0, 1, length($0) - 1); next }
        /^ / { type = $1; name = substr($0, index($0, " " $1 " ") + 3)
               print member "\t" type "\t" name; next }
        { type = $2; name = substr($0, length($1) + length($2) + 3)
          print member "\t" type "\t" name }
    '
}

# Extended regular expression over a symbol name (raw or demangled) that marks
# std, alloc or an allocator. core's own `core::alloc` (Layout, GlobalAlloc)
# is fine: the crate patterns only match `std`/`alloc` as a path root.
forbidden_re=$(
    printf '%s|' \
        '^(malloc|calloc|realloc|reallocarray|free|posix_memalign|aligned_alloc|memalign|valloc|pvalloc)(@.*)?$' \
        '__rust_(alloc|dealloc|realloc|alloc_zeroed|alloc_error_handler|no_alloc_shim_is_unstable)' \
        '__r(dl|g)_(alloc|dealloc|realloc|alloc_zeroed|oom)' \
        '(^|[^[:alnum:]_:])(std|alloc)::' \
        '_ZN3std|_ZN5alloc' \
        '(^|[^[:alnum:]_.])(std|alloc)\.\.' \
        'C(s[0-9A-Za-z]*_)?(3std|5alloc)'
)
forbidden_re=${forbidden_re%|}

# scan ARCHIVE EXPORTED_SYMBOL: returns 0 when the archive is clean, 1 when it
# has forbidden symbols (listed on stderr) and 2 when its symbol listing cannot
# be trusted (nm failed, or does not show what must be there).
# (Callers test its status, so errexit is off inside: every step is checked.)
scan() {
    local archive=$1 exported=$2
    if [ ! -f "$archive" ]; then
        echo "nostd-check: no archive at $archive" >&2
        return 2
    fi
    if ! list_symbols "$archive" raw >"$tmp/raw.tsv" ||
        ! list_symbols "$archive" demangled >"$tmp/demangled.tsv"; then
        cat "$tmp/nm.err" >&2
        echo "nostd-check: $NM failed on $archive" >&2
        return 2
    fi

    # Sanity: our exported function and core's own code must be visible, or
    # nm is not reading the archive (see nm_flags above) and proves nothing.
    if ! awk -F'\t' -v s="$exported" '$3 == s && $2 == "T" { f = 1 } END { exit !f }' \
        "$tmp/raw.tsv"; then
        cat "$tmp/nm.err" >&2
        echo "nostd-check: $NM does not show $exported as defined in $archive; cannot check it" >&2
        return 2
    fi
    # (core's generics instantiated in our objects do not count: the symbols
    # must come from the archived core object itself. An archive built with
    # LTO has no separate core object: core's code is merged into ours, so
    # there any defined core:: symbol shows that nm reads the Rust code.)
    local core_member='^core-'
    if ! awk -F'\t' '$1 ~ /^core-/ { f = 1 } END { exit !f }' "$tmp/demangled.tsv"; then
        core_member=''
    fi
    if ! awk -F'\t' -v m="$core_member" '$1 ~ m && $2 != "U" && $3 ~ /^<?core::/ { f = 1 } END { exit !f }' \
        "$tmp/demangled.tsv"; then
        cat "$tmp/nm.err" >&2
        echo "nostd-check: $NM shows no symbols defined by the core library's object" \
            "in $archive (objects it cannot read?); cannot check it" >&2
        return 2
    fi

    # The pattern goes through the environment: awk -v would eat backslashes.
    # References from our own objects come first: they say who pulls std in.
    local hits count
    hits=$(cat "$tmp/raw.tsv" "$tmp/demangled.tsv" |
        FORBIDDEN_RE=$forbidden_re awk -F'\t' '
            $3 ~ ENVIRON["FORBIDDEN_RE"] {
                sysroot = ($1 ~ /^(std|alloc|core|compiler_builtins)-/)
                print sysroot "\t  " $2 "  " $3 "    (" $1 ")"
            }' |
        LC_ALL=C sort -u | cut -f2-) || return 2
    printf '%s\n' "$hits" >"$tmp/hits.txt"
    if [ -n "$hits" ]; then
        count=$(printf '%s\n' "$hits" | wc -l)
        echo "nostd-check: $archive pulls in std, alloc or an allocator:" \
            "$count forbidden symbol(s) (type, name, object):" >&2
        printf '%s\n' "$hits" | head -n 40 >&2
        if [ "$count" -gt 40 ]; then
            echo "  ... and $((count - 40)) more" >&2
        fi
        return 1
    fi
    echo "nostd-check: $archive is clean:" \
        "$(wc -l <"$tmp/raw.tsv") symbols, none from std, alloc or an allocator"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- self-test -------------------------------------------------------------

# Builds three throwaway staticlibs with rustc: one using std's Vec and one
# using alloc's Vec with a (dummy) global allocator must both be flagged; one
# using only core must pass.
self_test() {
    local dir=$tmp/selftest
    mkdir -p "$dir"
    cat >"$dir/with_std.rs" <<'RS'
#[no_mangle]
pub extern "C" fn selftest_probe(n: u32) -> u32 {
    let v: Vec<u32> = (0..n).collect();
    v.iter().sum()
}
RS
    cat >"$dir/with_alloc.rs" <<'RS'
#![no_std]
extern crate alloc;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
struct NoHeap;
unsafe impl GlobalAlloc for NoHeap {
    unsafe fn alloc(&self, _: Layout) -> *mut u8 { core::ptr::null_mut() }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}
#[global_allocator]
static HEAP: NoHeap = NoHeap;
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! { loop {} }
#[no_mangle]
pub extern "C" fn selftest_probe(n: u32) -> u32 {
    let v: Vec<u32> = (0..n).collect();
    v.iter().sum()
}
RS
    cat >"$dir/core_only.rs" <<'RS'
#![no_std]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! { loop {} }
#[no_mangle]
pub extern "C" fn selftest_probe(n: u32) -> u32 {
    let mut buf = [0u8; 16];
    let mut w = Buf { buf: &mut buf, len: 0 };
    let _ = core::fmt::write(&mut w, format_args!("{}", n));
    w.len as u32 + core::alloc::Layout::new::<u64>().size() as u32
}
struct Buf<'a> { buf: &'a mut [u8], len: usize }
impl core::fmt::Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for b in s.bytes() {
            *self.buf.get_mut(self.len).ok_or(core::fmt::Error)? = b;
            self.len += 1;
        }
        Ok(())
    }
}
RS
    local name failed=0
    for name in with_std with_alloc core_only; do
        "$RUSTC" --edition 2021 --crate-type staticlib -C opt-level=2 -C panic=abort \
            --crate-name "$name" -o "$dir/lib$name.a" "$dir/$name.rs" ||
            die "self-test: rustc could not build $name.rs"
    done
    local rc
    for name in with_std with_alloc; do
        echo "--- self-test: lib$name.a must be flagged"
        rc=0
        scan "$dir/lib$name.a" selftest_probe 2>"$tmp/scan.err" || rc=$?
        if [ "$rc" -eq 1 ] && grep -q '__rust_alloc\|[[:space:]]malloc[[:space:]]' "$tmp/hits.txt"; then
            echo "flagged as expected: $(head -n 1 "$tmp/scan.err")"
            grep -m 4 '__rust_alloc\|[[:space:]]malloc[[:space:]]' "$tmp/hits.txt" || true
        else
            cat "$tmp/scan.err" >&2
            echo "nostd-check: SELF-TEST FAILED: lib$name.a was not flagged for its" \
                "allocator (scan returned $rc)" >&2
            failed=1
        fi
    done
    echo "--- self-test: libcore_only.a must pass"
    rc=0
    scan "$dir/libcore_only.a" selftest_probe || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "nostd-check: SELF-TEST FAILED: a core-only archive was not passed" \
            "(scan returned $rc; patterns too broad or nm unreadable)" >&2
        failed=1
    fi
    [ "$failed" -eq 0 ] || exit 1
    echo "nostd-check: self-test passed"
}

# --- the check -------------------------------------------------------------

target_dir() {
    # cargo metadata reports the effective target directory: CARGO_TARGET_DIR
    # or build.target-dir, made absolute.
    local dir
    dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    if [ -z "$dir" ]; then
        dir=${CARGO_TARGET_DIR:-$root/target}
        case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac
    fi
    printf '%s\n' "$dir"
}

check() {
    # The workspace's release profile unwinds, which a no_std staticlib cannot
    # do; panic=abort applies to this build only (its own fingerprint, so the
    # normal release artefacts are not rebuilt).
    echo "--- building $lib (release, panic=abort)"
    (cd "$root" && cargo rustc -p "$crate" --lib --release --crate-type staticlib \
        --features staticlib --config 'profile.release.panic="abort"') ||
        die "FAILED: cargo could not build $lib as a no_std, allocator-free staticlib" \
            "(see above; 'no global memory allocator found' means dsr-core uses alloc)"
    local archive
    archive=$(target_dir)/release/$lib
    [ -f "$archive" ] || die "cargo finished but $archive does not exist"
    echo "--- scanning $archive"
    local rc=0
    scan "$archive" dsr_nostd_probe || rc=$?
    case $rc in
        0) ;;
        1) die "FAILED: dsr-core (default features off) must not need std, alloc or a heap" ;;
        *) die "FAILED: could not inspect $archive" ;;
    esac
}

case "${1-}" in
    "") check ;;
    --self-test) self_test ;;
    --scan)
        # Used by tests/firmware/check.sh on the no_std build of libdsr.a.
        [ $# -eq 3 ] || die "usage: check.sh --scan ARCHIVE EXPORTED_SYMBOL"
        rc=0
        scan "$2" "$3" || rc=$?
        case $rc in
            0) ;;
            1) die "FAILED: $2 needs std, alloc or a heap" ;;
            *) die "FAILED: could not inspect $2" ;;
        esac
        ;;
    -h | --help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" ;;
    *) die "unknown argument '$1' (try --help)" ;;
esac
