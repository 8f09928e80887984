//! Reading Kubernetes objects from a file: JSON or YAML (told apart by content),
//! as a kubectl `List`, a single object, a YAML multi-document stream, or the
//! benchmark format `{"nodes": [...], "daemonSets": [...]}`.
//!
//! Dumps are an attack surface (CVE-2019-11253, -11254), so reading is capped: the
//! input's size, its nesting depth and the number of objects, each with an error
//! that names the cap and the flag that raises it.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet};
use k8s_openapi::api::core::v1::{Node, Pod};
use serde_json::Value;

/// Default cap on the size of an input file.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;
/// Default cap on the number of objects in an input file.
pub const DEFAULT_MAX_OBJECTS: usize = 100_000;
/// Nesting depth cap. JSON is read by `serde_json`, whose recursion limit is 128;
/// YAML gets the same cap through `serde-saphyr`'s budget.
pub const MAX_DEPTH: usize = 128;

/// Most YAML events that aliases may replay in one file.
pub const MAX_ALIAS_REPLAY: usize = 100_000;

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

/// The objects of a file, by kind.
#[derive(Debug, Default)]
pub struct Objects {
    /// `v1` Nodes.
    pub nodes: Vec<Node>,
    /// `apps/v1` DaemonSets.
    pub daemon_sets: Vec<DaemonSet>,
    /// `v1` Pods.
    pub pods: Vec<Pod>,
    /// `apps/v1` ControllerRevisions (a DaemonSet's current revision hash is read
    /// from them).
    pub controller_revisions: Vec<ControllerRevision>,
    /// Kinds that were present but are not used, with how many of each.
    pub ignored: Vec<(String, usize)>,
}

/// Reads a file into memory, refusing one larger than `limits.max_bytes`.
pub fn read_bytes(path: &Path, limits: &Limits) -> Result<Vec<u8>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    // Read one byte past the cap, so that a file that grows while read is caught too.
    file.take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > limits.max_bytes {
        bail!(
            "{} is larger than the input size cap of {} bytes (raise it with --max-bytes)",
            path.display(),
            limits.max_bytes
        );
    }
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

/// Parses JSON or YAML text into documents (one for JSON, one per YAML document).
pub fn parse_documents(bytes: &[u8], limits: &Limits) -> Result<Vec<Value>> {
    if looks_like_json(bytes) {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // serde_json's own recursion limit (128) caps the depth.
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            if e.to_string().contains("recursion limit") {
                anyhow!("JSON is nested deeper than the depth cap of {MAX_DEPTH}: {e}")
            } else {
                anyhow!("invalid JSON: {e}")
            }
        })?;
        return Ok(vec![value]);
    }
    let text = std::str::from_utf8(bytes).context("YAML input is not valid UTF-8")?;
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
    let docs: Vec<Value> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
            anyhow!(
                "invalid YAML (or over a cap: depth {MAX_DEPTH}, documents {}): {e}",
                limits.max_objects
            )
        })?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// Reads and parses a file into documents, within the caps.
pub fn read_documents(path: &Path, limits: &Limits) -> Result<Vec<Value>> {
    let bytes = read_bytes(path, limits)?;
    parse_documents(&bytes, limits).with_context(|| format!("cannot parse {}", path.display()))
}

/// Reads a file of Kubernetes objects.
pub fn read_objects(path: &Path, limits: &Limits) -> Result<Objects> {
    let docs = read_documents(path, limits)?;
    objects_from_documents(docs, limits).with_context(|| format!("in {}", path.display()))
}

/// Sorts documents into nodes, DaemonSets and pods.
pub fn objects_from_documents(docs: Vec<Value>, limits: &Limits) -> Result<Objects> {
    let mut sorter = Sorter {
        objects: Objects::default(),
        count: 0,
        limits: *limits,
    };
    for (i, doc) in docs.into_iter().enumerate() {
        sorter
            .document(doc)
            .with_context(|| format!("document {}", i + 1))?;
    }
    Ok(sorter.objects)
}

struct Sorter {
    objects: Objects,
    count: usize,
    limits: Limits,
}

impl Sorter {
    fn count_one(&mut self) -> Result<()> {
        self.count += 1;
        if self.count > self.limits.max_objects {
            bail!(
                "more than {} objects, the object count cap (raise it with --max-objects)",
                self.limits.max_objects
            );
        }
        Ok(())
    }

    fn document(&mut self, doc: Value) -> Result<()> {
        let Value::Object(mut map) = doc else {
            bail!("expected an object (a List, a Node, a DaemonSet, a Pod or {{\"nodes\": [...], \"daemonSets\": [...]}})");
        };
        let kind = map.get("kind").and_then(Value::as_str).map(str::to_owned);
        match kind.as_deref() {
            // `kubectl get ... -o json` prints `List`; the API's own lists are typed
            // (`NodeList`), and their items may lack `kind`.
            Some(k) if k.ends_with("List") => {
                let item_kind = k.strip_suffix("List").filter(|s| !s.is_empty());
                let items = match map.remove("items") {
                    Some(Value::Array(items)) => items,
                    Some(Value::Null) | None => Vec::new(),
                    Some(_) => bail!("{k}: `items` is not an array"),
                };
                for (i, item) in items.into_iter().enumerate() {
                    self.object(item, item_kind)
                        .with_context(|| format!("{k} item {i}"))?;
                }
                Ok(())
            }
            Some(_) => self.object(Value::Object(map), None),
            None if ["nodes", "daemonSets", "pods"].iter().any(|k| map.contains_key(*k)) => {
                for (field, kind) in [("nodes", "Node"), ("daemonSets", "DaemonSet"), ("pods", "Pod")] {
                    let items = match map.remove(field) {
                        Some(Value::Array(items)) => items,
                        Some(Value::Null) | None => continue,
                        Some(_) => bail!("`{field}` is not an array"),
                    };
                    for (i, item) in items.into_iter().enumerate() {
                        self.object(item, Some(kind))
                            .with_context(|| format!("{field}[{i}]"))?;
                    }
                }
                Ok(())
            }
            None => bail!("an object without `kind` (expected a List, a Node, a DaemonSet, a Pod or the bench format)"),
        }
    }

    fn object(&mut self, item: Value, default_kind: Option<&str>) -> Result<()> {
        self.count_one()?;
        let kind = item
            .get("kind")
            .and_then(Value::as_str)
            .or(default_kind)
            .ok_or_else(|| anyhow!("an object without `kind`"))?
            .to_owned();
        let name = || {
            item.pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        match kind.as_str() {
            "Node" => {
                let n = name();
                let node = serde_json::from_value(item)
                    .with_context(|| format!("Node {n:?} is not a valid v1 Node"))?;
                self.objects.nodes.push(node);
            }
            "DaemonSet" => {
                let n = name();
                let ds = serde_json::from_value(item)
                    .with_context(|| format!("DaemonSet {n:?} is not a valid apps/v1 DaemonSet"))?;
                self.objects.daemon_sets.push(ds);
            }
            "Pod" => {
                let n = name();
                let pod = serde_json::from_value(item)
                    .with_context(|| format!("Pod {n:?} is not a valid v1 Pod"))?;
                self.objects.pods.push(pod);
            }
            "ControllerRevision" => {
                let n = name();
                let rev = serde_json::from_value(item).with_context(|| {
                    format!("ControllerRevision {n:?} is not a valid apps/v1 ControllerRevision")
                })?;
                self.objects.controller_revisions.push(rev);
            }
            other => match self.objects.ignored.iter_mut().find(|(k, _)| k == other) {
                Some((_, n)) => *n += 1,
                None => self.objects.ignored.push((other.to_owned(), 1)),
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(text: &str) -> Result<Objects> {
        let limits = Limits::default();
        objects_from_documents(parse_documents(text.as_bytes(), &limits)?, &limits)
    }

    const NODE: &str = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}"#;

    #[test]
    fn a_single_json_object() {
        let o = objects(NODE).unwrap();
        assert_eq!(o.nodes.len(), 1);
        assert_eq!(o.nodes[0].metadata.name.as_deref(), Some("n1"));
    }

    #[test]
    fn a_kubectl_list_with_other_kinds() {
        let text = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{NODE},
            {{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{{"name":"d"}},"spec":{{"selector":{{}},"template":{{}}}}}},
            {{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{{"name":"d-5d4f8b7c9"}},"revision":2}},
            {{"apiVersion":"v1","kind":"Service","metadata":{{"name":"s"}}}}]}}"#
        );
        let o = objects(&text).unwrap();
        assert_eq!((o.nodes.len(), o.daemon_sets.len()), (1, 1));
        assert_eq!(o.controller_revisions[0].revision, Some(2));
        assert_eq!(o.ignored, vec![("Service".to_owned(), 1)]);
    }

    #[test]
    fn a_typed_list_whose_items_lack_kind() {
        let o = objects(
            r#"{"kind":"NodeList","items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#,
        )
        .unwrap();
        assert_eq!(o.nodes.len(), 2);
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
        assert_eq!(o.nodes[1].metadata.labels.as_ref().unwrap()["x"], "1");
    }

    #[test]
    fn the_object_cap_is_named() {
        let limits = Limits {
            max_objects: 1,
            ..Limits::default()
        };
        let docs = parse_documents(
            br#"{"kind":"List","items":[{"kind":"Node"},{"kind":"Node"}]}"#,
            &limits,
        )
        .unwrap();
        let err = format!("{:#}", objects_from_documents(docs, &limits).unwrap_err());
        assert!(err.contains("object count cap"), "{err}");
    }

    #[test]
    fn the_size_cap_is_named() {
        let dir = std::env::temp_dir().join(format!("dsr-load-test-{}", std::process::id()));
        std::fs::write(&dir, NODE).unwrap();
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        let err = format!("{:#}", read_bytes(&dir, &limits).unwrap_err());
        std::fs::remove_file(&dir).unwrap();
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
        assert!(parse_documents(text.as_bytes(), &Limits::default()).is_err());
    }

    #[test]
    fn not_an_object_is_an_error() {
        assert!(objects("[1, 2]").is_err());
        assert!(objects(r#"{"metadata": {}}"#).is_err());
    }
}
