//! The answer's sentence, grounded in the rows: every number and every name a summary states
//! must appear in the rows (or the question, or the column names), or be computed from them —
//! checked here, in code. A summary that fails the check is replaced by [`template`], which is
//! built from the rows and passes by construction.

use serde_json::Value;
use sqlgate_connectors::{Column, CutReason, Truncation};

/// What a summary may be checked against.
pub struct Evidence<'a> {
    /// The question as asked.
    pub question: &'a str,
    /// The result's columns.
    pub columns: &'a [Column],
    /// The rows returned.
    pub rows: &'a [Vec<Value>],
    /// What was cut, if anything.
    pub truncated: Option<Truncation>,
}

/// Cells shown in a one-row answer, and characters per shown value.
const SHOWN_CELLS: usize = 6;
const SHOWN_CHARS: usize = 80;

/// A plain answer built from the rows alone.
pub fn template(evidence: &Evidence<'_>) -> String {
    let rows = evidence.rows;
    let columns = evidence.columns;
    let mut text = match rows {
        [] => return "No rows matched the question.".to_owned(),
        [row] if row.len() == 1 => format!("The answer is {}.", shown(&row[0])),
        [row] => format!("One row: {}.", pairs(columns, row)),
        [first, ..] => {
            let n = rows.len();
            let mut text = match evidence.truncated {
                Some(t) if t.more_rows || t.reason != CutReason::Cells => {
                    format!("Showing the first {n} rows; the result has more.")
                }
                _ => format!("{n} rows."),
            };
            text.push_str(&format!(" The first: {}.", pairs(columns, first)));
            text
        }
    };
    if evidence.truncated.is_some_and(|t| t.cells_truncated > 0) {
        text.push_str(" Some long values are shortened.");
    }
    text
}

/// `name: value` for the first cells of a row.
fn pairs(columns: &[Column], row: &[Value]) -> String {
    let mut parts: Vec<String> =
        columns.iter().zip(row).take(SHOWN_CELLS).map(|(c, v)| format!("{} {}", c.name, shown(v))).collect();
    if row.len() > SHOWN_CELLS {
        parts.push("…".to_owned());
    }
    parts.join(", ")
}

/// A cell as a sentence shows it.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(no value)".to_owned(),
        Value::String(s) if s.chars().count() > SHOWN_CHARS => {
            format!("{}…", s.chars().take(SHOWN_CHARS).collect::<String>())
        }
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Checks that every number and name in `summary` is supported by the evidence; returns the
/// unsupported ones.
pub fn check(summary: &str, evidence: &Evidence<'_>) -> Result<(), Vec<String>> {
    let mut unsupported = Vec::new();
    let facts = Facts::gather(evidence);
    for number in numbers_in(summary) {
        if !facts.supports_number(&number) {
            unsupported.push(number.text);
        }
    }
    for name in names_in(summary) {
        if !facts.text.contains(&name.to_lowercase()) {
            unsupported.push(name);
        }
    }
    if unsupported.is_empty() {
        Ok(())
    } else {
        Err(unsupported)
    }
}

/// `summary` if it passes the check, else the template.
pub fn grounded(summary: Option<String>, evidence: &Evidence<'_>) -> (String, bool) {
    match summary {
        Some(s) if check(&s, evidence).is_ok() => (s, true),
        _ => (template(evidence), false),
    }
}

/// A number as a summary wrote it.
#[derive(Debug)]
struct Number {
    text: String,
    value: f64,
    /// Digits after the decimal point.
    decimals: usize,
}

/// The numbers in a text: digits with optional thousands separators, a decimal part and a sign.
fn numbers_in(text: &str) -> Vec<Number> {
    let chars: Vec<char> = text.chars().collect();
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        let mut decimals = None;
        while i < chars.len() {
            let c = chars[i];
            let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                digits.push(c);
                if let Some(d) = decimals.as_mut() {
                    *d += 1;
                }
            } else if c == ',' && next_digit && decimals.is_none() {
                // A thousands separator.
            } else if c == '.' && next_digit && decimals.is_none() {
                digits.push('.');
                decimals = Some(0);
            } else {
                break;
            }
            i += 1;
        }
        let negative = start > 0 && chars[start - 1] == '-';
        if let Ok(value) = digits.parse::<f64>() {
            let text: String = chars[start..i].iter().collect();
            numbers.push(Number {
                text: if negative { format!("-{text}") } else { text },
                value: if negative { -value } else { value },
                decimals: decimals.unwrap_or(0),
            });
        }
    }
    numbers
}

/// Words a sentence may capitalise that name nothing in the data.
const PLAIN_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "i",
    "it",
    "its",
    "there",
    "this",
    "that",
    "these",
    "those",
    "no",
    "none",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "each",
    "every",
    "all",
    "some",
    "most",
    "total",
    "overall",
    "in",
    "on",
    "of",
    "for",
    "and",
    "or",
    "by",
    "with",
    "from",
    "to",
    "at",
    "as",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "showing",
    "shown",
    "first",
    "last",
    "top",
    "answer",
    "result",
    "results",
    "row",
    "rows",
    "column",
    "columns",
    "count",
    "average",
    "sum",
    "minimum",
    "maximum",
    "highest",
    "lowest",
    "largest",
    "smallest",
    "least",
    "more",
    "fewer",
    "less",
    "than",
    "only",
    "also",
    "not",
    "yes",
    "true",
    "false",
    "null",
    "note",
    "however",
    "overall",
    "based",
    "according",
    "data",
    "query",
    "returned",
    "matched",
    "found",
    "we",
    "you",
    "they",
    "he",
    "she",
    "his",
    "her",
    "their",
    "our",
    "my",
    "what",
    "which",
    "who",
    "how",
    "when",
    "where",
    "why",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Names a summary states: quoted text, and capitalised words that are not plain words.
fn names_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for quote in ['"', '“', '«', '`'] {
        let close = match quote {
            '“' => '”',
            '«' => '»',
            q => q,
        };
        let mut rest = text;
        while let Some(open) = rest.find(quote) {
            let after = &rest[open + quote.len_utf8()..];
            let Some(end) = after.find(close) else { break };
            let inner = after[..end].trim();
            if !inner.is_empty() {
                names.push(inner.to_owned());
            }
            rest = &after[end + close.len_utf8()..];
        }
    }
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-')) {
        let word = word.trim_matches(|c: char| c == '\'' || c == '-');
        let Some(first) = word.chars().next() else { continue };
        if first.is_uppercase() && !PLAIN_WORDS.contains(&word.to_lowercase().as_str()) {
            names.push(word.to_owned());
        }
    }
    names
}

/// What the evidence holds: its text (lowercased) and the numbers it gives or computes.
struct Facts {
    text: String,
    numbers: Vec<f64>,
}

impl Facts {
    fn gather(evidence: &Evidence<'_>) -> Self {
        let mut text = evidence.question.to_lowercase();
        let mut numbers = vec![evidence.rows.len() as f64, evidence.columns.len() as f64];
        for column in evidence.columns {
            text.push('\n');
            text.push_str(&column.name.to_lowercase());
        }
        numbers.extend(numbers_in(evidence.question).iter().map(|n| n.value));
        for (c, _) in evidence.columns.iter().enumerate() {
            let mut values = Vec::new();
            for row in evidence.rows {
                match row.get(c) {
                    Some(Value::Number(n)) => {
                        if let Some(v) = n.as_f64() {
                            values.push(v);
                        }
                    }
                    Some(Value::String(s)) => {
                        text.push('\n');
                        text.push_str(&s.to_lowercase());
                        numbers.extend(numbers_in(s).iter().map(|n| n.value));
                        if let Ok(v) = s.trim().parse::<f64>() {
                            values.push(v);
                        }
                    }
                    Some(Value::Bool(b)) => {
                        text.push('\n');
                        text.push_str(if *b { "true" } else { "false" });
                    }
                    _ => {}
                }
            }
            if !values.is_empty() {
                let sum: f64 = values.iter().sum();
                let max = values.iter().copied().fold(f64::MIN, f64::max);
                let min = values.iter().copied().fold(f64::MAX, f64::min);
                numbers.extend([sum, sum / values.len() as f64, max, min, max - min]);
                numbers.extend(values);
            }
        }
        Facts { text, numbers }
    }

    /// Whether a stated number is one of the facts, as rounded to the decimals it was stated with
    /// (a percentage of two facts counts too).
    fn supports_number(&self, number: &Number) -> bool {
        let scale = 10f64.powi(number.decimals.min(6) as i32);
        let same = |v: f64| (v * scale).round() == (number.value * scale).round() || v == number.value;
        self.numbers.iter().any(|&v| same(v))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sqlgate_connectors::Column;

    use super::*;

    fn columns(names: &[&str]) -> Vec<Column> {
        names.iter().map(|n| Column { name: (*n).to_owned(), type_name: "text".to_owned() }).collect()
    }

    fn evidence<'a>(question: &'a str, columns: &'a [Column], rows: &'a [Vec<Value>]) -> Evidence<'a> {
        Evidence { question, columns, rows, truncated: None }
    }

    #[test]
    fn a_summary_that_invents_a_number_is_caught() {
        let cols = columns(&["country", "orders"]);
        let rows = vec![vec![json!("France"), json!(120)], vec![json!("Spain"), json!(80)]];
        let e = evidence("orders per country", &cols, &rows);
        assert_eq!(check("France has 120 orders and Spain 80.", &e), Ok(()));
        assert_eq!(check("In total there are 200 orders.", &e), Ok(()), "a sum is computed from the rows");
        assert_eq!(check("France has 130 orders.", &e), Err(vec!["130".to_owned()]));
        assert_eq!(check("The average is 100.0 orders.", &e), Ok(()));
        assert_eq!(check("The average is 101 orders.", &e), Err(vec!["101".to_owned()]));
    }

    #[test]
    fn a_summary_that_invents_a_name_is_caught() {
        let cols = columns(&["country", "orders"]);
        let rows = vec![vec![json!("France"), json!(120)]];
        let e = evidence("which country ordered most?", &cols, &rows);
        assert_eq!(check("France ordered most.", &e), Ok(()));
        assert_eq!(check("Germany ordered most.", &e), Err(vec!["Germany".to_owned()]));
        assert_eq!(check("The top customer is \"acme ltd\".", &e), Err(vec!["acme ltd".to_owned()]));
    }

    #[test]
    fn numbers_are_read_with_separators_decimals_and_signs() {
        let found: Vec<(String, f64, usize)> =
            numbers_in("1,234.5 and -7, v2 not, 3.").into_iter().map(|n| (n.text, n.value, n.decimals)).collect();
        assert_eq!(found, vec![("1,234.5".into(), 1234.5, 1), ("-7".into(), -7.0, 0), ("3".into(), 3.0, 0)]);
        let cols = columns(&["revenue"]);
        let rows = vec![vec![json!(1234.5678)]];
        let e = evidence("revenue", &cols, &rows);
        assert_eq!(check("Revenue was 1,234.57.", &e), Ok(()), "rounded as stated");
        assert!(check("Revenue was 1,234.56.", &e).is_err());
    }

    #[test]
    fn templates_pass_their_own_check() {
        let cols = columns(&["name", "total"]);
        let many: Vec<Vec<Value>> = (0..20).map(|i| vec![json!(format!("Item {i}")), json!(i * 3)]).collect();
        let one = vec![vec![json!(42)]];
        let pair = vec![vec![json!("Zed"), json!(9.5)]];
        let cut = Truncation { reason: CutReason::Rows, rows_returned: 20, more_rows: true, cells_truncated: 0 };
        let cases = [
            Evidence { question: "q", columns: &cols, rows: &many, truncated: Some(cut) },
            Evidence { question: "q", columns: &cols[..1], rows: &one, truncated: None },
            Evidence { question: "q", columns: &cols, rows: &pair, truncated: None },
            Evidence { question: "q", columns: &cols, rows: &[], truncated: None },
        ];
        for e in &cases {
            let text = template(e);
            assert_eq!(check(&text, e), Ok(()), "{text}");
        }
        assert_eq!(
            template(&cases[0]),
            "Showing the first 20 rows; the result has more. The first: name Item 0, total 0."
        );
        assert_eq!(template(&cases[1]), "The answer is 42.");
        assert_eq!(template(&cases[3]), "No rows matched the question.");
    }

    #[test]
    fn an_unsupported_summary_is_replaced_by_the_template() {
        let cols = columns(&["n"]);
        let rows = vec![vec![json!(7)]];
        let e = evidence("how many?", &cols, &rows);
        assert_eq!(grounded(Some("There are 7.".into()), &e), ("There are 7.".to_owned(), true));
        assert_eq!(grounded(Some("There are 8.".into()), &e), ("The answer is 7.".to_owned(), false));
        assert_eq!(grounded(None, &e).0, "The answer is 7.");
    }
}
