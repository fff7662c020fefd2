//! With session-cookie in the build, the application's serde_json behaves
//! as it does without it: no `arbitrary_precision`, no `preserve_order`.

use downstream_check::{Common, Event, Message, Reading, login_round_trip};

#[test]
fn untagged_enum_with_a_float_variant() {
    assert_eq!(
        serde_json::from_str::<Reading>("2.5").unwrap(),
        Reading::Plain(2.5)
    );
    assert_eq!(
        serde_json::from_str::<Reading>(r#"{"value": 2.5, "unit": "kg"}"#).unwrap(),
        Reading::Labelled {
            value: 2.5,
            unit: "kg".to_owned()
        }
    );
}

#[test]
fn flattened_struct_with_a_float_field() {
    assert_eq!(
        serde_json::from_str::<Event>(r#"{"name": "x", "id": 7, "score": 0.25}"#).unwrap(),
        Event {
            name: "x".to_owned(),
            common: Common { id: 7, score: 0.25 }
        }
    );
}

#[test]
fn internally_tagged_enum_with_a_float_field() {
    assert_eq!(
        serde_json::from_str::<Message>(r#"{"type": "move", "x": 1.5}"#).unwrap(),
        Message::Move { x: 1.5 }
    );
}

#[test]
fn maps_are_sorted_and_values_small() {
    assert_eq!(
        serde_json::json!({"b": 1, "a": 2}).to_string(),
        r#"{"a":2,"b":1}"#
    );
    assert_eq!(std::mem::size_of::<serde_json::Value>(), 32);
    // Numbers compare by value, not by text.
    assert_eq!(
        serde_json::from_str::<serde_json::Value>("1.0").unwrap(),
        serde_json::from_str::<serde_json::Value>("1.00").unwrap()
    );
}

#[test]
fn the_crate_works_beside_it() {
    assert_eq!(login_round_trip(42).unwrap(), Some(42));
}
