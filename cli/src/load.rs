//! Reading Kubernetes objects: from a file, a folder (every `*.json`, `*.yaml` and
//! `*.yml` in it, as `kubectl apply -f DIR` does) or `-` (standard input); JSON or
//! YAML (told apart by content), as a kubectl `List`, a single object, a YAML
//! multi-document stream, concatenated JSON objects, or the benchmark format
//! `{"nodes": [...], "daemonSets": [...]}`.
//!
//! Dumps are an attack surface (CVE-2019-11253, -11254), so reading is capped: the
//! input's size, its nesting depth and the number of objects, each with an error
//! that names the cap and the flag that raises it.
//!
//! What is read is not interpreted here: each object dsr reads is kept as JSON
//! ([`Loaded`]) for the core's `Engine::apply`, which alone decides what its
//! fields mean. This module only finds the objects, checks that each has a name,
//! and counts what they need of an engine ([`Need`]).
//!
//! Memory: JSON is read as a stream, one object at a time: each list item is
//! parsed to a `serde_json::Value`, checked, trimmed to what the core reads and
//! written back to JSON bytes, so what stays is those bytes and one object's
//! `Value`. YAML is read whole into memory first (its text, up to the
//! size cap), then decoded document by document the same way.

use std::cell::Cell;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::engine::Need;
use crate::show::{clip, clip_message, escape};

/// Default cap on the size of an input file.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;
/// Default cap on the number of objects in an input file.
pub const DEFAULT_MAX_OBJECTS: usize = 100_000;
/// Nesting depth cap. JSON is read by `serde_json`, whose recursion limit is 128;
/// YAML gets the same cap through `serde-saphyr`'s budget.
pub const MAX_DEPTH: usize = 128;

/// Most YAML events that aliases may replay in one file.
pub const MAX_ALIAS_REPLAY: usize = 100_000;

/// The namespace of a namespaced object that names none, as kubectl defaults it.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Caps on what is read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input, in bytes.
    pub max_bytes: u64,
    /// Most objects (items of lists, documents, entries of the bench format).
    pub max_objects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: DEFAULT_MAX_BYTES,
            max_objects: DEFAULT_MAX_OBJECTS,
        }
    }
}

/// The objects of a file, by kind, each as JSON for `Engine::apply`.
#[derive(Debug, Default)]
pub struct Objects {
    /// `v1` Nodes.
    pub nodes: Vec<Loaded>,
    /// `apps/v1` DaemonSets.
    pub daemon_sets: Vec<Loaded>,
    /// `v1` Pods.
    pub pods: Vec<Loaded>,
    /// `apps/v1` ControllerRevisions (the core reads a DaemonSet's current
    /// revision hash from them).
    pub controller_revisions: Vec<Loaded>,
    /// Kinds that were present but are not used, with how many of each.
    pub ignored: Vec<(String, usize)>,
    /// An upper bound of what loading the objects puts in each engine table.
    pub need: Need,
}

impl Objects {
    /// Objects read, of every kind.
    pub fn count(&self) -> usize {
        self.nodes.len()
            + self.daemon_sets.len()
            + self.pods.len()
            + self.controller_revisions.len()
            + self.ignored.iter().map(|(_, n)| n).sum::<usize>()
    }

    fn push(&mut self, object: Object) {
        match object {
            Object::Node(n) => self.nodes.push(n),
            Object::DaemonSet(d) => self.daemon_sets.push(d),
            Object::Pod(p) => self.pods.push(p),
            Object::ControllerRevision(r) => self.controller_revisions.push(r),
            Object::Other(kind) => match self.ignored.binary_search_by(|(k, _)| k.cmp(&kind)) {
                Ok(i) => self.ignored[i].1 += 1,
                Err(i) => self.ignored.insert(i, (kind, 1)),
            },
        }
    }
}

/// One object of a kind dsr reads, as JSON: its `kind` written out (a typed
/// list's items may omit it), its namespace defaulted, and the fields the core's
/// decoder never reads left out (see `trim`). What it means is the core's to
/// say: [`Loaded::json`] goes to `Engine::apply` as it is.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// `metadata.name` (never empty).
    pub name: String,
    /// `metadata.namespace` (`""` for a node).
    pub namespace: String,
    /// The object as JSON.
    pub json: Vec<u8>,
}

impl Loaded {
    /// `namespace/name`, or `name` for an object without a namespace.
    pub fn display_name(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }

    /// The object as a JSON value (for messages and tests; the engine reads
    /// [`Loaded::json`]).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }
}

/// One object, sorted by kind.
enum Object {
    Node(Loaded),
    DaemonSet(Loaded),
    Pod(Loaded),
    ControllerRevision(Loaded),
    Other(String),
}

/// Reads the objects of `path`: a file, a folder, or `-` for standard input.
pub fn read_objects(path: &Path, limits: &Limits) -> Result<Objects> {
    let mut objects = Objects::default();
    let budget = Budget::start(limits.max_objects);
    let name = if path.as_os_str() == "-" {
        let stdin = std::io::stdin();
        read_source(stdin.lock(), limits, &mut objects).context("in standard input")?;
        "standard input".to_owned()
    } else if path.is_dir() {
        let files = folder_files(path)?;
        for file in &files {
            read_file(file, limits, &mut objects)?;
        }
        path.display().to_string()
    } else {
        read_file(path, limits, &mut objects)?;
        path.display().to_string()
    };
    drop(budget);
    if objects.count() == 0 {
        bail!("no Kubernetes objects in {}", escape(&name));
    }
    Ok(objects)
}

/// The `*.json`, `*.yaml` and `*.yml` files of a folder, sorted (not its subfolders).
fn folder_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"));
        if wanted && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_file(path: &Path, limits: &Limits, objects: &mut Objects) -> Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    read_source(file, limits, objects).with_context(|| format!("in {}", path.display()))
}

/// Reads every object of JSON or YAML bytes (the fuzz target's entry point).
pub fn objects_from_bytes(bytes: &[u8], limits: &Limits) -> Result<Objects> {
    let mut objects = Objects::default();
    let _budget = Budget::start(limits.max_objects);
    read_source(bytes, limits, &mut objects)?;
    Ok(objects)
}

/// Reads bytes as JSON, whatever they start with (for the fuzz target).
pub fn objects_from_json(bytes: &[u8], limits: &Limits) -> Result<Objects> {
    let mut objects = Objects::default();
    let _budget = Budget::start(limits.max_objects);
    read_json(Capped::new(bytes, limits.max_bytes), &mut objects)?;
    Ok(objects)
}

/// Reads bytes as YAML, whatever they start with (for the fuzz target).
pub fn objects_from_yaml(bytes: &[u8], limits: &Limits) -> Result<Objects> {
    let mut objects = Objects::default();
    let _budget = Budget::start(limits.max_objects);
    read_yaml(Capped::new(bytes, limits.max_bytes), limits, &mut objects)?;
    Ok(objects)
}

fn read_source(reader: impl Read, limits: &Limits, objects: &mut Objects) -> Result<()> {
    let mut reader = BufReader::with_capacity(64 << 10, Capped::new(reader, limits.max_bytes));
    let result = match first_significant_byte(&mut reader) {
        Ok(Some(b'{' | b'[')) => read_json(reader, objects),
        Ok(_) => read_yaml(reader, limits, objects),
        Err(e) => Err(e.into()),
    };
    result.map_err(|e| over_cap(e, limits))
}

/// The size cap's error, when reading stopped at it.
fn over_cap(e: anyhow::Error, limits: &Limits) -> anyhow::Error {
    let capped = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.is::<OverCap>())
            || c.to_string().contains(OVER_CAP)
    });
    if capped {
        anyhow!(
            "larger than the input size cap of {} bytes (raise it with --max-bytes)",
            limits.max_bytes
        )
    } else {
        e
    }
}

/// Skips a byte-order mark and whitespace and returns the next byte, unread.
fn first_significant_byte(r: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    let mut at_start = true;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if at_start && buf.starts_with(b"\xEF\xBB\xBF") {
            r.consume(3);
            at_start = false;
            continue;
        }
        at_start = false;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                r.consume(i);
                return Ok(Some(b));
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

/// JSON: one value, or several one after another (`kubectl get -o json` run more
/// than once into one file), each read as a stream.
fn read_json(reader: impl Read, objects: &mut Objects) -> Result<()> {
    let stream = serde_json::Deserializer::from_reader(reader).into_iter::<Document>();
    for (i, doc) in stream.enumerate() {
        let doc = doc.map_err(|e| {
            if e.to_string().contains("recursion limit") {
                anyhow!("JSON is nested deeper than the depth cap of {MAX_DEPTH}: {e}")
            } else if e.is_io() {
                anyhow::Error::new(e)
            } else {
                anyhow!("document {}: {}", i + 1, clip_message(&e.to_string()))
            }
        })?;
        doc.into_objects(objects);
    }
    Ok(())
}

/// YAML: every document of a stream.
fn read_yaml(mut reader: impl Read, limits: &Limits, objects: &mut Objects) -> Result<()> {
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|e| over_cap(e.into(), limits))
        .context("YAML input is not valid UTF-8, or cannot be read")?;
    // Every event and node takes at least one byte of input, so caps proportional
    // to the size cap never refuse an honest file; aliases, which expand without
    // taking input, are capped separately.
    let budget_units = usize::try_from(limits.max_bytes).unwrap_or(usize::MAX);
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_events: budget_units,
            max_nodes: budget_units,
            max_documents: limits.max_objects,
            max_total_scalar_bytes: budget_units,
        },
        // Kubernetes objects rarely use aliases; a tenth of the default replay
        // allowance refuses a billion-laughs shape ten times sooner.
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAY,
        },
    };
    let docs: Vec<Document> =
        serde_saphyr::from_multiple_with_options(&text, options).map_err(|e| {
            anyhow!(
                "invalid YAML (or over a cap: depth {MAX_DEPTH}, documents {}): {}",
                limits.max_objects,
                clip_message(&e.to_string())
            )
        })?;
    drop(text);
    for doc in docs {
        doc.into_objects(objects);
    }
    Ok(())
}

/// Marks the error a [`Capped`] reader returns past the size cap.
const OVER_CAP: &str = "over the input size cap";

#[derive(Debug)]
struct OverCap;

impl fmt::Display for OverCap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(OVER_CAP)
    }
}

impl std::error::Error for OverCap {}

/// A reader that fails once more than `cap` bytes have been read (one byte past
/// the cap is read, so that input that grows while read is caught too).
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Capped<R> {
    fn new(inner: R, cap: u64) -> Self {
        Capped {
            inner,
            left: cap.saturating_add(1),
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other(OverCap));
        }
        let max = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        if self.left == 0 {
            return Err(std::io::Error::other(OverCap));
        }
        Ok(n)
    }
}

thread_local! {
    /// Objects still allowed by the object count cap, while a read is under way
    /// (`Deserialize` impls have no other way to be told).
    static OBJECTS_LEFT: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// The object count cap, set for the duration of a read.
struct Budget;

impl Budget {
    fn start(max_objects: usize) -> Budget {
        OBJECTS_LEFT.with(|c| c.set(Some((max_objects, max_objects))));
        Budget
    }

    fn take<E: de::Error>() -> Result<(), E> {
        OBJECTS_LEFT.with(|c| match c.get() {
            None => Ok(()),
            Some((0, max)) => Err(E::custom(format!(
                "more than {max} objects, the object count cap (raise it with --max-objects)"
            ))),
            Some((left, max)) => {
                c.set(Some((left - 1, max)));
                Ok(())
            }
        })
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        OBJECTS_LEFT.with(|c| c.set(None));
    }
}

/// One JSON value or YAML document, its objects already typed.
#[derive(Default)]
struct Document {
    objects: Vec<Object>,
    need: Need,
}

impl Document {
    fn into_objects(self, objects: &mut Objects) {
        let Document {
            objects: list,
            need,
        } = self;
        objects.need.merge(&need);
        for o in list {
            objects.push(o);
        }
    }
}

/// The fields whose lists are read item by item.
const LIST_FIELDS: [&str; 4] = ["items", "nodes", "daemonSets", "pods"];

/// A list item not yet typed: a typed list's items may lack `kind`, and the
/// list's own `kind` may come after them (kubectl sorts keys).
enum Pending {
    Done(Object),
    Untyped(usize, Value),
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "an object (a List, a Node, a DaemonSet, a Pod or {\"nodes\": [...], \"daemonSets\": [...]})",
        )
    }

    fn visit_unit<E: de::Error>(self) -> Result<Document, E> {
        Ok(Document::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Document, E> {
        Ok(Document::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut doc = Document::default();
        let mut rest = serde_json::Map::new();
        let mut lists: Vec<(String, Vec<Pending>)> = Vec::new();
        let mut seen_kind = None;
        while let Some(key) = map.next_key::<String>()? {
            if let Some(field) = LIST_FIELDS.iter().find(|f| **f == key) {
                let items = map.next_value_seed(ItemsSeed {
                    field,
                    need: &mut doc.need,
                })?;
                lists.push((key, items));
            } else if let Some(v) = object_field(&mut map, &key, &mut seen_kind)? {
                rest.insert(key, v);
            }
        }
        let kind = rest.get("kind").and_then(Value::as_str).map(str::to_owned);
        match kind.as_deref() {
            // `kubectl get ... -o json` prints `List`; the API's own lists are typed
            // (`NodeList`), and their items may lack `kind`.
            Some(k) if k.ends_with("List") => {
                let item_kind = k.strip_suffix("List").filter(|s| !s.is_empty());
                for (field, items) in lists {
                    for item in items {
                        match item {
                            Pending::Done(o) => doc.objects.push(o),
                            Pending::Untyped(i, v) => {
                                let kind = item_kind.ok_or_else(|| {
                                    de::Error::custom(format!(
                                        "{field}[{i}]: an object without `kind`"
                                    ))
                                })?;
                                let o = object(kind, v, &mut doc.need).map_err(|e| {
                                    de::Error::custom(format!("{field}[{i}]: {e}"))
                                })?;
                                doc.objects.push(o);
                            }
                        }
                    }
                }
            }
            Some(k) => {
                // A single object. (No kind dsr reads has a list field.)
                Budget::take()?;
                let o = object(k, Value::Object(rest), &mut doc.need)
                    .map_err(de::Error::custom)?;
                doc.objects.push(o);
            }
            None if !lists.is_empty() => {
                for (field, items) in lists {
                    for item in items {
                        match item {
                            Pending::Done(o) => doc.objects.push(o),
                            Pending::Untyped(i, _) => {
                                return Err(de::Error::custom(format!(
                                    "{field}[{i}]: an object without `kind`"
                                )))
                            }
                        }
                    }
                }
            }
            None => {
                return Err(de::Error::custom(
                    "an object without `kind` (expected a List, a Node, a DaemonSet, a Pod or the bench format)",
                ))
            }
        }
        Ok(doc)
    }
}

/// Reads a list field item by item, typing each item that says its kind (or whose
/// field does: `nodes`, `daemonSets`, `pods`).
struct ItemsSeed<'a> {
    field: &'static str,
    need: &'a mut Need,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Vec<Pending>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Pending>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Vec<Pending>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` as an array", self.field)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<Pending>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<Pending>, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Pending>, A::Error> {
        let field_kind = match self.field {
            "nodes" => Some("Node"),
            "daemonSets" => Some("DaemonSet"),
            "pods" => Some("Pod"),
            _ => None,
        };
        let mut items = Vec::new();
        let mut i = 0usize;
        while let Some(v) = seq.next_element_seed(ObjectSeed { kind: field_kind })? {
            // Counted as soon as it is read: the cap bounds the work too.
            Budget::take()?;
            let kind = v.get("kind").and_then(Value::as_str).or(field_kind);
            match kind.map(str::to_owned) {
                Some(kind) => {
                    let o = object(&kind, v, self.need)
                        .map_err(|e| de::Error::custom(format!("{}[{i}]: {e}", self.field)))?;
                    items.push(Pending::Done(o));
                }
                None => items.push(Pending::Untyped(i, v)),
            }
            i += 1;
        }
        Ok(items)
    }
}

/// Reads the value of an object's field `key`, or skips it (`None`) when dsr
/// never reads it: only `apiVersion`, `kind`, `metadata` (without
/// `managedFields`), `spec` and `status` (of a node, neither: of a pod, what
/// [`trim`] keeps) and a ControllerRevision's `revision` are built, so that one
/// object's unread fields never take memory. `kind`, once read, is kept in `kind`
/// (kubectl writes it before `spec` and `status`).
fn object_field<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &str,
    kind: &mut Option<String>,
) -> Result<Option<Value>, A::Error> {
    const POD_SPEC: &[&str] = &["nodeName", "affinity"];
    const NODE_SPEC: &[&str] = &["taints", "unschedulable"];
    const STATUS: &[&str] = &["phase", "conditions", "observedGeneration"];
    let keep = match (key, kind.as_deref()) {
        ("apiVersion" | "revision", _) => Keep::All,
        ("kind", _) => {
            let v: Value = map.next_value()?;
            *kind = v.as_str().map(str::to_owned);
            return Ok(Some(v));
        }
        ("metadata", _) => Keep::AllBut(&["managedFields"]),
        ("spec", Some("Pod")) => Keep::Only(POD_SPEC),
        ("spec", Some("Node")) => Keep::Only(NODE_SPEC),
        ("spec", _) => Keep::All,
        ("status", Some("Node")) => Keep::Nothing,
        ("status", _) => Keep::Only(STATUS),
        _ => Keep::Nothing,
    };
    match keep {
        Keep::Nothing => {
            map.next_value::<de::IgnoredAny>()?;
            Ok(None)
        }
        Keep::All => map.next_value().map(Some),
        keep => map.next_value_seed(Filtered(keep)).map(Some),
    }
}

/// Which fields of a map are built.
#[derive(Debug, Clone, Copy)]
enum Keep {
    All,
    Nothing,
    Only(&'static [&'static str]),
    AllBut(&'static [&'static str]),
}

/// A map with some of its fields (`null` stays `null`).
struct Filtered(Keep);

impl<'de> DeserializeSeed<'de> for Filtered {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Filtered {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let wanted = match self.0 {
                Keep::All => true,
                Keep::Nothing => false,
                Keep::Only(keys) => keys.contains(&key.as_str()),
                Keep::AllBut(keys) => !keys.contains(&key.as_str()),
            };
            if wanted {
                out.insert(key, map.next_value()?);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(Value::Object(out))
    }
}

/// One Kubernetes object, read with [`object_field`]; `kind` is what its list
/// field implies (`nodes`: `Node`), if anything.
struct ObjectSeed {
    kind: Option<&'static str>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        let mut kind = self.kind.map(str::to_owned);
        while let Some(key) = map.next_key::<String>()? {
            if let Some(v) = object_field(&mut map, &key, &mut kind)? {
                out.insert(key, v);
            }
        }
        Ok(Value::Object(out))
    }
}

/// Whether objects of `kind` live in a namespace.
fn namespaced(kind: &str) -> bool {
    matches!(kind, "DaemonSet" | "Pod" | "ControllerRevision")
}

/// Checks an object's name (and namespace, defaulting it), counts what it needs of
/// the engine and types it. The error names the object and the JSON path of the
/// field at fault.
fn object(kind: &str, mut v: Value, need: &mut Need) -> Result<Object, String> {
    let Value::Object(map) = &mut v else {
        return Err(format!("a {} that is not an object", escape(&clip(kind))));
    };
    let meta = match map.get_mut("metadata") {
        Some(Value::Object(m)) => m,
        Some(Value::Null) | None => {
            return Err(format!(
                "a {} without metadata.name (every object needs a name)",
                escape(&clip(kind))
            ))
        }
        Some(_) => {
            return Err(format!(
                "a {}: metadata is not an object",
                escape(&clip(kind))
            ))
        }
    };
    let name = match meta.get("name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(format!(
                "a {} without metadata.name (every object needs a name)",
                escape(&clip(kind))
            ))
        }
    };
    let known = matches!(kind, "Node" | "DaemonSet" | "Pod" | "ControllerRevision");
    if !known {
        return Ok(Object::Other(kind.to_owned()));
    }
    if namespaced(kind) {
        let absent = matches!(meta.get("namespace"), None | Some(Value::Null))
            || meta.get("namespace").and_then(Value::as_str) == Some("");
        if absent {
            meta.insert("namespace".into(), Value::String(DEFAULT_NAMESPACE.into()));
        }
    }
    let namespace = meta
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    // A typed list's items may leave `kind` to the list.
    map.insert("kind".into(), Value::String(kind.to_owned()));
    trim(kind, &mut v);
    need.add_object(kind, &v);
    let json = serde_json::to_vec(&v).map_err(|e| e.to_string())?;
    let loaded = Loaded {
        name,
        namespace: if namespaced(kind) {
            namespace
        } else {
            String::new()
        },
        json,
    };
    Ok(match kind {
        "Node" => Object::Node(loaded),
        "DaemonSet" => Object::DaemonSet(loaded),
        "Pod" => Object::Pod(loaded),
        _ => Object::ControllerRevision(loaded),
    })
}

/// Drops what the core's JSON decoder never reads of an object before it is
/// kept: a kubectl dump's pods carry their whole spec, status and managed
/// fields. (Only memory is saved: the decoder skips these fields anyway.) What
/// stays is more than the decoder reads: a node's
/// labels, taints and `unschedulable`; a pod's metadata, `nodeName`, node affinity,
/// phase and conditions; a ControllerRevision's metadata and revision; a
/// DaemonSet whole (there are few).
fn trim(kind: &str, v: &mut Value) {
    let Value::Object(map) = v else {
        return;
    };
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        meta.remove("managedFields");
        if kind != "DaemonSet" {
            meta.remove("annotations");
        }
    }
    let keep = |map: &mut serde_json::Map<String, Value>, field: &str, fields: &[&str]| {
        if let Some(Value::Object(m)) = map.get_mut(field) {
            m.retain(|k, _| fields.contains(&k.as_str()));
        }
    };
    match kind {
        "Node" => {
            map.remove("status");
            keep(map, "spec", &["taints", "unschedulable"]);
        }
        "Pod" => {
            keep(map, "spec", &["nodeName", "affinity"]);
            if let Some(Value::Object(affinity)) =
                map.get_mut("spec").and_then(|s| s.get_mut("affinity"))
            {
                affinity.retain(|k, _| k == "nodeAffinity");
            }
            keep(map, "status", &["phase", "conditions"]);
        }
        "ControllerRevision" => {
            map.remove("data");
        }
        _ => {}
    }
}

/// Reads a file into memory, refusing one larger than `limits.max_bytes`.
pub fn read_bytes(path: &Path, limits: &Limits) -> Result<Vec<u8>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    Capped::new(file, limits.max_bytes)
        .read_to_end(&mut bytes)
        .map_err(|e| over_cap(e.into(), limits))
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(bytes)
}

/// Whether the text is JSON (its first significant character opens an object or
/// an array); everything else is read as YAML, of which JSON is a subset anyway.
fn looks_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{') | Some(b'[')
    )
}

/// Parses JSON or YAML text into documents (one for JSON, one per YAML document):
/// for the conformance vectors, which are read whole.
pub fn parse_documents(bytes: &[u8], limits: &Limits) -> Result<Vec<Value>> {
    if looks_like_json(bytes) {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // serde_json's own recursion limit (128) caps the depth.
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            if e.to_string().contains("recursion limit") {
                anyhow!("JSON is nested deeper than the depth cap of {MAX_DEPTH}: {e}")
            } else {
                anyhow!("invalid JSON: {}", clip_message(&e.to_string()))
            }
        })?;
        return Ok(vec![value]);
    }
    let text = std::str::from_utf8(bytes).context("YAML input is not valid UTF-8")?;
    let budget_units = usize::try_from(limits.max_bytes).unwrap_or(usize::MAX);
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_events: budget_units,
            max_nodes: budget_units,
            max_documents: limits.max_objects,
            max_total_scalar_bytes: budget_units,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAY,
        },
    };
    let docs: Vec<Value> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
            anyhow!(
                "invalid YAML (or over a cap: depth {MAX_DEPTH}, documents {}): {}",
                limits.max_objects,
                clip_message(&e.to_string())
            )
        })?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// Reads and parses a file into documents, within the caps.
pub fn read_documents(path: &Path, limits: &Limits) -> Result<Vec<Value>> {
    let bytes = read_bytes(path, limits)?;
    parse_documents(&bytes, limits).with_context(|| format!("cannot parse {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(text: &str) -> Result<Objects> {
        objects_from_bytes(text.as_bytes(), &Limits::default())
    }

    const NODE: &str = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}"#;

    #[test]
    fn a_single_json_object() {
        let o = objects(NODE).unwrap();
        assert_eq!(o.nodes.len(), 1);
        assert_eq!(o.nodes[0].name, "n1");
    }

    #[test]
    fn a_kubectl_list_with_other_kinds() {
        let text = format!(
            r#"{{"apiVersion":"v1","items":[{NODE},
            {{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{{"name":"d"}},"spec":{{"selector":{{}},"template":{{}}}}}},
            {{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{{"name":"d-5d4f8b7c9"}},"revision":2}},
            {{"apiVersion":"v1","kind":"Service","metadata":{{"name":"s"}}}}],"kind":"List"}}"#
        );
        let o = objects(&text).unwrap();
        assert_eq!((o.nodes.len(), o.daemon_sets.len()), (1, 1));
        assert_eq!(o.controller_revisions[0].value()["revision"], 2);
        assert_eq!(o.ignored, vec![("Service".to_owned(), 1)]);
        // A namespaced object without a namespace is in `default`, as kubectl has it.
        assert_eq!(o.daemon_sets[0].namespace, "default");
        assert_eq!(o.daemon_sets[0].value()["metadata"]["namespace"], "default");
    }

    #[test]
    fn a_typed_list_whose_items_lack_kind() {
        // kubectl sorts keys: the items come before the list's kind.
        let o = objects(
            r#"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}],"kind":"NodeList"}"#,
        )
        .unwrap();
        assert_eq!(o.nodes.len(), 2);
        // The kind the list implies is written into each item, for the core.
        assert_eq!(o.nodes[1].value()["kind"], "Node");
    }

    #[test]
    fn the_bench_format() {
        let o = objects(
            r#"{"nodes":[{"metadata":{"name":"a"}}],"daemonSets":[{"metadata":{"name":"d"}}]}"#,
        )
        .unwrap();
        assert_eq!((o.nodes.len(), o.daemon_sets.len()), (1, 1));
    }

    #[test]
    fn a_yaml_stream() {
        let text = "apiVersion: v1\nkind: Node\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: b\n  labels:\n    x: \"1\"\n";
        let o = objects(text).unwrap();
        assert_eq!(o.nodes.len(), 2);
        assert_eq!(o.nodes[1].value()["metadata"]["labels"]["x"], "1");
    }

    #[test]
    fn concatenated_json_objects() {
        let text = format!("{NODE}\n{}", NODE.replace("n1", "n2"));
        let o = objects(&text).unwrap();
        assert_eq!(o.nodes.len(), 2);
    }

    #[test]
    fn the_object_cap_is_named() {
        let limits = Limits {
            max_objects: 1,
            ..Limits::default()
        };
        let err = format!(
            "{:#}",
            objects_from_bytes(
                br#"{"kind":"List","items":[{"kind":"Node","metadata":{"name":"a"}},{"kind":"Node","metadata":{"name":"b"}}]}"#,
                &limits,
            )
            .unwrap_err()
        );
        assert!(err.contains("object count cap"), "{err}");
        let one = br#"{"kind":"List","items":[{"kind":"Node","metadata":{"name":"a"}}]}"#;
        assert_eq!(objects_from_bytes(one, &limits).unwrap().nodes.len(), 1);
    }

    #[test]
    fn the_size_cap_is_named() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        let err = format!(
            "{:#}",
            objects_from_bytes(NODE.as_bytes(), &limits).unwrap_err()
        );
        assert!(err.contains("input size cap of 10 bytes"), "{err}");
        let err = format!(
            "{:#}",
            objects_from_bytes(b"kind: Node\nmetadata:\n  name: a\n", &limits).unwrap_err()
        );
        assert!(err.contains("input size cap of 10 bytes"), "{err}");
    }

    #[test]
    fn json_depth_is_capped() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        let err = format!(
            "{:#}",
            parse_documents(deep.as_bytes(), &Limits::default()).unwrap_err()
        );
        assert!(err.contains("depth cap"), "{err}");
        let deep = r#"{"kind":"Node","metadata":{"name":"a","x":"#.to_owned()
            + &"[".repeat(200)
            + &"]".repeat(200)
            + "}}";
        let err = format!("{:#}", objects(&deep).unwrap_err());
        assert!(err.contains("depth cap"), "{err}");
    }

    #[test]
    fn yaml_depth_is_capped() {
        // Deep YAML recursion needs more than a test thread's 2 MiB of stack in debug
        // builds; the CLI parses on its big-stack thread, and so does this test.
        let nested = |n: usize| "a: ".to_owned() + &"[".repeat(n) + &"]".repeat(n);
        crate::engine::on_big_stack(0, || {
            let err = format!(
                "{:#}",
                parse_documents(nested(MAX_DEPTH + 2).as_bytes(), &Limits::default()).unwrap_err()
            );
            assert!(err.contains("depth"), "{err}");
            parse_documents(nested(MAX_DEPTH - 2).as_bytes(), &Limits::default()).unwrap();
        })
        .unwrap();
    }

    #[test]
    fn yaml_alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text += &format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n");
        }
        assert!(objects(&text).is_err());
    }

    #[test]
    fn not_an_object_is_an_error() {
        assert!(objects("[1, 2]").is_err());
        assert!(objects(r#"{"metadata": {}}"#).is_err());
    }
}
