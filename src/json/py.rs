//! The Python value model: a session value as Django and Flask hold it
//! between `json.loads` and `json.dumps`, kept exact.
//!
//! `serde_json` without its `arbitrary_precision` feature (which this crate
//! must not turn on for everyone, see `docs/json.md`) reads integers beyond
//! 64 bits and float literals beyond `f64` only approximately. A [`Py`] keeps
//! every number as the text Python writes for it, so a value read from a
//! cookie and written again is the same, digit for digit.

use core::fmt;

use serde::Serialize;
use serde::de::IgnoredAny;
use serde::ser::{self, Error as _, Impossible};

use super::python::{canonical_number, is_python_float_text, repr_text, write_python_string};
use crate::error::PayloadError;

/// The struct name and field by which `serde_json` serializes a
/// [`RawValue`](serde_json::value::RawValue): its exact JSON text. Tied to
/// `serde_json`'s implementation by the test `raw_values_are_parsed_exactly`.
pub(crate) const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// One value, as Python holds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Py {
    Null,
    Bool(bool),
    /// An `int` or `float`, as the text `json.dumps` writes for it.
    Number(Box<str>),
    Str(String),
    List(Vec<Py>),
    /// A dict in its order, each key once.
    Dict(Vec<(String, Py)>),
    /// Flask only: a `tuple`.
    Tuple(Vec<Py>),
    /// Flask only: `bytes`, as canonical standard base64 with padding.
    Bytes(String),
    /// Flask only: MarkupSafe's `Markup`, a `str`.
    Markup(String),
    /// Flask only: a `uuid.UUID`, as 32 lowercase hex digits.
    Uuid(String),
    /// Flask only: a `datetime`, as its HTTP date text.
    Date(String),
    /// Flask only: a value the application gave already in the tagged wire
    /// form, written as it is.
    Wire(Box<Py>),
}

/// How [`Py::write`] spells a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `json.dumps(value, separators=(",", ":"))`, dicts in their order:
    /// what Django signs. A tuple is a list and `Markup` a string, as
    /// Python's `json` writes them; the other Flask-only values have no JSON
    /// form and are refused.
    Json,
    /// [`Style::Json`] with every dict's keys sorted by code point, at every
    /// depth: `json.dumps(value, separators=(",", ":"), sort_keys=True)`.
    SortedJson,
    /// [`Style::Json`] with strings left in UTF-8 (only `"`, `\\` and
    /// control characters escaped): `json.dumps(value, separators=(",",
    /// ":"), ensure_ascii=False)`, what itsdangerous' serializers sign.
    Utf8Json,
    /// Flask's `TaggedJSONSerializer.dumps`: Flask-only values tagged, a
    /// one-key dict whose key is a tag name escaped with `" di"`, keys
    /// sorted at every depth.
    FlaskWire,
    /// What a Rust reader of a Flask session sees: dicts as plain objects,
    /// Flask-only values as their one-key tag objects.
    FlaskView,
}

/// Flask's tag names, as [`Style::FlaskWire`] writes them.
pub(crate) const TUPLE: &str = " t";
pub(crate) const BYTES: &str = " b";
pub(crate) const MARKUP: &str = " m";
pub(crate) const UUID: &str = " u";
pub(crate) const DATE: &str = " d";
pub(crate) const DICT: &str = " di";
/// Every registered tag name, in Flask's default registry.
pub(crate) const TAG_NAMES: [&str; 6] = [DICT, TUPLE, BYTES, MARKUP, UUID, DATE];

/// Why a value cannot be written in a [`Style`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoJsonForm(&'static str);

impl fmt::Display for NoJsonForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} has no JSON form outside a Flask session", self.0)
    }
}

impl Py {
    /// Parses JSON text exactly: it is checked first (`serde_json`'s syntax
    /// and strings, the nesting limit, paired surrogates), then one walk
    /// keeps every number's text.
    /// A repeated key keeps its first position and takes its last value, as
    /// Python's `json.loads` does.
    pub(crate) fn parse(text: &str) -> Result<Self, PayloadError> {
        super::raw::check_nesting(text.as_bytes())?;
        serde_json::from_str::<IgnoredAny>(text).map_err(|err| PayloadError::from_json(&err))?;
        let mut walker = Walker { text, at: 0 };
        let value = walker.value();
        // The text was checked above, so the walk cannot fail; a failure
        // here would be a bug, reported as bad JSON rather than a panic.
        value.ok_or(PayloadError::Json { line: 1, column: 1 })
    }

    /// Whether this value or anything inside it is Flask-only.
    #[cfg(feature = "flask")]
    pub(crate) fn has_python_only(&self) -> bool {
        match self {
            Self::Null | Self::Bool(_) | Self::Number(_) | Self::Str(_) => false,
            Self::List(items) => items.iter().any(Self::has_python_only),
            Self::Dict(entries) => entries.iter().any(|(_, value)| value.has_python_only()),
            Self::Tuple(_)
            | Self::Bytes(_)
            | Self::Markup(_)
            | Self::Uuid(_)
            | Self::Date(_)
            | Self::Wire(_) => true,
        }
    }

    /// Appends this value's JSON text, spelled as `style` says.
    pub(crate) fn write(&self, out: &mut Vec<u8>, style: Style) -> Result<(), NoJsonForm> {
        match self {
            Self::Null => out.extend_from_slice(b"null"),
            Self::Bool(true) => out.extend_from_slice(b"true"),
            Self::Bool(false) => out.extend_from_slice(b"false"),
            Self::Number(text) => out.extend_from_slice(text.as_bytes()),
            Self::Str(text) => write_str(out, text, style),
            Self::List(items) => write_list(out, items, style)?,
            Self::Dict(entries) => write_dict(out, entries, style)?,
            Self::Tuple(items) => match style {
                Style::Json | Style::SortedJson | Style::Utf8Json => write_list(out, items, style)?,
                Style::FlaskWire | Style::FlaskView => {
                    write_tag_open(out, TUPLE);
                    write_list(out, items, style)?;
                    out.push(b'}');
                }
            },
            Self::Bytes(text) | Self::Markup(text) | Self::Uuid(text) | Self::Date(text) => {
                if matches!(style, Style::Json | Style::SortedJson | Style::Utf8Json) {
                    // Outside Flask, the text the value is kept as.
                    write_str(out, text, style);
                } else {
                    let tag = match self {
                        Self::Bytes(_) => BYTES,
                        Self::Markup(_) => MARKUP,
                        Self::Uuid(_) => UUID,
                        _ => DATE,
                    };
                    write_tag_open(out, tag);
                    write_python_string(out, text);
                    out.push(b'}');
                }
            }
            Self::Wire(value) => match style {
                Style::Json | Style::SortedJson | Style::Utf8Json => {
                    return Err(NoJsonForm("value in Flask's tagged wire form"));
                }
                Style::FlaskWire | Style::FlaskView => value.write_verbatim(out, style)?,
            },
        }
        Ok(())
    }

    /// A wire value as it is: no `" di"` escape added, keys sorted only
    /// where Flask sorts them.
    fn write_verbatim(&self, out: &mut Vec<u8>, style: Style) -> Result<(), NoJsonForm> {
        match self {
            Self::List(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_verbatim(out, style)?;
                }
                out.push(b']');
                Ok(())
            }
            Self::Dict(entries) => {
                out.push(b'{');
                for (i, (key, value)) in sorted(entries, style).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_python_string(out, key);
                    out.push(b':');
                    value.write_verbatim(out, style)?;
                }
                out.push(b'}');
                Ok(())
            }
            other => other.write(out, style),
        }
    }

    /// This value's JSON text in `style`.
    pub(crate) fn to_text(&self, style: Style) -> Result<String, NoJsonForm> {
        let mut out = Vec::new();
        self.write(&mut out, style)?;
        // Every string is written with `\u` escapes beyond ASCII.
        Ok(String::from_utf8(out).unwrap_or_default())
    }
}

pub(crate) fn write_tag_open(out: &mut Vec<u8>, tag: &str) {
    out.push(b'{');
    write_python_string(out, tag);
    out.push(b':');
}

fn write_list(out: &mut Vec<u8>, items: &[Py], style: Style) -> Result<(), NoJsonForm> {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item.write(out, style)?;
    }
    out.push(b']');
    Ok(())
}

/// The entries in the order `style` writes them: Flask sorts by code point
/// (byte order of UTF-8), Django keeps the dict's order (and so needs no
/// sorted copy: a session writes dozens of dicts).
fn sorted(entries: &[(String, Py)], style: Style) -> impl Iterator<Item = &(String, Py)> {
    let sorted = matches!(style, Style::FlaskWire | Style::SortedJson).then(|| {
        let mut order: Vec<&(String, Py)> = entries.iter().collect();
        order.sort_by(|a, b| a.0.cmp(&b.0));
        order
    });
    let (kept, sorted) = match sorted {
        Some(order) => (None, Some(order)),
        None => (Some(entries.iter()), None),
    };
    kept.into_iter()
        .flatten()
        .chain(sorted.into_iter().flatten())
}

fn write_dict(out: &mut Vec<u8>, entries: &[(String, Py)], style: Style) -> Result<(), NoJsonForm> {
    if style == Style::FlaskWire {
        if let [(key, value)] = entries {
            if TAG_NAMES.contains(&key.as_str()) {
                // Flask's TagDict: `{" di": {key + "__": value}}`.
                write_tag_open(out, DICT);
                out.push(b'{');
                write_python_string(out, &format!("{key}__"));
                out.push(b':');
                value.write(out, style)?;
                out.extend_from_slice(b"}}");
                return Ok(());
            }
        }
    }
    out.push(b'{');
    for (i, (key, value)) in sorted(entries, style).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, key, style);
        out.push(b':');
        value.write(out, style)?;
    }
    out.push(b'}');
    Ok(())
}

/// A JSON string as `style` escapes it: every non-ASCII character as
/// `\uXXXX` (`ensure_ascii`), or only what JSON requires.
fn write_str(out: &mut Vec<u8>, text: &str, style: Style) {
    if style == Style::Utf8Json {
        // serde_json's compact writer escapes exactly what Python's
        // `ensure_ascii=False` does: `"`, `\\` and U+0000..U+001F, with the
        // same short forms and lowercase hex. Writing to a vector cannot
        // fail, and a string always serializes.
        let _ = serde_json::to_writer(&mut *out, text);
    } else {
        write_python_string(out, text);
    }
}

/// Sets `key` in a dict being built, as Python's dict does: an existing key
/// keeps its place and takes the new value.
pub(crate) fn dict_set(entries: &mut Vec<(String, Py)>, key: String, value: Py) {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key, value)),
    }
}

/// A walk over JSON text that `serde_json` has already accepted. Each step
/// returns `None` on anything unexpected instead of trusting the check.
struct Walker<'a> {
    text: &'a str,
    at: usize,
}

impl Walker<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn value(&mut self) -> Option<Py> {
        self.skip_space();
        match self.peek()? {
            b'{' => self.dict(),
            b'[' => self.list(),
            b'"' => self.string().map(Py::Str),
            b't' => self.word("true", Py::Bool(true)),
            b'f' => self.word("false", Py::Bool(false)),
            b'n' => self.word("null", Py::Null),
            _ => self.number(),
        }
    }

    fn word(&mut self, word: &str, value: Py) -> Option<Py> {
        self.text.get(self.at..)?.starts_with(word).then(|| {
            self.at += word.len();
            value
        })
    }

    fn number(&mut self) -> Option<Py> {
        let rest = self.text.get(self.at..)?;
        let len = rest
            .bytes()
            .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        let text = rest.get(..len).filter(|t| !t.is_empty())?;
        self.at += len;
        Some(Py::Number(canonical_number(text).into()))
    }

    fn string(&mut self) -> Option<String> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut end = start + 1;
        loop {
            match bytes.get(end)? {
                b'"' => break,
                b'\\' => end += 2,
                _ => end += 1,
            }
        }
        self.at = end + 1;
        let token = self.text.get(start..=end)?;
        if token.contains('\\') {
            serde_json::from_str(token).ok()
        } else {
            token.get(1..token.len() - 1).map(str::to_owned)
        }
    }

    fn list(&mut self) -> Option<Py> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Py::List(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(Py::List(items));
                }
                _ => return None,
            }
        }
    }

    fn dict(&mut self) -> Option<Py> {
        self.expect(b'{')?;
        let mut entries = Vec::new();
        self.skip_space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(Py::Dict(entries));
        }
        loop {
            self.skip_space();
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value()?;
            dict_set(&mut entries, key, value);
            self.skip_space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(Py::Dict(entries));
                }
                _ => return None,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// From Rust values

/// The newtype names by which the helpers of [`tagged`](super::tagged) tell
/// this serializer what they are. They are type names, not data: no JSON
/// an application stores can produce them.
pub(crate) mod names {
    pub(crate) const TUPLE: &str = "session_cookie::json::tagged::Tuple";
    pub(crate) const BYTES: &str = "session_cookie::json::tagged::Bytes";
    pub(crate) const MARKUP: &str = "session_cookie::json::tagged::Markup";
    pub(crate) const UUID: &str = "session_cookie::json::tagged::Uuid";
    pub(crate) const DATE: &str = "session_cookie::json::tagged::HttpDate";
    pub(crate) const WIRE: &str = "session_cookie::json::tagged::Wire";
}

/// Turns any `Serialize` value into a [`Py`], exactly: integers of any
/// width keep their digits, floats are Python's `repr`, and the helpers of
/// [`tagged`](super::tagged) become Flask-only values.
pub(crate) fn to_py<T: Serialize + ?Sized>(value: &T) -> Result<Py, serde_json::Error> {
    value.serialize(PySerializer)
}

pub(crate) struct PySerializer;

fn number(text: impl Into<Box<str>>) -> Py {
    Py::Number(text.into())
}

fn float(value: f64) -> Py {
    // Not-a-number and the infinities have no JSON form; `null`, as
    // serde_json writes them.
    if value.is_finite() {
        number(repr_text(value))
    } else {
        Py::Null
    }
}

fn one_key(key: &str, value: Py) -> Py {
    Py::Dict(vec![(key.to_owned(), value)])
}

impl ser::Serializer for PySerializer {
    type Ok = Py;
    type Error = serde_json::Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Py, Self::Error> {
        Ok(Py::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Py, Self::Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Py, Self::Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Py, Self::Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Py, Self::Error> {
        Ok(number(itoa::Buffer::new().format(v)))
    }
    fn serialize_i128(self, v: i128) -> Result<Py, Self::Error> {
        Ok(number(itoa::Buffer::new().format(v)))
    }
    fn serialize_u8(self, v: u8) -> Result<Py, Self::Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Py, Self::Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Py, Self::Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Py, Self::Error> {
        Ok(number(itoa::Buffer::new().format(v)))
    }
    fn serialize_u128(self, v: u128) -> Result<Py, Self::Error> {
        Ok(number(itoa::Buffer::new().format(v)))
    }
    fn serialize_f32(self, v: f32) -> Result<Py, Self::Error> {
        Ok(float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Py, Self::Error> {
        Ok(float(v))
    }
    fn serialize_char(self, v: char) -> Result<Py, Self::Error> {
        Ok(Py::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Py, Self::Error> {
        Ok(Py::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Py, Self::Error> {
        // As serde_json: an array of numbers.
        Ok(Py::List(
            v.iter()
                .map(|&b| number(itoa::Buffer::new().format(b)))
                .collect(),
        ))
    }
    fn serialize_none(self) -> Result<Py, Self::Error> {
        Ok(Py::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Py, Self::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Py, Self::Error> {
        Ok(Py::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Py, Self::Error> {
        Ok(Py::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Py, Self::Error> {
        Ok(Py::Str(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Py, Self::Error> {
        if name == names::WIRE {
            return value.serialize(WireCatcher);
        }
        let inner = value.serialize(PySerializer)?;
        let text = |inner: Py| match inner {
            Py::Str(text) => Ok(text),
            _ => Err(serde_json::Error::custom("a Flask helper holds a string")),
        };
        Ok(match name {
            names::TUPLE => match inner {
                Py::List(items) => Py::Tuple(items),
                _ => return Err(serde_json::Error::custom("a Flask tuple holds a sequence")),
            },
            names::BYTES => Py::Bytes(text(inner)?),
            names::MARKUP => Py::Markup(text(inner)?),
            names::UUID => Py::Uuid(text(inner)?),
            names::DATE => Py::Date(text(inner)?),
            _ => inner,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Py, Self::Error> {
        Ok(one_key(variant, value.serialize(PySerializer)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, Self::Error> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0).min(64)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, Self::Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, Self::Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, Self::Error> {
        let mut builder = self.serialize_seq(Some(len))?;
        builder.variant = Some(variant);
        Ok(builder)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, Self::Error> {
        Ok(MapBuilder {
            entries: Vec::with_capacity(len.unwrap_or(0).min(64)),
            key: None,
            variant: None,
            raw: false,
        })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<MapBuilder, Self::Error> {
        let mut builder = self.serialize_map(Some(len))?;
        builder.raw = name == RAW_VALUE_TOKEN;
        Ok(builder)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<MapBuilder, Self::Error> {
        let mut builder = self.serialize_map(Some(len))?;
        builder.variant = Some(variant);
        Ok(builder)
    }
}

pub(crate) struct SeqBuilder {
    items: Vec<Py>,
    variant: Option<&'static str>,
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), serde_json::Error> {
        self.items.push(value.serialize(PySerializer)?);
        Ok(())
    }

    fn finish(self) -> Py {
        let list = Py::List(self.items);
        match self.variant {
            Some(variant) => one_key(variant, list),
            None => list,
        }
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Py;
    type Error = serde_json::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.push(value)
    }
    fn end(self) -> Result<Py, Self::Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Py;
    type Error = serde_json::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.push(value)
    }
    fn end(self) -> Result<Py, Self::Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Py;
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.push(value)
    }
    fn end(self) -> Result<Py, Self::Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = Py;
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.push(value)
    }
    fn end(self) -> Result<Py, Self::Error> {
        Ok(self.finish())
    }
}

pub(crate) struct MapBuilder {
    entries: Vec<(String, Py)>,
    key: Option<String>,
    variant: Option<&'static str>,
    /// A `RawValue`: its one field is JSON text, parsed exactly.
    raw: bool,
}

impl MapBuilder {
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        let value = value.serialize(PySerializer)?;
        dict_set(&mut self.entries, key.to_owned(), value);
        Ok(())
    }

    fn finish(self) -> Result<Py, serde_json::Error> {
        if self.raw {
            return match self.entries.into_iter().next() {
                Some((_, Py::Str(text))) => Py::parse(&text)
                    .map_err(|err| serde_json::Error::custom(format_args!("raw JSON: {err}"))),
                _ => Err(serde_json::Error::custom("a raw JSON value holds text")),
            };
        }
        let dict = Py::Dict(self.entries);
        Ok(match self.variant {
            Some(variant) => one_key(variant, dict),
            None => dict,
        })
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Py;
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
        self.field(&key, value)
    }
    fn end(self) -> Result<Py, Self::Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Py;
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<Py, Self::Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for MapBuilder {
    type Ok = Py;
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<Py, Self::Error> {
        self.finish()
    }
}

/// Map keys: strings, and (as `serde_json` and Python's `json` allow)
/// booleans and numbers written as their JSON text.
pub(crate) struct KeySerializer;

fn key_error() -> serde_json::Error {
    serde_json::Error::custom("key must be a string")
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = serde_json::Error;
    type SerializeSeq = Impossible<String, serde_json::Error>;
    type SerializeTuple = Impossible<String, serde_json::Error>;
    type SerializeTupleStruct = Impossible<String, serde_json::Error>;
    type SerializeTupleVariant = Impossible<String, serde_json::Error>;
    type SerializeMap = Impossible<String, serde_json::Error>;
    type SerializeStruct = Impossible<String, serde_json::Error>;
    type SerializeStructVariant = Impossible<String, serde_json::Error>;

    fn serialize_bool(self, v: bool) -> Result<String, Self::Error> {
        Ok(if v { "true" } else { "false" }.to_owned())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<String, Self::Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<String, Self::Error> {
        if v.is_finite() {
            Ok(repr_text(v))
        } else {
            Err(key_error())
        }
    }
    fn serialize_char(self, v: char) -> Result<String, Self::Error> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Self::Error> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, Self::Error> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, Self::Error> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, Self::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, Self::Error> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Self::Error> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, Self::Error> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, Self::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Self::Error> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Self::Error> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        Err(key_error())
    }
}

/// A [`Py`] serializes as the JSON it stands for, with the helpers' newtype
/// names around Flask-only values, so that [`to_py`] gives it back whole.
impl Serialize for Py {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(v) => serializer.serialize_bool(*v),
            Self::Number(text) => serialize_number(text, serializer),
            Self::Str(text) => serializer.serialize_str(text),
            Self::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Self::Dict(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Self::Tuple(items) => serializer.serialize_newtype_struct(names::TUPLE, items),
            Self::Bytes(text) => serializer.serialize_newtype_struct(names::BYTES, text),
            Self::Markup(text) => serializer.serialize_newtype_struct(names::MARKUP, text),
            Self::Uuid(text) => serializer.serialize_newtype_struct(names::UUID, text),
            Self::Date(text) => serializer.serialize_newtype_struct(names::DATE, text),
            Self::Wire(value) => serializer.serialize_newtype_struct(names::WIRE, &WireBody(value)),
        }
    }
}

/// The inside of a value in Flask's tagged wire form. Only this crate's
/// Flask writer takes it (through [`WireCatcher`], the one serializer that
/// says it is not human-readable); to every other serializer (`serde_json`,
/// and so the Django and native codecs) it is an error, so a wire value's
/// tags are never written where they would be mere data.
pub(crate) struct WireBody<'a>(pub(crate) &'a Py);

impl Serialize for WireBody<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            return Err(ser::Error::custom(
                "a value in Flask's tagged wire form is written only by the Flask codec",
            ));
        }
        let text = self
            .0
            .to_text(Style::FlaskView)
            .map_err(ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

/// Takes a [`WireBody`]'s text back as the wire value it is.
struct WireCatcher;

/// The methods of a serializer that takes only a string.
macro_rules! only_str {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, Self::Error> {
            Err(ser::Error::custom("a Flask wire value holds JSON text"))
        })*
    };
}

impl ser::Serializer for WireCatcher {
    type Ok = Py;
    type Error = serde_json::Error;
    type SerializeSeq = Impossible<Py, serde_json::Error>;
    type SerializeTuple = Impossible<Py, serde_json::Error>;
    type SerializeTupleStruct = Impossible<Py, serde_json::Error>;
    type SerializeTupleVariant = Impossible<Py, serde_json::Error>;
    type SerializeMap = Impossible<Py, serde_json::Error>;
    type SerializeStruct = Impossible<Py, serde_json::Error>;
    type SerializeStructVariant = Impossible<Py, serde_json::Error>;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_str(self, v: &str) -> Result<Py, Self::Error> {
        Py::parse(v)
            .map(|value| Py::Wire(Box::new(value)))
            .map_err(ser::Error::custom)
    }

    only_str! {
        serialize_bool(bool) -> Py;
        serialize_i8(i8) -> Py;
        serialize_i16(i16) -> Py;
        serialize_i32(i32) -> Py;
        serialize_i64(i64) -> Py;
        serialize_u8(u8) -> Py;
        serialize_u16(u16) -> Py;
        serialize_u32(u32) -> Py;
        serialize_u64(u64) -> Py;
        serialize_f32(f32) -> Py;
        serialize_f64(f64) -> Py;
        serialize_char(char) -> Py;
        serialize_bytes(&[u8]) -> Py;
        serialize_none() -> Py;
        serialize_unit() -> Py;
        serialize_unit_struct(&'static str) -> Py;
        serialize_unit_variant(&'static str, u32, &'static str) -> Py;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<Py, Self::Error> {
        Err(ser::Error::custom("a Flask wire value holds JSON text"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _value: &T,
    ) -> Result<Py, Self::Error> {
        Err(ser::Error::custom("a Flask wire value holds JSON text"))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Py, Self::Error> {
        Err(ser::Error::custom("a Flask wire value holds JSON text"))
    }
}

/// A number as the serde primitive that holds it exactly, so that every
/// serializer (and this crate's writers, without a parse) writes it the same:
/// integers that fit 64 bits, and floats whose text is Python's `repr` of
/// them; only what no primitive holds (a longer integer, `1e400`) goes as
/// raw JSON text.
fn serialize_number<S: ser::Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        if let Ok(n) = text.parse::<i64>() {
            return serializer.serialize_i64(n);
        }
        if let Ok(n) = text.parse::<u64>() {
            return serializer.serialize_u64(n);
        }
    } else if let Ok(f) = text.parse::<f64>() {
        // The syntactic check answers for almost every number that came
        // from Python, without formatting the float once more.
        if f.is_finite()
            && (is_python_float_text(text)
                || super::float::python_repr(f).as_bytes() == text.as_bytes())
        {
            return serializer.serialize_f64(f);
        }
    }
    RawText(text).serialize(serializer)
}

/// JSON text that serializes as itself, by the protocol of `serde_json`'s
/// `RawValue` (with `serde_json`, its raw fragment is written as it is).
pub(crate) struct RawText<'a>(pub(crate) &'a str);

impl Serialize for RawText<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeStruct;
        let mut raw = serializer.serialize_struct(RAW_VALUE_TOKEN, 1)?;
        raw.serialize_field(RAW_VALUE_TOKEN, self.0)?;
        raw.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str, style: Style) -> String {
        Py::parse(text).unwrap().to_text(style).unwrap()
    }

    #[test]
    fn numbers_keep_every_digit() {
        let text = r#"{"big":123456789012345678901234567890,"neg":-18446744073709551617,"f":1e400,"z":-0,"r":1E5,"p":0.1}"#;
        assert_eq!(
            round(text, Style::Json),
            r#"{"big":123456789012345678901234567890,"neg":-18446744073709551617,"f":1e400,"z":0,"r":100000.0,"p":0.1}"#
        );
    }

    #[test]
    fn python_dict_rules() {
        assert_eq!(
            round(r#"{ "b" : 1, "a": [ 1 , 2 ], "b": 3 }"#, Style::Json),
            r#"{"b":3,"a":[1,2]}"#
        );
        assert_eq!(
            round(r#"{"b":1,"a":{"d":1,"c":2}}"#, Style::FlaskWire),
            r#"{"a":{"c":2,"d":1},"b":1}"#
        );
        assert_eq!(
            round(r#""\u00e9\ud83d\ude00\/""#, Style::Json),
            r#""\u00e9\ud83d\ude00/""#
        );
        assert_eq!(round("\"é\"", Style::Json), r#""\u00e9""#);
    }

    #[test]
    fn dicts_that_look_tagged_are_escaped_for_flask_only() {
        assert_eq!(
            round(r#"{"k":{" t":[1]}}"#, Style::FlaskWire),
            r#"{"k":{" di":{" t__":[1]}}}"#
        );
        assert_eq!(
            round(r#"{"k":{" t":[1]}}"#, Style::Json),
            r#"{"k":{" t":[1]}}"#
        );
    }

    #[test]
    fn raw_values_are_parsed_exactly() {
        let raw = serde_json::value::RawValue::from_string(
            "[1e400, 123456789012345678901234567890]".to_owned(),
        )
        .unwrap();
        assert_eq!(
            to_py(&raw).unwrap().to_text(Style::Json).unwrap(),
            "[1e400,123456789012345678901234567890]"
        );
        // ...and RawText is written by serde_json as the text it holds.
        assert_eq!(serde_json::to_string(&RawText("[1,2]")).unwrap(), "[1,2]");
    }

    #[test]
    fn rust_values() {
        let py = to_py(&(u128::MAX, -0.0_f64, f64::NAN, "é", 1e16)).unwrap();
        assert_eq!(
            py.to_text(Style::Json).unwrap(),
            r#"[340282366920938463463374607431768211455,-0.0,null,"\u00e9",1e+16]"#
        );
    }

    #[test]
    fn python_only_values_have_no_json_form() {
        assert_eq!(
            Py::Bytes("AA==".into()).to_text(Style::Json).unwrap(),
            r#""AA==""#
        );
        assert!(Py::Wire(Box::new(Py::Null)).to_text(Style::Json).is_err());
        assert_eq!(
            Py::Tuple(vec![Py::Null]).to_text(Style::Json).unwrap(),
            "[null]"
        );
        assert_eq!(
            Py::Markup("<b>".into()).to_text(Style::Json).unwrap(),
            r#""<b>""#
        );
        assert_eq!(
            Py::Tuple(vec![Py::Null]).to_text(Style::FlaskWire).unwrap(),
            r#"{" t":[null]}"#
        );
    }
}
