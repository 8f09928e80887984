//! What engines cost: `size_of` of every table entry (so growth is noticed), the
//! three README profiles, and that real workloads fit them.

use std::mem::size_of;

use dsr_core::footprint::{footprint, COSTS};
use dsr_core::input::{LabelInput, PodConditionInput, PodInput};
use dsr_core::sync::Plan;
use dsr_core::Timestamp;

#[path = "support/cluster.rs"]
mod cluster;

#[test]
fn table_entries_keep_their_size() {
    use dsr_core::affinity::{FieldRequirement, Term};
    use dsr_core::intern::Sym;
    use dsr_core::label::Label;
    use dsr_core::selector::Requirement;
    use dsr_core::sync::{BackoffEntry, Expectations};
    use dsr_core::taint::{Taint, Toleration};
    use dsr_core::{DaemonSet, Node, Pod};
    let sizes = [
        ("Label", size_of::<Label>(), 8),
        ("Taint", size_of::<Taint>(), 16),
        ("Toleration", size_of::<Toleration>(), 40),
        ("Requirement", size_of::<Requirement>(), 16),
        ("Sym", size_of::<Sym>(), 4),
        ("Term", size_of::<Term>(), 24),
        ("FieldRequirement", size_of::<FieldRequirement>(), 12),
        ("Option<Node>", size_of::<Option<Node>>(), 96),
        ("Option<DaemonSet>", size_of::<Option<DaemonSet>>(), 152),
        ("Option<Pod>", size_of::<Option<Pod>>(), 80),
        ("BackoffEntry", size_of::<BackoffEntry>(), 32),
        (
            "Option<Expectations>",
            size_of::<Option<Expectations>>(),
            32,
        ),
    ];
    for (name, got, want) in sizes {
        assert_eq!(
            got, want,
            "size_of::<{name}>() changed: update the README's memory table"
        );
    }
    println!("{COSTS:?}");
}

fn manifest(path: &str) -> serde_json::Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/manifests")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(&file).expect("manifest")).expect("JSON")
}

/// The gateway workload: one edge gateway node, 16 real DaemonSets (every bundled
/// manifest but the Windows one and the Azure example in namespace `default`), and
/// 32 pods: each DaemonSet's pod of the current revision and, as in the middle of a
/// rollout, one of the previous revision. (Pods carry no uid: dsr does not use it.)
/// Each DaemonSet is synced once.
fn gateway_workload<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
    const TAINTS: usize,
    const TERMS: usize,
    const BACKOFF: usize,
>(
    engine: &mut dsr_core::Engine<
        NODES,
        SETS,
        PODS,
        STRINGS,
        BYTES,
        LABELS,
        RULES,
        TAINTS,
        TERMS,
        BACKOFF,
    >,
) -> Result<(), dsr_core::Error> {
    let node = cluster::parse_node(&manifest("nodes/yurt-edge-gw-hz01.json"));
    cluster::with_node(&node, |n| engine.add_node(n))?;
    let mut files: Vec<_> = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/manifests/daemonsets"),
    )
    .expect("manifests")
    .map(|e| e.expect("entry").file_name().into_string().expect("name"))
    .filter(|f| !f.contains("windows") && !f.starts_with("azure"))
    .collect();
    files.sort();
    assert_eq!(files.len(), 16);
    let now = Timestamp(1_709_290_800);
    for (i, f) in files.iter().enumerate() {
        let mut set = cluster::parse_set(&manifest(&format!("daemonsets/{f}")));
        if set.namespace.is_empty() {
            set.namespace = "kube-system".into();
        }
        let id = cluster::with_set(&set, |d| engine.add_daemon_set(d))?;
        let owner = cluster::set_uid(&set);
        for (k, revision) in ["5d4f8c7b9", cluster::REVISION].iter().enumerate() {
            let mut labels: Vec<LabelInput<'_>> = set
                .template_labels
                .iter()
                .map(|(k, v)| LabelInput { key: k, value: v })
                .collect();
            labels.push(LabelInput {
                key: "controller-revision-hash",
                value: revision,
            });
            let name = format!("{}-{:05x}", set.name, 0x1f3a7 * (2 * i + k + 1) % 0xfffff);
            engine.add_pod(&PodInput {
                name: &name,
                namespace: &set.namespace,
                labels: &labels,
                controller_uid: Some(&owner),
                controller_kind: "DaemonSet",
                controller_name: &set.name,
                node_name: &node.name,
                phase: "Running",
                ready: Some(PodConditionInput {
                    status: "True",
                    last_transition_time: Some(now),
                }),
                creation_timestamp: now,
                ..Default::default()
            })?;
        }
        let mut plan: Plan<4> = Plan::new();
        engine.sync(id, now.plus(60), &mut plan)?;
    }
    Ok(())
}

/// The README's three profiles, as engine types.
type Gateway = dsr_core::GatewayEngine;
type Small = dsr_core::SmallClusterEngine;
type Cluster5k = dsr_core::Cluster5kEngine;

#[test]
fn a_gateway_of_16_real_daemon_sets_fits_in_16_kib() {
    let mut e = Box::new(Gateway::new());
    gateway_workload(&mut *e).expect("the gateway workload fits");
    let used = e.usage();
    println!("gateway: {used:?}");
    // The `json` feature remembers each DaemonSet's highest ControllerRevision.
    #[cfg(feature = "json")]
    let json = 16 * dsr_core::json::BYTES_PER_DAEMON_SET;
    #[cfg(not(feature = "json"))]
    let json = 0;
    assert!(
        Gateway::footprint() <= (16 << 10) + json,
        "{}",
        Gateway::footprint()
    );
    // The capacities are the workload's with some room: full tables would be a
    // sizing mistake, not a realistic choice.
    let caps = Gateway::capacities();
    let room = |used: usize, cap: usize| cap >= used + used / 10;
    assert!(room(used.strings, caps.strings), "{used:?}");
    assert!(room(used.bytes, caps.bytes), "{used:?}");
    assert!(room(used.labels, caps.labels), "{used:?}");
    assert!(used.capacities().rules < caps.rules, "{used:?}");
}

#[test]
fn a_small_cluster_fits_in_512_kib() {
    // 64 nodes and the 20 DaemonSets of the 1k bench cluster, each with a pod on
    // every node that should run it.
    let mut data = cluster::load(&cluster::bench_path("cluster-1k.json"));
    data.nodes.truncate(64);
    let used = cluster::on_big_stack(move || {
        let mut e = Box::new(Small::new());
        cluster::fill(&mut *e, &data);
        cluster::steady_state(&mut *e, &data);
        e.usage()
    });
    println!("small cluster: {used:?}");
    assert!(Small::footprint() <= 512 << 10, "{}", Small::footprint());
}

#[test]
fn the_formula_gives_every_profile() {
    for caps in [
        Gateway::capacities(),
        Small::capacities(),
        Cluster5k::capacities(),
    ] {
        assert_eq!(
            footprint(&caps),
            match caps.nodes {
                1 => Gateway::footprint(),
                64 => Small::footprint(),
                _ => Cluster5k::footprint(),
            }
        );
    }
}

/// Prints the README's memory table (`cargo test -p dsr-core --test footprint --
/// --nocapture --exact memory_table`; `scripts/measure.sh` does).
#[test]
fn memory_table() {
    let mut lines: Vec<String> = Vec::new();
    let mut println = |l: String| {
        println!("{l}");
        lines.push(l);
    };
    let kib = |b: usize| format!("{:.1} KiB", b as f64 / 1024.0);
    println("| Profile | NODES | SETS | PODS | STRINGS | BYTES | LABELS | RULES | TAINTS | TERMS | BACKOFF | RAM |".to_string());
    println("|---|---|---|---|---|---|---|---|---|---|---|---|".to_string());
    for (name, c) in [
        ("gateway (`GatewayEngine`)", Gateway::capacities()),
        ("small cluster (`SmallClusterEngine`)", Small::capacities()),
        ("cluster-5k (`Cluster5kEngine`)", Cluster5k::capacities()),
    ] {
        println(format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} ({} bytes) |",
            c.nodes,
            c.sets,
            c.pods,
            c.strings,
            c.bytes,
            c.labels,
            c.rules,
            c.taints,
            c.terms,
            c.backoff,
            kib(footprint(&c)),
            footprint(&c)
        ));
    }
    println(String::new());
    println("| Entry | Bytes |".to_string());
    println("|---|---|".to_string());
    let k = COSTS;
    for (what, b) in [
        (
            "per node (+1 per DaemonSet: its placement byte)",
            k.per_node,
        ),
        ("per DaemonSet", k.per_set),
        ("per pod", k.per_pod),
        ("per backoff key (`BACKOFF`)", k.per_backoff),
        ("per string (+1 per byte of text, `BYTES`)", k.per_string),
        ("per label", k.per_label),
        (
            "per rule (`RULES`: toleration, requirement, value)",
            k.per_rule,
        ),
        ("per taint (`TAINTS`)", k.per_taint),
        ("per term (`TERMS`: term and field requirement)", k.per_term),
        ("fixed", k.fixed),
    ] {
        println(format!("| {what} | {b} |"));
    }
    // The README shows this table for the default build (scripts/measure.sh writes
    // it there): it must be today's. The `compact` build keeps no node columns;
    // the `json` build remembers a revision per DaemonSet.
    if cfg!(feature = "compact") || cfg!(feature = "json") {
        return;
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    for l in lines.iter().filter(|l| !l.is_empty()) {
        assert!(
            readme.contains(l.as_str()),
            "README.md lacks the line {l:?}: run scripts/measure.sh --update-readme"
        );
    }
}
