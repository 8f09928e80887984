//! Profiling driver (not a benchmark): loads a bench cluster, builds the steady
//! state, and runs one phase many times, for `valgrind --tool=callgrind` or `perf`.
//!
//! usage: profile FILE PHASE ROUNDS   (PHASE: load | eligibility | sync)

#[path = "../tests/support/cluster.rs"]
mod cluster;

use std::time::Instant;

use cluster::BenchEngine;
use dsr_core::sync::Plan;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).map(String::as_str).unwrap_or("cluster-5k.json");
    let phase = args.get(2).cloned().unwrap_or_else(|| "eligibility".into());
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let data = cluster::load(&cluster::bench_path(file));
    cluster::on_big_stack(move || {
        let mut engine: Box<BenchEngine> = Box::new(BenchEngine::new());
        let t = Instant::now();
        cluster::fill(&mut engine, &data);
        eprintln!("load: {:?}", t.elapsed());
        if phase == "load" {
            return;
        }
        if phase == "eligibility" {
            let t = Instant::now();
            let mut runs = 0usize;
            for _ in 0..rounds {
                for (_, set) in engine.daemon_sets() {
                    for (_, node) in engine.nodes() {
                        runs += usize::from(engine.placement(set, node).should_run);
                    }
                }
            }
            let pairs = engine.node_count() * engine.daemon_set_count() * rounds;
            eprintln!(
                "eligibility: {} runs, {:.1} ns/pair",
                runs,
                t.elapsed().as_nanos() as f64 / pairs as f64
            );
            return;
        }
        let t = Instant::now();
        let pods = cluster::steady_state(&mut engine, &data);
        eprintln!("steady state: {} pods in {:?}", pods, t.elapsed());
        let sets: Vec<_> = engine.daemon_sets().map(|(id, _)| id).collect();
        let mut plan: Box<Plan<256>> = Box::new(Plan::new());
        let now = cluster::STEADY_SINCE.plus(3600);
        for r in 0..rounds {
            let t = Instant::now();
            for &s in &sets {
                engine.sync(s, now, &mut plan).expect("sync");
                assert!(
                    plan.creates.is_empty() && plan.deletes.is_empty(),
                    "{:?}",
                    plan.creates.len()
                );
                engine.observe_creates(s, 0).unwrap();
            }
            eprintln!("sync round {r}: {:?}", t.elapsed());
        }
    });
}
