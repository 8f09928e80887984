//! DaemonSet spec validation: what the API server checks before it accepts a
//! DaemonSet (upstream `ValidateDaemonSet`, after the `apps/v1` defaults are
//! applied), for the fields dsr reads.
//!
//! Covered: `metadata.name` and `metadata.namespace`; `spec.selector` (present,
//! not empty, valid, matching the template's labels); template labels and
//! `nodeSelector` labels; required node affinity; tolerations; containers (at least
//! one, names unique DNS labels); `restartPolicy`; `activeDeadlineSeconds`;
//! `minReadySeconds`; `revisionHistoryLimit`; `updateStrategy`. Not covered: the rest
//! of the pod spec (volumes, probes, resources, security contexts).

use core::fmt;

use crate::text::put;

use crate::daemonset::{label_selector_operator, node_selector_operator};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::gates::{FeatureGate, FeatureGates};
use crate::input::{
    ContainerInput, DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput,
    NodeSelectorTermInput, TolerationInput,
};
use crate::selector::{parse_i64, validate_requirement, Operator, RequirementProblem};
use crate::validation::{
    validate_dns_label, validate_dns_subdomain, validate_label_key, validate_label_value,
    ValidationError,
};

/// Why a toleration is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TolerationProblem {
    /// The key is not a valid label key.
    Key(ValidationError),
    /// An empty key needs operator `Exists`.
    EmptyKeyNeedsExists,
    /// `tolerationSeconds` is only for effect `NoExecute`.
    SecondsWithoutNoExecute,
    /// An `Equal` value is not a valid label value.
    Value(ValidationError),
    /// `Exists` takes no value.
    ValueWithExists,
    /// The operator is not `Equal` or `Exists` (nor `Gt`/`Lt` with the feature gate
    /// `TaintTolerationComparisonOperators` on).
    Operator,
    /// A `Gt`/`Lt` value is not a canonical decimal integer that fits in an `i64`.
    ComparisonValue(crate::taint::NumberProblem),
    /// The effect is not `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    Effect,
}

/// Why a `maxUnavailable` or `maxSurge` value is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum IntOrPercentProblem {
    /// A negative integer.
    Negative,
    /// A string that is not a percentage like `25%`.
    NotAPercent,
    /// A percentage over 100%.
    OverHundredPercent,
}

/// Which rolling-update field a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RollingUpdateField {
    /// `maxUnavailable`.
    MaxUnavailable,
    /// `maxSurge`.
    MaxSurge,
}

/// The first thing that makes a DaemonSet invalid, each a distinct value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SpecProblem {
    /// `metadata.name` is empty or not a DNS-1123 subdomain.
    Name(ValidationError),
    /// `metadata.namespace` is empty or not a DNS-1123 label.
    Namespace(ValidationError),
    /// `spec.selector` is missing.
    SelectorMissing,
    /// `spec.selector` has no `matchLabels` and no `matchExpressions`.
    SelectorEmpty,
    /// A `spec.selector` requirement is invalid.
    Selector(RequirementProblem),
    /// `spec.selector` does not select the template's labels.
    SelectorDoesNotMatchTemplate,
    /// A template label is invalid.
    TemplateLabel(RequirementProblem),
    /// A `nodeSelector` entry is invalid.
    NodeSelector(RequirementProblem),
    /// Required node affinity has no terms.
    AffinityNoTerms,
    /// A required node-affinity term is invalid.
    AffinityTerm {
        /// Index in `nodeSelectorTerms`.
        term: u32,
    },
    /// A toleration is invalid.
    Toleration {
        /// Index in `tolerations`.
        index: u32,
        /// What is wrong with it.
        problem: TolerationProblem,
    },
    /// The template has no containers.
    NoContainers,
    /// A container name is not a DNS-1123 label.
    ContainerName {
        /// Index in `containers`.
        index: u32,
    },
    /// Two containers share a name.
    DuplicateContainerName {
        /// Index of the second one in `containers`.
        index: u32,
    },
    /// `restartPolicy` is not `Always`.
    RestartPolicy,
    /// `activeDeadlineSeconds` is set.
    ActiveDeadlineSeconds,
    /// `minReadySeconds` is negative.
    MinReadySeconds,
    /// `revisionHistoryLimit` is negative.
    RevisionHistoryLimit,
    /// `updateStrategy.type` is not `RollingUpdate` or `OnDelete`.
    UpdateStrategyType,
    /// A rolling-update value is invalid.
    RollingUpdate {
        /// The field.
        field: RollingUpdateField,
        /// What is wrong with it.
        problem: IntOrPercentProblem,
    },
    /// `maxUnavailable` and `maxSurge` are both non-zero.
    SurgeWithUnavailable,
    /// `maxUnavailable` and `maxSurge` are both zero.
    NoUpdateBudget,
}

impl crate::text::Piece for SpecProblem {
    fn put<W: fmt::Write + ?Sized>(&self, f: &mut W) -> fmt::Result {
        match self {
            SpecProblem::Name(e) => put!(f, "metadata.name: ", *e),
            SpecProblem::Namespace(e) => put!(f, "metadata.namespace: ", *e),
            SpecProblem::SelectorMissing => f.write_str("spec.selector: required"),
            SpecProblem::SelectorEmpty => f.write_str("spec.selector: empty selector is invalid for daemonset"),
            SpecProblem::Selector(p) => put!(f, "spec.selector: ", *p),
            SpecProblem::SelectorDoesNotMatchTemplate => {
                f.write_str("spec.template.metadata.labels: `selector` does not match template `labels`")
            }
            SpecProblem::TemplateLabel(p) => put!(f, "spec.template.metadata.labels: ", *p),
            SpecProblem::NodeSelector(p) => put!(f, "spec.template.spec.nodeSelector: ", *p),
            SpecProblem::AffinityNoTerms => f.write_str(
                "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: must have at least one node selector term",
            ),
            SpecProblem::AffinityTerm { term } => put!(
                f,
                "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[",
                *term,
                "]: invalid"
            ),
            SpecProblem::Toleration { index, problem } => {
                put!(f, "spec.template.spec.tolerations[", *index, "]: ")?;
                problem.write_debug(f)
            }
            SpecProblem::NoContainers => f.write_str("spec.template.spec.containers: required"),
            SpecProblem::ContainerName { index } => {
                put!(f, "spec.template.spec.containers[", *index, "].name: invalid")
            }
            SpecProblem::DuplicateContainerName { index } => {
                put!(f, "spec.template.spec.containers[", *index, "].name: duplicate")
            }
            SpecProblem::RestartPolicy => {
                f.write_str("spec.template.spec.restartPolicy: supported values: \"Always\"")
            }
            SpecProblem::ActiveDeadlineSeconds => f.write_str(
                "spec.template.spec.activeDeadlineSeconds: activeDeadlineSeconds in DaemonSet is not Supported",
            ),
            SpecProblem::MinReadySeconds => {
                f.write_str("spec.minReadySeconds: must be greater than or equal to 0")
            }
            SpecProblem::RevisionHistoryLimit => {
                f.write_str("spec.revisionHistoryLimit: must be greater than or equal to 0")
            }
            SpecProblem::UpdateStrategyType => f.write_str(
                "spec.updateStrategy: supported values: \"RollingUpdate\", \"OnDelete\"",
            ),
            SpecProblem::RollingUpdate { field, problem } => put!(
                f,
                "spec.updateStrategy.rollingUpdate.",
                match field {
                    RollingUpdateField::MaxUnavailable => "maxUnavailable",
                    RollingUpdateField::MaxSurge => "maxSurge",
                },
                ": ",
                match problem {
                    IntOrPercentProblem::Negative => "Negative",
                    IntOrPercentProblem::NotAPercent => "NotAPercent",
                    IntOrPercentProblem::OverHundredPercent => "OverHundredPercent",
                }
            ),
            SpecProblem::SurgeWithUnavailable => f.write_str(
                "spec.updateStrategy.rollingUpdate.maxSurge: may not be set when maxUnavailable is non-zero",
            ),
            SpecProblem::NoUpdateBudget => f.write_str(
                "spec.updateStrategy.rollingUpdate.maxUnavailable: cannot be 0 when maxSurge is 0",
            ),
        }
    }
}

crate::text::display_via_piece!(SpecProblem);

impl TolerationProblem {
    /// Writes what `{:?}` writes (`Key(TooLong { max: 63 })`), without `core::fmt`.
    fn write_debug<W: fmt::Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        let (name, inner) = match self {
            Self::Key(e) => ("Key", Some(e)),
            Self::EmptyKeyNeedsExists => ("EmptyKeyNeedsExists", None),
            Self::SecondsWithoutNoExecute => ("SecondsWithoutNoExecute", None),
            Self::Value(e) => ("Value", Some(e)),
            Self::ValueWithExists => ("ValueWithExists", None),
            Self::Operator => ("Operator", None),
            Self::Effect => ("Effect", None),
            Self::ComparisonValue(p) => {
                w.write_str("ComparisonValue(")?;
                w.write_str(match p {
                    crate::taint::NumberProblem::NotCanonical => "NotCanonical",
                    crate::taint::NumberProblem::OutOfRange => "OutOfRange",
                })?;
                return w.write_str(")");
            }
        };
        w.write_str(name)?;
        if let Some(e) = inner {
            w.write_str("(")?;
            e.write_debug(w)?;
            w.write_str(")")?;
        }
        Ok(())
    }
}

/// A position in a list, for messages. A list of more than `u32::MAX` entries does
/// not fit in memory, so this never saturates in practice.
fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
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
    /// Checks a DaemonSet as the API server would accept it: [`validate_daemon_set`],
    /// and that its selector selects its template's labels, evaluated by the engine's
    /// one selector matcher (with scratch space that is released again).
    ///
    /// An invalid DaemonSet is [`Error::Spec`]; [`Error::Full`] when the scratch
    /// space for the selector check does not fit.
    /// Feature gates are the engine's ([`Engine::feature_gates`]).
    pub fn validate_daemon_set(&mut self, ds: &DaemonSetInput<'_>) -> Result<()> {
        validate_daemon_set_with(ds, self.gates).map_err(Error::Spec)?;
        let selector = ds
            .selector
            .as_ref()
            .ok_or(Error::Spec(SpecProblem::SelectorMissing))?;
        if self.label_selector_matches(selector, ds.template_labels)? {
            Ok(())
        } else {
            Err(Error::Spec(SpecProblem::SelectorDoesNotMatchTemplate))
        }
    }
}

/// Checks a DaemonSet as the API server would accept it, except whether the selector
/// selects the template's labels (a selector evaluation: see
/// [`Engine::validate_daemon_set`]). Absent fields take their
/// `apps/v1` defaults first (`restartPolicy: Always`, `updateStrategy: RollingUpdate`
/// with `maxUnavailable: 1`, `maxSurge: 0`).
///
/// ```
/// use dsr_core::input::{ContainerInput, DaemonSetInput, LabelInput, LabelSelectorInput};
/// use dsr_core::spec::{validate_daemon_set, SpecProblem};
/// let app = [LabelInput { key: "name", value: "fluentd-elasticsearch" }];
/// let mut ds = DaemonSetInput {
///     name: "fluentd-elasticsearch",
///     namespace: "kube-system",
///     selector: Some(LabelSelectorInput { match_labels: &app, match_expressions: &[] }),
///     template_labels: &app,
///     containers: &[ContainerInput { name: "fluentd-elasticsearch" }],
///     ..Default::default()
/// };
/// assert_eq!(validate_daemon_set(&ds), Ok(()));
/// ds.restart_policy = "OnFailure";
/// assert_eq!(validate_daemon_set(&ds), Err(SpecProblem::RestartPolicy));
///
/// let mut engine = dsr_core::TinyEngine::new();
/// ds.restart_policy = "Always";
/// ds.template_labels = &[];
/// assert_eq!(
///     engine.validate_daemon_set(&ds),
///     Err(dsr_core::Error::Spec(SpecProblem::SelectorDoesNotMatchTemplate))
/// );
/// ```
pub fn validate_daemon_set(ds: &DaemonSetInput<'_>) -> core::result::Result<(), SpecProblem> {
    validate_daemon_set_with(ds, FeatureGates::DEFAULT)
}

/// [`validate_daemon_set`] as an API server with feature gates `gates` checks it.
pub fn validate_daemon_set_with(
    ds: &DaemonSetInput<'_>,
    gates: FeatureGates,
) -> core::result::Result<(), SpecProblem> {
    // Both are required before their format matters.
    if ds.name.is_empty() {
        return Err(SpecProblem::Name(ValidationError::Empty));
    }
    validate_dns_subdomain(ds.name).map_err(SpecProblem::Name)?;
    if ds.namespace.is_empty() {
        return Err(SpecProblem::Namespace(ValidationError::Empty));
    }
    validate_dns_label(ds.namespace).map_err(SpecProblem::Namespace)?;
    let selector = ds.selector.as_ref().ok_or(SpecProblem::SelectorMissing)?;
    validate_label_selector(selector)?;
    if selector.match_labels.is_empty() && selector.match_expressions.is_empty() {
        return Err(SpecProblem::SelectorEmpty);
    }
    validate_labels(ds.template_labels).map_err(SpecProblem::TemplateLabel)?;
    validate_labels(ds.node_selector).map_err(SpecProblem::NodeSelector)?;
    if let Some(terms) = ds.required_node_affinity {
        validate_node_selector(terms)?;
    }
    for (i, t) in ds.tolerations.iter().enumerate() {
        validate_toleration_with(t, gates).map_err(|problem| SpecProblem::Toleration {
            index: index(i),
            problem,
        })?;
    }
    validate_containers(ds.containers)?;
    if !matches!(ds.restart_policy, "" | "Always") {
        return Err(SpecProblem::RestartPolicy);
    }
    if ds.active_deadline_seconds.is_some() {
        return Err(SpecProblem::ActiveDeadlineSeconds);
    }
    if ds.min_ready_seconds < 0 {
        return Err(SpecProblem::MinReadySeconds);
    }
    if ds.revision_history_limit.is_some_and(|l| l < 0) {
        return Err(SpecProblem::RevisionHistoryLimit);
    }
    validate_update_strategy(ds)
}

/// `ValidateLabels`: keys are label keys, values label values.
fn validate_labels(labels: &[LabelInput<'_>]) -> core::result::Result<(), RequirementProblem> {
    for l in labels {
        validate_label_key(l.key).map_err(RequirementProblem::Key)?;
        validate_label_value(l.value).map_err(RequirementProblem::Value)?;
    }
    Ok(())
}

/// `ValidateLabelSelector`, which checks what `LabelSelectorAsSelector` needs.
fn validate_label_selector(sel: &LabelSelectorInput<'_>) -> core::result::Result<(), SpecProblem> {
    for l in sel.match_labels {
        validate_requirement(l.key, Operator::Equals, core::iter::once(l.value))
            .map_err(SpecProblem::Selector)?;
    }
    for r in sel.match_expressions {
        let op = label_selector_operator(r.operator)
            .ok_or(SpecProblem::Selector(RequirementProblem::UnknownOperator))?;
        validate_requirement(r.key, op, r.values.iter().copied()).map_err(SpecProblem::Selector)?;
    }
    Ok(())
}

/// `ValidateNodeSelector` for required node affinity.
fn validate_node_selector(
    terms: &[NodeSelectorTermInput<'_>],
) -> core::result::Result<(), SpecProblem> {
    if terms.is_empty() {
        return Err(SpecProblem::AffinityNoTerms);
    }
    for (i, t) in terms.iter().enumerate() {
        let bad = SpecProblem::AffinityTerm { term: index(i) };
        for r in t.match_expressions {
            // `ValidateNodeSelectorRequirement` (v1.33+): every value is a label
            // value, whatever the operator; a `Gt`/`Lt` value is not checked as an
            // integer (a term with `Gt ["abc"]` is accepted and matches nothing).
            let op = node_selector_operator(r.operator).ok_or(bad)?;
            let values_ok = match op {
                Operator::In | Operator::NotIn => !r.values.is_empty(),
                Operator::Exists | Operator::DoesNotExist => r.values.is_empty(),
                _ => r.values.len() == 1,
            };
            if !values_ok
                || validate_label_key(r.key).is_err()
                || r.values.iter().any(|v| validate_label_value(v).is_err())
            {
                return Err(bad);
            }
        }
        for r in t.match_fields {
            let ok = r.key == crate::affinity::NAME_FIELD
                && matches!(r.operator, "In" | "NotIn")
                && r.values.len() == 1
                && r.values.iter().all(|v| validate_dns_subdomain(v).is_ok());
            if !ok {
                return Err(bad);
            }
        }
    }
    Ok(())
}

/// `ValidateTolerations` for one toleration, with upstream's default feature gates.
pub fn validate_toleration(t: &TolerationInput<'_>) -> core::result::Result<(), TolerationProblem> {
    validate_toleration_with(t, FeatureGates::DEFAULT)
}

/// `ValidateTolerations` for one toleration, as an API server with feature gates
/// `gates` checks it: `Gt`/`Lt` are operators only with
/// `TaintTolerationComparisonOperators` on, and then take a canonical decimal
/// integer that fits in an `i64` (see [`decimal_integer`](crate::taint::decimal_integer)).
pub fn validate_toleration_with(
    t: &TolerationInput<'_>,
    gates: FeatureGates,
) -> core::result::Result<(), TolerationProblem> {
    if !t.key.is_empty() {
        validate_label_key(t.key).map_err(TolerationProblem::Key)?;
    }
    if t.key.is_empty() && t.operator != "Exists" {
        return Err(TolerationProblem::EmptyKeyNeedsExists);
    }
    if t.toleration_seconds.is_some() && t.effect != "NoExecute" {
        return Err(TolerationProblem::SecondsWithoutNoExecute);
    }
    match t.operator {
        "" | "Equal" => validate_label_value(t.value).map_err(TolerationProblem::Value)?,
        "Exists" => {
            if !t.value.is_empty() {
                return Err(TolerationProblem::ValueWithExists);
            }
        }
        "Gt" | "Lt" if gates.enabled(FeatureGate::TaintTolerationComparisonOperators) => {
            crate::taint::decimal_integer(t.value).map_err(TolerationProblem::ComparisonValue)?;
        }
        _ => return Err(TolerationProblem::Operator),
    }
    if !matches!(
        t.effect,
        "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute"
    ) {
        return Err(TolerationProblem::Effect);
    }
    Ok(())
}

fn validate_containers(containers: &[ContainerInput<'_>]) -> core::result::Result<(), SpecProblem> {
    if containers.is_empty() {
        return Err(SpecProblem::NoContainers);
    }
    for (i, c) in containers.iter().enumerate() {
        validate_dns_label(c.name).map_err(|_| SpecProblem::ContainerName { index: index(i) })?;
        if containers.iter().take(i).any(|o| o.name == c.name) {
            return Err(SpecProblem::DuplicateContainerName { index: index(i) });
        }
    }
    Ok(())
}

/// A percentage string's value (`IsValidPercent`: digits then `%`).
fn percent(s: &str) -> Option<i64> {
    let digits = s.strip_suffix('%')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Upstream reads the digits with Atoi and treats overflow as 0.
    Some(parse_i64(digits).unwrap_or(0))
}

/// `ValidatePositiveIntOrPercent` and `IsNotMoreThan100Percent`; returns the value
/// upstream compares with zero (`getIntOrPercentValue`).
fn int_or_percent(v: IntOrStringInput<'_>) -> core::result::Result<i64, IntOrPercentProblem> {
    match v {
        IntOrStringInput::Int(i) if i < 0 => Err(IntOrPercentProblem::Negative),
        IntOrStringInput::Int(i) => Ok(i64::from(i)),
        IntOrStringInput::String(s) => match percent(s) {
            None => Err(IntOrPercentProblem::NotAPercent),
            Some(p) if p > 100 => Err(IntOrPercentProblem::OverHundredPercent),
            Some(p) => Ok(p),
        },
    }
}

fn validate_update_strategy(ds: &DaemonSetInput<'_>) -> core::result::Result<(), SpecProblem> {
    let strategy = &ds.update_strategy;
    match strategy.type_ {
        "OnDelete" => Ok(()),
        "" | "RollingUpdate" => {
            let ru = strategy.rolling_update.unwrap_or_default();
            let check = |field, v| {
                int_or_percent(v).map_err(|problem| SpecProblem::RollingUpdate { field, problem })
            };
            let unavailable = check(
                RollingUpdateField::MaxUnavailable,
                ru.max_unavailable.unwrap_or(IntOrStringInput::Int(1)),
            )?;
            let surge = check(
                RollingUpdateField::MaxSurge,
                ru.max_surge.unwrap_or(IntOrStringInput::Int(0)),
            )?;
            match (unavailable != 0, surge != 0) {
                (true, true) => Err(SpecProblem::SurgeWithUnavailable),
                (false, false) => Err(SpecProblem::NoUpdateBudget),
                _ => Ok(()),
            }
        }
        _ => Err(SpecProblem::UpdateStrategyType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{RequirementInput, RollingUpdateInput, UpdateStrategyInput};

    /// The problem texts are written piece by piece (no `core::fmt` on firmware);
    /// they must read exactly as the `format!` they replace.
    #[test]
    fn problem_text_as_format_wrote_it() {
        extern crate std;
        use std::format;
        use std::string::ToString;
        let v = [
            ValidationError::Empty,
            ValidationError::TooLong { max: 63 },
            ValidationError::InvalidFormat,
            ValidationError::TooManySlashes,
            ValidationError::EmptyPrefix,
            ValidationError::PrefixTooLong { max: 253 },
            ValidationError::InvalidPrefix,
        ];
        let mut tolerations = std::vec::Vec::new();
        for e in v {
            tolerations.push(TolerationProblem::Key(e));
            tolerations.push(TolerationProblem::Value(e));
        }
        tolerations.extend([
            TolerationProblem::EmptyKeyNeedsExists,
            TolerationProblem::SecondsWithoutNoExecute,
            TolerationProblem::ValueWithExists,
            TolerationProblem::Operator,
            TolerationProblem::Effect,
            TolerationProblem::ComparisonValue(crate::taint::NumberProblem::NotCanonical),
        ]);
        for (i, problem) in tolerations.into_iter().enumerate() {
            let index = i as u32;
            assert_eq!(
                SpecProblem::Toleration { index, problem }.to_string(),
                format!("spec.template.spec.tolerations[{index}]: {problem:?}")
            );
        }
        for field in [
            RollingUpdateField::MaxUnavailable,
            RollingUpdateField::MaxSurge,
        ] {
            for problem in [
                IntOrPercentProblem::Negative,
                IntOrPercentProblem::NotAPercent,
                IntOrPercentProblem::OverHundredPercent,
            ] {
                let name = match field {
                    RollingUpdateField::MaxUnavailable => "maxUnavailable",
                    RollingUpdateField::MaxSurge => "maxSurge",
                };
                assert_eq!(
                    SpecProblem::RollingUpdate { field, problem }.to_string(),
                    format!("spec.updateStrategy.rollingUpdate.{name}: {problem:?}")
                );
            }
        }
        assert_eq!(
            SpecProblem::AffinityTerm { term: 7 }.to_string(),
            "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[7]: invalid"
        );
        assert_eq!(
            SpecProblem::Name(ValidationError::TooLong { max: 253 }).to_string(),
            "metadata.name: must be no more than 253 characters"
        );
        assert_eq!(
            Error::Full {
                table: crate::error::Table::Labels,
                capacity: 2048
            }
            .to_string(),
            "labels table is full (capacity 2048)"
        );
    }

    const APP: [LabelInput<'static>; 1] = [LabelInput {
        key: "name",
        value: "fluentd-elasticsearch",
    }];
    const CONTAINERS: [ContainerInput<'static>; 1] = [ContainerInput {
        name: "fluentd-elasticsearch",
    }];

    fn fluentd() -> DaemonSetInput<'static> {
        DaemonSetInput {
            name: "fluentd-elasticsearch",
            namespace: "kube-system",
            selector: Some(LabelSelectorInput {
                match_labels: &APP,
                match_expressions: &[],
            }),
            template_labels: &APP,
            containers: &CONTAINERS,
            ..Default::default()
        }
    }

    fn rolling(
        max_unavailable: Option<IntOrStringInput<'static>>,
        max_surge: Option<IntOrStringInput<'static>>,
    ) -> UpdateStrategyInput<'static> {
        UpdateStrategyInput {
            type_: "RollingUpdate",
            rolling_update: Some(RollingUpdateInput {
                max_unavailable,
                max_surge,
            }),
        }
    }

    #[test]
    fn the_fluentd_example_is_valid_and_each_defect_has_its_own_problem() {
        use IntOrStringInput::{Int, String as Str};
        let bad_tolerations = [TolerationInput {
            key: "",
            operator: "Equal",
            value: "x",
            ..Default::default()
        }];
        let seconds = [TolerationInput {
            key: "node-role.kubernetes.io/control-plane",
            operator: "Exists",
            effect: "NoSchedule",
            toleration_seconds: Some(30),
            ..Default::default()
        }];
        let two_same = [
            ContainerInput { name: "agent" },
            ContainerInput { name: "agent" },
        ];
        let bad_label = [LabelInput {
            key: "name",
            value: "-bad",
        }];
        let gt_values = ["not-a-number"];
        let gt = [RequirementInput {
            key: "example.com/gpu-count",
            operator: "Gt",
            values: &gt_values,
        }];
        let gt_term = [NodeSelectorTermInput {
            match_expressions: &gt,
            match_fields: &[],
        }];
        type Edit = fn(&mut DaemonSetInput<'static>);
        let cases: [(&str, Edit, Option<SpecProblem>); 16] = [
            ("valid", |_| {}, None),
            (
                "uppercase name",
                |d| d.name = "Fluentd",
                Some(SpecProblem::Name(ValidationError::InvalidFormat)),
            ),
            (
                "no namespace",
                |d| d.namespace = "",
                Some(SpecProblem::Namespace(ValidationError::Empty)),
            ),
            (
                "no selector",
                |d| d.selector = None,
                Some(SpecProblem::SelectorMissing),
            ),
            (
                "empty selector",
                |d| d.selector = Some(LabelSelectorInput::default()),
                Some(SpecProblem::SelectorEmpty),
            ),
            (
                "restart policy",
                |d| d.restart_policy = "Never",
                Some(SpecProblem::RestartPolicy),
            ),
            (
                "deadline",
                |d| d.active_deadline_seconds = Some(60),
                Some(SpecProblem::ActiveDeadlineSeconds),
            ),
            (
                "min ready",
                |d| d.min_ready_seconds = -1,
                Some(SpecProblem::MinReadySeconds),
            ),
            (
                "history",
                |d| d.revision_history_limit = Some(-1),
                Some(SpecProblem::RevisionHistoryLimit),
            ),
            (
                "no containers",
                |d| d.containers = &[],
                Some(SpecProblem::NoContainers),
            ),
            (
                "strategy type",
                |d| d.update_strategy.type_ = "Recreate",
                Some(SpecProblem::UpdateStrategyType),
            ),
            (
                "both zero",
                |d| d.update_strategy = rolling(Some(Int(0)), Some(Int(0))),
                Some(SpecProblem::NoUpdateBudget),
            ),
            (
                "both set",
                |d| d.update_strategy = rolling(Some(Str("10%")), Some(Int(1))),
                Some(SpecProblem::SurgeWithUnavailable),
            ),
            (
                "over 100%",
                |d| d.update_strategy = rolling(Some(Str("101%")), None),
                Some(SpecProblem::RollingUpdate {
                    field: RollingUpdateField::MaxUnavailable,
                    problem: IntOrPercentProblem::OverHundredPercent,
                }),
            ),
            (
                "surge only",
                |d| d.update_strategy = rolling(Some(Int(0)), Some(Str("25%"))),
                None,
            ),
            ("on delete", |d| d.update_strategy.type_ = "OnDelete", None),
        ];
        for (name, edit, want) in cases {
            let mut ds = fluentd();
            edit(&mut ds);
            assert_eq!(validate_daemon_set(&ds).err(), want, "{name}");
        }
        let mut ds = fluentd();
        ds.tolerations = &bad_tolerations;
        assert_eq!(
            validate_daemon_set(&ds),
            Err(SpecProblem::Toleration {
                index: 0,
                problem: TolerationProblem::EmptyKeyNeedsExists
            })
        );
        ds.tolerations = &seconds;
        assert_eq!(
            validate_daemon_set(&ds),
            Err(SpecProblem::Toleration {
                index: 0,
                problem: TolerationProblem::SecondsWithoutNoExecute
            })
        );
        let mut ds = fluentd();
        ds.containers = &two_same;
        assert_eq!(
            validate_daemon_set(&ds),
            Err(SpecProblem::DuplicateContainerName { index: 1 })
        );
        let mut ds = fluentd();
        ds.node_selector = &bad_label;
        assert_eq!(
            validate_daemon_set(&ds),
            Err(SpecProblem::NodeSelector(RequirementProblem::Value(
                ValidationError::InvalidFormat
            )))
        );
        // `ValidateNodeSelectorRequirement` (pkg/apis/core/validation, v1.33+):
        // a `Gt` value is one label value, never checked as an integer, so
        // `Gt ["not-a-number"]` is accepted (the term matches no node); a value that
        // is not a label value (`-5`) is refused, whatever the operator.
        let mut ds = fluentd();
        ds.required_node_affinity = Some(&gt_term);
        assert_eq!(validate_daemon_set(&ds), Ok(()));
        let negative = [RequirementInput {
            values: &["-5"],
            ..gt[0]
        }];
        let negative_term = [NodeSelectorTermInput {
            match_expressions: &negative,
            match_fields: &[],
        }];
        ds.required_node_affinity = Some(&negative_term);
        assert_eq!(
            validate_daemon_set(&ds),
            Err(SpecProblem::AffinityTerm { term: 0 })
        );
        let two = [RequirementInput {
            values: &["1", "2"],
            ..gt[0]
        }];
        let two_term = [NodeSelectorTermInput {
            match_expressions: &two,
            match_fields: &[],
        }];
        ds.required_node_affinity = Some(&two_term);
        assert_eq!(
            validate_daemon_set(&ds),
            Err(SpecProblem::AffinityTerm { term: 0 })
        );
        ds.required_node_affinity = Some(&[]);
        assert_eq!(validate_daemon_set(&ds), Err(SpecProblem::AffinityNoTerms));
    }

    #[test]
    fn gt_and_lt_tolerations_need_their_gate_and_a_canonical_integer() {
        // Upstream's `ValidateTolerations` (pkg/apis/core/validation, v1.35+, with
        // `TaintTolerationComparisonOperators`): off, `Gt`/`Lt` are not supported
        // operators; on, the value must be a canonical decimal integer that fits in
        // an int64, and an empty key still requires `Exists`.
        use crate::taint::NumberProblem::{NotCanonical, OutOfRange};
        let on = FeatureGates::DEFAULT.with(FeatureGate::TaintTolerationComparisonOperators, true);
        let tol = |key, operator, value| TolerationInput {
            key,
            operator,
            value,
            effect: "NoSchedule",
            ..Default::default()
        };
        let sla = "example.com/sla";
        let cases = [
            (
                tol(sla, "Gt", "950"),
                Ok(()),
                Err(TolerationProblem::Operator),
            ),
            (
                tol(sla, "Lt", "10"),
                Ok(()),
                Err(TolerationProblem::Operator),
            ),
            (
                tol(sla, "Gt", "-5"),
                Ok(()),
                Err(TolerationProblem::Operator),
            ),
            (
                tol(sla, "Gt", "0"),
                Ok(()),
                Err(TolerationProblem::Operator),
            ),
            (
                tol(sla, "Gt", "0950"),
                Err(TolerationProblem::ComparisonValue(NotCanonical)),
                Err(TolerationProblem::Operator),
            ),
            (
                tol(sla, "Gt", ""),
                Err(TolerationProblem::ComparisonValue(NotCanonical)),
                Err(TolerationProblem::Operator),
            ),
            (
                tol(sla, "Gt", "+5"),
                Err(TolerationProblem::ComparisonValue(NotCanonical)),
                Err(TolerationProblem::Operator),
            ),
            (
                tol(sla, "Gt", "-0"),
                Err(TolerationProblem::ComparisonValue(NotCanonical)),
                Err(TolerationProblem::Operator),
            ),
            (
                tol(sla, "Lt", "9223372036854775808"),
                Err(TolerationProblem::ComparisonValue(OutOfRange)),
                Err(TolerationProblem::Operator),
            ),
            (
                tol("", "Gt", "5"),
                Err(TolerationProblem::EmptyKeyNeedsExists),
                Err(TolerationProblem::EmptyKeyNeedsExists),
            ),
        ];
        for (t, gate_on, gate_off) in cases {
            assert_eq!(validate_toleration_with(&t, on), gate_on, "{t:?} gate on");
            assert_eq!(validate_toleration(&t), gate_off, "{t:?} gate off");
        }
        // The engine validates under its own gates.
        let mut engine = crate::TinyEngine::new();
        let gt = [tol(sla, "Gt", "950")];
        let mut ds = fluentd();
        ds.tolerations = &gt;
        assert!(engine.validate_daemon_set(&ds).is_err());
        engine.set_feature_gates(on);
        assert_eq!(engine.validate_daemon_set(&ds), Ok(()));
    }

    #[test]
    fn the_selector_must_select_the_template() {
        let mut engine = crate::TinyEngine::new();
        let mut ds = fluentd();
        assert_eq!(engine.validate_daemon_set(&ds), Ok(()));
        let other = [LabelInput {
            key: "name",
            value: "fluent-bit",
        }];
        ds.template_labels = &other;
        assert_eq!(
            engine.validate_daemon_set(&ds),
            Err(Error::Spec(SpecProblem::SelectorDoesNotMatchTemplate))
        );
        // Validation leaves nothing behind.
        assert!(engine.strings().is_empty());
    }
}
