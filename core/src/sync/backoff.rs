//! Per-node backoff for deleting failed daemon pods, as upstream's
//! `flowcontrol.Backoff` with a 1 s initial and 15 min maximum delay: a DaemonSet
//! whose pods keep failing on a node (a kubelet rejecting them, say) does not delete
//! and recreate them in a hot loop.

use heapless::Vec;

use crate::engine::SetId;
use crate::error::{Error, Result, Table};
use crate::holders::Hold;
use crate::intern::Sym;
use crate::sync::time::Timestamp;

/// First delay after a failed pod is deleted, in seconds.
pub const INITIAL_SECONDS: i64 = 1;

/// Longest delay, in seconds (15 minutes).
pub const MAX_SECONDS: i64 = 15 * 60;

/// One key's state. Upstream keys by DaemonSet uid, observed generation and node
/// name; the engine keys by DaemonSet id (its state is dropped with the DaemonSet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BackoffEntry {
    /// The DaemonSet.
    pub set: SetId,
    /// Its `status.observedGeneration` when the entry was made.
    pub observed_generation: i64,
    /// The node's name.
    pub node: Sym,
    /// The current delay, in seconds.
    pub delay: i64,
    /// When the delay was last raised.
    pub last_update: Timestamp,
}

impl BackoffEntry {
    /// Unused for twice the maximum delay: the key starts over, as upstream.
    fn expired(&self, now: Timestamp) -> bool {
        now.since(self.last_update) > 2 * MAX_SECONDS
    }

    /// Seconds left before another failed pod may be deleted, when in backoff:
    /// upstream's `IsInBackOffSinceUpdate`.
    pub fn remaining(&self, now: Timestamp) -> Option<i64> {
        if self.expired(now) {
            return None;
        }
        let elapsed = now.since(self.last_update);
        (elapsed < self.delay).then_some(self.delay - elapsed)
    }
}

/// The backoff table: at most `N` keys.
#[derive(Clone)]
pub struct Backoff<const N: usize> {
    entries: Vec<BackoffEntry, N>,
    /// The most keys held at once.
    high: u32,
}

// The high-water mark is history, not content: equal tables print alike.
impl<const N: usize> core::fmt::Debug for Backoff<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Backoff")
            .field("entries", &self.entries)
            .finish()
    }
}

impl<const N: usize> Default for Backoff<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Backoff<N> {
    /// An empty table.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        Backoff {
            entries: Vec::new(),
            high: 0,
        }
    }

    fn position(&self, set: SetId, generation: i64, node: Sym) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.set == set && e.observed_generation == generation && e.node == node)
    }

    /// Every entry.
    pub fn entries(&self) -> &[BackoffEntry] {
        &self.entries
    }

    /// Appends an entry as it was: restoring a snapshot.
    #[cfg(feature = "snapshot")]
    pub(crate) fn restore_push(&mut self, e: BackoffEntry) -> Result<()> {
        self.entries.push(e).map_err(|_| Error::Full {
            table: Table::Backoff,
            capacity: crate::error::saturating_u32(N),
        })?;
        self.high = self.high.max(self.entries.len() as u32);
        Ok(())
    }

    /// The entry of a key.
    pub fn get(&self, set: SetId, generation: i64, node: Sym) -> Option<&BackoffEntry> {
        self.position(set, generation, node)
            .and_then(|i| self.entries.get(i))
    }

    /// Seconds left in backoff for a key at `now`, if it is in backoff.
    pub fn remaining(&self, set: SetId, generation: i64, node: Sym, now: Timestamp) -> Option<i64> {
        self.get(set, generation, node)
            .and_then(|e| e.remaining(now))
    }

    /// The delay a key gets when its next failed pod is deleted at `now`.
    pub fn next_delay(&self, set: SetId, generation: i64, node: Sym, now: Timestamp) -> i64 {
        match self.get(set, generation, node) {
            Some(e) if !e.expired(now) => e.delay.saturating_mul(2).min(MAX_SECONDS),
            _ => INITIAL_SECONDS,
        }
    }

    /// Whether raising these keys would find room, after dropping
    /// expired entries (`release` is called with the node name of each).
    pub fn reserve(
        &mut self,
        new_keys: usize,
        now: Timestamp,
        release: &mut dyn FnMut(Sym),
    ) -> Result<()> {
        if N - self.entries.len() < new_keys {
            self.entries.retain(|e| {
                let keep = !e.expired(now);
                if !keep {
                    release(e.node);
                }
                keep
            });
        }
        if N - self.entries.len() < new_keys {
            return Err(Error::Full {
                table: Table::Backoff,
                capacity: crate::error::saturating_u32(N),
            });
        }
        Ok(())
    }

    /// Raises a key's delay (or starts it at 1 s): upstream's `Next`. A new key
    /// holds its node name (`hold` is called with [`Hold::Retain`] for it, and with
    /// [`Hold::Release`] for expired keys dropped to make room).
    pub(crate) fn next(
        &mut self,
        set: SetId,
        generation: i64,
        node: Sym,
        now: Timestamp,
        hold: &mut dyn FnMut(Sym, Hold),
    ) -> Result<()> {
        let delay = self.next_delay(set, generation, node, now);
        let entry = BackoffEntry {
            set,
            observed_generation: generation,
            node,
            delay,
            last_update: now,
        };
        match self
            .position(set, generation, node)
            .and_then(|i| self.entries.get_mut(i))
        {
            Some(e) => *e = entry,
            None => {
                self.reserve(1, now, &mut |s| hold(s, Hold::Release))?;
                self.entries.push(entry).map_err(|_| Error::LogicBug)?;
                self.high = self.high.max(self.entries.len() as u32);
                hold(node, Hold::Retain);
            }
        }
        Ok(())
    }

    /// Forgets every key.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Forgets every key of a DaemonSet (`release` is called with the node name of
    /// each).
    pub fn forget_set(&mut self, set: SetId, release: &mut dyn FnMut(Sym)) {
        self.entries.retain(|e| {
            let keep = e.set != set;
            if !keep {
                release(e.node);
            }
            keep
        });
    }

    /// The most keys held at once since the table was made.
    pub fn high_water(&self) -> usize {
        self.high as usize
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_fifteen_minutes_and_starts_over_when_idle() {
        let mut b: Backoff<2> = Backoff::new();
        let (s, n) = (SetId(0), Sym(7));
        let mut t = Timestamp(1000);
        assert_eq!(b.remaining(s, 1, n, t), None);
        // (delay after next, seconds later still in backoff, seconds later free)
        let want = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900];
        for d in want {
            b.next(s, 1, n, t, &mut |_, _| {}).unwrap();
            assert_eq!(b.get(s, 1, n).unwrap().delay, d);
            assert_eq!(b.remaining(s, 1, n, t), Some(d));
            assert_eq!(b.remaining(s, 1, n, t.plus(d - 1)), Some(1));
            assert_eq!(b.remaining(s, 1, n, t.plus(d)), None);
            t = t.plus(d);
        }
        // Idle for more than 30 minutes: back to 1 s.
        t = t.plus(2 * MAX_SECONDS + 1);
        b.next(s, 1, n, t, &mut |_, _| {}).unwrap();
        assert_eq!(b.get(s, 1, n).unwrap().delay, 1);
        // Another generation is another key.
        assert_eq!(b.remaining(s, 2, n, t), None);
    }

    #[test]
    fn full_table_drops_expired_keys_first() {
        let mut b: Backoff<1> = Backoff::new();
        b.next(SetId(0), 0, Sym(1), Timestamp(0), &mut |_, _| {})
            .unwrap();
        assert_eq!(
            b.next(SetId(0), 0, Sym(2), Timestamp(10), &mut |_, _| {}),
            Err(Error::Full {
                table: Table::Backoff,
                capacity: 1
            })
        );
        b.next(
            SetId(0),
            0,
            Sym(2),
            Timestamp(2 * MAX_SECONDS + 1),
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(b.len(), 1);
        b.forget_set(SetId(0), &mut |_| {});
        assert!(b.is_empty());
    }
}
