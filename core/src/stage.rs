//! Staging: a change of many objects that is kept whole or not at all.
//!
//! [`Engine::stage`] opens a [`Stage`] over the engine and an [`Undo`] log the
//! caller sizes. Objects are added and updated through the stage as through the
//! engine, one after another (each sees the ones before, and every query of
//! [`Stage::engine`] answers as if they were applied); [`Stage::commit`] keeps
//! them, and [`Stage::rollback`] (or dropping the stage) puts the engine back as
//! it was before the stage: the same answers and the same snapshot bytes.
//! `Engine::apply` (the `json` feature) applies a `List` through a stage.
//!
//! ```
//! use dsr_core::input::{LabelInput, NodeInput};
//! use dsr_core::stage::Undo;
//! let mut engine = dsr_core::TinyEngine::new();
//! let mut undo: Undo<4> = Undo::new();
//! let mut stage = engine.stage(&mut undo);
//! stage.add_node(&NodeInput { name: "edge-1", ..Default::default() }).unwrap();
//! let arm = [LabelInput { key: "kubernetes.io/arch", value: "arm64" }];
//! let id = stage.engine().find_node("edge-1").unwrap();
//! assert!(stage.update_node(id, &NodeInput { name: "edge-1", labels: &arm, ..Default::default() }).unwrap());
//! stage.rollback();
//! assert_eq!(engine.find_node("edge-1"), None);
//! ```
//!
//! How: an add is undone by removing the object (its slot given back as it
//! was), an update by putting the old object back. So that the old one can be
//! put back, an update under a stage neither frees the old object's parts nor
//! gives back its strings: the undo log keeps them until the stage ends (a
//! commit frees them then). While a stage is open the engine therefore holds
//! both the old and the new form of every object it updated: a stage is
//! refused ([`Error::Full`]) where the tables cannot hold, at once, what the
//! engine held before it and the new form of every object added or changed
//! through it, even when applying the same changes one by one, each freeing
//! what it replaced, would fit. Objects that do not change (a re-list) take no
//! room. Each change that is kept takes one entry of the log; a full log is
//! [`Error::Full`] with [`Table::Output`] and changes nothing.
//!
//! Removals are not staged (a `List` holds none).

use crate::engine::{DaemonSet, Engine, Node, NodeId, SetId};
use crate::error::{Error, Result, Table};
use crate::holders::Hold;
use crate::input::{DaemonSetInput, NodeInput, PodInput};
#[cfg(feature = "json")]
use crate::intern::Sym;
use crate::keys::KeyRow;
use crate::pod::{Pod, PodId};
#[cfg(feature = "json")]
use crate::revisions::Remembered;

/// What one change through a [`Stage`] replaced (see the [module](self)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    object: Was,
    /// A remembered ControllerRevision entry (its index) as it was, its
    /// strings held by the log.
    #[cfg(feature = "json")]
    entry: Option<(usize, Option<Remembered>)>,
    /// A DaemonSet's revision hash as it was, held by the log.
    #[cfg(feature = "json")]
    hash: Option<(SetId, Sym)>,
}

/// An object as it was before a change: `None` for an added one (and whether
/// its slot was appended); the old one for an updated one, whose parts and
/// strings the log holds.
#[derive(Debug, Clone, Copy)]
enum Was {
    Nothing,
    Node(NodeId, Option<Node>, bool),
    Set(SetId, Option<DaemonSet>, bool),
    Pod(PodId, Option<Pod>, bool),
}

impl Step {
    pub(crate) const EMPTY: Step = Step {
        object: Was::Nothing,
        #[cfg(feature = "json")]
        entry: None,
        #[cfg(feature = "json")]
        hash: None,
    };

    /// Calls `f` with each span of the old object the log holds.
    fn each_span(&mut self, f: &mut dyn FnMut(Table, &mut crate::table::Span)) {
        use crate::holders::SpanFields;
        match &mut self.object {
            Was::Node(_, Some(n), _) => n.each_span(f),
            Was::Set(_, Some(d), _) => d.each_span(f),
            Was::Pod(_, Some(p), _) => p.each_span(f),
            _ => {}
        }
    }
}

/// The undo log of a [`Stage`]: room for `N` changes (an add, or an update
/// that changed something; with the `json` feature, a ControllerRevision's
/// too), 160 bytes each (208 with the `json` feature; x86-64).
/// `Engine::apply` (the `json` feature) keeps one in its scratch, one entry
/// per item.
#[derive(Debug, Clone)]
pub struct Undo<const N: usize> {
    pub(crate) steps: [Step; N],
}

impl<const N: usize> Undo<N> {
    /// An empty log.
    pub const fn new() -> Self {
        Undo {
            steps: [Step::EMPTY; N],
        }
    }

    pub(crate) fn steps(&mut self) -> &mut [Step] {
        &mut self.steps
    }
}

impl<const N: usize> Default for Undo<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Changes to an engine kept whole or not at all (see the [module](self)).
/// Dropped without [`commit`](Self::commit), it rolls back.
pub struct Stage<
    's,
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
> {
    engine:
        &'s mut Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
    steps: &'s mut [Step],
    len: usize,
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
    > Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    /// Opens a [`Stage`]: changes through it are kept by
    /// [`commit`](Stage::commit), or undone whole. `undo` bounds how many.
    pub fn stage<'s, const N: usize>(
        &'s mut self,
        undo: &'s mut Undo<N>,
    ) -> Stage<'s, NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF> {
        self.stage_in(undo.steps())
    }

    pub(crate) fn stage_in<'s>(
        &'s mut self,
        steps: &'s mut [Step],
    ) -> Stage<'s, NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF> {
        Stage {
            engine: self,
            steps,
            len: 0,
        }
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
    > Stage<'_, NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    /// The engine with the changes so far, to read.
    pub fn engine(
        &self,
    ) -> &Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF> {
        self.engine
    }

    /// Changes made through the stage so far (entries of the undo log taken).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing changed through the stage yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The error when the log has no room for one more change.
    fn room(&self) -> Result<()> {
        if self.len < self.steps.len() {
            Ok(())
        } else {
            Err(Error::Full {
                table: Table::Output,
                capacity: crate::error::saturating_u32(self.steps.len()),
            })
        }
    }

    fn push(&mut self, object: Was) {
        if let Some(s) = self.steps.get_mut(self.len) {
            *s = Step {
                object,
                ..Step::EMPTY
            };
            self.len += 1;
        }
    }

    /// Runs an engine operation; when a pool's end is reached while it has
    /// holes, compacts the pools (moving the spans the log holds too) and
    /// runs it again, as the engine does outside a stage.
    fn with_room<T>(
        &mut self,
        f: &mut dyn FnMut(
            &mut Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
        ) -> Result<T>,
    ) -> Result<T> {
        let r = f(self.engine);
        #[cfg(not(feature = "compact"))]
        if let Err(Error::Full { table, .. }) = r {
            if self.engine.pool_vacant(table) > 0 {
                let held = self.steps.get_mut(..self.len).unwrap_or(&mut []);
                self.engine.compact_pools_with(&mut |table, at| {
                    for step in held.iter_mut() {
                        step.each_span(&mut |t, s| {
                            if t == table {
                                s.start = at(s.start);
                            }
                        });
                    }
                });
                return f(self.engine);
            }
        }
        r
    }

    /// An update through the log: `was` reads the object as it is where the
    /// attempt that succeeds starts (a compaction before it moves the old
    /// one's parts), `update` replaces it; a change is logged.
    fn update_logged(
        &mut self,
        was: &mut dyn FnMut(
            &Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
        ) -> Was,
        update: &mut dyn FnMut(
            &mut Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>,
        ) -> Result<bool>,
    ) -> Result<bool> {
        self.room()?;
        let mut old = Was::Nothing;
        let changed = self.with_room(&mut |e| {
            old = was(e);
            update(e)
        })?;
        if changed {
            self.push(old);
        }
        Ok(changed)
    }

    /// Adds a node (see [`Engine::add_node`]).
    pub fn add_node(&mut self, input: &NodeInput<'_>) -> Result<NodeId> {
        self.room()?;
        let appended = self.engine.nodes.appends();
        let id = self.with_room(&mut |e| e.add_node_in::<false>(input))?;
        self.push(Was::Node(id, None, appended));
        Ok(id)
    }

    /// Replaces a node (see [`Engine::update_node`]); whether it changed (a node
    /// that did not is left as it is, and takes no entry of the log).
    pub fn update_node(&mut self, id: NodeId, input: &NodeInput<'_>) -> Result<bool> {
        self.update_logged(
            &mut |e| Was::Node(id, e.node(id).copied(), false),
            &mut |e| e.update_node_once::<true>(id, input),
        )
    }

    /// Adds a DaemonSet (see [`Engine::add_daemon_set`]).
    pub fn add_daemon_set(&mut self, input: &DaemonSetInput<'_>) -> Result<SetId> {
        self.room()?;
        let appended = self.engine.sets.appends();
        let id = self.with_room(&mut |e| e.add_daemon_set_in::<false>(input))?;
        self.push(Was::Set(id, None, appended));
        Ok(id)
    }

    /// Replaces a DaemonSet's spec (see [`Engine::update_daemon_set`]); whether
    /// it changed (one that did not is left as it is, its version too).
    pub fn update_daemon_set(&mut self, id: SetId, input: &DaemonSetInput<'_>) -> Result<bool> {
        self.update_logged(
            &mut |e| Was::Set(id, e.daemon_set(id).copied(), false),
            &mut |e| e.replace_daemon_set::<true>(id, input, true),
        )
    }

    /// Adds a pod (see [`Engine::add_pod`]).
    pub fn add_pod(&mut self, input: &PodInput<'_>) -> Result<PodId> {
        self.room()?;
        let appended = self.engine.pods.appends();
        let id = self.with_room(&mut |e| e.add_pod_in::<false>(input))?;
        self.push(Was::Pod(id, None, appended));
        Ok(id)
    }

    /// Replaces a pod (see [`Engine::update_pod`]); whether it changed (one
    /// that did not is left as it is).
    pub fn update_pod(&mut self, id: PodId, input: &PodInput<'_>) -> Result<bool> {
        self.update_logged(&mut |e| Was::Pod(id, e.pod(id).copied(), false), &mut |e| {
            e.replace_pod::<true>(id, input, true)
        })
    }

    /// What applying a `List` does last before its commit (nothing can fail
    /// after): each pod the stage added, or updated from running to
    /// terminating, observes its controller's expectations
    /// ([`Engine::observe_pod`]), as one applied alone does at once. (A pod
    /// that is in the `List` twice is judged by how it ends.)
    #[cfg(feature = "json")]
    pub(crate) fn observe_pods(&mut self) {
        for i in 0..self.len {
            let Some(Step {
                object: Was::Pod(id, was, _),
                ..
            }) = self.steps.get(i).copied()
            else {
                continue;
            };
            let deleting = self.engine.pods.get(id.0).is_some_and(|p| p.deleting);
            if crate::sync::pod_event_observes(was.map(|old| old.deleting), deleting) {
                self.engine.observe_pod(id, false);
            }
        }
    }

    /// Keeps every change: what the updates replaced is freed now.
    pub fn commit(mut self) {
        // Last first: in the compact build each free moves the parts after
        // it, those the log still holds included.
        while let Some(i) = self.len.checked_sub(1) {
            self.len = i;
            let Some(step) = self.steps.get(i).copied() else {
                break;
            };
            #[cfg(feature = "json")]
            {
                if let Some((_, Some(was))) = step.entry {
                    self.engine.hold_revision(&was, Hold::Release);
                }
                if let Some((_, hash)) = step.hash {
                    self.engine.strings.release(hash);
                }
            }
            // The compact build cuts the freed parts out, moving down the
            // parts after them: those the log still holds are moved first,
            // by what goes before each.
            #[cfg(feature = "compact")]
            {
                let (rest, e) = (self.steps.get_mut(..i).unwrap_or(&mut []), &*self.engine);
                for s in rest.iter_mut() {
                    s.each_span(&mut |t, span| {
                        span.start -= e.freed_before(&step.object, t, span.start);
                    });
                }
            }
            let e = &mut *self.engine;
            match step.object {
                Was::Node(_, Some(n), _) => {
                    e.hold_node(&n, Hold::Release);
                    e.remove_node_parts(&n);
                }
                Was::Set(_, Some(d), _) => {
                    e.hold_set(&d, Hold::Release);
                    e.free_set_parts(&d);
                }
                Was::Pod(_, Some(p), _) => {
                    e.hold_pod(&p, Hold::Release);
                    e.free_labels(p.labels);
                }
                _ => {}
            }
        }
    }

    /// Undoes every change, last first: the engine is as before the stage.
    pub fn rollback(mut self) {
        self.undo_all();
    }

    fn undo_all(&mut self) {
        while let Some(i) = self.len.checked_sub(1) {
            self.len = i;
            if let Some(step) = self.steps.get(i).copied() {
                self.undo(step);
            }
        }
    }

    fn undo(&mut self, step: Step) {
        #[cfg(feature = "json")]
        {
            if let Some((set, hash)) = step.hash {
                self.engine.set_revision_hash(set, hash);
                // The log's hold: the DaemonSet holds it again.
                self.engine.strings.release(hash);
            }
            if let Some((i, was)) = step.entry {
                if let Some(Some(now)) = self.engine.revisions.entries.get(i).copied() {
                    self.engine.hold_revision(&now, Hold::Release);
                }
                // The log's holds become the entry's.
                if let Some(slot) = self.engine.revisions.entries.get_mut(i) {
                    *slot = was;
                }
            }
        }
        let e = &mut *self.engine;
        // Undoing what succeeded cannot fail: the results are of no use.
        match step.object {
            Was::Nothing => {}
            Was::Node(id, None, appended) => {
                let _ = if appended {
                    e.remove_node_from::<true>(id)
                } else {
                    e.remove_node_from::<false>(id)
                };
            }
            Was::Set(id, None, appended) => {
                let _ = if appended {
                    e.remove_daemon_set_from::<true>(id, true)
                } else {
                    e.remove_daemon_set_from::<true>(id, false)
                };
            }
            Was::Pod(id, None, appended) => {
                let _ = if appended {
                    e.remove_pod_from::<true>(id)
                } else {
                    e.remove_pod_from::<false>(id)
                };
            }
            Was::Node(id, Some(mut old), _) => {
                let Some(now) = e.nodes.get(id.0).copied() else {
                    return;
                };
                e.hold_node(&now, Hold::Release);
                // What the node's rows say depends on the key slots and the
                // automatic tolerations now.
                old.keys = KeyRow::of(e.labels.get(old.labels), &e.keys);
                old.taint_row = e.taint_row(old.taints);
                if let Some(slot) = e.nodes.get_mut(id.0) {
                    *slot = old;
                }
                e.copy_node_column(id.0);
                if now.name != old.name {
                    e.node_names.remove(now.name, id.0);
                    let _ = e.node_names.insert(old.name, id.0);
                    e.node_unnamed(id.0);
                    e.node_named(id.0);
                }
                e.remove_node_parts(&now);
                e.refresh_node_fits(id.0);
            }
            Was::Set(id, Some(old), _) => {
                let Some(now) = e.sets.get(id.0).copied() else {
                    return;
                };
                e.hold_set(&now, Hold::Release);
                if let Some(slot) = e.sets.get_mut(id.0) {
                    *slot = old;
                }
                e.free_set_parts(&now);
                e.keys.stale = true;
                e.slot_set_keys(id);
                e.refresh_set_fits(id.0);
            }
            Was::Pod(id, Some(old), _) => {
                let Some(now) = e.pods.get(id.0).copied() else {
                    return;
                };
                e.hold_pod(&now, Hold::Release);
                if let Some(slot) = e.pods.get_mut(id.0) {
                    *slot = old;
                }
                if (now.name, now.namespace) != (old.name, old.namespace) {
                    e.pod_names.remove(now.name, id.0);
                    let _ = e.pod_names.insert(old.name, id.0);
                }
                e.index_pod(id.0);
                e.free_labels(now.labels);
            }
        }
    }
}

#[cfg(feature = "compact")]
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
    /// Entries of pool `table` before `at` that freeing the parts of `was`
    /// cuts out: where a span the log holds at `at` moves down by. Only the
    /// pools of the spans a log holds itself count (the others' spans are in
    /// pool entries, which the engine moves).
    fn freed_before(&self, was: &Was, table: Table, at: u32) -> u32 {
        let mut n = 0;
        let mut count = |t: Table, s: crate::table::Span| {
            if t == table && s.start < at {
                n += s.len;
            }
        };
        match was {
            Was::Node(_, Some(node), _) => {
                count(Table::Labels, node.labels);
                count(Table::Taints, node.taints);
            }
            Was::Pod(_, Some(p), _) => count(Table::Labels, p.labels),
            Was::Set(_, Some(d), _) => {
                if let Some(s) = d.selector {
                    count(Table::Requirements, s);
                }
                count(Table::Labels, d.node_selector);
                count(Table::Labels, d.template_labels);
                if let Some(terms) = d.affinity {
                    count(Table::Terms, terms);
                    for t in self.terms.get(terms) {
                        count(Table::Requirements, t.expressions);
                    }
                }
                count(Table::Tolerations, d.tolerations);
            }
            _ => {}
        }
        n
    }
}

#[cfg(feature = "json")]
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
    > Stage<'_, NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    /// The engine, to change it where a logged change was noted first.
    pub(crate) fn engine_mut(
        &mut self,
    ) -> &mut Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF> {
        self.engine
    }

    /// Notes remembered revision entry `i` before it changes. With the last
    /// change's entry free, it goes there (the undo puts an entry back before
    /// the object of its step, the reverse of the order they change in).
    pub(crate) fn note_entry(&mut self, i: usize) -> Result<()> {
        let amend = matches!(self.len.checked_sub(1).and_then(|l| self.steps.get(l)), Some(s) if s.entry.is_none());
        if !amend {
            self.room()?;
            self.push(Was::Nothing);
        }
        let was = self.engine.revisions.entries.get(i).copied().flatten();
        if let Some(w) = was {
            self.engine.hold_revision(&w, Hold::Retain);
        }
        if let Some(s) = self.len.checked_sub(1).and_then(|l| self.steps.get_mut(l)) {
            s.entry = Some((i, was));
        }
        Ok(())
    }

    /// Notes a DaemonSet's revision hash before it changes (as
    /// [`note_entry`](Self::note_entry)).
    pub(crate) fn note_hash(&mut self, set: SetId) -> Result<()> {
        let amend = matches!(self.len.checked_sub(1).and_then(|l| self.steps.get(l)), Some(s) if s.hash.is_none());
        if !amend {
            self.room()?;
            self.push(Was::Nothing);
        }
        let Some(hash) = self.engine.daemon_set(set).map(|d| d.revision_hash) else {
            return Ok(());
        };
        self.engine.strings.retain(hash);
        if let Some(s) = self.len.checked_sub(1).and_then(|l| self.steps.get_mut(l)) {
            s.hash = Some((set, hash));
        }
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
    > Drop for Stage<'_, NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    fn drop(&mut self) {
        self.undo_all();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_step_costs_its_documented_bytes() {
        // The `Undo` docs say so.
        let bytes = if cfg!(feature = "json") { 208 } else { 160 };
        assert_eq!(core::mem::size_of::<super::Step>(), bytes);
    }
}
