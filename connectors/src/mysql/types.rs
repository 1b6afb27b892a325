//! MySQL/MariaDB result values as JSON, read from the binary protocol's column type, flags and
//! character set (63 is `binary`). Every value has a JSON form; a type this module does not know
//! becomes its text (or base64, for binary data), never a panic or a dropped column.
//!
//! | column | JSON |
//! |---|---|
//! | `TINYINT` … `BIGINT`, signed or `UNSIGNED`; `YEAR` | number (exact, up to 18446744073709551615) |
//! | `DECIMAL` | string, exact (`"12.30"`) |
//! | `FLOAT`, `DOUBLE` | number (`FLOAT` printed as its shortest `f32` text, so 0.1 stays 0.1) |
//! | `DATE` | `"YYYY-MM-DD"` |
//! | `DATETIME` | `"YYYY-MM-DDTHH:MM:SS[.ffffff]"` (fraction digits as the column declares) |
//! | `TIMESTAMP` | the same with `Z` (sessions run at `time_zone = '+00:00'`) |
//! | `TIME` | `"[-]HHH:MM:SS[.ffffff]"`, hours past 24 and negative values as MySQL prints them |
//! | zero or partial dates (`0000-00-00`) | their MySQL text, with a space before the time |
//! | `BIT(n)` | unsigned number |
//! | `BINARY`, `VARBINARY`, `BLOB`, `GEOMETRY` | base64 string |
//! | `CHAR`, `VARCHAR`, `TEXT`, `ENUM` | string |
//! | `SET` | array of strings |
//! | `JSON` | parsed JSON (MySQL: column type 245; MariaDB: a `LONGTEXT` column with its `json_valid` check) |
//! | `NULL` | null |

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::Value;
use serde_json::Value as Json;

/// The `binary` character set's number: its text columns are bytes.
const BINARY_CHARSET: u16 = 63;

/// How a column's values become JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Integers and `YEAR`.
    Integer,
    /// `DECIMAL`: exact text.
    Decimal,
    /// `FLOAT` (`f32`).
    Float,
    /// `DOUBLE`.
    Double,
    /// `DATE`.
    Date,
    /// `DATETIME`.
    DateTime,
    /// `TIMESTAMP`, in UTC.
    Timestamp,
    /// `TIME`.
    Time,
    /// `BIT(n)`.
    Bit,
    /// Text in the connection's character set (utf8mb4).
    Text,
    /// Bytes: base64.
    Binary,
    /// JSON text, parsed.
    Json,
    /// `SET`: comma-separated members.
    Set,
    /// The literal `NULL` type.
    Null,
    /// A type mysql_async cannot decode in a result row (it would panic): refused before rows are
    /// read.
    Unsupported,
}

/// One result column as the connector reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ResultColumn {
    /// The column's name.
    pub name: String,
    /// The lower-case type name reported to callers.
    pub type_name: String,
    /// How values become JSON.
    pub kind: Kind,
    /// Declared fractional-second digits, for temporal types.
    pub decimals: u8,
}

/// Where a column's values come from, for the MariaDB JSON lookup.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct ColumnOrigin {
    /// The database of the table the column was read from.
    pub schema: String,
    /// The table (its real name, not an alias).
    pub table: String,
    /// The column's real name.
    pub column: String,
}

/// Whether values of this column could be MariaDB JSON: text of a `LONGTEXT`-family column read
/// straight from a table. Returns where it comes from, to look its check constraint up.
pub(super) fn json_candidate(column: &mysql_async::Column) -> Option<ColumnOrigin> {
    let blob_family = matches!(
        column.column_type(),
        ColumnType::MYSQL_TYPE_BLOB
            | ColumnType::MYSQL_TYPE_TINY_BLOB
            | ColumnType::MYSQL_TYPE_MEDIUM_BLOB
            | ColumnType::MYSQL_TYPE_LONG_BLOB
    );
    let origin = ColumnOrigin {
        schema: column.schema_str().into_owned(),
        table: column.org_table_str().into_owned(),
        column: column.org_name_str().into_owned(),
    };
    let from_table = !origin.schema.is_empty() && !origin.table.is_empty() && !origin.column.is_empty();
    (blob_family && column.character_set() != BINARY_CHARSET && from_table).then_some(origin)
}

/// Describes a result column. `is_json` says that the column is known to hold JSON (MariaDB's
/// `JSON` alias, found through its check constraint).
pub(super) fn describe(column: &mysql_async::Column, is_json: bool) -> ResultColumn {
    use ColumnType::*;
    let flags = column.flags();
    let binary = column.character_set() == BINARY_CHARSET;
    let unsigned = flags.contains(ColumnFlags::UNSIGNED_FLAG);
    let integer = |name: &str| {
        let name = if unsigned { format!("{name} unsigned") } else { name.to_owned() };
        (name, Kind::Integer)
    };
    let fixed = |name: &str, kind: Kind| (name.to_owned(), kind);
    let (type_name, kind) = match column.column_type() {
        MYSQL_TYPE_TINY => integer("tinyint"),
        MYSQL_TYPE_SHORT => integer("smallint"),
        MYSQL_TYPE_INT24 => integer("mediumint"),
        MYSQL_TYPE_LONG => integer("int"),
        MYSQL_TYPE_LONGLONG => integer("bigint"),
        MYSQL_TYPE_YEAR => fixed("year", Kind::Integer),
        MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => fixed("decimal", Kind::Decimal),
        MYSQL_TYPE_FLOAT => fixed("float", Kind::Float),
        MYSQL_TYPE_DOUBLE => fixed("double", Kind::Double),
        MYSQL_TYPE_NULL => fixed("null", Kind::Null),
        MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => fixed("date", Kind::Date),
        MYSQL_TYPE_DATETIME => fixed("datetime", Kind::DateTime),
        MYSQL_TYPE_TIMESTAMP => fixed("timestamp", Kind::Timestamp),
        MYSQL_TYPE_TIME => fixed("time", Kind::Time),
        MYSQL_TYPE_BIT => fixed("bit", Kind::Bit),
        MYSQL_TYPE_JSON => fixed("json", Kind::Json),
        // ENUM and SET arrive as MYSQL_TYPE_STRING with a flag; the flags win over the type.
        _ if flags.contains(ColumnFlags::ENUM_FLAG) => fixed("enum", Kind::Text),
        _ if flags.contains(ColumnFlags::SET_FLAG) => fixed("set", Kind::Set),
        MYSQL_TYPE_ENUM => fixed("enum", Kind::Text),
        MYSQL_TYPE_SET => fixed("set", Kind::Set),
        MYSQL_TYPE_TINY_BLOB | MYSQL_TYPE_MEDIUM_BLOB | MYSQL_TYPE_LONG_BLOB | MYSQL_TYPE_BLOB => {
            if binary {
                fixed("blob", Kind::Binary)
            } else if is_json {
                fixed("json", Kind::Json)
            } else {
                fixed("text", Kind::Text)
            }
        }
        MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING => {
            if binary {
                fixed("varbinary", Kind::Binary)
            } else {
                fixed("varchar", Kind::Text)
            }
        }
        MYSQL_TYPE_STRING => {
            if binary {
                fixed("binary", Kind::Binary)
            } else {
                fixed("char", Kind::Text)
            }
        }
        MYSQL_TYPE_GEOMETRY => fixed("geometry", Kind::Binary),
        MYSQL_TYPE_VECTOR => fixed("vector", Kind::Binary),
        // Internal and replication-only types: mysql_common's binary row decoder has no arm for
        // them (`unimplemented!` in Value::deserialize_bin), so rows must never be read.
        MYSQL_TYPE_TIMESTAMP2
        | MYSQL_TYPE_DATETIME2
        | MYSQL_TYPE_TIME2
        | MYSQL_TYPE_TYPED_ARRAY
        | MYSQL_TYPE_UNKNOWN => fixed("unknown", Kind::Unsupported),
    };
    ResultColumn { name: column.name_str().into_owned(), type_name, kind, decimals: column.decimals() }
}

/// One value as JSON. `max_cell_bytes` is the cell cap: JSON documents larger than it are given
/// as text, so the budget can cut them visibly instead of dropping the whole row.
pub(super) fn cell(value: Option<Value>, column: &ResultColumn, max_cell_bytes: usize) -> Json {
    let Some(value) = value else { return Json::Null };
    match value {
        Value::NULL => Json::Null,
        Value::Int(i) => Json::from(i),
        Value::UInt(u) => Json::from(u),
        Value::Float(f) => float32(f),
        Value::Double(d) => float64(d),
        Value::Date(year, month, day, hour, minute, second, micros) => Json::String(date(
            column,
            [year, month.into(), day.into(), hour.into(), minute.into(), second.into()],
            micros,
        )),
        Value::Time(negative, days, hours, minutes, seconds, micros) => {
            let hours = u64::from(days) * 24 + u64::from(hours);
            let sign = if negative { "-" } else { "" };
            let mut text = format!("{sign}{hours:02}:{minutes:02}:{seconds:02}");
            text.push_str(&fraction(column.decimals, micros));
            Json::String(text)
        }
        Value::Bytes(bytes) => bytes_cell(bytes, column, max_cell_bytes),
    }
}

/// A value the server sent as bytes, read by the column's kind.
fn bytes_cell(bytes: Vec<u8>, column: &ResultColumn, max_cell_bytes: usize) -> Json {
    match column.kind {
        Kind::Binary => Json::String(BASE64.encode(bytes)),
        Kind::Bit if bytes.len() <= 8 => Json::from(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))),
        Kind::Bit => Json::String(BASE64.encode(bytes)),
        Kind::Json if bytes.len() <= max_cell_bytes => {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Json::String(text(bytes)))
        }
        Kind::Set => {
            let members = text(bytes);
            if members.is_empty() {
                Json::Array(Vec::new())
            } else {
                Json::Array(members.split(',').map(|m| Json::String(m.to_owned())).collect())
            }
        }
        // Decimals, text, enums, oversized JSON, and anything a server sends as bytes for a type
        // read otherwise: text.
        _ => Json::String(text(bytes)),
    }
}

/// Text in the session's utf8mb4; bytes that are not UTF-8 (a server bug) are replaced, not lost.
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// An `f32` as the number its shortest text names: 0.1f32 is 0.100000001490116… as an `f64`,
/// but the column holds "0.1".
fn float32(f: f32) -> Json {
    if !f.is_finite() {
        return Json::String(f.to_string());
    }
    f.to_string().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Json::Null, Json::Number)
}

/// A `DOUBLE` as a JSON number (a non-finite one, which MySQL cannot store, as text).
fn float64(d: f64) -> Json {
    serde_json::Number::from_f64(d).map_or_else(|| Json::String(d.to_string()), Json::Number)
}

/// A `DATE`, `DATETIME` or `TIMESTAMP` value. `parts` is year, month, day, hour, minute, second.
fn date(column: &ResultColumn, parts: [u16; 6], micros: u32) -> String {
    let [year, month, day, hour, minute, second] = parts;
    let day_part = format!("{year:04}-{month:02}-{day:02}");
    let time_part = format!("{hour:02}:{minute:02}:{second:02}{}", fraction(column.decimals, micros));
    // MySQL allows zero dates and zero parts (`0000-00-00`, `2024-00-10`): not ISO dates, so they
    // keep MySQL's own text.
    let calendar = month != 0 && day != 0;
    match column.kind {
        Kind::Date => day_part,
        Kind::Timestamp if calendar => format!("{day_part}T{time_part}Z"),
        _ if calendar => format!("{day_part}T{time_part}"),
        _ => format!("{day_part} {time_part}"),
    }
}

/// `.ffffff` to the declared number of digits (none for 0; all six when the server declares no
/// fixed number, as for some expressions, and there is a fraction).
fn fraction(decimals: u8, micros: u32) -> String {
    let digits = match decimals {
        0 => return String::new(),
        1..=6 => usize::from(decimals),
        _ if micros == 0 => return String::new(),
        _ => 6,
    };
    let six = format!("{micros:06}");
    format!(".{}", &six[..digits.min(six.len())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn column(kind: Kind, decimals: u8) -> ResultColumn {
        ResultColumn { name: "c".into(), type_name: "t".into(), kind, decimals }
    }

    #[test]
    fn floats_keep_their_shortest_text() {
        assert_eq!(float32(0.1), json!(0.1));
        assert_eq!(float32(-3.25), json!(-3.25));
        assert_eq!(float32(f32::NAN), json!("NaN"));
        assert_eq!(float64(0.1), json!(0.1));
    }

    #[test]
    fn temporal_values_print_as_the_column_declares() {
        let dt = column(Kind::DateTime, 6);
        assert_eq!(cell(Some(Value::Date(2024, 2, 29, 13, 5, 9, 120)), &dt, 100), json!("2024-02-29T13:05:09.000120"));
        let ts = column(Kind::Timestamp, 0);
        assert_eq!(cell(Some(Value::Date(2024, 2, 29, 13, 5, 9, 0)), &ts, 100), json!("2024-02-29T13:05:09Z"));
        assert_eq!(cell(Some(Value::Date(0, 0, 0, 0, 0, 0, 0)), &ts, 100), json!("0000-00-00 00:00:00"));
        let d = column(Kind::Date, 0);
        assert_eq!(cell(Some(Value::Date(0, 0, 0, 0, 0, 0, 0)), &d, 100), json!("0000-00-00"));
        let t = column(Kind::Time, 3);
        assert_eq!(cell(Some(Value::Time(true, 34, 22, 59, 59, 500_000)), &t, 100), json!("-838:59:59.500"));
        assert_eq!(cell(Some(Value::Time(false, 0, 0, 0, 0, 0)), &column(Kind::Time, 0), 100), json!("00:00:00"));
        assert_eq!(fraction(31, 0), "");
        assert_eq!(fraction(31, 5), ".000005");
    }

    #[test]
    fn bytes_follow_the_column_kind() {
        assert_eq!(cell(Some(Value::Bytes(vec![0x01, 0x02])), &column(Kind::Bit, 0), 100), json!(258));
        assert_eq!(cell(Some(Value::Bytes(vec![0xff, 0])), &column(Kind::Binary, 0), 100), json!("/wA="));
        assert_eq!(cell(Some(Value::Bytes(b"a,b".to_vec())), &column(Kind::Set, 0), 100), json!(["a", "b"]));
        assert_eq!(cell(Some(Value::Bytes(Vec::new())), &column(Kind::Set, 0), 100), json!([]));
        assert_eq!(cell(Some(Value::Bytes(b"{\"a\":1}".to_vec())), &column(Kind::Json, 0), 100), json!({"a": 1}));
        assert_eq!(cell(Some(Value::Bytes(b"{\"a\":1}".to_vec())), &column(Kind::Json, 0), 4), json!("{\"a\":1}"));
        assert_eq!(cell(Some(Value::Bytes(b"not json".to_vec())), &column(Kind::Json, 0), 100), json!("not json"));
        assert_eq!(cell(Some(Value::Bytes(vec![b'a', 0xff])), &column(Kind::Text, 0), 100), json!("a\u{fffd}"));
        assert_eq!(cell(None, &column(Kind::Text, 0), 100), Json::Null);
    }
}
