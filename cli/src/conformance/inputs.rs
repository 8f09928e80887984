//! The API types a conformance case gives as plain inputs (a taint, a toleration, a
//! label selector), read the way the Kubernetes API types read them: camelCase
//! field names, every field optional (absent or `null` is empty), unknown fields
//! ignored, and an object required where the API has one.
//!
//! Our own, rather than k8s-openapi's: the runner reads four small types, and
//! k8s-openapi, one of the largest crates of the build, would be built for the
//! CLI and the fuzz targets (it stays a dev-dependency: the tests' oracle).
//! `the_runners_input_types_read_like_the_apis` (cli/tests/conformance.rs) checks
//! that both read every such input of the vectors, and malformed ones, alike.

use std::collections::BTreeMap;

use dsr_core::Timestamp;
use serde::de::{DeserializeOwned, Deserializer, Error as _, Unexpected};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A node taint (`core/v1 Taint`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taint {
    /// `key`.
    pub key: String,
    /// `value`.
    pub value: Option<String>,
    /// `effect`.
    pub effect: String,
    /// `timeAdded`, as written (an RFC 3339 time).
    pub time_added: Option<String>,
}

/// A pod toleration (`core/v1 Toleration`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toleration {
    /// `key`.
    pub key: Option<String>,
    /// `operator`.
    pub operator: Option<String>,
    /// `value`.
    pub value: Option<String>,
    /// `effect`.
    pub effect: Option<String>,
    /// `tolerationSeconds`.
    pub toleration_seconds: Option<i64>,
}

/// A label selector (`meta/v1 LabelSelector`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// `matchLabels`.
    pub match_labels: Option<BTreeMap<String, String>>,
    /// `matchExpressions`.
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// One requirement of a label selector (`meta/v1 LabelSelectorRequirement`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelectorRequirement {
    /// `key`.
    pub key: String,
    /// `operator`.
    pub operator: String,
    /// `values`.
    pub values: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for Taint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut m = object(d, "Taint")?;
        let time_added: Option<String> = field(&mut m, "timeAdded")?;
        // Unused here, but a malformed time is a malformed taint, as in the API.
        if let Some(t) = time_added.as_deref() {
            if Timestamp::parse_rfc3339(t).is_none() {
                return Err(D::Error::custom(format_args!(
                    "`timeAdded`: not an RFC 3339 time: {t:?}"
                )));
            }
        }
        Ok(Taint {
            key: field(&mut m, "key")?,
            value: field(&mut m, "value")?,
            effect: field(&mut m, "effect")?,
            time_added,
        })
    }
}

impl<'de> Deserialize<'de> for Toleration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut m = object(d, "Toleration")?;
        Ok(Toleration {
            key: field(&mut m, "key")?,
            operator: field(&mut m, "operator")?,
            value: field(&mut m, "value")?,
            effect: field(&mut m, "effect")?,
            toleration_seconds: field(&mut m, "tolerationSeconds")?,
        })
    }
}

impl<'de> Deserialize<'de> for LabelSelector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut m = object(d, "LabelSelector")?;
        Ok(LabelSelector {
            match_labels: field(&mut m, "matchLabels")?,
            match_expressions: field(&mut m, "matchExpressions")?,
        })
    }
}

impl<'de> Deserialize<'de> for LabelSelectorRequirement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut m = object(d, "LabelSelectorRequirement")?;
        Ok(LabelSelectorRequirement {
            key: field(&mut m, "key")?,
            operator: field(&mut m, "operator")?,
            values: field(&mut m, "values")?,
        })
    }
}

/// The fields of a JSON object; anything else is an error that names `what` was
/// expected (an array is not read field by field in order, as serde's derive would).
fn object<'de, D: Deserializer<'de>>(d: D, what: &str) -> Result<Map<String, Value>, D::Error> {
    let other = match Value::deserialize(d)? {
        Value::Object(m) => return Ok(m),
        other => other,
    };
    let unexpected = match &other {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (_, Some(i), _) => Unexpected::Signed(i),
            (_, _, f) => Unexpected::Float(f.unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    };
    Err(D::Error::invalid_type(unexpected, &what))
}

/// Field `name` of `m`: absent or `null` is the type's empty value, as the API
/// reads it; a value of the wrong type is an error that names the field.
fn field<T: DeserializeOwned + Default, E: serde::de::Error>(
    m: &mut Map<String, Value>,
    name: &str,
) -> Result<T, E> {
    match m.remove(name) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| E::custom(format_args!("`{name}`: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read<T: DeserializeOwned>(v: Value) -> Result<T, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn absent_and_null_fields_are_empty_and_unknown_fields_are_ignored() {
        let t: Taint = read(json!({"key": null, "effect": "NoSchedule", "color": "blue"})).unwrap();
        assert_eq!(
            t,
            Taint {
                effect: "NoSchedule".into(),
                ..Taint::default()
            }
        );
        let t: Toleration = read(json!({"operator": "Exists", "tolerationSeconds": null})).unwrap();
        assert_eq!(t.operator.as_deref(), Some("Exists"));
        assert_eq!((t.key, t.toleration_seconds), (None, None));
    }

    #[test]
    fn a_selector_reads_labels_and_requirements_without_values() {
        let s: LabelSelector = read(json!({
            "matchLabels": {"app": "fluentd"},
            "matchExpressions": [{"key": "tier", "operator": "Exists"},
                                 {"key": "zone", "operator": "In", "values": ["a", "b"]}],
        }))
        .unwrap();
        assert_eq!(s.match_labels.unwrap()["app"], "fluentd");
        let r = s.match_expressions.unwrap();
        assert_eq!(r[0].values, None);
        assert_eq!(r[1].values.as_deref(), Some(&["a".into(), "b".into()][..]));
    }

    #[test]
    fn wrong_types_are_errors_that_name_what_was_expected() {
        assert_eq!(
            read::<Toleration>(json!(5)).unwrap_err(),
            "invalid type: integer `5`, expected Toleration"
        );
        // An array is not read positionally into the fields.
        assert_eq!(
            read::<Taint>(json!(["k", "v", "NoSchedule"])).unwrap_err(),
            "invalid type: sequence, expected Taint"
        );
        assert_eq!(
            read::<Taint>(json!({"key": "k", "timeAdded": "yesterday"})).unwrap_err(),
            "`timeAdded`: not an RFC 3339 time: \"yesterday\""
        );
        assert_eq!(
            read::<Toleration>(json!({"tolerationSeconds": 1.5})).unwrap_err(),
            "`tolerationSeconds`: invalid type: floating point `1.5`, expected i64"
        );
        assert_eq!(
            read::<LabelSelector>(json!({"matchExpressions": [["tier", "Exists"]]})).unwrap_err(),
            "`matchExpressions`: invalid type: sequence, expected LabelSelectorRequirement"
        );
    }
}
