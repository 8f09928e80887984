//! [`One`]: the reader of an object of which dsr reads a single field.

use super::de::{int, raw_str, Ctx, Fields, Read, Source};
use super::podspec::Terms;
use crate::input::{LabelInput, NodeSelectorTermInput};

/// An object of which one field, `key`, is read into `value`, every other
/// field skipped: one reader (one body, one vtable) for the many such objects
/// (a DaemonSet's `status`, its template's `metadata`, a container, the levels
/// of a node affinity).
pub(crate) struct One<'r, 'a> {
    key: &'static str,
    value: Value<'r, 'a>,
}

/// Where [`One`] puts the field it reads.
pub(crate) enum Value<'r, 'a> {
    /// An `int64`, `0` for `null`.
    Int(&'r mut i64),
    /// A string, `""` for `null`.
    Str(&'r mut &'a str),
    /// A string as written, not unescaped (`None` for `null`).
    RawStr(&'r mut Option<&'a str>),
    /// A `map[string]string`, as labels (none for `null`).
    Labels(&'r mut &'a [LabelInput<'a>]),
    /// An object, read by a reader.
    Object(&'r mut dyn Fields<'a>),
    /// A node selector (`requiredDuringSchedulingIgnoredDuringExecution`):
    /// its `nodeSelectorTerms`, present with none when the selector is
    /// present without terms, `None` for `null`.
    NodeSelector(&'r mut Option<&'a [NodeSelectorTermInput<'a>]>),
    /// A node selector's `nodeSelectorTerms` (none for `null`).
    Terms(&'r mut &'a [NodeSelectorTermInput<'a>]),
}

impl<'r, 'a> One<'r, 'a> {
    /// A reader of `key`'s value into `value`.
    pub fn new(key: &'static str, value: Value<'r, 'a>) -> Self {
        One { key, value }
    }
}

impl<'a> Fields<'a> for One<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        if key != self.key {
            return ctx.skip(src);
        }
        match &mut self.value {
            Value::Int(v) => **v = int(src)?.unwrap_or(0),
            Value::Str(v) => **v = ctx.str_or_empty(src)?,
            Value::RawStr(v) => **v = raw_str(src)?,
            Value::Labels(v) => **v = ctx.labels(src)?.unwrap_or(&[]),
            Value::Object(fields) => {
                ctx.object(src, &mut **fields)?;
            }
            Value::NodeSelector(v) => {
                let mut terms: &[_] = &[];
                let mut selector = One::new("nodeSelectorTerms", Value::Terms(&mut terms));
                if ctx.object(src, &mut selector)? {
                    **v = Some(terms);
                }
            }
            Value::Terms(v) => {
                ctx.array(src, &mut Terms)?;
                **v = ctx.terms.finish();
            }
        }
        Ok(())
    }
}
