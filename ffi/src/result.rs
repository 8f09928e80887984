//! `dsr_result`: the status every fallible function returns.

use core::ffi::c_char;

use dsr_core::error::{Error, Field, SnapshotError, Table};

/// The status of a call. `DSR_RESULT_OK` (0) is success; every other code is
/// a failure that changed nothing (no table, no out-parameter).
///
/// Codes are grouped in ranges and never renumbered; new codes are only ever
/// added:
///
/// - 1xx: the arguments themselves are wrong (NULL, length, UTF-8, enum
///   value, alignment, buffer size, not an engine);
/// - 2xx: a capacity is exhausted: a table of the engine (one code per table;
///   raise the matching `DSR_*` build variable) or a per-call limit;
/// - 3xx: the input is well-formed but not acceptable (invalid key or value,
///   selector, duplicate, unknown id);
/// - 4xx: a snapshot is refused (one code for each way it can be wrong);
/// - 9xx: internal errors (a panic caught on a hosted build, a bug in dsr).
///
/// `dsr_result_str()` gives a static description; `dsr_engine_last_error()`
/// gives the details of an engine's last failure.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dsr_result {
    /// Success.
    DSR_RESULT_OK = 0,

    /// A required pointer is NULL (an array or string pointer may be NULL only
    /// when its length is 0).
    DSR_RESULT_NULL_POINTER = 100,
    /// A length is wrong: engine memory shorter than `dsr_engine_size()`, or an
    /// array longer than memory can hold.
    DSR_RESULT_BAD_LENGTH = 101,
    /// A string is not valid UTF-8.
    DSR_RESULT_INVALID_UTF8 = 102,
    /// An integer that stands for an enum has no meaning (e.g. an unknown
    /// `dsr_reason_kind`).
    DSR_RESULT_UNKNOWN_ENUM = 103,
    /// A pointer is not aligned for its type (engine memory: to
    /// `dsr_engine_align()`).
    DSR_RESULT_MISALIGNED = 104,
    /// An output buffer is too small; the needed length is reported.
    DSR_RESULT_BUFFER_TOO_SMALL = 105,
    /// The engine pointer does not point to an engine set up by
    /// `dsr_engine_init()`.
    DSR_RESULT_NOT_AN_ENGINE = 106,
    /// Another call that changes the engine (one taking a `dsr_engine *`) is in
    /// progress on it, on another thread or in an interrupted context; this
    /// call changed nothing (the top of `dsr.h` says what is detected).
    DSR_RESULT_BUSY = 107,
    /// A versioned input struct's `struct_size` is not the size of any release
    /// of that struct (not set: use its `DSR_*_INIT` macro).
    DSR_RESULT_BAD_STRUCT_SIZE = 108,
    /// The plan pointer does not point to a plan set up by `dsr_plan_init()`.
    DSR_RESULT_NOT_A_PLAN = 109,
    /// `dsr_config_check()`: the `dsr_config.h` the caller was compiled with
    /// describes another build of the library (other capacities or version).
    DSR_RESULT_CONFIG_MISMATCH = 110,

    /// A table is full that has no code of its own.
    DSR_RESULT_FULL = 200,
    /// The string table is full (`DSR_STRINGS`).
    DSR_RESULT_FULL_STRINGS = 201,
    /// The string table's bytes are used up (`DSR_STRING_BYTES`).
    DSR_RESULT_FULL_STRING_BYTES = 202,
    /// The node table is full (`DSR_NODES`).
    DSR_RESULT_FULL_NODES = 203,
    /// The DaemonSet table is full (`DSR_DAEMON_SETS`).
    DSR_RESULT_FULL_DAEMON_SETS = 204,
    /// The pod table is full (`DSR_PODS`).
    DSR_RESULT_FULL_PODS = 205,
    /// The label table is full (`DSR_LABELS`).
    DSR_RESULT_FULL_LABELS = 206,
    /// The taint table is full (`DSR_RULES`).
    DSR_RESULT_FULL_TAINTS = 207,
    /// The toleration table is full (`DSR_RULES`), or a daemon pod would carry
    /// more than 64 tolerations.
    DSR_RESULT_FULL_TOLERATIONS = 208,
    /// The requirement table is full (`DSR_RULES`).
    DSR_RESULT_FULL_REQUIREMENTS = 209,
    /// The requirement-value table is full (`DSR_RULES`).
    DSR_RESULT_FULL_VALUES = 210,
    /// The node-affinity term table is full (`DSR_RULES`).
    DSR_RESULT_FULL_TERMS = 211,
    /// The `matchFields` table is full (`DSR_RULES`).
    DSR_RESULT_FULL_FIELDS = 212,
    /// An output of fixed size is full (e.g. more than 8 effects given to
    /// `dsr_engine_find_untolerated_taint()`).
    DSR_RESULT_FULL_OUTPUT = 213,
    /// The failed-pod backoff table is full (`DSR_PODS`).
    DSR_RESULT_FULL_BACKOFF = 214,
    /// The table of remembered ControllerRevisions is full (one per DaemonSet:
    /// `DSR_DAEMON_SETS`; a revision that arrives before its DaemonSet takes
    /// one too).
    DSR_RESULT_FULL_REVISIONS = 215,
    /// One call passes more items than the library's per-call limit (the
    /// `call_*` fields of `dsr_capacities`, set by the `DSR_CALL_*` build
    /// variables); nothing was stored.
    DSR_RESULT_CALL_LIMIT = 250,
    /// An object given to `dsr_engine_apply()` does not fit its scratch (the
    /// `json_*` fields of `dsr_capacities`, set by the `DSR_JSON_*` build
    /// variables): nothing is cut short, and nothing was stored;
    /// `dsr_engine_last_error()` names the object, the field and the array.
    DSR_RESULT_FULL_SCRATCH = 251,

    /// A value is invalid (a field without a code of its own).
    DSR_RESULT_INVALID = 300,
    /// A string is longer than dsr stores (`string_max` of `dsr_capacities`).
    DSR_RESULT_TOO_LONG = 301,
    /// A label key is invalid.
    DSR_RESULT_INVALID_LABEL_KEY = 302,
    /// A label value is invalid.
    DSR_RESULT_INVALID_LABEL_VALUE = 303,
    /// A name is not a valid DNS-1123 subdomain.
    DSR_RESULT_INVALID_NAME = 304,
    /// A label selector is invalid (upstream's `LabelSelectorAsSelector` would
    /// fail): unknown operator, invalid key or value, wrong number of values.
    DSR_RESULT_INVALID_SELECTOR = 305,
    /// A selector string does not parse.
    DSR_RESULT_SELECTOR_PARSE = 306,
    /// An object of that name is already in the engine.
    DSR_RESULT_DUPLICATE = 307,
    /// No object with that id or name.
    DSR_RESULT_NOT_FOUND = 308,
    /// A `dsr_reason` is not what `dsr_engine_should_run()` answers now for its
    /// DaemonSet and node (their change altered the answer, or one of them is
    /// gone), or was not made by this engine. A change that leaves the answer
    /// as it was is not detected: the reason is described as things are now.
    DSR_RESULT_STALE_REASON = 309,
    /// A DaemonSet is not one the API server would accept (name, selector,
    /// template, update strategy, ...); `dsr_engine_last_error()` says what.
    DSR_RESULT_INVALID_DAEMON_SET = 310,
    /// A plan was filled by another engine, or before this engine was cleared,
    /// restored, set up again or lost a DaemonSet: sync again. Also an entry that
    /// names strings the engine has freed since the sync (the engine gives back
    /// the strings of objects that go): a create or delete stays readable while
    /// its node or pod is unchanged; words (`dsr_engine_describe_delete()`,
    /// held-back nodes) only until the engine frees a string, so read them
    /// before changing the engine.
    DSR_RESULT_STALE_PLAN = 311,
    /// A feature gate this library does not know (`dsr_engine_set_feature_gate()`;
    /// the name is matched exactly, as Kubernetes spells it).
    DSR_RESULT_UNKNOWN_FEATURE_GATE = 312,
    /// `dsr_engine_apply()`: the bytes are not JSON, a field is not of the type
    /// the Kubernetes API gives it, a time is not RFC 3339, the document is
    /// nested too deep, or it is not an object with a `kind`, a `List` or a
    /// watch event (of a known `type`); `dsr_engine_last_error()` names the
    /// object and the JSON path.
    DSR_RESULT_INVALID_JSON = 313,
    /// `dsr_engine_apply()` was given an `ERROR` watch event;
    /// `dsr_engine_last_error()` gives its `Status` code and message (410: the
    /// watch's resourceVersion is too old, list again).
    DSR_RESULT_WATCH_ERROR = 314,

    /// A snapshot is refused for a reason without a code of its own;
    /// `dsr_engine_last_error()` says which.
    DSR_RESULT_SNAPSHOT = 400,
    /// A snapshot is shorter than its header, or than its header says.
    DSR_RESULT_SNAPSHOT_TRUNCATED = 401,
    /// The bytes are not a dsr snapshot (they do not start with `DSRS`).
    DSR_RESULT_SNAPSHOT_BAD_MAGIC = 402,
    /// A snapshot of a format version this library does not read.
    DSR_RESULT_SNAPSHOT_UNSUPPORTED_VERSION = 403,
    /// A snapshot taken by a library built with other capacities (`DSR_*`).
    DSR_RESULT_SNAPSHOT_CAPACITY_MISMATCH = 404,
    /// Bytes follow the snapshot's payload (pass its exact length).
    DSR_RESULT_SNAPSHOT_TRAILING_BYTES = 405,
    /// A snapshot's checksum does not match: its bytes were damaged.
    DSR_RESULT_SNAPSHOT_CHECKSUM = 406,
    /// A snapshot holds more entries than a table's capacity.
    DSR_RESULT_SNAPSHOT_OVER_CAPACITY = 407,
    /// A snapshot's payload does not decode, or breaks an invariant of the
    /// engine.
    DSR_RESULT_SNAPSHOT_CORRUPT = 408,

    /// A panic was caught at the boundary (hosted builds). Clear or
    /// re-initialise the engine before using it again, and report a bug.
    DSR_RESULT_PANIC = 900,
    /// An internal invariant does not hold: a bug in dsr.
    DSR_RESULT_LOGIC_BUG = 901,
    /// The core reported an error this version of the C ABI has no code for;
    /// `dsr_engine_last_error()` describes it.
    DSR_RESULT_UNMAPPED_ERROR = 902,
}

/// Every code, for tests and the header's documentation.
pub const ALL: &[dsr_result] = {
    use dsr_result::*;
    &[
        DSR_RESULT_OK,
        DSR_RESULT_NULL_POINTER,
        DSR_RESULT_BAD_LENGTH,
        DSR_RESULT_INVALID_UTF8,
        DSR_RESULT_UNKNOWN_ENUM,
        DSR_RESULT_MISALIGNED,
        DSR_RESULT_BUFFER_TOO_SMALL,
        DSR_RESULT_NOT_AN_ENGINE,
        DSR_RESULT_BUSY,
        DSR_RESULT_BAD_STRUCT_SIZE,
        DSR_RESULT_NOT_A_PLAN,
        DSR_RESULT_CONFIG_MISMATCH,
        DSR_RESULT_FULL,
        DSR_RESULT_FULL_STRINGS,
        DSR_RESULT_FULL_STRING_BYTES,
        DSR_RESULT_FULL_NODES,
        DSR_RESULT_FULL_DAEMON_SETS,
        DSR_RESULT_FULL_PODS,
        DSR_RESULT_FULL_LABELS,
        DSR_RESULT_FULL_TAINTS,
        DSR_RESULT_FULL_TOLERATIONS,
        DSR_RESULT_FULL_REQUIREMENTS,
        DSR_RESULT_FULL_VALUES,
        DSR_RESULT_FULL_TERMS,
        DSR_RESULT_FULL_FIELDS,
        DSR_RESULT_FULL_OUTPUT,
        DSR_RESULT_FULL_BACKOFF,
        DSR_RESULT_FULL_REVISIONS,
        DSR_RESULT_CALL_LIMIT,
        DSR_RESULT_FULL_SCRATCH,
        DSR_RESULT_INVALID,
        DSR_RESULT_TOO_LONG,
        DSR_RESULT_INVALID_LABEL_KEY,
        DSR_RESULT_INVALID_LABEL_VALUE,
        DSR_RESULT_INVALID_NAME,
        DSR_RESULT_INVALID_SELECTOR,
        DSR_RESULT_SELECTOR_PARSE,
        DSR_RESULT_DUPLICATE,
        DSR_RESULT_NOT_FOUND,
        DSR_RESULT_STALE_REASON,
        DSR_RESULT_INVALID_DAEMON_SET,
        DSR_RESULT_STALE_PLAN,
        DSR_RESULT_UNKNOWN_FEATURE_GATE,
        DSR_RESULT_INVALID_JSON,
        DSR_RESULT_WATCH_ERROR,
        DSR_RESULT_SNAPSHOT,
        DSR_RESULT_SNAPSHOT_TRUNCATED,
        DSR_RESULT_SNAPSHOT_BAD_MAGIC,
        DSR_RESULT_SNAPSHOT_UNSUPPORTED_VERSION,
        DSR_RESULT_SNAPSHOT_CAPACITY_MISMATCH,
        DSR_RESULT_SNAPSHOT_TRAILING_BYTES,
        DSR_RESULT_SNAPSHOT_CHECKSUM,
        DSR_RESULT_SNAPSHOT_OVER_CAPACITY,
        DSR_RESULT_SNAPSHOT_CORRUPT,
        DSR_RESULT_PANIC,
        DSR_RESULT_LOGIC_BUG,
        DSR_RESULT_UNMAPPED_ERROR,
    ]
};

impl dsr_result {
    /// The code for an integer, if it is one.
    pub fn from_u32(code: u32) -> Option<Self> {
        ALL.iter().copied().find(|r| *r as u32 == code)
    }

    /// The code's description, NUL-terminated.
    pub const fn text(self) -> &'static core::ffi::CStr {
        use dsr_result::*;
        match self {
            DSR_RESULT_OK => c"ok",
            DSR_RESULT_NULL_POINTER => c"a required pointer is NULL",
            DSR_RESULT_BAD_LENGTH => c"a length is wrong",
            DSR_RESULT_INVALID_UTF8 => c"a string is not valid UTF-8",
            DSR_RESULT_UNKNOWN_ENUM => c"an enum value is unknown",
            DSR_RESULT_MISALIGNED => c"a pointer is not aligned for its type",
            DSR_RESULT_BUFFER_TOO_SMALL => c"the output buffer is too small",
            DSR_RESULT_NOT_AN_ENGINE => c"the pointer is not an engine set up by dsr_engine_init",
            DSR_RESULT_BUSY => c"another call is changing the engine",
            DSR_RESULT_BAD_STRUCT_SIZE => c"struct_size is not a size of that struct",
            DSR_RESULT_NOT_A_PLAN => c"the pointer is not a plan set up by dsr_plan_init",
            DSR_RESULT_CONFIG_MISMATCH => c"dsr_config.h describes another build of libdsr",
            DSR_RESULT_FULL => c"a table is full",
            DSR_RESULT_FULL_STRINGS => c"the string table is full (DSR_STRINGS)",
            DSR_RESULT_FULL_STRING_BYTES => c"the string bytes are used up (DSR_STRING_BYTES)",
            DSR_RESULT_FULL_NODES => c"the node table is full (DSR_NODES)",
            DSR_RESULT_FULL_DAEMON_SETS => c"the DaemonSet table is full (DSR_DAEMON_SETS)",
            DSR_RESULT_FULL_PODS => c"the pod table is full (DSR_PODS)",
            DSR_RESULT_FULL_LABELS => c"the label table is full (DSR_LABELS)",
            DSR_RESULT_FULL_TAINTS => c"the taint table is full (DSR_RULES)",
            DSR_RESULT_FULL_TOLERATIONS => c"the toleration table is full (DSR_RULES)",
            DSR_RESULT_FULL_REQUIREMENTS => c"the requirement table is full (DSR_RULES)",
            DSR_RESULT_FULL_VALUES => c"the requirement value table is full (DSR_RULES)",
            DSR_RESULT_FULL_TERMS => c"the node affinity term table is full (DSR_RULES)",
            DSR_RESULT_FULL_FIELDS => c"the matchFields table is full (DSR_RULES)",
            DSR_RESULT_FULL_OUTPUT => c"a fixed-size output is full",
            DSR_RESULT_FULL_BACKOFF => c"the failed-pod backoff table is full (DSR_PODS)",
            DSR_RESULT_FULL_REVISIONS => {
                c"the controller revision table is full (DSR_DAEMON_SETS)"
            }
            DSR_RESULT_CALL_LIMIT => c"more items in one call than the per-call limit (DSR_CALL_*)",
            DSR_RESULT_FULL_SCRATCH => c"the object does not fit the JSON scratch (DSR_JSON_*)",
            DSR_RESULT_INVALID => c"a value is invalid",
            DSR_RESULT_TOO_LONG => c"a string is too long",
            DSR_RESULT_INVALID_LABEL_KEY => c"invalid label key",
            DSR_RESULT_INVALID_LABEL_VALUE => c"invalid label value",
            DSR_RESULT_INVALID_NAME => c"invalid name (not a DNS-1123 subdomain)",
            DSR_RESULT_INVALID_SELECTOR => c"invalid label selector",
            DSR_RESULT_SELECTOR_PARSE => c"the selector string does not parse",
            DSR_RESULT_DUPLICATE => c"an object of that name already exists",
            DSR_RESULT_NOT_FOUND => c"no object with that id or name",
            DSR_RESULT_STALE_REASON => c"the reason no longer matches the engine",
            DSR_RESULT_INVALID_DAEMON_SET => c"invalid DaemonSet",
            DSR_RESULT_STALE_PLAN => {
                c"the plan is stale (another engine's, from before a clear, restore, init or removal, or naming strings freed since)"
            }
            DSR_RESULT_UNKNOWN_FEATURE_GATE => c"unknown feature gate",
            DSR_RESULT_INVALID_JSON => c"invalid JSON or not a Kubernetes object",
            DSR_RESULT_WATCH_ERROR => c"an ERROR watch event",
            DSR_RESULT_SNAPSHOT => c"the snapshot is refused",
            DSR_RESULT_SNAPSHOT_TRUNCATED => c"the snapshot is truncated",
            DSR_RESULT_SNAPSHOT_BAD_MAGIC => c"not a dsr snapshot (bad magic)",
            DSR_RESULT_SNAPSHOT_UNSUPPORTED_VERSION => {
                c"the snapshot's format version is not supported"
            }
            DSR_RESULT_SNAPSHOT_CAPACITY_MISMATCH => {
                c"the snapshot was taken by a library of other capacities (DSR_*)"
            }
            DSR_RESULT_SNAPSHOT_TRAILING_BYTES => c"bytes follow the snapshot's payload",
            DSR_RESULT_SNAPSHOT_CHECKSUM => c"the snapshot's checksum does not match (damaged)",
            DSR_RESULT_SNAPSHOT_OVER_CAPACITY => c"the snapshot holds more than a table's capacity",
            DSR_RESULT_SNAPSHOT_CORRUPT => c"the snapshot's payload is corrupt",
            DSR_RESULT_PANIC => c"internal error: a panic was caught (a bug in dsr)",
            DSR_RESULT_LOGIC_BUG => c"internal error: an invariant does not hold (a bug in dsr)",
            DSR_RESULT_UNMAPPED_ERROR => c"an error without a code of its own",
        }
    }

    /// The code for a full table.
    pub fn full(table: Table) -> Self {
        use dsr_result::*;
        match table {
            Table::Strings => DSR_RESULT_FULL_STRINGS,
            Table::StringBytes => DSR_RESULT_FULL_STRING_BYTES,
            Table::Nodes => DSR_RESULT_FULL_NODES,
            Table::DaemonSets => DSR_RESULT_FULL_DAEMON_SETS,
            Table::Pods => DSR_RESULT_FULL_PODS,
            Table::Labels => DSR_RESULT_FULL_LABELS,
            Table::Taints => DSR_RESULT_FULL_TAINTS,
            Table::Tolerations => DSR_RESULT_FULL_TOLERATIONS,
            Table::Requirements => DSR_RESULT_FULL_REQUIREMENTS,
            Table::Values => DSR_RESULT_FULL_VALUES,
            Table::Terms => DSR_RESULT_FULL_TERMS,
            Table::Fields => DSR_RESULT_FULL_FIELDS,
            Table::Output => DSR_RESULT_FULL_OUTPUT,
            Table::Backoff => DSR_RESULT_FULL_BACKOFF,
            Table::Revisions => DSR_RESULT_FULL_REVISIONS,
            _ => DSR_RESULT_FULL,
        }
    }
}

impl dsr_result {
    /// The code for a refused snapshot.
    pub fn snapshot(e: SnapshotError) -> Self {
        use dsr_result::*;
        match e {
            SnapshotError::BufferTooSmall => DSR_RESULT_BUFFER_TOO_SMALL,
            SnapshotError::Truncated => DSR_RESULT_SNAPSHOT_TRUNCATED,
            SnapshotError::BadMagic => DSR_RESULT_SNAPSHOT_BAD_MAGIC,
            SnapshotError::UnsupportedVersion { .. } => DSR_RESULT_SNAPSHOT_UNSUPPORTED_VERSION,
            SnapshotError::CapacityMismatch => DSR_RESULT_SNAPSHOT_CAPACITY_MISMATCH,
            SnapshotError::TrailingBytes => DSR_RESULT_SNAPSHOT_TRAILING_BYTES,
            SnapshotError::Checksum => DSR_RESULT_SNAPSHOT_CHECKSUM,
            SnapshotError::OverCapacity => DSR_RESULT_SNAPSHOT_OVER_CAPACITY,
            SnapshotError::Corrupt => DSR_RESULT_SNAPSHOT_CORRUPT,
            _ => DSR_RESULT_SNAPSHOT,
        }
    }
}

impl From<Error> for dsr_result {
    fn from(e: Error) -> Self {
        use dsr_result::*;
        match e {
            Error::Full { table, .. } => dsr_result::full(table),
            Error::TooLong { .. } => DSR_RESULT_TOO_LONG,
            Error::Invalid { field, .. } => match field {
                Field::LabelKey => DSR_RESULT_INVALID_LABEL_KEY,
                Field::LabelValue => DSR_RESULT_INVALID_LABEL_VALUE,
                Field::Name | Field::Namespace | Field::NodeName => DSR_RESULT_INVALID_NAME,
                _ => DSR_RESULT_INVALID,
            },
            Error::Requirement { .. } => DSR_RESULT_INVALID_SELECTOR,
            Error::Parse(_) => DSR_RESULT_SELECTOR_PARSE,
            Error::Duplicate(_) => DSR_RESULT_DUPLICATE,
            Error::NotFound(_) => DSR_RESULT_NOT_FOUND,
            Error::Spec(_) => DSR_RESULT_INVALID_DAEMON_SET,
            Error::Snapshot(e) => dsr_result::snapshot(e),
            Error::FeatureGate(_) => DSR_RESULT_UNKNOWN_FEATURE_GATE,
            Error::LogicBug => DSR_RESULT_LOGIC_BUG,
            _ => DSR_RESULT_UNMAPPED_ERROR,
        }
    }
}

/// A failed call: its code and, when the core failed, the core's error (which
/// `dsr_engine_last_error()` renders).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The code returned to C.
    pub code: dsr_result,
    /// The core's error, when it is the core that failed.
    pub core: Option<Error>,
}

impl From<dsr_result> for Failure {
    fn from(code: dsr_result) -> Self {
        Failure { code, core: None }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            code: e.into(),
            core: Some(e),
        }
    }
}

/// A static, NUL-terminated description of a result code; for an integer that
/// is no `dsr_result`, the text "unknown dsr_result". Never NULL.
///
/// `result` is a `dsr_result` passed as an integer, so that any value is safe.
#[no_mangle]
pub extern "C" fn dsr_result_str(result: u32) -> *const c_char {
    boundary!(value c"internal error".as_ptr(), {
        match dsr_result::from_u32(result) {
            Some(r) => r.text().as_ptr(),
            None => c"unknown dsr_result".as_ptr(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_their_ranges() {
        for (i, a) in ALL.iter().enumerate() {
            for b in ALL.iter().skip(i + 1) {
                assert_ne!(*a as u32, *b as u32, "{a:?} and {b:?}");
            }
            let n = *a as u32;
            let name = format!("{a:?}");
            let range_ok = match n {
                0 => name == "DSR_RESULT_OK",
                100..=199 => true,
                200..=299 => name.starts_with("DSR_RESULT_FULL") || name == "DSR_RESULT_CALL_LIMIT",
                300..=399 => true,
                400..=499 => name.starts_with("DSR_RESULT_SNAPSHOT"),
                900..=999 => true,
                _ => false,
            };
            assert!(range_ok, "{name} = {n}");
            assert_eq!(dsr_result::from_u32(n), Some(*a));
            assert!(!a.text().to_bytes().is_empty());
        }
        assert_eq!(dsr_result::from_u32(1), None);
    }

    #[test]
    fn codes_are_never_renumbered() {
        // The published numbers: change nothing here, only add.
        use dsr_result::*;
        let fixed = [
            (DSR_RESULT_OK, 0),
            (DSR_RESULT_NULL_POINTER, 100),
            (DSR_RESULT_BAD_LENGTH, 101),
            (DSR_RESULT_INVALID_UTF8, 102),
            (DSR_RESULT_UNKNOWN_ENUM, 103),
            (DSR_RESULT_MISALIGNED, 104),
            (DSR_RESULT_BUFFER_TOO_SMALL, 105),
            (DSR_RESULT_NOT_AN_ENGINE, 106),
            (DSR_RESULT_BUSY, 107),
            (DSR_RESULT_BAD_STRUCT_SIZE, 108),
            (DSR_RESULT_NOT_A_PLAN, 109),
            (DSR_RESULT_CONFIG_MISMATCH, 110),
            (DSR_RESULT_FULL, 200),
            (DSR_RESULT_FULL_STRINGS, 201),
            (DSR_RESULT_FULL_STRING_BYTES, 202),
            (DSR_RESULT_FULL_NODES, 203),
            (DSR_RESULT_FULL_DAEMON_SETS, 204),
            (DSR_RESULT_FULL_PODS, 205),
            (DSR_RESULT_FULL_LABELS, 206),
            (DSR_RESULT_FULL_TAINTS, 207),
            (DSR_RESULT_FULL_TOLERATIONS, 208),
            (DSR_RESULT_FULL_REQUIREMENTS, 209),
            (DSR_RESULT_FULL_VALUES, 210),
            (DSR_RESULT_FULL_TERMS, 211),
            (DSR_RESULT_FULL_FIELDS, 212),
            (DSR_RESULT_FULL_OUTPUT, 213),
            (DSR_RESULT_FULL_BACKOFF, 214),
            (DSR_RESULT_FULL_REVISIONS, 215),
            (DSR_RESULT_CALL_LIMIT, 250),
            (DSR_RESULT_FULL_SCRATCH, 251),
            (DSR_RESULT_INVALID, 300),
            (DSR_RESULT_TOO_LONG, 301),
            (DSR_RESULT_INVALID_LABEL_KEY, 302),
            (DSR_RESULT_INVALID_LABEL_VALUE, 303),
            (DSR_RESULT_INVALID_NAME, 304),
            (DSR_RESULT_INVALID_SELECTOR, 305),
            (DSR_RESULT_SELECTOR_PARSE, 306),
            (DSR_RESULT_DUPLICATE, 307),
            (DSR_RESULT_NOT_FOUND, 308),
            (DSR_RESULT_STALE_REASON, 309),
            (DSR_RESULT_INVALID_DAEMON_SET, 310),
            (DSR_RESULT_STALE_PLAN, 311),
            (DSR_RESULT_UNKNOWN_FEATURE_GATE, 312),
            (DSR_RESULT_INVALID_JSON, 313),
            (DSR_RESULT_WATCH_ERROR, 314),
            (DSR_RESULT_SNAPSHOT, 400),
            (DSR_RESULT_SNAPSHOT_TRUNCATED, 401),
            (DSR_RESULT_SNAPSHOT_BAD_MAGIC, 402),
            (DSR_RESULT_SNAPSHOT_UNSUPPORTED_VERSION, 403),
            (DSR_RESULT_SNAPSHOT_CAPACITY_MISMATCH, 404),
            (DSR_RESULT_SNAPSHOT_TRAILING_BYTES, 405),
            (DSR_RESULT_SNAPSHOT_CHECKSUM, 406),
            (DSR_RESULT_SNAPSHOT_OVER_CAPACITY, 407),
            (DSR_RESULT_SNAPSHOT_CORRUPT, 408),
            (DSR_RESULT_PANIC, 900),
            (DSR_RESULT_LOGIC_BUG, 901),
            (DSR_RESULT_UNMAPPED_ERROR, 902),
        ];
        assert_eq!(fixed.len(), ALL.len());
        for (code, n) in fixed {
            assert_eq!(code as u32, n, "{code:?}");
        }
    }

    #[test]
    fn every_snapshot_error_has_its_own_code() {
        let all = [
            SnapshotError::Truncated,
            SnapshotError::BadMagic,
            SnapshotError::UnsupportedVersion { found: 9 },
            SnapshotError::CapacityMismatch,
            SnapshotError::TrailingBytes,
            SnapshotError::Checksum,
            SnapshotError::OverCapacity,
            SnapshotError::Corrupt,
        ];
        for (i, a) in all.iter().enumerate() {
            let code = dsr_result::snapshot(*a);
            assert_ne!(code, dsr_result::DSR_RESULT_SNAPSHOT, "{a:?}");
            for b in &all[..i] {
                assert_ne!(code, dsr_result::snapshot(*b), "{a:?} and {b:?}");
            }
        }
        assert_eq!(
            dsr_result::snapshot(SnapshotError::BufferTooSmall),
            dsr_result::DSR_RESULT_BUFFER_TOO_SMALL
        );
    }

    #[test]
    fn every_core_table_has_a_full_code() {
        for t in [
            Table::Strings,
            Table::StringBytes,
            Table::Nodes,
            Table::DaemonSets,
            Table::Pods,
            Table::Labels,
            Table::Taints,
            Table::Tolerations,
            Table::Requirements,
            Table::Values,
            Table::Terms,
            Table::Fields,
            Table::Output,
            Table::Backoff,
            Table::Revisions,
        ] {
            assert_ne!(dsr_result::full(t), dsr_result::DSR_RESULT_FULL, "{t:?}");
        }
    }
}
