//! Checks the selector parser and the validators against the conformance
//! vectors, whose expectations were computed by upstream Go code.
//! Only `selectorString` (error / canonical string) and `validate`
//! (labelKey / labelValue / dnsSubdomain) cases are used here; matching is
//! tested where the matcher lives.

use std::path::PathBuf;

use dsr_core::selector::syntax::ParsedSelector;
use dsr_core::validation::{validate_dns_subdomain, validate_label_key, validate_label_value};
use serde_json::Value;

const FILES: [&str; 2] = ["random-seed1.json", "upstream-tables.json"];

fn cases() -> Vec<Value> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/conformance/placement/");
    let mut out = Vec::new();
    for f in FILES {
        let path = dir.join(f);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).expect("vector file is JSON");
        out.extend(
            doc["cases"]
                .as_array()
                .expect("cases array")
                .iter()
                .cloned(),
        );
    }
    out
}

#[test]
fn selector_string_cases() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases().iter().filter(|c| c["kind"] == "selectorString") {
        let name = case["name"].as_str().unwrap_or("?");
        let input = case["selector"].as_str().expect("selector string");
        let expect = &case["expect"];
        let want_error = expect["error"].as_bool().unwrap_or(false);
        let got = ParsedSelector::<64, 256>::parse(input);
        match (&got, want_error) {
            (Err(_), true) => {}
            (Ok(sel), false) => {
                let want = expect["string"].as_str().expect("expected string");
                let s = sel.to_string();
                if s != want {
                    failures.push(format!("{name}: {input:?} printed {s:?}, want {want:?}"));
                }
            }
            (Err(e), false) => failures.push(format!("{name}: {input:?} failed: {e:?}")),
            (Ok(sel), true) => {
                failures.push(format!("{name}: {input:?} parsed as {sel}, want error"))
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 400, "only {checked} cases found");
    println!("selectorString cases passed: {checked}");
}

#[test]
fn validate_cases() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases().iter().filter(|c| c["kind"] == "validate") {
        let what = case["what"].as_str().expect("what");
        let value = case["value"].as_str().expect("value");
        let want = case["expect"]["valid"].as_bool().expect("valid");
        let got = match what {
            "labelKey" => validate_label_key(value),
            "labelValue" => validate_label_value(value),
            "dnsSubdomain" => validate_dns_subdomain(value),
            _ => continue,
        };
        if got.is_ok() != want {
            failures.push(format!("{what} {value:?}: got {got:?}, want valid={want}"));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300, "only {checked} cases found");
    println!("validate cases passed: {checked}");
}
