//! `dsr_engine_apply()`: Kubernetes objects and watch events, as JSON, into the
//! engine (the `json` feature; dsr-core's `Engine::apply` does the reading and
//! every conversion rule, this layer only translates).
//!
//! What is read for a call lives in the engine, not on the stack: the core's
//! `json::Scratch` (several KB; ~21 KB with the defaults) is part of
//! `dsr_engine`, sized by the `DSR_JSON_*` build variables, and emptied at
//! the start of every call. An object that does not fit is
//! `DSR_RESULT_FULL_SCRATCH`, never cut short.

use core::ffi::c_char;

use dsr_core::{NodeId, SetId};

use crate::engine::{dsr_engine, write_text};
use crate::result::dsr_result;

/// The kind of object `dsr_engine_apply()` read (`dsr_applied.kind`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_object_kind {
    /// A kind dsr does not read (a Service, say), or a `BOOKMARK` event's
    /// object: ignored.
    DSR_OBJECT_KIND_OTHER = 0,
    /// `v1 Node`.
    DSR_OBJECT_KIND_NODE = 1,
    /// `apps/v1 DaemonSet`.
    DSR_OBJECT_KIND_DAEMON_SET = 2,
    /// `v1 Pod`.
    DSR_OBJECT_KIND_POD = 3,
    /// `apps/v1 ControllerRevision`.
    DSR_OBJECT_KIND_CONTROLLER_REVISION = 4,
    /// A `List` (`NodeList`, `PodList`, ...) of such objects.
    DSR_OBJECT_KIND_LIST = 5,
}

/// What `dsr_engine_apply()` did to the object (`dsr_applied.change`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_change {
    /// The object is new to the engine.
    DSR_CHANGE_ADDED = 0,
    /// The object changed something dsr reads (for a `List`: some item was
    /// added, updated or removed).
    DSR_CHANGE_UPDATED = 1,
    /// The object is gone (a `DELETED` event).
    DSR_CHANGE_REMOVED = 2,
    /// The engine held the object as it is (a re-list, a status heartbeat).
    DSR_CHANGE_UNCHANGED = 3,
    /// Nothing to do: a `BOOKMARK`, a kind dsr does not read, a deletion of an
    /// object the engine does not hold, a ControllerRevision older than one
    /// seen.
    DSR_CHANGE_IGNORED = 4,
}

/// What `dsr_engine_apply()` did. Fields are only ever appended.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dsr_applied {
    /// A `dsr_object_kind`: the object's kind (a watch event's object's), or
    /// `DSR_OBJECT_KIND_LIST`.
    pub kind: u32,
    /// The object's id (`dsr_engine_find_node()` and friends give the same;
    /// for a removed object, the id it had), for a ControllerRevision the id
    /// of the DaemonSet it belongs to; `DSR_NONE` for a `List`, an ignored
    /// object, or a ControllerRevision whose DaemonSet is not in the engine.
    pub id: u32,
    /// A `dsr_change`.
    pub change: u32,
    /// Whether some DaemonSet should now run, or may now keep running, on some
    /// node where it did not, or the reverse: time to sync.
    pub placement_changed: bool,
    /// How many objects were added (1 or 0 for an object or event; for a
    /// `List`, per item), as the four below.
    pub added: u32,
    /// How many were updated.
    pub updated: u32,
    /// How many were removed.
    pub removed: u32,
    /// How many were unchanged.
    pub unchanged: u32,
    /// How many were ignored.
    pub ignored: u32,
}

/// `Node`, `DaemonSet`, `Pod`, `ControllerRevision`, `List` or `other` for a
/// `dsr_object_kind` (`unknown` for a value that is no member). Static,
/// NUL-terminated, never NULL.
#[no_mangle]
pub extern "C" fn dsr_object_kind_str(kind: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        use dsr_object_kind::*;
        match kind {
            k if k == DSR_OBJECT_KIND_OTHER as u32 => c"other".as_ptr(),
            k if k == DSR_OBJECT_KIND_NODE as u32 => c"Node".as_ptr(),
            k if k == DSR_OBJECT_KIND_DAEMON_SET as u32 => c"DaemonSet".as_ptr(),
            k if k == DSR_OBJECT_KIND_POD as u32 => c"Pod".as_ptr(),
            k if k == DSR_OBJECT_KIND_CONTROLLER_REVISION as u32 => {
                c"ControllerRevision".as_ptr()
            }
            k if k == DSR_OBJECT_KIND_LIST as u32 => c"List".as_ptr(),
            _ => c"unknown".as_ptr(),
        }
    })
}

/// `added`, `updated`, `removed`, `unchanged` or `ignored` for a `dsr_change`
/// (`unknown` for a value that is no member). Static, NUL-terminated, never
/// NULL.
#[no_mangle]
pub extern "C" fn dsr_change_str(change: u32) -> *const c_char {
    boundary!(value c"unknown".as_ptr(), {
        use dsr_change::*;
        match change {
            c if c == DSR_CHANGE_ADDED as u32 => c"added".as_ptr(),
            c if c == DSR_CHANGE_UPDATED as u32 => c"updated".as_ptr(),
            c if c == DSR_CHANGE_REMOVED as u32 => c"removed".as_ptr(),
            c if c == DSR_CHANGE_UNCHANGED as u32 => c"unchanged".as_ptr(),
            c if c == DSR_CHANGE_IGNORED as u32 => c"ignored".as_ptr(),
            _ => c"unknown".as_ptr(),
        }
    })
}

/// The name of node `node_id` (`metadata.name`) into `buf`, as
/// `dsr_engine_describe()` writes text: NUL-terminated, its length in
/// `*out_len`, `DSR_RESULT_BUFFER_TOO_SMALL` with the needed length;
/// `DSR_RESULT_NOT_FOUND` when there is no such node. For callers that hold
/// ids from `dsr_engine_apply()` and not the objects.
///
/// # Safety
/// `engine` must be NULL or an engine from `dsr_engine_init()`; `buf` NULL or
/// writable for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_node_name(
    engine: *const dsr_engine,
    node_id: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out_len = try_out!(out_len);
        let node = e
            .core
            .node(NodeId(node_id))
            .ok_or(dsr_result::DSR_RESULT_NOT_FOUND)?;
        let name = e.core.text(node.name);
        write_text(try_out_bytes!(buf, buf_len), out_len, |w| w.write_str(name))
    })
}

/// The namespace and name of DaemonSet `set_id`, as `namespace/name`, into
/// `buf` as `dsr_engine_node_name()` writes it.
///
/// # Safety
/// As `dsr_engine_node_name()`.
#[no_mangle]
pub unsafe extern "C" fn dsr_engine_daemon_set_name(
    engine: *const dsr_engine,
    set_id: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> dsr_result {
    boundary!({
        let e = try_engine!(engine);
        let out_len = try_out!(out_len);
        let set = e
            .core
            .daemon_set(SetId(set_id))
            .ok_or(dsr_result::DSR_RESULT_NOT_FOUND)?;
        let (ns, name) = (e.core.text(set.namespace), e.core.text(set.name));
        write_text(try_out_bytes!(buf, buf_len), out_len, |w| {
            w.write_str(ns)?;
            w.write_str("/")?;
            w.write_str(name)
        })
    })
}

/// `dsr_capacities`' `json_objects`, `json_labels`, `json_rules`, `json_text`:
/// the build's `DSR_JSON_*`, or zeros without `dsr_engine_apply()`.
#[cfg(feature = "json")]
pub const JSON_CAPACITIES: [usize; 4] = {
    use crate::capacities::build::{JSON_LABELS, JSON_OBJECTS, JSON_RULES, JSON_TEXT};
    [JSON_OBJECTS, JSON_LABELS, JSON_RULES, JSON_TEXT]
};

/// `dsr_capacities`' `json_*`: zeros, this build has no `dsr_engine_apply()`.
#[cfg(not(feature = "json"))]
pub const JSON_CAPACITIES: [usize; 4] = [0; 4];

#[cfg(feature = "json")]
pub use with_json::*;

#[cfg(feature = "json")]
mod with_json {
    use core::mem::MaybeUninit;

    use dsr_core::json::{Applied, ApplyError, Change, Kind, ObjectId, Problem};

    use super::{dsr_applied, dsr_change, dsr_engine, dsr_object_kind};
    use crate::capacities::build::{JSON_LABELS, JSON_OBJECTS, JSON_RULES, JSON_TEXT};
    use crate::convert::Out;
    use crate::engine::State;
    use crate::result::{dsr_result, Failure};
    use crate::types::DSR_NONE;

    /// The scratch of one `dsr_engine_apply()`. (A macro, not a type alias:
    /// cbindgen would take an alias named after the core's `Scratch` for this
    /// crate's `convert::Scratch`.)
    macro_rules! json_scratch {
        ($a:lifetime) => {
            dsr_core::json::Scratch<$a, JSON_OBJECTS, JSON_LABELS, JSON_RULES, JSON_TEXT>
        };
    }

    /// What an engine keeps for `dsr_engine_apply()`.
    pub(crate) struct JsonState {
        /// Reset at the start of each call (see [`State::apply_json`]); the
        /// lifetime is a placeholder, never relied on. Uninitialised until
        /// [`JsonState::init`] builds it in place (`dsr_engine_init()`): built
        /// as part of the engine's value, the scratch (~21 KB with the default
        /// sizes) was assembled on the stack first (a 26 KB frame in `init`).
        scratch: MaybeUninit<json_scratch!('static)>,
        /// The last apply's error, while it is the engine's last failure:
        /// `dsr_engine_last_error()` writes it (the object, the JSON path).
        error: Option<ApplyError>,
        /// `error` was set by the call whose failure is being recorded.
        fresh: bool,
    }

    impl JsonState {
        const fn new() -> Self {
            JsonState {
                scratch: MaybeUninit::uninit(),
                error: None,
                fresh: false,
            }
        }

        /// Writes an empty state into `slot`, the scratch built in its place.
        pub(crate) fn init(slot: &mut MaybeUninit<JsonState>) {
            let state = slot.write(JsonState::new());
            // Entry by entry: `write(Scratch::new())` put the whole scratch on
            // the stack first (the firmware check measures `init`'s stack).
            <json_scratch!('static)>::init_in_place(&mut state.scratch);
        }

        /// A failure is recorded as the engine's last: the apply error stays
        /// only if that failure is its own.
        pub(crate) fn take_error(&mut self) {
            if !core::mem::take(&mut self.fresh) {
                self.error = None;
            }
        }

        pub(crate) fn forget_error(&mut self) {
            self.error = None;
            self.fresh = false;
        }

        /// The apply error that is the engine's last failure, if it is one.
        pub(crate) fn error(&self) -> Option<&ApplyError> {
            self.error.as_ref()
        }
    }

    /// The code of an apply error; the engine's own errors keep their codes
    /// (a table full, an invalid DaemonSet, ...).
    fn failure(e: &ApplyError) -> Failure {
        match e.problem {
            Problem::Engine(err) => err.into(),
            Problem::ScratchFull { .. } => dsr_result::DSR_RESULT_FULL_SCRATCH.into(),
            Problem::Watch { .. } => dsr_result::DSR_RESULT_WATCH_ERROR.into(),
            _ => dsr_result::DSR_RESULT_INVALID_JSON.into(),
        }
    }

    impl State {
        /// Applies `json` with the engine's scratch, emptied, and writes what
        /// it did to `out` when given; an error is kept for
        /// `dsr_engine_last_error()`.
        fn apply_json(
            &mut self,
            json: &[u8],
            out: Option<Out<dsr_applied>>,
        ) -> Result<(), Failure> {
            // What an earlier call left (references into its input, which may be
            // gone) is overwritten, never read: the scratch is built again in
            // place, as `dsr_engine_init()` built it (no temporary of its size
            // on the stack, and the same code: the firmware build counts its
            // bytes), so every reference in it is a valid `&'static` again.
            let scratch = <json_scratch!('static)>::init_in_place(&mut self.json.scratch);
            let slot: *mut json_scratch!('static) = scratch;
            // SAFETY: `slot` points to the engine's scratch, a field of `self`
            // (borrowed mutably for this call) that nothing else refers to.
            // `Scratch<'static>` and `Scratch<'j>` differ only in a lifetime;
            // what the core stores in it during this call borrows from `json`
            // and the scratch, which outlive the call, and is never read after
            // it: the next call resets the scratch first.
            let scratch = unsafe { &mut *slot.cast::<json_scratch!('_)>() };
            // The error is written where the engine keeps it.
            let Some(applied) = self
                .core
                .apply_keeping_error(json, scratch, &mut self.json.error)
            else {
                self.json.fresh = true;
                return Err(self
                    .json
                    .error
                    .as_ref()
                    .map_or(dsr_result::DSR_RESULT_INVALID_JSON.into(), failure));
            };
            if applied.kind == Kind::DaemonSet && applied.change == Change::Removed {
                // As dsr_engine_remove_daemon_set: plans made before are stale.
                self.epoch = self.epoch.wrapping_add(1);
            }
            if let Some(out) = out {
                out.set(applied_to_c(&applied));
            }
            Ok(())
        }
    }

    /// The C form of what apply did.
    fn applied_to_c(a: &Applied) -> dsr_applied {
        use dsr_change::*;
        use dsr_object_kind::*;
        let kind = match a.kind {
            Kind::Node => DSR_OBJECT_KIND_NODE,
            Kind::DaemonSet => DSR_OBJECT_KIND_DAEMON_SET,
            Kind::Pod => DSR_OBJECT_KIND_POD,
            Kind::ControllerRevision => DSR_OBJECT_KIND_CONTROLLER_REVISION,
            Kind::List => DSR_OBJECT_KIND_LIST,
            _ => DSR_OBJECT_KIND_OTHER,
        };
        let id = match a.id {
            ObjectId::Node(n) => n.0,
            ObjectId::DaemonSet(s) | ObjectId::Revision(Some(s)) => s.0,
            ObjectId::Pod(p) => p.0,
            ObjectId::Revision(None) | ObjectId::None => DSR_NONE,
        };
        let change = match a.change {
            Change::Added => DSR_CHANGE_ADDED,
            Change::Updated => DSR_CHANGE_UPDATED,
            Change::Removed => DSR_CHANGE_REMOVED,
            Change::Unchanged => DSR_CHANGE_UNCHANGED,
            Change::Ignored => DSR_CHANGE_IGNORED,
        };
        dsr_applied {
            kind: kind as u32,
            id,
            change: change as u32,
            placement_changed: a.placement_changed,
            added: a.counts.added,
            updated: a.counts.updated,
            removed: a.counts.removed,
            unchanged: a.counts.unchanged,
            ignored: a.counts.ignored,
        }
    }

    /// Applies a Kubernetes object, a `List` of them or a watch event, given as
    /// `len` bytes of JSON at `json` (as the API server, `kubectl get -o json`
    /// and `kubectl get -w --output-watch-events -o json` write them), and
    /// writes what it did to `*out` (`out` may be NULL).
    ///
    /// - A `v1 Node`, `apps/v1 DaemonSet` or `v1 Pod` is added, or replaces the
    ///   one of the same kind, namespace and name (`ADDED` and `MODIFIED` alike,
    ///   so applying a re-list again changes nothing); a `DELETED` event removes
    ///   it (a DaemonSet removed makes plans made before stale).
    /// - An `apps/v1 ControllerRevision` sets the current revision hash of the
    ///   DaemonSet that controls it when its `.revision` is the highest seen,
    ///   whether the DaemonSet comes before or after it.
    /// - A pod that appears controlled by a DaemonSet observes one of its
    ///   creates, one that goes (or becomes terminating) one of its deletes, as
    ///   the controller's pod event handlers do: an engine fed the cluster's
    ///   pods needs no `dsr_engine_observe_creates()` / `_deletes()`.
    /// - A `BOOKMARK` and other kinds are ignored; an `ERROR` event is
    ///   `DSR_RESULT_WATCH_ERROR`.
    ///
    /// Conversion (controller references, `Ready` condition, template
    /// generation, RFC 3339 times) is the core's, the same as `dsr explain`'s.
    /// Unknown fields are skipped. What is read goes into the engine's JSON
    /// scratch (`DSR_JSON_*`, in `dsr_capacities`): an object that does not fit
    /// is `DSR_RESULT_FULL_SCRATCH`, never cut short.
    ///
    /// On any error the engine is unchanged (the same answers, the same
    /// `dsr_engine_snapshot()` bytes), a `List` included: its items are applied
    /// in order and, when one is refused (invalid, or a table full part-way:
    /// `DSR_RESULT_FULL_*`), the items before it are undone, `*out` is not
    /// written (as on every error), and `dsr_engine_last_error()` names the
    /// refused item. A `List` keeps the old form of each object it changes
    /// until all its items are applied, so it needs room for what the engine
    /// held before it plus the new form of every object it adds or changes
    /// (unchanged items take none): near a capacity, a `List` may be refused
    /// whose items, applied one by one, would fit. `dsr_engine_last_error()`
    /// names the object, the
    /// JSON path and the problem, e.g. `invalid JSON or not a Kubernetes
    /// object: DaemonSet "fluentd-elasticsearch":
    /// spec.template.spec.tolerations[0].tolerationSeconds: not the JSON type
    /// the API defines for this field`. Bad JSON is `DSR_RESULT_INVALID_JSON`;
    /// an object the engine refuses has the code of the engine's rule
    /// (`DSR_RESULT_INVALID_DAEMON_SET`, `DSR_RESULT_FULL_NODES`, ...).
    ///
    /// # Safety
    /// `engine` must be NULL or an engine from `dsr_engine_init()`; `json` NULL
    /// (with `len` 0) or valid for reading `len` bytes; `out` NULL or writable.
    #[no_mangle]
    pub unsafe extern "C" fn dsr_engine_apply(
        engine: *mut dsr_engine,
        json: *const u8,
        len: usize,
        out: *mut dsr_applied,
    ) -> dsr_result {
        boundary!({
            try_engine_mut!(engine).run_unit(|e| {
                let json = try_slice!(json, len);
                let out = if out.is_null() {
                    None
                } else {
                    Some(try_out!(out))
                };
                e.apply_json(json, out)
            })
        })
    }
}
