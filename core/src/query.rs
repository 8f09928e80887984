//! One-off questions about objects that are not stored: does this selector match
//! these labels, does this toleration tolerate this taint. Each answers with the
//! same functions the engine uses for stored objects. The questions about a
//! stored selector and about taints and tolerations read the engine only
//! (`&self`): text the engine holds is its symbol, and text it does not hold gets
//! a symbol of the question's own (`Local`), which no stored object names, so
//! they never fail for want of room. The others store what they need and undo
//! every change before returning, so the engine is left exactly as it was.

use crate::daemonset::toleration_of;
use crate::engine::{Engine, SetId, STRING_MAX};
use crate::error::{Error, Field, Result};
use crate::input::{LabelInput, LabelSelectorInput, TaintInput, TolerationInput};
use crate::intern::{Interner, Resolve, Sym};
use crate::keys::ABSENT;
use crate::label::Labels;
use crate::node::effect_of;
use crate::selector::syntax::ParsedSelector;
use crate::taint::{Comparisons, Taint};

/// The first symbol of text a question has and the engine does not: above every
/// table's (at most [`crate::intern::STRINGS_MAX`]) and below [`ABSENT`] and
/// [`Sym::EMPTY`].
const LOCAL: u32 = 1 << 30;

/// The strings of a one-off question: the engine's symbol for text it holds, one
/// of the question's own (from [`LOCAL`] on, at most `N`) for text it does not.
/// Equal texts get equal symbols, as interning gives.
struct Local<'a, const N: usize, const STRINGS: usize, const BYTES: usize> {
    held: &'a Interner<STRINGS, BYTES>,
    texts: [&'a str; N],
    len: usize,
}

impl<'a, const N: usize, const STRINGS: usize, const BYTES: usize> Local<'a, N, STRINGS, BYTES> {
    fn new(held: &'a Interner<STRINGS, BYTES>) -> Self {
        Local {
            held,
            texts: [""; N],
            len: 0,
        }
    }

    /// The symbol of `s`; [`Error::TooLong`] as interning it would be.
    fn sym(&mut self, s: &'a str, field: Field) -> Result<Sym> {
        too_long(s, field)?;
        if let Some(sym) = self.held.get(s) {
            return Ok(sym);
        }
        let mine = self.texts.get(..self.len).unwrap_or(&[]);
        let i = match mine.iter().position(|t| *t == s) {
            Some(i) => i,
            None => {
                // `N` is what the question can have: more is a bug.
                *self.texts.get_mut(self.len).ok_or(Error::LogicBug)? = s;
                self.len += 1;
                self.len - 1
            }
        };
        Ok(Sym(LOCAL + i as u32))
    }
}

impl<const N: usize, const STRINGS: usize, const BYTES: usize> Resolve
    for Local<'_, N, STRINGS, BYTES>
{
    fn resolve(&self, sym: Sym) -> &str {
        match sym.0.checked_sub(LOCAL) {
            Some(i) if sym != Sym::EMPTY && sym != ABSENT => {
                self.texts.get(i as usize).copied().unwrap_or("")
            }
            _ => self.held.resolve(sym),
        }
    }
}

/// [`Error::TooLong`] for text longer than any string the engine stores.
fn too_long(s: &str, field: Field) -> Result<()> {
    if s.len() > STRING_MAX {
        return Err(Error::TooLong {
            field,
            max: crate::error::saturating_u32(STRING_MAX),
        });
    }
    Ok(())
}

/// A taint with its strings made symbols by `sym` (key, value, effect).
pub(crate) fn taint_of<'a>(
    t: &TaintInput<'a>,
    sym: &mut impl FnMut(&'a str, Field) -> Result<Sym>,
) -> Result<Taint> {
    let key = sym(t.key, Field::Taint)?;
    let value = sym(t.value, Field::Taint)?;
    let effect = effect_of(t.effect, Field::Taint, sym)?;
    Ok(Taint { key, value, effect })
}

/// Checks every string of a taint as storing it would (too long is an error).
fn check_taint(t: &TaintInput<'_>) -> Result<()> {
    taint_of(t, &mut |s, field| too_long(s, field).map(|()| Sym::EMPTY)).map(|_| ())
}

/// Checks every string of a toleration as storing it would.
fn check_toleration(t: &TolerationInput<'_>) -> Result<()> {
    toleration_of(t, &mut |s, field| too_long(s, field).map(|()| Sym::EMPTY)).map(|_| ())
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
    /// Runs `f` and undoes everything it stored, whatever its outcome.
    fn scratch<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let cp = self.checkpoint();
        let r = f(self);
        self.rollback(cp);
        r
    }

    /// Whether the DaemonSet's `spec.selector` selects an object with `labels`
    /// (a repeated key counts with its last value). A nil selector selects
    /// nothing; an empty one selects everything. Reads the engine only.
    pub fn selector_matches(&self, set: SetId, labels: &[LabelInput<'_>]) -> Result<bool> {
        self.selector_matches_in(set, labels.iter().copied())
    }

    /// [`selector_matches`](Self::selector_matches) of labels given one by one,
    /// as many times as the selector has requirements (a C caller's array, read
    /// in place).
    pub fn selector_matches_in<'l>(
        &self,
        set: SetId,
        labels: impl Iterator<Item = LabelInput<'l>> + Clone,
    ) -> Result<bool> {
        let selector = self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(crate::error::Table::DaemonSets))?
            .selector;
        // Text too long to store is refused, whatever the answer.
        for l in labels.clone() {
            too_long(l.key, Field::LabelKey)?;
            too_long(l.value, Field::LabelValue)?;
        }
        let Some(selector) = selector else {
            return Ok(false);
        };
        for r in self.requirements.get(selector) {
            let key = self.strings.bytes(r.key);
            let value = labels
                .clone()
                .filter(|l| l.key.as_bytes() == key)
                .last()
                .map(|l| l.value);
            let mut local = Local::<1, STRINGS, BYTES>::new(&self.strings);
            let found = match value {
                Some(v) => local.sym(v, Field::LabelValue)?,
                None => ABSENT,
            };
            let values = self.values.get(r.values);
            if !r.holds(found, values, |v| v, &local) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether a label selector (not stored) selects an object with `labels`;
    /// [`Error::Requirement`] when the selector is invalid.
    pub fn label_selector_matches(
        &mut self,
        selector: &LabelSelectorInput<'_>,
        labels: &[LabelInput<'_>],
    ) -> Result<bool> {
        self.with_room(&mut |e| {
            e.scratch(|e| {
                let selector = e.compile_label_selector(selector)?;
                let span = e.push_labels(labels)?;
                let labels = Labels::sorted(e.labels.get(span));
                Ok(e.selector_span_matches(selector, labels))
            })
        })
    }

    /// Whether a `kubectl -l` selector string selects an object with `labels`. The
    /// string is parsed by [`ParsedSelector`] with room for `REQS` requirements and
    /// `VALUES` values; a string that does not parse is [`Error::Parse`].
    ///
    /// ```
    /// use dsr_core::input::LabelInput;
    /// let mut engine = dsr_core::TinyEngine::new();
    /// let labels = [LabelInput { key: "tier", value: "edge" }];
    /// assert_eq!(engine.selector_string_matches::<8, 16>("tier in (edge,core),!gpu", &labels), Ok(true));
    /// assert!(engine.selector_string_matches::<8, 16>("tier in (", &labels).is_err());
    /// ```
    pub fn selector_string_matches<const REQS: usize, const VALUES: usize>(
        &mut self,
        selector: &str,
        labels: &[LabelInput<'_>],
    ) -> Result<bool> {
        let mut parsed = ParsedSelector::<REQS, VALUES>::new();
        parsed.parse_into(selector)?;
        self.with_room(&mut |e| {
            e.scratch(|e| {
                let mark = e.requirements.mark();
                for (key, op, values) in parsed.requirements() {
                    e.push_requirement(key, op, values)?;
                }
                let selector = e.requirements.since(mark);
                let span = e.push_labels(labels)?;
                let labels = Labels::sorted(e.labels.get(span));
                Ok(e.selector_span_matches(selector, labels))
            })
        })
    }

    /// Whether every requirement of a stored selector matches `labels`.
    pub(crate) fn selector_span_matches(
        &self,
        selector: crate::table::Span,
        labels: Labels<'_>,
    ) -> bool {
        self.requirements
            .get(selector)
            .iter()
            .all(|r| r.matches(self.values.get(r.values), labels, &self.strings))
    }

    /// Whether `toleration` tolerates `taint`: upstream's `ToleratesTaint`.
    /// Reads the engine only.
    pub fn tolerates(
        &self,
        toleration: &TolerationInput<'_>,
        taint: &TaintInput<'_>,
    ) -> Result<bool> {
        let mut local = Local::<8, STRINGS, BYTES>::new(&self.strings);
        let tol = toleration_of(toleration, &mut |s, f| local.sym(s, f))?;
        let taint = taint_of(taint, &mut |s, f| local.sym(s, f))?;
        Ok(tol.tolerates(&taint, self.comparisons_in(&local)))
    }

    /// The index of the first taint, among those whose effect is in `effects`
    /// (all when `None`), that no toleration tolerates: upstream's
    /// `FindMatchingUntoleratedTaint`. Reads the engine only: each (taint,
    /// toleration) pair is judged on its own, `O(taints × tolerations)`.
    pub fn find_untolerated_taint(
        &self,
        taints: &[TaintInput<'_>],
        tolerations: &[TolerationInput<'_>],
        effects: Option<&[&str]>,
    ) -> Result<Option<usize>> {
        // Every string is checked first, in the order storing them would.
        for t in taints {
            check_taint(t)?;
        }
        for t in tolerations {
            check_toleration(t)?;
        }
        for (i, t) in taints.iter().enumerate() {
            // Effects are equal exactly when their texts are.
            if effects.is_some_and(|list| !list.contains(&t.effect)) {
                continue;
            }
            let mut tolerated = false;
            for tol in tolerations {
                let mut local = Local::<8, STRINGS, BYTES>::new(&self.strings);
                let taint = taint_of(t, &mut |s, f| local.sym(s, f))?;
                let tol = toleration_of(tol, &mut |s, f| local.sym(s, f))?;
                if tol.tolerates(&taint, self.comparisons_in(&local)) {
                    tolerated = true;
                    break;
                }
            }
            if !tolerated {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// [`comparisons`](Self::comparisons) reading values from `strings`.
    fn comparisons_in<'s, R: Resolve>(&self, strings: &'s R) -> Comparisons<'s> {
        Comparisons::new(
            self.gates
                .enabled(crate::gates::FeatureGate::TaintTolerationComparisonOperators),
            strings,
        )
    }

    pub(crate) fn compile_taint(&mut self, t: &TaintInput<'_>) -> Result<crate::taint::Taint> {
        taint_of(t, &mut |s, field| self.intern(s, field))
    }
}
