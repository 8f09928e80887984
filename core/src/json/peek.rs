//! [`Peek::read`]: what a watch event (or a bare object) is about, read before it
//! is applied, without decoding it: its `type`, the object's `kind`,
//! `namespace` and `name`, its latest time and a DaemonSet's status counts.
//!
//! A caller that follows a cluster (`dsr watch`) needs these before
//! [`Engine::apply`](crate::Engine::apply) changes the engine: to end its
//! initial lists, to report a finished batch first, to take the object's part
//! of a plan before it changes, to know the event's time in a replay. They
//! are a few strings and numbers in a document that is mostly labels, specs
//! and status dsr reads only when applying: the values named here are read
//! (strings unescaped as [`serde_json_core`] unescapes them, numbers read by
//! it), every other value is stepped over by the validating skipper
//! (`skip.rs`), much faster than parsing it.
//!
//! It is as strict as the skipper: JSON as RFC 8259 writes it, nested no
//! deeper than [`MAX_DEPTH`]; within strings as lenient as `serde-json-core`
//! (escapes and control characters are not judged). The strings it reads
//! must be UTF-8; those it steps over are not looked at as text: `apply`
//! judges them. A document it refuses is refused with an [`ApplyError`] that
//! names the key whose value is wrong and what `serde-json-core` says of it.
//!
//! Not in the firmware build (`compact`), which has no skipper.

use super::de::{read_value, unescape_into, Bump, Want, MAX_DEPTH};
use super::skip::ws;
use super::{copy_cut, skip, ApplyError, Kind, Problem, ScratchPool};
use crate::Timestamp;
use serde_json_core::de::Error as JsonError;

/// What [`Peek::read`] read. Each is `None` when absent or `null`. For a watch
/// event these are its object's (`{"type": ..., "object": {...}}`); for a
/// bare object, its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Peek<'a> {
    /// The event's `type` as written (`None` for a bare object).
    pub event_type: Option<&'a str>,
    /// `kind`.
    pub kind: Option<&'a str>,
    /// `metadata.namespace`.
    pub namespace: Option<&'a str>,
    /// `metadata.name`.
    pub name: Option<&'a str>,
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// The latest time the object records: its `creationTimestamp` and
    /// `deletionTimestamp`, its `managedFields`' `time`s (when a manager last
    /// wrote it), its status conditions' `lastTransitionTime`s and
    /// `lastHeartbeatTime`s. A value that is not an RFC 3339 time is left out.
    pub latest_time: Option<Timestamp>,
    /// What `.status` shows, as a DaemonSet's.
    pub status: StatusCounts,
}

/// A DaemonSet's `.status` counts and `observedGeneration`, as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// `observedGeneration`.
    pub observed_generation: Option<i64>,
    /// `desiredNumberScheduled`.
    pub desired_number_scheduled: Option<i32>,
    /// `currentNumberScheduled`.
    pub current_number_scheduled: Option<i32>,
    /// `numberMisscheduled`.
    pub number_misscheduled: Option<i32>,
    /// `numberReady`.
    pub number_ready: Option<i32>,
    /// `updatedNumberScheduled`.
    pub updated_number_scheduled: Option<i32>,
    /// `numberAvailable`.
    pub number_available: Option<i32>,
    /// `numberUnavailable`.
    pub number_unavailable: Option<i32>,
}

impl<'a> Peek<'a> {
    /// Reads what a [`Peek`] holds of `json`, a watch event or a bare
    /// object. Strings that hold an escape are unescaped into `text` (an
    /// error naming the text bytes when they do not fit); the others are
    /// borrowed from `json`.
    ///
    /// Errors: `json` is not one JSON object (then nothing after it but
    /// whitespace), a value read is not of its type (`type`, `kind`,
    /// `namespace` and `name` strings, `generation` and the counts integers,
    /// `object`, `metadata` and `status` objects; any may be `null`).
    // The error is the message, as `Engine::apply`'s.
    #[allow(clippy::result_large_err)]
    pub fn read(json: &'a [u8], text: &'a mut [u8]) -> Result<Peek<'a>, ApplyError> {
        let mut walk = Walk {
            json,
            text: Bump::new(text, ScratchPool::Text),
            path: [&[]; PATH],
            depth: 0,
        };
        walk.document().map_err(|f| f.error(&walk))
    }
}

/// The most levels of keys an error's path names.
const PATH: usize = 4;

/// A read that failed: the problem, at the path the walk was at.
struct Fail {
    problem: Problem,
    /// The walk's depth then (its path is kept up to [`PATH`] keys).
    depth: usize,
}

impl Fail {
    fn error(self, walk: &Walk<'_>) -> ApplyError {
        let mut err = ApplyError::new(Kind::Unknown, self.problem);
        let path = err.path.as_mut_view();
        for (i, key) in walk.path.iter().take(self.depth.min(PATH)).enumerate() {
            if i > 0 {
                copy_cut(path, ".");
            }
            // A key that is not UTF-8 is named by its first part that is.
            let key = match core::str::from_utf8(key) {
                Ok(k) => k,
                Err(e) => {
                    core::str::from_utf8(key.get(..e.valid_up_to()).unwrap_or(&[])).unwrap_or("")
                }
            };
            copy_cut(path, key);
        }
        err
    }
}

/// One object's members as the peek reads them (the event's, or its
/// object's).
#[derive(Default)]
struct Part<'a> {
    kind: Option<&'a str>,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
    generation: Option<i64>,
    latest_time: Option<Timestamp>,
    status: StatusCounts,
}

/// The walk over the document: where it is and what it keeps.
struct Walk<'a> {
    json: &'a [u8],
    text: Bump<'a, u8>,
    /// The keys down to the value being read (the first [`PATH`], as
    /// written), for errors.
    path: [&'a [u8]; PATH],
    /// How many objects and arrays hold the value being read.
    depth: usize,
}

type Step<T> = Result<T, Fail>;

/// What reads an object's members: called with each key (as written) and
/// where its value starts, it returns where the value ends.
type Member<'m, 'a> = dyn FnMut(&mut Walk<'a>, &'a [u8], usize) -> Step<usize> + 'm;

impl<'a> Walk<'a> {
    fn fail(&self, problem: Problem) -> Fail {
        Fail {
            problem,
            depth: self.depth,
        }
    }

    /// The failure for a value at `at` the skipper refuses: what
    /// `serde-json-core` says of it (one it accepts holds a number or literal
    /// not spelled as RFC 8259 spells them, which it skips leniently: an
    /// invalid number).
    #[cold]
    fn invalid(&self, at: usize) -> Fail {
        let budget = u8::try_from(MAX_DEPTH.saturating_sub(self.depth)).unwrap_or(u8::MAX);
        let problem = match read_value(self.json.get(at..).unwrap_or(&[]), Want::Skip(budget)) {
            Err(JsonError::CustomError) => Problem::TooDeep,
            Err(e) => Problem::Syntax(e),
            Ok(_) => Problem::Syntax(JsonError::InvalidNumber),
        };
        self.fail(problem)
    }

    /// [`Walk::invalid`] for the object or array at `at`, being walked.
    #[cold]
    fn invalid_container(&mut self, at: usize) -> Fail {
        self.depth -= 1;
        self.invalid(at)
    }

    /// Past the value at `at`, not read.
    fn skip(&self, at: usize) -> Step<usize> {
        skip::value(self.json, at, MAX_DEPTH.saturating_sub(self.depth))
            .ok_or_else(|| self.invalid(at))
    }

    /// The whole document: one object, then only whitespace.
    fn document(&mut self) -> Step<Peek<'a>> {
        let mut event_type = None;
        let mut outer = Part::default();
        let mut object: Option<Part<'a>> = None;
        let at = ws(self.json, 0);
        if self.json.get(at) != Some(&b'{') {
            return Err(self.fail(Problem::NotAnObject));
        }
        let end = self.object(at, &mut |w, key, at| match key {
            b"type" => {
                let (s, end) = w.string(at)?;
                event_type = s;
                Ok(end)
            }
            b"object" => match w.json.get(at) {
                Some(b'{') => {
                    let mut part = Part::default();
                    let end = w.object(at, &mut |w, key, at| w.part(&mut part, key, at))?;
                    object = Some(part);
                    Ok(end)
                }
                Some(b'n') => {
                    object = None;
                    w.skip(at)
                }
                _ => Err(w.wrong_type(at)),
            },
            _ => w.part(&mut outer, key, at),
        })?;
        if ws(self.json, end) != self.json.len() {
            return Err(self.fail(Problem::Syntax(JsonError::TrailingCharacters)));
        }
        let p = object.unwrap_or(outer);
        Ok(Peek {
            event_type,
            kind: p.kind,
            namespace: p.namespace,
            name: p.name,
            generation: p.generation,
            latest_time: p.latest_time,
            status: p.status,
        })
    }

    /// Calls `member` with each key of the object at `at` (its `{`, as
    /// written: escapes are not read) and where its value starts, which
    /// returns where the value ends; gives where the object ends.
    fn object(&mut self, at: usize, member: &mut Member<'_, 'a>) -> Step<usize> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(Problem::TooDeep));
        }
        let json = self.json;
        let mut i = ws(json, at + 1);
        if json.get(i) == Some(&b'}') {
            return Ok(i + 1);
        }
        self.depth += 1;
        loop {
            let Some(end) = skip::string(json, i) else {
                return Err(self.invalid_container(at));
            };
            let key = json.get(i + 1..end - 1).unwrap_or(&[]);
            i = ws(json, end);
            if json.get(i) != Some(&b':') {
                return Err(self.invalid_container(at));
            }
            if let Some(slot) = self.path.get_mut(self.depth - 1) {
                *slot = key;
            }
            i = member(self, key, ws(json, i + 1))?;
            i = ws(json, i);
            match json.get(i) {
                Some(b',') => i = ws(json, i + 1),
                Some(b'}') => break,
                _ => return Err(self.invalid_container(at)),
            }
        }
        self.depth -= 1;
        Ok(i + 1)
    }

    /// Calls `element` with where each element of the array at `at` (its
    /// `[`) starts, which returns where it ends; gives where the array ends.
    fn array(
        &mut self,
        at: usize,
        element: &mut dyn FnMut(&mut Self, usize) -> Step<usize>,
    ) -> Step<usize> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(Problem::TooDeep));
        }
        let json = self.json;
        let mut i = ws(json, at + 1);
        if json.get(i) == Some(&b']') {
            return Ok(i + 1);
        }
        self.depth += 1;
        loop {
            i = ws(json, element(self, i)?);
            match json.get(i) {
                Some(b',') => i = ws(json, i + 1),
                Some(b']') => break,
                _ => return Err(self.invalid_container(at)),
            }
        }
        self.depth -= 1;
        Ok(i + 1)
    }

    /// The failure for a value at `at` of the wrong type (or not JSON).
    fn wrong_type(&self, at: usize) -> Fail {
        match skip::value(self.json, at, MAX_DEPTH.saturating_sub(self.depth)) {
            Some(_) => self.fail(Problem::Syntax(JsonError::InvalidType)),
            None => self.invalid(at),
        }
    }

    /// A string (or `null`) at `at`, and where it ends.
    fn string(&mut self, at: usize) -> Step<(Option<&'a str>, usize)> {
        let json = self.json;
        match json.get(at) {
            Some(b'"') => {
                let end = skip::string(json, at).ok_or_else(|| self.invalid(at))?;
                let raw = json.get(at + 1..end - 1).unwrap_or(&[]);
                let s = core::str::from_utf8(raw)
                    .map_err(|_| self.fail(Problem::Syntax(JsonError::InvalidUnicodeCodePoint)))?;
                let s = if raw.contains(&b'\\') {
                    self.unescape(s)?
                } else {
                    s
                };
                Ok((Some(s), end))
            }
            Some(b'n') => Ok((None, self.skip(at)?)),
            _ => Err(self.wrong_type(at)),
        }
    }

    /// `s` (as written, with an escape) unescaped into the text buffer.
    #[cold]
    fn unescape(&mut self, s: &str) -> Step<&'a str> {
        unescape_into(s, &mut self.text).map_err(|p| self.fail(p))
    }

    /// An integer (or `null`) at `at`, read by `serde-json-core`, and where it
    /// ends.
    fn int(&self, at: usize) -> Step<(Option<i64>, usize)> {
        let end = self.skip(at)?;
        let value = self.json.get(at..end).unwrap_or(&[]);
        match serde_json_core::from_slice::<Option<i64>>(value) {
            Ok((n, _)) => Ok((n, end)),
            Err(e) => Err(self.fail(Problem::Syntax(e))),
        }
    }

    /// An `int32` (or `null`) at `at`, and where it ends; out of range is an
    /// invalid number, as `Engine::apply` reads one.
    fn int32(&self, at: usize) -> Step<(Option<i32>, usize)> {
        let (n, end) = self.int(at)?;
        match n.map(i32::try_from).transpose() {
            Ok(n) => Ok((n, end)),
            Err(_) => Err(self.fail(Problem::Syntax(JsonError::InvalidNumber))),
        }
    }

    /// A member of an object (the event's or its object's) into `part`.
    fn part(&mut self, part: &mut Part<'a>, key: &'a [u8], at: usize) -> Step<usize> {
        match key {
            b"kind" => {
                let (s, end) = self.string(at)?;
                part.kind = s;
                Ok(end)
            }
            b"metadata" => self.object_or_null(at, &mut |w, key, at| match key {
                b"name" => {
                    let (s, end) = w.string(at)?;
                    part.name = s;
                    Ok(end)
                }
                b"namespace" => {
                    let (s, end) = w.string(at)?;
                    part.namespace = s;
                    Ok(end)
                }
                b"generation" => {
                    let (n, end) = w.int(at)?;
                    part.generation = n;
                    Ok(end)
                }
                b"creationTimestamp" | b"deletionTimestamp" | b"managedFields" => {
                    w.times(&mut part.latest_time, at)
                }
                _ => w.skip(at),
            }),
            b"status" => self.object_or_null(at, &mut |w, key, at| {
                let s = &mut part.status;
                let count = match key {
                    b"conditions" => return w.times(&mut part.latest_time, at),
                    b"observedGeneration" => {
                        let (n, end) = w.int(at)?;
                        s.observed_generation = n;
                        return Ok(end);
                    }
                    b"desiredNumberScheduled" => &mut s.desired_number_scheduled,
                    b"currentNumberScheduled" => &mut s.current_number_scheduled,
                    b"numberMisscheduled" => &mut s.number_misscheduled,
                    b"numberReady" => &mut s.number_ready,
                    b"updatedNumberScheduled" => &mut s.updated_number_scheduled,
                    b"numberAvailable" => &mut s.number_available,
                    b"numberUnavailable" => &mut s.number_unavailable,
                    _ => return w.skip(at),
                };
                let (n, end) = w.int32(at)?;
                *count = n;
                Ok(end)
            }),
            _ => self.skip(at),
        }
    }

    /// An object read by `member`, or `null`; where it ends.
    fn object_or_null(&mut self, at: usize, member: &mut Member<'_, 'a>) -> Step<usize> {
        match self.json.get(at) {
            Some(b'{') => self.object(at, member),
            Some(b'n') => self.skip(at),
            _ => Err(self.wrong_type(at)),
        }
    }

    /// The times of the value at `at` folded into `latest`: a time, or a list
    /// of objects (`managedFields` entries, conditions) whose `time`,
    /// `lastTransitionTime` and `lastHeartbeatTime` are times. Anything else
    /// is skipped.
    fn times(&mut self, latest: &mut Option<Timestamp>, at: usize) -> Step<usize> {
        match self.json.get(at) {
            Some(b'"') => {
                let (s, end) = self.string(at)?;
                *latest = (*latest).max(s.and_then(Timestamp::parse_rfc3339));
                Ok(end)
            }
            Some(b'[') => self.array(at, &mut |w, at| match w.json.get(at) {
                Some(b'{') => w.object(at, &mut |w, key, at| match key {
                    b"time" | b"lastTransitionTime" | b"lastHeartbeatTime"
                        if w.json.get(at) == Some(&b'"') =>
                    {
                        let (s, end) = w.string(at)?;
                        *latest = (*latest).max(s.and_then(Timestamp::parse_rfc3339));
                        Ok(end)
                    }
                    _ => w.skip(at),
                }),
                _ => w.skip(at),
            }),
            _ => self.skip(at),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;

    fn time(s: &str) -> Option<Timestamp> {
        Timestamp::parse_rfc3339(s)
    }

    /// The peek of `json`, with a text buffer of `text` bytes (both leaked:
    /// what is read borrows them).
    #[allow(clippy::result_large_err)]
    fn peek(json: &[u8], text: usize) -> Result<Peek<'static>, ApplyError> {
        let json = std::boxed::Box::leak(json.to_vec().into_boxed_slice());
        let text = std::boxed::Box::leak(std::vec![0u8; text].into_boxed_slice());
        Peek::read(json, text)
    }

    #[test]
    fn a_pod_events_object_and_its_latest_time() {
        let json = br#"{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"agent-x2k9q","namespace":"kube-system",
            "creationTimestamp":"2024-03-01T10:00:00Z","managedFields":[{"manager":"kubelet","time":"2024-03-01T10:59:00Z"}],
            "labels":{"name":"agent"}},"spec":{"nodeName":"node-a","containers":[{"name":"agent","image":"agent:1"}]},
            "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2024-03-01T11:00:07Z"}]}}}"#;
        let p = peek(json, 64).unwrap();
        assert_eq!(p.event_type, Some("MODIFIED"));
        assert_eq!(p.kind, Some("Pod"));
        assert_eq!(
            (p.namespace, p.name),
            (Some("kube-system"), Some("agent-x2k9q"))
        );
        assert_eq!(p.latest_time, time("2024-03-01T11:00:07Z"));
        assert_eq!(p.status, StatusCounts::default());
    }

    #[test]
    fn a_heartbeat_or_a_managers_write_later_than_the_transitions_is_the_time() {
        let json = br#"{
  "type": "MODIFIED",
  "object": {
    "kind": "Node",
    "metadata": {"name": "node-a", "creationTimestamp": "2024-03-01T10:00:00Z",
      "managedFields": [{"manager": "kubelet", "time": "2024-03-01T10:58:00Z"},
        {"manager": "k\u0075be-controller-manager", "time": null}]},
    "status": {"conditions": [{"type": "Ready", "status": "True",
        "lastHeartbeatTime": "2024-03-01T11:02:00Z", "lastTransitionTime": "2024-03-01T10:00:00Z"},
      {"type": "DiskPressure", "lastHeartbeatTime": "not a time"}]}
  }
}
"#;
        let p = peek(json, 64).unwrap();
        assert_eq!(
            (p.kind, p.name, p.namespace),
            (Some("Node"), Some("node-a"), None)
        );
        assert_eq!(p.latest_time, time("2024-03-01T11:02:00Z"));
        // A bare object is its own: no type.
        let bare = br#"{"kind":"Node","metadata":{"name":"node-a","managedFields":[{"time":"2024-03-01T10:58:00Z"}]}}"#;
        let p = peek(bare, 64).unwrap();
        assert_eq!((p.event_type, p.name), (None, Some("node-a")));
        assert_eq!(p.latest_time, time("2024-03-01T10:58:00Z"));
        // The type may follow the object.
        let after = br#"{"object":{"kind":"Node","metadata":{"name":"node-a"}},"type":"DELETED"}"#;
        let p = peek(after, 64).unwrap();
        assert_eq!((p.event_type, p.kind), (Some("DELETED"), Some("Node")));
    }

    #[test]
    fn a_daemon_sets_status_counts_and_generations() {
        let json = br#"{"type":"MODIFIED","object":{"kind":"DaemonSet","metadata":{"name":"agent","namespace":"kube-system","generation":3},
            "spec":{"selector":{"matchLabels":{"name":"agent"}}},"status":{"currentNumberScheduled":5,"desiredNumberScheduled":6,
            "numberMisscheduled":0,"numberReady":4,"numberAvailable":4,"numberUnavailable":2,"observedGeneration":2,
            "updatedNumberScheduled":null}}}"#;
        let p = peek(json, 64).unwrap();
        assert_eq!(p.generation, Some(3));
        assert_eq!(
            p.status,
            StatusCounts {
                observed_generation: Some(2),
                desired_number_scheduled: Some(6),
                current_number_scheduled: Some(5),
                number_misscheduled: Some(0),
                number_ready: Some(4),
                updated_number_scheduled: None,
                number_available: Some(4),
                number_unavailable: Some(2),
            }
        );
    }

    #[test]
    fn escaped_names_are_unescaped_into_the_text_buffer() {
        let json = br#"{"type":"ADDED","object":{"kind":"Pod","metadata":{"namespace":"kube-system","name":"agent-\u0078\"q"}}}"#;
        let p = peek(json, 64).unwrap();
        assert_eq!(p.name, Some("agent-x\"q"));
        let err = peek(json, 4).unwrap_err();
        assert_eq!(
            err.to_string(),
            "object.metadata.name: does not fit the scratch's text bytes (capacity 4)"
        );
    }

    #[test]
    fn malformed_events_are_refused_naming_where() {
        for (json, message) in [
            (
                r#"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":5}}}"#,
                "object.metadata.name: not the JSON type the API defines for this field",
            ),
            (
                r#"{"type":"ADDED","object":{"kind":"Pod","spec":{"nodeName":"a",}}}"#,
                "object.spec: invalid JSON: JSON has a comma after the last value in an array or map.",
            ),
            (
                r#"{"type":"ADDED","object":{"kind":"Pod","spec":{"x":[1 2]}}}"#,
                "object.spec: invalid JSON: Invalid number.",
            ),
            (
                r#"{"type":"ADDED","object":"Pod"}"#,
                "object: not the JSON type the API defines for this field",
            ),
            (
                r#"{"type":"ADDED","object":{"kind":"DaemonSet","status":{"numberReady":3000000000}}}"#,
                "object.status.numberReady: invalid JSON: Invalid number.",
            ),
            (
                r#"{"type":"ADDED","object":{}} {}"#,
                "invalid JSON: JSON has non-whitespace trailing characters after the value.",
            ),
            (
                r#"["ADDED"]"#,
                "expected a Kubernetes object with `kind`, a List or a watch event",
            ),
        ] {
            let err = peek(json.as_bytes(), 64).unwrap_err();
            assert_eq!(err.to_string(), message, "{json}");
        }
        let deep = std::format!(
            r#"{{"type":"ADDED","object":{{"kind":"Pod","spec":{}{}}}}}"#,
            "[".repeat(40),
            "]".repeat(40)
        );
        let err = peek(deep.as_bytes(), 64).unwrap_err();
        assert_eq!(err.to_string(), "object.spec: nested deeper than 32 levels");
        // A string read must be UTF-8; one stepped over is `apply`'s to judge.
        let bad_name = b"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"\xc0\xaf\"}}}";
        let err = peek(bad_name, 64).unwrap_err();
        assert_eq!(
            err.to_string(),
            "object.metadata.name: invalid JSON: Invalid unicode code point."
        );
        let bad_label = b"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"labels\":{\"a\":\"\xc0\xaf\"}}}}";
        assert!(peek(bad_label, 64).is_ok());
    }
}
