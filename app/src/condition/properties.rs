//! Property tests: the condition parser, matcher and explainer never panic, whatever the text or
//! the event. Run longer with `make fuzz` (it raises `PROPTEST_CASES`).

use super::Condition;
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON values, nested a few levels, with the kinds of strings conditions hold.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "[a-zA-Z.*_-]{0,12}".prop_map(Value::String),
        "\\PC{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics_parsing_any_text(text in "\\PC{0,400}") {
        let _ = Condition::parse(&text);
    }

    #[test]
    fn never_panics_parsing_json_of_any_shape(value in json_value()) {
        let _ = Condition::parse(&value.to_string());
        let _ = Condition::parse(&serde_json::to_string_pretty(&value).unwrap_or_default());
    }

    #[test]
    fn never_panics_matching_any_event(condition in json_value(), event in json_value()) {
        if let Ok(parsed) = Condition::parse(&condition.to_string()) {
            let matched = parsed.matches(&event);
            let checks = parsed.explain(&event);
            prop_assert!(!matched || checks.iter().all(|c| c.matched()), "a match with a failed check");
        }
    }
}
