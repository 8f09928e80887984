//! One-off questions about objects that are not stored: does this selector match
//! these labels, does this toleration tolerate this taint. Each interns what it needs,
//! answers with the same functions the engine uses for stored objects, and undoes
//! every change before returning, so the engine is left exactly as it was.

use crate::engine::{Engine, SetId};
use crate::error::{Error, Field, Result, Table};
use crate::input::{LabelInput, LabelSelectorInput, TaintInput, TolerationInput};
use crate::label::Labels;
use crate::selector::syntax::ParsedSelector;
use crate::taint::{find_untolerated, TaintEffect};

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

    /// Whether the DaemonSet's `spec.selector` selects an object with `labels`. A nil
    /// selector selects nothing; an empty one selects everything.
    pub fn selector_matches(&mut self, set: SetId, labels: &[LabelInput<'_>]) -> Result<bool> {
        let selector = self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?
            .selector;
        self.scratch(|e| {
            let span = e.push_labels(labels)?;
            let labels = Labels::sorted(e.labels.get(span));
            Ok(selector.is_some_and(|s| e.selector_span_matches(s, labels)))
        })
    }

    /// Whether a label selector (not stored) selects an object with `labels`;
    /// [`Error::Requirement`] when the selector is invalid.
    pub fn label_selector_matches(
        &mut self,
        selector: &LabelSelectorInput<'_>,
        labels: &[LabelInput<'_>],
    ) -> Result<bool> {
        self.scratch(|e| {
            let selector = e.compile_label_selector(selector)?;
            let span = e.push_labels(labels)?;
            let labels = Labels::sorted(e.labels.get(span));
            Ok(e.selector_span_matches(selector, labels))
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
        self.scratch(|e| {
            let mark = e.requirements.mark();
            for (key, op, values) in parsed.requirements() {
                e.push_requirement(key, op, values)?;
            }
            let selector = e.requirements.since(mark);
            let span = e.push_labels(labels)?;
            let labels = Labels::sorted(e.labels.get(span));
            Ok(e.selector_span_matches(selector, labels))
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
    pub fn tolerates(
        &mut self,
        toleration: &TolerationInput<'_>,
        taint: &TaintInput<'_>,
    ) -> Result<bool> {
        self.scratch(|e| {
            let tol = e.compile_toleration(toleration)?;
            let taint = e.compile_taint(taint)?;
            Ok(tol.tolerates(&taint, e.comparisons()))
        })
    }

    /// The index of the first taint, among those whose effect is in `effects`
    /// (all when `None`), that no toleration tolerates: upstream's
    /// `FindMatchingUntoleratedTaint`.
    pub fn find_untolerated_taint(
        &mut self,
        taints: &[TaintInput<'_>],
        tolerations: &[TolerationInput<'_>],
        effects: Option<&[&str]>,
    ) -> Result<Option<usize>> {
        self.scratch(|e| {
            let tmark = e.taints.mark();
            for t in taints {
                let t = e.compile_taint(t)?;
                e.taints.push(t)?;
            }
            let tspan = e.taints.since(tmark);
            let mark = e.tolerations.mark();
            for t in tolerations {
                let t = e.compile_toleration(t)?;
                e.tolerations.push(t)?;
            }
            let tols = e.tolerations.get(e.tolerations.since(mark));
            let mut wanted = [TaintEffect::Unset; 8];
            let mut n = 0usize;
            let filter = match effects {
                None => None,
                Some(list) => {
                    for s in list {
                        // A non-standard effect that no taint carries filters nothing in.
                        let Some(eff) = TaintEffect::classify(s, || e.strings.get(s)) else {
                            continue;
                        };
                        let slot = wanted.get_mut(n).ok_or(Error::Full {
                            table: Table::Output,
                            capacity: 8,
                        })?;
                        *slot = eff;
                        n += 1;
                    }
                    Some(wanted.get(..n).unwrap_or(&[]))
                }
            };
            let all = e.taints.get(tspan);
            let found = find_untolerated(all, tols, e.comparisons(), |eff| {
                filter.is_none_or(|f| f.contains(&eff))
            });
            Ok(found.and_then(|t| all.iter().position(|x| core::ptr::eq(x, t))))
        })
    }

    pub(crate) fn compile_taint(&mut self, t: &TaintInput<'_>) -> Result<crate::taint::Taint> {
        let key = self.intern(t.key, Field::Taint)?;
        let value = self.intern(t.value, Field::Taint)?;
        let effect = self.effect(t.effect, Field::Taint)?;
        Ok(crate::taint::Taint { key, value, effect })
    }
}
