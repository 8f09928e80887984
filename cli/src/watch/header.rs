//! What `dsr watch` reads of an event besides what the core applies: which
//! object it is about (for the output), its times (for `--replay`) and, for a
//! DaemonSet, the status it shows (for `--owed-after`).
//!
//! Read once per event, so read lightly: strings are borrowed from the event
//! (copied only when they hold an escape), everything else is skipped, and the
//! times of `managedFields` and conditions are folded into their latest while
//! they are read, with no list kept.

use dsr_core::Timestamp;
use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The header of a watch event, or of a bare object (read as `ADDED`).
#[derive(Debug, Default, Deserialize)]
pub struct Event<'a> {
    #[serde(rename = "type", borrow)]
    pub type_: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub object: Option<Object<'a>>,
    // A bare object: its own fields.
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub metadata: Meta<'a>,
    #[serde(default)]
    pub status: Option<Status>,
}

/// An event's object.
#[derive(Debug, Default, Deserialize)]
pub struct Object<'a> {
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub metadata: Meta<'a>,
    #[serde(default)]
    pub status: Option<Status>,
}

/// `metadata`: the name and the times.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta<'a> {
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub namespace: Option<Cow<'a, str>>,
    pub generation: Option<i64>,
    #[serde(default)]
    pub creation_timestamp: Latest,
    #[serde(default)]
    pub deletion_timestamp: Latest,
    /// When a manager last wrote the object: the latest `time` of the entries.
    #[serde(default)]
    pub managed_fields: Latest,
}

/// `status`: the latest time of its conditions (every kind) and a DaemonSet's
/// counts.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The latest `lastTransitionTime` or `lastHeartbeatTime` of the conditions.
    #[serde(default)]
    pub conditions: Latest,
    pub desired_number_scheduled: Option<i32>,
    pub current_number_scheduled: Option<i32>,
    pub number_misscheduled: Option<i32>,
    pub number_ready: Option<i32>,
    pub updated_number_scheduled: Option<i32>,
    pub number_available: Option<i32>,
    pub number_unavailable: Option<i32>,
    pub observed_generation: Option<i64>,
}

/// The latest RFC 3339 time in a value: a time itself, or the times of a list
/// of `managedFields` entries or conditions (their `time`, `lastTransitionTime`
/// and `lastHeartbeatTime`). What is not a time is left out, as is `null`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Latest(pub Option<Timestamp>);

impl Latest {
    fn add(&mut self, t: Option<Timestamp>) {
        self.0 = self.0.max(t);
    }
}

impl<'de> Deserialize<'de> for Latest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LatestVisitor)
    }
}

struct LatestVisitor;

impl<'de> Visitor<'de> for LatestVisitor {
    type Value = Latest;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a time or a list of objects with times")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Latest, E> {
        Ok(Latest(Timestamp::parse_rfc3339(s)))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Latest, E> {
        Ok(Latest(None))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Latest, S::Error> {
        let mut latest = Latest(None);
        while let Some(times) = seq.next_element::<Option<Times>>()? {
            latest.add(times.and_then(|t| t.0 .0));
        }
        Ok(latest)
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Latest, M::Error> {
        // An object where a list was expected: nothing to take.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Latest(None))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Latest, E> {
        Ok(Latest(None))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Latest, E> {
        Ok(Latest(None))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Latest, E> {
        Ok(Latest(None))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Latest, E> {
        Ok(Latest(None))
    }
}

/// The latest of the times an entry of a list holds.
struct Times(Latest);

impl<'de> Deserialize<'de> for Times {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TimesVisitor)
    }
}

struct TimesVisitor;

impl<'de> Visitor<'de> for TimesVisitor {
    type Value = Times;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Times, M::Error> {
        let mut latest = Latest(None);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "time" | "lastTransitionTime" | "lastHeartbeatTime" => {
                    latest.add(map.next_value::<Latest>()?.0);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Times(latest))
    }
}

/// The header, with the object's fields wherever they were.
#[derive(Debug)]
pub struct Header<'a> {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`.
    pub type_: Cow<'a, str>,
    pub kind: Cow<'a, str>,
    pub meta: Meta<'a>,
    pub status: Option<Status>,
}

impl<'a> Header<'a> {
    /// Reads the header of `json`.
    pub fn read(json: &'a [u8]) -> serde_json::Result<Header<'a>> {
        let e: Event<'a> = serde_json::from_slice(json)?;
        Ok(match e.object {
            Some(o) => Header {
                type_: e.type_.unwrap_or(Cow::Borrowed("ADDED")),
                kind: o.kind.unwrap_or_default(),
                meta: o.metadata,
                status: o.status,
            },
            None => Header {
                type_: e.type_.unwrap_or(Cow::Borrowed("ADDED")),
                kind: e.kind.unwrap_or_default(),
                meta: e.metadata,
                status: e.status,
            },
        })
    }

    /// The latest time the object records: its creation and deletion times,
    /// its managers' last writes, its conditions' transitions and heartbeats.
    /// What `--replay` takes as the event's time.
    pub fn latest_time(&self) -> Option<Timestamp> {
        let m = &self.meta;
        let conditions = self.status.as_ref().map_or(Latest(None), |s| s.conditions);
        [
            m.creation_timestamp,
            m.deletion_timestamp,
            m.managed_fields,
            conditions,
        ]
        .into_iter()
        .filter_map(|t| t.0)
        .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_of_an_objects_times_is_the_events_time() {
        let json = br#"{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"p","namespace":"kube-system",
            "creationTimestamp":"2024-03-01T10:00:00Z","managedFields":[{"time":"2024-03-01T10:59:00Z"}],
            "labels":{"name":"x"}},"status":{"phase":"Running","conditions":[
            {"type":"Ready","status":"True","lastTransitionTime":"2024-03-01T11:00:07Z"}]}}}"#;
        let h = Header::read(json).unwrap();
        assert_eq!((&*h.type_, &*h.kind), ("MODIFIED", "Pod"));
        assert_eq!(h.meta.name.as_deref(), Some("p"));
        assert_eq!(
            h.latest_time(),
            Timestamp::parse_rfc3339("2024-03-01T11:00:07Z")
        );
    }

    #[test]
    fn a_heartbeat_or_a_managers_write_later_than_the_transitions_is_the_time() {
        let json = br#"{"type":"MODIFIED","object":{"kind":"Node","metadata":{"name":"n",
            "creationTimestamp":"2024-03-01T10:00:00Z","managedFields":[{"manager":"kubelet",
            "time":"2024-03-01T10:58:00Z"},{"manager":"k\u0075be-controller-manager","time":null}]},
            "status":{"conditions":[{"type":"Ready","status":"True",
            "lastHeartbeatTime":"2024-03-01T11:02:00Z","lastTransitionTime":"2024-03-01T10:00:00Z"},
            {"type":"DiskPressure","lastHeartbeatTime":"not a time"}]}}}"#;
        let h = Header::read(json).unwrap();
        assert_eq!(
            h.latest_time(),
            Timestamp::parse_rfc3339("2024-03-01T11:02:00Z")
        );
        let bare = br#"{"kind":"Node","metadata":{"name":"n","managedFields":[{"time":"2024-03-01T10:58:00Z"}]}}"#;
        let h = Header::read(bare).unwrap();
        assert_eq!((&*h.type_, h.meta.name.as_deref()), ("ADDED", Some("n")));
        assert_eq!(
            h.latest_time(),
            Timestamp::parse_rfc3339("2024-03-01T10:58:00Z")
        );
    }
}
