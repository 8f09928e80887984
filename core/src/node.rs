//! Adding nodes to the engine.

use crate::engine::{Engine, Node, NodeId};
use crate::error::{Error, Field, Result, Table};
use crate::holders::Hold;
use crate::input::{LabelInput, NodeInput, TaintInput};
use crate::intern::Sym;
use crate::keys::KeyRow;
use crate::label::Label;
use crate::table::Span;
use crate::taint::TaintEffect;

/// Label maps of at most this many labels are stored without ever taking room
/// for a repeated key (see [`Engine::push_labels`]).
const FEW_LABELS: usize = 64;

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
    /// Adds a node. Names are unique: a second node of the same name is
    /// [`Error::Duplicate`].
    ///
    /// ```
    /// use dsr_core::input::{LabelInput, NodeInput, TaintInput};
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let id = engine
    ///     .add_node(&NodeInput {
    ///         name: "edge-rpi4-01",
    ///         labels: &[LabelInput { key: "kubernetes.io/arch", value: "arm64" }],
    ///         taints: &[TaintInput { key: "edge", value: "", effect: "NoSchedule" }],
    ///         unschedulable: false,
    ///     })
    ///     .unwrap();
    /// assert_eq!(engine.find_node("edge-rpi4-01"), Some(id));
    /// ```
    pub fn add_node(&mut self, input: &NodeInput<'_>) -> Result<NodeId> {
        self.add_node_in::<true>(input)
    }

    /// [`add_node`](Self::add_node); without `ROOM`, the pools are not
    /// compacted when one fills up (a [`Stage`](crate::stage::Stage) does
    /// that itself).
    pub(crate) fn add_node_in<const ROOM: bool>(
        &mut self,
        input: &NodeInput<'_>,
    ) -> Result<NodeId> {
        if self.find_node(input.name).is_some() {
            return Err(Error::Duplicate(Table::Nodes));
        }
        self.nodes.reserve()?;
        let id = self.with_room_if::<ROOM, _>(&mut |e| {
            e.atomically(|e| {
                let node = e.compile_node(input, None)?;
                let id = e.nodes.insert(node)?;
                e.node_names.insert(node.name, id)?;
                e.hold_node(&node, Hold::Retain);
                Ok(NodeId(id))
            })
        })?;
        self.sweep_strings();
        self.place_node_parts(id.0);
        self.node_named(id.0);
        self.copy_node_column(id.0);
        self.refresh_node_fits(id.0);
        Ok(id)
    }

    /// Moves a node's parts, just stored at the end of their pools, into the
    /// holes freed last where they fit (a replaced node's, usually). The
    /// compact build's pools have no holes.
    #[cfg_attr(feature = "compact", allow(unused_variables))]
    fn place_node_parts(&mut self, id: u32) {
        #[cfg(not(feature = "compact"))]
        self.place_node_parts_in_holes(id);
    }

    #[cfg(not(feature = "compact"))]
    fn place_node_parts_in_holes(&mut self, id: u32) {
        let Some(&n) = self.nodes.get(id) else {
            return;
        };
        let labels = self.labels.place(n.labels);
        let taints = self.taints.place(n.taints);
        if let Some(n) = self.nodes.get_mut(id) {
            n.labels = labels;
            n.taints = taints;
        }
    }

    /// Replaces a node's labels, taints and flags, keeping its id. On error the old
    /// node is kept unchanged.
    pub fn update_node(&mut self, id: NodeId, input: &NodeInput<'_>) -> Result<()> {
        self.with_room(&mut |e| e.update_node_once::<false>(id, input))
            .map(drop)
    }

    /// [`update_node`](Self::update_node) without the retry after compaction:
    /// whether the node changed. With `KEEP` (a [`Stage`](crate::stage::Stage)),
    /// the old node's parts and string holds are kept for the caller, who
    /// gives them back or puts the old node back: the new parts go elsewhere.
    pub(crate) fn update_node_once<const KEEP: bool>(
        &mut self,
        id: NodeId,
        input: &NodeInput<'_>,
    ) -> Result<bool> {
        let old = *self.nodes.get(id.0).ok_or(Error::NotFound(Table::Nodes))?;
        if let Some(other) = self.find_node(input.name) {
            if other != id {
                return Err(Error::Duplicate(Table::Nodes));
            }
        }
        let mut new = self.atomically(|e| e.compile_node(input, Some(&old)))?;
        // Most updates of a Node object (status, heartbeats) change nothing dsr
        // reads: drop the copy, keep the version, and re-evaluate nothing.
        let unchanged = new.name == old.name
            && new.unschedulable == old.unschedulable
            && self.labels.get(new.labels) == self.labels.get(old.labels)
            && self.taints.get(new.taints) == self.taints.get(old.taints);
        if unchanged {
            self.labels.truncate(new.labels.start);
            self.taints.truncate(new.taints.start);
            self.sweep_strings();
            return Ok(false);
        }
        // The new node's strings are counted before the old one's are given back,
        // so what both hold stays.
        if KEEP {
            self.hold_node(&new, Hold::Retain);
        } else {
            self.hold_node_change(&old, &new);
        }
        self.sweep_strings();
        // The new parts sit at the end of their pools.
        let same_size =
            !KEEP && new.labels.len == old.labels.len && new.taints.len == old.taints.len;
        if same_size {
            // As many labels and taints as before (a label's value changed, say):
            // write them over the old ones and drop the copies at the end.
            self.labels.overwrite(old.labels, new.labels);
            self.labels.truncate(new.labels.start);
            self.taints.overwrite(old.taints, new.taints);
            self.taints.truncate(new.taints.start);
            new.labels = old.labels;
            new.taints = old.taints;
        }
        let slot = self.nodes.get_mut(id.0).ok_or(Error::LogicBug)?;
        *slot = new;
        self.copy_node_column(id.0);
        if new.name != old.name {
            self.node_names.remove(old.name, id.0);
            self.node_names.insert(new.name, id.0)?;
            self.node_unnamed(id.0);
            self.node_named(id.0);
        }
        if !same_size {
            // The old parts become holes, which the new ones take when they fit
            // (the compact build cuts them out, moving the new ones down).
            if !KEEP {
                self.remove_node_parts(&old);
            }
            self.place_node_parts(id.0);
        }
        self.refresh_node_fits(id.0);
        Ok(true)
    }

    /// Stores a node's parts. An update passes the node it replaces (`like`):
    /// text the old node already holds is found by comparing it with the old
    /// node's, at the cost of a comparison instead of a hash-table lookup.
    pub(crate) fn compile_node(
        &mut self,
        input: &NodeInput<'_>,
        like: Option<&Node>,
    ) -> Result<Node> {
        // The firmware build (`compact`) compares no text with the old node's:
        // interning it gives the same symbols, only slower, and the comparisons
        // cost code size.
        #[cfg(feature = "compact")]
        let like: Option<&Node> = like.and(None);
        let name = match like {
            Some(old) if self.strings.bytes(old.name) == input.name.as_bytes() => old.name,
            _ => self.intern(input.name, Field::Name)?,
        };
        let labels = match like {
            Some(old) if input.labels.len() <= FEW_LABELS => {
                self.push_few_labels(input.labels, old.labels)?
            }
            _ => self.push_labels(input.labels)?,
        };
        let taints = self.push_taints(input.taints)?;
        Ok(Node {
            name,
            labels,
            keys: KeyRow::of(self.labels.get(labels), &self.keys),
            taints,
            taint_row: self.taint_row(taints),
            unschedulable: input.unschedulable,
            version: self.new_version(),
        })
    }

    /// Stores a label map sorted by key; a repeated key keeps its last value.
    ///
    /// O(n log n) in the labels, whatever they hold. Up to [`FEW_LABELS`] labels
    /// (every real object) are checked against each other as they come, so a
    /// repeated key never takes room. More are pushed with their position standing
    /// in for their value, sorted by (key, position), the last of each key kept,
    /// and only then given their values: an input that repeats keys then needs
    /// room for every copy while it is stored (a Kubernetes map repeats none).
    pub(crate) fn push_labels(&mut self, input: &[LabelInput<'_>]) -> Result<Span> {
        if input.len() <= FEW_LABELS {
            return self.push_few_labels(input, Span::EMPTY);
        }
        // No room check up front: the caller's rollback undoes a push that does
        // not fit.
        let mark = self.labels.mark();
        for (i, l) in input.iter().enumerate() {
            let key = self.intern(l.key, Field::LabelKey)?;
            // Interned now so that a full string table fails here, in order.
            self.intern(l.value, Field::LabelValue)?;
            let position = u32::try_from(i).map_err(|_| Error::LogicBug)?;
            self.labels.push(Label {
                key,
                value: Sym(position),
            })?;
        }
        let span = self.labels.since(mark);
        let stored = self.labels.get_mut(span);
        // (key, position) is unique: any sort gives the same order.
        crate::sort::sort_by_key(stored, |l| (l.key, l.value));
        // Keep the last of each run of one key, moving the kept ones down.
        let mut kept = 0usize;
        for i in 0..stored.len() {
            let Some(&l) = stored.get(i) else { break };
            let last_of_key = stored.get(i + 1).is_none_or(|next| next.key != l.key);
            if last_of_key {
                if let Some(slot) = stored.get_mut(kept) {
                    *slot = l;
                }
                kept += 1;
            }
        }
        for l in stored.iter_mut().take(kept) {
            let value = input
                .get(l.value.index() as usize)
                .map_or("", |input| input.value);
            l.value = self.strings.get(value).ok_or(Error::LogicBug)?;
        }
        let kept = u32::try_from(kept).map_err(|_| Error::LogicBug)?;
        self.labels.truncate(span.start + kept);
        Ok(self.labels.since(mark))
    }

    /// [`push_labels`](Self::push_labels) of a few labels: a repeated key
    /// replaces the value in place, taking no room. A label whose key (and
    /// value) the labels at `like` hold takes their symbols without interning:
    /// an update of an object mostly repeats its labels, in the same order.
    ///
    /// An update that keeps the old labels' keys is written in their order
    /// (O(n), see [`push_labels_like`](Self::push_labels_like)); other labels
    /// are pushed as they come, sorted and neighbours compared (O(n log n)).
    /// Only an input that repeats a key (no Kubernetes map does), or one that
    /// does not fit as it comes, is stored the slow way, each key looked for
    /// among those stored (O(n²)), so that a repeated key still takes no room
    /// (and the firmware build, `compact`, stores every map that way).
    fn push_few_labels(&mut self, input: &[LabelInput<'_>], like: Span) -> Result<Span> {
        #[cfg(not(feature = "compact"))]
        {
            if let Some(span) = self.push_labels_like(input, like)? {
                return Ok(span);
            }
            if let Some(span) = self.push_labels_unique(input, like)? {
                return Ok(span);
            }
        }
        let mark = self.labels.mark();
        let mut next = 0usize;
        for l in input {
            let (key, value) = self.label_syms(like, &mut next, l)?;
            let span = self.labels.since(mark);
            if let Some(existing) = self.labels.get_mut(span).iter_mut().find(|x| x.key == key) {
                existing.value = value;
            } else {
                self.labels.push(Label { key, value })?;
            }
        }
        let span = self.labels.since(mark);
        // Keys are unique now, so any sort gives the same order.
        crate::sort::sort_by_key(self.labels.get_mut(span), |l| l.key);
        Ok(span)
    }

    /// The labels pushed as they come, sorted, and neighbours compared:
    /// `None`, with nothing stored, for an input that repeats a key or does
    /// not fit as it comes.
    #[cfg(not(feature = "compact"))]
    fn push_labels_unique(&mut self, input: &[LabelInput<'_>], like: Span) -> Result<Option<Span>> {
        let mark = self.labels.mark();
        let mut next = 0usize;
        for l in input {
            let (key, value) = self.label_syms(like, &mut next, l)?;
            if self.labels.push(Label { key, value }).is_err() {
                self.labels.truncate(mark);
                return Ok(None);
            }
        }
        let stored = self.labels.get_mut(self.labels.since(mark));
        crate::sort::sort_by_key(stored, |l| l.key);
        if stored
            .windows(2)
            .any(|w| matches!(w, [a, b] if a.key == b.key))
        {
            self.labels.truncate(mark);
            return Ok(None);
        }
        Ok(Some(self.labels.since(mark)))
    }

    /// The labels of an update that keeps the keys of the labels at `like`
    /// (each once, in any order; most updates do), stored in `like`'s order,
    /// which is already sorted by key: `None`, with nothing stored, for an
    /// input that does not.
    #[cfg(not(feature = "compact"))]
    fn push_labels_like(&mut self, input: &[LabelInput<'_>], like: Span) -> Result<Option<Span>> {
        if like.len() != input.len() || input.is_empty() || input.len() > u64::BITS as usize {
            return Ok(None);
        }
        let mark = self.labels.mark();
        if !self.labels.push_copy(like) {
            return Ok(None);
        }
        // Which of `like`'s keys the input gave, a bit each.
        let mut seen = 0u64;
        let mut next = 0usize;
        for l in input {
            let Some((at, hint)) = self.label_like(like, next, l) else {
                self.labels.truncate(mark);
                return Ok(None);
            };
            let bit = 1u64.checked_shl(at as u32).unwrap_or(0);
            if seen & bit != 0 || bit == 0 {
                self.labels.truncate(mark);
                return Ok(None);
            }
            seen |= bit;
            next = at + 1;
            let value = if self.strings.bytes(hint.value) == l.value.as_bytes() {
                hint.value
            } else {
                match self.intern(l.value, Field::LabelValue) {
                    Ok(v) => v,
                    Err(e) => {
                        self.labels.truncate(mark);
                        return Err(e);
                    }
                }
            };
            let span = Span {
                start: mark + at as u32,
                len: 1,
            };
            if let Some(slot) = self.labels.get_mut(span).first_mut() {
                slot.value = value;
            }
        }
        Ok(Some(self.labels.since(mark)))
    }

    /// The symbols of a label's key and value: those of the label among `like`
    /// with its key when there is one (looked for from `next` on, which moves
    /// past it), else interned.
    fn label_syms(
        &mut self,
        like: Span,
        next: &mut usize,
        l: &LabelInput<'_>,
    ) -> Result<(Sym, Sym)> {
        Ok(match self.label_like(like, *next, l) {
            Some((at, hint)) => {
                *next = at + 1;
                let value = if self.strings.bytes(hint.value) == l.value.as_bytes() {
                    hint.value
                } else {
                    self.intern(l.value, Field::LabelValue)?
                };
                (hint.key, value)
            }
            None => (
                self.intern(l.key, Field::LabelKey)?,
                self.intern(l.value, Field::LabelValue)?,
            ),
        })
    }

    /// The label among `like` whose key is `l`'s, with its position: the one at
    /// `from` when it is (an update that repeats its labels in their order),
    /// else found by the key's symbol (`like` is sorted by it).
    // In line: most calls end at the first check, and a call for each label
    // costs more than it.
    #[cfg(not(feature = "compact"))]
    #[inline(always)]
    fn label_like(&self, like: Span, from: usize, l: &LabelInput<'_>) -> Option<(usize, Label)> {
        let hints = self.labels.get(like);
        if let Some(&h) = hints.get(from) {
            if self.strings.bytes(h.key) == l.key.as_bytes() {
                return Some((from, h));
            }
        }
        self.label_by_key(hints, l)
    }

    /// The label among `hints` (sorted by key symbol) whose key is `l`'s.
    #[cfg(not(feature = "compact"))]
    #[inline(never)]
    fn label_by_key(&self, hints: &[Label], l: &LabelInput<'_>) -> Option<(usize, Label)> {
        if hints.is_empty() {
            return None;
        }
        let key = self.strings.get(l.key)?;
        let at = hints.binary_search_by_key(&key, |h| h.key).ok()?;
        hints.get(at).map(|&h| (at, h))
    }

    /// The firmware build (`compact`) looks for no label among `like`: interning
    /// text the old node holds gives the symbol it holds, so only the time
    /// differs, and the comparisons cost code size.
    #[cfg(feature = "compact")]
    fn label_like(&self, _: Span, _: usize, _: &LabelInput<'_>) -> Option<(usize, Label)> {
        None
    }

    fn push_taints(&mut self, input: &[TaintInput<'_>]) -> Result<Span> {
        self.taints.reserve(input.len())?;
        let mark = self.taints.mark();
        for t in input {
            let taint = self.compile_taint(t)?;
            self.taints.push(taint)?;
        }
        Ok(self.taints.since(mark))
    }
}

/// A taint effect, a non-standard one made a symbol by `sym`.
pub(crate) fn effect_of<'a>(
    s: &'a str,
    field: Field,
    sym: &mut impl FnMut(&'a str, Field) -> Result<Sym>,
) -> Result<TaintEffect> {
    let mut failure = None;
    let effect = TaintEffect::classify(s, || match sym(s, field) {
        Ok(sym) => Some(sym),
        Err(e) => {
            failure = Some(e);
            None
        }
    });
    effect.ok_or(failure.unwrap_or(Error::LogicBug))
}
