//! Flask's `TaggedJSONSerializer.dumps` of any `Serialize` value in one
//! pass over it, without building a [`Py`] tree first.
//!
//! It writes exactly what `to_py(value)?.write(out, Style::FlaskWire)`
//! writes (the test `streams_as_the_tree_writes` holds the two together):
//! every object's keys sorted by code point at every depth, a repeated key
//! taking its last value, a one-key object whose key is a tag name escaped
//! with `" di"`, and Python's strings and numbers. Objects are written in
//! place as they come; only one whose keys do not come sorted (or that
//! needs the escape) is rewritten, once, when it ends. The helpers of
//! [`tagged`](super::tagged) and raw JSON text, which are rare, go through
//! the tree as before.

use core::ops::Range;

use serde::Serialize;
use serde::ser::{self, Error as _};

use super::float::python_repr;
use super::py::{
    DICT, KeySerializer, MapBuilder, PySerializer, RAW_VALUE_TOKEN, Style, TAG_NAMES, names,
    write_tag_open,
};
use super::python::write_python_string;

/// Appends `value` to `out` as Flask's tagged wire JSON.
pub(crate) fn write<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), serde_json::Error> {
    value.serialize(Writer(out))
}

struct Writer<'a>(&'a mut Vec<u8>);

/// The start of the one-key dict `{key: …}` (how an enum variant is
/// written), with Flask's `" di"` escape when `key` is a tag name.
fn open_one_key(out: &mut Vec<u8>, key: &str) {
    if TAG_NAMES.contains(&key) {
        write_tag_open(out, DICT);
        out.push(b'{');
        write_python_string(out, &format!("{key}__"));
    } else {
        out.push(b'{');
        write_python_string(out, key);
    }
    out.push(b':');
}

fn close_one_key(out: &mut Vec<u8>, key: &str) {
    if TAG_NAMES.contains(&key) {
        out.extend_from_slice(b"}}");
    } else {
        out.push(b'}');
    }
}

fn write_int(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = SeqWriter<'a>;
    type SerializeTuple = SeqWriter<'a>;
    type SerializeTupleStruct = SeqWriter<'a>;
    type SerializeTupleVariant = SeqWriter<'a>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = StructWriter<'a>;
    type SerializeStructVariant = MapWriter<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Self::Error> {
        self.0.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Self::Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Self::Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Self::Error> {
        // Not-a-number and the infinities: `null`, as the tree has them.
        if v.is_finite() {
            self.0.extend_from_slice(python_repr(v).as_bytes());
        } else {
            self.0.extend_from_slice(b"null");
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Self::Error> {
        write_python_string(self.0, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Self::Error> {
        write_python_string(self.0, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Self::Error> {
        // As serde_json: an array of numbers.
        self.0.push(b'[');
        for (i, &b) in v.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            write_int(self.0, b);
        }
        self.0.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Self::Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Self::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Self::Error> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Self::Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Self::Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        match name {
            names::TUPLE
            | names::BYTES
            | names::MARKUP
            | names::UUID
            | names::DATE
            | names::WIRE => {
                let value = ser::Serializer::serialize_newtype_struct(PySerializer, name, value)?;
                value
                    .write(self.0, Style::FlaskWire)
                    .map_err(serde_json::Error::custom)
            }
            _ => value.serialize(self),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        open_one_key(self.0, variant);
        value.serialize(Writer(&mut *self.0))?;
        close_one_key(self.0, variant);
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqWriter<'a>, Self::Error> {
        Ok(SeqWriter::new(self.0, None))
    }
    fn serialize_tuple(self, _len: usize) -> Result<SeqWriter<'a>, Self::Error> {
        Ok(SeqWriter::new(self.0, None))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<SeqWriter<'a>, Self::Error> {
        Ok(SeqWriter::new(self.0, None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<SeqWriter<'a>, Self::Error> {
        Ok(SeqWriter::new(self.0, Some(variant)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapWriter<'a>, Self::Error> {
        Ok(MapWriter::new(self.0, len, None))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<StructWriter<'a>, Self::Error> {
        if name == RAW_VALUE_TOKEN {
            // Raw JSON text: parsed exactly, through the tree.
            let builder = ser::Serializer::serialize_struct(PySerializer, name, len)?;
            return Ok(StructWriter::Raw(builder, self.0));
        }
        Ok(StructWriter::Map(MapWriter::new(self.0, Some(len), None)))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<MapWriter<'a>, Self::Error> {
        Ok(MapWriter::new(self.0, Some(len), Some(variant)))
    }
}

pub(crate) struct SeqWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    variant: Option<&'static str>,
}

impl<'a> SeqWriter<'a> {
    fn new(out: &'a mut Vec<u8>, variant: Option<&'static str>) -> Self {
        if let Some(variant) = variant {
            open_one_key(out, variant);
        }
        out.push(b'[');
        Self {
            out,
            first: true,
            variant,
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), serde_json::Error> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Writer(&mut *self.out))
    }

    fn finish(self) {
        self.out.push(b']');
        if let Some(variant) = self.variant {
            close_one_key(self.out, variant);
        }
    }
}

impl ser::SerializeSeq for SeqWriter<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.push(value)
    }
    fn end(self) -> Result<(), Self::Error> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTuple for SeqWriter<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.push(value)
    }
    fn end(self) -> Result<(), Self::Error> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTupleStruct for SeqWriter<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.push(value)
    }
    fn end(self) -> Result<(), Self::Error> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTupleVariant for SeqWriter<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.push(value)
    }
    fn end(self) -> Result<(), Self::Error> {
        self.finish();
        Ok(())
    }
}

/// An object written in place: `{`, then each `key:value` as it comes.
/// The keys are kept to tell at the end whether the object came sorted,
/// without repeats, and is not a one-key tag-named dict; if not, it is
/// rewritten from what was written.
pub(crate) struct MapWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Where the object's `{` is.
    start: usize,
    /// Each key with where its value's text is in `out`.
    entries: Vec<(String, Range<usize>)>,
    /// Every key so far came after the one before it.
    sorted: bool,
    key: Option<String>,
    variant: Option<&'static str>,
}

impl<'a> MapWriter<'a> {
    fn new(out: &'a mut Vec<u8>, len: Option<usize>, variant: Option<&'static str>) -> Self {
        if let Some(variant) = variant {
            open_one_key(out, variant);
        }
        let start = out.len();
        out.push(b'{');
        Self {
            out,
            start,
            entries: Vec::with_capacity(len.unwrap_or(0).min(64)),
            sorted: true,
            key: None,
            variant,
        }
    }

    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: String,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        if let Some((last, _)) = self.entries.last() {
            self.sorted &= last.as_str() < key.as_str();
            self.out.push(b',');
        }
        write_python_string(self.out, &key);
        self.out.push(b':');
        let at = self.out.len();
        value.serialize(Writer(&mut *self.out))?;
        self.entries.push((key, at..self.out.len()));
        Ok(())
    }

    fn finish(self) {
        let Self {
            out,
            start,
            mut entries,
            sorted,
            variant,
            ..
        } = self;
        let one_tag = matches!(entries.as_slice(), [(key, _)] if TAG_NAMES.contains(&key.as_str()));
        if sorted && !one_tag {
            out.push(b'}');
        } else {
            let mut written = out.split_off(start);
            // Sorted by key (stably, so that of a repeated key the last
            // comes last), then each key once, with its last value.
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut kept: Vec<(String, Range<usize>)> = Vec::with_capacity(entries.len());
            for entry in entries {
                match kept.last_mut() {
                    Some(last) if last.0 == entry.0 => *last = entry,
                    _ => kept.push(entry),
                }
            }
            let text = |range: &Range<usize>| {
                written
                    .get(range.start - start..range.end - start)
                    .unwrap_or_default()
            };
            match kept.as_slice() {
                [(key, range)] if TAG_NAMES.contains(&key.as_str()) => {
                    // Flask's TagDict: `{" di": {key + "__": value}}`.
                    write_tag_open(out, DICT);
                    out.push(b'{');
                    write_python_string(out, &format!("{key}__"));
                    out.push(b':');
                    out.extend_from_slice(text(range));
                    out.extend_from_slice(b"}}");
                }
                _ => {
                    out.push(b'{');
                    for (i, (key, range)) in kept.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        write_python_string(out, key);
                        out.push(b':');
                        out.extend_from_slice(text(range));
                    }
                    out.push(b'}');
                }
            }
            // The first draft held session data in clear too.
            written.fill(0);
        }
        if let Some(variant) = variant {
            close_one_key(out, variant);
        }
    }
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Self::Error> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| serde_json::Error::custom("a map value without a key"))?;
        self.field(key, value)
    }
    fn end(self) -> Result<(), Self::Error> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStructVariant for MapWriter<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.field(key.to_owned(), value)
    }
    fn end(self) -> Result<(), Self::Error> {
        self.finish();
        Ok(())
    }
}

/// A struct: an object, or a `RawValue`'s JSON text, which goes through
/// the tree.
pub(crate) enum StructWriter<'a> {
    Map(MapWriter<'a>),
    Raw(MapBuilder, &'a mut Vec<u8>),
}

impl ser::SerializeStruct for StructWriter<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        match self {
            Self::Map(map) => map.field(key.to_owned(), value),
            Self::Raw(builder, _) => ser::SerializeStruct::serialize_field(builder, key, value),
        }
    }
    fn end(self) -> Result<(), Self::Error> {
        match self {
            Self::Map(map) => {
                map.finish();
                Ok(())
            }
            Self::Raw(builder, out) => ser::SerializeStruct::end(builder)?
                .write(out, Style::FlaskWire)
                .map_err(serde_json::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::json::py::{Py, to_py};
    use crate::json::tagged::{Bytes, HttpDate, Markup, Tuple, Uuid, Wire};

    fn streamed<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
        let mut out = Vec::new();
        write(&mut out, value).map_err(|err| err.to_string())?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn tree<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
        let py = to_py(value).map_err(|err| err.to_string())?;
        let mut out = Vec::new();
        py.write(&mut out, Style::FlaskWire)
            .map_err(|err| serde_json::Error::custom(err).to_string())?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[derive(Serialize)]
    enum Shape {
        #[serde(rename = " t")]
        Tagged(u8),
        Plain(u8),
        #[serde(rename = " di")]
        Pair(u8, u8),
        Point {
            y: u8,
            x: u8,
        },
        #[serde(rename = " b")]
        Unit,
    }

    #[derive(Serialize)]
    struct Record {
        zeta: u8,
        alpha: Vec<Shape>,
        #[serde(rename = " m")]
        markup: Option<f64>,
    }

    /// The one-pass writer and the tree agree, byte for byte and error for
    /// error.
    #[test]
    fn streams_as_the_tree_writes() {
        let mut ordered = std::collections::BTreeMap::new();
        ordered.insert(10, "ten");
        ordered.insert(9, "nine");
        let raw: Box<serde_json::value::RawValue> =
            serde_json::from_str(r#"{"b": 1E5, "a": [-0, {" t": 1}], "a": 2}"#).unwrap();
        let mut session = crate::Session::new();
        session.insert("z", Tuple(vec![json!({" b": 1})])).unwrap();
        session
            .insert("a", json!({"y": 1, "x": [1.5, 1e300]}))
            .unwrap();
        session.insert(" u", json!(null)).unwrap();
        // Each value through both writers: (streamed, tree).
        macro_rules! agree {
            ($value:expr) => {{
                let value = $value;
                (streamed(&value), tree(&value))
            }};
        }
        let pairs: Vec<(Result<String, String>, Result<String, String>)> = vec![
            agree!(json!({"b": 1, "a": {" t": [1, 2]}, "é": "Zoë", "z": "\u{7f}"})),
            agree!(json!([{" di": {}}, {" t": 1, "x": 2}, {" x": 1}, []])),
            agree!(Record {
                zeta: 1,
                alpha: vec![
                    Shape::Tagged(1),
                    Shape::Plain(2),
                    Shape::Pair(3, 4),
                    Shape::Point { y: 5, x: 6 },
                    Shape::Unit,
                ],
                markup: Some(f64::NAN),
            }),
            agree!(ordered),
            agree!(raw),
            agree!(session),
            agree!((
                Tuple(vec![1]),
                Bytes(vec![0, 255]),
                Markup("<i>".into()),
                Uuid(7),
                HttpDate(crate::UnixTime::from_secs(0)),
                Wire::parse(r#"{"k": {" t": [1]}}"#).unwrap(),
            )),
            agree!((
                u128::MAX,
                i128::MIN,
                -0.0_f64,
                1e16,
                'é',
                serde_bytes_like(),
            )),
            agree!(std::collections::HashMap::from([((), 1)])),
            agree!(Py::Number("123456789012345678901234567890".into())),
        ];
        for (got, want) in &pairs {
            assert_eq!(got, want);
        }
        assert!(pairs.last().unwrap().0.is_ok());
        assert!(pairs.get(8).unwrap().0.is_err());
    }

    #[derive(Serialize)]
    struct One {
        #[serde(rename = " u")]
        u: u8,
    }

    #[test]
    fn one_key_tag_named_objects_are_escaped() {
        for value in [
            streamed(&One { u: 1 }),
            streamed(&json!({" u": 1})),
            streamed(&std::collections::HashMap::from([(" u", 1)])),
        ] {
            assert_eq!(value.as_deref(), Ok(r#"{" di":{" u__":1}}"#));
        }
        assert_eq!(streamed(&One { u: 1 }), tree(&One { u: 1 }));
        // A repeated key is one key: escaped too, with its last value.
        let raw: Box<serde_json::value::RawValue> =
            serde_json::from_str(r#"{" u": 1, " u": 2}"#).unwrap();
        assert_eq!(streamed(&raw).as_deref(), Ok(r#"{" di":{" u__":2}}"#));
        assert_eq!(streamed(&Repeated).as_deref(), Ok(r#"{" di":{" u__":2}}"#));
        assert_eq!(streamed(&Repeated), tree(&Repeated));
    }

    /// A map that gives one key twice, as no Rust map does.
    struct Repeated;

    impl Serialize for Repeated {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut map = serializer.serialize_map(None)?;
            map.serialize_entry(" u", &1)?;
            map.serialize_entry(" u", &2)?;
            map.end()
        }
    }

    struct BytesLike;

    impl Serialize for BytesLike {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(&[1, 2, 255])
        }
    }

    fn serde_bytes_like() -> BytesLike {
        BytesLike
    }
}
