//! The sync on the 5k bench cluster in its steady state (every DaemonSet has a
//! running, ready, up-to-date pod on every node that should run it): one sync of
//! every DaemonSet; a sync that rolls one DaemonSet to a new revision; one node's
//! labels changing, and that node re-evaluated against every DaemonSet.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

#[path = "../../core/tests/support/cluster.rs"]
mod cluster;

use cluster::BenchEngine;
use dsr_core::input::{LabelInput, NodeInput};
use dsr_core::sync::Plan;
use dsr_core::{NodeId, SetId};

fn steady(file: &str) -> (Box<BenchEngine>, &'static cluster::Cluster) {
    let data: &'static cluster::Cluster =
        Box::leak(Box::new(cluster::load(&cluster::bench_path(file))));
    let mut engine: Box<BenchEngine> = cluster::on_big_stack(|| Box::new(BenchEngine::new()));
    cluster::fill(&mut engine, data);
    cluster::steady_state(&mut engine, data);
    (engine, data)
}

fn benches(c: &mut Criterion) {
    let (mut engine, data) = steady("cluster-5k.json");
    let sets: Vec<SetId> = engine.daemon_sets().map(|(id, _)| id).collect();
    let now = cluster::STEADY_SINCE.plus(3600);
    let mut plan: Box<Plan<256>> = Box::new(Plan::new());

    let mut group = c.benchmark_group("sync/cluster-5k.json");
    group.throughput(Throughput::Elements(sets.len() as u64));
    group.bench_function("steady state, every DaemonSet", |b| {
        b.iter(|| {
            for &s in &sets {
                engine.sync(s, now, &mut plan).expect("sync");
                engine.observe_creates(s, 0).expect("set");
            }
        })
    });
    group.finish();

    // Roll the DaemonSet with the most pods to a new revision: each sync plans the
    // first deletes of the rollout (the pods stay, so every sync plans the same).
    let (roll, roll_index) = sets
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let pods = engine
                .pods()
                .filter(|(_, p)| p.controller_uid == Some(engine.daemon_set(s).unwrap().uid))
                .count();
            (pods, i)
        })
        .max()
        .map(|(_, i)| (sets[i], i))
        .expect("sets");
    let rolled = cluster::set_at(&data.sets[roll_index], "rev-2", 2);
    engine
        .apply(&cluster::json(&rolled), &mut cluster::scratch())
        .expect("update");
    let mut group = c.benchmark_group("sync/cluster-5k.json");
    group.bench_function("rolling one DaemonSet to a new revision", |b| {
        b.iter(|| {
            engine.sync(roll, now, &mut plan).expect("sync");
            assert!(!plan.deletes.is_empty());
            engine
                .observe_deletes(roll, plan.deletes.len() as u32)
                .expect("set");
            engine
                .observe_creates(roll, plan.creates.len() as u32)
                .expect("set");
        })
    });
    group.finish();
    let back = cluster::set_object(&data.sets[roll_index]);
    engine
        .apply(&cluster::json(&back), &mut cluster::scratch())
        .expect("update");

    // One node's labels change (a value flips, as a zone or tier relabel does).
    let node = NodeId(2500);
    let owned = &data.nodes[node.0 as usize];
    let flipped: Vec<(String, String)> = owned
        .labels
        .iter()
        .map(|(k, v)| {
            let v = if k == "edge.example.io/tier" || k == "env" {
                format!("{v}-relabelled")
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    fn as_input(labels: &[(String, String)]) -> Vec<LabelInput<'_>> {
        labels
            .iter()
            .map(|(k, v)| LabelInput { key: k, value: v })
            .collect()
    }
    let original: &'static [LabelInput<'static>] = as_input(&owned.labels).leak();
    let flipped: &'static [(String, String)] = flipped.leak();
    let changed: &'static [LabelInput<'static>] = as_input(flipped).leak();
    let input = |labels: &'static [LabelInput<'static>]| NodeInput {
        name: &owned.name,
        labels,
        taints: &[],
        unschedulable: false,
    };
    let mut group = c.benchmark_group("node change/cluster-5k.json");
    group.bench_function(
        "update_node (store and re-evaluate against 50 DaemonSets)",
        |b| {
            let mut flip = false;
            b.iter(|| {
                flip = !flip;
                let labels = if flip { changed } else { original };
                engine.update_node(node, &input(labels)).expect("update");
            })
        },
    );
    group.bench_function("re-evaluate one node against every DaemonSet", |b| {
        let n = *engine.node(node).expect("node");
        b.iter_batched(
            || (),
            |()| {
                let mut runs = 0usize;
                for (_, s) in engine.daemon_sets() {
                    runs += usize::from(engine.evaluate_fit(s, &n).should_run);
                }
                runs
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(sync, benches);
criterion_main!(sync);
