//! One-off questions about objects that are not stored: does this selector
//! select these labels, does this toleration tolerate this taint. The engine is
//! left exactly as it was. `dsr_engine_selector_matches()` and
//! `dsr_engine_tolerates()` take a `const dsr_engine *`: the core answers them
//! from a shared reference, reading the C arrays in place. The others still
//! take a `dsr_engine *`: they convert C arrays in the engine's scratch, or the
//! core stores a selector while it answers.

use core::ffi::c_char;

use dsr_core::error::Error;
use dsr_core::input::LabelInput;
use dsr_core::selector::syntax::{ParseError, ParsedSelector};
use dsr_core::SetId;

use crate::capacities::build::{CALL_REQUIREMENTS, CALL_VALUES};
use crate::convert::{text, with_labels, with_taints_and_tolerations};
use crate::engine::{dsr_engine, write_text};
use crate::result::{dsr_result, Failure};
use crate::types::{dsr_label, dsr_str, dsr_taint, dsr_toleration};

/// A selector string's parse failure; running out of scratch is the per-call
/// limit, not a syntax error.
fn parse_failure(e: ParseError) -> Failure {
    match e {
        ParseError::TooManyRequirements { .. } | ParseError::TooManyValues { .. } => Failure {
            code: dsr_result::DSR_RESULT_CALL_LIMIT,
            core: Some(Error::Parse(e)),
        },
        e => Error::Parse(e).into(),
    }
}

/// Whether DaemonSet `set_id`'s `spec.selector` selects an object with these
/// labels, into `*out` (a repeated key counts with its last value). A nil
/// selector selects nothing; an empty one selects everything. Reads the
/// engine only: it may run beside other calls taking a `const dsr_engine *`,
/// and records no failure for `dsr_engine_last_error()`.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `labels` NULL
/// or valid for `labels_len` labels whose strings are valid; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_selector_matches(
    engine: *const dsr_engine,
    set_id: u32,
    labels: *const dsr_label,
    labels_len: usize,
    out: *mut bool,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out = try_out!(out);
        let all = try_slice!(labels, labels_len);
        // Every string checked once here, so the reads below cannot fail.
        for l in all {
            try_str!(l.key);
            try_str!(l.value);
        }
        let labels = all.iter().filter_map(|l| {
            // SAFETY: the exported function's contract; each string was read
            // successfully above.
            let (key, value) = unsafe { (text(&l.key).ok()?, text(&l.value).ok()?) };
            Some(LabelInput { key, value })
        });
        out.set(e.core.selector_matches_in(SetId(set_id), labels)?);
        Ok(())
    })
}

/// Whether a `kubectl -l` selector string (`tier in (edge,core),!gpu`)
/// selects an object with these labels, into `*out`. A string that does not
/// parse is `DSR_RESULT_SELECTOR_PARSE`; one with more requirements or values
/// than the per-call limits is `DSR_RESULT_CALL_LIMIT`.
///
/// # Safety
/// As `dsr_engine_selector_matches()`, and `selector` valid for its length.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_selector_string_matches(
    engine: *mut dsr_engine,
    selector: dsr_str,
    labels: *const dsr_label,
    labels_len: usize,
    out: *mut bool,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let out = try_out!(out);
            let selector = try_str!(selector);
            let m = e.with_scratch(|c, s| {
                with_labels(s, labels, labels_len, |l| {
                    // The core parses the string (with the per-call limits) in
                    // place; a parse error maps as `dsr_selector_canonical`'s.
                    c.selector_string_matches::<CALL_REQUIREMENTS, CALL_VALUES>(selector, l)
                        .map_err(|err| match err {
                            Error::Parse(p) => parse_failure(p),
                            other => other.into(),
                        })
                })
            })?;
            out.set(m);
            Ok(())
        })
    })
}

/// Writes the canonical form of a selector string, as upstream's
/// `Selector.String()` prints it (`x=a,y in (b,c)`), into `buf`
/// (NUL-terminated) and its length into `*out_len`, as
/// `dsr_engine_describe()` does. Needs no engine.
///
/// # Safety
/// `selector` valid for its length; `buf` NULL or writable for `buf_len`
/// bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_selector_canonical(
    selector: dsr_str,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let out_len = try_out!(out_len);
        let selector = try_str!(selector);
        let mut parsed = ParsedSelector::<CALL_REQUIREMENTS, CALL_VALUES>::new();
        parsed.parse_into(selector).map_err(parse_failure)?;
        write_text(try_out_bytes!(buf, buf_len), out_len, |mut w| {
            parsed.write_canonical(&mut w)
        })
    })
}

/// Whether `toleration` tolerates `taint` (upstream's `ToleratesTaint`), into
/// `*out`. Reads the engine only (as `dsr_engine_selector_matches()`).
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `toleration`
/// and `taint` NULL or valid with valid strings; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_tolerates(
    engine: *const dsr_engine,
    toleration: *const dsr_toleration,
    taint: *const dsr_taint,
    out: *mut bool,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let tol = crate::convert::toleration(try_ref!(toleration))?;
        let t = crate::convert::taint(try_ref!(taint))?;
        let out = try_out!(out);
        out.set(e.core.tolerates(&tol, &t)?);
        Ok(())
    })
}

/// Finds the first taint, among those whose effect is in `effects` (all
/// effects when `filter_effects` is false), that no toleration tolerates
/// (upstream's `FindMatchingUntoleratedTaint`). Stores whether there is one in
/// `*out_found` and its index in `taints` in `*out_index` (0 when none).
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; every array
/// NULL or valid for its length, with valid strings; `out_found` and
/// `out_index` NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dsr_engine_find_untolerated_taint(
    engine: *mut dsr_engine,
    taints: *const dsr_taint,
    taints_len: usize,
    tolerations: *const dsr_toleration,
    tolerations_len: usize,
    filter_effects: bool,
    effects: *const dsr_str,
    effects_len: usize,
    out_found: *mut bool,
    out_index: *mut usize,
) -> dsr_result {
    boundary!({
        try_engine_mut!(engine).run_unit(|e| {
            let (out_found, out_index) = (try_out!(out_found), try_out!(out_index));
            let effects = filter_effects.then_some((effects, effects_len));
            let found = e.with_scratch(|c, s| {
                with_taints_and_tolerations(
                    s,
                    (taints, taints_len),
                    (tolerations, tolerations_len),
                    effects,
                    |taints, tolerations, effects| {
                        Ok(c.find_untolerated_taint(taints, tolerations, effects)?)
                    },
                )
            })?;
            out_found.set(found.is_some());
            out_index.set(found.unwrap_or(0));
            Ok(())
        })
    })
}
