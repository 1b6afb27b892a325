//! What a connector allows: dialect, row cap, exposed relations and callable functions.
//!
//! Every value here is parsed once at the boundary (`Dialect::from_str`, `MaxRows::new`,
//! `RelationName::parse`) and trusted afterwards.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::dialect::Dialect;
use crate::functions::FunctionAllowlist;

/// The largest row cap a policy accepts; sqlgate returns at most 20 rows by default.
pub const MAX_ROWS_CEILING: u64 = 10_000;
/// The default size cap for a SQL text, in bytes.
pub const DEFAULT_MAX_SQL_BYTES: usize = 64 * 1024;

/// A policy value that could not be accepted.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PolicyError {
    /// The dialect name is not one sqlgate supports.
    #[error("unknown dialect `{0}`; use postgres, mysql (also for MariaDB) or sqlite")]
    UnknownDialect(String),
    /// The row cap is zero or above the ceiling.
    #[error("max rows must be between 1 and {MAX_ROWS_CEILING}, got {0}")]
    MaxRows(u64),
    /// A relation name in the allowlist is empty or malformed.
    #[error("`{0}` is not a relation name; use `table` or `schema.table`")]
    RelationName(String),
}

/// How many rows a query may return. The guard asks the database for one more (`limit` =
/// max_rows + 1) so that "there was more" is known, not guessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxRows(u64);

impl MaxRows {
    /// Accepts 1 ..= [`MAX_ROWS_CEILING`].
    pub fn new(rows: u64) -> Result<Self, PolicyError> {
        if (1..=MAX_ROWS_CEILING).contains(&rows) {
            Ok(MaxRows(rows))
        } else {
            Err(PolicyError::MaxRows(rows))
        }
    }

    /// The cap itself.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The LIMIT the guard injects: one row past the cap.
    pub fn limit(self) -> u64 {
        self.0 + 1
    }
}

impl Default for MaxRows {
    fn default() -> Self {
        MaxRows(20)
    }
}

/// A relation the connector exposes: `table` or `schema.table`, as the dialect reads the name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationName {
    parts: Vec<String>,
}

impl RelationName {
    /// Parses `table` or `schema.table`. Unquoted parts are read as the dialect reads them
    /// (PostgreSQL folds them to lower case); a part may be double-quoted to keep its case.
    pub fn parse(dialect: Dialect, text: &str) -> Result<Self, PolicyError> {
        let bad = || PolicyError::RelationName(text.to_owned());
        let mut parts = Vec::with_capacity(2);
        for raw in split_name(text).ok_or_else(bad)? {
            let part = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                Some(quoted) => dialect.normalize_name(quoted, true).into_owned(),
                None => dialect.normalize_name(raw, false).into_owned(),
            };
            if part.is_empty() {
                return Err(bad());
            }
            parts.push(part);
        }
        if parts.is_empty() || parts.len() > 2 {
            return Err(bad());
        }
        Ok(RelationName { parts })
    }

    /// The normalized parts, outermost first.
    pub fn parts(&self) -> &[String] {
        &self.parts
    }
}

impl fmt::Display for RelationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.parts.join("."))
    }
}

/// Splits `a.b` or `"a.x".b` on dots outside double quotes.
fn split_name(text: &str) -> Option<Vec<&str>> {
    let text = text.trim();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            c if c.is_control() => return None,
            _ => {}
        }
    }
    if quoted {
        return None;
    }
    parts.push(&text[start..]);
    Some(parts)
}

/// What the guard allows for one connector.
#[derive(Clone, Debug)]
pub struct Policy {
    /// How the SQL is read, and which functions and catalogs apply.
    pub dialect: Dialect,
    /// The row cap; the guard injects or clamps `LIMIT max_rows + 1`.
    pub max_rows: MaxRows,
    /// When set, the only relations a query may read.
    pub allowed_relations: Option<Vec<RelationName>>,
    /// The functions a query may call.
    pub functions: FunctionAllowlist,
    /// The size cap for the text, in bytes.
    pub max_sql_bytes: usize,
}

impl Policy {
    /// The default policy for a dialect: 20 rows, every non-system relation, the dialect's
    /// function allowlist, 64 KiB of text.
    pub fn new(dialect: Dialect) -> Self {
        Policy {
            dialect,
            max_rows: MaxRows::default(),
            allowed_relations: None,
            functions: FunctionAllowlist::for_dialect(dialect),
            max_sql_bytes: DEFAULT_MAX_SQL_BYTES,
        }
    }

    /// Sets the row cap.
    pub fn with_max_rows(mut self, max_rows: MaxRows) -> Self {
        self.max_rows = max_rows;
        self
    }

    /// Restricts queries to these relations.
    pub fn with_allowed_relations(mut self, relations: Vec<RelationName>) -> Self {
        self.allowed_relations = Some(relations);
        self
    }
}

impl FromStr for Dialect {
    type Err = PolicyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::Mysql),
            "sqlite" | "sqlite3" => Ok(Dialect::Sqlite),
            _ => Err(PolicyError::UnknownDialect(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_rows_refuses_zero_and_huge_caps() {
        assert_eq!(MaxRows::new(0), Err(PolicyError::MaxRows(0)));
        assert_eq!(MaxRows::new(MAX_ROWS_CEILING + 1), Err(PolicyError::MaxRows(MAX_ROWS_CEILING + 1)));
        assert_eq!(MaxRows::new(20).unwrap().limit(), 21);
    }

    #[test]
    fn relation_names_follow_the_dialect_case_rules() {
        let pg = |t| RelationName::parse(Dialect::Postgres, t).map(|r| r.to_string());
        assert_eq!(pg("Public.Users").unwrap(), "public.users");
        assert_eq!(pg("\"Users\"").unwrap(), "Users");
        assert!(pg("a.b.c").is_err());
        assert!(pg("").is_err());
        assert!(pg("a..b").is_err());
        assert!(pg("\"open").is_err());
        let lite = RelationName::parse(Dialect::Sqlite, "\"Users\"").unwrap();
        assert_eq!(lite.to_string(), "users");
    }
}
