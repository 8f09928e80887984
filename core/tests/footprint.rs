//! What engines cost: `size_of` of every table entry (so growth is noticed), the
//! three README profiles, and that real workloads fit them.

use std::mem::size_of;

use dsr_core::footprint::{footprint, COSTS};

#[cfg(feature = "json")]
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

/// The gateway workload: one edge gateway node, 16 real DaemonSets (every bundled
/// manifest but the Windows one and the Azure example in namespace `default`), and
/// 32 pods: each DaemonSet's pod of the current revision and, as in the middle of a
/// rollout, one of the previous revision, all applied as Kubernetes objects. Each
/// DaemonSet is synced once.
#[cfg(feature = "json")]
#[allow(clippy::result_large_err)]
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
) -> Result<(), dsr_core::json::ApplyError> {
    use dsr_core::sync::Plan;
    let node = cluster::node(cluster::manifest("nodes/yurt-edge-gw-hz01.json"));
    engine.apply(&cluster::json(&node.object), &mut cluster::scratch())?;
    let sets: Vec<_> = cluster::manifests("daemonsets")
        .into_iter()
        .filter(|(f, _)| !f.contains("windows") && !f.starts_with("azure"))
        .map(|(_, d)| cluster::set(d, "kube-system"))
        .collect();
    assert_eq!(sets.len(), 16);
    for (i, set) in sets.iter().enumerate() {
        let id = match engine
            .apply(
                &cluster::json(&cluster::set_object(set)),
                &mut cluster::scratch(),
            )?
            .id
        {
            dsr_core::json::ObjectId::DaemonSet(id) => id,
            other => panic!("{other:?}"),
        };
        for (k, revision) in ["5d4f8c7b9", cluster::REVISION].iter().enumerate() {
            let name = format!("{}-{:05x}", set.name, 0x1f3a7 * (2 * i + k + 1) % 0xfffff);
            let pod = cluster::pod(set, &name, &node.name, revision);
            engine.apply(&cluster::json(&pod), &mut cluster::scratch())?;
        }
        let mut plan: Plan<4> = Plan::new();
        engine
            .sync(id, cluster::STEADY_SINCE.plus(60), &mut plan)
            .expect("sync");
    }
    Ok(())
}

/// The README's three profiles, as engine types.
type Gateway = dsr_core::GatewayEngine;
type Small = dsr_core::SmallClusterEngine;
type Cluster5k = dsr_core::Cluster5kEngine;

#[test]
fn the_gateway_profile_fits_in_16_kib() {
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
}

#[cfg(feature = "json")]
#[test]
fn a_gateway_of_16_real_daemon_sets_fits_the_gateway_profile() {
    let mut e = Box::new(Gateway::new());
    gateway_workload(&mut *e).expect("the gateway workload fits");
    let used = e.usage();
    println!("gateway: {used:?}");
    // The capacities are the workload's with some room: full tables would be a
    // sizing mistake, not a realistic choice.
    let caps = Gateway::capacities();
    let room = |used: usize, cap: usize| cap >= used + used / 10;
    assert!(room(used.strings, caps.strings), "{used:?}");
    assert!(room(used.bytes, caps.bytes), "{used:?}");
    assert!(room(used.labels, caps.labels), "{used:?}");
    assert!(used.capacities().rules < caps.rules, "{used:?}");
}

#[cfg(feature = "json")]
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
