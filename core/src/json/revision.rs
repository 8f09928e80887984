//! `apps/v1 ControllerRevision`: its controller, `.revision` and hash label.

use serde::de::MapAccess;

use super::de::{Ctx, Fields};
use super::meta::{label, Meta};
use crate::pod::REVISION_HASH_LABEL;

/// A ControllerRevision as read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Revision<'a> {
    pub meta: Meta<'a>,
    pub revision: i64,
}

impl<'a> Revision<'a> {
    /// Its `controller-revision-hash` label.
    pub fn hash(&self) -> Option<&'a str> {
        label(self.meta.labels, REVISION_HASH_LABEL)
    }
}

impl<'a> Fields<'a> for Revision<'a> {
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
            "revision" => self.revision = map.next_value::<Option<i64>>()?.unwrap_or(0),
            _ => ctx.skip(map)?,
        }
        Ok(())
    }
}
