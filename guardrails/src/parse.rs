//! Tokenizing and parsing under the guard's caps, and the check that the text to send parses back
//! to the tree that was checked.
//!
//! Literals keep their raw text (`unescape = false`), so rendering a tree writes each string back
//! as it was written; the connectors pin the session settings that decide how the server reads it.

use sqlparser::ast::Statement;
use sqlparser::parser::{Parser, ParserError, ParserOptions};
use sqlparser::tokenizer::{TokenWithSpan, Tokenizer};

use crate::code::{Code, Rejection};
use crate::dialect::Dialect;

/// How deeply the parser may recurse (nested expressions, subqueries, parentheses).
pub const MAX_NESTING: usize = 50;

fn options() -> ParserOptions {
    ParserOptions::new().with_trailing_commas(false).with_unescape(false)
}

/// Splits the text into tokens as the dialect's server would.
pub(crate) fn tokenize(dialect: Dialect, sql: &str) -> Result<Vec<TokenWithSpan>, Rejection> {
    Tokenizer::new(dialect.parser(), sql).with_unescape(false).tokenize_with_location().map_err(|e| {
        Rejection::new(Code::SyntaxError, format!("the query could not be read: {e}; check its quotes and comments"))
    })
}

/// Parses tokens into statements, with the recursion limit.
pub(crate) fn statements(dialect: Dialect, tokens: Vec<TokenWithSpan>) -> Result<Vec<Statement>, Rejection> {
    Parser::new(dialect.parser())
        .with_options(options())
        .with_recursion_limit(MAX_NESTING)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| match e {
            ParserError::RecursionLimitExceeded => Rejection::new(
                Code::TooComplex,
                format!("the query nests deeper than {MAX_NESTING} levels; simplify it"),
            ),
            ParserError::TokenizerError(m) | ParserError::ParserError(m) => {
                Rejection::new(Code::SyntaxError, format!("the query is not valid {dialect} SQL: {m}"))
            }
        })
}

/// Renders the checked (and capped) statement, then proves that the text parses back to exactly
/// that statement. Nothing else is ever sent to a database.
pub(crate) fn render_verified(statement: &Statement, dialect: Dialect, max_bytes: usize) -> Result<String, Rejection> {
    let sql = statement.to_string();
    if sql.len() > max_bytes {
        // Refused here, not on a second check of the emitted text: a verdict must be stable.
        return Err(Rejection::new(
            Code::TooLarge,
            format!("the query with its row limit is {} bytes; the limit is {max_bytes} bytes. Shorten it", sql.len()),
        ));
    }
    let unverified = || {
        Rejection::new(
            Code::RewriteUnverified,
            "the query could not be rewritten with its row limit in a form that reads back the same; simplify its literals or quoting",
        )
    };
    // The rendering must pass the same text checks as the input (it holds no comments at all).
    crate::scan::raw_text(&sql, dialect, max_bytes).map_err(|_| unverified())?;
    let tokens = tokenize(dialect, &sql).map_err(|_| unverified())?;
    let reparsed = statements(dialect, tokens).map_err(|_| unverified())?;
    match reparsed.as_slice() {
        [again] if again == statement => Ok(sql),
        _ => Err(unverified()),
    }
}
