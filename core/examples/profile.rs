//! Profiling driver (not a benchmark): loads a bench cluster, builds the steady
//! state, and runs one phase many times, for `valgrind --tool=callgrind` or `perf`.
//!
//! usage: profile FILE PHASE ROUNDS [EVENT...]   (PHASE: load | eligibility |
//! by-node | placement | sync | apply; eligibility is `Engine::evaluate_fit`,
//! placement adds reasons; apply, with `--features json`, applies the watch
//! events in the EVENT files in turn to the steady state, a fresh scratch each;
//! `--toggle-collect=*timed_apply*` counts only those)

#[path = "../tests/support/cluster.rs"]
mod cluster;

use std::time::Instant;

use cluster::BenchEngine;
use dsr_core::sync::Plan;

/// One apply as `dsr bench` times it: a scratch built in place, then the
/// event applied (a function of its own, for `--toggle-collect=*timed_apply*`).
#[cfg(feature = "json")]
#[inline(never)]
fn timed_apply(engine: &mut BenchEngine, event: &[u8]) {
    use dsr_core::json::Scratch;
    let mut slot = std::mem::MaybeUninit::<Scratch<'_, 1, 128, 64, 1024>>::uninit();
    let scratch = Scratch::init_in_place(&mut slot);
    std::hint::black_box(
        engine
            .apply(std::hint::black_box(event), scratch)
            .expect("apply"),
    );
}

#[inline(never)]
fn eligibility_pass(engine: &BenchEngine) -> usize {
    let mut runs = 0usize;
    for (_, set) in engine.daemon_sets() {
        for (_, node) in engine.nodes() {
            runs += usize::from(engine.evaluate_fit(set, node).should_run);
        }
    }
    runs
}

#[inline(never)]
fn placement_pass(engine: &BenchEngine) -> usize {
    let mut runs = 0usize;
    for (_, set) in engine.daemon_sets() {
        for (_, node) in engine.nodes() {
            runs += usize::from(engine.placement(set, node).should_run);
        }
    }
    runs
}

#[inline(never)]
fn eligibility_pass_by_node(engine: &BenchEngine) -> usize {
    let mut runs = 0usize;
    for (_, node) in engine.nodes() {
        for (_, set) in engine.daemon_sets() {
            runs += usize::from(engine.evaluate_fit(set, node).should_run);
        }
    }
    runs
}

#[inline(never)]
fn sync_all(
    engine: &mut BenchEngine,
    sets: &[dsr_core::SetId],
    now: dsr_core::Timestamp,
    plan: &mut Plan<256>,
) {
    for &s in sets {
        engine.sync(s, now, plan).expect("sync");
        assert!(plan.creates.is_empty() && plan.deletes.is_empty());
        engine.observe_creates(s, 0).expect("set");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).map(String::as_str).unwrap_or("cluster-5k.json");
    let phase = args.get(2).cloned().unwrap_or_else(|| "eligibility".into());
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    // Watch events for `apply` (the `json` feature), each a file.
    #[cfg(feature = "json")]
    let events: Vec<Vec<u8>> = args
        .iter()
        .skip(4)
        .map(|f| std::fs::read(f).expect("event"))
        .collect();
    let data = cluster::load(&cluster::bench_path(file));
    cluster::on_big_stack(move || {
        let mut engine: Box<BenchEngine> = Box::new(BenchEngine::new());
        let t = Instant::now();
        cluster::fill(&mut engine, &data);
        eprintln!("load: {:?}", t.elapsed());
        if phase == "load" {
            return;
        }
        #[cfg(feature = "json")]
        if phase == "apply" {
            cluster::steady_state(&mut engine, &data);
            let t = Instant::now();
            for r in 0..rounds {
                timed_apply(&mut engine, &events[r % events.len()]);
            }
            eprintln!(
                "apply: {:.0} ns each",
                t.elapsed().as_nanos() as f64 / rounds as f64
            );
            return;
        }
        if phase == "eligibility" || phase == "by-node" || phase == "placement" {
            let pass = match phase.as_str() {
                "by-node" => eligibility_pass_by_node,
                "placement" => placement_pass,
                _ => eligibility_pass,
            };
            let pairs = (engine.node_count() * engine.daemon_set_count()) as f64;
            let mut times: Vec<f64> = (0..rounds)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(pass(&engine));
                    t.elapsed().as_nanos() as f64 / pairs
                })
                .collect();
            times.sort_by(f64::total_cmp);
            eprintln!(
                "{phase}: {} runs, min {:.1} median {:.1} ns/pair",
                pass(&engine),
                times[0],
                times[times.len() / 2]
            );
            return;
        }
        let t = Instant::now();
        let pods = cluster::steady_state(&mut engine, &data);
        eprintln!("steady state: {} pods in {:?}", pods, t.elapsed());
        eprintln!("{:?}", engine.usage());
        let sets: Vec<_> = engine.daemon_sets().map(|(id, _)| id).collect();
        let mut plan: Box<Plan<256>> = Box::new(Plan::new());
        let now = cluster::STEADY_SINCE.plus(3600);
        for r in 0..rounds {
            let t = Instant::now();
            sync_all(&mut engine, &sets, now, &mut plan);
            eprintln!("sync round {r}: {:?}", t.elapsed());
        }
    });
}
