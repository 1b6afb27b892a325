//! The row cap: the outermost query reads at most `max_rows + 1` rows.
//!
//! The cap is written into the tree (never by wrapping the text in a subquery, which breaks on
//! duplicate column names). A missing LIMIT is injected; a larger one, `LIMIT ALL`, `LIMIT NULL`,
//! a parameter or any expression that is not a plain integer is replaced by the cap; a smaller
//! literal is kept; OFFSET is kept. `FETCH FIRST` is clamped the same way, and `WITH TIES` or
//! `PERCENT`, which can return more rows than asked for, become `ONLY`.

use sqlparser::ast::{Expr, LimitClause, Query, Value, ValueWithSpan};
use sqlparser::tokenizer::Span;

use crate::policy::MaxRows;

/// Caps `query` in place and returns the row limit it now carries.
pub(crate) fn cap(query: &mut Query, max_rows: MaxRows) -> u64 {
    let cap = max_rows.limit();
    let mut applied: Option<u64> = None;
    if let Some(fetch) = &mut query.fetch {
        let asked = match &fetch.quantity {
            None => Some(1),
            Some(expr) => literal(expr),
        };
        let rows = match asked {
            Some(n) if n <= cap && !fetch.percent && !fetch.with_ties => n,
            _ => {
                fetch.quantity = Some(number(cap));
                fetch.percent = false;
                fetch.with_ties = false;
                cap
            }
        };
        applied = Some(rows);
    }
    let rows = match &mut query.limit_clause {
        None if applied.is_some() => None,
        None => {
            query.limit_clause =
                Some(LimitClause::LimitOffset { limit: Some(number(cap)), offset: None, limit_by: vec![] });
            Some(cap)
        }
        // `OFFSET n ROWS FETCH …` parses as an offset-only limit clause: FETCH already caps it.
        Some(LimitClause::LimitOffset { limit: None, .. }) if applied.is_some() => None,
        Some(LimitClause::LimitOffset { limit, .. }) => Some(clamp(limit, cap)),
        Some(LimitClause::OffsetCommaLimit { limit, .. }) => {
            let mut slot = Some(std::mem::replace(limit, number(cap)));
            let rows = clamp(&mut slot, cap);
            *limit = slot.unwrap_or_else(|| number(cap));
            Some(rows)
        }
    };
    match (applied, rows) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => cap,
    }
}

/// Keeps a literal limit no larger than the cap; replaces anything else with the cap.
fn clamp(limit: &mut Option<Expr>, cap: u64) -> u64 {
    match limit.as_ref().and_then(literal) {
        Some(n) if n <= cap => n,
        _ => {
            *limit = Some(number(cap));
            cap
        }
    }
}

/// A plain non-negative integer literal, and nothing else.
fn literal(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::Value(ValueWithSpan { value: Value::Number(digits, false), .. })
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            digits.parse().ok()
        }
        _ => None,
    }
}

fn number(n: u64) -> Expr {
    Expr::Value(ValueWithSpan { value: Value::Number(n.to_string(), false), span: Span::empty() })
}
