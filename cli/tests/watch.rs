//! `dsr watch` on the recorded streams of tests/data/watch (made by
//! scripts/make-watch-streams.py): each replay must print its golden output,
//! text and JSON. `DSR_BLESS=1 cargo test -p dsr-cli --test watch` rewrites the
//! goldens after a change that is meant.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/watch")
}

fn dsr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsr"))
        .arg("watch")
        .args(args)
        .output()
        .expect("dsr runs")
}

/// The recorded streams and the flags they are replayed with.
const STREAMS: &[(&str, &[&str])] = &[
    ("initial", &[]),
    ("taint-noexecute", &[]),
    ("label-move", &[]),
    ("rollout", &[]),
    ("pod-failure", &[]),
    ("owed", &["--owed-after", "2m"]),
    ("node-deleted", &[]),
];

fn replay(stream: &str, flags: &[&str], json: bool) -> String {
    let file = data().join(format!("{stream}.json"));
    let mut args = vec!["--replay", file.to_str().unwrap()];
    args.extend_from_slice(flags);
    if json {
        args.extend(["-o", "json"]);
    }
    let out = dsr(&args);
    assert!(
        out.status.success(),
        "{stream}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{stream}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_recorded_stream_replays_to_its_golden_output() {
    let bless = std::env::var_os("DSR_BLESS").is_some();
    let mut failed = Vec::new();
    for (stream, flags) in STREAMS {
        for (json, ext) in [(false, "txt"), (true, "jsonl")] {
            let got = replay(stream, flags, json);
            let golden = data().join("golden").join(format!("{stream}.{ext}"));
            if bless {
                std::fs::write(&golden, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&golden).unwrap_or_default();
            if got != want {
                let line = got
                    .lines()
                    .zip(want.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.lines().count().min(want.lines().count()));
                failed.push(format!(
                    "{}: first difference at line {}:\n  got:  {}\n  want: {}",
                    golden.display(),
                    line + 1,
                    got.lines().nth(line).unwrap_or("(end)"),
                    want.lines().nth(line).unwrap_or("(end)")
                ));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{}\n(DSR_BLESS=1 rewrites the goldens)",
        failed.join("\n")
    );
}

#[test]
fn a_replay_is_the_same_every_time_and_json_says_what_text_says() {
    let text = replay("taint-noexecute", &[], false);
    assert_eq!(text, replay("taint-noexecute", &[], false));
    let json = replay("taint-noexecute", &[], true);
    let mut deletes = 0;
    for line in json.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in ["event", "type", "kind", "namespace", "name", "changes"] {
            assert!(v.get(key).is_some(), "no {key} in {line}");
        }
        for c in v["changes"].as_array().unwrap() {
            for d in c["deletes"].as_array().unwrap() {
                assert!(text.contains(&format!(
                    "{} delete {} on {} (",
                    c["daemonSet"].as_str().unwrap(),
                    d["pod"].as_str().unwrap(),
                    d["node"].as_str().unwrap()
                )));
                deletes += 1;
            }
        }
    }
    // The initial lists' deletes and the seven pods the taint evicts.
    assert!(deletes >= 7, "{deletes} deletes");
}

#[test]
fn the_noexecute_taint_deletes_the_pods_that_do_not_tolerate_it_and_its_removal_brings_them_back() {
    let text = replay("taint-noexecute", &["--node", "worker-1"], false);
    let evicted: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("(nodeIneligible): must not run on worker-1: node has taint example.com/maintenance=kernel-upgrade:NoExecute"))
        .collect();
    let created: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("create on worker-1 (missing)"))
        .collect();
    assert_eq!(evicted.len(), 7, "{text}");
    // kube-proxy's create on worker-1 is owed from the start; the seven return.
    assert_eq!(created.len(), 8, "{text}");
    // Filtered to the node: no status lines, nothing about other nodes.
    for line in text.lines().filter(|l| {
        !l.contains(" MODIFIED ")
            && !l.contains(" ADDED ")
            && !l.contains(" DELETED ")
            && !l.contains(" INITIAL")
    }) {
        assert!(line.contains("worker-1"), "{line}");
    }
}

#[test]
fn owed_actions_name_their_likely_cause_and_exit_on_owed_stops_at_the_first_with_status_4() {
    let full = replay("owed", &["--owed-after", "2m"], false);
    for want in [
        "kube-system/kube-proxy OWED create on worker-2 for 2m0s (since 2024-06-03T09:58:22Z): no pod at all: the controller has not created it, or admission (quota, policy) refused it",
        "monitoring/node-exporter OWED start of node-exporter-",
        "on worker-2 for 2m44s (since 2024-06-03T09:58:38Z): the pod exists but is Pending: the scheduler's or the kubelet's side",
        "kube-system/kured OWED status for 2m30s (since 2024-06-03T09:58:52Z): status.observedGeneration 1 is behind generation 2: the controller has not seen the change",
        "kube-system/calico-node OWED delete calico-node-tfr8q on worker-pressure for 2m10s (since 2024-06-03T09:58:12Z): the pod still runs: the controller has not deleted it",
    ] {
        assert!(full.contains(want), "no {want:?} in\n{full}");
    }
    // Each owed action is reported once.
    assert_eq!(full.matches("OWED create on worker-2").count(), 1);

    let file = data().join("owed.json");
    let out = dsr(&[
        "--replay",
        file.to_str().unwrap(),
        "--owed-after",
        "2m",
        "--exit-on-owed",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().last().unwrap().contains(" OWED "), "{text}");
    assert!(full.starts_with(&text) && full.len() > text.len());
    // Without --owed-after, nothing is owed and the stream plays to its end.
    let out = dsr(&["--replay", file.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(!String::from_utf8(out.stdout).unwrap().contains("OWED"));
}

#[test]
fn malformed_events_are_skipped_with_a_warning_that_says_where() {
    let stream = std::fs::read_to_string(data().join("taint-noexecute.json")).unwrap();
    let events = serde_json::Deserializer::from_str(&stream)
        .into_iter::<serde_json::Value>()
        .count();
    let bad = [
        // Not JSON inside a value dsr does not read.
        r#"{"type": "MODIFIED", "object": {"kind": "Node", "metadata": {"name": "worker-1"}, "spec": {"taints": [1 2]}}}"#,
        // A name that is not a string.
        r#"{"type": "MODIFIED", "object": {"kind": "Pod", "metadata": {"namespace": "kube-system", "name": 7}}}"#,
        // Read as an event, refused by the engine's decoder.
        r#"{"type": "MODIFIED", "object": {"kind": "Node", "metadata": {"name": "worker-1"}, "spec": {"taints": [{"key": "a", "effect": 5}]}}}"#,
    ];
    let file = std::env::temp_dir().join(format!("dsr-watch-bad-{}.json", std::process::id()));
    std::fs::write(&file, format!("{stream}\n{}\n", bad.join("\n"))).unwrap();
    let out = dsr(&["--replay", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    // What the good events report is unchanged.
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        replay("taint-noexecute", &[], false)
    );
    let want = [
        format!(
            "dsr: warning: event {}: not a watch event: object.spec: invalid JSON: Invalid number.",
            events + 1
        ),
        format!(
            "dsr: warning: event {}: not a watch event: object.metadata.name: not the JSON type the API defines for this field",
            events + 2
        ),
        format!(
            "dsr: warning: event {}: Node \"worker-1\": object.spec.taints[0].effect: not the JSON type the API defines for this field",
            events + 3
        ),
    ];
    assert_eq!(stderr.lines().collect::<Vec<_>>(), want, "{stderr}");
}

#[test]
fn a_batch_reports_once_for_many_events() {
    let per_event = replay("rollout", &["-o", "json"], false);
    let batched = replay("rollout", &["-o", "json", "--batch", "30s"], false);
    let count = |s: &str| s.lines().count();
    assert!(count(&batched) < count(&per_event) / 3, "{batched}");
    let mut events = 0;
    for line in batched.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        events += v["events"].as_u64().unwrap();
        assert!(v["changes"].as_array().is_some_and(|c| !c.is_empty()));
    }
    // Every event after the initial lists is in exactly one batch.
    let last: serde_json::Value = serde_json::from_str(per_event.lines().last().unwrap()).unwrap();
    let initial: serde_json::Value =
        serde_json::from_str(per_event.lines().next().unwrap()).unwrap();
    assert_eq!(
        events,
        last["event"].as_u64().unwrap() - initial["event"].as_u64().unwrap()
            + initial["events"].as_u64().unwrap()
    );
}

/// Splits a recorded stream into the four kinds' streams kubectl would print.
fn by_kind(stream: &str) -> std::collections::BTreeMap<&'static str, String> {
    let text = std::fs::read_to_string(data().join(stream)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    let de = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    for v in de {
        let v = v.unwrap();
        let kind = match v["object"]["kind"].as_str().unwrap() {
            "Node" => "nodes",
            "DaemonSet" => "daemonsets",
            "ControllerRevision" => "controllerrevisions",
            _ => "pods",
        };
        let s: &mut String = out.entry(kind).or_default();
        s.push_str(&serde_json::to_string_pretty(&v).unwrap());
        s.push('\n');
    }
    out
}

#[test]
fn kubectl_mode_merges_one_kubectl_per_kind_and_restarts_one_that_ends() {
    let dir = std::env::temp_dir().join(format!("dsr-fake-kubectl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let initial = by_kind("initial.json");
    for (kind, text) in &initial {
        std::fs::write(dir.join(format!("{kind}.1.json")), text).unwrap();
        if *kind != "nodes" {
            // These watches stay open; the nodes' one ends and is restarted.
            std::fs::write(dir.join(format!("{kind}.1.wait")), "").unwrap();
        }
    }
    // The restarted nodes watch lists the nodes again (nothing to say), then
    // worker-1 gets the NoExecute taint.
    let tainted = by_kind("taint-noexecute.json");
    let nodes = &tainted["nodes"];
    let mut second = initial["nodes"].clone();
    let events: Vec<serde_json::Value> = serde_json::Deserializer::from_str(nodes)
        .into_iter::<serde_json::Value>()
        .map(Result::unwrap)
        .collect();
    let taint = events
        .iter()
        .find(|e| {
            e["type"] == "MODIFIED"
                && e["object"]["metadata"]["name"] == "worker-1"
                && e["object"]["spec"]["taints"].is_array()
        })
        .unwrap();
    second.push_str(&serde_json::to_string_pretty(taint).unwrap());
    std::fs::write(dir.join("nodes.2.json"), second).unwrap();
    std::fs::write(dir.join("nodes.2.wait"), "").unwrap();
    let total: usize = initial
        .values()
        .map(|s| {
            serde_json::Deserializer::from_str(s)
                .into_iter::<serde_json::Value>()
                .count()
        })
        .sum();
    let max = (total + 17 + 1).to_string();

    let out = Command::new(env!("CARGO_BIN_EXE_dsr"))
        .args([
            "watch",
            "--kubectl",
            "--context",
            "prod",
            "--max-events",
            &max,
            "--restart-delay-ms",
            "1500",
        ])
        .env(
            "DSR_KUBECTL",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/watch/fake-kubectl.sh"),
        )
        .env("FAKE_KUBECTL_DIR", &dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    for kind in ["nodes", "daemonsets", "controllerrevisions", "pods"] {
        assert!(
            calls.contains(&format!(
                "get {kind} -A --context prod --watch --output-watch-events -o json"
            )),
            "{calls}"
        );
    }
    assert_eq!(calls.matches("get nodes").count(), 2, "{calls}");
    assert!(stderr.contains("started again"), "{stderr}");
    // The initial report is the one a replay of the same lists gives.
    let want = replay("initial", &[], false);
    let initial_report: Vec<&str> = stdout
        .lines()
        .take_while(|l| !l.contains(" MODIFIED "))
        .collect();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(initial_report.len(), want.len(), "{stdout}");
    let strip = |l: &str| l.splitn(3, ' ').nth(2).unwrap_or("").to_owned();
    for (g, w) in initial_report.iter().zip(&want) {
        // The time is the clock's, the events' order kubectl's.
        if g.contains(" INITIAL") {
            continue;
        }
        assert_eq!(strip(g), strip(w));
    }
    // The re-list said nothing; the taint, after it, evicts seven pods.
    let after: Vec<&str> = stdout.lines().skip(want.len()).collect();
    assert!(after[0].contains("MODIFIED Node worker-1"), "{stdout}");
    assert_eq!(
        after
            .iter()
            .filter(|l| l.contains("(nodeIneligible): must not run on worker-1"))
            .count(),
        7,
        "{stdout}"
    );
}

#[test]
fn a_node_deleted_while_its_stream_was_down_is_removed_once_the_re_list_is_complete() {
    let dir = std::env::temp_dir().join(format!("dsr-fake-kubectl-relist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let initial = by_kind("initial.json");
    for (kind, text) in &initial {
        std::fs::write(dir.join(format!("{kind}.1.json")), text).unwrap();
        if *kind != "nodes" {
            std::fs::write(dir.join(format!("{kind}.1.wait")), "").unwrap();
        }
    }
    // worker-1 was deleted while the nodes' watch was down: the re-list has
    // every node but it, and then the stream stays quiet.
    let nodes: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&initial["nodes"])
        .into_iter::<serde_json::Value>()
        .map(Result::unwrap)
        .collect();
    let relist: Vec<&serde_json::Value> = nodes
        .iter()
        .filter(|e| e["object"]["metadata"]["name"] != "worker-1")
        .collect();
    assert_eq!(relist.len() + 1, nodes.len());
    let second: String = relist
        .iter()
        .map(|e| serde_json::to_string(e).unwrap() + "\n")
        .collect();
    std::fs::write(dir.join("nodes.2.json"), second).unwrap();
    std::fs::write(dir.join("nodes.2.wait"), "").unwrap();
    let total: usize = initial
        .values()
        .map(|s| {
            serde_json::Deserializer::from_str(s)
                .into_iter::<serde_json::Value>()
                .count()
        })
        .sum();
    // The initial lists, the re-list, and the DELETED it implies.
    let max = (total + relist.len() + 1).to_string();

    let mut command = Command::new(env!("CARGO_BIN_EXE_dsr"));
    command
        .args([
            "watch",
            "--kubectl",
            "--max-events",
            &max,
            "--restart-delay-ms",
            "1500",
        ])
        .env(
            "DSR_KUBECTL",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/watch/fake-kubectl.sh"),
        )
        .env("FAKE_KUBECTL_DIR", &dir);
    // Without the DELETED the watch would wait for more events: it is stopped
    // after 30 seconds, and fails.
    let (status, stdout, stderr) = output_within(&mut command, Duration::from_secs(30));
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{stderr}\n{stdout}"
    );
    assert_eq!(calls.matches("get nodes").count(), 2, "{calls}");

    // What a real DELETED of worker-1 after the same initial lists reports.
    let deleted = by_kind("node-deleted.json")["nodes"].clone();
    let event = serde_json::Deserializer::from_str(&deleted)
        .into_iter::<serde_json::Value>()
        .map(Result::unwrap)
        .find(|e| e["type"] == "DELETED")
        .unwrap();
    assert_eq!(event["object"]["metadata"]["name"], "worker-1");
    let file = dir.with_extension("deleted.json");
    std::fs::write(&file, serde_json::to_string(&event).unwrap()).unwrap();
    let want = dsr(&[
        "--replay",
        data().join("initial.json").to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&file);
    let want = String::from_utf8(want.stdout).unwrap();
    let strip = |l: &str| l.splitn(3, ' ').nth(2).unwrap_or("").to_owned();
    let report = |s: &str| -> Vec<String> {
        s.lines()
            .skip_while(|l| !l.contains(" DELETED Node worker-1"))
            .map(strip)
            .collect()
    };
    let (got, want) = (report(&stdout), report(&want));
    // The node's removal, and what it changes for the DaemonSets: kube-proxy's
    // create on worker-1 is no longer needed.
    assert!(
        want.contains(&"kube-system/kube-proxy create on worker-1: no longer needed".to_owned()),
        "{want:?}"
    );
    assert_eq!(got, want, "{stdout}");
}

/// Runs `command` to its end, or kills it after `limit`: its exit status (none
/// when killed), standard output and error.
fn output_within(
    command: &mut Command,
    limit: Duration,
) -> (Option<std::process::ExitStatus>, String, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let read = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            r.read_to_string(&mut s).unwrap();
            s
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (status, out.join().unwrap(), err.join().unwrap())
}
