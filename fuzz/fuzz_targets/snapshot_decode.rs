//! Snapshots from untrusted bytes: arbitrary bytes, and snapshots of an arbitrary
//! engine (a `dsr_fuzz::sync` cluster after some events: pods, expectations,
//! backoff) damaged by a few edits (byte changes, insertions, removals,
//! truncation), with the checksum recomputed or not, restored into an engine
//! that already holds another cluster.
//!
//! Checks: nothing panics; a refused snapshot is a `Snapshot` error and leaves
//! the target engine exactly as it was (fingerprint: snapshot bytes, kept
//! placements, name indexes); an accepted one gives an engine whose kept
//! placements are fresh, whose snapshot restores to the same engine (and is
//! written again byte for byte), and which plans every DaemonSet identically to
//! that copy (or fails identically, never with `LogicBug`); an intact snapshot
//! restores the original engine exactly and plans as it does.
#![no_main]

use arbitrary::Arbitrary;
use dsr_core::sync::Plan;
use dsr_core::{Error, Timestamp};
use dsr_fuzz::sync::{Sim, SyncEngine, SyncInput};
use dsr_fuzz::{assert_fits_fresh, fingerprint};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Edit {
    /// XOR a byte.
    Flip(u16, u8),
    /// Set a byte.
    Set(u16, u8),
    /// Set a little-endian u32 (counts, lengths, offsets).
    SetU32(u16, u32),
    Insert(u16, u8),
    Remove(u16),
    Truncate(u16),
}

#[derive(Arbitrary, Debug)]
enum Input {
    /// Raw bytes, restored into an engine holding `target`.
    Raw { target: SyncInput, bytes: Vec<u8> },
    /// A snapshot of `source`, edited, into an engine holding `target`.
    Edited {
        source: SyncInput,
        target: SyncInput,
        edits: Vec<Edit>,
        /// Recompute the checksum after the edits, so they reach the decoder.
        reseal: bool,
    },
}

/// Builds a cluster and runs its events (bounded: this target is about bytes).
fn engine(input: &SyncInput) -> Box<SyncEngine> {
    // Only the states matter here: sync_invariants checks the simulation.
    let mut sim = Sim::unchecked(input);
    sim.run(&input.events[..input.events.len().min(8)]);
    sim.e
}

fn snapshot(e: &SyncEngine) -> Vec<u8> {
    let mut buf = vec![0u8; SyncEngine::max_snapshot_size()];
    let n = e.snapshot(&mut buf).expect("max_snapshot_size suffices");
    buf.truncate(n);
    buf
}

const HEADER: usize = dsr_core::snapshot::HEADER_LEN;

fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER {
        return;
    }
    let crc = crc32(&[&bytes[..HEADER - 4], &bytes[HEADER..]]);
    bytes[HEADER - 4..HEADER].copy_from_slice(&crc.to_le_bytes());
}

/// CRC-32 (ISO-HDLC), bitwise: the format's checksum, written independently.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for part in parts {
        for &b in *part {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

fn edit(bytes: &mut Vec<u8>, e: &Edit) {
    let at = |i: u16, len: usize| usize::from(i) % len.max(1);
    match *e {
        Edit::Flip(i, x) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes[i] ^= x;
        }
        Edit::Set(i, x) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes[i] = x;
        }
        Edit::SetU32(i, x) if bytes.len() >= 4 => {
            let i = at(i, bytes.len() - 3);
            bytes[i..i + 4].copy_from_slice(&x.to_le_bytes());
        }
        Edit::Insert(i, x) => {
            let i = at(i, bytes.len() + 1);
            bytes.insert(i, x);
        }
        Edit::Remove(i) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes.remove(i);
        }
        Edit::Truncate(i) => {
            let i = at(i, bytes.len() + 1);
            bytes.truncate(i);
        }
        _ => {}
    }
}

/// Every DaemonSet's plan at a fixed time, as text (ids and symbols are the
/// same in two engines restored from one snapshot).
fn plans(e: &mut SyncEngine) -> Vec<String> {
    let sets: Vec<_> = e.daemon_sets().map(|(id, _)| id).collect();
    let now = Timestamp(1_709_291_000);
    sets.into_iter()
        .map(|set| {
            let mut plan: Box<Plan<16>> = Box::default();
            let r = e.sync(set, now, &mut plan);
            assert_ne!(r, Err(Error::LogicBug), "sync of a restored engine");
            // By text: a restored engine numbers its strings anew, and which
            // strings an engine freed before is history, not the plan.
            let mut out = format!(
                "{r:?} {:?} {:?} {:?} {:?} {:?} {:?} rev {:?} {:?} {:?}",
                plan.set,
                plan.outcome,
                plan.status,
                plan.requeue_after,
                plan.rollout,
                plan.template_generation,
                e.text(plan.revision_hash),
                plan.adoptions,
                plan.releases
            );
            for c in &plan.creates {
                out.push_str(&format!(" create {:?} {}", c.node, e.text(c.node_name)));
                let _ = e.describe_create(c, &mut out);
            }
            for d in &plan.deletes {
                out.push_str(&format!(
                    " delete {:?} {} {}",
                    d.pod,
                    e.text(d.pod_name),
                    e.text(d.node_name)
                ));
                let _ = e.describe_delete(set, d, &mut out);
            }
            for h in &plan.held_back {
                out.push_str(&format!(" hold {}", e.text(h.node)));
            }
            out
        })
        .collect()
}

/// Restores `bytes` into `target` and checks the outcome.
fn restore(target: &mut SyncEngine, bytes: &[u8]) -> bool {
    let before = fingerprint(target);
    match target.restore(bytes) {
        Err(err) => {
            assert!(
                matches!(err, Error::Snapshot(_)),
                "restore failed with {err:?}"
            );
            assert_eq!(
                fingerprint(target),
                before,
                "a refused snapshot changed the engine"
            );
            false
        }
        Ok(()) => {
            assert_fits_fresh(target);
            let again = snapshot(target);
            let mut copy: Box<SyncEngine> = Box::default();
            copy.restore(&again)
                .expect("an engine's own snapshot restores");
            assert_eq!(
                fingerprint(&*copy),
                fingerprint(target),
                "restore of a re-snapshot"
            );
            assert_eq!(snapshot(&copy), again, "snapshot of a restored snapshot");
            assert_eq!(
                plans(&mut copy),
                // Plans change the engine (expectations): plan on a copy.
                plans(&mut Box::new(target.clone())),
                "a restored engine plans alike"
            );
            true
        }
    }
}

fuzz_target!(|input: Input| match input {
    Input::Raw { target, bytes } => {
        let mut t = engine(&target);
        restore(&mut t, &bytes);
    }
    Input::Edited {
        source,
        target,
        edits,
        reseal: seal,
    } => {
        let mut original = engine(&source);
        let snap = snapshot(&original);
        let mut bytes = snap.clone();
        for e in edits.iter().take(4) {
            edit(&mut bytes, e);
        }
        if seal {
            reseal(&mut bytes);
        }
        let mut t = engine(&target);
        let ok = restore(&mut t, &bytes);
        if bytes == snap {
            assert!(ok, "an intact snapshot is refused");
            assert_eq!(fingerprint(&*t), fingerprint(&*original), "intact snapshot");
            assert_eq!(plans(&mut t), plans(&mut original), "intact snapshot plans");
        }
    }
});
