//! `metadata` (`metav1.ObjectMeta`): what dsr reads of it for every kind.

use super::de::{boolean, int, match_key, object_element, Ctx, Elements, Fields, Read, Source};
use crate::input::LabelInput;
use crate::revisions::REVISION_ANNOTATION;
use crate::Timestamp;

/// The annotation the DaemonSet controller keeps the template generation in.
pub const TEMPLATE_GENERATION_ANNOTATION: &str = "deprecated.daemonset.template.generation";

/// What dsr reads of an object's metadata.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Meta<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub uid: &'a str,
    pub generation: i64,
    pub labels: &'a [LabelInput<'a>],
    /// `deprecated.daemonset.template.generation`.
    pub template_generation: Option<&'a str>,
    /// `dsr.io/current-revision`.
    pub current_revision: Option<&'a str>,
    /// The `uid` of the first owner reference with `controller: true`.
    pub controller_uid: Option<&'a str>,
    /// That reference's `kind` and `name` (a pod is a DaemonSet's only when
    /// all three match it).
    pub controller_kind: &'a str,
    pub controller_name: &'a str,
    pub deleting: bool,
    pub creation_timestamp: Option<Timestamp>,
}

impl Meta<'_> {
    /// `default` when no namespace was written.
    pub fn default_namespace(&mut self) {
        if self.namespace.is_empty() {
            self.namespace = "default";
        }
    }
}

impl<'a> Fields<'a> for Meta<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "name" => {
                self.name = ctx.str_or_empty(src)?;
                ctx.name = self.name;
            },
            "namespace" => self.namespace = ctx.str_or_empty(src)?,
            "uid" => self.uid = ctx.str_or_empty(src)?,
            "generation" => self.generation = int(src)?.unwrap_or(0),
            "labels" => self.labels = ctx.labels(src)?.unwrap_or(&[]),
            "annotations" => {
                let mut a = Annotations(self);
                ctx.object(src, &mut a)?;
            },
            "ownerReferences" => {
                let mut controller = None;
                let mut owners = Owners(&mut controller);
                ctx.array(src, &mut owners)?;
                if let Some(c) = controller {
                    self.controller_uid = Some(c.uid);
                    self.controller_kind = c.kind;
                    self.controller_name = c.name;
                }
            },
            "deletionTimestamp" => self.deleting = ctx.time(src)?.is_some(),
            "creationTimestamp" => self.creation_timestamp = ctx.time(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

struct Annotations<'m, 'a>(&'m mut Meta<'a>);

impl<'a> Fields<'a> for Annotations<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        #[cfg(not(feature = "compact"))]
        let slot = match key {
            TEMPLATE_GENERATION_ANNOTATION => &mut self.0.template_generation,
            REVISION_ANNOTATION => &mut self.0.current_revision,
            _ => return ctx.skip(src),
        };
        // As `match_key!` does in the firmware build.
        #[cfg(feature = "compact")]
        let slot =
            match super::de::key_index(key, &[TEMPLATE_GENERATION_ANNOTATION, REVISION_ANNOTATION])
            {
                0 => &mut self.0.template_generation,
                1 => &mut self.0.current_revision,
                _ => return ctx.skip(src),
            };
        *slot = ctx.string(src)?;
        Ok(())
    }
}

struct Owners<'m, 'a>(&'m mut Option<Owner<'a>>);

#[derive(Default, Clone, Copy)]
struct Owner<'a> {
    uid: &'a str,
    kind: &'a str,
    name: &'a str,
    controller: bool,
}

impl<'a> Fields<'a> for Owner<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match_key! { key;
            "uid" => self.uid = ctx.str_or_empty(src)?,
            "kind" => self.kind = ctx.str_or_empty(src)?,
            "name" => self.name = ctx.str_or_empty(src)?,
            "controller" => self.controller = boolean(src)?,
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

impl<'a> Elements<'a> for Owners<'_, 'a> {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let mut owner = Owner::default();
        if !object_element(ctx, src, &mut owner)? {
            return Ok(false);
        }
        // The first controller reference is the controller, as upstream's
        // `GetControllerOf`.
        if owner.controller && self.0.is_none() {
            *self.0 = Some(owner);
        }
        Ok(true)
    }
}

/// The last value of `key` among `labels`, as a map keeps it.
pub(crate) fn label<'a>(labels: &[LabelInput<'a>], key: &str) -> Option<&'a str> {
    labels.iter().rev().find(|l| l.key == key).map(|l| l.value)
}
