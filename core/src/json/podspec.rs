//! A pod spec (`v1.PodSpec`): the placement fields a DaemonSet's template and a
//! pod share.

use serde::de::{MapAccess, SeqAccess};

use super::de::{object_element, Ctx, Elements, Fields};
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
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "nodeSelector" => self.node_selector = ctx.labels(map)?.unwrap_or(&[]),
            "affinity" => {
                let mut a = Affinity(&mut self.required_node_affinity);
                ctx.object(map, &mut a)?;
            }
            "tolerations" => {
                ctx.array(map, &mut Tolerations)?;
                self.tolerations = ctx.tolerations.finish();
            }
            "nodeName" => self.node_name = ctx.str_or_empty(map)?,
            "hostNetwork" => self.host_network = map.next_value::<Option<bool>>()?.unwrap_or(false),
            "restartPolicy" => self.restart_policy = ctx.str_or_empty(map)?,
            "activeDeadlineSeconds" => self.active_deadline_seconds = map.next_value()?,
            "containers" => {
                ctx.array(map, &mut Containers)?;
                self.containers = ctx.containers.finish();
            }
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

/// `affinity`: only `nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`.
struct Affinity<'m, 'a>(&'m mut Option<&'a [NodeSelectorTermInput<'a>]>);

impl<'a> Fields<'a> for Affinity<'_, 'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "nodeAffinity" => {
                let mut n = NodeAffinity(self.0);
                ctx.object(map, &mut n)?;
            }
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

struct NodeAffinity<'m, 'a>(&'m mut Option<&'a [NodeSelectorTermInput<'a>]>);

impl<'a> Fields<'a> for NodeAffinity<'_, 'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "requiredDuringSchedulingIgnoredDuringExecution" => {
                let mut s = NodeSelector::default();
                if ctx.object(map, &mut s)? {
                    *self.0 = Some(s.terms);
                }
            }
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

#[derive(Default)]
struct NodeSelector<'a> {
    terms: &'a [NodeSelectorTermInput<'a>],
}

impl<'a> Fields<'a> for NodeSelector<'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "nodeSelectorTerms" => {
                ctx.array(map, &mut Terms)?;
                self.terms = ctx.terms.finish();
            }
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

struct Terms;

impl<'a> Elements<'a> for Terms {
    fn element<S: SeqAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        seq: &mut S,
    ) -> Result<bool, S::Error> {
        let mut t = NodeSelectorTermInput::default();
        if !object_element(ctx, seq, &mut t)? {
            return Ok(false);
        }
        ctx.terms.push(t).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for NodeSelectorTermInput<'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "matchExpressions" => self.match_expressions = requirements(ctx, map)?,
            "matchFields" => self.match_fields = requirements(ctx, map)?,
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

/// A list of selector requirements (`matchExpressions`, `matchFields`).
pub(crate) fn requirements<'a, M: MapAccess<'a>>(
    ctx: &mut Ctx<'a>,
    map: &mut M,
) -> Result<&'a [RequirementInput<'a>], M::Error> {
    ctx.array(map, &mut Requirements)?;
    Ok(ctx.requirements.finish())
}

struct Requirements;

impl<'a> Elements<'a> for Requirements {
    fn element<S: SeqAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        seq: &mut S,
    ) -> Result<bool, S::Error> {
        let mut r = RequirementInput::default();
        if !object_element(ctx, seq, &mut r)? {
            return Ok(false);
        }
        ctx.requirements.push(r).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for RequirementInput<'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "key" => self.key = ctx.str_or_empty(map)?,
            "operator" => self.operator = ctx.str_or_empty(map)?,
            "values" => self.values = ctx.strings(map)?,
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

struct Tolerations;

impl<'a> Elements<'a> for Tolerations {
    fn element<S: SeqAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        seq: &mut S,
    ) -> Result<bool, S::Error> {
        let mut t = TolerationInput::default();
        if !object_element(ctx, seq, &mut t)? {
            return Ok(false);
        }
        ctx.tolerations.push(t).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for TolerationInput<'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "key" => self.key = ctx.str_or_empty(map)?,
            "operator" => self.operator = ctx.str_or_empty(map)?,
            "value" => self.value = ctx.str_or_empty(map)?,
            "effect" => self.effect = ctx.str_or_empty(map)?,
            "tolerationSeconds" => self.toleration_seconds = map.next_value()?,
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

struct Containers;

impl<'a> Elements<'a> for Containers {
    fn element<S: SeqAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        seq: &mut S,
    ) -> Result<bool, S::Error> {
        let mut c = ContainerInput::default();
        if !object_element(ctx, seq, &mut c)? {
            return Ok(false);
        }
        ctx.containers.push(c).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for ContainerInput<'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "name" => self.name = ctx.str_or_empty(map)?,
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}
