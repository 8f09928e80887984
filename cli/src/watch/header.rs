//! What `dsr watch` reads of an event besides what the core applies: which
//! object it is about (for the output), its times (for `--replay`) and, for a
//! DaemonSet, the status it shows (for `--owed-after`).

use dsr_core::Timestamp;
use std::borrow::Cow;

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
    pub status: Option<Status<'a>>,
}

/// An event's object.
#[derive(Debug, Default, Deserialize)]
pub struct Object<'a> {
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub metadata: Meta<'a>,
    #[serde(default, borrow)]
    pub status: Option<Status<'a>>,
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
    #[serde(borrow)]
    pub creation_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub deletion_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub managed_fields: Vec<Managed<'a>>,
}

/// A `managedFields` entry: when a manager last wrote the object.
#[derive(Debug, Default, Deserialize)]
pub struct Managed<'a> {
    #[serde(borrow)]
    pub time: Option<Cow<'a, str>>,
}

/// `status`: conditions (every kind) and a DaemonSet's counts.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status<'a> {
    #[serde(borrow, default)]
    pub conditions: Vec<Condition<'a>>,
    pub desired_number_scheduled: Option<i32>,
    pub current_number_scheduled: Option<i32>,
    pub number_misscheduled: Option<i32>,
    pub number_ready: Option<i32>,
    pub updated_number_scheduled: Option<i32>,
    pub number_available: Option<i32>,
    pub number_unavailable: Option<i32>,
    pub observed_generation: Option<i64>,
}

/// A condition's times.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition<'a> {
    #[serde(borrow)]
    pub last_transition_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub last_heartbeat_time: Option<Cow<'a, str>>,
}

/// The header, with the object's fields wherever they were.
#[derive(Debug)]
pub struct Header<'a> {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`.
    pub type_: Cow<'a, str>,
    pub kind: Cow<'a, str>,
    pub meta: Meta<'a>,
    pub status: Option<Status<'a>>,
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
        let conditions = self.status.iter().flat_map(|s| &s.conditions);
        [&m.creation_timestamp, &m.deletion_timestamp]
            .into_iter()
            .chain(m.managed_fields.iter().map(|f| &f.time))
            .chain(conditions.flat_map(|c| [&c.last_transition_time, &c.last_heartbeat_time]))
            .flatten()
            .filter_map(|t| Timestamp::parse_rfc3339(t))
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
}
