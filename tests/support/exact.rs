//! Exact JSON for the tests: a tree that keeps every number's text and every
//! object's key order, as the vectors made by Python need.
//!
//! The library must not turn on `serde_json`'s `arbitrary_precision` or
//! `preserve_order` (they would change `serde_json` for every application),
//! and a dev-dependency that turned them on would change the library under
//! test as well. So the tests read and build JSON with this type instead of
//! `serde_json::Value`: it mirrors the part of `Value`'s API they use, and
//! serializes exactly (numbers through `RawValue`, keys in their order).

#![allow(dead_code)] // each test crate uses a part of it

use core::fmt;
use core::ops::Index;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;

/// One JSON value, exactly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    /// A number as its JSON text.
    Num(String),
    Str(String),
    Arr(Vec<J>),
    /// Keys in their order, as the text had them (a repeated key keeps its
    /// first place and its last value, as Python reads it).
    Obj(Vec<(String, J)>),
}

const NULL: J = J::Null;

impl J {
    /// Parses JSON text exactly.
    pub(crate) fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// An object from pairs, in their order.
    pub(crate) fn obj<K: Into<String>>(pairs: impl IntoIterator<Item = (K, J)>) -> Self {
        let mut entries: Vec<(String, J)> = Vec::new();
        for (key, value) in pairs {
            set(&mut entries, key.into(), value);
        }
        Self::Obj(entries)
    }

    /// A number from its JSON text (`"123456789012345678901234567890"`).
    pub(crate) fn num(text: impl Into<String>) -> Self {
        Self::Num(text.into())
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(text) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Num(text) => text.parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Num(text) => text.parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&Vec<J>> {
        match self {
            Self::Arr(items) => Some(items),
            _ => None,
        }
    }

    pub(crate) fn as_object(&self) -> Option<&Vec<(String, J)>> {
        match self {
            Self::Obj(entries) => Some(entries),
            _ => None,
        }
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self, Self::Obj(_))
    }

    pub(crate) fn is_null(&self) -> bool {
        *self == Self::Null
    }

    /// The value under `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Option<&J> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Sets `key` of an object (keeping its place if present).
    pub(crate) fn insert(&mut self, key: impl Into<String>, value: J) {
        if let Self::Obj(entries) = self {
            set(entries, key.into(), value);
        }
    }

    /// Compact JSON text (`serde_json`'s spelling, keys in order).
    pub(crate) fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap()
    }
}

fn set(entries: &mut Vec<(String, J)>, key: String, value: J) {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key, value)),
    }
}

impl Index<&str> for J {
    type Output = J;
    fn index(&self, key: &str) -> &J {
        self.get(key).unwrap_or(&NULL)
    }
}

impl Index<usize> for J {
    type Output = J;
    fn index(&self, index: usize) -> &J {
        self.as_array().and_then(|a| a.get(index)).unwrap_or(&NULL)
    }
}

impl PartialEq<&str> for J {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<i32> for J {
    fn eq(&self, other: &i32) -> bool {
        self.as_i64() == Some(i64::from(*other))
    }
}

impl PartialEq<bool> for J {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl fmt::Display for J {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl From<&str> for J {
    fn from(text: &str) -> Self {
        Self::Str(text.to_owned())
    }
}

impl From<String> for J {
    fn from(text: String) -> Self {
        Self::Str(text)
    }
}

impl From<bool> for J {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<i64> for J {
    fn from(n: i64) -> Self {
        Self::Num(n.to_string())
    }
}

impl From<u64> for J {
    fn from(n: u64) -> Self {
        Self::Num(n.to_string())
    }
}

impl From<i128> for J {
    fn from(n: i128) -> Self {
        Self::Num(n.to_string())
    }
}

impl From<f64> for J {
    /// Finite floats as Rust's shortest round-trip text (which the library
    /// writes again as Python's `repr`); others as `null`, as `serde_json`.
    fn from(f: f64) -> Self {
        if f.is_finite() {
            Self::Num(format!("{f:?}"))
        } else {
            Self::Null
        }
    }
}

impl From<serde_json::Value> for J {
    /// From a `Value` (whose keys `serde_json` sorts, and whose numbers fit
    /// 64 bits): for literals where neither matters.
    fn from(value: serde_json::Value) -> Self {
        Self::parse(&value.to_string()).unwrap()
    }
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::Num(text) => RawValue::from_string(text.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            Self::Str(text) => serializer.serialize_str(text),
            Self::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Self::Obj(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for J {
    /// Exactly, from `serde_json` (numbers are read as raw text).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        match text.as_bytes().first() {
            Some(b'{') => serde_json::from_str::<Entries>(text)
                .map(|entries| J::Obj(entries.0))
                .map_err(de::Error::custom),
            Some(b'[') => serde_json::from_str::<Items>(text)
                .map(|items| J::Arr(items.0))
                .map_err(de::Error::custom),
            Some(b'"') => serde_json::from_str(text)
                .map(J::Str)
                .map_err(de::Error::custom),
            Some(b't') => Ok(J::Bool(true)),
            Some(b'f') => Ok(J::Bool(false)),
            Some(b'n') => Ok(J::Null),
            _ => Ok(J::Num(text.to_owned())),
        }
    }
}

struct Entries(Vec<(String, J)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, J>()? {
                    set(&mut entries, key, value);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(V)
    }
}

struct Items(Vec<J>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<J>()? {
                    items.push(item);
                }
                Ok(Items(items))
            }
        }
        deserializer.deserialize_seq(V)
    }
}

#[test]
fn exact_both_ways() {
    let text = r#"{"b":[1e400,123456789012345678901234567890,-0,1.50],"a":{"y":null,"x":"\u00e9"},"b":true}"#;
    let value = J::parse(text).unwrap();
    assert_eq!(value["b"], J::Bool(true));
    assert_eq!(value.to_text(), r#"{"b":true,"a":{"y":null,"x":"é"}}"#);
    let numbers = J::parse("[1e400,123456789012345678901234567890,-0,1.50]").unwrap();
    assert_eq!(
        numbers.to_text(),
        "[1e400,123456789012345678901234567890,-0,1.50]"
    );
}
