//! Kubernetes objects as JSON into the engine (the `json` feature): `v1 Node`,
//! `apps/v1 DaemonSet`, `v1 Pod` and `apps/v1 ControllerRevision` as the API
//! server and `kubectl get -o json` write them, a `List` of them, and watch events
//! (`{"type": "ADDED", "object": {...}}`). See [`Engine::apply`](crate::Engine::apply).
//!
//! Decoding is `serde` over `serde-json-core`: no heap, no recursion beyond the
//! fields dsr reads, and documents nested at most [`MAX_DEPTH`] deep. Every list an
//! object holds (labels, taints, tolerations, requirements, ...) is carved from
//! the caller's [`Scratch`], and strings are borrowed from the input unless they
//! hold an escape, in which case they are unescaped into the scratch's text
//! buffer. Nothing is cut short: a list or string that does not fit is an
//! [`ApplyError`] naming the object, the JSON path and the scratch array to grow.
//!
//! The conversion rules are the ones `dsr` has always applied to dumps:
//! - the controller of a pod or ControllerRevision is its first owner reference
//!   with `controller: true`;
//! - a pod's readiness is its first `Ready` condition, with its
//!   `lastTransitionTime`;
//! - times are RFC 3339, rounded down to whole seconds;
//! - a DaemonSet's template generation is its
//!   `deprecated.daemonset.template.generation` annotation;
//! - its current revision hash is its `dsr.io/current-revision` annotation when
//!   present, else the `controller-revision-hash` label of the ControllerRevision
//!   with the highest `.revision` among those whose controller is the DaemonSet
//!   (same namespace, controller uid = the DaemonSet's uid), else empty;
//! - absent fields take the values the core documents for absent inputs (the
//!   API server's defaults are applied by the engine); an absent `spec.selector`
//!   reads as empty; a `nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`
//!   without terms is present with none.
//!
//! Unknown fields are skipped, nested objects and arrays included. Skipping
//! scalars is lenient, as `serde-json-core` is: a skipped number or literal is
//! read up to the next `,`, `}` or `]` without checking its spelling.
//!
//! A node's read ends at its `status`, and a pod's once its status's `phase`
//! and `conditions` are read, when nothing read follows them (the API server
//! writes `status` last): the rest of the document is then only checked to be
//! JSON that `serde-json-core` would accept, by a skipper much faster than
//! parsing it (not in the firmware build, `compact`). In any other order, or
//! when that check fails, the whole document is read, so the answers and the
//! errors never depend on the order of the keys.

mod apply;
mod daemonset;
pub(crate) mod de;
mod meta;
mod node;
#[cfg(feature = "compact")]
mod one;
#[cfg(not(feature = "compact"))]
mod peek;
mod pod;
mod podspec;
mod revision;
#[cfg(not(feature = "compact"))]
mod skip;

use core::fmt;
use core::mem::MaybeUninit;

use core::ptr::addr_of_mut;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};

pub use crate::revisions::REVISION_ANNOTATION;
pub use apply::{Applied, Change, Counts, ObjectId};
pub use de::MAX_DEPTH;
pub use meta::TEMPLATE_GENERATION_ANNOTATION;
#[cfg(not(feature = "compact"))]
pub use peek::{Peek, StatusCounts};

use crate::input::{
    ContainerInput, LabelInput, NodeSelectorTermInput, RequirementInput, TaintInput,
    TolerationInput,
};
use crate::stage::{Step, Undo};
use de::{
    field_of, int, match_key, read_value, read_whole, Bump, Ctx, Elements, Fields, Out, Read, Seg,
    Source, Stop, Want,
};
#[cfg(feature = "compact")]
use one::{One, Value};

/// Bytes the `json` feature adds to an engine per DaemonSet (`SETS`): the
/// remembered highest ControllerRevision.
pub const BYTES_PER_DAEMON_SET: usize =
    core::mem::size_of::<Option<crate::revisions::Remembered>>();

/// The kinds of object [`Engine::apply`](crate::Engine::apply) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Kind {
    /// `v1 Node`.
    Node,
    /// `apps/v1 DaemonSet`.
    DaemonSet,
    /// `v1 Pod`.
    Pod,
    /// `apps/v1 ControllerRevision`.
    ControllerRevision,
    /// A `List` (or `NodeList`, ...) of objects.
    List,
    /// Another kind (a Service, say): read past and ignored.
    Other,
    /// Not known yet (the error came before `kind`).
    Unknown,
}

impl Kind {
    fn of(kind: &str) -> Kind {
        match_key! { kind;
            "Node" => Kind::Node,
            "DaemonSet" => Kind::DaemonSet,
            "Pod" => Kind::Pod,
            "ControllerRevision" => Kind::ControllerRevision,
            _ => {
                if kind.ends_with("List") {
                    Kind::List
                } else {
                    Kind::Other
                }
            },
        }
    }

    /// The kind as Kubernetes spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Node => "Node",
            Kind::DaemonSet => "DaemonSet",
            Kind::Pod => "Pod",
            Kind::ControllerRevision => "ControllerRevision",
            Kind::List => "List",
            Kind::Other => "object",
            Kind::Unknown => "object",
        }
    }
}

/// A watch event's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EventType {
    /// `ADDED`.
    Added,
    /// `MODIFIED`.
    Modified,
    /// `DELETED`.
    Deleted,
    /// `BOOKMARK`: a resourceVersion marker, nothing to apply.
    Bookmark,
    /// `ERROR`: the object is a `Status`.
    Error,
}

/// An array of a [`Scratch`], named when it is too small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ScratchPool {
    /// Objects (the items of a `List`): `OBJECTS`.
    Objects,
    /// Labels, `matchLabels` and `nodeSelector` entries: `LABELS`.
    Labels,
    /// Taints: `RULES`.
    Taints,
    /// Tolerations: `RULES`.
    Tolerations,
    /// Selector requirements: `RULES`.
    Requirements,
    /// Requirement values: `RULES`.
    Values,
    /// Node-affinity terms: `RULES`.
    Terms,
    /// Containers: `RULES`.
    Containers,
    /// Bytes of unescaped strings: `TEXT`.
    Text,
}

impl ScratchPool {
    /// The array's name in messages.
    pub const fn name(self) -> &'static str {
        match self {
            ScratchPool::Objects => "objects",
            ScratchPool::Labels => "labels",
            ScratchPool::Taints => "taints",
            ScratchPool::Tolerations => "tolerations",
            ScratchPool::Requirements => "requirements",
            ScratchPool::Values => "values",
            ScratchPool::Terms => "terms",
            ScratchPool::Containers => "containers",
            ScratchPool::Text => "text bytes",
        }
    }
}

/// What is wrong with the input (see [`ApplyError`] for where).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The JSON does not parse, or a field has the wrong type.
    Syntax(serde_json_core::de::Error),
    /// The document is nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A scratch array is too small for the object (nothing was cut short).
    ScratchFull {
        /// The array.
        pool: ScratchPool,
        /// Its capacity.
        capacity: usize,
    },
    /// A time that is not RFC 3339 (quoted in [`ApplyError::detail`]).
    Time,
    /// The input is not an object with a `kind`, a `List` or a watch event.
    NotAnObject,
    /// A watch event of an unknown `type` (quoted in [`ApplyError::detail`]).
    EventType,
    /// An `ERROR` watch event: the `Status`'s `code` (its `message` is in
    /// [`ApplyError::detail`]).
    Watch {
        /// `code` (410 when the watch's resourceVersion is too old).
        code: i64,
    },
    /// The engine refused the object (with the engine's [`crate::Error`], which
    /// names the field; the path is set when the decoder could tell where, as
    /// for a selector requirement).
    Engine(crate::Error),
}

/// Longest object name kept in an [`ApplyError`].
pub const ERROR_NAME_MAX: usize = 64;
/// Longest JSON path kept in an [`ApplyError`].
pub const ERROR_PATH_MAX: usize = 96;
/// Longest detail kept in an [`ApplyError`].
pub const ERROR_DETAIL_MAX: usize = 64;

/// Why [`Engine::apply`](crate::Engine::apply) refused its input. The engine is
/// as it was before the call.
///
/// The name, path and detail are copies (cut at their maximum length with `...`),
/// so the error outlives the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyError {
    /// The kind of the object being read.
    pub kind: Kind,
    /// Its `metadata.name`, when read before the problem.
    pub name: heapless::String<ERROR_NAME_MAX>,
    /// The JSON path of the problem, e.g.
    /// `spec.template.spec.tolerations[2].operator` (empty for a problem of the
    /// whole object, or one the engine found: see [`Problem::Engine`]).
    pub path: heapless::String<ERROR_PATH_MAX>,
    /// What is wrong.
    pub problem: Problem,
    /// A value to quote: an invalid time, an unknown event type, an `ERROR`
    /// event's message.
    pub detail: heapless::String<ERROR_DETAIL_MAX>,
}

impl ApplyError {
    fn new(kind: Kind, problem: Problem) -> Self {
        ApplyError {
            kind,
            name: heapless::String::new(),
            path: heapless::String::new(),
            problem,
            detail: heapless::String::new(),
        }
    }

    /// Makes this error `kind`'s `problem`, with no name, path or detail,
    /// where it is.
    fn reset(&mut self, kind: Kind, problem: Problem) {
        self.kind = kind;
        self.problem = problem;
        self.name.clear();
        self.path.clear();
        self.detail.clear();
    }
}

/// Copies `s` into `out`, ending with `...` when it does not fit (cut at a
/// character boundary, with room kept for the `...`).
// One copy for every string size (a view, not a const generic), and one
// `push_str` rather than a push per character.
fn copy_cut(out: &mut heapless::string::StringView, s: &str) {
    let room = out.capacity().saturating_sub(3).saturating_sub(out.len());
    if s.len() <= room {
        let _ = out.push_str(s);
        return;
    }
    let mut end = room;
    while !s.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    let _ = out.push_str(s.get(..end).unwrap_or(""));
    let _ = out.push_str("...");
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Kind "name": path: problem`, leaving out what is not known.
        let mut sep = "";
        if self.kind != Kind::Unknown {
            f.write_str(self.kind.name())?;
            sep = " ";
        }
        if !self.name.is_empty() {
            write!(f, "{sep}{:?}", self.name.as_str())?;
            sep = " ";
        }
        if !sep.is_empty() {
            f.write_str(":")?;
        }
        if !self.path.is_empty() {
            write!(f, "{sep}{}:", self.path)?;
            sep = " ";
        }
        f.write_str(sep)?;
        match self.problem {
            Problem::Syntax(serde_json_core::de::Error::InvalidType) => {
                f.write_str("not the JSON type the API defines for this field")
            }
            Problem::Syntax(e) => write!(f, "invalid JSON: {e}"),
            Problem::TooDeep => write!(f, "nested deeper than {MAX_DEPTH} levels"),
            Problem::ScratchFull { pool, capacity } => write!(
                f,
                "does not fit the scratch's {} (capacity {capacity})",
                pool.name()
            ),
            Problem::Time => write!(f, "not an RFC 3339 time: {:?}", self.detail.as_str()),
            Problem::NotAnObject => {
                f.write_str("expected a Kubernetes object with `kind`, a List or a watch event")
            }
            Problem::EventType => write!(f, "unknown watch event type {:?}", self.detail.as_str()),
            Problem::Watch { code } => {
                write!(f, "watch error {code}: {}", self.detail.as_str())
            }
            Problem::Engine(e) if !self.detail.is_empty() => {
                write!(f, "{e}: {:?}", self.detail.as_str())
            }
            Problem::Engine(e) => write!(f, "{e}"),
        }
    }
}

/// Working space for one [`Engine::apply`](crate::Engine::apply) call: the lists
/// of the objects read (`OBJECTS` objects; `LABELS` labels; `RULES` each of taints,
/// tolerations, requirements, values, terms and containers) and `TEXT` bytes for
/// unescaped strings; and an undo log of `OBJECTS` entries (208 bytes each on
/// x86-64; see [`stage`](crate::stage)), under which a `List` is applied whole
/// or not at all.
///
/// What is read borrows from it for the call, so a scratch serves one call: make
/// a new one for each (`Scratch::new()` is `const` and fills placeholder entries;
/// [`Scratch::init_in_place`] builds one where it is kept, without a stack
/// temporary of its size).
/// `OBJECTS` is the most items a `List` may have; a single object or event needs 1.
#[derive(Debug)]
pub struct Scratch<
    'a,
    const OBJECTS: usize = 1,
    const LABELS: usize = 128,
    const RULES: usize = 64,
    const TEXT: usize = 1024,
> {
    objects: [Object<'a>; OBJECTS],
    labels: [LabelInput<'a>; LABELS],
    taints: [TaintInput<'a>; RULES],
    tolerations: [TolerationInput<'a>; RULES],
    requirements: [RequirementInput<'a>; RULES],
    values: [&'a str; RULES],
    terms: [NodeSelectorTermInput<'a>; RULES],
    containers: [ContainerInput<'a>; RULES],
    text: [u8; TEXT],
    /// The decoding state of the call, here rather than on the stack (it is
    /// most of a kilobyte, and the stack bound is 4 KiB).
    state: State<'a>,
    /// The undo log a `List` is applied under (one entry per item).
    undo: Undo<OBJECTS>,
}

/// Where a [`Scratch`] keeps the decoding state of its call: the context, and
/// the top level of the input and of a watch event's object.
struct State<'a>(Option<Ctx<'a>>, [Top<'a>; 2]);

impl State<'_> {
    /// No call's state.
    const EMPTY: Self = State(None, [Top::EMPTY; 2]);
}

impl fmt::Debug for State<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("State")
    }
}

/// A scratch for a `List` of up to 256 objects (a dump of a small cluster).
pub type ListScratch<'a> = Scratch<'a, 256, 8192, 2048, 8192>;

const LABEL: LabelInput<'static> = LabelInput { key: "", value: "" };
const TAINT: TaintInput<'static> = TaintInput {
    key: "",
    value: "",
    effect: "",
};
const TOLERATION: TolerationInput<'static> = TolerationInput {
    key: "",
    operator: "",
    value: "",
    effect: "",
    toleration_seconds: None,
};
const REQUIREMENT: RequirementInput<'static> = RequirementInput {
    key: "",
    operator: "",
    values: &[],
};
const TERM: NodeSelectorTermInput<'static> = NodeSelectorTermInput {
    match_expressions: &[],
    match_fields: &[],
};

impl<const OBJECTS: usize, const LABELS: usize, const RULES: usize, const TEXT: usize>
    Scratch<'_, OBJECTS, LABELS, RULES, TEXT>
{
    /// An empty scratch (on the stack: see [`Scratch::init_in_place`] for one
    /// kept elsewhere).
    pub const fn new() -> Self {
        Scratch {
            objects: [Object::Empty; OBJECTS],
            labels: [LABEL; LABELS],
            taints: [TAINT; RULES],
            tolerations: [TOLERATION; RULES],
            requirements: [REQUIREMENT; RULES],
            values: [""; RULES],
            terms: [TERM; RULES],
            containers: [ContainerInput { name: "" }; RULES],
            text: [0; TEXT],
            state: State::EMPTY,
            undo: Undo::new(),
        }
    }
}

impl<'a, const OBJECTS: usize, const LABELS: usize, const RULES: usize, const TEXT: usize>
    Scratch<'a, OBJECTS, LABELS, RULES, TEXT>
{
    /// Empties the scratch where it is, as [`Scratch::new`] makes it, without a
    /// temporary of its size: for a scratch that lives in long-lived memory
    /// and serves one call after another.
    pub fn reset(&mut self) {
        self.objects.fill(Object::Empty);
        self.labels.fill(LABEL);
        self.taints.fill(TAINT);
        self.tolerations.fill(TOLERATION);
        self.requirements.fill(REQUIREMENT);
        self.values.fill("");
        self.terms.fill(TERM);
        self.containers.fill(ContainerInput { name: "" });
        self.text.fill(0);
        self.state = State::EMPTY;
        self.undo.steps.fill(Step::EMPTY);
    }
}

impl<const OBJECTS: usize, const LABELS: usize, const RULES: usize, const TEXT: usize>
    Scratch<'_, OBJECTS, LABELS, RULES, TEXT>
{
    /// Builds an empty scratch in `slot`, entry by entry, and returns it.
    ///
    /// `slot.write(Scratch::new())` may assemble the whole scratch (~21 KB with
    /// the default sizes) on the stack first and copy it; this never does, so
    /// a scratch kept in an engine's memory or a static can be set up within
    /// the 4 KiB stack bound.
    // The core's one `unsafe`: safe Rust cannot reach the fields of an
    // uninitialised struct, and the optimiser does not reliably build a value
    // of this size in its final place.
    #[allow(unsafe_code)]
    pub fn init_in_place(slot: &mut MaybeUninit<Self>) -> &mut Self {
        /// Writes `value` to each of the `N` entries at `array`.
        ///
        /// # Safety
        /// `array` must be valid for writes of `[T; N]`.
        unsafe fn fill<T: Copy, const N: usize>(array: *mut [T; N], value: T) {
            let first = array.cast::<T>();
            for i in 0..N {
                // SAFETY: `i < N`, so `first + i` is inside the array, which
                // is valid for writes (contract); `write` reads and drops
                // nothing.
                unsafe { first.add(i).write(value) };
            }
        }
        let p = slot.as_mut_ptr();
        // SAFETY: `p` points to `slot`, valid for writes of `Self`; `addr_of_mut!`
        // reaches each field without making a reference to uninitialised memory.
        // Every field but the decoding state and the undo log is an array, and
        // every entry of every array is written, as is the state (a small
        // value, written whole) and the log's one field, an array, so `Self`
        // is fully initialised before `assume_init_mut`.
        unsafe {
            fill(addr_of_mut!((*p).objects), Object::Empty);
            fill(addr_of_mut!((*p).labels), LABEL);
            fill(addr_of_mut!((*p).taints), TAINT);
            fill(addr_of_mut!((*p).tolerations), TOLERATION);
            fill(addr_of_mut!((*p).requirements), REQUIREMENT);
            fill(addr_of_mut!((*p).values), "");
            fill(addr_of_mut!((*p).terms), TERM);
            fill(addr_of_mut!((*p).containers), ContainerInput { name: "" });
            fill(addr_of_mut!((*p).text), 0);
            addr_of_mut!((*p).state).write(State::EMPTY);
            fill(addr_of_mut!((*p).undo.steps), Step::EMPTY);
            slot.assume_init_mut()
        }
    }
}

impl<const OBJECTS: usize, const LABELS: usize, const RULES: usize, const TEXT: usize> Default
    for Scratch<'_, OBJECTS, LABELS, RULES, TEXT>
{
    fn default() -> Self {
        Self::new()
    }
}

/// One decoded object.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Object<'a> {
    Empty,
    Node(node::Node<'a>),
    DaemonSet(daemonset::DaemonSet<'a>),
    Pod(pod::Pod<'a>),
    Revision(revision::Revision<'a>),
    /// Another kind, ignored.
    Other,
}

/// What an input holds, decoded.
pub(crate) struct Decoded<'a> {
    /// The watch event's type; `None` for an object or a `List`.
    pub event: Option<EventType>,
    /// The input's own kind ([`Kind::List`] for a list).
    pub kind: Kind,
    pub objects: &'a [Object<'a>],
    /// The scratch's undo log.
    pub undo: &'a mut [Step],
}

/// The top level of an object, a `List` or a watch event: where things are.
#[derive(Default, Clone, Copy)]
struct Top<'a> {
    kind: Option<&'a str>,
    type_: Option<&'a str>,
    /// Where the value of `object` and `items` start.
    object: Option<usize>,
    items: Option<usize>,
    /// Where this object starts (its `{`), from its first key.
    start: Option<usize>,
    /// A `Status`'s `message` and `code` (an `ERROR` event's object).
    message: &'a str,
    code: i64,
    /// Where to stop reading, and whether it stopped there.
    stop: StopAt,
    stopped: bool,
}

/// Where a [`Top`] stops reading: a peek at what a document is, before it is
/// read once as that.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum StopAt {
    /// Reads the whole object.
    #[default]
    End,
    /// Once `kind` is read (a watch event's object).
    Kind,
    /// Once `kind` is read, or before `object` or `items` (the document).
    First,
}

impl Top<'_> {
    const EMPTY: Top<'static> = Top {
        kind: None,
        type_: None,
        object: None,
        items: None,
        start: None,
        message: "",
        code: 0,
        stop: StopAt::End,
        stopped: false,
    };

    /// A `Top` that stops at `stop`.
    const fn peek(stop: StopAt) -> Self {
        Top { stop, ..Top::EMPTY }
    }

    /// Makes this `Top` one that stops at `stop`, where it is (one body for
    /// the readers that start one again).
    #[inline(never)]
    fn restart(&mut self, stop: StopAt) {
        *self = Top::peek(stop);
    }

    /// Stops the read here (not an error: the caller sees `stopped`).
    fn stop(&mut self) -> Read<()> {
        self.stopped = true;
        Err(Stop)
    }
}

impl<'a> Fields<'a> for Top<'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        if self.start.is_none() {
            self.start = ctx.object_start(key);
        }
        match_key! { key;
            "kind" => {
                self.kind = ctx.string(src)?;
                if self.stop != StopAt::End {
                    return self.stop();
                }
            },
            "type" => self.type_ = ctx.string(src)?,
            "message" => self.message = ctx.str_or_empty(src)?,
            "code" => self.code = int(src)?.unwrap_or(0),
            "object" => {
                if self.stop == StopAt::First {
                    return self.stop();
                }
                self.object = ctx.value_start(key);
                ctx.skip(src)?;
            },
            "items" => {
                if self.stop == StopAt::First {
                    return self.stop();
                }
                self.items = ctx.value_start(key);
                ctx.skip(src)?;
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

/// Runs `want` over the JSON value at `at` in the input (trailing text after it
/// is the enclosing document's).
fn at<'a>(
    json: &'a [u8],
    at: usize,
    want: Want<'_, 'a>,
) -> Result<Out<'a>, serde_json_core::de::Error> {
    read_value(json.get(at..).unwrap_or(&[]), want)
}

/// Reads the beginning of the object at `start` with `top` (a peek: see
/// [`StopAt`]); `Ok(false)` for `null`.
fn peek<'a>(
    ctx: &mut Ctx<'a>,
    start: usize,
    top: &mut Top<'a>,
) -> Result<bool, serde_json_core::de::Error> {
    let depth = ctx.depth;
    match at(ctx.json, start, Want::Object(ctx, &mut *top)) {
        Err(_) if top.stopped => {
            ctx.depth = depth;
            Ok(true)
        }
        Err(e) => Err(e),
        Ok(out) => Ok(matches!(out, Out::Done)),
    }
}

/// The next slot of the object array, made an empty object of `kind` to read
/// into where it is: the object being read, which starts at `start` (its
/// kind and start are the context's, for messages). [`close_object`] counts
/// it.
// Written where it goes: returned, it was built in a stack temporary (an
// object is hundreds of bytes: 400 bytes more stack under a watch event's
// apply) and copied.
#[inline(never)]
fn open_object<'o, 'a>(
    ctx: &mut Ctx<'a>,
    objects: &'o mut Bump<'a, Object<'a>>,
    kind: Kind,
    start: usize,
) -> Read<&'o mut Object<'a>> {
    ctx.kind = kind;
    ctx.name = "";
    ctx.start = Some(start);
    let slot = objects.next().map_err(|p| ctx.fail(p))?;
    *slot = match kind {
        Kind::Node => Object::Node(node::Node::default()),
        Kind::DaemonSet => Object::DaemonSet(daemonset::DaemonSet::default()),
        Kind::Pod => Object::Pod(pod::Pod::default()),
        Kind::ControllerRevision => Object::Revision(revision::Revision::default()),
        _ => Object::Other,
    };
    Ok(slot)
}

/// Counts the object read into the slot [`open_object`] gave, once
/// [`read_done`].
#[inline(never)]
fn close_object(ctx: &Ctx<'_>, objects: &mut Bump<'_, Object<'_>>) {
    if let Ok(slot) = objects.next() {
        read_done(ctx, slot);
    }
    objects.commit();
}

/// The reader of an object's fields (`None` for a kind dsr does not read).
fn fields_of<'o, 'a>(object: &'o mut Object<'a>) -> Option<&'o mut dyn Fields<'a>> {
    match object {
        Object::Node(n) => Some(n),
        Object::DaemonSet(d) => Some(d),
        Object::Pod(p) => Some(p),
        Object::Revision(r) => Some(r),
        Object::Empty | Object::Other => None,
    }
}

/// What follows reading an object: a namespaced object written without a
/// namespace is in `default`, as kubectl and the API server take it.
fn read_done(ctx: &Ctx<'_>, object: &mut Object<'_>) {
    match object {
        _ if !ctx.default_namespace => {}
        Object::DaemonSet(d) => d.meta.default_namespace(),
        Object::Pod(p) => p.meta.default_namespace(),
        Object::Revision(r) => r.meta.default_namespace(),
        Object::Node(_) | Object::Empty | Object::Other => {}
    }
}

/// Reads the whole input, an object of `kind`, into the object array, in place
/// (an object is hundreds of bytes: not a stack temporary); for a kind dsr does
/// not read, an ignored object.
#[inline(never)]
fn read_document<'a>(
    ctx: &mut Ctx<'a>,
    objects: &mut Bump<'a, Object<'a>>,
    kind: Kind,
) -> Result<(), serde_json_core::de::Error> {
    let json = ctx.json;
    let slot = open_object(ctx, objects, kind, 0)
        .map_err(|Stop| serde_json_core::de::Error::CustomError)?;
    if let Some(fields) = fields_of(slot) {
        let depth = ctx.depth;
        ctx.set_tail(de::Tail::Document);
        let read = read_whole(json, Want::Object(ctx, fields));
        ctx.set_tail(de::Tail::Unknown);
        match read {
            // The reader ended the read early (see `Ctx::can_finish`).
            Err(_) if ctx.finished() => ctx.depth = depth,
            read => {
                read?;
            }
        }
    }
    close_object(ctx, objects);
    Ok(())
}

/// A kind whose objects dsr reads.
fn is_object_kind(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Node | Kind::DaemonSet | Kind::Pod | Kind::ControllerRevision
    )
}

/// The items of a `List`, each read in place (see [`Item`]).
struct Items<'o, 'a> {
    default_kind: Option<&'a str>,
    objects: &'o mut Bump<'a, Object<'a>>,
}

impl<'a> Elements<'a> for Items<'_, 'a> {
    fn element(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<bool> {
        let mut item = Item {
            default_kind: self.default_kind,
            objects: self.objects,
            kind: None,
        };
        if let Out::End = src.next(Want::Object(ctx, &mut item))? {
            return Ok(false);
        }
        if item.kind.is_none() {
            return Err(ctx.fail(Problem::NotAnObject));
        }
        // Its first field opened its slot.
        close_object(ctx, self.objects);
        Ok(true)
    }
}

/// One item of a `List`: at its first key, where it starts tells its kind (a
/// peek up to `kind`); then every field is its kind's.
struct Item<'o, 'a> {
    default_kind: Option<&'a str>,
    objects: &'o mut Bump<'a, Object<'a>>,
    kind: Option<Kind>,
}

impl<'a> Fields<'a> for Item<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        if self.kind.is_none() {
            let Some(start) = ctx.object_start(key) else {
                return Err(ctx.fail(Problem::NotAnObject));
            };
            // The peek reads from the item's start: its path is the item's.
            ctx.leave();
            let mut top = Top::peek(StopAt::Kind);
            peek(ctx, start, &mut top).map_err(|e| {
                ctx.note(e);
                Stop
            })?;
            ctx.enter(Seg::Key(key));
            let kind = top
                .kind
                .or(self.default_kind)
                .map_or(Kind::Unknown, Kind::of);
            if matches!(kind, Kind::List | Kind::Unknown) {
                return Err(ctx.fail(Problem::NotAnObject));
            }
            open_object(ctx, self.objects, kind, start)?;
            self.kind = Some(kind);
        }
        let slot = self.objects.next().map_err(|p| ctx.fail(p))?;
        match fields_of(slot) {
            Some(fields) => fields.field(ctx, key, src),
            None => ctx.skip(src),
        }
    }
}

/// The top level of the input, read once: a watch event's object and a
/// `List`'s items (when its kind came first) are read where they are.
struct Document<'t, 'o, 'a> {
    top: &'t mut Top<'a>,
    /// A watch event's object, when it is not of a kind dsr reads (a `Status`).
    inner: &'t mut Top<'a>,
    objects: &'o mut Bump<'a, Object<'a>>,
    /// A `List`'s default item kind, when its `kind` was seen first.
    list: Option<Option<&'a str>>,
    /// The kind of the event's object, when read.
    object_kind: Option<Kind>,
    /// Whether `items` were read.
    items_read: bool,
}

impl<'a> Fields<'a> for Document<'_, '_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        match key {
            // A watch event's object that is not read as its kind (see
            // `DocumentVisitor`, which found where it is and what).
            "object" if is_event(self.top.kind) => match self.top.type_ {
                Some("BOOKMARK") => ctx.skip(src),
                _ => self.read_status(ctx, src),
            },
            "items" if self.list.is_some() => {
                if self.top.start.is_none() {
                    self.top.start = ctx.object_start(key);
                }
                self.top.items = ctx.value_start(key);
                let default_kind = self.list.flatten();
                let mut each = Items {
                    default_kind,
                    objects: self.objects,
                };
                ctx.array(src, &mut each)?;
                self.items_read = true;
                Ok(())
            }
            _ => self.top.field(ctx, key, src),
        }
    }
}

/// Reads the input as a [`Document`], but a watch event's object of a kind dsr
/// reads by that kind's reader directly, where it is: the object's levels are
/// nested in this one frame rather than in the document's field reading (the
/// stack bound).
struct DocumentVisitor<'c, 'd, 't, 'o, 'a> {
    ctx: &'c mut Ctx<'a>,
    doc: &'d mut Document<'t, 'o, 'a>,
}

impl<'a> Visitor<'a> for DocumentVisitor<'_, '_, '_, '_, 'a> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<(), M::Error> {
        let DocumentVisitor { ctx, doc } = self;
        while let Some(Out::Str(key)) = map.next_key_seed(Want::Key)? {
            ctx.enter(Seg::Key(key));
            let in_place = match key {
                "object" if is_event(doc.top.kind) => doc
                    .event_object(ctx, key)
                    .map_err(|_| M::Error::custom(""))?,
                _ => None,
            };
            match in_place {
                Some((start, kind)) => map.next_value_seed(InPlace {
                    ctx: &mut *ctx,
                    objects: &mut *doc.objects,
                    start,
                    kind,
                })?,
                None => field_of(ctx, &mut *doc, key, &mut map)?,
            }
            ctx.leave();
        }
        Ok(())
    }
}

/// A watch event's object of `kind`, read into the object array in place (an
/// object is hundreds of bytes: not a stack temporary); `start` is where it
/// starts, for messages.
struct InPlace<'c, 'o, 'a> {
    ctx: &'c mut Ctx<'a>,
    objects: &'o mut Bump<'a, Object<'a>>,
    start: usize,
    kind: Kind,
}

impl<'a> DeserializeSeed<'a> for InPlace<'_, '_, 'a> {
    type Value = ();
    // In the visitor's frame: the object's levels nest below it.
    #[inline(always)]
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<(), D::Error> {
        let InPlace {
            ctx,
            objects,
            start,
            kind,
        } = self;
        let Ok(slot) = open_object(ctx, objects, kind, start) else {
            return Err(D::Error::custom(""));
        };
        if let Some(fields) = fields_of(slot) {
            ctx.set_tail(de::Tail::Event);
            let read = Want::Object(ctx, fields).deserialize(d);
            ctx.set_tail(de::Tail::Unknown);
            if let Err(e) = read {
                if !ctx.finished() {
                    return Err(e);
                }
                // Read all the same: the error unwinds the event's read, which
                // `read` ends there.
                close_object(ctx, objects);
                return Err(e);
            }
        }
        close_object(ctx, objects);
        Ok(())
    }
}

impl<'a> Document<'_, '_, 'a> {
    /// Where a watch event's object (the value of `key`) starts and its kind,
    /// when it is to be read as that kind; `None` when not (a bookmark's, an
    /// `ERROR` event's `Status`, a kind dsr does not read). Apart from the
    /// field's reading so that the object's own reading, nested in it, does
    /// not carry this frame (the stack bound).
    #[inline(never)]
    fn event_object(&mut self, ctx: &mut Ctx<'a>, key: &'a str) -> Read<Option<(usize, Kind)>> {
        if self.top.start.is_none() {
            self.top.start = ctx.object_start(key);
        }
        self.object_kind = Some(Kind::Unknown);
        let Some(start) = ctx.value_start(key) else {
            return Ok(None);
        };
        self.top.object = Some(start);
        self.inner.restart(StopAt::Kind);
        if !peek(ctx, start, self.inner).map_err(|e| {
            ctx.note(e);
            Stop
        })? {
            // `null`: not an object (see `read`).
            return Ok(None);
        }
        let kind = self.inner.kind.map_or(Kind::Unknown, Kind::of);
        self.object_kind = Some(kind);
        Ok(match self.top.type_ {
            // A bookmark's object carries only metadata.resourceVersion; an
            // `ERROR` event's is a `Status`, read for its message.
            Some("BOOKMARK" | "ERROR") => None,
            _ if is_object_kind(kind) => Some((start, kind)),
            _ => None,
        })
    }

    /// A watch event's object that is not of a kind dsr reads: its `message`
    /// and `code`, and an ignored object.
    #[inline(never)]
    fn read_status(&mut self, ctx: &mut Ctx<'a>, src: &mut dyn Source<'a>) -> Read<()> {
        self.inner.restart(StopAt::End);
        ctx.object(src, self.inner)?;
        self.objects.push(Object::Other).map_err(|p| ctx.fail(p))
    }
}

/// Reads `json` into `scratch`; on error, the context to name it from (see
/// [`failure`]), so that the caller's frame holds no error while decoding.
// Inlined, as is `read`, but in the firmware build (`compact`, where code size
// decides): one frame for the levels above the document's (the stack bound).
#[cfg_attr(not(feature = "compact"), inline(always))]
#[cfg_attr(feature = "compact", inline(never))]
pub(crate) fn decode<
    'a,
    const OBJECTS: usize,
    const LABELS: usize,
    const RULES: usize,
    const TEXT: usize,
>(
    json: &'a [u8],
    scratch: &'a mut Scratch<'a, OBJECTS, LABELS, RULES, TEXT>,
    default_namespace: bool,
) -> Result<Decoded<'a>, &'a mut Ctx<'a>> {
    let Scratch {
        objects,
        labels,
        taints,
        tolerations,
        requirements,
        values,
        terms,
        containers,
        text,
        state,
        undo,
    } = scratch;
    let mut objects = Bump::new(objects, ScratchPool::Objects);
    let State(slot, tops) = state;
    let ctx = slot.insert(Ctx {
        json,
        labels: Bump::new(labels, ScratchPool::Labels),
        taints: Bump::new(taints, ScratchPool::Taints),
        tolerations: Bump::new(tolerations, ScratchPool::Tolerations),
        requirements: Bump::new(requirements, ScratchPool::Requirements),
        values: Bump::new(values, ScratchPool::Values),
        terms: Bump::new(terms, ScratchPool::Terms),
        containers: Bump::new(containers, ScratchPool::Containers),
        text: Bump::new(text, ScratchPool::Text),
        path: [Seg::Index(0); de::PATH_MAX],
        depth: 0,
        problem: None,
        detail: "",
        kind: Kind::Unknown,
        name: "",
        start: None,
        error: None,
        default_namespace,
        #[cfg(not(feature = "compact"))]
        tail: de::Tail::Unknown,
        #[cfg(not(feature = "compact"))]
        finished: None,
    });
    *tops = [Top::EMPTY; 2];
    let r = read(ctx, &mut objects, tops).and_then(|(event, kind, again)| {
        if again {
            read_document(ctx, &mut objects, kind)?;
        }
        Ok((event, kind))
    });
    match r {
        Ok(d) => Ok(Decoded {
            event: d.0,
            kind: d.1,
            objects: objects.finish(),
            undo: &mut undo.steps,
        }),
        Err(e) => {
            ctx.error = Some(e);
            Err(ctx)
        }
    }
}

/// The error of a failed [`decode`], named.
pub(crate) fn failure(ctx: &mut Ctx<'_>) -> ApplyError {
    let mut err = ApplyError::new(Kind::Unknown, Problem::NotAnObject);
    failure_in(ctx, &mut err);
    err
}

/// [`failure`], written to `err` (where the caller keeps it: not made on the
/// stack and copied).
#[cold]
#[inline(never)]
pub(crate) fn failure_in(ctx: &mut Ctx<'_>, err: &mut ApplyError) {
    ctx.error_in(
        ctx.error.unwrap_or(serde_json_core::de::Error::CustomError),
        err,
    );
    if err.name.is_empty() {
        // `kubectl` sorts keys, so `labels` comes before `name`: find the
        // name for the message.
        if let Some(name) = ctx.start.and_then(|s| name_at(ctx, s)) {
            copy_cut(err.name.as_mut_view(), name);
        }
    }
}

/// `metadata.name` of the object at `start`, as written, if it can be read;
/// read with `ctx`, whose error is made already (its path and problem are
/// started again).
#[cold]
#[inline(never)]
fn name_at<'a>(ctx: &mut Ctx<'a>, start: usize) -> Option<&'a str> {
    // Neither reader unescapes nor keeps anything: only the path, the depth
    // (what may be skipped below it) and the problem are the read's; nor
    // does it end early (a name is read from the start of the object).
    ctx.depth = 0;
    ctx.problem = None;
    #[cfg(not(feature = "compact"))]
    {
        ctx.tail = de::Tail::Unknown;
        ctx.finished = None;
    }
    let json = ctx.json;
    let mut name = None;
    #[cfg(feature = "compact")]
    let mut meta = One::new("name", Value::RawStr(&mut name));
    #[cfg(feature = "compact")]
    let mut outer = One::new("metadata", Value::Object(&mut meta));
    #[cfg(not(feature = "compact"))]
    let mut outer = NameAt(&mut name);
    at(json, start, Want::Object(ctx, &mut outer)).ok()?;
    name
}

/// [`name_at`]'s reader in hosted builds (the firmware build's is `One`).
#[cfg(not(feature = "compact"))]
struct NameAt<'r, 'a>(&'r mut Option<&'a str>);

#[cfg(not(feature = "compact"))]
impl<'a> Fields<'a> for NameAt<'_, 'a> {
    fn field(&mut self, ctx: &mut Ctx<'a>, key: &'a str, src: &mut dyn Source<'a>) -> Read<()> {
        struct Inner<'r, 'a>(&'r mut Option<&'a str>);
        impl<'a> Fields<'a> for Inner<'_, 'a> {
            fn field(
                &mut self,
                ctx: &mut Ctx<'a>,
                key: &'a str,
                src: &mut dyn Source<'a>,
            ) -> Read<()> {
                match_key! { key;
                    "name" => *self.0 = de::raw_str(src)?,
                    _ => ctx.skip(src)?,
                };
                Ok(())
            }
        }
        match_key! { key;
            "metadata" => {
                ctx.object(src, &mut Inner(self.0))?;
            },
            _ => ctx.skip(src)?,
        };
        Ok(())
    }
}

/// What [`read`] found: the event type, the kind, and whether the input is an
/// object to read again as its kind (one whose kind came after other fields).
type Found = (Option<EventType>, Kind, bool);

/// Reads the input: a peek at its first fields says what it is, then it is read
/// once as that (see [`Document`]).
#[cfg_attr(not(feature = "compact"), inline(always))]
#[cfg_attr(feature = "compact", inline(never))]
fn read<'a>(
    ctx: &mut Ctx<'a>,
    objects: &mut Bump<'a, Object<'a>>,
    tops: &mut [Top<'a>; 2],
) -> Result<Found, serde_json_core::de::Error> {
    let list = match first(ctx, objects, tops)? {
        First::Read(found) => return Ok(found),
        First::List(list) => list,
    };
    let [top, inner] = tops;
    let mut doc = Document {
        top,
        inner,
        objects,
        list,
        object_kind: None,
        items_read: false,
    };
    let mut d = serde_json_core::de::Deserializer::new(ctx.json, None);
    let depth = ctx.depth;
    match serde::Deserializer::deserialize_map(&mut d, DocumentVisitor { ctx, doc: &mut doc }) {
        // The event's object ended the read early: what followed it is known
        // (see `Ctx::can_finish`).
        Err(_) if ctx.finished() => {
            ctx.depth = depth;
            if let Some(t) = ctx.finished_event_type() {
                doc.top.type_ = Some(t);
            }
        }
        read => {
            read?;
            d.end()?;
        }
    }
    let (object_kind, items_read) = (doc.object_kind, doc.items_read);
    found(ctx, objects, tops, object_kind, items_read)
}

/// What the peek at the input's first fields found.
enum First<'a> {
    /// The input was an object of a kind dsr reads, and is read.
    Read(Found),
    /// The input is to be read as a [`Document`], with this `list`.
    List(Option<Option<&'a str>>),
}

/// Peeks at the input's first fields; reads an object of a kind dsr reads
/// whose kind comes first (as the API server and kubectl write them).
#[inline(never)]
fn first<'a>(
    ctx: &mut Ctx<'a>,
    objects: &mut Bump<'a, Object<'a>>,
    [top, _]: &mut [Top<'a>; 2],
) -> Result<First<'a>, serde_json_core::de::Error> {
    top.restart(StopAt::First);
    if !peek(ctx, 0, top)? {
        ctx.problem = Some(Problem::NotAnObject);
        return Err(serde_json_core::de::Error::CustomError);
    }
    let peeked = top.kind;
    top.restart(StopAt::End);
    match (peeked, peeked.map(Kind::of)) {
        (_, Some(kind)) if is_object_kind(kind) => {
            ctx.kind = kind;
            read_document(ctx, objects, kind)?;
            Ok(First::Read((None, kind, false)))
        }
        (Some(kind), Some(Kind::List)) => Ok(First::List(Some(item_kind(kind)))),
        _ => Ok(First::List(None)),
    }
}

/// Whether a document of `kind` is a watch event: `metav1.WatchEvent` has no
/// `kind` of its own when streamed; one that says it is a WatchEvent is one too.
#[inline(never)]
fn is_event(kind: Option<&str>) -> bool {
    matches!(kind, None | Some("WatchEvent"))
}

/// The kind of a `List`'s items its kind names (`Node` for `NodeList`; none
/// for `List`).
fn item_kind(list: &str) -> Option<&str> {
    list.strip_suffix("List").filter(|s| !s.is_empty())
}

/// What a [`Document`] read was: a watch event, a `List`, another object.
#[inline(never)]
fn found<'a>(
    ctx: &mut Ctx<'a>,
    objects: &mut Bump<'a, Object<'a>>,
    [top, inner]: &mut [Top<'a>; 2],
    object_kind: Option<Kind>,
    items_read: bool,
) -> Result<Found, serde_json_core::de::Error> {
    let json = ctx.json;
    let event_kind = is_event(top.kind);
    if let (true, Some(type_), Some(_)) = (event_kind, top.type_, top.object) {
        let event = match_key! { type_;
            "ADDED" => EventType::Added,
            "MODIFIED" => EventType::Modified,
            "DELETED" => EventType::Deleted,
            "BOOKMARK" => EventType::Bookmark,
            "ERROR" => EventType::Error,
            _ => {
                ctx.detail = type_;
                ctx.problem = Some(Problem::EventType);
                return Err(serde_json_core::de::Error::CustomError);
            },
        };
        let kind = object_kind.unwrap_or(Kind::Unknown);
        return match event {
            EventType::Error => {
                // The status is the whole message: no path.
                ctx.detail = inner.message;
                ctx.problem = Some(Problem::Watch { code: inner.code });
                Err(serde_json_core::de::Error::CustomError)
            }
            EventType::Bookmark => Ok((Some(event), kind, false)),
            _ if matches!(kind, Kind::List | Kind::Unknown) => {
                ctx.enter(Seg::Key("object"));
                ctx.problem = Some(Problem::NotAnObject);
                Err(serde_json_core::de::Error::CustomError)
            }
            _ => Ok((Some(event), kind, false)),
        };
    }
    let Some(kind) = top.kind else {
        objects.clear();
        ctx.problem = Some(Problem::NotAnObject);
        return Err(serde_json_core::de::Error::CustomError);
    };
    let k = Kind::of(kind);
    // A `List` whose items were read as they came holds them; otherwise, not
    // an event after all: what was read as its object is not one.
    if !(k == Kind::List && items_read) {
        objects.clear();
    }
    if k == Kind::List {
        if let (false, Some(items)) = (items_read, top.items) {
            ctx.enter(Seg::Key("items"));
            let mut each = Items {
                default_kind: item_kind(kind),
                objects,
            };
            at(json, items, Want::Array(ctx, &mut each))?;
            ctx.leave();
        }
        return Ok((None, k, false));
    }
    ctx.kind = k;
    Ok((None, k, true))
}

impl Ctx<'_> {
    /// The error for a failed read, written to `err`: the recorded problem
    /// (or the parser's), with the object, its name and the path where it
    /// happened.
    #[cold]
    #[inline(never)]
    fn error_in(&self, e: serde_json_core::de::Error, err: &mut ApplyError) {
        let problem = self.problem.unwrap_or(match e {
            serde_json_core::de::Error::CustomError => Problem::TooDeep,
            e => Problem::Syntax(e),
        });
        err.reset(self.kind, problem);
        copy_cut(err.name.as_mut_view(), self.name);
        copy_cut(err.detail.as_mut_view(), self.detail);
        let path = err.path.as_mut_view();
        for seg in self.path() {
            let mut buf = [0u8; 12];
            let piece = match *seg {
                Seg::Key(k) => {
                    if !path.is_empty() {
                        copy_cut(path, ".");
                    }
                    k
                }
                Seg::Index(i) => index_piece(&mut buf, i),
            };
            copy_cut(path, piece);
        }
    }
}

/// `[i]`, written at the end of `buf` (no `core::fmt` for one integer).
fn index_piece(buf: &mut [u8; 12], mut i: u32) -> &str {
    let mut at = buf.len();
    let mut put = |at: &mut usize, b: u8| {
        *at = at.saturating_sub(1);
        if let Some(slot) = buf.get_mut(*at) {
            *slot = b;
        }
    };
    put(&mut at, b']');
    loop {
        // `i % 10` is below 10.
        put(&mut at, b'0' + (i % 10) as u8);
        i /= 10;
        if i == 0 {
            break;
        }
    }
    put(&mut at, b'[');
    core::str::from_utf8(buf.get(at..).unwrap_or(&[])).unwrap_or("")
}

/// The error for an input that is not the one DaemonSet asked for.
pub(crate) fn not_a_daemon_set(kind: Kind) -> ApplyError {
    ApplyError::new(kind, Problem::NotAnObject)
}

/// A problem the engine found in an object, written to `err`.
pub(crate) fn engine_error_in(kind: Kind, name: &str, e: crate::Error, err: &mut ApplyError) {
    err.reset(kind, Problem::Engine(e));
    copy_cut(err.name.as_mut_view(), name);
}
