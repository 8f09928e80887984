//! `v1 Pod`: what the DaemonSet controller reads of it.

use serde::de::{MapAccess, SeqAccess};

use super::de::{object_element, Ctx, Elements, Fields};
use super::meta::Meta;
use super::podspec::PodSpec;
use crate::input::{PodConditionInput, PodInput};
use crate::Timestamp;

/// A Pod as read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pod<'a> {
    pub meta: Meta<'a>,
    pub spec: PodSpec<'a>,
    pub phase: &'a str,
    /// The first `Ready` condition.
    pub ready: Option<PodConditionInput<'a>>,
}

impl<'a> Pod<'a> {
    pub fn input(&self) -> PodInput<'a> {
        PodInput {
            name: self.meta.name,
            namespace: self.meta.namespace,
            uid: self.meta.uid,
            labels: self.meta.labels,
            controller_uid: self.meta.controller_uid,
            controller_kind: self.meta.controller_kind,
            controller_name: self.meta.controller_name,
            node_name: self.spec.node_name,
            required_node_affinity: self.spec.required_node_affinity,
            phase: self.phase,
            ready: self.ready,
            deleting: self.meta.deleting,
            creation_timestamp: self.meta.creation_timestamp.unwrap_or_default(),
        }
    }
}

impl<'a> Fields<'a> for Pod<'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "metadata" => {
                ctx.object(map, &mut self.meta)?;
            }
            "spec" => {
                ctx.object(map, &mut self.spec)?;
            }
            "status" => {
                let mut s = Status(self);
                ctx.object(map, &mut s)?;
            }
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

struct Status<'p, 'a>(&'p mut Pod<'a>);

impl<'a> Fields<'a> for Status<'_, 'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "phase" => self.0.phase = ctx.str_or_empty(map)?,
            "conditions" => {
                let mut c = Conditions(&mut self.0.ready);
                ctx.array(map, &mut c)?;
            }
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

struct Conditions<'r, 'a>(&'r mut Option<PodConditionInput<'a>>);

#[derive(Default)]
struct Condition<'a> {
    type_: &'a str,
    status: &'a str,
    last_transition_time: Option<Timestamp>,
}

impl<'a> Fields<'a> for Condition<'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "type" => self.type_ = ctx.str_or_empty(map)?,
            "status" => self.status = ctx.str_or_empty(map)?,
            "lastTransitionTime" => self.last_transition_time = ctx.time(map)?,
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

impl<'a> Elements<'a> for Conditions<'_, 'a> {
    fn element<S: SeqAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        seq: &mut S,
    ) -> Result<bool, S::Error> {
        let mut c = Condition::default();
        if !object_element(ctx, seq, &mut c)? {
            return Ok(false);
        }
        if c.type_ == "Ready" && self.0.is_none() {
            *self.0 = Some(PodConditionInput {
                status: c.status,
                last_transition_time: c.last_transition_time,
            });
        }
        Ok(true)
    }
}
