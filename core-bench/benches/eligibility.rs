//! Eligibility per (node, DaemonSet) pair on the benchmark clusters, after loading:
//! every DaemonSet on 64 nodes at a time (`Engine::evaluate_fit_block`, as the engine
//! judges every node for a DaemonSet), and one call a pair (`Engine::evaluate_fit`);
//! the reason `Engine::placement` adds on a "no" is not timed. Loading is measured
//! apart.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../../core/tests/support/cluster.rs"]
mod cluster;

use cluster::{BenchEngine, Cluster};

fn block_pass(engine: &BenchEngine) -> u32 {
    let mut runs = 0;
    for (_, set) in engine.daemon_sets() {
        for b in 0..engine.node_blocks() {
            runs += engine.evaluate_fit_block(set, b).run.count_ones();
        }
    }
    runs
}

fn eligibility_pass(engine: &BenchEngine) -> usize {
    let mut runs = 0usize;
    for (_, set) in engine.daemon_sets() {
        for (_, node) in engine.nodes() {
            if engine.evaluate_fit(set, node).should_run {
                runs += 1;
            }
        }
    }
    runs
}

fn bench_cluster(c: &mut Criterion, file: &str) {
    let data: &'static Cluster = Box::leak(Box::new(cluster::load(&cluster::bench_path(file))));
    let pairs = (data.nodes.len() * data.sets.len()) as u64;

    let mut group = c.benchmark_group(format!("eligibility/{file}"));
    // The engine is large; keep it off the (small) main stack.
    let mut engine: Box<BenchEngine> = cluster::on_big_stack(|| Box::new(BenchEngine::new()));
    cluster::fill(&mut engine, data);
    group.throughput(Throughput::Elements(pairs));
    group.bench_function("all pairs, 64 nodes at a time", |b| {
        b.iter(|| std::hint::black_box(block_pass(&engine)))
    });
    group.bench_function("all pairs, one call a pair", |b| {
        b.iter(|| std::hint::black_box(eligibility_pass(&engine)))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("load/{file}"));
    group.sample_size(10);
    group.bench_function("nodes and daemon sets", |b| {
        b.iter(|| {
            engine.clear();
            cluster::fill(&mut engine, data);
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_cluster(c, "cluster-1k.json");
    bench_cluster(c, "cluster-5k.json");
}

criterion_group!(eligibility, benches);
criterion_main!(eligibility);
