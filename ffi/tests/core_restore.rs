//! Restoring a snapshot into an engine that holds pods replaces them (the
//! core's `Engine::clear()`, which restore calls before storing, empties the pod
//! table and the sync's state too).

use std::ffi::{c_char, c_void};
use std::ptr;

use dsr::engine::*;
use dsr::result::dsr_result::*;
use dsr::snapshot::*;
use dsr::sync::*;
use dsr::types::*;

fn s(text: &str) -> dsr_str {
    dsr_str {
        ptr: text.as_ptr().cast::<c_char>(),
        len: text.len(),
    }
}

fn engine(mem: &mut Vec<u64>) -> *mut dsr_engine {
    *mem = vec![0u64; dsr_engine_size().div_ceil(8) + 1];
    let mut e = ptr::null_mut();
    // SAFETY: memory of the right size and alignment, out-param valid.
    let r = unsafe { dsr_engine_init(mem.as_mut_ptr().cast::<c_void>(), mem.len() * 8, &mut e) };
    assert_eq!(r, DSR_RESULT_OK);
    e
}

fn pod_count(e: *mut dsr_engine) -> usize {
    let mut n = 0;
    // SAFETY: a live engine, a valid out-param.
    assert_eq!(unsafe { dsr_engine_pod_count(e, &mut n) }, DSR_RESULT_OK);
    n
}

#[test]
fn restore_replaces_the_pods_of_a_used_engine() {
    let mut mem = Vec::new();
    let e = engine(&mut mem);
    let pod = dsr_pod {
        name: s("fluentd-x7k2p"),
        ns: s("kube-system"),
        ..Default::default()
    };
    let mut id = 0;
    let max = dsr_engine_snapshot_max_size();
    let mut snap = vec![0u8; max];
    let mut n = 0;
    // SAFETY: live engine, valid buffers and out-params throughout.
    unsafe {
        assert_eq!(dsr_engine_add_pod(e, &pod, &mut id), DSR_RESULT_OK);
        assert_eq!(
            dsr_engine_snapshot(e, snap.as_mut_ptr(), max, &mut n),
            DSR_RESULT_OK
        );
        assert_eq!(dsr_engine_restore(e, snap.as_ptr(), n), DSR_RESULT_OK);
    }
    assert_eq!(pod_count(e), 1);
}
