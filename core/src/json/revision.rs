//! `apps/v1 ControllerRevision`: its controller, `.revision` and hash label.

use super::de::{int, match_key, Ctx, Fields, Read, Source};
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
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "metadata" => {
                ctx.object(src, &mut self.meta)?;
            },
            "revision" => self.revision = int(src)?.unwrap_or(0),
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}
