//! Checks on the text and its tokens, before any tree is built.
//!
//! These refuse what must never reach a parser or a server whatever it parses to: oversize text,
//! NUL and invisible or bidirectional characters outside string literals, comments the server
//! would execute, and unicode-escaped names. They also cap the number of tokens, which bounds the
//! size of the tree the parser can build.

use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Whitespace};

use crate::code::{Code, Rejection};
use crate::dialect::Dialect;

/// The most tokens (whitespace, comments and commas not counted) a text may hold. A 300-byte
/// analytic query has about 80; an 8 KB one about 2,000. The cap bounds how deep a chain of
/// operators, and so the tree, can get; commas only make lists wider, so they are free.
pub const MAX_TOKENS: usize = 8_192;

/// Checks on the raw text, done before tokenizing.
pub(crate) fn raw_text(sql: &str, dialect: Dialect, max_bytes: usize) -> Result<(), Rejection> {
    if sql.len() > max_bytes {
        return Err(Rejection::new(
            Code::TooLarge,
            format!(
                "the query is {} bytes; the limit is {max_bytes} bytes. Ask for less, or split the question",
                sql.len()
            ),
        ));
    }
    let bytes = sql.as_bytes();
    if bytes.contains(&0) {
        return Err(Rejection::new(Code::ControlCharacter, "the query contains a NUL character; remove it"));
    }
    if dialect.executes_bang_comments() && contains_pair(bytes, b"/*!") {
        return Err(executable_comment());
    }
    if has_unicode_escape(bytes) {
        return Err(Rejection::new(
            Code::UnicodeEscape,
            "the query uses a U& unicode-escaped string or identifier; write the characters themselves",
        ));
    }
    Ok(())
}

/// Checks on the tokens: the token cap, comments, unicode literals, literals that servers and
/// the guard read differently, and invisible characters.
pub(crate) fn tokens(sql: &str, dialect: Dialect, tokens: &[TokenWithSpan]) -> Result<(), Rejection> {
    let mut count = 0usize;
    // The token right before this one, whitespace included, and whether the last token that was
    // not whitespace was a string literal.
    let mut before: Option<&Token> = None;
    let mut after_string = false;
    for t in tokens {
        let token = &t.token;
        if !matches!(token, Token::Whitespace(_)) {
            let string = is_string_literal(token);
            if string && after_string {
                return Err(Rejection::new(
                    Code::UnsupportedSyntax,
                    "two string literals stand side by side ('a' 'b'): MySQL joins them into one, SQLite reads the second as an alias, and the guard cannot promise to send what the server would read; write one literal, or join them with concat() or ||",
                ));
            }
            after_string = string;
        }
        if matches!(token, Token::Word(_)) && matches!(before, Some(Token::Number(..) | Token::HexStringLiteral(_))) {
            return Err(Rejection::new(
                Code::UnsupportedSyntax,
                "a number runs straight into a name (as in `1x` or `0x1Fg`): servers read that as a name, an alias or an error, differently from each other; put a space between them, or quote the name",
            ));
        }
        if matches!(token, Token::HexStringLiteral(_)) && !dialect.reads_0x_as_hex_string() && written_as_0x(sql, t) {
            return Err(Rejection::new(
                Code::UnsupportedSyntax,
                format!("`0x…` is not a byte string in {dialect} (it is a number, or a 0 followed by a name), but it would be sent as X'…'; write the number in decimal, or X'…' for bytes"),
            ));
        }
        before = Some(token);
        match token {
            Token::Whitespace(Whitespace::MultiLineComment(body)) if is_executable_comment(body) => {
                return Err(executable_comment());
            }
            Token::Whitespace(_) | Token::Comma => {}
            // Where servers and sqlparser read a literal's end differently, text the guard takes
            // for a literal could run as code: refuse the known cases outright.
            Token::HexStringLiteral(s) if s.contains('\\') => {
                return Err(Rejection::new(
                    Code::SyntaxError,
                    "a backslash inside a hex literal X'…' is read differently by servers; remove it",
                ));
            }
            Token::DollarQuotedString(d)
                if d.tag.as_deref().is_some_and(|t| t.starts_with(|c: char| c.is_ascii_digit())) =>
            {
                return Err(Rejection::new(
                    Code::SyntaxError,
                    "a dollar-quote tag may not start with a digit ($1 is a parameter); use a tag such as $q$",
                ));
            }
            Token::UnicodeStringLiteral(_) => {
                return Err(Rejection::new(
                    Code::UnicodeEscape,
                    "the query uses a U& unicode-escaped string; write the characters themselves",
                ));
            }
            _ => count += 1,
        }
    }
    if count > MAX_TOKENS {
        return Err(Rejection::new(
            Code::TooComplex,
            format!("the query has {count} tokens; the limit is {MAX_TOKENS}. Simplify it"),
        ));
    }
    invisible_characters(sql, tokens)
}

/// Refuses invisible characters outside string literals. Each one found in the text must lie
/// inside the span of a string-literal token; one in a name, a comment, code, or in text the
/// tokenizer dropped is refused. Positions come from token spans, not token contents, because
/// some literals (`E'\u202e'`) are decoded by the tokenizer.
fn invisible_characters(sql: &str, tokens: &[TokenWithSpan]) -> Result<(), Rejection> {
    if sql.bytes().all(|b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r')) {
        return Ok(());
    }
    let Some(first) = sql.char_indices().find(|&(_, c)| is_invisible(c)) else {
        return Ok(());
    };
    let refuse = |c: char| {
        Rejection::new(
            Code::ControlCharacter,
            format!(
                "the query contains the invisible or control character U+{:04X} outside a string literal; remove it",
                c as u32
            ),
        )
    };
    let lines = LineStarts::new(sql);
    let mut strings = Vec::new();
    for t in tokens.iter().filter(|t| string_body(&t.token).is_some()) {
        match (lines.offset(sql, t.span.start), lines.offset(sql, t.span.end)) {
            (Some(start), Some(end)) => strings.push(start..end),
            _ => return Err(refuse(first.1)),
        }
    }
    for (at, c) in sql.char_indices().filter(|&(_, c)| is_invisible(c)) {
        if !strings.iter().any(|r| r.contains(&at)) {
            return Err(refuse(c));
        }
    }
    Ok(())
}

/// Byte offsets of line starts, to turn the tokenizer's (line, column) into a byte offset. The
/// tokenizer counts lines at `\n` only and columns in characters, from 1.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(sql: &str) -> Self {
        LineStarts(std::iter::once(0).chain(sql.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    fn offset(&self, sql: &str, at: Location) -> Option<usize> {
        let start = *self.0.get(usize::try_from(at.line).ok()?.checked_sub(1)?)?;
        let column = usize::try_from(at.column).ok()?.checked_sub(1)?;
        let rest = &sql[start..];
        match rest.char_indices().nth(column) {
            Some((i, _)) => Some(start + i),
            None if rest.chars().count() == column => Some(sql.len()),
            None => None,
        }
    }
}

/// A literal that a server may join with a string literal next to it.
fn is_string_literal(token: &Token) -> bool {
    string_body(token).is_some()
        || matches!(
            token,
            Token::HexStringLiteral(_)
                | Token::UnicodeStringLiteral(_)
                | Token::QuoteDelimitedStringLiteral(_)
                | Token::NationalQuoteDelimitedStringLiteral(_)
        )
}

/// Whether a hex literal token is written `0x…` rather than `X'…'` (the tokenizer gives both
/// the same token). Looked up only for the rare hex literal.
fn written_as_0x(sql: &str, token: &TokenWithSpan) -> bool {
    let start = LineStarts::new(sql).offset(sql, token.span.start);
    // Without a position, assume the form that is refused.
    start.is_none_or(|at| sql.as_bytes().get(at) == Some(&b'0'))
}

/// The body of a string-literal token, whose raw text may hold any character.
fn string_body(token: &Token) -> Option<&str> {
    match token {
        Token::SingleQuotedString(s)
        | Token::DoubleQuotedString(s)
        | Token::TripleSingleQuotedString(s)
        | Token::TripleDoubleQuotedString(s)
        | Token::SingleQuotedByteStringLiteral(s)
        | Token::DoubleQuotedByteStringLiteral(s)
        | Token::TripleSingleQuotedByteStringLiteral(s)
        | Token::TripleDoubleQuotedByteStringLiteral(s)
        | Token::SingleQuotedRawStringLiteral(s)
        | Token::DoubleQuotedRawStringLiteral(s)
        | Token::TripleSingleQuotedRawStringLiteral(s)
        | Token::TripleDoubleQuotedRawStringLiteral(s)
        | Token::NationalStringLiteral(s)
        | Token::EscapedStringLiteral(s) => Some(s),
        Token::DollarQuotedString(d) => Some(&d.value),
        _ => None,
    }
}

/// Characters that render as nothing, reorder text, or act as control codes: C0 and C1 controls
/// other than tab, newline and carriage return; bidirectional marks, embeddings, overrides and
/// isolates; zero-width and joiner characters; invisible fillers and separators; unusual spaces
/// that look like a plain space; variation selectors and tag characters.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{a0}'
        | '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{1680}'
        | '\u{17b4}' | '\u{17b5}' | '\u{180b}'..='\u{180f}' | '\u{2000}'..='\u{200f}'
        | '\u{2028}'..='\u{202f}' | '\u{205f}'..='\u{206f}' | '\u{2800}' | '\u{3000}' | '\u{3164}'
        | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}'
        | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e0fff}')
}

/// `/*!…` and `/*M!…` are run by MySQL and MariaDB; `/*+…` are optimizer hints.
fn is_executable_comment(body: &str) -> bool {
    let b = body.as_bytes();
    matches!(b.first(), Some(b'!' | b'+')) || (matches!(b.first(), Some(b'M' | b'm')) && b.get(1) == Some(&b'!'))
}

fn executable_comment() -> Rejection {
    Rejection::new(
        Code::ExecutableComment,
        "the query contains an executable comment or optimizer hint (/*! */, /*M! */ or /*+ */); remove it",
    )
}

fn contains_pair(haystack: &[u8], needle: &[u8]) -> bool {
    // A fast search (memchr) for the first byte rules most texts out before the slow scan.
    needle.first().is_some_and(|first| haystack.contains(first)) && haystack.windows(needle.len()).any(|w| w == needle)
}

/// `U&'` or `U&"` (any case) where the `U` starts a word: PostgreSQL reads it as a unicode escape.
fn has_unicode_escape(bytes: &[u8]) -> bool {
    // Most texts hold no `&` at all; finding that out is one fast search (memchr).
    if !bytes.contains(&b'&') {
        return false;
    }
    bytes.windows(3).enumerate().any(|(i, w)| {
        matches!(w[0], b'u' | b'U')
            && w[1] == b'&'
            && matches!(w[2], b'\'' | b'"')
            && (i == 0 || !is_word_byte(bytes[i - 1]))
    })
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_escape_needs_a_word_start() {
        assert!(has_unicode_escape(b"SELECT U&'\\0041'"));
        assert!(has_unicode_escape(b"SELECT * FROM u&\"t\""));
        assert!(!has_unicode_escape(b"SELECT 'menu&' FROM t"));
        assert!(!has_unicode_escape(b"SELECT u & 'x' FROM t"));
    }

    #[test]
    fn executable_comment_bodies() {
        assert!(is_executable_comment("!50000 SELECT"));
        assert!(is_executable_comment("M! x"));
        assert!(is_executable_comment("+ INDEX(t)"));
        assert!(!is_executable_comment(" plain "));
    }

    #[test]
    fn invisible_characters_are_classified() {
        for c in ['\u{202e}', '\u{200b}', '\u{feff}', '\u{2066}', '\u{7}', '\u{a0}', '\u{e0041}'] {
            assert!(is_invisible(c), "{:?}", c);
        }
        for c in ['a', ' ', '\n', '\t', 'é', '中'] {
            assert!(!is_invisible(c), "{:?}", c);
        }
    }
}
