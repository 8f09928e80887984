//! [`Engine::apply`]: a decoded object, `List` or watch event into the engine.

use super::daemonset::DaemonSet as DaemonSetJson;
use super::revision::Revision;
use super::{
    decode, engine_error_in, failure, failure_in, ApplyError, EventType, Kind, Object, Problem,
    Scratch,
};
use crate::engine::{Engine, NodeId, SetId};
use crate::error::{Error, Field, Result};
use crate::holders::{syms_of, Hold};
use crate::input::{DaemonSetInput, NodeInput, PodInput};
use crate::intern::Sym;
use crate::pod::PodId;
use crate::revisions::Remembered;
use crate::stage::Stage;

/// Which object an [`Applied`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ObjectId {
    /// None: a `List`, a bookmark, an ignored kind, or a deleted object that was
    /// not in the engine.
    None,
    /// A node (its id before removal, for a `DELETED` one).
    Node(NodeId),
    /// A DaemonSet.
    DaemonSet(SetId),
    /// A pod.
    Pod(PodId),
    /// The DaemonSet a ControllerRevision belongs to, when it is in the engine.
    Revision(Option<SetId>),
}

/// What applying an object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Change {
    /// The object is new.
    Added,
    /// The object changed something dsr reads.
    Updated,
    /// The object is gone.
    Removed,
    /// The object was there as it is (a re-list, a status heartbeat).
    Unchanged,
    /// Nothing to do: a bookmark, a kind dsr does not read, a deletion of an
    /// object the engine does not hold, a revision older than one seen.
    Ignored,
}

/// How many objects had each [`Change`] (one, for a single object or event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Counts {
    /// [`Change::Added`].
    pub added: u32,
    /// [`Change::Updated`].
    pub updated: u32,
    /// [`Change::Removed`].
    pub removed: u32,
    /// [`Change::Unchanged`].
    pub unchanged: u32,
    /// [`Change::Ignored`].
    pub ignored: u32,
}

impl Counts {
    fn count(&mut self, c: Change) {
        let n = match c {
            Change::Added => &mut self.added,
            Change::Updated => &mut self.updated,
            Change::Removed => &mut self.removed,
            Change::Unchanged => &mut self.unchanged,
            Change::Ignored => &mut self.ignored,
        };
        *n = n.saturating_add(1);
    }
}

/// What [`Engine::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Applied {
    /// The input's kind ([`Kind::List`] for a list; a watch event's object's kind).
    pub kind: Kind,
    /// The object (for a single object or event).
    pub id: ObjectId,
    /// What happened to it; for a `List`, [`Change::Updated`] when any item was
    /// added, updated or removed, else [`Change::Unchanged`] (see `counts`).
    pub change: Change,
    /// Whether some DaemonSet should now run, or may keep running, on some node
    /// where it did not (or the reverse).
    pub placement_changed: bool,
    /// Per-item changes.
    pub counts: Counts,
}

impl Applied {
    /// Counts one object's outcome; it is the outcome (for a single object).
    fn add(&mut self, one: &One) {
        self.counts.count(one.change);
        self.placement_changed |= one.placement_changed;
        self.id = one.id;
        self.change = one.change;
    }
}

/// One object's outcome.
struct One {
    id: ObjectId,
    change: Change,
    placement_changed: bool,
}

impl One {
    const IGNORED: One = One {
        id: ObjectId::None,
        change: Change::Ignored,
        placement_changed: false,
    };
}

/// A digest (FNV-style, a word a step) of the placement bits of some pairs.
struct Digest(u64);

impl Digest {
    const fn new() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
    /// Adds a pair; pairs with no bit set add nothing, so a node or DaemonSet
    /// that runs nowhere digests as one that is not there. The slot and bits
    /// go in as one word (a multiply a pair: this runs for every DaemonSet at
    /// each node update).
    fn add(&mut self, slot: u32, bits: u8) {
        if bits == 0 {
            return;
        }
        let word = u64::from(slot) << 8 | u64::from(bits);
        self.0 = (self.0 ^ word)
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(29);
    }
}

/// Longest `controller-revision-hash` kept from a ControllerRevision: a label
/// value's limit.
const HASH_MAX: usize = 63;

impl<
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
    > Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    /// Applies a Kubernetes object, a `List` of them, or a watch event, given as
    /// JSON (the `json` feature; see [`json`](crate::json) for what is read):
    ///
    /// - a `v1 Node`, `apps/v1 DaemonSet` or `v1 Pod` is added, or replaces the
    ///   one of the same kind, namespace and name (so `ADDED` and `MODIFIED` are
    ///   alike, and applying a re-list again changes nothing);
    /// - an `apps/v1 ControllerRevision` sets the current revision hash of the
    ///   DaemonSet that controls it when its `.revision` is the highest seen for
    ///   that DaemonSet, whether the DaemonSet is applied before or after it;
    /// - a pod controlled by a DaemonSet that is added, removed or becomes
    ///   terminating observes one of its creates or deletes
    ///   ([`Engine::observe_pod`]), as the controller's pod event handlers do,
    ///   so a sync does not wait five minutes for pods the caller applies;
    /// - a `DELETED` event removes the object (for a ControllerRevision, forgets
    ///   its hash if it was the current one); a `BOOKMARK` does nothing; an
    ///   `ERROR` event is an error with its `Status` message;
    /// - other kinds are ignored.
    ///
    /// `scratch` holds what is read for the call (see [`json::Scratch`](crate::json::Scratch)).
    ///
    /// On error the engine is unchanged: the same answers, and the same
    /// snapshot bytes. The items of a `List` are applied in order under a
    /// [`Stage`], whose undo log is in the scratch (one entry per item): when
    /// an item is refused, as invalid or because a table is full
    /// ([`Error::Full`]), the items before it are undone and the error names
    /// the refused item. Under the stage, the old
    /// form of each object the `List` changes is kept until the `List` is
    /// applied, so a `List` is also refused with [`Error::Full`] where the
    /// tables cannot hold, at once, what the engine held before it and the new
    /// form of every object it adds or changes (objects it leaves as they are,
    /// a re-list's, take no room); applied one by one, each freeing what it
    /// replaces, its items may fit (see [`stage`](crate::stage)).
    // The error is the message, copied so it outlives the input; there is no
    // heap to box it in.
    #[allow(clippy::result_large_err)]
    pub fn apply<
        'a,
        const OBJECTS: usize,
        const SLABELS: usize,
        const SRULES: usize,
        const TEXT: usize,
    >(
        &mut self,
        json: &'a [u8],
        scratch: &'a mut Scratch<'a, OBJECTS, SLABELS, SRULES, TEXT>,
    ) -> core::result::Result<Applied, ApplyError> {
        // The error is made once the call is over, out of line: the message
        // is hundreds of bytes, and not on the stack while decoding.
        self.apply_decoded(json, scratch).map_err(|f| {
            let mut err = ApplyError::new(Kind::Unknown, Problem::NotAnObject);
            f.name(&mut err);
            err
        })
    }

    /// [`Engine::apply`], for a caller that keeps the error of its last call
    /// (the C library, for `dsr_engine_last_error()`): on error, `None`, and
    /// the error is written to `error`, made where it is kept rather than on
    /// the stack and copied there (it is hundreds of bytes); on success,
    /// `error` is left as it was.
    pub fn apply_keeping_error<
        'a,
        const OBJECTS: usize,
        const SLABELS: usize,
        const SRULES: usize,
        const TEXT: usize,
    >(
        &mut self,
        json: &'a [u8],
        scratch: &'a mut Scratch<'a, OBJECTS, SLABELS, SRULES, TEXT>,
        error: &mut Option<ApplyError>,
    ) -> Option<Applied> {
        match self.apply_decoded(json, scratch) {
            Ok(applied) => Some(applied),
            Err(f) => {
                f.name(error.insert(ApplyError::new(Kind::Unknown, Problem::NotAnObject)));
                None
            }
        }
    }

    #[inline(never)]
    fn apply_decoded<
        'a,
        const OBJECTS: usize,
        const SLABELS: usize,
        const SRULES: usize,
        const TEXT: usize,
    >(
        &mut self,
        json: &'a [u8],
        scratch: &'a mut Scratch<'a, OBJECTS, SLABELS, SRULES, TEXT>,
    ) -> core::result::Result<Applied, Failed<'a>> {
        let decoded = decode(json, scratch, true).map_err(Failed::Decode)?;
        let mut out = Applied {
            kind: decoded.kind,
            id: ObjectId::None,
            change: Change::Ignored,
            placement_changed: false,
            counts: Counts::default(),
        };
        let deleted = match decoded.event {
            Some(EventType::Bookmark) => {
                out.counts.count(Change::Ignored);
                return Ok(out);
            }
            Some(EventType::Deleted) => true,
            _ => false,
        };
        // `OBJECTS > 1` first: with a scratch of one object (the firmware's),
        // the stage is not built in at all. A `List` holds no deletions.
        if OBJECTS > 1 && decoded.objects.len() > 1 && !deleted {
            self.apply_staged(decoded.objects, decoded.undo, &mut out)?;
        } else {
            for object in decoded.objects {
                let one = Self::apply_object(self, object, deleted)
                    .map_err(|e| Failed::Object(object, e))?;
                out.add(&one);
            }
        }
        if decoded.kind == Kind::List {
            out.id = ObjectId::None;
            let c = out.counts;
            out.change = if c.added + c.updated + c.removed > 0 {
                Change::Updated
            } else {
                Change::Unchanged
            };
        }
        Ok(out)
    }

    /// Applies the items of a `List` in order under a stage: all of them, or
    /// (on the first error) none.
    #[inline(never)]
    fn apply_staged<'o>(
        &mut self,
        objects: &'o [Object<'o>],
        undo: &mut [crate::stage::Step],
        out: &mut Applied,
    ) -> core::result::Result<(), Failed<'o>> {
        let mut stage = self.stage_in(undo);
        for object in objects {
            match Self::apply_object(&mut stage, object, false) {
                Ok(one) => out.add(&one),
                Err(e) => {
                    stage.rollback();
                    return Err(Failed::Object(object, e));
                }
            }
        }
        // Nothing fails from here.
        stage.observe_pods();
        stage.commit();
        Ok(())
    }

    /// Checks a DaemonSet given as JSON as the API server would accept it (see
    /// [`Engine::validate_daemon_set`]), without applying it: `Ok` when valid, an
    /// [`ApplyError`] with [`Problem::Engine`]`(`[`Error::Spec`]`)`
    /// naming the problem when not. The object is read as written: a missing
    /// namespace is not defaulted (the API server refuses a namespaced object
    /// without one). The engine's tables do not change.
    // The error is the message, copied; see `apply`.
    #[allow(clippy::result_large_err)]
    pub fn validate_daemon_set_json<
        'a,
        const OBJECTS: usize,
        const SLABELS: usize,
        const SRULES: usize,
        const TEXT: usize,
    >(
        &mut self,
        json: &'a [u8],
        scratch: &'a mut Scratch<'a, OBJECTS, SLABELS, SRULES, TEXT>,
    ) -> core::result::Result<(), ApplyError> {
        let decoded = decode(json, scratch, false).map_err(failure)?;
        let (None, [object @ Object::DaemonSet(d)]) = (decoded.event, decoded.objects) else {
            return Err(super::not_a_daemon_set(decoded.kind));
        };
        let input = d.input(d.meta.current_revision.unwrap_or(""));
        self.validate_daemon_set(&input)
            .map_err(|e| object_error(object, e))
    }

    // Not inlined, nor is `decode`: their stack is not needed at once.
    #[inline(never)]
    fn apply_object<
        S: Store<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
    >(
        s: &mut S,
        object: &Object<'_>,
        deleted: bool,
    ) -> Result<One> {
        match object {
            Object::Node(n) => {
                let input = n.input();
                let e = s.engine();
                let found = e.find_node(input.name);
                let before = found.map(|id| e.node_placements(id.0));
                match (found, deleted) {
                    (None, true) => Ok(One::IGNORED),
                    (Some(id), true) => {
                        s.remove_node(id)?;
                        Ok(One {
                            id: ObjectId::Node(id),
                            change: Change::Removed,
                            placement_changed: before != Some(Digest::new().0),
                        })
                    }
                    (Some(id), false) => {
                        let changed = s.update_node(id, &input)?;
                        Ok(One {
                            id: ObjectId::Node(id),
                            change: if changed {
                                Change::Updated
                            } else {
                                Change::Unchanged
                            },
                            placement_changed: before != Some(s.engine().node_placements(id.0)),
                        })
                    }
                    (None, false) => {
                        let id = s.add_node(&input)?;
                        Ok(One {
                            id: ObjectId::Node(id),
                            change: Change::Added,
                            placement_changed: s.engine().node_placements(id.0) != Digest::new().0,
                        })
                    }
                }
            }
            Object::DaemonSet(d) => Self::apply_daemon_set(s, d, deleted),
            Object::Pod(p) => {
                let input = p.input();
                let found = s.engine().find_pod(input.namespace, input.name);
                let (id, change) = match (found, deleted) {
                    (None, true) => return Ok(One::IGNORED),
                    (Some(id), true) => {
                        // Observed while its controller reference is known:
                        // before the removal, which cannot fail for a pod
                        // just found.
                        s.observe_pod(id, true);
                        s.remove_pod(id)?;
                        (id, Change::Removed)
                    }
                    (Some(id), false) => {
                        let was = s.engine().pods.get(id.0).is_some_and(|p| p.deleting);
                        let changed = s.update_pod(id, &input)?;
                        if crate::sync::pod_event_observes(Some(was), input.deleting) {
                            s.observe_pod(id, false);
                        }
                        (
                            id,
                            if changed {
                                Change::Updated
                            } else {
                                Change::Unchanged
                            },
                        )
                    }
                    (None, false) => {
                        let id = s.add_pod(&input)?;
                        s.observe_pod(id, false);
                        (id, Change::Added)
                    }
                };
                Ok(One {
                    id: ObjectId::Pod(id),
                    change,
                    placement_changed: false,
                })
            }
            Object::Revision(r) => Self::apply_revision(s, r, deleted),
            Object::Empty | Object::Other => Ok(One::IGNORED),
        }
    }

    fn apply_daemon_set<
        S: Store<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
    >(
        s: &mut S,
        d: &DaemonSetJson<'_>,
        deleted: bool,
    ) -> Result<One> {
        let (namespace, name) = (d.meta.namespace, d.meta.name);
        let e = s.engine();
        let found = e.find_daemon_set(namespace, name);
        let before = found.map(|id| e.set_placements(id.0));
        if deleted {
            let Some(id) = found else {
                return Ok(One::IGNORED);
            };
            // Its remembered revision goes with it (see `remove_daemon_set`).
            s.remove_daemon_set(id)?;
            return Ok(One {
                id: ObjectId::DaemonSet(id),
                change: Change::Removed,
                placement_changed: before != Some(Digest::new().0),
            });
        }
        let pinned = d.meta.current_revision;
        // The remembered hash, copied out of the engine for the input.
        let mut hash_buf = [0u8; HASH_MAX];
        let mut remembered = "";
        let entry = e.remembered(namespace, d.meta.uid);
        // With no revision remembered for it, a DaemonSet the engine holds keeps
        // the hash it has: one the typed API set, or one restored from a
        // snapshot that a build without the `json` feature wrote.
        let kept = match (entry, found) {
            (None, Some(id)) => e.sets.get(id.0).map(|s| s.revision_hash),
            _ => None,
        };
        if let Some(hash) = entry
            .and_then(|(_, r)| r.revision())
            .map(|(_, h)| h)
            .or(kept)
        {
            let text = e.strings.resolve(hash).as_bytes();
            if let Some(buf) = hash_buf.get_mut(..text.len()) {
                buf.copy_from_slice(text);
                remembered = core::str::from_utf8(buf).unwrap_or("");
            }
        }
        // A pinned DaemonSet needs an entry to say so: make sure there is room
        // before anything changes.
        let free = match (pinned, entry) {
            (Some(_), None) => Some(e.revisions.free_slot()?),
            _ => None,
        };
        let input = d.input(pinned.unwrap_or(remembered));
        let (id, change) = match found {
            Some(id) => {
                let changed = s.update_daemon_set(id, &input)?;
                (
                    id,
                    if changed {
                        Change::Updated
                    } else {
                        Change::Unchanged
                    },
                )
            }
            None => (s.add_daemon_set(&input)?, Change::Added),
        };
        let set = *s.engine().daemon_set(id).ok_or(Error::LogicBug)?;
        match (entry, free) {
            (Some((i, r)), _) => {
                s.note_entry(i)?;
                let e = s.engine();
                if let Some(Some(x)) = e.revisions.entries.get_mut(i) {
                    x.pinned = pinned.is_some();
                }
                if r.revision().is_none() && pinned.is_none() {
                    e.forget_revision_entry(i);
                }
            }
            (None, Some(i)) => {
                s.note_entry(i)?;
                let r = Remembered::new(set.namespace, set.uid, true);
                s.engine().put_revision_entry(r)?;
            }
            (None, None) => {}
        }
        Ok(One {
            id: ObjectId::DaemonSet(id),
            change,
            // A new DaemonSet that runs nowhere (no node yet) changed no placement.
            placement_changed: before.unwrap_or(Digest::new().0) != s.engine().set_placements(id.0),
        })
    }

    fn apply_revision<
        S: Store<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
    >(
        s: &mut S,
        r: &Revision<'_>,
        deleted: bool,
    ) -> Result<One> {
        // A revision no DaemonSet controls is no DaemonSet's.
        let Some(owner) = r.meta.controller_uid.filter(|u| !u.is_empty()) else {
            return Ok(One::IGNORED);
        };
        let hash = revision_hash(r)?;
        let e = s.engine();
        // Text not interned is no DaemonSet's and no remembered revision's.
        let syms = e.strings.get(r.meta.namespace).zip(e.strings.get(owner));
        let set = syms.and_then(|(ns, uid)| {
            e.sets
                .iter()
                .find(|(_, s)| s.namespace == ns && s.uid == uid)
                .map(|(i, _)| SetId(i))
        });
        let found = e.remembered(r.meta.namespace, owner);
        if deleted {
            let Some((i, entry)) = found else {
                return Ok(One::IGNORED);
            };
            match entry.revision() {
                Some((n, _)) if n == r.revision => {}
                _ => return Ok(One::IGNORED),
            }
            s.note_entry(i)?;
            s.engine().set_remembered_revision(i, None);
            if let (Some(id), false) = (set, entry.pinned) {
                s.note_hash(id)?;
                s.engine().set_revision_hash(id, Sym::EMPTY);
            }
            if !entry.pinned && set.is_none() {
                s.engine().forget_revision_entry(i);
            }
            return Ok(One {
                id: ObjectId::Revision(set),
                change: Change::Removed,
                placement_changed: false,
            });
        }
        if let Some((n, _)) = found.and_then(|(_, e)| e.revision()) {
            if n > r.revision {
                return Ok(One::IGNORED);
            }
        }
        // Everything that can fail first: the strings, the entry's slot, and
        // (under a stage) the room to note the change.
        let hash_sym = e.intern(hash, Field::LabelValue)?;
        let slot = match found {
            Some((i, _)) => Ok(i),
            None => e.revisions.free_slot(),
        };
        let slot = match slot.and_then(|i| s.note_entry(i).map(|()| i)) {
            Ok(i) => i,
            Err(err) => {
                s.engine().sweep_strings();
                return Err(err);
            }
        };
        let e = s.engine();
        let entry = match found {
            Some((_, entry)) => entry,
            None => {
                let ns = e.intern(r.meta.namespace, Field::Namespace);
                let uid = e.intern(owner, Field::Uid);
                let (Ok(namespace), Ok(uid)) = (ns, uid) else {
                    e.sweep_strings();
                    return Err(ns.and(uid).err().unwrap_or(Error::LogicBug));
                };
                let entry = Remembered::new(namespace, uid, false);
                e.hold_revision(&entry, Hold::Retain);
                if let Some(x) = e.revisions.entries.get_mut(slot) {
                    *x = Some(entry);
                }
                entry
            }
        };
        let old_hash = entry.revision().map(|(_, h)| h);
        e.set_remembered_revision(slot, Some((r.revision, hash_sym)));
        let mut change = if found.is_some() {
            Change::Updated
        } else {
            Change::Added
        };
        if let (Some(id), false) = (set, entry.pinned) {
            let current = s.engine().daemon_set(id).map(|s| s.revision_hash);
            if current == Some(hash_sym) {
                change = Change::Unchanged;
            } else {
                s.note_hash(id)?;
            }
            s.engine().set_revision_hash(id, hash_sym);
        } else if old_hash == Some(hash_sym) {
            change = Change::Unchanged;
        }
        s.engine().sweep_strings();
        Ok(One {
            id: ObjectId::Revision(set),
            change,
            placement_changed: false,
        })
    }

    /// The revision remembered for the DaemonSet of `namespace` and `uid`, and
    /// its entry's index.
    #[inline(never)]
    fn remembered(&self, namespace: &str, uid: &str) -> Option<(usize, Remembered)> {
        let (ns, uid) = (self.strings.get(namespace)?, self.strings.get(uid)?);
        self.revisions.find(ns, uid).map(|(i, r)| (i, *r))
    }

    /// Counts a remembered revision as a holder of its strings, or not any more.
    pub(crate) fn hold_revision(&mut self, e: &Remembered, hold: Hold) {
        let strings = &mut self.strings;
        syms_of(e, &mut |s| hold.apply(strings, s));
    }

    /// Sets the remembered revision of entry `i`, moving the hash's hold.
    pub(crate) fn set_remembered_revision(&mut self, i: usize, revision: Option<(i64, Sym)>) {
        let Some(Some(e)) = self.revisions.entries.get(i).copied() else {
            return;
        };
        let new = e.with_revision(revision);
        self.hold_revision(&new, Hold::Retain);
        self.hold_revision(&e, Hold::Release);
        if let Some(slot) = self.revisions.entries.get_mut(i) {
            *slot = Some(new);
        }
    }

    pub(crate) fn put_revision_entry(&mut self, e: Remembered) -> Result<()> {
        let i = self.revisions.free_slot()?;
        self.hold_revision(&e, Hold::Retain);
        if let Some(slot) = self.revisions.entries.get_mut(i) {
            *slot = Some(e);
        }
        Ok(())
    }

    pub(crate) fn forget_revision_entry(&mut self, i: usize) {
        if let Some(Some(e)) = self.revisions.entries.get(i).copied() {
            self.hold_revision(&e, Hold::Release);
        }
        if let Some(slot) = self.revisions.entries.get_mut(i) {
            *slot = None;
        }
    }

    /// Sets a DaemonSet's current revision hash to an interned string, moving the
    /// hold. The hash decides which pods are up to date, not where pods run, so
    /// placements and the DaemonSet's version stay.
    pub(crate) fn set_revision_hash(&mut self, id: SetId, hash: Sym) {
        let Some(old) = self.sets.get(id.0).map(|s| s.revision_hash) else {
            return;
        };
        self.strings.retain(hash);
        self.strings.release(old);
        if let Some(s) = self.sets.get_mut(id.0) {
            s.revision_hash = hash;
        }
    }

    /// A digest of a node's placements under every DaemonSet.
    pub(crate) fn node_placements(&self, node: u32) -> u64 {
        let mut d = Digest::new();
        if self.nodes.get(node).is_some() {
            for (s, _) in self.sets.iter() {
                d.add(s, self.placements.get(s, node));
            }
        }
        d.0
    }

    /// A digest of a DaemonSet's placements on every node.
    pub(crate) fn set_placements(&self, set: u32) -> u64 {
        let mut d = Digest::new();
        if self.sets.get(set).is_some() {
            for (n, _) in self.nodes.iter() {
                d.add(n, self.placements.get(set, n));
            }
        }
        d.0
    }
}

/// Where [`Engine::apply`] puts objects: the engine itself (a single object,
/// each operation changing nothing when it fails), or a [`Stage`] (the items
/// of a `List`, kept whole or not at all). The changes to remembered
/// ControllerRevisions are noted first, for the stage to undo.
pub(crate) trait Store<
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
>
{
    fn engine(
        &mut self,
    ) -> &mut Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>;
    fn add_node(&mut self, input: &NodeInput<'_>) -> Result<NodeId>;
    /// Whether the node changed.
    fn update_node(&mut self, id: NodeId, input: &NodeInput<'_>) -> Result<bool>;
    fn remove_node(&mut self, id: NodeId) -> Result<()>;
    fn add_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<SetId>;
    /// Whether the DaemonSet changed (one that did not is left alone).
    fn update_daemon_set(&mut self, id: SetId, input: &DaemonSetInput<'_>) -> Result<bool>;
    fn remove_daemon_set(&mut self, id: SetId) -> Result<()>;
    fn add_pod(&mut self, input: &PodInput<'_>) -> Result<PodId>;
    /// Whether the pod changed (one that did not is left alone).
    fn update_pod(&mut self, id: PodId, input: &PodInput<'_>) -> Result<bool>;
    fn remove_pod(&mut self, id: PodId) -> Result<()>;
    /// A pod added or become terminating observes its controller's
    /// expectations ([`Engine::observe_pod`]); a stage leaves it to
    /// [`Stage::observe_pods`], just before its commit.
    fn observe_pod(&mut self, pod: PodId, gone: bool);
    /// Before remembered revision entry `i` changes.
    fn note_entry(&mut self, i: usize) -> Result<()>;
    /// Before a DaemonSet's revision hash changes.
    fn note_hash(&mut self, set: SetId) -> Result<()>;
}

impl<
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
    > Store<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
    for Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    #[inline(always)]
    fn engine(&mut self) -> &mut Self {
        self
    }
    #[inline(always)]
    fn add_node(&mut self, input: &NodeInput<'_>) -> Result<NodeId> {
        Engine::add_node(self, input)
    }
    #[inline(always)]
    fn update_node(&mut self, id: NodeId, input: &NodeInput<'_>) -> Result<bool> {
        self.with_room(&mut |e| e.update_node_once::<false>(id, input))
    }
    #[inline(always)]
    fn remove_node(&mut self, id: NodeId) -> Result<()> {
        Engine::remove_node(self, id)
    }
    #[inline(always)]
    fn add_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<SetId> {
        Engine::add_daemon_set(self, input)
    }
    #[inline(always)]
    fn update_daemon_set(&mut self, id: SetId, input: &DaemonSetInput<'_>) -> Result<bool> {
        self.update_daemon_set_if_changed(id, input)
    }
    #[inline(always)]
    fn remove_daemon_set(&mut self, id: SetId) -> Result<()> {
        Engine::remove_daemon_set(self, id)
    }
    #[inline(always)]
    fn add_pod(&mut self, input: &PodInput<'_>) -> Result<PodId> {
        Engine::add_pod(self, input)
    }
    #[inline(always)]
    fn update_pod(&mut self, id: PodId, input: &PodInput<'_>) -> Result<bool> {
        self.update_pod_if_changed(id, input)
    }
    #[inline(always)]
    fn remove_pod(&mut self, id: PodId) -> Result<()> {
        Engine::remove_pod(self, id)
    }
    #[inline(always)]
    fn observe_pod(&mut self, pod: PodId, gone: bool) {
        Engine::observe_pod(self, pod, gone)
    }
    #[inline(always)]
    fn note_entry(&mut self, _: usize) -> Result<()> {
        Ok(())
    }
    #[inline(always)]
    fn note_hash(&mut self, _: SetId) -> Result<()> {
        Ok(())
    }
}

impl<
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
    > Store<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
    for Stage<'_, NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    fn engine(
        &mut self,
    ) -> &mut Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF> {
        self.engine_mut()
    }
    fn add_node(&mut self, input: &NodeInput<'_>) -> Result<NodeId> {
        Stage::add_node(self, input)
    }
    fn update_node(&mut self, id: NodeId, input: &NodeInput<'_>) -> Result<bool> {
        Stage::update_node(self, id, input)
    }
    fn add_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<SetId> {
        Stage::add_daemon_set(self, input)
    }
    fn update_daemon_set(&mut self, id: SetId, input: &DaemonSetInput<'_>) -> Result<bool> {
        Stage::update_daemon_set(self, id, input)
    }
    fn add_pod(&mut self, input: &PodInput<'_>) -> Result<PodId> {
        Stage::add_pod(self, input)
    }
    fn update_pod(&mut self, id: PodId, input: &PodInput<'_>) -> Result<bool> {
        Stage::update_pod(self, id, input)
    }
    // Removals are not staged; a `List`, the one input applied under a
    // stage, holds none.
    fn remove_node(&mut self, _: NodeId) -> Result<()> {
        Err(Error::LogicBug)
    }
    fn remove_daemon_set(&mut self, _: SetId) -> Result<()> {
        Err(Error::LogicBug)
    }
    fn remove_pod(&mut self, _: PodId) -> Result<()> {
        Err(Error::LogicBug)
    }
    // Expectations are not in the log: observed only once every item is
    // applied (`Stage::observe_pods`).
    fn observe_pod(&mut self, _: PodId, _: bool) {}
    fn note_entry(&mut self, i: usize) -> Result<()> {
        Stage::note_entry(self, i)
    }
    fn note_hash(&mut self, set: SetId) -> Result<()> {
        Stage::note_hash(self, set)
    }
}

/// A ControllerRevision's `controller-revision-hash` (empty without one), which
/// dsr keeps only up to a label value's length.
fn revision_hash<'r>(r: &Revision<'r>) -> Result<&'r str> {
    let hash = r.hash().unwrap_or("");
    if hash.len() > HASH_MAX {
        return Err(Error::TooLong {
            field: Field::LabelValue,
            max: crate::error::saturating_u32(HASH_MAX),
        });
    }
    Ok(hash)
}

/// Why [`Engine::apply`] failed, until its error is made.
enum Failed<'a> {
    /// Decoding (see [`failure`]).
    Decode(&'a mut super::de::Ctx<'a>),
    /// The engine refused an object.
    Object(&'a Object<'a>, Error),
}

impl Failed<'_> {
    /// Writes the error to `err`.
    #[cold]
    #[inline(never)]
    fn name(self, err: &mut ApplyError) {
        match self {
            Failed::Decode(ctx) => failure_in(ctx, err),
            Failed::Object(object, e) => object_error_in(object, e, err),
        }
    }
}

/// The error for an object the engine refused.
fn object_error(object: &Object<'_>, e: Error) -> ApplyError {
    let mut err = ApplyError::new(Kind::Unknown, Problem::NotAnObject);
    object_error_in(object, e, &mut err);
    err
}

/// [`object_error`], written to `err`.
fn object_error_in(object: &Object<'_>, e: Error, err: &mut ApplyError) {
    let (kind, name) = match object {
        Object::Node(n) => (Kind::Node, n.meta.name),
        Object::DaemonSet(d) => (Kind::DaemonSet, d.meta.name),
        Object::Pod(p) => (Kind::Pod, p.meta.name),
        Object::Revision(r) => (Kind::ControllerRevision, r.meta.name),
        Object::Empty | Object::Other => (Kind::Other, ""),
    };
    engine_error_in(kind, name, e, err);
}

#[cfg(all(test, feature = "snapshot"))]
mod tests {
    extern crate std;
    use std::boxed::Box;
    use std::format;

    use super::super::{Change, Scratch};
    use crate::GatewayEngine;

    const UID: &str = "3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10";

    fn daemon_set(generation: u32, image: &str) -> std::string::String {
        format!(
            r#"{{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{{"name":"fluentd-elasticsearch",
            "namespace":"kube-system","uid":"{UID}","generation":{generation},"annotations":
            {{"deprecated.daemonset.template.generation":"{generation}"}}}},"spec":{{"selector":
            {{"matchLabels":{{"name":"fluentd-elasticsearch"}}}},"template":{{"metadata":{{"labels":
            {{"name":"fluentd-elasticsearch"}}}},"spec":{{"containers":[{{"name":"fluentd",
            "image":"{image}"}}]}}}}}}}}"#
        )
    }

    const REVISION: &str = r#"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{
        "name":"fluentd-elasticsearch-6d4b8c7f9","namespace":"kube-system","labels":{
        "controller-revision-hash":"6d4b8c7f9"},"ownerReferences":[{"apiVersion":"apps/v1",
        "kind":"DaemonSet","name":"fluentd-elasticsearch","uid":"3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10",
        "controller":true}]},"revision":1}"#;

    const NODE: &str = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"edge-1"}}"#;

    fn apply(e: &mut GatewayEngine, json: &str) -> super::Applied {
        let mut s: Scratch<'_> = Scratch::new();
        e.apply(json.as_bytes(), &mut s).unwrap()
    }

    fn hash(e: &GatewayEngine) -> std::string::String {
        let id = e
            .find_daemon_set("kube-system", "fluentd-elasticsearch")
            .unwrap();
        e.text(e.daemon_set(id).unwrap().revision_hash).into()
    }

    #[test]
    fn a_scratch_built_in_place_reads_as_a_new_one() {
        let mut slot = core::mem::MaybeUninit::<Scratch<'_>>::uninit();
        let in_place = Scratch::init_in_place(&mut slot);
        let mut e = Box::new(GatewayEngine::new());
        let json = daemon_set(1, "fluentd:1.20");
        let a = e.apply(json.as_bytes(), in_place).unwrap();
        let mut fresh = Box::new(GatewayEngine::new());
        assert_eq!(a, apply(&mut fresh, &json));
        assert_eq!(a.change, Change::Added);
        assert_eq!(hash(&e), hash(&fresh));
    }

    #[test]
    fn an_error_cuts_a_long_name_at_a_character_boundary() {
        // 60 ASCII bytes, then two-byte characters: the kept name (64 bytes at
        // most, `...` included) cannot end inside one.
        let name = format!("{}{}", "a".repeat(60), "é".repeat(4));
        let json = format!(
            r#"{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"{name}"}},
            "spec":{{"taints":[{{"key":"edge","effect":7}}]}}}}"#
        );
        let mut e = Box::new(GatewayEngine::new());
        let mut s: Scratch<'_> = Scratch::new();
        let err = e.apply(json.as_bytes(), &mut s).unwrap_err();
        assert_eq!(err.name.as_str(), format!("{}...", "a".repeat(60)));
        assert_eq!(err.path.as_str(), "spec.taints[0].effect");
        // A name that fits is kept whole.
        let json = json.replace(&name, "edge-1");
        let mut s: Scratch<'_> = Scratch::new();
        let err = e.apply(json.as_bytes(), &mut s).unwrap_err();
        assert_eq!(err.name.as_str(), "edge-1");
    }

    #[test]
    fn apply_keeping_error_keeps_the_error_apply_returns_until_the_next_one() {
        let bad = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"edge-1"},
            "spec":{"taints":[{"key":"edge","effect":7}]}}"#;
        let mut e = Box::new(GatewayEngine::new());
        let mut s: Scratch<'_> = Scratch::new();
        let returned = e.apply(bad.as_bytes(), &mut s).unwrap_err();
        let mut kept = None;
        let mut s: Scratch<'_> = Scratch::new();
        assert_eq!(
            e.apply_keeping_error(bad.as_bytes(), &mut s, &mut kept),
            None
        );
        assert_eq!(kept.as_ref(), Some(&returned));
        assert_eq!(returned.path.as_str(), "spec.taints[0].effect");
        // A success leaves the kept error as it was.
        let mut s: Scratch<'_> = Scratch::new();
        let applied = e.apply_keeping_error(NODE.as_bytes(), &mut s, &mut kept);
        assert_eq!(applied.map(|a| a.change), Some(Change::Added));
        assert_eq!(kept, Some(returned));
        // A refused object: the engine's error, the object named.
        let invalid = NODE.replace("edge-1", "Edge_1");
        let mut s: Scratch<'_> = Scratch::new();
        assert_eq!(
            e.apply_keeping_error(invalid.as_bytes(), &mut s, &mut kept),
            None
        );
        let kept = kept.unwrap();
        assert!(matches!(kept.problem, super::super::Problem::Engine(_)));
        assert_eq!(kept.name.as_str(), "Edge_1");
        assert!(kept.path.is_empty());
    }

    fn pod(event: &str, phase: &str) -> std::string::String {
        format!(
            r#"{{"type":"{event}","object":{{"apiVersion":"v1","kind":"Pod","metadata":{{
            "name":"fluentd-elasticsearch-x7k2p","namespace":"kube-system","uid":"9d0c",
            "labels":{{"name":"fluentd-elasticsearch"}},"ownerReferences":[{{"apiVersion":
            "apps/v1","kind":"DaemonSet","name":"fluentd-elasticsearch","uid":"{UID}",
            "controller":true}}]}},"spec":{{"nodeName":"edge-1"}},"status":{{"phase":"{phase}"}}}}}}"#
        )
    }

    #[test]
    fn pods_applied_observe_the_creates_and_deletes_a_sync_waits_for() {
        use crate::sync::Plan;
        use crate::Timestamp;
        let mut e = Box::new(GatewayEngine::new());
        apply(&mut e, NODE);
        apply(&mut e, &daemon_set(1, "fluentd:1.20"));
        let set = e
            .find_daemon_set("kube-system", "fluentd-elasticsearch")
            .unwrap();
        let mut plan: Box<Plan<8>> = Box::default();
        let now = Timestamp(1_700_000_000);
        e.sync(set, now, &mut plan).unwrap();
        assert_eq!(plan.creates.len(), 1);
        assert_eq!(e.expectations(set).map(|x| x.creates), Some(1));
        // The pod the controller created appears in the watch: the create is
        // observed, and the next sync manages the set again (it would wait five
        // minutes otherwise).
        apply(&mut e, &pod("ADDED", "Running"));
        assert!(e.expectations(set).is_some_and(|x| x.fulfilled()));
        // It fails: the sync deletes it and waits for the delete.
        apply(&mut e, &pod("MODIFIED", "Failed"));
        e.sync(set, now, &mut plan).unwrap();
        assert_eq!(plan.deletes.len(), 1);
        assert_eq!(e.expectations(set).map(|x| x.deletes), Some(1));
        apply(&mut e, &pod("DELETED", "Failed"));
        assert!(e.expectations(set).is_some_and(|x| x.fulfilled()));
        // An orphan observes nothing.
        e.sync(set, now, &mut plan).unwrap();
        assert_eq!(e.expectations(set).map(|x| x.creates), Some(1));
        let orphan =
            pod("ADDED", "Running").replace(r#""controller":true"#, r#""controller":false"#);
        apply(&mut e, &orphan);
        assert_eq!(e.expectations(set).map(|x| x.creates), Some(1));
    }

    #[test]
    fn pods_of_a_list_observe_the_creates_once_the_list_is_applied() {
        use crate::sync::Plan;
        use crate::Timestamp;
        let mut e = Box::new(GatewayEngine::new());
        apply(&mut e, NODE);
        apply(&mut e, &daemon_set(1, "fluentd:1.20"));
        let set = e
            .find_daemon_set("kube-system", "fluentd-elasticsearch")
            .unwrap();
        let mut plan: Box<Plan<8>> = Box::default();
        e.sync(set, Timestamp(1_700_000_000), &mut plan).unwrap();
        assert_eq!(e.expectations(set).map(|x| x.creates), Some(1));
        let pod = pod("ADDED", "Running");
        let pod = &pod[pod.find(r#""object":"#).unwrap() + 9..pod.len() - 1];
        let list = format!(r#"{{"apiVersion":"v1","kind":"List","items":[{NODE},{pod}]}}"#);
        // Refused (the node's name is not valid): nothing is observed.
        let bad = list.replace(r#""name":"edge-1""#, r#""name":"Edge_1""#);
        // A scratch of a few objects, small enough for a test thread's stack.
        type Small<'a> = Scratch<'a, 4, 64, 64, 1024>;
        let mut s: Small<'_> = Scratch::new();
        assert!(e.apply(bad.as_bytes(), &mut s).is_err());
        assert_eq!(e.expectations(set).map(|x| x.creates), Some(1));
        let mut s: Small<'_> = Scratch::new();
        let a = e.apply(list.as_bytes(), &mut s).unwrap();
        assert_eq!((a.counts.added, a.counts.unchanged), (1, 1));
        assert!(e.expectations(set).is_some_and(|x| x.fulfilled()));
    }

    #[test]
    fn a_daemon_set_added_before_any_node_changes_no_placement() {
        let mut e = Box::new(GatewayEngine::new());
        let a = apply(&mut e, &daemon_set(1, "fluentd:1.20"));
        assert_eq!(a.change, Change::Added);
        assert!(!a.placement_changed);
        assert!(apply(&mut e, NODE).placement_changed);
    }

    #[test]
    fn a_restored_daemon_set_keeps_its_revision_hash_when_modified() {
        let mut e = Box::new(GatewayEngine::new());
        apply(&mut e, REVISION);
        apply(&mut e, &daemon_set(1, "fluentd:1.20"));
        assert_eq!(hash(&e), "6d4b8c7f9");
        let mut buf = std::vec![0u8; GatewayEngine::max_snapshot_size()];
        let n = e.snapshot(&mut buf).unwrap();
        let mut restored = Box::new(GatewayEngine::new());
        restored.restore(&buf[..n]).unwrap();
        assert_eq!(hash(&restored), "6d4b8c7f9");
        // The hash stays: the revision seen came back with the snapshot.
        let a = apply(&mut restored, &daemon_set(2, "fluentd:1.21"));
        assert_eq!(a.change, Change::Updated);
        assert_eq!(hash(&restored), "6d4b8c7f9");
    }
}
