//! The engines the CLI runs, and the thread they run on.
//!
//! `dsr_core::Engine` keeps every table inline, so it is one large by-value struct
//! (tens of MiB for a host-sized engine). It is never boxed (boxing a value built by
//! `Engine::new()` copies it through the stack first in debug builds); instead the
//! work that needs an engine runs on a dedicated thread whose stack is sized from
//! `size_of` of the engine, and the engine lives there as a local.

use std::thread;

/// Nodes the host engine holds.
pub const HOST_NODES: usize = 16_384;
/// DaemonSets the host engine holds.
pub const HOST_SETS: usize = 256;
/// Pods the host engine holds.
pub const HOST_PODS: usize = 1 << 17;
/// Distinct interned strings of the host engine.
pub const HOST_STRINGS: usize = 1 << 18;
/// Bytes of interned strings of the host engine.
pub const HOST_BYTES: usize = 16 << 20;
/// Labels of the host engine (node labels, template labels, selectors).
pub const HOST_LABELS: usize = 1 << 20;
/// Rules (taints, tolerations, requirements, values, terms, fields) of the host engine.
pub const HOST_RULES: usize = 1 << 18;

/// The engine `dsr explain` loads a whole cluster dump into.
pub type HostEngine = dsr_core::Engine<
    HOST_NODES,
    HOST_SETS,
    HOST_PODS,
    HOST_STRINGS,
    HOST_BYTES,
    HOST_LABELS,
    HOST_RULES,
>;

/// The engine a conformance case runs on: a placement case holds one node and one
/// DaemonSet, a reconcile case a few dozen nodes and pods, so it is small, and it
/// is reused for every case with `Engine::clear()`.
pub type CaseEngine = dsr_core::Engine<64, 4, 256, 4096, { 1 << 18 }, 4096, 4096>;

/// Stack left for everything but the engines: parsing results, formatting, the
/// temporary `Engine::clear()` builds (accounted separately below).
const STACK_MARGIN: usize = 8 << 20;

/// Runs `f` on a thread whose stack can hold `engine_bytes` of engine locals (twice
/// over: `Engine::clear()` and `Engine::new()` may build a temporary in debug builds)
/// and returns its result. Only the touched part of the stack is ever committed.
pub fn on_big_stack<T, F>(engine_bytes: usize, f: F) -> anyhow::Result<T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    let size = engine_bytes.saturating_mul(3).saturating_add(STACK_MARGIN);
    thread::scope(|scope| {
        let handle = thread::Builder::new()
            .name("dsr-engine".into())
            .stack_size(size)
            .spawn_scoped(scope, f)
            .map_err(|e| {
                anyhow::anyhow!("cannot start the engine thread ({size} bytes of stack): {e}")
            })?;
        handle
            .join()
            .map_err(|_| anyhow::anyhow!("the engine thread panicked"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprints_are_what_the_docs_say() {
        // Printed so that `cargo test -- --nocapture` shows the numbers.
        println!("HostEngine: {} bytes", HostEngine::footprint());
        println!("CaseEngine: {} bytes", CaseEngine::footprint());
        assert!(HostEngine::footprint() < 512 << 20);
        assert!(CaseEngine::footprint() < 8 << 20);
    }

    #[test]
    fn a_host_engine_fits_on_the_big_stack() {
        let n = on_big_stack(HostEngine::footprint(), || {
            let engine = HostEngine::new();
            engine.node_count()
        })
        .unwrap();
        assert_eq!(n, 0);
    }
}
