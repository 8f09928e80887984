//! `dsr_config.h`: the sizes and capacities of one build of `libdsr`, for C
//! that needs them at compile time (`static unsigned char
//! mem[DSR_ENGINE_SIZE];`, `_Static_assert`, `#if`).
//!
//! The sizes are `size_of` of this build's types for its target, known only
//! when this crate is compiled (not to `build.rs`), so the header is rendered
//! here, by const evaluation, into a static the library carries
//! ([`DSR_CONFIG_H`]), between two marker lines. `scripts/dsr-config-h.sh
//! LIBRARY OUT` copies it out of any build of the library (`libdsr.a`,
//! `libdsr.so`, any target, object format or profile): every build has a
//! header that describes it exactly, and `dsr_config_check(DSR_CONFIG_ID)`
//! (the header's `DSR_CONFIG_CHECK()`) tells at run time whether the library
//! linked is that build. The static is referenced by nothing: a firmware link
//! with `--gc-sections` drops it.

use crate::capacities::{build, CoreEngine};
use crate::engine::dsr_engine;
use crate::result::dsr_result;
use crate::sync::dsr_plan;

/// The header's defines, in order: name, value, comment.
const DEFINES: &[(&str, usize, &str)] = &[
    (
        "DSR_ENGINE_SIZE",
        core::mem::size_of::<dsr_engine>(),
        "bytes of an engine's memory: dsr_engine_size()",
    ),
    (
        "DSR_ENGINE_ALIGN",
        core::mem::align_of::<dsr_engine>(),
        "its alignment: dsr_engine_align()",
    ),
    (
        "DSR_PLAN_SIZE",
        core::mem::size_of::<dsr_plan>(),
        "bytes of a plan's memory: dsr_plan_size()",
    ),
    (
        "DSR_PLAN_ALIGN",
        core::mem::align_of::<dsr_plan>(),
        "its alignment: dsr_plan_align()",
    ),
    (
        "DSR_SNAPSHOT_MAX_SIZE",
        CoreEngine::max_snapshot_size(),
        "the largest snapshot: dsr_engine_snapshot_max_size()",
    ),
    ("DSR_NODES", build::NODES, "capacities: dsr_capacities"),
    ("DSR_DAEMON_SETS", build::DAEMON_SETS, ""),
    ("DSR_PODS", build::PODS, ""),
    ("DSR_STRINGS", build::STRINGS, ""),
    ("DSR_STRING_BYTES", build::STRING_BYTES, ""),
    ("DSR_LABELS", build::LABELS, ""),
    ("DSR_RULES", build::RULES, ""),
    ("DSR_TAINTS", build::TAINTS, ""),
    ("DSR_TERMS", build::TERMS, ""),
    ("DSR_BACKOFF", build::BACKOFF, ""),
    ("DSR_PLAN", build::PLAN, ""),
    ("DSR_STRING_MAX", dsr_core::engine::STRING_MAX, ""),
    ("DSR_CALL_LABELS", build::CALL_LABELS, "per-call limits"),
    ("DSR_CALL_TAINTS", build::CALL_TAINTS, ""),
    ("DSR_CALL_TOLERATIONS", build::CALL_TOLERATIONS, ""),
    ("DSR_CALL_REQUIREMENTS", build::CALL_REQUIREMENTS, ""),
    ("DSR_CALL_VALUES", build::CALL_VALUES, ""),
    ("DSR_CALL_TERMS", build::CALL_TERMS, ""),
    ("DSR_CALL_CONTAINERS", build::CALL_CONTAINERS, ""),
    (
        "DSR_JSON",
        cfg!(feature = "json") as usize,
        "1: dsr_engine_apply() is in this build (the json feature), its scratch:",
    ),
    ("DSR_JSON_OBJECTS", crate::apply::JSON_CAPACITIES[0], ""),
    ("DSR_JSON_LABELS", crate::apply::JSON_CAPACITIES[1], ""),
    ("DSR_JSON_RULES", crate::apply::JSON_CAPACITIES[2], ""),
    ("DSR_JSON_TEXT", crate::apply::JSON_CAPACITIES[3], ""),
];

/// FNV-1a over the version and every define: what `dsr_config_check()`
/// compares.
#[allow(clippy::indexing_slicing)]
pub const CONFIG_ID: u64 = {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut i = 0;
    while i < version.len() {
        h = (h ^ version[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    let mut d = 0;
    while d < DEFINES.len() {
        let v = DEFINES[d].1 as u64;
        let mut b = 0;
        while b < 8 {
            h = (h ^ ((v >> (8 * b)) & 0xff)).wrapping_mul(0x0100_0000_01b3);
            b += 1;
        }
        d += 1;
    }
    h
};

/// Room for the rendered header (checked at compile time).
const ROOM: usize = 4096;

/// Appends `s` at `at`; returns the new end.
// Const evaluation only: an index out of bounds is a compile error, never a
// run-time panic.
#[allow(clippy::indexing_slicing)]
const fn put(buf: &mut [u8; ROOM], at: usize, s: &[u8]) -> usize {
    let mut i = 0;
    while i < s.len() {
        buf[at + i] = s[i];
        i += 1;
    }
    at + s.len()
}

/// Appends `n` in decimal (or, with `hex`, as 16 hex digits).
#[allow(clippy::indexing_slicing)]
const fn put_number(buf: &mut [u8; ROOM], at: usize, n: u64, hex: bool) -> usize {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut v = n;
    if hex {
        while len < 16 {
            digits[len] = b"0123456789abcdef"[(v & 0xf) as usize];
            v >>= 4;
            len += 1;
        }
    } else {
        loop {
            digits[len] = b'0' + (v % 10) as u8;
            v /= 10;
            len += 1;
            if v == 0 {
                break;
            }
        }
    }
    let mut i = 0;
    while i < len {
        buf[at + i] = digits[len - 1 - i];
        i += 1;
    }
    at + len
}

/// The header's text and its length.
#[allow(clippy::indexing_slicing)]
const RENDERED: ([u8; ROOM], usize) = {
    let mut buf = [0u8; ROOM];
    // The leading newline puts the begin marker at the start of a line
    // whatever precedes the static in the library's bytes.
    let mut at = put(&mut buf, 0, b"\n/* dsr_config.h: begin */\n");
    at = put(
        &mut buf,
        at,
        b"/* The sizes and capacities of one build of libdsr, copied out of that\n \
          * build by scripts/dsr-config-h.sh. Do not edit: generate it for each\n \
          * build. DSR_CONFIG_CHECK() is DSR_RESULT_OK when the library linked is\n \
          * the build this header describes. */\n\
          #ifndef DSR_CONFIG_H\n#define DSR_CONFIG_H\n\n",
    );
    let mut d = 0;
    while d < DEFINES.len() {
        let (name, value, comment) = DEFINES[d];
        if !comment.is_empty() {
            at = put(&mut buf, at, b"/* ");
            at = put(&mut buf, at, comment.as_bytes());
            at = put(&mut buf, at, b" */\n");
        }
        at = put(&mut buf, at, b"#define ");
        at = put(&mut buf, at, name.as_bytes());
        at = put(&mut buf, at, b" ");
        at = put_number(&mut buf, at, value as u64, false);
        at = put(&mut buf, at, b"u\n");
        d += 1;
    }
    at = put(
        &mut buf,
        at,
        b"\n/* The library's version and every value above, hashed. */\n#define DSR_CONFIG_ID 0x",
    );
    at = put_number(&mut buf, at, CONFIG_ID, true);
    at = put(
        &mut buf,
        at,
        b"ull\n#define DSR_CONFIG_CHECK() dsr_config_check(DSR_CONFIG_ID)\n\n\
          #endif /* DSR_CONFIG_H */\n/* dsr_config.h: end */\n",
    );
    (buf, at)
};

#[allow(clippy::indexing_slicing)]
const fn rendered<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = RENDERED.0[i];
        i += 1;
    }
    out
}

/// The text of this build's `dsr_config.h`, between marker lines, kept in the
/// library for `scripts/dsr-config-h.sh` to copy out.
#[used]
pub static DSR_CONFIG_H: [u8; RENDERED.1] = rendered::<{ RENDERED.1 }>();

/// `DSR_RESULT_OK` when `config_id` is this library's `DSR_CONFIG_ID`, i.e.
/// the `dsr_config.h` the caller was compiled with (and the sizes it declared
/// its memory with) describes the library it is linked with; otherwise
/// `DSR_RESULT_CONFIG_MISMATCH`. Call it as `DSR_CONFIG_CHECK()`.
#[no_mangle]
pub extern "C" fn dsr_config_check(config_id: u64) -> dsr_result {
    boundary!({
        if config_id == CONFIG_ID {
            Ok(())
        } else {
            Err(dsr_result::DSR_RESULT_CONFIG_MISMATCH.into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_this_build() {
        let text = core::str::from_utf8(&DSR_CONFIG_H).unwrap();
        assert!(text.starts_with("\n/* dsr_config.h: begin */\n"));
        assert!(text.ends_with("/* dsr_config.h: end */\n"));
        let size = format!(
            "#define DSR_ENGINE_SIZE {}u\n",
            core::mem::size_of::<dsr_engine>()
        );
        assert!(text.contains(&size), "{text}");
        assert!(text.contains(&format!("#define DSR_NODES {}u\n", build::NODES)));
        assert!(text.contains(&format!("#define DSR_CONFIG_ID 0x{CONFIG_ID:016x}ull\n")));
        assert_eq!(dsr_config_check(CONFIG_ID), dsr_result::DSR_RESULT_OK);
        assert_eq!(
            dsr_config_check(CONFIG_ID ^ 1),
            dsr_result::DSR_RESULT_CONFIG_MISMATCH
        );
    }
}
