//! In-flight expectations, as upstream's `ControllerExpectations`: after a sync plans
//! creates and deletes, the DaemonSet is not managed again until the caller has
//! reported each outcome, or five minutes have passed, so nothing is done twice on a
//! stale view.

use crate::sync::time::Timestamp;

/// How long expectations hold before they are considered lost, in seconds.
pub const TIMEOUT_SECONDS: i64 = 5 * 60;

/// The creates and deletes a DaemonSet still waits to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Expectations {
    /// Creates not yet observed.
    pub creates: i64,
    /// Deletes not yet observed.
    pub deletes: i64,
    /// When they were set.
    pub set_at: Timestamp,
}

impl Expectations {
    /// Every expected create and delete has been observed.
    pub const fn fulfilled(&self) -> bool {
        self.creates <= 0 && self.deletes <= 0
    }

    /// Older than [`TIMEOUT_SECONDS`] at `now`.
    pub const fn expired(&self, now: Timestamp) -> bool {
        now.since(self.set_at) > TIMEOUT_SECONDS
    }

    /// Upstream's `SatisfiedExpectations` for an existing record.
    pub const fn satisfied(&self, now: Timestamp) -> bool {
        self.fulfilled() || self.expired(now)
    }

    /// Seconds until the record expires at `now` (0 when it has).
    pub const fn expires_in(&self, now: Timestamp) -> i64 {
        let left = TIMEOUT_SECONDS + 1 - now.since(self.set_at);
        if left < 0 {
            0
        } else {
            left
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfied_when_observed_or_expired() {
        let cases = [
            (0, 0, 0, true),
            (1, 0, 10, false),
            (0, 2, 10, false),
            (-1, 0, 10, true),
            (3, 3, TIMEOUT_SECONDS, false),
            (3, 3, TIMEOUT_SECONDS + 1, true),
        ];
        for (creates, deletes, later, want) in cases {
            let e = Expectations {
                creates,
                deletes,
                set_at: Timestamp(100),
            };
            assert_eq!(
                e.satisfied(Timestamp(100 + later)),
                want,
                "{creates} {deletes} {later}"
            );
        }
    }
}
