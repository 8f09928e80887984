//! What the engine remembers of ControllerRevisions: per DaemonSet (by namespace
//! and uid), the hash of the highest `.revision` it controls, and whether the
//! DaemonSet pins its hash with the `dsr.io/current-revision` annotation. A
//! revision may arrive before its DaemonSet, so an entry can wait for one; it is
//! given back when the DaemonSet goes.

use crate::error::{Error, Result, Table};
use crate::intern::Sym;

/// The annotation that pins a DaemonSet's current revision hash (the conformance
/// vectors carry it in place of ControllerRevision objects).
pub const REVISION_ANNOTATION: &str = "dsr.io/current-revision";

/// One DaemonSet's remembered revision. Laid out small: the gateway engine has
/// one per DaemonSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Remembered {
    /// The highest `.revision` seen ([`NO_REVISION`] for none).
    revision: i64,
    /// The DaemonSet's namespace.
    pub namespace: Sym,
    /// The DaemonSet's uid (what a revision's controller reference names).
    pub uid: Sym,
    /// The `controller-revision-hash` label of that revision.
    pub hash: Sym,
    /// The DaemonSet carries [`REVISION_ANNOTATION`]: revisions do not change its hash.
    pub pinned: bool,
}

/// [`Remembered::revision`] when no revision was seen.
const NO_REVISION: i64 = i64::MIN;

impl Remembered {
    /// An entry with no revision yet.
    pub const fn new(namespace: Sym, uid: Sym, pinned: bool) -> Self {
        Remembered {
            revision: NO_REVISION,
            namespace,
            uid,
            hash: Sym::EMPTY,
            pinned,
        }
    }

    /// The highest revision seen and its hash.
    pub fn revision(&self) -> Option<(i64, Sym)> {
        (self.revision != NO_REVISION).then_some((self.revision, self.hash))
    }

    /// The entry with another revision (`None`: forgotten).
    pub fn with_revision(self, revision: Option<(i64, Sym)>) -> Self {
        let (revision, hash) = revision.unwrap_or((NO_REVISION, Sym::EMPTY));
        Remembered {
            revision,
            hash,
            ..self
        }
    }
}

/// The remembered revisions, one entry per DaemonSet at most.
#[derive(Debug, Clone)]
pub(crate) struct Revisions<const SETS: usize> {
    pub entries: [Option<Remembered>; SETS],
}

impl<const SETS: usize> Revisions<SETS> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        Revisions {
            entries: [None; SETS],
        }
    }

    pub fn clear(&mut self) {
        self.entries = [None; SETS];
    }

    /// The entry of a DaemonSet, if any.
    pub fn find(&self, namespace: Sym, uid: Sym) -> Option<(usize, &Remembered)> {
        self.entries.iter().enumerate().find_map(|(i, e)| match e {
            Some(r) if r.namespace == namespace && r.uid == uid => Some((i, r)),
            _ => None,
        })
    }

    /// Where a new entry would go; [`Error::Full`] when every one is taken.
    pub fn free_slot(&self) -> Result<usize> {
        self.entries
            .iter()
            .position(Option::is_none)
            .ok_or(Error::Full {
                table: Table::Revisions,
                capacity: crate::error::saturating_u32(SETS),
            })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Remembered> {
        self.entries.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_costs_24_bytes() {
        // The README and `json::BYTES_PER_DAEMON_SET` say so.
        assert_eq!(core::mem::size_of::<Option<Remembered>>(), 24);
    }
}
