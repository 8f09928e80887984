//! `v1 Pod`: what the DaemonSet controller reads of it.

use super::de::{match_key, object_element, Ctx, Elements, Fields, Read, Source};
use super::meta::Meta;
use super::podspec::PodSpec;
#[cfg(not(feature = "compact"))]
use super::skip::Level;
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
                let mut s = Status {
                    pod: self,
                    #[cfg(not(feature = "compact"))]
                    read: [false; 2],
                };
                ctx.object(src, &mut s)?;
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

struct Status<'p, 'a> {
    pod: &'p mut Pod<'a>,
    /// Whether `phase` and `conditions` were read (see [`Status::read`]).
    #[cfg(not(feature = "compact"))]
    read: [bool; 2],
}

impl<'a> Fields<'a> for Status<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "phase" => {
                self.pod.phase = ctx.str_or_empty(src)?;
                #[cfg(not(feature = "compact"))]
                return self.read(ctx, key, 0);
            },
            "conditions" => {
                let mut c = Conditions(&mut self.pod.ready);
                ctx.array(src, &mut c)?;
                #[cfg(not(feature = "compact"))]
                return self.read(ctx, key, 1);
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

#[cfg(not(feature = "compact"))]
impl<'a> Status<'_, 'a> {
    /// Notes that `phase` (`0`) or `conditions` (`1`), the value of `key`, was
    /// read; once both are, and nothing that is read follows (the container
    /// statuses, say, are not), the read ends.
    #[inline(never)]
    fn read(&mut self, ctx: &mut Ctx<'a>, key: &'a str, which: usize) -> Read<()> {
        if let Some(r) = self.read.get_mut(which) {
            *r = true;
        }
        if self.read != [true, true] {
            return Ok(());
        }
        let levels = [Level::Without(&["phase", "conditions"]), Level::Closed];
        match ctx.can_finish(key, &levels) {
            Some(rest) => Err(ctx.finish(rest)),
            None => Ok(()),
        }
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
