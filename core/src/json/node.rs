//! `v1 Node`: name, labels, taints, `spec.unschedulable`.

use super::de::{boolean, match_key, object_element, Ctx, Elements, Fields, Read, Source};
use super::meta::Meta;
#[cfg(not(feature = "compact"))]
use super::skip::Level;
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
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "metadata" => {
                ctx.object(src, &mut self.meta)?;
            },
            "spec" => {
                let mut spec = Spec(self);
                ctx.object(src, &mut spec)?;
            },
            _ => {
                // Nothing of a node's `status` (most of a node event) is
                // read: when nothing that is read follows it, the read ends.
                #[cfg(not(feature = "compact"))]
                if key == "status" {
                    if let Some(rest) = ctx.can_finish(key, &[Level::Closed]) {
                        return Err(ctx.finish(rest));
                    }
                }
                ctx.skip(src)?
            },
        };
        Ok(())
    }
}

struct Spec<'n, 'a>(&'n mut Node<'a>);

impl<'a> Fields<'a> for Spec<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "taints" => {
                ctx.array(src, &mut Taints)?;
                self.0.taints = ctx.taints.finish();
            },
            "unschedulable" => self.0.unschedulable = boolean(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

struct Taints;

impl<'a> Elements<'a> for Taints {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let mut t = TaintInput::default();
        if !object_element(ctx, src, &mut t)? {
            return Ok(false);
        }
        ctx.taints.push(t).map_err(|p| ctx.fail(p))?;
        Ok(true)
    }
}

impl<'a> Fields<'a> for TaintInput<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "key" => self.key = ctx.str_or_empty(src)?,
            "value" => self.value = ctx.str_or_empty(src)?,
            "effect" => self.effect = ctx.str_or_empty(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}
