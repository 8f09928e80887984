//! With the `log` feature, decisions are logged: `cargo test -p dsr-core --features log
//! --test logging` (the test command runs it).
#![cfg(feature = "log")]

use std::sync::Mutex;

use dsr_core::input::{DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LINES
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture;

#[test]
fn should_run_logs_its_decision_at_trace_level() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let mut engine = dsr_core::TinyEngine::new();
    let node = engine
        .add_node(&NodeInput {
            name: "worker-1",
            ..Default::default()
        })
        .unwrap();
    let app = [LabelInput {
        key: "app",
        value: "node-exporter",
    }];
    let set = engine
        .add_daemon_set(&DaemonSetInput {
            name: "node-exporter",
            namespace: "monitoring",
            selector: Some(LabelSelectorInput {
                match_labels: &app,
                match_expressions: &[],
            }),
            template_labels: &app,
            ..Default::default()
        })
        .unwrap();
    engine.should_run(set, node).unwrap();
    let lines = LINES.lock().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("TRACE should_run") && l.contains("should_run: true")),
        "{lines:?}"
    );
}
