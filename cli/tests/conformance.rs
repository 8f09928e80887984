//! `dsr conformance` on the placement vectors, and the runner's own rules (unknown
//! kinds, unloadable inputs and `reconcile` are failures, never skips).

use std::path::PathBuf;
use std::process::{Command, Output};

fn dsr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsr"))
        .args(args)
        .output()
        .expect("run dsr")
}

/// The repository's copy of the placement vectors; missing is a failure, never a skip.
fn placement_vectors() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/conformance/placement");
    assert!(dir.is_dir(), "no placement vectors at {}", dir.display());
    dir
}

/// The failures in the output: `(kind, case name, why)`.
fn failures(out: &str) -> Vec<(String, String, String)> {
    let lines: Vec<&str> = out.lines().collect();
    let mut found = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(rest) = l.strip_prefix("FAIL ") else {
            continue;
        };
        let open = rest.rfind(" [").expect("FAIL line names its kind");
        let kind = rest[open + 2..rest.len() - 1].to_owned();
        let name = rest[..open]
            .split_once(": ")
            .map(|x| x.1)
            .unwrap_or("")
            .to_owned();
        let why = lines
            .get(i + 1)
            .map(|w| w.trim().to_owned())
            .unwrap_or_default();
        found.push((kind, name, why));
    }
    found
}

fn summary(out: &str) -> (usize, usize) {
    let last = out.lines().last().expect("output");
    let (p, f) = last
        .split_once(" passed, ")
        .expect("last line is `N passed, M failed`");
    let f = f
        .strip_suffix(" failed")
        .expect("last line is `N passed, M failed`");
    (p.parse().unwrap(), f.parse().unwrap())
}

#[test]
fn every_placement_vector_passes() {
    let dir = placement_vectors();
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    let (passed, failed) = summary(&out);
    let failed_cases = failures(&out);
    assert!(failed_cases.is_empty(), "failures: {failed_cases:#?}");
    assert_eq!((passed, failed), (3156, 0), "{out}");
    assert!(o.status.success());
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("dsr-conformance-test-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn unknown_kinds_bad_inputs_and_reconcile_fail_with_a_reason() {
    let dir = temp_dir("bad");
    std::fs::write(
        dir.join("cases.json"),
        r#"{"schema": "dsr-conformance/v1", "cases": [
            {"name": "r", "kind": "reconcile", "nodes": [], "daemonSet": {}, "pods": [], "expect": {"creates": 0}},
            {"name": "u", "kind": "frobnicate", "expect": {}},
            {"name": "b", "kind": "toleratesTaint", "toleration": 5, "taint": {}, "expect": {"tolerates": true}},
            {"name": "m", "kind": "shouldRun", "node": {}, "expect": {"shouldRun": true, "shouldContinueRunning": true}}
        ]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("not-vectors.json"), r#"{"schema": "other"}"#).unwrap();
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!o.status.success());
    assert_eq!(summary(&out), (0, 5), "{out}");
    let f = failures(&out);
    let why = |name: &str| {
        f.iter()
            .find(|x| x.1 == name)
            .map(|x| x.2.clone())
            .unwrap_or_default()
    };
    assert_eq!(why("r"), "kind reconcile not supported yet");
    assert_eq!(why("u"), "unknown kind \"frobnicate\"");
    assert!(
        why("b").starts_with("cannot load input `toleration`"),
        "{out}"
    );
    assert_eq!(why("m"), "input `daemonSet` is missing");
    assert!(out.contains("not-vectors.json [(file)]"), "{out}");
    assert!(out.contains("schema is Some(\"other\")"), "{out}");
}

#[test]
fn a_passing_file_exits_zero_and_files_run_in_sorted_order() {
    let dir = temp_dir("good");
    let case = |name: &str, tolerates: bool| {
        format!(
            r#"{{"schema": "dsr-conformance/v1", "cases": [{{"name": "{name}", "kind": "toleratesTaint",
               "toleration": {{"key": "k", "operator": "Exists"}}, "taint": {{"key": "k", "effect": "NoSchedule"}},
               "expect": {{"tolerates": {tolerates}}}}}]}}"#
        )
    };
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("b.json"), case("second", true)).unwrap();
    std::fs::write(dir.join("a.json"), case("first", true)).unwrap();
    std::fs::write(dir.join("sub/c.json"), case("third", true)).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a vector").unwrap();
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success(), "{out}");
    assert_eq!(summary(&out), (3, 0));

    std::fs::write(dir.join("a.json"), case("first", false)).unwrap();
    std::fs::write(dir.join("b.json"), case("second", false)).unwrap();
    let o = dsr(&["conformance", dir.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!o.status.success());
    let names: Vec<String> = failures(&out).into_iter().map(|f| f.1).collect();
    assert_eq!(names, ["first", "second"]);
    assert!(
        out.contains(r#"expected {"tolerates":false}, got {"tolerates":true}"#),
        "{out}"
    );
}
