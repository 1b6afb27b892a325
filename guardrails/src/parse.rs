//! Tokenizing and parsing under the guard's caps, and the check that the text to send parses back
//! to the tree that was checked.
//!
//! Literals keep their raw text (`unescape = false`), so rendering a tree writes each string back
//! as it was written; the connectors pin the session settings that decide how the server reads it.

use std::fmt::Write as _;

use sqlparser::ast::Statement;
use sqlparser::parser::{Parser, ParserError, ParserOptions};
use sqlparser::tokenizer::{Span, TokenWithSpan, Tokenizer, TokenizerError};

use crate::code::{Code, Rejection};
use crate::dialect::Dialect;

/// How deeply the parser may recurse (nested expressions, subqueries, parentheses).
pub const MAX_NESTING: usize = 50;

fn options() -> ParserOptions {
    ParserOptions::new().with_trailing_commas(false).with_unescape(false)
}

/// Splits the text into tokens as the dialect's server would.
pub(crate) fn tokenize(dialect: Dialect, sql: &str) -> Result<Vec<TokenWithSpan>, Rejection> {
    tokens(dialect, sql, |token| token).map_err(|e| {
        Rejection::new(Code::SyntaxError, format!("the query could not be read: {e}; check its quotes and comments"))
    })
}

/// The tokens of `sql`, each passed through `map`.
fn tokens(
    dialect: Dialect,
    sql: &str,
    map: impl FnMut(TokenWithSpan) -> TokenWithSpan,
) -> Result<Vec<TokenWithSpan>, TokenizerError> {
    let mut tokens = Vec::with_capacity(token_capacity(sql));
    Tokenizer::new(dialect.parser(), sql)
        .with_unescape(false)
        .tokenize_with_location_into_buf_with_mapper(&mut tokens, map)?;
    Ok(tokens)
}

/// Room for the tokens of `sql`, whitespace included, so the buffer is not regrown token by
/// token: SQL has about one token per 2.5 bytes (0.36 to 0.46 on the benchmark queries). Bounded
/// by the token cap, so a long string literal does not reserve room for tokens it does not have.
fn token_capacity(sql: &str) -> usize {
    (sql.len() / 2 + 8).min(crate::scan::MAX_TOKENS)
}

/// Parses the tokens of `sql` into statements, with the recursion limit.
///
/// The tree is built without token positions: the parser only copies them into the tree, where
/// nothing reads them and `==` ignores them, and into error messages. Without them, each
/// alternative the parser tries and abandons (it tries several per expression) formats a shorter
/// message. A refusal reads the text again with positions, so that its message says where the
/// error is.
pub(crate) fn statements(
    dialect: Dialect,
    sql: &str,
    mut tokens: Vec<TokenWithSpan>,
) -> Result<Vec<Statement>, Rejection> {
    for token in &mut tokens {
        token.span = Span::empty();
    }
    match parse(dialect, tokens) {
        Ok(statements) => Ok(statements),
        Err(ParserError::RecursionLimitExceeded) => Err(rejection(dialect, ParserError::RecursionLimitExceeded)),
        Err(unlocated) => match tokenize(dialect, sql).map(|tokens| parse(dialect, tokens)) {
            Ok(Err(located)) => Err(rejection(dialect, located)),
            // Read the same way twice, the text cannot parse now; refuse with the first error.
            Ok(Ok(_)) => Err(rejection(dialect, unlocated)),
            Err(rejection) => Err(rejection),
        },
    }
}

fn parse(dialect: Dialect, tokens: Vec<TokenWithSpan>) -> Result<Vec<Statement>, ParserError> {
    Parser::new(dialect.parser())
        .with_options(options())
        .with_recursion_limit(MAX_NESTING)
        .with_tokens_with_locations(tokens)
        .parse_statements()
}

fn rejection(dialect: Dialect, error: ParserError) -> Rejection {
    match error {
        ParserError::RecursionLimitExceeded => {
            Rejection::new(Code::TooComplex, format!("the query nests deeper than {MAX_NESTING} levels; simplify it"))
        }
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => {
            Rejection::new(Code::SyntaxError, format!("the query is not valid {dialect} SQL: {m}"))
        }
    }
}

/// Renders the checked (and capped) statement, then proves that the text parses back to exactly
/// that statement. Nothing else is ever sent to a database.
pub(crate) fn render_verified(
    statement: &Statement,
    dialect: Dialect,
    max_bytes: usize,
    input_len: usize,
) -> Result<String, Rejection> {
    // The rendering is about as long as the input (whitespace normalized, the row cap added):
    // sized once instead of grown by doubling.
    let mut sql = String::with_capacity(input_len + 32);
    write!(sql, "{statement}").expect("writing to a String cannot fail");
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
    // Without positions, as in `statements`; here a failure's message is dropped anyway.
    let tokens =
        tokens(dialect, &sql, |token| TokenWithSpan { span: Span::empty(), ..token }).map_err(|_| unverified())?;
    let reparsed = parse(dialect, tokens).map_err(|_| unverified())?;
    match reparsed.as_slice() {
        [again] if again == statement => Ok(sql),
        _ => Err(unverified()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree is built without positions, but a refusal still says where the error is.
    #[test]
    fn a_syntax_error_says_where_it_is() {
        let sql = "SELECT a\nFROM t WHERE )";
        let tokens = tokenize(Dialect::Postgres, sql).expect("tokens");
        let rejection = statements(Dialect::Postgres, sql, tokens).expect_err("refused");
        assert_eq!(rejection.code, Code::SyntaxError);
        assert!(rejection.message.ends_with("found: ) at Line: 2, Column: 14"), "{}", rejection.message);
    }

    #[test]
    fn positions_are_not_part_of_the_tree() {
        let sql = "SELECT a, count(*) FROM t WHERE b = 'x' GROUP BY a";
        let located = parse(Dialect::Postgres, tokenize(Dialect::Postgres, sql).expect("tokens")).expect("parsed");
        let unlocated = tokens(Dialect::Postgres, sql, |token| TokenWithSpan { span: Span::empty(), ..token });
        assert_eq!(parse(Dialect::Postgres, unlocated.expect("tokens")).expect("parsed"), located);
        let checked = statements(Dialect::Postgres, sql, tokenize(Dialect::Postgres, sql).expect("tokens"));
        assert_eq!(checked.expect("parsed"), located);
    }
}
