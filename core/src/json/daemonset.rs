//! `apps/v1 DaemonSet`: selector, pod template, update strategy, status.

#[cfg(not(feature = "compact"))]
use super::de::int;
use super::de::{match_key, Ctx, Fields, Read, Seg, Source};
use super::meta::Meta;
#[cfg(feature = "compact")]
use super::one::{One, Value};
use super::podspec::{requirements, PodSpec};
use super::Problem;
use crate::daemonset::label_selector_operator;
use crate::error::{Error, Field};
use crate::input::{
    DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput, RequirementInput,
    RollingUpdateInput, UpdateStrategyInput,
};
use crate::selector::{validate_requirement, RequirementProblem};

/// A DaemonSet as read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DaemonSet<'a> {
    pub meta: Meta<'a>,
    pub selector: LabelSelectorInput<'a>,
    pub template_labels: &'a [LabelInput<'a>],
    pub spec: PodSpec<'a>,
    pub update_strategy: UpdateStrategyInput<'a>,
    pub min_ready_seconds: i32,
    pub revision_history_limit: Option<i32>,
    pub observed_generation: i64,
}

impl<'a> DaemonSet<'a> {
    /// The core input, with the current revision hash `revision_hash`.
    ///
    /// `spec.selector` is required by the API: an absent one reads as empty, as
    /// `kubectl`'s typed clients read it.
    pub fn input(&self, revision_hash: &'a str) -> DaemonSetInput<'a> {
        let m = &self.meta;
        DaemonSetInput {
            name: m.name,
            namespace: m.namespace,
            uid: m.uid,
            selector: Some(self.selector),
            template_labels: self.template_labels,
            node_selector: self.spec.node_selector,
            required_node_affinity: self.spec.required_node_affinity,
            tolerations: self.spec.tolerations,
            node_name: self.spec.node_name,
            host_network: self.spec.host_network,
            generation: m.generation,
            observed_generation: self.observed_generation,
            deleting: m.deleting,
            update_strategy: self.update_strategy,
            min_ready_seconds: self.min_ready_seconds,
            revision_hash,
            template_generation: m.template_generation,
            restart_policy: self.spec.restart_policy,
            active_deadline_seconds: self.spec.active_deadline_seconds,
            revision_history_limit: self.revision_history_limit,
            containers: self.spec.containers,
        }
    }
}

impl<'a> Fields<'a> for DaemonSet<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "metadata" => {
                ctx.object(src, &mut self.meta)?;
            },
            "spec" => {
                let mut s = Spec(self);
                ctx.object(src, &mut s)?;
            },
            "status" => {
                #[cfg(feature = "compact")]
                let mut s = One::new("observedGeneration", Value::Int(&mut self.observed_generation));
                #[cfg(not(feature = "compact"))]
                let mut s = Status(&mut self.observed_generation);
                ctx.object(src, &mut s)?;
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

struct Spec<'d, 'a>(&'d mut DaemonSet<'a>);

impl<'a> Fields<'a> for Spec<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "selector" => {
                ctx.object(src, &mut self.0.selector)?;
            },
            "template" => {
                let mut t = Template(self.0);
                ctx.object(src, &mut t)?;
            },
            "updateStrategy" => {
                ctx.object(src, &mut self.0.update_strategy)?;
            },
            "minReadySeconds" => self.0.min_ready_seconds = ctx.int32(src)?.unwrap_or(0),
            "revisionHistoryLimit" => self.0.revision_history_limit = ctx.int32(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

impl<'a> Fields<'a> for LabelSelectorInput<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "matchLabels" => self.match_labels = ctx.labels(src)?.unwrap_or(&[]),
            "matchExpressions" => {
                self.match_expressions = requirements(ctx, src)?;
                check_requirements(ctx, self.match_expressions)?;
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

/// The engine refuses a DaemonSet whose selector has an invalid requirement,
/// without saying which: the same checks here name it in the JSON.
fn check_requirements<'a>(ctx: &mut Ctx<'a>, requirements: &[RequirementInput<'a>]) -> Read<()> {
    for (i, r) in requirements.iter().enumerate() {
        let problem = match label_selector_operator(r.operator) {
            None => Err((true, RequirementProblem::UnknownOperator)),
            Some(op) => {
                validate_requirement(r.key, op, r.values.iter().copied()).map_err(|p| (false, p))
            }
        };
        if let Err((operator, problem)) = problem {
            ctx.enter(Seg::Index(u32::try_from(i).unwrap_or(u32::MAX)));
            if operator {
                ctx.enter(Seg::Key("operator"));
                ctx.detail = r.operator;
            }
            return Err(ctx.fail(Problem::Engine(Error::Requirement {
                field: Field::Selector,
                problem,
            })));
        }
    }
    Ok(())
}

struct Template<'d, 'a>(&'d mut DaemonSet<'a>);

impl<'a> Fields<'a> for Template<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "metadata" => {
                #[cfg(feature = "compact")]
                let mut m = One::new("labels", Value::Labels(&mut self.0.template_labels));
                #[cfg(not(feature = "compact"))]
                let mut m = TemplateMeta(&mut self.0.template_labels);
                ctx.object(src, &mut m)?;
            },
            "spec" => {
                ctx.object(src, &mut self.0.spec)?;
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

// Hosted builds: a reader of their own for each object (the firmware build
// reads them with `One`: less code, larger frames).
#[cfg(not(feature = "compact"))]
struct TemplateMeta<'d, 'a>(&'d mut &'a [LabelInput<'a>]);

#[cfg(not(feature = "compact"))]
impl<'a> Fields<'a> for TemplateMeta<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "labels" => *self.0 = ctx.labels(src)?.unwrap_or(&[]),
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

impl<'a> Fields<'a> for UpdateStrategyInput<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "type" => self.type_ = ctx.str_or_empty(src)?,
            "rollingUpdate" => {
                let mut r = RollingUpdateInput::default();
                if ctx.object(src, &mut r)? {
                    self.rolling_update = Some(r);
                }
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

impl<'a> Fields<'a> for RollingUpdateInput<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        let slot = match_key! { key;
            "maxUnavailable" => &mut self.max_unavailable,
            "maxSurge" => &mut self.max_surge,
            _ => return ctx.skip(src),
        };
        *slot = int_or_string(ctx, key, src)?;
        Ok(())
    }
}

/// An `intstr.IntOrString`: the value's first byte tells which (`serde-json-core`
/// has no `deserialize_any`).
fn int_or_string<'a>(
    ctx: &mut Ctx<'a>,
    key: &'a str,
    src: &mut dyn Source<'a>,
) -> Read<Option<IntOrStringInput<'a>>> {
    match ctx.peek_value(key) {
        Some(b'"') | Some(b'n') => Ok(ctx.string(src)?.map(IntOrStringInput::String)),
        Some(b'-' | b'0'..=b'9') => Ok(ctx.int32(src)?.map(IntOrStringInput::Int)),
        _ => Err(ctx.fail(Problem::Syntax(serde_json_core::de::Error::InvalidType))),
    }
}

#[cfg(not(feature = "compact"))]
struct Status<'d>(&'d mut i64);

#[cfg(not(feature = "compact"))]
impl<'a> Fields<'a> for Status<'_> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "observedGeneration" => *self.0 = int(src)?.unwrap_or(0),
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}
