//! Selector strings (`kubectl -l`): parsing never panics, and a selector that
//! parses prints a canonical form that parses again to the same requirements and
//! prints identically (parse -> print -> parse round trip).
#![no_main]

use dsr_core::selector::syntax::ParsedSelector;
use dsr_core::selector::Operator;
use dsr_core::validation::{validate_label_key, validate_label_value};
use libfuzzer_sys::fuzz_target;

type Sel<'a> = ParsedSelector<'a, 16, 64>;

fn canonical(s: &Sel<'_>) -> String {
    let mut out = String::new();
    s.write_canonical(&mut out)
        .expect("writing into a String never fails");
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(first) = Sel::parse(input) else {
        return;
    };
    let text = canonical(&first);
    assert_eq!(
        first.to_string(),
        text,
        "Display differs from write_canonical"
    );
    // A too-small buffer is an error, never a panic.
    let _ = first.write_canonical(&mut heapless::String::<8>::new());

    // What parsed is valid: keys are label keys, values label values, the
    // value counts fit the operator, values are sorted and distinct.
    let mut requirements = 0;
    for (key, op, values) in first.requirements() {
        requirements += 1;
        assert!(
            validate_label_key(key).is_ok(),
            "invalid key {key:?} in {input:?}"
        );
        for v in values {
            assert!(
                validate_label_value(v).is_ok(),
                "invalid value {v:?} in {input:?}"
            );
        }
        assert!(
            values.windows(2).all(|w| w[0] < w[1]),
            "values not sorted/distinct: {values:?}"
        );
        let n = values.len();
        let ok = match op {
            Operator::In | Operator::NotIn => n >= 1,
            Operator::Exists | Operator::DoesNotExist => n == 0,
            _ => n == 1,
        };
        assert!(ok, "{op:?} with {n} values in {input:?}");
    }
    assert_eq!(requirements, first.len());
    assert_eq!(first.is_empty(), requirements == 0);
    // The requirements are sorted by key.
    let keys: Vec<_> = first.requirements().map(|(k, _, _)| k).collect();
    assert!(
        keys.windows(2).all(|w| w[0] <= w[1]),
        "keys not sorted: {keys:?}"
    );
    // The canonical form's only whitespace is one space around `in`/`notin`.
    assert!(
        !text.contains(['\t', '\r', '\n', '\0']) && !text.contains("  "),
        "odd whitespace in {text:?}"
    );

    let second = match Sel::parse(&text) {
        Ok(s) => s,
        Err(e) => panic!("canonical form {text:?} of {input:?} does not parse: {e:?}"),
    };
    assert_eq!(
        canonical(&second),
        text,
        "round trip of {input:?} changed the text"
    );
    let a: Vec<_> = first.requirements().collect();
    let b: Vec<_> = second.requirements().collect();
    assert_eq!(a, b, "round trip of {input:?} changed the requirements");
});
