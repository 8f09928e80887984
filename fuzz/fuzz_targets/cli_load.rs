//! The CLI's loader (`dsr_cli::load`) over arbitrary bytes, read as JSON and as
//! YAML whatever they start with, with small caps.
//!
//! Checks: nothing panics; an accepted input is within the caps (no more objects
//! than `max_objects`, no more bytes than `max_bytes`); every object kept has a
//! name, and every namespaced one a namespace; an input over the size cap is
//! refused naming the cap. Time per byte is bounded by libFuzzer's `-timeout`.
#![no_main]

use dsr_cli::load::{
    objects_from_bytes, objects_from_json, objects_from_yaml, Limits, Loaded, Objects,
};
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits {
    max_bytes: 1 << 14,
    max_objects: 32,
};

fn check(data: &[u8], result: anyhow::Result<Objects>) {
    match result {
        Ok(o) => {
            assert!(data.len() as u64 <= LIMITS.max_bytes);
            assert!(o.count() <= LIMITS.max_objects, "{} objects", o.count());
            let named = |o: &Loaded| !o.name.is_empty();
            let namespaced = |o: &Loaded| named(o) && !o.namespace.is_empty();
            assert!(o.nodes.iter().all(named));
            assert!(o.pods.iter().all(namespaced));
            assert!(o.daemon_sets.iter().all(namespaced));
            assert!(o.controller_revisions.iter().all(namespaced));
        }
        Err(e) => {
            let text = format!("{e:#}");
            if data.len() as u64 > LIMITS.max_bytes {
                assert!(text.contains("input size cap"), "{text}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data, objects_from_json(data, &LIMITS));
    check(data, objects_from_yaml(data, &LIMITS));
    check(data, objects_from_bytes(data, &LIMITS));
});
