//! `Engine::apply` gives the same answers whatever the order of an object's
//! keys. A node's read ends at its `status` and a pod's once its status's
//! `phase` and `conditions` are read, when nothing read follows (as the API
//! server writes them); in any other order, or with a rest that is not valid,
//! the whole document is read as before. A node's labels are read as written
//! but where an escape is, wherever it falls.
#![cfg(feature = "json")]

use dsr_core::json::{Applied, ApplyError, Scratch};
use dsr_core::Engine;
use serde_json::{json, Value};

type E = Engine<8, 4, 16, 256, 8192, 128, 64>;

fn data(path: &str) -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/manifests")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(file).expect("manifest")).expect("JSON")
}

/// `fields` of an object, written in this order.
fn object(fields: &[(&str, &Value)]) -> String {
    let inner: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{:?}:{}", k, v))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// The same object with `status` written before all but `apiVersion` and
/// `kind` (never an early end: what is read follows it).
fn status_first(fields: &[(&str, &Value)]) -> String {
    let mut v = fields.to_vec();
    v.sort_by_key(|(k, _)| match *k {
        "apiVersion" | "kind" => 0,
        "status" => 1,
        _ => 2,
    });
    object(&v)
}

// The error is `Engine::apply`'s, as it gives it.
#[allow(clippy::result_large_err)]
fn apply(e: &mut E, json: &str) -> Result<Applied, ApplyError> {
    let mut s: Scratch<'_> = Scratch::new();
    e.apply(json.as_bytes(), &mut s)
}

/// What a caller can observe of an engine: its snapshot.
fn state(e: &E) -> Vec<u8> {
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let n = e.snapshot(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// An engine with fluentd-elasticsearch and the edge node.
fn engine() -> Box<E> {
    let mut e = Box::new(E::new());
    let set = data("daemonsets/kubernetes-website-fluentd-elasticsearch.json");
    apply(&mut e, &set.to_string()).unwrap();
    apply(&mut e, &data("nodes/edge-rpi4-01.json").to_string()).unwrap();
    e
}

/// Applies `input` and `reference` to engines alike: the same answer, the
/// same error (but the object's name, which a message of the reference, its
/// status first, cannot find past an invalid status) and the same engine after.
fn same(input: &str, reference: &str) {
    let (mut a, mut b) = (engine(), engine());
    let error = |e: ApplyError| format!("{:?} {} {:?} {}", e.kind, e.path, e.problem, e.detail);
    let got = apply(&mut a, input).map_err(error);
    let want = apply(&mut b, reference).map_err(error);
    assert_eq!(got, want, "{input}");
    assert_eq!(state(&a), state(&b), "{input}");
}

/// The node as a MODIFIED event: its labels changed, taints and cordon added.
fn node_fields() -> Vec<(&'static str, Value)> {
    let mut n = data("nodes/edge-rpi4-01.json");
    n["metadata"]["labels"]["example.com/rack"] = json!("r7");
    n["spec"]["taints"] = json!([{"key": "example.com/maintenance", "effect": "NoSchedule"}]);
    n["spec"]["unschedulable"] = json!(true);
    assert!(n["status"].is_object(), "the node has a status");
    ["apiVersion", "kind", "metadata", "spec", "status"]
        .into_iter()
        .map(|k| (k, n[k].clone()))
        .collect()
}

fn borrowed<'v>(fields: &'v [(&'static str, Value)]) -> Vec<(&'static str, &'v Value)> {
    fields.iter().map(|(k, v)| (*k, v)).collect()
}

/// The event's `type` before or after its object, with more after or not.
fn events(object: &str, reference: &str) -> Vec<(String, String)> {
    vec![
        (object.to_string(), reference.to_string()),
        (
            format!(r#"{{"type":"MODIFIED","object":{object}}}"#),
            format!(r#"{{"type":"MODIFIED","object":{reference}}}"#),
        ),
        (
            format!("{{\"object\": {object} ,\n \"type\": \"MODIFIED\" }}\n"),
            format!(r#"{{"type":"MODIFIED","object":{reference}}}"#),
        ),
        (
            format!(r#"{{"object":{object},"type":"MODIFIED","kind":"WatchEvent"}}"#),
            format!(r#"{{"type":"MODIFIED","object":{reference}}}"#),
        ),
        (
            format!(r#"{{"object":{object},"type":"DELETED"}}"#),
            format!(r#"{{"type":"DELETED","object":{reference}}}"#),
        ),
    ]
}

#[test]
fn a_node_reads_the_same_whatever_its_order() {
    let fields = node_fields();
    let f = borrowed(&fields);
    let reference = status_first(&f);
    // As the API server writes it (status last), then keys after the status.
    let [api, kind, meta, spec, status] = [f[0], f[1], f[2], f[3], f[4]];
    for object in [
        object(&f),
        object(&[api, kind, meta, status, spec]),
        object(&[kind, status, api, meta, spec]),
        object(&[api, kind, spec, meta, status]),
        object(&[api, kind, meta, spec, status, ("apiVersion", &json!("v1"))]),
        object(&[api, kind, meta, spec, status, ("status", &json!({}))]),
    ] {
        for (input, reference) in events(&object, &reference) {
            same(&input, &reference);
        }
    }
}

#[test]
fn a_node_whose_status_is_not_json_as_written_reads_as_before() {
    let fields = node_fields();
    let f = borrowed(&fields);
    let lenient = json!("__LENIENT__");
    // `serde-json-core` skips a scalar up to the next `,`, `}` or `]`: such a
    // status is accepted, as it always was; one not closed is an error, the
    // same, with its path.
    for status in [
        r#"{"capacity":{"cpu":tru, "pods":1.2.3}}"#,
        r#"{"addresses":[{"type":"Hostname","address":"edge"}"#,
        r#"{"nodeInfo":{"bootID":"5f0c6e0e"}} trailing"#,
        r#"{"conditions":[1,]}"#,
    ] {
        let write = |fields: &[(&str, &Value)]| object(fields).replace("\"__LENIENT__\"", status);
        let input = write(&[f[0], f[1], f[2], f[3], ("status", &lenient)]);
        let reference = write(&[f[0], f[1], ("status", &lenient), f[2], f[3]]);
        for (input, reference) in events(&input, &reference) {
            same(&input, &reference);
        }
    }
    // A document with more after it is refused as before.
    let input = object(&f) + " {}";
    let reference = status_first(&f) + " {}";
    same(&input, &reference);
    let mut a = engine();
    assert!(apply(&mut a, &input).is_err());
}

#[test]
fn a_deeply_nested_status_is_refused_as_before() {
    let fields = node_fields();
    let f = borrowed(&fields);
    for depth in [28, 29, 30, 31, 32, 40] {
        let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let status: Value = json!({ "x": serde_json::from_str::<Value>(&deep).unwrap() });
        let input = object(&[f[0], f[1], f[2], f[3], ("status", &status)]);
        let reference = object(&[f[0], f[1], ("status", &status), f[2], f[3]]);
        for (input, reference) in events(&input, &reference) {
            same(&input, &reference);
        }
    }
}

/// A pod of fluentd-elasticsearch on the edge node, as the API server writes
/// one, its status's fields in `order`.
fn pod(order: &[&str], ready: &str) -> String {
    let set = data("daemonsets/kubernetes-website-fluentd-elasticsearch.json");
    let labels = &set["spec"]["template"]["metadata"]["labels"];
    let status = json!({
        "phase": "Running",
        "conditions": [
            {"type": "Initialized", "status": "True", "lastTransitionTime": "2024-03-01T11:00:00Z"},
            {"type": "Ready", "status": ready, "lastTransitionTime": "2024-03-01T11:30:00Z"}],
        "hostIP": "10.0.12.34",
        "containerStatuses": [{"name": "fluentd", "ready": true, "restartCount": 0,
                               "image": "fluentd:1.20", "state": {"running": {"startedAt": "2024-03-01T11:00:00Z"}}}],
        "conditions2": [{"type": "Ready", "status": "Unknown", "lastTransitionTime": "2024-03-01T12:00:00Z"}],
        "phase2": "Failed"
    });
    let status_fields: Vec<(&str, &Value)> = order
        .iter()
        .map(|k| (k.trim_end_matches('2'), &status[*k]))
        .collect();
    let status = object(&status_fields);
    let meta = json!({
        "name": "fluentd-elasticsearch-x7k2p", "namespace": "kube-system", "labels": labels,
        "creationTimestamp": "2024-03-01T11:00:00Z",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd-elasticsearch",
                             "uid": set["metadata"]["uid"], "controller": true}]
    });
    let spec = json!({"nodeName": "edge-rpi4-01", "containers": [{"name": "fluentd"}]});
    format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{meta},"spec":{spec},"status":{status}}}"#
    )
}

#[test]
fn a_pod_reads_the_same_whatever_its_order() {
    let statuses: &[&[&str]] = &[
        // As the API server writes it, and with keys sorted.
        &["phase", "conditions", "hostIP", "containerStatuses"],
        &["conditions", "containerStatuses", "hostIP", "phase"],
        // What is read after the point where both were read: a second phase
        // or conditions (the last phase counts; the first Ready condition).
        &["phase", "conditions", "hostIP", "phase2"],
        &["phase", "conditions", "containerStatuses", "conditions2"],
        &["phase", "conditions"],
        &["conditions"],
    ];
    for order in statuses {
        for ready in ["True", "False"] {
            let input = pod(order, ready);
            // The status before metadata and spec: read whole.
            let (head, status) = input.split_at(input.find(r#","status":"#).unwrap());
            let reference = head.replacen(
                r#","metadata":"#,
                &format!(r#","status":{},"metadata":"#, &status[10..status.len() - 1]),
                1,
            ) + "}";
            for (input, reference) in events(&input, &reference) {
                same(&input, &reference);
            }
        }
    }
}

/// A node's labels as the engine holds them, sorted.
fn labels_of(e: &E, name: &str) -> Vec<(String, String)> {
    let n = e.node(e.find_node(name).unwrap()).unwrap();
    let mut got: Vec<(String, String)> = e
        .node_labels(n)
        .iter()
        .map(|l| (e.text(l.key).to_owned(), e.text(l.value).to_owned()))
        .collect();
    got.sort();
    got
}

/// Escapes in a long label map, in a key or a value, first, last or anywhere
/// between, are unescaped; the labels around them are read as written.
#[test]
fn escapes_anywhere_in_a_long_label_map_are_unescaped() {
    for at in [0, 1, 7, 8, 15, 16, 23, 38, 39] {
        for in_key in [false, true] {
            let mut n = data("nodes/edge-rpi4-01.json");
            let name = n["metadata"]["name"].as_str().unwrap().to_owned();
            let mut want = Vec::new();
            let labels = n["metadata"]["labels"].as_object_mut().unwrap();
            labels.clear();
            for i in 0..40 {
                let mut key = format!("feature.node.kubernetes.io/cpu-cpuid.F{i:02}");
                let mut value = "true".to_owned();
                if i == at && in_key {
                    key.push_str("\\x\"");
                } else if i == at {
                    value = "say \"hi\" \\ \u{e9}".to_owned();
                }
                labels.insert(key.clone(), json!(value));
                want.push((key, value));
            }
            want.sort();
            let mut e = engine();
            apply(&mut e, &n.to_string()).unwrap();
            assert_eq!(labels_of(&e, &name), want, "label {at}, in key {in_key}");
        }
    }
}
