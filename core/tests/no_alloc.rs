//! Evaluation allocates nothing: a counting global allocator watches eligibility
//! of every (node, DaemonSet) pair of the 1k benchmark cluster, the reasons in
//! words, and the one-off queries. The cluster is loaded through `Engine::apply`
//! (the `json` feature).
#![cfg(feature = "json")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "support/cluster.rs"]
mod cluster;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The counter is global: the tests measure one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn eligibility_of_every_pair_allocates_nothing() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let data = cluster::load(&cluster::bench_path("cluster-1k.json"));
    let (allocations, runs, pairs) = cluster::on_big_stack(move || {
        let mut engine = Box::new(cluster::BenchEngine::new());
        cluster::fill(&mut engine, &data);
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let mut runs = 0usize;
        let mut pairs = 0usize;
        let mut why = heapless::String::<512>::new();
        for (set_id, set) in engine.daemon_sets() {
            for (_, node) in engine.nodes() {
                let p = engine.placement(set, node);
                pairs += 1;
                runs += usize::from(p.should_run);
                why.clear();
                engine.describe(set_id, &p.reason, &mut why).unwrap();
            }
        }
        let allocations = ALLOCATIONS.load(Ordering::SeqCst) - before;
        // The counter itself works: one allocation is seen.
        let probe = std::hint::black_box(Vec::<u8>::with_capacity(8));
        assert!(ALLOCATIONS.load(Ordering::SeqCst) > before + allocations);
        drop(probe);
        (allocations, runs, pairs)
    });
    assert_eq!(pairs, 1000 * 20);
    // The cluster is made so that some pairs run and some do not.
    assert!(runs > 0 && runs < pairs, "runs {runs} of {pairs}");
    assert_eq!(allocations, 0, "evaluation allocated");
}

#[test]
fn a_sync_of_every_daemon_set_allocates_nothing() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let data = cluster::load(&cluster::bench_path("cluster-1k.json"));
    let (allocations, syncs) = cluster::on_big_stack(move || {
        let mut engine = Box::new(cluster::BenchEngine::new());
        cluster::fill(&mut engine, &data);
        cluster::steady_state(&mut engine, &data);
        let now = dsr_core::Timestamp(cluster::STEADY_SINCE.0 + 3600);
        let sets: Vec<_> = engine.daemon_sets().map(|(id, _)| id).collect();
        let mut plan: Box<dsr_core::sync::Plan<256>> = Box::default();
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        for &set in &sets {
            engine.sync(set, now, &mut plan).unwrap();
            assert!(plan.is_noop(), "steady state plans nothing");
        }
        (ALLOCATIONS.load(Ordering::SeqCst) - before, sets.len())
    });
    assert_eq!(syncs, 20);
    assert_eq!(allocations, 0, "a sync allocated");
}
