//! One sync of every DaemonSet of the 5k-node bench cluster in its steady state (a
//! running, ready, up-to-date pod on every eligible node), and a sync that rolls one
//! DaemonSet to a new revision.

use criterion::{criterion_group, criterion_main, Criterion};
use dsr_core::sync::Plan;
use dsr_core::Timestamp;

#[path = "../tests/support/cluster.rs"]
mod cluster;

use cluster::BenchEngine;

/// Room for the plan of one DaemonSet (a rolling sync deletes at most the budget).
type BenchPlan = Plan<512>;

fn benches(c: &mut Criterion) {
    let data = cluster::load(&cluster::bench_path("cluster-5k.json"));
    let (mut engine, pods) = cluster::on_big_stack(move || {
        let mut engine = Box::new(BenchEngine::new());
        cluster::fill(&mut engine, &data);
        let pods = cluster::steady_state(&mut engine, &data);
        (engine, pods)
    });
    let now = Timestamp(cluster::STEADY_SINCE.0 + 3600);
    let sets: Vec<_> = engine.daemon_sets().map(|(id, _)| id).collect();
    let mut plan: Box<BenchPlan> = Box::default();
    // The first sync sorts the nodes; later ones reuse the order, as a node manager's
    // loop would.
    for &set in &sets {
        engine.sync(set, now, &mut plan).expect("sync");
        assert!(plan.is_noop(), "steady state plans nothing");
    }

    let mut group = c.benchmark_group(format!("sync/cluster-5k ({pods} pods)"));
    group.sample_size(20);
    group.bench_function("steady state, every DaemonSet", |b| {
        b.iter(|| {
            for &set in &sets {
                engine.sync(set, now, &mut plan).expect("sync");
            }
        })
    });

    // Roll the first DaemonSet with a RollingUpdate strategy to a new revision: each
    // sync deletes old pods within maxUnavailable; the deletes are reported back so
    // the next sync plans again rather than waiting on expectations.
    let data = cluster::load(&cluster::bench_path("cluster-5k.json"));
    let rolled = &data.sets[0];
    let set = engine
        .find_daemon_set(&rolled.namespace, &rolled.name)
        .expect("set");
    cluster::with_set(rolled, |input| {
        let mut input = *input;
        input.revision_hash = "rev-2";
        input.template_generation = Some("2");
        engine.update_daemon_set(set, &input)
    })
    .expect("update");
    group.bench_function("rolling one DaemonSet to a new revision", |b| {
        b.iter(|| {
            engine.sync(set, now, &mut plan).expect("sync");
            assert!(!plan.deletes.is_empty(), "the rollout deletes old pods");
            engine
                .observe_deletes(set, plan.deletes.len() as u32)
                .expect("observe");
        })
    });
    group.finish();
}

criterion_group!(sync, benches);
criterion_main!(sync);
