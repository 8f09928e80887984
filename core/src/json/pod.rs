//! `v1 Pod`: what the DaemonSet controller reads of it.

use super::de::{match_key, object_element, Ctx, Elements, Fields, Read, Source};
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
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "metadata" => {
                ctx.object(src, &mut self.meta)?;
            },
            "spec" => {
                ctx.object(src, &mut self.spec)?;
            },
            "status" => {
                let mut s = Status(self);
                ctx.object(src, &mut s)?;
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

struct Status<'p, 'a>(&'p mut Pod<'a>);

impl<'a> Fields<'a> for Status<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "phase" => self.0.phase = ctx.str_or_empty(src)?,
            "conditions" => {
                let mut c = Conditions(&mut self.0.ready);
                ctx.array(src, &mut c)?;
            },
            _ => ctx.skip(src)?,
        };
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
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "type" => self.type_ = ctx.str_or_empty(src)?,
            "status" => self.status = ctx.str_or_empty(src)?,
            "lastTransitionTime" => self.last_transition_time = ctx.time(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

impl<'a> Elements<'a> for Conditions<'_, 'a> {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let mut c = Condition::default();
        if !object_element(ctx, src, &mut c)? {
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
