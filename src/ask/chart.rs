//! The chart of an answer: whether a result can be drawn, and how. A chart repeats the rows; it
//! must never say more than they do, so a result is drawn only when its shape leaves one reading:
//!
//! - exactly two columns: one **label** column (every value text, such as a category, a name, a
//!   day or a month) and one **measure** column (every value a number: a JSON number, or the exact
//!   decimal text PostgreSQL and MySQL send for `numeric`/`decimal` columns); a third column would
//!   leave open which two to draw;
//! - at least two rows (one bar says nothing the answer's sentence does not), at least one of them
//!   with a value;
//! - every label different: the rows are a breakdown, one bar per label (repeated labels would be
//!   drawn as separate bars of the same name, and read as a breakdown they are not);
//! - the measure is not an identifier (a column named `id` or `…_id`): the size of an id means
//!   nothing.
//!
//! Labels that are dates or times (by the column's type, or every label written as one:
//! `2026`, `2026-11`, `2026-11-24`, `2026-11-24T10:00…`) are a series, drawn as columns in the
//! order of the rows (the SQL's `ORDER BY`); anything else is categories, drawn as horizontal
//! bars, first row on top. A null label reads `null`; a null measure gets no bar.

use serde::Serialize;
use serde_json::Value;
use sqlgate_connectors::Column;

use crate::charts::{self, ChartError};

/// How a chartable result is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// Horizontal bars, one per category.
    Bars,
    /// Vertical columns in time order.
    Columns,
}

/// Which columns a chart draws, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The label column's index.
    pub label: usize,
    /// The measure column's index.
    pub measure: usize,
    /// Bars or columns.
    pub shape: Shape,
}

/// A drawn chart, as an answer carries it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AnswerChart {
    /// `bars` (categories) or `columns` (a series in time).
    pub shape: Shape,
    /// The label column's name.
    pub label_column: String,
    /// The measure column's name.
    pub value_column: String,
    /// A text alternative naming what is drawn (for `alt`).
    pub alt: String,
    /// The chart, an SVG document (show it as an image, e.g. `data:image/svg+xml;base64,…`).
    pub svg: String,
}

/// Type names (parts of) whose text values are numbers.
const NUMERIC_TYPES: [&str; 6] = ["int", "numeric", "decimal", "float", "double", "real"];
/// Type names (parts of) whose values are dates or times.
const TIME_TYPES: [&str; 2] = ["date", "time"];

/// The chart a result allows, if any (see the module's rule).
pub fn plan(columns: &[Column], rows: &[Vec<Value>]) -> Option<Plan> {
    if columns.len() != 2 || rows.len() < 2 || rows.iter().any(|r| r.len() != 2) {
        return None;
    }
    let measures: Vec<usize> = (0..2).filter(|&i| is_measure(&columns[i], rows, i)).collect();
    let labels: Vec<usize> = (0..2).filter(|&i| is_label(&columns[i], rows, i)).collect();
    let (&[measure], &[label]) = (measures.as_slice(), labels.as_slice()) else { return None };
    if measure == label || is_identifier(&columns[measure].name) {
        return None;
    }
    if rows.iter().all(|r| number(&columns[measure], &r[measure]).is_none()) {
        return None;
    }
    let mut seen: Vec<&Value> = Vec::with_capacity(rows.len());
    for row in rows {
        if seen.contains(&&row[label]) {
            return None;
        }
        seen.push(&row[label]);
    }
    let times =
        has_type(&columns[label], &TIME_TYPES) || rows.iter().all(|r| r[label].as_str().is_some_and(looks_like_time));
    Some(Plan { label, measure, shape: if times { Shape::Columns } else { Shape::Bars } })
}

/// The chart of a result, when [`plan`] allows one.
pub fn draw(columns: &[Column], rows: &[Vec<Value>]) -> Option<Result<AnswerChart, ChartError>> {
    let plan = plan(columns, rows)?;
    let (label, measure) = (&columns[plan.label], &columns[plan.measure]);
    let items: Vec<(String, f64)> = rows
        .iter()
        .map(|r| {
            let text = match &r[plan.label] {
                Value::String(s) => s.clone(),
                Value::Null => "null".to_owned(),
                other => other.to_string(),
            };
            (text, number(measure, &r[plan.measure]).unwrap_or(f64::NAN))
        })
        .collect();
    let title = format!("{} by {}", measure.name, label.name);
    let (svg, alt) = match plan.shape {
        Shape::Bars => (charts::bars(&title, &items), format!("Bar chart of {} by {}", measure.name, label.name)),
        Shape::Columns => {
            (charts::columns(&title, &items), format!("Column chart of {} over {}", measure.name, label.name))
        }
    };
    let alt = format!("{alt}, {} rows; the table has the same numbers.", rows.len());
    Some(svg.map(|svg| AnswerChart {
        shape: plan.shape,
        label_column: label.name.clone(),
        value_column: measure.name.clone(),
        alt,
        svg,
    }))
}

/// Every value a number (or null), at least one not null.
fn is_measure(column: &Column, rows: &[Vec<Value>], i: usize) -> bool {
    rows.iter().all(|r| r[i].is_null() || number(column, &r[i]).is_some()) && rows.iter().any(|r| !r[i].is_null())
}

/// Every value text (or null), and the column not a number type.
fn is_label(column: &Column, rows: &[Vec<Value>], i: usize) -> bool {
    !has_type(column, &NUMERIC_TYPES) && rows.iter().all(|r| r[i].is_null() || r[i].is_string())
}

/// A cell as a number: a JSON number, or decimal text in a number-typed column.
fn number(column: &Column, value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().or_else(|| n.to_string().parse().ok()),
        Value::String(s) if has_type(column, &NUMERIC_TYPES) => s.trim().parse().ok(),
        _ => None,
    }
}

fn has_type(column: &Column, parts: &[&str]) -> bool {
    let name = column.type_name.to_ascii_lowercase();
    parts.iter().any(|part| name.contains(part))
}

fn is_identifier(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "id" || name.ends_with("_id")
}

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally followed by a time (`T…` or ` …`).
fn looks_like_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !digits(0..4) {
        return false;
    }
    match b.len() {
        4 => true,
        7 => b[4] == b'-' && digits(5..7),
        10 => b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
        n if n > 10 => b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10) && matches!(b[10], b'T' | b' '),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cols(list: &[(&str, &str)]) -> Vec<Column> {
        list.iter().map(|(n, t)| Column { name: n.to_string(), type_name: t.to_string() }).collect()
    }

    fn rows(value: Value) -> Vec<Vec<Value>> {
        value.as_array().unwrap().iter().map(|r| r.as_array().unwrap().clone()).collect()
    }

    #[test]
    fn a_category_and_a_count_are_bars_in_either_order() {
        let c = cols(&[("segment", "text"), ("count(*)", "dynamic")]);
        let r = rows(json!([["Enterprise", 12], ["SMB", 30], ["Consumer", 7]]));
        assert_eq!(plan(&c, &r), Some(Plan { label: 0, measure: 1, shape: Shape::Bars }));
        let c = cols(&[("total", "int8"), ("country", "text")]);
        let r = rows(json!([[3, "France"], [1, "Spain"]]));
        assert_eq!(plan(&c, &r), Some(Plan { label: 1, measure: 0, shape: Shape::Bars }));
    }

    #[test]
    fn days_months_and_time_typed_labels_are_a_series() {
        let c = cols(&[("month", "text"), ("revenue", "numeric")]);
        // PostgreSQL's numeric arrives as exact decimal text.
        let r = rows(json!([["2026-09", "10.50"], ["2026-10", "12.00"], ["2026-11", null]]));
        assert_eq!(plan(&c, &r), Some(Plan { label: 0, measure: 1, shape: Shape::Columns }));
        let c = cols(&[("day", "date"), ("orders", "int4")]);
        let r = rows(json!([["Monday", 1], ["Tuesday", 2]]));
        assert_eq!(plan(&c, &r).map(|p| p.shape), Some(Shape::Columns), "a date-typed column");
        let c = cols(&[("at", "dynamic"), ("n", "dynamic")]);
        let r = rows(json!([["2026-11-24T10:00:00Z", 1], ["2026-11-24 11:00:00", 2]]));
        assert_eq!(plan(&c, &r).map(|p| p.shape), Some(Shape::Columns));
        for text in ["2026", "2026-11", "2026-11-24", "2026-11-24T10:00"] {
            assert!(looks_like_time(text), "{text}");
        }
        for text in ["20261", "2026-1", "Q1 2026", "2026/11/24", "2026-11-24x", ""] {
            assert!(!looks_like_time(text), "{text}");
        }
    }

    #[test]
    fn results_with_no_single_reading_get_no_chart() {
        let two = cols(&[("segment", "text"), ("n", "int4")]);
        // One row; no rows.
        assert_eq!(plan(&two, &rows(json!([["A", 1]]))), None);
        assert_eq!(plan(&two, &[]), None);
        // Three columns; one column.
        let three = cols(&[("a", "text"), ("b", "text"), ("n", "int4")]);
        assert_eq!(plan(&three, &rows(json!([["x", "y", 1], ["z", "w", 2]]))), None);
        assert_eq!(plan(&cols(&[("n", "int4")]), &rows(json!([[1], [2]]))), None);
        // Two numbers, two texts.
        let numbers = cols(&[("year", "int4"), ("n", "int4")]);
        assert_eq!(plan(&numbers, &rows(json!([[2025, 1], [2026, 2]]))), None);
        let texts = cols(&[("a", "text"), ("b", "text")]);
        assert_eq!(plan(&texts, &rows(json!([["x", "1"], ["y", "2"]]))), None, "text that looks like numbers");
        // A repeated label; an identifier as the measure; no value at all; a mixed column.
        assert_eq!(plan(&two, &rows(json!([["A", 1], ["A", 2]]))), None);
        let ids = cols(&[("name", "text"), ("customer_id", "int4")]);
        assert_eq!(plan(&ids, &rows(json!([["Ada", 1], ["Bob", 2]]))), None);
        assert_eq!(plan(&two, &rows(json!([["A", null], ["B", null]]))), None);
        assert_eq!(plan(&two, &rows(json!([["A", 1], ["B", "two"]]))), None);
        assert_eq!(plan(&two, &rows(json!([["A", 1], [true, 2]]))), None);
    }

    #[test]
    fn nulls_are_named_and_the_chart_says_what_it_draws() {
        let c = cols(&[("segment", "text"), ("customers", "integer")]);
        let r = rows(json!([["<script>x</script>", 3], [null, 2], ["C", null]]));
        let chart = draw(&c, &r).unwrap().unwrap();
        assert_eq!(
            (chart.shape, chart.label_column.as_str(), chart.value_column.as_str()),
            (Shape::Bars, "segment", "customers")
        );
        assert_eq!(chart.alt, "Bar chart of customers by segment, 3 rows; the table has the same numbers.");
        assert!(chart.svg.contains("&lt;script&gt;x") && !chart.svg.contains("<script"), "{}", chart.svg);
        assert!(chart.svg.contains(">\nnull\n<") && chart.svg.contains("no value"), "{}", chart.svg);
        assert!(draw(&c, &r[..1]).is_none());
    }
}
