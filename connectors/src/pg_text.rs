//! PostgreSQL values in their text form (as the session's pinned output settings print them) to
//! JSON. Every type has a text form, so no column is ever dropped: a type without a rule here stays
//! the string PostgreSQL printed.
//!
//! The session pins `DateStyle=ISO,YMD`, `IntervalStyle=iso_8601`, `TimeZone=UTC`,
//! `bytea_output=hex` and `extra_float_digits=1`, so each rule reads one known form.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{Number, Value};
use tokio_postgres::types::{Kind, Type};

/// The JSON for one cell. `text` is `None` for SQL NULL. `cap` is the trimmer's cell cap: a text
/// longer than it is copied only as far as the trimmer can keep of it (plus a byte, so the trimmer
/// sees that it must cut), and a long array or JSON document becomes that cut text; a huge cell
/// then costs no more than the cap.
pub(crate) fn cell(ty: &Type, text: Option<&str>, cap: usize) -> Value {
    match text {
        None => Value::Null,
        Some(text) if text.len() > cap => long(ty, text, cap),
        Some(text) => value(ty, text),
    }
}

/// A cell whose text is longer than the cell cap, so it will be cut.
fn long(ty: &Type, text: &str, cap: usize) -> Value {
    match (ty.kind(), ty) {
        (Kind::Domain(base), _) => long(base, text, cap),
        // The base64 of a hex prefix: 2 hex digits per byte, 4 base64 characters per 3 bytes.
        // The length is even, so the prefix holds whole bytes (bytea's text is ASCII).
        (Kind::Simple, &Type::BYTEA) => bytea(text.get(..2 + 2 * cap + 4).unwrap_or(text)),
        _ => string(prefix(text, cap + 1)),
    }
}

/// At least `len` bytes of `text` (fewer only when it is shorter), ending on a character boundary.
fn prefix(text: &str, len: usize) -> &str {
    if len >= text.len() {
        return text;
    }
    let mut end = len;
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text.get(..end).unwrap_or(text)
}

fn value(ty: &Type, text: &str) -> Value {
    match ty.kind() {
        Kind::Array(element) => return array(element, text),
        Kind::Domain(base) => return value(base, text),
        Kind::Simple => {}
        // Enums, ranges, composites, pseudo types: their text form.
        _ => return Value::String(text.to_owned()),
    }
    match *ty {
        Type::INT2 | Type::INT4 | Type::INT8 => text.parse::<i64>().map_or_else(|_| string(text), Value::from),
        Type::OID | Type::XID | Type::CID => text.parse::<u64>().map_or_else(|_| string(text), Value::from),
        Type::FLOAT4 | Type::FLOAT8 => float(text),
        Type::BOOL => match text {
            "t" => Value::Bool(true),
            "f" => Value::Bool(false),
            _ => string(text),
        },
        Type::JSON | Type::JSONB => serde_json::from_str(text).unwrap_or_else(|_| string(text)),
        Type::BYTEA => bytea(text),
        Type::TIMESTAMP => Value::String(timestamp(text, false)),
        Type::TIMESTAMPTZ => Value::String(timestamp(text, true)),
        Type::TIMETZ => Value::String(with_full_offset(text)),
        // numeric stays an exact decimal string; text, uuid, date, time, interval (ISO 8601),
        // inet, cidr, money and the rest are already in the form the API promises.
        _ => string(text),
    }
}

fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// Finite floats as numbers; `NaN` and `±Infinity` (which JSON has no number for) as strings.
fn float(text: &str) -> Value {
    text.parse::<f64>().ok().and_then(Number::from_f64).map_or_else(|| string(text), Value::Number)
}

/// `\x0aff…` → base64 of the bytes.
fn bytea(text: &str) -> Value {
    let Some(hex) = text.strip_prefix("\\x") else { return string(text) };
    if hex.len() % 2 != 0 {
        return string(text);
    }
    let bytes: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    bytes.map_or_else(|| string(text), |b| Value::String(BASE64.encode(b)))
}

/// `2024-03-01 12:30:00.5+00` → `2024-03-01T12:30:00.5Z` (RFC 3339). `infinity`, BC dates and
/// years past 9999, which RFC 3339 cannot express, keep PostgreSQL's form.
fn timestamp(text: &str, zoned: bool) -> String {
    let bytes = text.as_bytes();
    let plain_date =
        bytes.len() >= 19 && bytes[4] == b'-' && bytes[10] == b' ' && bytes[..4].iter().all(u8::is_ascii_digit);
    if !plain_date || text.ends_with(" BC") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str(&text[..10]);
    out.push('T');
    let rest = &text[11..];
    if zoned {
        out.push_str(&with_full_offset(rest));
    } else {
        out.push_str(rest);
    }
    out
}

/// A time with a `+HH`, `+HH:MM` or `+HH:MM:SS` offset → `Z` or `+HH:MM` (RFC 3339 has no seconds
/// in offsets; a seconds offset keeps its form).
fn with_full_offset(text: &str) -> String {
    // The offset starts at the last sign after the clock time (HH:MM:SS is 8 bytes).
    let Some(at) = text.get(8..).and_then(|tail| tail.rfind(['+', '-'])).map(|i| i + 8) else {
        return text.to_owned();
    };
    let (clock, offset) = text.split_at(at);
    match offset.len() {
        3 if offset == "+00" || offset == "-00" => format!("{clock}Z"),
        3 => format!("{clock}{offset}:00"),
        6 if offset == "+00:00" => format!("{clock}Z"),
        _ => text.to_owned(),
    }
}

/// Parses PostgreSQL's array text (`{1,2,NULL}`, `{{"a b","c\"d"},{e,f}}`, with an optional
/// `[1:2]=` bounds prefix) into nested JSON arrays, each element mapped by `element`'s rules. A
/// text it cannot read stays a string.
fn array(element: &Type, text: &str) -> Value {
    let body = match text.find("={") {
        Some(at) if text.starts_with('[') => &text[at + 1..],
        _ => text,
    };
    // box is the one built-in type whose arrays use ';' between elements.
    let delimiter = if *element == Type::BOX { b';' } else { b',' };
    let mut parser = ArrayParser { bytes: body.as_bytes(), text: body, at: 0, delimiter, element };
    match parser.parse_array(0) {
        Some(value) if parser.at == body.len() => value,
        _ => string(text),
    }
}

struct ArrayParser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
    delimiter: u8,
    element: &'a Type,
}

/// PostgreSQL allows at most 6 array dimensions; deeper text is not an array it printed.
const MAX_ARRAY_DEPTH: usize = 6;

impl ArrayParser<'_> {
    fn parse_array(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_ARRAY_DEPTH || self.bytes.get(self.at) != Some(&b'{') {
            return None;
        }
        self.at += 1;
        let mut items = Vec::new();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Some(Value::Array(items));
        }
        loop {
            let item = match self.bytes.get(self.at)? {
                b'{' => self.parse_array(depth + 1)?,
                b'"' => {
                    let text = self.quoted()?;
                    value(self.element, &text)
                }
                _ => {
                    let start = self.at;
                    while let Some(&b) = self.bytes.get(self.at) {
                        if b == self.delimiter || b == b'}' {
                            break;
                        }
                        self.at += 1;
                    }
                    let raw = self.text.get(start..self.at)?;
                    if raw.eq_ignore_ascii_case("NULL") {
                        Value::Null
                    } else {
                        value(self.element, raw)
                    }
                }
            };
            items.push(item);
            match self.bytes.get(self.at)? {
                b'}' => {
                    self.at += 1;
                    return Some(Value::Array(items));
                }
                &b if b == self.delimiter => self.at += 1,
                _ => return None,
            }
        }
    }

    /// A double-quoted element: backslash escapes the next character.
    fn quoted(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        let mut start = self.at;
        loop {
            match self.bytes.get(self.at)? {
                b'"' => {
                    out.push_str(self.text.get(start..self.at)?);
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(start..self.at)?);
                    self.at += 1;
                    // The escaped character may be multi-byte: copy it whole.
                    let c = self.text.get(self.at..)?.chars().next()?;
                    out.push(c);
                    self.at += c.len_utf8();
                    start = self.at;
                }
                _ => self.at += 1,
            }
        }
    }
}

/// The type's name as PostgreSQL spells it, arrays as `element[]`.
pub(crate) fn type_name(ty: &Type) -> String {
    match ty.kind() {
        Kind::Array(element) => format!("{}[]", element.name()),
        _ => ty.name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A cell under the default cell cap.
    fn cell(ty: &Type, text: Option<&str>) -> Value {
        super::cell(ty, text, 1024)
    }

    #[test]
    fn a_long_cell_is_copied_only_as_far_as_the_cap() {
        let text = "é".repeat(100);
        // 10 bytes and one more, rounded up to a character boundary.
        assert_eq!(super::cell(&Type::TEXT, Some(&text), 10), json!("éééééé"));
        assert_eq!(super::cell(&Type::TEXT, Some(&text), 200), json!(text));
        // A long document or array is its text, cut like any text.
        assert_eq!(super::cell(&Type::JSONB, Some(r#"{"a": 12345}"#), 4), json!(r#"{"a":"#));
        assert_eq!(super::cell(&Type::INT4_ARRAY, Some("{1,2,3,4}"), 4), json!("{1,2,"));
        // bytea: the base64 of whole bytes from the start, longer than the cap.
        let hex = format!("\\x{}", "ab".repeat(50));
        let Value::String(b64) = super::cell(&Type::BYTEA, Some(&hex), 8) else { panic!() };
        assert!(b64.len() > 8 && "q6urq6urq6urq6urq6urq6ur".starts_with(&b64[..8]), "{b64}");
    }

    #[test]
    fn json_numbers_keep_every_digit() {
        let doc = cell(&Type::JSONB, Some(r#"{"n": 123456789012345678901234567890, "x": 1e400}"#));
        assert_eq!(doc["n"].to_string(), "123456789012345678901234567890");
        assert!(doc["x"].is_number(), "{doc}");
    }

    #[test]
    fn scalars() {
        assert_eq!(cell(&Type::INT8, Some("-9223372036854775808")), json!(i64::MIN));
        assert_eq!(cell(&Type::FLOAT8, Some("0.1")), json!(0.1));
        assert_eq!(cell(&Type::FLOAT4, Some("NaN")), json!("NaN"));
        assert_eq!(cell(&Type::FLOAT8, Some("-Infinity")), json!("-Infinity"));
        assert_eq!(
            cell(&Type::NUMERIC, Some("12345678901234567890.000000000001")),
            json!("12345678901234567890.000000000001")
        );
        assert_eq!(cell(&Type::BOOL, Some("t")), json!(true));
        assert_eq!(cell(&Type::JSONB, Some(r#"{"a": [1, null]}"#)), json!({"a": [1, null]}));
        assert_eq!(cell(&Type::BYTEA, Some("\\x00ff10")), json!("AP8Q"));
        assert_eq!(cell(&Type::TEXT, None), Value::Null);
    }

    #[test]
    fn times_become_rfc3339_where_it_can_say_them() {
        assert_eq!(
            cell(&Type::TIMESTAMPTZ, Some("2024-02-29 23:59:59.123456+00")),
            json!("2024-02-29T23:59:59.123456Z")
        );
        assert_eq!(cell(&Type::TIMESTAMPTZ, Some("2024-02-29 23:59:59+05:30")), json!("2024-02-29T23:59:59+05:30"));
        assert_eq!(cell(&Type::TIMESTAMP, Some("1999-01-08 04:05:06")), json!("1999-01-08T04:05:06"));
        assert_eq!(cell(&Type::TIMESTAMP, Some("infinity")), json!("infinity"));
        assert_eq!(cell(&Type::TIMESTAMP, Some("0044-03-15 12:00:00 BC")), json!("0044-03-15 12:00:00 BC"));
        assert_eq!(cell(&Type::TIMESTAMPTZ, Some("12345-01-01 00:00:00+00")), json!("12345-01-01 00:00:00+00"));
        assert_eq!(cell(&Type::TIMETZ, Some("04:05:06.5-08")), json!("04:05:06.5-08:00"));
        assert_eq!(cell(&Type::TIMETZ, Some("04:05:06+00")), json!("04:05:06Z"));
    }

    #[test]
    fn arrays_nest_quote_and_null() {
        assert_eq!(cell(&Type::INT4_ARRAY, Some("{1,2,NULL}")), json!([1, 2, null]));
        assert_eq!(cell(&Type::INT4_ARRAY, Some("{{1,2},{3,4}}")), json!([[1, 2], [3, 4]]));
        assert_eq!(cell(&Type::INT4_ARRAY, Some("[0:1]={7,8}")), json!([7, 8]));
        assert_eq!(
            cell(&Type::TEXT_ARRAY, Some(r#"{"a b","c\"d","NULL",NULL,"é\\"}"#)),
            json!(["a b", "c\"d", "NULL", null, "é\\"])
        );
        assert_eq!(cell(&Type::TEXT_ARRAY, Some("{}")), json!([]));
        assert_eq!(cell(&Type::BOOL_ARRAY, Some("{t,f}")), json!([true, false]));
    }

    #[test]
    fn unreadable_text_stays_text() {
        for bad in ["{1,2", "{1,2}}", "{{{{{{{{1}}}}}}}}", "{\"a}", "[1:2]"] {
            assert_eq!(cell(&Type::INT4_ARRAY, Some(bad)), json!(bad), "{bad}");
        }
        assert_eq!(cell(&Type::BYTEA, Some("\\x0")), json!("\\x0"));
        assert_eq!(cell(&Type::INT4, Some("x")), json!("x"));
    }
}
