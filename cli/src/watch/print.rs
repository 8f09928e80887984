//! How `dsr watch` prints what changed: a line per change for a person, or one
//! JSON object per event (or batch) for programs.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use super::state::{Owed, Rollout, SetChange};
use crate::plan::Status;
use crate::show::{escape, value};

/// What one event (or batch of events) changed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    /// The index of the (last) event, from 1.
    pub event: u64,
    /// How many events the report covers (more than 1 with `--batch`).
    pub events: u64,
    /// The time the syncs ran at (RFC 3339).
    pub time: String,
    /// The (last) event's `type`; `INITIAL` for the initial lists.
    #[serde(rename = "type")]
    pub type_: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    /// Per DaemonSet, what changed.
    pub changes: &'a [SetChange],
}

/// Writes `report` as one line of JSON, made in `line` (kept by the caller
/// for its allocation): serialised into a `Vec`, its many small pieces are
/// copies, not writes through `out`.
pub fn json(out: &mut dyn Write, report: &Report<'_>, line: &mut Vec<u8>) -> io::Result<()> {
    line.clear();
    serde_json::to_writer(&mut *line, report)?;
    line.push(b'\n');
    out.write_all(line)
}

/// Writes `report` as lines of text, each starting `#EVENT TIME DAEMONSET`.
pub fn text(out: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    let mut s = String::new();
    let head = format!("#{} {}", report.event, report.time);
    let object = match (report.namespace, report.name) {
        ("", name) => value(name),
        (ns, name) => format!("{}/{}", value(ns), value(name)),
    };
    let _ = write!(s, "{head} {}", report.type_);
    if !report.kind.is_empty() {
        let _ = write!(s, " {}", report.kind);
    }
    if !object.is_empty() {
        let _ = write!(s, " {object}");
    }
    if report.type_ == "INITIAL" {
        let _ = write!(s, ": the initial lists, {} events", report.events);
    } else if report.events > 1 {
        let _ = write!(s, " (last of {} events)", report.events);
    }
    s.push('\n');
    for c in report.changes {
        let p = format!("{head} {}", value(&c.daemon_set));
        if c.removed {
            let _ = writeln!(s, "{p} removed: the DaemonSet is gone");
        }
        for r in &c.resolved {
            let what = match (r.action, &r.pod) {
                ("delete", Some(pod)) => format!("delete {} on {}", value(pod), value(&r.node)),
                _ => format!("create on {}", value(&r.node)),
            };
            let how = match (r.outcome, r.action, &r.pod) {
                ("done", "create", Some(pod)) => format!("done (pod {})", value(pod)),
                ("done", "delete", _) => "done (the pod is gone or terminating)".to_owned(),
                ("done", _, _) => "done".to_owned(),
                ("daemonSetGone", _, _) => "no longer needed: the DaemonSet is gone".to_owned(),
                _ => "no longer needed".to_owned(),
            };
            let _ = writeln!(s, "{p} {what}: {how}");
        }
        for cr in &c.creates {
            let _ = writeln!(
                s,
                "{p} create on {} ({}): {}",
                value(&cr.node),
                cr.reason,
                escape(&cr.message)
            );
        }
        for d in &c.deletes {
            let _ = writeln!(
                s,
                "{p} delete {} on {} ({}): {}",
                value(&d.pod),
                value(&d.node),
                d.reason,
                escape(&d.message)
            );
        }
        if let Some(st) = &c.status {
            let _ = writeln!(s, "{p} status {}", status_words(st));
        }
        if let Some(r) = &c.rollout {
            let _ = writeln!(s, "{p} {}", rollout_words(r));
        }
        for o in &c.owed {
            let _ = writeln!(s, "{p} {}", owed_words(o));
        }
    }
    out.write_all(s.as_bytes())
}

fn status_words(st: &Status) -> String {
    format!(
        "desired {}, current {}, ready {}, up to date {}, available {}, unavailable {}, misscheduled {}, observedGeneration {}",
        st.desired_number_scheduled,
        st.current_number_scheduled,
        st.number_ready,
        st.updated_number_scheduled,
        st.number_available,
        st.number_unavailable,
        st.number_misscheduled,
        st.observed_generation
    )
}

fn rollout_words(r: &Rollout) -> String {
    if !r.in_progress && r.halted.is_none() {
        return format!(
            "rollout complete: {} of {} node(s) on the current revision",
            r.updated, r.desired
        );
    }
    let mut s = format!(
        "rollout: {} of {} node(s) on the current revision",
        r.updated, r.desired
    );
    if let Some(h) = r.halted {
        let _ = write!(s, "; halted ({h})");
    }
    if !r.held_back_by.is_empty() {
        s.push_str("; held back by ");
        for (i, h) in r.held_back_by.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            let _ = write!(s, "{} ({})", value(&h.node), escape(&h.why));
        }
    }
    s
}

fn owed_words(o: &Owed) -> String {
    let what = match (o.action, &o.pod) {
        ("status", _) => "status".to_owned(),
        ("start", Some(pod)) => format!("start of {} on {}", value(pod), value(&o.node)),
        ("delete", Some(pod)) => format!("delete {} on {}", value(pod), value(&o.node)),
        (action, _) => format!("{action} on {}", value(&o.node)),
    };
    format!(
        "OWED {what} for {} (since {}): {}",
        duration_words(o.seconds),
        o.since,
        escape(&o.cause)
    )
}

/// `2m0s`, `1h5m0s`, `45s`.
pub fn duration_words(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m{s}s"),
        (h, m) => format!("{h}h{m}m{s}s"),
    }
}
