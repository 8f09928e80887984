//! A pod spec (`v1.PodSpec`): the placement fields a DaemonSet's template and a
//! pod share.

use super::de::{boolean, int, match_key, object_element, Ctx, Elements, Fields, Read, Source};
#[cfg(feature = "compact")]
use super::one::{One, Value};
use crate::input::{
    ContainerInput, LabelInput, NodeSelectorTermInput, RequirementInput, TolerationInput,
};

/// What dsr reads of a pod spec.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PodSpec<'a> {
    pub node_selector: &'a [LabelInput<'a>],
    /// `None` without required node affinity; empty for a `null` or empty
    /// `nodeSelectorTerms`.
    pub required_node_affinity: Option<&'a [NodeSelectorTermInput<'a>]>,
    pub tolerations: &'a [TolerationInput<'a>],
    pub node_name: &'a str,
    pub host_network: bool,
    pub restart_policy: &'a str,
    pub active_deadline_seconds: Option<i64>,
    pub containers: &'a [ContainerInput<'a>],
}

impl<'a> Fields<'a> for PodSpec<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "nodeSelector" => self.node_selector = ctx.labels(src)?.unwrap_or(&[]),
            "affinity" => {
                // Only `nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`:
                // in the firmware build (`compact`), each level read by `One`.
                #[cfg(feature = "compact")]
                {
                    let required = Value::NodeSelector(&mut self.required_node_affinity);
                    let mut node =
                        One::new("requiredDuringSchedulingIgnoredDuringExecution", required);
                    ctx.object(src, &mut One::new("nodeAffinity", Value::Object(&mut node)))?;
                }
                #[cfg(not(feature = "compact"))]
                ctx.object(src, &mut Affinity(&mut self.required_node_affinity))?;
            },
            "tolerations" => {
                ctx.array(src, &mut Tolerations)?;
                self.tolerations = ctx.tolerations.finish();
            },
            "nodeName" => self.node_name = ctx.str_or_empty(src)?,
            "hostNetwork" => self.host_network = boolean(src)?,
            "restartPolicy" => self.restart_policy = ctx.str_or_empty(src)?,
            "activeDeadlineSeconds" => self.active_deadline_seconds = int(src)?,
            "containers" => {
                ctx.array(src, &mut Containers)?;
                self.containers = ctx.containers.finish();
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

/// `affinity`: only `nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`.
#[cfg(not(feature = "compact"))]
struct Affinity<'m, 'a>(&'m mut Option<&'a [NodeSelectorTermInput<'a>]>);

#[cfg(not(feature = "compact"))]
impl<'a> Fields<'a> for Affinity<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "nodeAffinity" => {
                let mut n = NodeAffinity(self.0);
                ctx.object(src, &mut n)?;
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

#[cfg(not(feature = "compact"))]
struct NodeAffinity<'m, 'a>(&'m mut Option<&'a [NodeSelectorTermInput<'a>]>);

#[cfg(not(feature = "compact"))]
impl<'a> Fields<'a> for NodeAffinity<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "requiredDuringSchedulingIgnoredDuringExecution" => {
                let mut s = NodeSelector::default();
                if ctx.object(src, &mut s)? {
                    *self.0 = Some(s.terms);
                }
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

#[cfg(not(feature = "compact"))]
#[derive(Default)]
struct NodeSelector<'a> {
    terms: &'a [NodeSelectorTermInput<'a>],
}

#[cfg(not(feature = "compact"))]
impl<'a> Fields<'a> for NodeSelector<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "nodeSelectorTerms" => {
                ctx.array(src, &mut Terms)?;
                self.terms = ctx.terms.finish();
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

pub(crate) struct Terms;

impl<'a> Elements<'a> for Terms {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let mut t = NodeSelectorTermInput::default();
        if !object_element(ctx, src, &mut t)? {
            return Ok(false);
        }
        ctx.terms.push(t).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for NodeSelectorTermInput<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "matchExpressions" => self.match_expressions = requirements(ctx, src)?,
            "matchFields" => self.match_fields = requirements(ctx, src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

/// A list of selector requirements (`matchExpressions`, `matchFields`).
pub(crate) fn requirements<'a>(
    ctx: &mut Ctx<'a>,
    src: &mut dyn Source<'a>,
) -> Read<&'a [RequirementInput<'a>]> {
    ctx.array(src, &mut Requirements)?;
    Ok(ctx.requirements.finish())
}

struct Requirements;

impl<'a> Elements<'a> for Requirements {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let mut r = RequirementInput::default();
        if !object_element(ctx, src, &mut r)? {
            return Ok(false);
        }
        ctx.requirements.push(r).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for RequirementInput<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "key" => self.key = ctx.str_or_empty(src)?,
            "operator" => self.operator = ctx.str_or_empty(src)?,
            "values" => self.values = ctx.strings(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

struct Tolerations;

impl<'a> Elements<'a> for Tolerations {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let mut t = TolerationInput::default();
        if !object_element(ctx, src, &mut t)? {
            return Ok(false);
        }
        ctx.tolerations.push(t).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for TolerationInput<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "key" => self.key = ctx.str_or_empty(src)?,
            "operator" => self.operator = ctx.str_or_empty(src)?,
            "value" => self.value = ctx.str_or_empty(src)?,
            "effect" => self.effect = ctx.str_or_empty(src)?,
            "tolerationSeconds" => self.toleration_seconds = int(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

struct Containers;

impl<'a> Elements<'a> for Containers {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let mut c = ContainerInput::default();
        #[cfg(feature = "compact")]
        let read = object_element(ctx, src, &mut One::new("name", Value::Str(&mut c.name)))?;
        #[cfg(not(feature = "compact"))]
        let read = object_element(ctx, src, &mut c)?;
        if !read {
            return Ok(false);
        }
        ctx.containers.push(c).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

// Hosted builds: a reader of their own for each object (the firmware build
// reads them with `One`: less code, larger frames).
#[cfg(not(feature = "compact"))]
impl<'a> Fields<'a> for ContainerInput<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "name" => self.name = ctx.str_or_empty(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}
