//! `dsr capacity`: the capacities it prints for the example cluster are the type
//! the core's test `core/tests/example_capacity.rs` declares and fills, so the two
//! cannot drift apart.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn capacity(args: &[&str]) -> String {
    let example = repo().join("examples/cluster.json");
    let o = Command::new(env!("CARGO_BIN_EXE_dsr"))
        .arg("capacity")
        .arg(&example)
        .args(args)
        .output()
        .expect("run dsr");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The `dsr_core::Engine<...>` the output names.
fn engine_type(out: &str) -> &str {
    let line = out
        .lines()
        .find(|l| l.starts_with("type ClusterEngine = "))
        .unwrap_or_else(|| panic!("no type line in {out}"));
    line.trim_start_matches("type ClusterEngine = ")
        .trim_end_matches(';')
}

#[test]
fn the_example_cluster_needs_the_type_the_core_test_fills() {
    let out = capacity(&[]);
    let printed = engine_type(&out);
    let core_test = std::fs::read_to_string(repo().join("core/tests/example_capacity.rs")).unwrap();
    assert!(
        core_test.contains(&format!("type ExampleEngine = {printed};")),
        "dsr capacity prints {printed}; update core/tests/example_capacity.rs"
    );
    assert!(out.contains("DSR_NODES=17\n"), "{out}");
    assert!(out.contains("DSR_DAEMON_SETS=18\n"), "{out}");
    assert!(out.contains("DSR_BACKOFF=1\n"), "{out}");
}

#[test]
fn headroom_is_added_and_rounded_up() {
    let out = capacity(&["--headroom", "50%"]);
    // 17 nodes, 18 DaemonSets, 251 pods, half again, rounded up.
    assert!(
        engine_type(&out).starts_with("dsr_core::Engine<26, 27, 377, "),
        "{out}"
    );
    assert!(out.contains("DSR_PODS=377\n"), "{out}");
}
