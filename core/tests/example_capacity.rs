//! The capacities `dsr capacity examples/cluster.json` prints (no headroom) are
//! enough for that cluster: the type below is the one the CLI prints (its test
//! `cli/tests/capacity.rs` reads this file and checks), and the cluster's nodes,
//! ControllerRevisions, DaemonSets and pods, applied as the CLI applies them
//! (`Engine::apply`, in that order of kinds), fill it exactly.
#![cfg(feature = "json")]

#[path = "support/cluster.rs"]
mod cluster;

use serde_json::Value;

/// What `dsr capacity examples/cluster.json` prints.
type ExampleEngine = dsr_core::Engine<17, 18, 251, 740, 18397, 1174, 39, 11, 5, 1>;

#[test]
fn the_example_cluster_fills_the_capacities_dsr_capacity_prints() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/cluster.json");
    let dump: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let items = dump["items"].as_array().expect("items");
    let mut engine = Box::new(ExampleEngine::new());
    for kind in ["Node", "ControllerRevision", "DaemonSet", "Pod"] {
        for item in items.iter().filter(|i| i["kind"] == kind) {
            engine
                .apply(&cluster::json(item), &mut cluster::scratch())
                .unwrap();
        }
    }
    // Filled exactly: the capacities are the smallest that hold the cluster
    // (backoff, empty after loading, is 1: a capacity is never 0).
    let mut used = engine.usage().capacities();
    used.backoff = used.backoff.max(1);
    assert_eq!(used, ExampleEngine::capacities());
}
