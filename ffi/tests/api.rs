//! The exported functions called from Rust, as C would call them: raw
//! pointers, lengths and out-parameters. Kept small enough to run under Miri
//! where it is installed (`cargo +nightly miri test -p dsr-ffi --test api`),
//! to check the boundary's pointer handling for undefined behaviour.

use std::ffi::{c_char, c_void, CStr};
use std::ptr;

use dsr::engine::*;
use dsr::query::*;
use dsr::result::{dsr_result, dsr_result_str};
use dsr::types::*;
use dsr::validate::*;
use dsr_result::*;

fn s(text: &str) -> dsr_str {
    dsr_str {
        ptr: text.as_ptr().cast::<c_char>(),
        len: text.len(),
    }
}

const EMPTY: dsr_str = dsr_str {
    ptr: ptr::null(),
    len: 0,
};

/// Engine memory: u64s, so 8-byte aligned.
fn memory() -> Vec<u64> {
    vec![0u64; dsr_engine_size().div_ceil(8) + 1]
}

#[test]
fn place_a_daemon_set_through_the_c_api() {
    assert_eq!(dsr_engine_align(), 8);
    let mut mem = memory();
    let len = mem.len() * 8;
    let mut engine: *mut dsr_engine = ptr::null_mut();
    unsafe {
        assert_eq!(
            dsr_engine_init(mem.as_mut_ptr().cast::<c_void>(), len, &mut engine),
            DSR_RESULT_OK
        );
        // Misaligned memory and short lengths are refused.
        let mut other: *mut dsr_engine = ptr::null_mut();
        let odd = mem.as_mut_ptr().cast::<u8>().add(1).cast::<c_void>();
        assert_eq!(
            dsr_engine_init(odd, len - 8, &mut other),
            DSR_RESULT_MISALIGNED
        );
        assert_eq!(
            dsr_engine_init(mem.as_mut_ptr().cast(), 16, &mut other),
            DSR_RESULT_BAD_LENGTH
        );
        assert!(other.is_null());

        let app = [dsr_label {
            key: s("app"),
            value: s("agent"),
        }];
        let sel = dsr_label_selector {
            match_labels: app.as_ptr(),
            match_labels_len: 1,
            match_expressions: ptr::null(),
            match_expressions_len: 0,
        };
        let values = [s("arm64")];
        let reqs = [dsr_requirement {
            key: s("kubernetes.io/arch"),
            op: s("In"),
            values: values.as_ptr(),
            values_len: 1,
        }];
        let terms = [dsr_node_selector_term {
            match_expressions: reqs.as_ptr(),
            match_expressions_len: 1,
            match_fields: ptr::null(),
            match_fields_len: 0,
        }];
        let tols = [dsr_toleration {
            key: s("dedicated"),
            op: s("Exists"),
            value: EMPTY,
            effect: EMPTY,
            has_toleration_seconds: true,
            toleration_seconds: 30,
        }];
        let ds = dsr_daemon_set {
            name: s("agent"),
            ns: s("kube-system"),
            uid: EMPTY,
            selector: &sel,
            template_labels: app.as_ptr(),
            template_labels_len: 1,
            node_selector: ptr::null(),
            node_selector_len: 0,
            has_required_node_affinity: true,
            required_node_affinity: terms.as_ptr(),
            required_node_affinity_len: 1,
            tolerations: tols.as_ptr(),
            tolerations_len: 1,
            node_name: EMPTY,
            host_network: false,
            ..Default::default()
        };
        let mut set = 0u32;
        assert_eq!(
            dsr_engine_add_daemon_set(engine, &ds, &mut set),
            DSR_RESULT_OK
        );

        let arm = [dsr_label {
            key: s("kubernetes.io/arch"),
            value: s("arm64"),
        }];
        let gpu = [dsr_taint {
            key: s("gpu"),
            value: s("yes"),
            effect: s("NoExecute"),
        }];
        let node = dsr_node {
            struct_size: std::mem::size_of::<dsr_node>(),
            name: s("edge-1"),
            labels: arm.as_ptr(),
            labels_len: 1,
            taints: gpu.as_ptr(),
            taints_len: 1,
            unschedulable: false,
        };
        let mut id = 0u32;
        assert_eq!(dsr_engine_add_node(engine, &node, &mut id), DSR_RESULT_OK);

        let mut p = std::mem::MaybeUninit::<dsr_placement>::uninit();
        assert_eq!(
            dsr_engine_should_run(engine, set, id, p.as_mut_ptr()),
            DSR_RESULT_OK
        );
        let p = p.assume_init();
        assert!(!p.should_run && !p.should_continue_running);
        assert_eq!(
            p.reason.kind,
            dsr_reason_kind::DSR_REASON_KIND_UNTOLERATED_TAINT as u32
        );
        assert_eq!(p.reason.taint, 0);

        let mut buf = [0 as c_char; 128];
        let mut n = 0usize;
        assert_eq!(
            dsr_engine_describe(engine, &p.reason, buf.as_mut_ptr(), 4, &mut n),
            DSR_RESULT_BUFFER_TOO_SMALL
        );
        assert_eq!(buf[0], 0);
        assert_eq!(
            dsr_engine_describe(engine, &p.reason, buf.as_mut_ptr(), buf.len(), &mut n),
            DSR_RESULT_OK
        );
        let text = CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
        assert_eq!(
            text,
            "node has taint gpu=yes:NoExecute that the pod does not tolerate"
        );
        assert_eq!(n, text.len());

        let mut m = false;
        assert_eq!(
            dsr_engine_selector_matches(engine, set, app.as_ptr(), 1, &mut m),
            DSR_RESULT_OK
        );
        assert!(m);
        assert_eq!(
            dsr_engine_selector_string_matches(
                engine,
                s("app in (agent)"),
                app.as_ptr(),
                1,
                &mut m
            ),
            DSR_RESULT_OK
        );
        assert!(m);
        assert_eq!(
            dsr_engine_tolerates(engine, &tols[0], &gpu[0], &mut m),
            DSR_RESULT_OK
        );
        assert!(!m);
        let mut found = true;
        let mut index = 9usize;
        assert_eq!(
            dsr_engine_find_untolerated_taint(
                engine,
                gpu.as_ptr(),
                1,
                tols.as_ptr(),
                1,
                false,
                ptr::null(),
                0,
                &mut found,
                &mut index
            ),
            DSR_RESULT_OK
        );
        assert!(found && index == 0);

        // Bad input: each its own code, nothing changed.
        let bad = [0xffu8, 0xfe];
        let bad_str = dsr_str {
            ptr: bad.as_ptr().cast(),
            len: 2,
        };
        let mut n2 = node;
        n2.name = bad_str;
        assert_eq!(
            dsr_engine_add_node(engine, &n2, &mut id),
            DSR_RESULT_INVALID_UTF8
        );
        n2.name = dsr_str {
            ptr: ptr::null(),
            len: 1,
        };
        assert_eq!(
            dsr_engine_add_node(engine, &n2, &mut id),
            DSR_RESULT_NULL_POINTER
        );
        assert_eq!(
            dsr_engine_add_node(engine, &node, &mut id),
            DSR_RESULT_DUPLICATE
        );
        let mut count = 0usize;
        assert_eq!(dsr_engine_node_count(engine, &mut count), DSR_RESULT_OK);
        assert_eq!(count, 1);
        assert_eq!(dsr_validate_label_key(bad_str), DSR_RESULT_INVALID_UTF8);
        assert_eq!(dsr_validate_label_value(s("ok")), DSR_RESULT_OK);
        assert_eq!(
            dsr_validate_dns_subdomain(s("Bad")),
            DSR_RESULT_INVALID_NAME
        );

        // Memory that is not an engine.
        let mut zeros = memory();
        assert_eq!(
            dsr_engine_clear(zeros.as_mut_ptr().cast::<dsr_engine>()),
            DSR_RESULT_NOT_AN_ENGINE
        );

        let text = CStr::from_ptr(dsr_result_str(DSR_RESULT_NOT_FOUND as u32));
        assert_eq!(text.to_str().unwrap(), "no object with that id or name");
        assert_eq!(
            CStr::from_ptr(dsr::version::dsr_version())
                .to_str()
                .unwrap(),
            env!("CARGO_PKG_VERSION")
        );
    }
}
