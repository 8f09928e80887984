//! Links `dsr-core` (default features off) into a `#![no_std]` static
//! library, so that `check.sh` can prove from the archive's symbols that the
//! core needs neither `std` nor an allocator.
//!
//! Only what is reachable from an exported function ends up in the archive,
//! so [`dsr_nostd_probe`] exercises the core's entry points: adding nodes and
//! DaemonSets, parsing and evaluating a selector string, eligibility with its
//! reason in words, and the one-off queries.
#![no_std]
#![warn(missing_docs)]

use dsr_core::input::{
    DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput, NodeSelectorTermInput,
    RequirementInput, TaintInput, TolerationInput,
};

type ProbeEngine = dsr_core::Engine<4, 2, 4, 64, 2048, 64, 32>;

static mut ENGINE: ProbeEngine = ProbeEngine::new();

/// Exercises `dsr-core` from C; returns a value derived from the calls so the
/// optimiser cannot drop them. Not meant to be called: the archive is only
/// inspected.
#[no_mangle]
pub extern "C" fn dsr_nostd_probe() -> u32 {
    // SAFETY: the probe is the only user of ENGINE and is never called
    // concurrently (it is not called at all; the archive is only inspected).
    #[allow(static_mut_refs)]
    let engine = unsafe { &mut ENGINE };
    engine.clear();
    let arch = [LabelInput {
        key: "kubernetes.io/arch",
        value: "arm64",
    }];
    let taints = [TaintInput {
        key: "node-role.kubernetes.io/control-plane",
        value: "",
        effect: "NoSchedule",
    }];
    let Ok(node) = engine.add_node(&NodeInput {
        name: "edge-rpi4-01",
        labels: &arch,
        taints: &taints,
        unschedulable: false,
    }) else {
        return 1;
    };
    let app = [LabelInput {
        key: "app",
        value: "agent",
    }];
    let values = ["arm64", "amd64"];
    let exprs = [RequirementInput {
        key: "kubernetes.io/arch",
        operator: "In",
        values: &values,
    }];
    let terms = [NodeSelectorTermInput {
        match_expressions: &exprs,
        match_fields: &[],
    }];
    let tolerations = [TolerationInput {
        key: "node-role.kubernetes.io/control-plane",
        operator: "Exists",
        ..Default::default()
    }];
    let Ok(set) = engine.add_daemon_set(&DaemonSetInput {
        name: "agent",
        namespace: "kube-system",
        selector: Some(LabelSelectorInput {
            match_labels: &app,
            match_expressions: &[],
        }),
        template_labels: &app,
        required_node_affinity: Some(&terms),
        tolerations: &tolerations,
        ..Default::default()
    }) else {
        return 2;
    };
    let mut out = 0u32;
    if let Ok(p) = engine.should_run(set, node) {
        out |= u32::from(p.should_run) | (u32::from(p.should_continue_running) << 1);
        let mut why = heapless::String::<128>::new();
        if engine.describe(set, &p.reason, &mut why).is_ok() {
            out += why.len() as u32;
        }
    }
    if let Ok(true) = engine.selector_string_matches::<4, 8>("app in (agent),!gpu", &app) {
        out |= 1 << 8;
    }
    if let Ok(true) = engine.tolerates(&tolerations[0], &taints[0]) {
        out |= 1 << 9;
    }
    // Snapshot and restore through a static buffer, as firmware keeps it in flash.
    static mut FLASH: [u8; 4096] = [0; 4096];
    // SAFETY: as for ENGINE above: the only user, never concurrent.
    #[allow(static_mut_refs)]
    let flash = unsafe { &mut FLASH };
    if let Ok(n) = engine.snapshot(flash) {
        if engine.restore(flash.get(..n).unwrap_or(&[])).is_ok() {
            out |= 1 << 10;
        }
    }
    // A watch event as JSON (the `json` feature): serde-json-core, no heap.
    let event = br#"{"type":"MODIFIED","object":{"kind":"Node","apiVersion":"v1","metadata":{"name":"edge-rpi4-01","labels":{"kubernetes.io/arch":"arm64"}}}}"#;
    let mut scratch = dsr_core::json::Scratch::<1, 8, 4, 64>::new();
    if engine.apply(event, &mut scratch).is_ok() {
        out |= 1 << 11;
    }
    let mut plan = dsr_core::sync::Plan::<4>::new();
    if engine
        .sync(set, dsr_core::Timestamp(1_764_000_000), &mut plan)
        .is_ok()
    {
        out += plan.creates.len() as u32;
    }
    out
}

/// A `no_std` staticlib has to bring its own panic handler; it spins, as
/// firmware without an abort routine would.
#[cfg(feature = "staticlib")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
