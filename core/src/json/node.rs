//! `v1 Node`: name, labels, taints, `spec.unschedulable`.

use serde::de::{MapAccess, SeqAccess};

use super::de::{object_element, Ctx, Elements, Fields};
use super::meta::Meta;
use crate::input::{NodeInput, TaintInput};

/// A Node as read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Node<'a> {
    pub meta: Meta<'a>,
    pub taints: &'a [TaintInput<'a>],
    pub unschedulable: bool,
}

impl<'a> Node<'a> {
    pub fn input(&self) -> NodeInput<'a> {
        NodeInput {
            name: self.meta.name,
            labels: self.meta.labels,
            taints: self.taints,
            unschedulable: self.unschedulable,
        }
    }
}

impl<'a> Fields<'a> for Node<'a> {
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
                let mut spec = Spec(self);
                ctx.object(map, &mut spec)?;
            }
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

struct Spec<'n, 'a>(&'n mut Node<'a>);

impl<'a> Fields<'a> for Spec<'_, 'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "taints" => {
                ctx.array(map, &mut Taints)?;
                self.0.taints = ctx.taints.finish();
            }
            "unschedulable" => {
                self.0.unschedulable = map.next_value::<Option<bool>>()?.unwrap_or(false)
            }
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}

struct Taints;

impl<'a> Elements<'a> for Taints {
    fn element<S: SeqAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        seq: &mut S,
    ) -> Result<bool, S::Error> {
        let mut t = TaintInput::default();
        if !object_element(ctx, seq, &mut t)? {
            return Ok(false);
        }
        ctx.taints.push(t).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for TaintInput<'a> {
    fn field<M: MapAccess<'a>>(
        &mut self,
        ctx: &mut Ctx<'a>,
        key: &'a str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        match key {
            "key" => self.key = ctx.str_or_empty(map)?,
            "value" => self.value = ctx.str_or_empty(map)?,
            "effect" => self.effect = ctx.str_or_empty(map)?,
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}
