//! The snapshot payload's value encoding: postcard's wire format (varints,
//! zigzag for signed integers, a byte for `bool` and `u8`, a tag byte for
//! `Option`, a varint variant index for enums, struct fields in order), written
//! and read by one field list per stored type ([`Code`]) instead of serde's
//! derived code.
//!
//! Why: with serde, every type's encoder and decoder was generated and inlined
//! into the snapshot calls, which made the snapshot code a quarter of the
//! firmware build's `.text`. Here each type lists its fields once, for writing
//! and reading alike, and the integer encodings exist once. The bytes are
//! postcard's, as the snapshot format defines them (the tests compare both on
//! every type, and the golden snapshot pins them).

use crate::affinity::{FieldRequirement, Term, TermProblem};
use crate::engine::{DaemonSet, Node, SetId};
use crate::error::{Error, Result};
use crate::intern::Sym;
use crate::keys::{KeyRow, KeySlot};
use crate::label::Label;
use crate::pod::{Pod, PodPhase};
use crate::selector::{Operator, Requirement};
use crate::snapshot::SnapshotError;
use crate::sync::backoff::BackoffEntry;
use crate::sync::expectations::Expectations;
use crate::sync::intorstr::IntOrPercent;
use crate::sync::time::Timestamp;
use crate::sync::UpdateStrategy;
use crate::table::Span;
use crate::taint::{Taint, TaintEffect, TaintRow, Toleration, TolerationOperator};

/// Where a [`Codec`] writes to or reads from.
enum Io<'a> {
    Write(&'a mut [u8]),
    Read(&'a [u8]),
}

/// Writes values into, or reads them from, a buffer at a position.
///
/// A failure (no room to write, no bytes left to read, a value that does not
/// decode) is remembered rather than returned from every field: after it, writes
/// and reads do nothing and values read are garbage, and [`finish`](Self::finish)
/// reports it. So a type's field list is straight-line code.
pub(crate) struct Codec<'a> {
    io: Io<'a>,
    pos: usize,
    failed: bool,
}

impl<'a> Codec<'a> {
    /// A codec that writes into `buf` from its start.
    pub(crate) fn writer(buf: &'a mut [u8]) -> Self {
        Codec {
            io: Io::Write(buf),
            pos: 0,
            failed: false,
        }
    }

    /// A codec that reads `bytes` from their start.
    pub(crate) fn reader(bytes: &'a [u8]) -> Self {
        Codec {
            io: Io::Read(bytes),
            pos: 0,
            failed: false,
        }
    }

    /// Bytes written or read so far, or the failure: a buffer too small when
    /// writing, a payload that does not decode when reading.
    pub(crate) fn finish(&self) -> Result<usize> {
        match (&self.io, self.failed) {
            (_, false) => Ok(self.pos),
            (Io::Write(_), true) => Err(Error::Snapshot(SnapshotError::BufferTooSmall)),
            (Io::Read(_), true) => Err(Error::Snapshot(SnapshotError::Corrupt)),
        }
    }

    fn reading(&self) -> bool {
        matches!(self.io, Io::Read(_))
    }

    fn fail(&mut self) {
        self.failed = true;
    }

    #[inline(never)]
    fn byte(&mut self, b: &mut u8) {
        if self.failed {
            return;
        }
        let at = self.pos;
        let ok = match &mut self.io {
            Io::Write(buf) => buf.get_mut(at).map(|x| *x = *b).is_some(),
            Io::Read(bytes) => bytes.get(at).map(|x| *b = *x).is_some(),
        };
        if ok {
            self.pos += 1;
        } else {
            self.fail();
        }
    }

    /// An unsigned varint of at most `max_len` bytes whose last byte is at most
    /// `last_max` (postcard's bounds for the integer's width).
    #[inline(never)]
    fn varint(&mut self, v: &mut u64, max_len: u32, last_max: u8) {
        if !self.reading() {
            let mut n = *v;
            loop {
                let mut b = (n & 0x7F) as u8;
                n >>= 7;
                if n != 0 {
                    b |= 0x80;
                }
                self.byte(&mut b);
                if n == 0 {
                    return;
                }
            }
        }
        let mut out = 0u64;
        for i in 0..max_len {
            let mut b = 0;
            self.byte(&mut b);
            out |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                if i == max_len - 1 && b > last_max {
                    break;
                }
                *v = out;
                return;
            }
        }
        self.fail();
    }

    pub(crate) fn u8(&mut self, v: &mut u8) {
        self.byte(v);
    }

    #[inline(never)]
    pub(crate) fn bool(&mut self, v: &mut bool) {
        let mut b = u8::from(*v);
        self.byte(&mut b);
        match b {
            0 => *v = false,
            1 => *v = true,
            _ => self.fail(),
        }
    }

    #[inline(never)]
    pub(crate) fn u16(&mut self, v: &mut u16) {
        let mut x = u64::from(*v);
        self.varint(&mut x, 3, 0b11);
        *v = x as u16;
    }

    #[inline(never)]
    pub(crate) fn u32(&mut self, v: &mut u32) {
        let mut x = u64::from(*v);
        self.varint(&mut x, 5, 0b1111);
        *v = x as u32;
    }

    #[inline(never)]
    fn i32(&mut self, v: &mut i32) {
        let mut z = ((*v << 1) ^ (*v >> 31)) as u32;
        self.u32(&mut z);
        *v = ((z >> 1) as i32) ^ -((z & 1) as i32);
    }

    #[inline(never)]
    fn i64(&mut self, v: &mut i64) {
        let mut z = ((*v << 1) ^ (*v >> 63)) as u64;
        self.varint(&mut z, 10, 1);
        *v = ((z >> 1) as i64) ^ -((z & 1) as i64);
    }

    /// An enum's variant index: refused when not below `variants`.
    #[inline(never)]
    fn tag(&mut self, v: &mut u32, variants: u32) {
        self.u32(v);
        if *v >= variants {
            self.fail();
            *v = 0;
        }
    }

    /// A value of a stored type.
    pub(crate) fn code<T: Code>(&mut self, v: &mut T) {
        v.code(self);
    }

    /// An `Option` of a stored type.
    pub(crate) fn option<T: Code>(&mut self, v: &mut Option<T>) {
        let mut some = v.is_some();
        self.bool(&mut some);
        if !some || self.failed {
            *v = None;
            return;
        }
        v.get_or_insert_with(T::blank).code(self);
    }
}

/// A type of the snapshot payload: its fields, in order, for both directions.
pub(crate) trait Code {
    /// The value reading starts from (fields a snapshot does not hold keep it).
    fn blank() -> Self
    where
        Self: Sized;
    /// Writes the fields, or reads them into `self`.
    fn code(&mut self, c: &mut Codec<'_>);
}

impl Code for u32 {
    fn blank() -> Self {
        0
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.u32(self)
    }
}

impl Code for i64 {
    fn blank() -> Self {
        0
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.i64(self)
    }
}

impl Code for Sym {
    fn blank() -> Self {
        Sym(0)
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.u32(&mut self.0)
    }
}

impl Code for Timestamp {
    fn blank() -> Self {
        Timestamp(0)
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.i64(&mut self.0)
    }
}

impl Code for Span {
    fn blank() -> Self {
        Span::default()
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.u32(&mut self.start);
        c.u32(&mut self.len)
    }
}

impl Code for Label {
    fn blank() -> Self {
        Label {
            key: Sym(0),
            value: Sym(0),
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.key);
        c.code(&mut self.value)
    }
}

impl Code for TaintEffect {
    fn blank() -> Self {
        TaintEffect::Unset
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        let mut tag = match self {
            TaintEffect::Unset => 0,
            TaintEffect::NoSchedule => 1,
            TaintEffect::PreferNoSchedule => 2,
            TaintEffect::NoExecute => 3,
            TaintEffect::Other(_) => 4,
        };
        c.tag(&mut tag, 5);
        if c.reading() {
            *self = match tag {
                0 => TaintEffect::Unset,
                1 => TaintEffect::NoSchedule,
                2 => TaintEffect::PreferNoSchedule,
                3 => TaintEffect::NoExecute,
                _ => TaintEffect::Other(Sym(0)),
            };
        }
        if let TaintEffect::Other(s) = self {
            c.code(s);
        }
    }
}

impl Code for Taint {
    fn blank() -> Self {
        Taint {
            key: Sym(0),
            value: Sym(0),
            effect: TaintEffect::Unset,
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.key);
        c.code(&mut self.value);
        c.code(&mut self.effect)
    }
}

impl Code for TolerationOperator {
    fn blank() -> Self {
        TolerationOperator::Unset
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        let mut tag = match self {
            TolerationOperator::Unset => 0,
            TolerationOperator::Equal => 1,
            TolerationOperator::Exists => 2,
            TolerationOperator::Gt => 3,
            TolerationOperator::Lt => 4,
            TolerationOperator::Other(_) => 5,
        };
        c.tag(&mut tag, 6);
        if c.reading() {
            *self = match tag {
                0 => TolerationOperator::Unset,
                1 => TolerationOperator::Equal,
                2 => TolerationOperator::Exists,
                3 => TolerationOperator::Gt,
                4 => TolerationOperator::Lt,
                _ => TolerationOperator::Other(Sym(0)),
            };
        }
        if let TolerationOperator::Other(s) = self {
            c.code(s);
        }
    }
}

impl Code for Toleration {
    fn blank() -> Self {
        Toleration {
            key: Sym(0),
            operator: TolerationOperator::Unset,
            value: Sym(0),
            effect: TaintEffect::Unset,
            toleration_seconds: None,
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.key);
        c.code(&mut self.operator);
        c.code(&mut self.value);
        c.code(&mut self.effect);
        c.option(&mut self.toleration_seconds)
    }
}

impl Code for Operator {
    fn blank() -> Self {
        Operator::In
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        const ALL: [Operator; 9] = [
            Operator::In,
            Operator::NotIn,
            Operator::Exists,
            Operator::DoesNotExist,
            Operator::Equals,
            Operator::DoubleEquals,
            Operator::NotEquals,
            Operator::GreaterThan,
            Operator::LessThan,
        ];
        let mut tag = ALL.iter().position(|o| o == self).unwrap_or(0) as u32;
        c.tag(&mut tag, 9);
        *self = ALL.get(tag as usize).copied().unwrap_or(Operator::In);
    }
}

impl Code for Requirement {
    fn blank() -> Self {
        Requirement {
            key: Sym(0),
            operator: Operator::In,
            values: Span::default(),
            slot: KeySlot::default(),
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.key);
        c.code(&mut self.operator);
        c.code(&mut self.values)
    }
}

impl Code for TermProblem {
    fn blank() -> Self {
        TermProblem::UnknownOperator { index: 0 }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        let (mut tag, mut index) = match *self {
            TermProblem::UnknownOperator { index } => (0, index),
            TermProblem::InvalidExpression { index } => (1, index),
            TermProblem::InvalidField { index } => (2, index),
        };
        c.tag(&mut tag, 3);
        c.u16(&mut index);
        *self = match tag {
            0 => TermProblem::UnknownOperator { index },
            1 => TermProblem::InvalidExpression { index },
            _ => TermProblem::InvalidField { index },
        };
    }
}

impl Code for Term {
    fn blank() -> Self {
        Term {
            index: 0,
            expressions: Span::default(),
            fields: Span::default(),
            problem: None,
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.u16(&mut self.index);
        c.code(&mut self.expressions);
        c.code(&mut self.fields);
        c.option(&mut self.problem)
    }
}

impl Code for FieldRequirement {
    fn blank() -> Self {
        FieldRequirement {
            field: Sym(0),
            is_name: false,
            equal: false,
            value: Sym(0),
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.field);
        c.bool(&mut self.is_name);
        c.bool(&mut self.equal);
        c.code(&mut self.value)
    }
}

impl Code for Node {
    fn blank() -> Self {
        Node {
            name: Sym(0),
            labels: Span::default(),
            keys: KeyRow::default(),
            taints: Span::default(),
            taint_row: TaintRow::default(),
            unschedulable: false,
            version: 0,
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.name);
        c.code(&mut self.labels);
        c.code(&mut self.taints);
        c.bool(&mut self.unschedulable)
    }
}

impl Code for IntOrPercent {
    fn blank() -> Self {
        IntOrPercent::Invalid
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        let (mut tag, mut n) = match *self {
            IntOrPercent::Int(n) => (0, n),
            IntOrPercent::Percent(n) => (1, n),
            IntOrPercent::Invalid => (2, 0),
        };
        c.tag(&mut tag, 3);
        if tag < 2 {
            c.i64(&mut n);
        }
        *self = match tag {
            0 => IntOrPercent::Int(n),
            1 => IntOrPercent::Percent(n),
            _ => IntOrPercent::Invalid,
        };
    }
}

impl Code for UpdateStrategy {
    fn blank() -> Self {
        UpdateStrategy::OnDelete
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        let mut tag = match self {
            UpdateStrategy::OnDelete => 0,
            UpdateStrategy::RollingUpdate { .. } => 1,
            UpdateStrategy::Other => 2,
        };
        c.tag(&mut tag, 3);
        if c.reading() {
            *self = match tag {
                0 => UpdateStrategy::OnDelete,
                1 => UpdateStrategy::RollingUpdate {
                    max_unavailable: IntOrPercent::Invalid,
                    max_surge: IntOrPercent::Invalid,
                },
                _ => UpdateStrategy::Other,
            };
        }
        if let UpdateStrategy::RollingUpdate {
            max_unavailable,
            max_surge,
        } = self
        {
            c.code(max_unavailable);
            c.code(max_surge);
        }
    }
}

impl Code for DaemonSet {
    fn blank() -> Self {
        DaemonSet {
            name: Sym(0),
            namespace: Sym(0),
            uid: Sym(0),
            selector: None,
            template_labels: Span::default(),
            node_selector: Span::default(),
            affinity: None,
            affinity_terms_written: 0,
            tolerations: Span::default(),
            automatic_tolerations: 0,
            node_name: Sym(0),
            host_network: false,
            generation: 0,
            observed_generation: 0,
            deleting: false,
            update_strategy: UpdateStrategy::OnDelete,
            min_ready_seconds: 0,
            revision_hash: Sym(0),
            template_generation: None,
            template_generation_label: Sym(0),
            version: 0,
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.name);
        c.code(&mut self.namespace);
        c.code(&mut self.uid);
        c.option(&mut self.selector);
        c.code(&mut self.template_labels);
        c.code(&mut self.node_selector);
        c.option(&mut self.affinity);
        c.u16(&mut self.affinity_terms_written);
        c.code(&mut self.tolerations);
        c.u8(&mut self.automatic_tolerations);
        c.code(&mut self.node_name);
        c.bool(&mut self.host_network);
        c.i64(&mut self.generation);
        c.i64(&mut self.observed_generation);
        c.bool(&mut self.deleting);
        c.code(&mut self.update_strategy);
        c.i32(&mut self.min_ready_seconds);
        c.code(&mut self.revision_hash);
        c.option(&mut self.template_generation);
        c.code(&mut self.template_generation_label)
    }
}

impl Code for PodPhase {
    fn blank() -> Self {
        PodPhase::Pending
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        const ALL: [PodPhase; 6] = [
            PodPhase::Pending,
            PodPhase::Running,
            PodPhase::Succeeded,
            PodPhase::Failed,
            PodPhase::Unknown,
            PodPhase::Other,
        ];
        let mut tag = ALL.iter().position(|p| p == self).unwrap_or(0) as u32;
        c.tag(&mut tag, 6);
        *self = ALL.get(tag as usize).copied().unwrap_or(PodPhase::Pending);
    }
}

impl Code for Pod {
    fn blank() -> Self {
        Pod {
            name: Sym(0),
            namespace: Sym(0),
            uid: Sym(0),
            labels: Span::default(),
            controller_uid: None,
            node_name: Sym(0),
            target_node: None,
            phase: PodPhase::Pending,
            ready: false,
            ready_since: None,
            deleting: false,
            created: Timestamp(0),
            revision_hash: Sym(0),
            template_generation: Sym(0),
            controller_name: Sym(0),
            controller_is_daemon_set: false,
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.code(&mut self.name);
        c.code(&mut self.namespace);
        c.code(&mut self.uid);
        c.code(&mut self.labels);
        c.option(&mut self.controller_uid);
        c.code(&mut self.node_name);
        c.option(&mut self.target_node);
        c.code(&mut self.phase);
        c.bool(&mut self.ready);
        c.option(&mut self.ready_since);
        c.bool(&mut self.deleting);
        c.code(&mut self.created);
        c.code(&mut self.revision_hash);
        c.code(&mut self.template_generation);
        c.code(&mut self.controller_name);
        c.bool(&mut self.controller_is_daemon_set)
    }
}

impl Code for Expectations {
    fn blank() -> Self {
        Expectations {
            creates: 0,
            deletes: 0,
            set_at: Timestamp(0),
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.i64(&mut self.creates);
        c.i64(&mut self.deletes);
        c.code(&mut self.set_at)
    }
}

impl Code for BackoffEntry {
    fn blank() -> Self {
        BackoffEntry {
            set: SetId(0),
            observed_generation: 0,
            node: Sym(0),
            delay: 0,
            last_update: Timestamp(0),
        }
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.u32(&mut self.set.0);
        c.i64(&mut self.observed_generation);
        c.code(&mut self.node);
        c.i64(&mut self.delay);
        c.code(&mut self.last_update)
    }
}

impl<T: Code> Code for Option<T> {
    fn blank() -> Self {
        None
    }
    fn code(&mut self, c: &mut Codec<'_>) {
        c.option(self)
    }
}

#[cfg(test)]
mod tests {
    //! The codec against postcard itself: the same bytes for every type and
    //! variant, and the same answer (value and length, or a refusal) for
    //! damaged bytes.
    use super::*;
    use serde::{de::DeserializeOwned, Serialize};

    fn ours<T: Code + Copy>(v: &T) -> ([u8; 256], usize) {
        let mut buf = [0u8; 256];
        let mut copy = *v;
        let mut c = Codec::writer(&mut buf);
        copy.code(&mut c);
        let n = c.finish().unwrap();
        (buf, n)
    }

    fn read<T: Code>(bytes: &[u8]) -> Option<(T, usize)> {
        let mut v = T::blank();
        let mut c = Codec::reader(bytes);
        v.code(&mut c);
        c.finish().ok().map(|n| (v, n))
    }

    /// Same bytes as postcard; postcard's bytes read back to the same bytes; every
    /// damaged copy (one byte changed, or cut short) read alike by both.
    fn check<T: Code + Copy + Serialize + DeserializeOwned>(v: T) {
        let mut theirs = [0u8; 256];
        let theirs = postcard::to_slice(&v, &mut theirs).unwrap();
        let (buf, n) = ours(&v);
        assert_eq!(&buf[..n], &theirs[..], "{}", core::any::type_name::<T>());
        let mut bytes = [0u8; 256];
        bytes[..n].copy_from_slice(theirs);
        let mut seed = 0x9E37_79B9_u32 ^ n as u32;
        for round in 0..400 {
            let mut damaged = bytes;
            let len = if round % 5 == 0 { round % (n + 1) } else { n };
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let at = seed as usize % n.max(1);
            damaged[at] = (seed >> 8) as u8;
            let pc = postcard::take_from_bytes::<T>(&damaged[..len]);
            let mine = read::<T>(&damaged[..len]);
            match (pc, mine) {
                (Ok((a, rest)), Some((b, used))) => {
                    assert_eq!(len - rest.len(), used);
                    let mut x = [0u8; 256];
                    let x = postcard::to_slice(&a, &mut x).unwrap();
                    let (y, m) = ours(&b);
                    assert_eq!(x, &y[..m]);
                }
                (Err(_), None) => {}
                (a, b) => panic!(
                    "{}: postcard {:?}, codec {:?} on {:?}",
                    core::any::type_name::<T>(),
                    a.map(|(_, r)| r.len()),
                    b.map(|(_, u)| u),
                    &damaged[..len]
                ),
            }
        }
    }

    const BIG: [i64; 6] = [0, 1, -1, 63, -64, i64::MIN];

    #[test]
    fn every_type_is_written_and_read_as_postcard_does() {
        let s = |n| Sym(n);
        let span = Span { start: 3, len: 200 };
        check(Sym(u32::MAX));
        check(12345u32);
        for n in BIG.into_iter().chain([i64::MAX]) {
            check(n);
            check(Timestamp(n));
        }
        check(Label {
            key: s(1),
            value: s(300),
        });
        for effect in [
            TaintEffect::Unset,
            TaintEffect::NoSchedule,
            TaintEffect::PreferNoSchedule,
            TaintEffect::NoExecute,
            TaintEffect::Other(s(70_000)),
        ] {
            check(Taint {
                key: s(2),
                value: Sym::EMPTY,
                effect,
            });
            for operator in [
                TolerationOperator::Unset,
                TolerationOperator::Equal,
                TolerationOperator::Exists,
                TolerationOperator::Gt,
                TolerationOperator::Lt,
                TolerationOperator::Other(s(9)),
            ] {
                for toleration_seconds in [None, Some(-5), Some(i64::MAX)] {
                    check(Toleration {
                        key: s(4),
                        operator,
                        value: s(5),
                        effect,
                        toleration_seconds,
                    });
                }
            }
        }
        for operator in [
            Operator::In,
            Operator::NotIn,
            Operator::Exists,
            Operator::DoesNotExist,
            Operator::Equals,
            Operator::DoubleEquals,
            Operator::NotEquals,
            Operator::GreaterThan,
            Operator::LessThan,
        ] {
            let mut r = Requirement::blank();
            r.key = s(8);
            r.operator = operator;
            r.values = span;
            check(r);
        }
        for problem in [
            None,
            Some(TermProblem::UnknownOperator { index: 0 }),
            Some(TermProblem::InvalidExpression { index: 300 }),
            Some(TermProblem::InvalidField { index: u16::MAX }),
        ] {
            check(Term {
                index: 7,
                expressions: span,
                fields: Span::default(),
                problem,
            });
        }
        check(FieldRequirement {
            field: s(1),
            is_name: true,
            equal: false,
            value: s(128),
        });
        let mut node = Node::blank();
        node.name = s(3);
        node.labels = span;
        node.unschedulable = true;
        check(node);
        check(Some(node));
        check(None::<Node>);
        let strategies = [
            UpdateStrategy::OnDelete,
            UpdateStrategy::Other,
            UpdateStrategy::RollingUpdate {
                max_unavailable: IntOrPercent::Int(1),
                max_surge: IntOrPercent::Percent(25),
            },
            UpdateStrategy::RollingUpdate {
                max_unavailable: IntOrPercent::Invalid,
                max_surge: IntOrPercent::Int(i64::MIN),
            },
        ];
        for (i, update_strategy) in strategies.into_iter().enumerate() {
            let mut ds = DaemonSet::blank();
            ds.name = s(10);
            ds.namespace = s(11);
            ds.uid = s(1 << 20);
            ds.selector = (i % 2 == 0).then_some(span);
            ds.affinity = (i % 2 == 1).then_some(span);
            ds.affinity_terms_written = 300;
            ds.automatic_tolerations = 0xFF;
            ds.host_network = true;
            ds.generation = BIG[i];
            ds.observed_generation = -BIG[i + 1];
            ds.update_strategy = update_strategy;
            ds.min_ready_seconds = [0, -1, i32::MAX, i32::MIN][i];
            ds.template_generation = (i != 2).then_some(BIG[i + 2]);
            ds.template_generation_label = Sym::EMPTY;
            check(ds);
            check(Some(ds));
        }
        for (i, phase) in [
            PodPhase::Pending,
            PodPhase::Running,
            PodPhase::Succeeded,
            PodPhase::Failed,
            PodPhase::Unknown,
            PodPhase::Other,
        ]
        .into_iter()
        .enumerate()
        {
            let mut pod = Pod::blank();
            pod.name = s(20);
            pod.labels = span;
            pod.controller_uid = (i % 2 == 0).then_some(s(21));
            pod.target_node = (i % 3 == 0).then_some(s(22));
            pod.phase = phase;
            pod.ready = i % 2 == 1;
            pod.ready_since = (i > 2).then_some(Timestamp(1_700_000_000));
            pod.created = Timestamp(BIG[i]);
            pod.controller_is_daemon_set = true;
            check(pod);
            check(Some(pod));
        }
        check(Some(Expectations {
            creates: 3,
            deletes: -2,
            set_at: Timestamp(1_700_000_000),
        }));
        check(None::<Expectations>);
        check(BackoffEntry {
            set: SetId(15),
            observed_generation: 4,
            node: s(2),
            delay: 300,
            last_update: Timestamp(-1),
        });
    }

    #[test]
    fn a_buffer_too_small_is_named_so() {
        let mut buf = [0u8; 2];
        let mut c = Codec::writer(&mut buf);
        c.u32(&mut 1_000_000);
        assert_eq!(
            c.finish(),
            Err(Error::Snapshot(SnapshotError::BufferTooSmall))
        );
    }
}
