//! Ten million events of a node manager's life on the README's profiles, checked
//! at the end against a fresh load of the live objects. `scripts/soak.sh` runs it;
//! CI runs the short version in `core/tests/reclaim.rs`.
//!
//! `cargo run --release -p dsr-core --example soak -- [EVENTS]`

#[path = "../tests/support/soak.rs"]
mod soak;

use std::time::Instant;

use dsr_core::Engine;

fn life<
    const N: usize,
    const S: usize,
    const P: usize,
    const ST: usize,
    const B: usize,
    const L: usize,
    const R: usize,
    const T: usize,
    const TE: usize,
    const BO: usize,
>(
    profile: &str,
    nodes: usize,
    sets: usize,
    events: u64,
) {
    let mut e: Box<Engine<N, S, P, ST, B, L, R, T, TE, BO>> = Box::default();
    let mut life = soak::Soak::new(7, &mut *e, nodes, sets);
    let start = Instant::now();
    life.run(&mut *e, events);
    let secs = start.elapsed().as_secs_f64();
    let r = &life.report;
    println!(
        "{profile}: {} events ({} syncs, {} pods created, {} deleted) in {secs:.1} s: {:.0} events/s",
        r.events,
        r.syncs,
        r.pods_created,
        r.pods_deleted,
        r.events as f64 / secs
    );
    println!("| Table | Used at the end | High-water mark | Capacity |");
    println!("|---|---|---|---|");
    for t in e.table_usage() {
        println!(
            "| {} | {} | {} | {} |",
            t.table.name(),
            t.used,
            t.high_water,
            t.capacity
        );
    }
    e.check_holders()
        .expect("every string's holders are its handles");
    let mut fresh: Box<Engine<N, S, P, ST, B, L, R, T, TE, BO>> = Box::default();
    life.load_fresh(&mut *fresh);
    let (mut a, mut b) = (e.usage(), fresh.usage());
    (a.backoff, b.backoff) = (0, 0);
    assert_eq!(a, b, "usage differs from a fresh load of the same objects");
    assert_eq!(
        soak::Soak::placements(&*e),
        soak::Soak::placements(&*fresh),
        "placements differ from a fresh load"
    );
    println!("{profile}: usage and placements equal a fresh load of the live objects\n");
}

fn main() {
    let events = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("EVENTS is a number"))
        .unwrap_or(10_000_000);
    // GatewayEngine: one node, six DaemonSets.
    life::<1, 16, 32, 144, 2816, 144, 36, 8, 8, 16>(
        "gateway (GatewayEngine, 1 node, 6 DaemonSets)",
        1,
        6,
        events,
    );
    // libdsr's default build: sixteen nodes, six DaemonSets.
    life::<64, 32, 256, 1024, 32768, 2048, 512, 512, 512, 256>(
        "libdsr default (16 nodes, 6 DaemonSets)",
        16,
        6,
        events,
    );
}
