//! A random small cluster (4 nodes, 2 DaemonSets, 10 pods, from small
//! dictionaries so that pods land on nodes and selectors match) and random
//! events between syncs: syncs whose plans are applied as an API server would
//! (or not, or not observed), pods that start, fail or are being deleted, nodes
//! that change, go and come back, DaemonSets that get a new revision, strategy
//! or selector, pods that do not fit.
//!
//! Checks (`dsr_fuzz::sync`): nothing panics; a sync succeeds or fails with a
//! full plan or backoff table and then changes nothing; the same state gives
//! the same plan byte for byte (and the same state after); every create is for
//! a node where `should_run` holds, at most one per node; every delete names a
//! stored pod once; the status counters agree (available ≤ ready ≤ current ≤
//! desired, updated ≤ current, unavailable = desired − available); once a
//! synced plan is applied, each node has at most one active pod of the
//! DaemonSet (two while surging) and a rolling update that replaced pods stayed
//! within `maxUnavailable` (or `maxSurge`); a full table is an error that
//! changes nothing; the kept placements always equal a fresh evaluation.
#![no_main]

use dsr_fuzz::sync::{Sim, SyncInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: SyncInput| {
    let mut sim = Sim::new(&input);
    sim.run(&input.events);
});
