//! Eligibility of one DaemonSet on 64 nodes at once: what the engine uses when a
//! DaemonSet is added or changed, and every node must be judged again for it.
//!
//! [`Engine::evaluate_fit`] judges one pair, stopping at the first rule that fails;
//! which rule that is changes from node to node, so the processor mispredicts
//! about one branch a pair. Here each rule is applied to a block of 64 node slots
//! as one bit mask (bit `i` is slot `64 * block + i`): a rule's loop does the same
//! work for every node, so its branches are predictable, and a rule is skipped only
//! when no node of the block is left for it. The rules themselves are decided by
//! the same functions as in `evaluate_fit` (`node_name_holds`,
//! `node_selector_holds`, [`Requirement::holds`](crate::selector::Requirement),
//! [`FieldRequirement::matches`](crate::affinity::FieldRequirement::matches) and the
//! taint rule); only their combination, "all of" and "any of", is written again,
//! and `core/tests/placement_index.rs` holds the two to the same answers.

#[cfg(not(feature = "compact"))]
use crate::affinity::{node_selector_holds, span, Term};
#[cfg(not(feature = "compact"))]
use crate::eligibility::node_name_holds;
use crate::eligibility::Fit;
use crate::engine::{DaemonSet, Engine, Node, NodeId};
#[cfg(not(feature = "compact"))]
use crate::intern::Sym;
#[cfg(not(feature = "compact"))]
use crate::keys::{FAR, KEY_SLOTS};
#[cfg(not(feature = "compact"))]
use crate::selector::ValueTest;

/// Node slots in a [`FitBlock`].
pub const FIT_BLOCK: usize = 64;

/// [`Fit`] of one DaemonSet on the nodes of a block: bit `i` stands for the node
/// with id `64 * block + i`; a free slot has neither bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FitBlock {
    /// Nodes where a daemon pod should run.
    pub run: u64,
    /// Nodes where a daemon pod already there may stay.
    pub stay: u64,
}

impl FitBlock {
    /// The fit of the node at bit `i` (`i < 64`).
    pub const fn fit(&self, i: usize) -> Fit {
        let bit = 1u64 << (i % FIT_BLOCK);
        Fit {
            should_run: self.run & bit != 0,
            should_continue_running: self.stay & bit != 0,
        }
    }

    /// The nodes of the block with a decision, with their fits, in id order.
    pub fn fits(self, block: usize) -> impl Iterator<Item = (NodeId, Fit)> {
        (0..FIT_BLOCK).map(move |i| (NodeId((block * FIT_BLOCK + i) as u32), self.fit(i)))
    }
}

/// In [`NodeColumns`]: a node is held in the slot.
#[cfg(not(feature = "compact"))]
const PRESENT: u8 = 1;
/// In [`NodeColumns`]: some taint of the node may keep a daemon pod off.
#[cfg(not(feature = "compact"))]
const MAY_BLOCK: u8 = 2;

/// Copies of what judging a DaemonSet reads of every node, column by column: per
/// key slot the nodes' values side by side (each node's
/// [`KeyRow`](crate::keys::KeyRow) again), and per node slot whether a node is
/// there and whether its taints may keep a daemon pod off. One rule over a block of
/// 64 nodes then reads a few cache lines rather than 64 node records. The node
/// records stay the truth: the columns are written wherever those are.
#[cfg(not(feature = "compact"))]
#[derive(Clone)]
pub(crate) struct NodeColumns<const NODES: usize> {
    cells: [[Sym; NODES]; KEY_SLOTS],
    flags: [u8; NODES],
}

#[cfg(not(feature = "compact"))]
impl<const NODES: usize> core::fmt::Debug for NodeColumns<NODES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NodeColumns")
    }
}

#[cfg(not(feature = "compact"))]
impl<const NODES: usize> NodeColumns<NODES> {
    /// Columns of an engine without nodes.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        // All zero, so that an engine can be set up in place (the C API's
        // `dsr_engine_init`) without an array of cells on the stack. The cells of
        // a free node slot are never read: its flags say it is free.
        NodeColumns {
            cells: [[Sym(0); NODES]; KEY_SLOTS],
            flags: [0; NODES],
        }
    }

    /// No node is held any more.
    pub fn clear(&mut self) {
        self.flags.fill(0);
    }

    /// Node slot `slot` holds `node` (or, with `None`, nothing).
    fn put(&mut self, slot: u32, node: Option<&Node>) {
        let i = slot as usize;
        if let Some(f) = self.flags.get_mut(i) {
            *f = match node {
                None => 0,
                Some(n) if n.taint_row.may_block() => PRESENT | MAY_BLOCK,
                Some(_) => PRESENT,
            };
        }
        if let Some(n) = node {
            for (column, &cell) in self.cells.iter_mut().zip(n.keys.0.iter()) {
                if let Some(c) = column.get_mut(i) {
                    *c = cell;
                }
            }
        }
    }

    /// Node slot `slot` is free.
    pub fn vacate(&mut self, slot: u32) {
        self.put(slot, None);
    }

    /// The flags of node slots `start..start + len` (fewer past the table).
    #[cfg(not(feature = "compact"))]
    #[inline(always)]
    fn flags(&self, start: usize, len: usize) -> &[u8] {
        let rest = self.flags.get(start..).unwrap_or(&[]);
        rest.get(..len).unwrap_or(rest)
    }

    /// The cells of key slot `slot` for node slots `start..start + len`; `None`
    /// for a key without a slot.
    #[cfg(not(feature = "compact"))]
    #[inline(always)]
    fn cells(&self, slot: u8, start: usize, len: usize) -> Option<&[Sym]> {
        self.cells
            .get(slot as usize)?
            .get(start..start.checked_add(len)?)
    }
}

/// The compact build judges node by node, so it keeps no columns: no RAM for them,
/// and no array of them to set up.
#[cfg(feature = "compact")]
#[derive(Clone, Debug)]
pub(crate) struct NodeColumns<const NODES: usize>;

#[cfg(feature = "compact")]
impl<const NODES: usize> NodeColumns<NODES> {
    /// No columns.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub const fn new() -> Self {
        NodeColumns
    }

    /// Nothing to forget.
    pub fn clear(&mut self) {}

    /// Nothing to copy.
    fn put(&mut self, _slot: u32, _node: Option<&Node>) {}

    /// Nothing to free.
    pub fn vacate(&mut self, _slot: u32) {}
}

/// The bits of the flags in `flags` (at most 64) that have `flag` (one bit).
#[cfg(not(feature = "compact"))]
#[inline(always)]
fn flag_column(flags: &[u8], flag: u8) -> u64 {
    let shift = flag.trailing_zeros() % 8;
    let mut bits = 0;
    // Eight flags a step: the flag's bit of each byte moved to the bottom, then
    // gathered into one byte by a multiply (the bit of byte k lands on bit 56 + k,
    // and no two partial products meet, so nothing carries).
    for (j, chunk) in flags.chunks(8).take(FIT_BLOCK / 8).enumerate() {
        let mut word = [0u8; 8];
        word.iter_mut().zip(chunk).for_each(|(w, &f)| *w = f);
        let lows = (u64::from_le_bytes(word) >> shift) & 0x0101_0101_0101_0101;
        let byte = lows.wrapping_mul(0x0102_0408_1020_4080) >> 56;
        bits |= byte << (j * 8);
    }
    bits
}

/// Bit `i` set for each entry `i` of `entries` (at most 64) that `bit` picks.
#[cfg(not(feature = "compact"))]
#[inline(always)]
fn pack<T>(entries: &[T], bit: impl Fn(&T) -> bool) -> u64 {
    let entries = entries.get(..FIT_BLOCK).unwrap_or(entries);
    // From the last entry down, shifting by one: no shift by a variable amount.
    entries
        .iter()
        .rev()
        .fold(0, |bits, e| (bits << 1) | u64::from(bit(e)))
}

/// The bits of the nodes in `slots` (at most 64) that satisfy `holds`; free slots
/// are 0. The same steps for every slot, so the loop does not branch on a node.
#[cfg(not(feature = "compact"))]
#[inline(always)]
fn column(slots: &[Option<Node>], holds: impl Fn(&Node) -> bool) -> u64 {
    pack(slots, |slot| slot.as_ref().is_some_and(&holds))
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
    /// Copies node slot `slot` into the columns.
    pub(crate) fn copy_node_column(&mut self, slot: u32) {
        self.node_columns.put(slot, self.nodes.get(slot));
    }

    /// Copies every node slot into the columns.
    pub(crate) fn copy_node_columns(&mut self) {
        let Engine {
            nodes,
            node_columns,
            ..
        } = self;
        for (i, node) in nodes.slots().enumerate() {
            node_columns.put(i as u32, node);
        }
    }

    /// Blocks of [`FIT_BLOCK`] node slots that cover every node id in use.
    pub fn node_blocks(&self) -> usize {
        self.nodes.slot_count().div_ceil(FIT_BLOCK)
    }

    /// [`evaluate_fit`](Self::evaluate_fit) of one DaemonSet on every node of a
    /// block (ids `64 * block` to `64 * block + 63`), rule by rule over the whole
    /// block. A block past the last node is empty.
    ///
    /// ```
    /// use dsr_core::input::{DaemonSetInput, LabelInput, NodeInput};
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let arm = [LabelInput { key: "kubernetes.io/arch", value: "arm64" }];
    /// let amd = [LabelInput { key: "kubernetes.io/arch", value: "amd64" }];
    /// engine.add_node(&NodeInput { name: "edge-rpi4-01", labels: &arm, ..Default::default() }).unwrap();
    /// engine.add_node(&NodeInput { name: "edge-nuc-01", labels: &amd, ..Default::default() }).unwrap();
    /// let id = engine.add_daemon_set(&DaemonSetInput {
    ///     name: "agent", namespace: "kube-system", node_selector: &arm, ..Default::default()
    /// }).unwrap();
    /// let set = engine.daemon_set(id).unwrap();
    /// assert_eq!(engine.node_blocks(), 1);
    /// let block = engine.evaluate_fit_block(set, 0);
    /// assert_eq!((block.run, block.stay), (0b01, 0b01));
    /// ```
    #[cfg(not(feature = "compact"))]
    pub fn evaluate_fit_block(&self, set: &DaemonSet, block: usize) -> FitBlock {
        let start = block * FIT_BLOCK;
        let slots = self.nodes.window(start, FIT_BLOCK);
        let flags = self.node_columns.flags(start, slots.len());
        let mut fits = flag_column(flags, PRESENT);
        if !set.node_name.is_empty() {
            fits &= column(slots, |n| node_name_holds(set.node_name, n.name));
        }
        for want in self.labels.get(set.node_selector) {
            if fits == 0 {
                break;
            }
            let slot = self.keys.slot(want.key).0;
            fits &= self.key_column(slots, start, slot, want.key, |found| {
                node_selector_holds(want, found)
            });
        }
        if let Some(terms) = set.affinity {
            let mut any = 0;
            for term in self.terms.get(terms) {
                // Only the nodes no earlier term matched are left to try.
                any |= self.term_column(term, slots, start, fits & !any);
            }
            fits &= any;
        }
        let tainted = fits & flag_column(flags, MAY_BLOCK);
        self.taint_column(set, slots, fits, tainted)
    }

    /// The compact build's [`evaluate_fit_block`](Self::evaluate_fit_block): node by
    /// node, to keep the code small.
    #[cfg(feature = "compact")]
    pub fn evaluate_fit_block(&self, set: &DaemonSet, block: usize) -> FitBlock {
        let slots = self.nodes.window(block * FIT_BLOCK, FIT_BLOCK);
        let mut fits = FitBlock::default();
        for (i, slot) in slots.iter().enumerate().take(FIT_BLOCK) {
            if let Some(node) = slot {
                let fit = self.evaluate_fit(set, node);
                fits.run |= u64::from(fit.should_run) << i;
                fits.stay |= u64::from(fit.should_continue_running) << i;
            }
        }
        fits
    }

    /// The nodes among `left` that a node-selector term matches: an invalid term
    /// none, else those satisfying every expression and every field requirement
    /// (as [`Term::check_with`] decides one node).
    #[cfg(not(feature = "compact"))]
    #[inline(never)]
    fn term_column(&self, term: &Term, slots: &[Option<Node>], start: usize, left: u64) -> u64 {
        if term.problem.is_some() {
            return 0;
        }
        let mut hits = left;
        let values = self.values.all();
        for r in span(self.requirements.all(), term.expressions) {
            if hits == 0 {
                return 0;
            }
            let test = r.test(values, |v| span(v, r.values), &self.strings);
            hits &= self.test_column(slots, start, r.slot.0, r.key, test);
        }
        for f in span(self.fields.all(), term.fields) {
            hits &= column(slots, |n| f.matches(n.name));
        }
        hits
    }

    /// The nodes in `slots` (ids from `start` on) whose value of `key` (kept in
    /// row slot `slot`) passes `test`: one loop for each kind of test, so that no
    /// loop looks at the operator again.
    #[cfg(not(feature = "compact"))]
    #[inline(always)]
    fn test_column(
        &self,
        slots: &[Option<Node>],
        start: usize,
        slot: u8,
        key: Sym,
        test: ValueTest<'_>,
    ) -> u64 {
        let strings = &self.strings;
        match test {
            ValueTest::Listed(t) => self.key_column(slots, start, slot, key, |v| t.holds(v)),
            ValueTest::Present(t) => self.key_column(slots, start, slot, key, |v| t.holds(v)),
            ValueTest::Compare(t) => {
                self.key_column(slots, start, slot, key, |v| t.holds(v, strings))
            }
            // Rare: decided by the one `holds`, not answered again here.
            never @ ValueTest::Never => {
                self.key_column(slots, start, slot, key, |v| never.holds(v, strings))
            }
        }
    }

    /// The nodes in `slots` (ids from `start` on) whose value of `key` (kept in
    /// row slot `slot`) satisfies `holds`, read from the key's column; bits of
    /// free slots are left for the caller to clear. A node whose cell is unknown
    /// is looked up as [`evaluate_fit`](Self::evaluate_fit) looks it up.
    #[cfg(not(feature = "compact"))]
    #[inline(always)]
    fn key_column(
        &self,
        slots: &[Option<Node>],
        start: usize,
        slot: u8,
        key: Sym,
        holds: impl Fn(Sym) -> bool,
    ) -> u64 {
        let looked_up = || column(slots, |n| holds(self.node_value(n, slot, key)));
        let Some(cells) = self.node_columns.cells(slot, start, slots.len()) else {
            return looked_up();
        };
        let cells = cells.get(..FIT_BLOCK).unwrap_or(cells);
        let (mut bits, mut unknown) = (0u64, 0u64);
        // From the last cell down, as `pack` does.
        for &cell in cells.iter().rev() {
            bits = (bits << 1) | u64::from(holds(cell));
            unknown = (unknown << 1) | u64::from(cell == FAR);
        }
        if unknown != 0 {
            bits = (bits & !unknown) | (looked_up() & unknown);
        }
        bits
    }

    /// `fits` (the nodes that pass every other rule) with the taint rule applied:
    /// only nodes whose taints may keep a daemon pod off are looked at, one by one.
    #[cfg(not(feature = "compact"))]
    #[inline(always)]
    fn taint_column(
        &self,
        set: &DaemonSet,
        slots: &[Option<Node>],
        fits: u64,
        mut tainted: u64,
    ) -> FitBlock {
        let mut block = FitBlock {
            run: fits,
            stay: fits,
        };
        while tainted != 0 {
            let i = tainted.trailing_zeros() as usize;
            tainted &= tainted - 1;
            if let Some(Some(node)) = slots.get(i) {
                let fit = self.taint_fit(set, node);
                let bit = 1u64 << i;
                if !fit.should_run {
                    block.run &= !bit;
                }
                if !fit.should_continue_running {
                    block.stay &= !bit;
                }
            }
        }
        block
    }
}

#[cfg(all(test, not(feature = "compact")))]
mod tests {
    use super::*;

    #[test]
    fn flag_column_gathers_one_bit_per_node() {
        // Every pattern of 0..=64 flags, with the other flag bits set as noise.
        let mut flags = [0u8; 64];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..=64 {
            for _ in 0..50 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mut want = (0, 0);
                for (i, f) in flags.iter_mut().enumerate() {
                    *f = (x.rotate_left(i as u32) & 0xff) as u8;
                    if i < len {
                        want.0 |= u64::from(*f & PRESENT != 0) << i;
                        want.1 |= u64::from(*f & MAY_BLOCK != 0) << i;
                    }
                }
                let got = (
                    flag_column(&flags[..len], PRESENT),
                    flag_column(&flags[..len], MAY_BLOCK),
                );
                assert_eq!(got, want, "{len} flags {flags:?}");
            }
        }
    }

    #[test]
    fn pack_puts_entry_i_on_bit_i() {
        let entries: [u32; 70] = core::array::from_fn(|i| i as u32);
        assert_eq!(pack(&entries[..0], |_| true), 0);
        assert_eq!(pack(&entries[..3], |&e| e != 1), 0b101);
        assert_eq!(pack(&entries, |&e| e % 2 == 0), 0x5555_5555_5555_5555);
        assert_eq!(pack(&entries, |_| true), u64::MAX);
    }
}
