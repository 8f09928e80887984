//! `dsr bench FILE`: how fast and how small the core is on a cluster.
//!
//! FILE is a bench cluster (`{"nodes": [...], "daemonSets": [...]}`, as
//! `tests/data/bench/gen_cluster.py` writes) or a kubectl dump. Its nodes and
//! DaemonSets are loaded into the smallest engine of `Tier` they fit (up to
//! 16,384 nodes and 256 DaemonSets); every node that should run a DaemonSet's pod gets one,
//! running, ready and of the current revision (the steady state; pods in the file
//! are not used). Then, each after warm-up runs, as the median of repeated runs:
//!
//! - eligibility: `Engine::evaluate_fit` of every (DaemonSet, node) pair, per pair:
//!   the decision itself (`NodeShouldRunDaemonPod`: should run, may continue
//!   running), as the engine re-evaluates placements when a node or a DaemonSet
//!   changes; the reason `Engine::placement` adds to a "no" (for explanations and
//!   deletions) is not timed, and neither is reading the kept placements
//!   (`Engine::fit`);
//! - full sync: one `Engine::sync` of every DaemonSet;
//! - node change: after one node's labels change (`Engine::update_node`), that
//!   node re-evaluated (`Engine::evaluate_fit`) against every DaemonSet;
//!
//! and the heap allocations made during all of those (a counting global allocator;
//! the core allocates nothing, so this is 0), and the engine's RAM.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use dsr_core::input::{LabelInput, PodConditionInput, PodInput};
use dsr_core::sync::Plan;
use dsr_core::{NodeId, SetId, Timestamp};
use serde::Serialize;

use crate::convert::{DaemonSetParts, NodeParts};
use crate::load;

/// Counts every allocation and reallocation of the process, and the bytes in use
/// (for the loader's memory test, [`heap_peak`]).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static IN_USE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

fn grew(by: usize) {
    let now = IN_USE.fetch_add(by as u64, Ordering::Relaxed) + by as u64;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(by: usize) {
    IN_USE.fetch_sub(by as u64, Ordering::Relaxed);
}

// SAFETY: forwards every call to the system allocator unchanged, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// The most heap bytes in use at once since the last call (of the whole process:
/// call it where nothing else runs), and restarts the count from the bytes in use
/// now. The first call reports the peak since the process started.
pub fn heap_peak() -> u64 {
    let now = IN_USE.load(Ordering::Relaxed);
    PEAK.swap(now, Ordering::Relaxed)
}

/// Heap bytes in use now.
pub fn heap_in_use() -> u64 {
    IN_USE.load(Ordering::Relaxed)
}

/// The largest engine the bench runs on: room for 16,384 nodes, 256 DaemonSets and
/// 262,144 pods.
pub type BenchEngine = dsr_core::Engine<
    16_384,
    256,
    { 1 << 18 },
    { 1 << 19 },
    { 8 << 20 },
    { 1 << 21 },
    4096,
    32_768,
    1024,
    65_536,
>;

pub use crate::engine::Cluster10kEngine;

/// The engines a cluster is tried in, smallest first: the bench reports the RAM of
/// the one it fits, so a small cluster is not measured in a huge engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// [`dsr_core::Cluster5kEngine`], 14 MiB.
    Cluster5k,
    /// [`Cluster10kEngine`], 28 MiB.
    Cluster10k,
    /// [`BenchEngine`], 67 MiB.
    Largest,
}

/// A table of the engine filled up while loading: the cluster needs a bigger tier.
#[derive(Debug)]
struct TooSmall(dsr_core::Error);

impl std::fmt::Display for TooSmall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the engine is too small for this cluster: {}", self.0)
    }
}

impl std::error::Error for TooSmall {}

/// A core error while loading as an error: [`TooSmall`] when a table is full.
fn load_error(e: dsr_core::Error, what: std::fmt::Arguments<'_>) -> anyhow::Error {
    match e {
        dsr_core::Error::Full { .. } => anyhow::Error::new(TooSmall(e)).context(what.to_string()),
        e => anyhow!("{what}: {e}"),
    }
}

/// `dsr bench` arguments.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// A bench cluster (`{"nodes": [...], "daemonSets": [...]}`) or a kubectl dump.
    file: PathBuf,
    /// Print one JSON object (`pairs`, `eligibility_ns_per_pair`, `full_sync_ns`,
    /// `node_change_ns`, `node_update_ns`, `allocations`, `engine_bytes`).
    #[arg(long)]
    json: bool,
    /// Timed runs of each measurement (the median is reported), 1 to 10000.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=MAX_RUNS))]
    runs: u32,
    #[command(flatten)]
    limits: crate::LimitArgs,
}

/// Most timed runs `--runs` takes: each run of each measurement is kept (8 bytes)
/// and a full sync of a large cluster takes milliseconds, so more would only be
/// a way to exhaust memory or time.
pub const MAX_RUNS: i64 = 10_000;

/// The `--json` object: exactly these keys.
#[derive(Debug, Serialize)]
pub struct Report {
    /// (DaemonSet, node) pairs.
    pub pairs: u64,
    /// Median nanoseconds of one eligibility decision (`Engine::evaluate_fit`).
    pub eligibility_ns_per_pair: f64,
    /// Median nanoseconds of one sync of every DaemonSet.
    pub full_sync_ns: f64,
    /// Median nanoseconds of re-evaluating a changed node against every DaemonSet.
    pub node_change_ns: f64,
    /// Median nanoseconds of `Engine::update_node` with a label value changed:
    /// interning, storing, giving back the old strings and re-evaluating the node
    /// against every DaemonSet.
    pub node_update_ns: f64,
    /// Heap allocations during every timed run.
    pub allocations: u64,
    /// Bytes of the engine.
    pub engine_bytes: u64,
}

/// What the human output adds.
struct Details {
    nodes: usize,
    sets: usize,
    pods: usize,
    load_ms: f64,
    one_by_one_ns: f64,
    fitted_bytes: usize,
}

/// Runs the bench and prints the report.
pub fn run(args: &BenchArgs) -> Result<()> {
    // clap holds `--runs` to 1..=MAX_RUNS; checked again for callers of the library.
    if !(1..=MAX_RUNS).contains(&i64::from(args.runs)) {
        bail!("--runs must be from 1 to {MAX_RUNS}");
    }
    let objects = load::read_objects(&args.file, &args.limits.limits())?;
    if objects.nodes.is_empty() || objects.daemon_sets.is_empty() {
        bail!(
            "{} has {} nodes and {} DaemonSets; the bench needs some of each",
            args.file.display(),
            objects.nodes.len(),
            objects.daemon_sets.len()
        );
    }
    let runs = args.runs as usize;
    let (report, details) = crate::engine::on_big_stack(BenchEngine::footprint(), || {
        let mut last = None;
        for tier in [Tier::Cluster5k, Tier::Cluster10k, Tier::Largest] {
            match measure_in(tier, &objects, runs) {
                Err(e) if e.chain().any(|c| c.is::<TooSmall>()) => last = Some(e),
                done => return done,
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("no engine tier to try")))
    })??;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_human(&args.file, &report, &details);
    }
    Ok(())
}

/// Timed runs: each measurement's median, and the allocations made inside the
/// measured calls (the bookkeeping around them is not counted).
#[derive(Default)]
struct Timer {
    allocations: u64,
}

impl Timer {
    /// The median of `runs` timed runs of `f` (after two untimed ones), in
    /// nanoseconds.
    fn median_ns(&mut self, runs: usize, mut f: impl FnMut()) -> f64 {
        let mut times: Vec<f64> = Vec::with_capacity(runs);
        for i in 0..runs + 2 {
            let before = allocations();
            let t = Instant::now();
            f();
            let elapsed = t.elapsed().as_nanos() as f64;
            self.allocations += allocations() - before;
            if i >= 2 {
                times.push(elapsed);
            }
        }
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    }
}

/// A loaded DaemonSet: its id, uid, namespace and the labels its pods carry.
type Loaded = (SetId, String, String, Vec<(String, String)>);

/// Builds the tier's engine (a local of this frame, on the big-stack thread) and
/// measures in it.
#[inline(never)]
fn measure_in(tier: Tier, objects: &load::Objects, runs: usize) -> Result<(Report, Details)> {
    match tier {
        Tier::Cluster5k => measure(&mut dsr_core::Cluster5kEngine::new(), objects, runs),
        Tier::Cluster10k => measure(&mut Cluster10kEngine::new(), objects, runs),
        Tier::Largest => measure(&mut BenchEngine::new(), objects, runs),
    }
}

fn measure<
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
    objects: &load::Objects,
    runs: usize,
) -> Result<(Report, Details)> {
    let started = Instant::now();
    let mut nodes: Vec<(NodeId, &str)> = Vec::new();
    for node in &objects.nodes {
        let parts = NodeParts::new(node);
        let id = engine
            .add_node(&parts.input())
            .map_err(|e| load_error(e, format_args!("node {}", parts.name())))?;
        nodes.push((id, parts.name()));
    }
    // Each DaemonSet at revision `bench-1`, template generation 1.
    let mut sets: Vec<Loaded> = Vec::new();
    for ds in &objects.daemon_sets {
        let parts = DaemonSetParts::new(ds);
        let uid = match ds.metadata.uid.as_deref() {
            Some(u) if !u.is_empty() => u.to_owned(),
            _ => format!("bench-{}", parts.display_name()),
        };
        let id = parts
            .with_input(|i| {
                engine.add_daemon_set(&dsr_core::input::DaemonSetInput {
                    uid: &uid,
                    generation: 1,
                    observed_generation: 1,
                    revision_hash: REVISION,
                    template_generation: Some("1"),
                    ..*i
                })
            })
            .map_err(|e| load_error(e, format_args!("DaemonSet {}", parts.display_name())))?;
        let mut labels = Vec::new();
        engine
            .new_pod_labels(id, |k, v| labels.push((k.to_owned(), v.to_owned())))
            .map_err(|e| anyhow!("{e}"))?;
        let namespace = ds.metadata.namespace.clone().unwrap_or_default();
        sets.push((id, uid, namespace, labels));
    }
    // The steady state: a running, ready, up-to-date pod wherever one should run.
    let since = Timestamp(1_709_290_800);
    let mut pods = 0usize;
    for (set, uid, namespace, labels) in &sets {
        let labels: Vec<LabelInput<'_>> = labels
            .iter()
            .map(|(k, v)| LabelInput { key: k, value: v })
            .collect();
        let set_name = engine
            .daemon_set(*set)
            .map(|s| engine.text(s.name).to_owned())
            .unwrap_or_default();
        for &(node, node_name) in &nodes {
            if !engine
                .fit(*set, node)
                .map_err(|e| anyhow!("{e}"))?
                .should_run
            {
                continue;
            }
            let name = format!("{set_name}-{node_name}");
            engine
                .add_pod(&PodInput {
                    name: &name,
                    namespace,
                    labels: &labels,
                    controller_uid: Some(uid),
                    controller_kind: "DaemonSet",
                    controller_name: &set_name,
                    node_name,
                    phase: "Running",
                    ready: Some(PodConditionInput {
                        status: "True",
                        last_transition_time: Some(since),
                    }),
                    creation_timestamp: since,
                    ..Default::default()
                })
                .map_err(|e| load_error(e, format_args!("pod {name}")))?;
            pods += 1;
        }
    }
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let set_ids: Vec<SetId> = sets.iter().map(|s| s.0).collect();
    let now = since.plus(3600);
    let mut plan: Box<Plan<256>> = Box::new(Plan::new());
    // The node whose labels change: the middle one; two values flip.
    let (changed_node, changed_name) = nodes[nodes.len() / 2];
    let node_object = &objects.nodes[nodes.len() / 2];
    let parts = NodeParts::new(node_object);
    let original = parts.input();
    let flipped_values: Vec<(String, String)> = original
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let v = if i % 7 == 3 {
                format!("{}-relabelled", l.value)
            } else {
                l.value.to_owned()
            };
            (l.key.to_owned(), v)
        })
        .collect();
    let flipped_labels: Vec<LabelInput<'_>> = flipped_values
        .iter()
        .map(|(k, v)| LabelInput { key: k, value: v })
        .collect();
    let flipped = dsr_core::input::NodeInput {
        name: changed_name,
        labels: &flipped_labels,
        ..original
    };
    let pairs = (set_ids.len() * nodes.len()) as u64;

    let mut timer = Timer::default();
    // Every pair, a DaemonSet on 64 nodes at a time: how the engine judges every
    // node for a DaemonSet.
    let eligibility = timer.median_ns(runs, || {
        let mut runs = 0u32;
        for (_, s) in engine.daemon_sets() {
            for b in 0..engine.node_blocks() {
                runs += engine.evaluate_fit_block(s, black_box(b)).run.count_ones();
            }
        }
        black_box(runs);
    });
    // Every pair again, one call a pair: how one node is judged for every DaemonSet.
    let one_by_one = timer.median_ns(runs, || {
        let mut runs = 0usize;
        for (_, s) in engine.daemon_sets() {
            for (_, n) in engine.nodes() {
                runs += usize::from(engine.evaluate_fit(s, n).should_run);
            }
        }
        black_box(runs);
    });
    let mut sync_error = None;
    let full_sync = timer.median_ns(runs, || {
        for &s in &set_ids {
            if let Err(e) = engine
                .sync(s, now, &mut plan)
                .and_then(|()| engine.observe_creates(s, 0))
            {
                sync_error = Some(e);
            }
        }
    });
    if let Some(e) = sync_error {
        bail!("sync failed: {e}");
    }
    // Re-evaluation is ~a microsecond: each timed run does it BATCH times.
    const BATCH: usize = 1000;
    let mut flip = false;
    let mut update_error = None;
    let update_node = timer.median_ns(runs, || {
        for _ in 0..BATCH {
            flip = !flip;
            let input = if flip { &flipped } else { &original };
            if let Err(e) = engine.update_node(changed_node, input) {
                update_error = Some(e);
            }
        }
    }) / BATCH as f64;
    if let Some(e) = update_error {
        bail!("update_node failed: {e}");
    }
    engine
        .update_node(changed_node, &flipped)
        .map_err(|e| anyhow!("update_node: {e}"))?;
    let node_record = *engine
        .node(changed_node)
        .context("the changed node is gone")?;
    let node_change = timer.median_ns(runs, || {
        for _ in 0..BATCH {
            let mut runs = 0usize;
            for (_, s) in engine.daemon_sets() {
                runs += usize::from(engine.evaluate_fit(s, black_box(&node_record)).should_run);
            }
            black_box(runs);
        }
    }) / BATCH as f64;

    let report = Report {
        pairs,
        eligibility_ns_per_pair: eligibility / pairs as f64,
        full_sync_ns: full_sync,
        node_change_ns: node_change,
        node_update_ns: update_node,
        allocations: timer.allocations,
        engine_bytes: core::mem::size_of_val(&*engine) as u64,
    };
    let details = Details {
        nodes: nodes.len(),
        sets: set_ids.len(),
        pods,
        load_ms,
        one_by_one_ns: one_by_one / pairs as f64,
        fitted_bytes: dsr_core::footprint::footprint(&engine.usage().capacities()),
    };
    Ok((report, details))
}

/// The revision hash every DaemonSet is at.
const REVISION: &str = "bench-1";

fn print_human(file: &std::path::Path, r: &Report, d: &Details) {
    let mib = |b: f64| b / (1024.0 * 1024.0);
    println!("{}", file.display());
    println!(
        "  cluster        {} nodes, {} DaemonSets, {} pods (steady state); loaded in {:.0} ms",
        d.nodes, d.sets, d.pods, d.load_ms
    );
    println!(
        "  eligibility    {:.1} ns per (DaemonSet, node) pair, {} pairs (evaluate_fit_block: each DaemonSet on 64 nodes at a time, the decision, no reason)",
        r.eligibility_ns_per_pair, r.pairs
    );
    println!(
        "                 ({:.1} ns per pair one call at a time: evaluate_fit)",
        d.one_by_one_ns
    );
    println!(
        "  full sync      {:.2} ms for one sync of every DaemonSet",
        r.full_sync_ns / 1e6
    );
    println!(
        "  node change    {:.2} µs to re-evaluate a relabelled node against every DaemonSet",
        r.node_change_ns / 1e3
    );
    println!(
        "  node update    {:.2} µs for update_node with a label value changed: intern, store, give back, re-evaluate",
        r.node_update_ns / 1e3
    );
    println!("  allocations    {} during the timed runs", r.allocations);
    println!(
        "  engine RAM     {} bytes ({:.1} MiB); capacities fitted to this cluster: {} bytes ({:.1} MiB)",
        r.engine_bytes,
        mib(r.engine_bytes as f64),
        d.fitted_bytes,
        mib(d.fitted_bytes as f64)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use dsr_core::error::{Field, Table};

    #[test]
    fn a_full_table_asks_for_a_bigger_tier_and_other_errors_do_not() {
        let full = load_error(
            dsr_core::Error::Full {
                table: Table::Pods,
                capacity: 73_728,
            },
            format_args!("pod agent-node-1"),
        );
        assert!(full.chain().any(|c| c.is::<TooSmall>()));
        assert!(format!("{full:#}").starts_with("pod agent-node-1: the engine is too small"));
        let invalid = load_error(
            dsr_core::Error::TooLong {
                field: Field::Name,
                max: 253,
            },
            format_args!("node x"),
        );
        assert!(!invalid.chain().any(|c| c.is::<TooSmall>()));
    }
}
