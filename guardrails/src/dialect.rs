//! Per-dialect facts the guard relies on, each a named method with the SQL that differs.
//!
//! The guard never asks "is this MySQL?" in the middle of a rule: it asks one of these questions.

use std::borrow::Cow;

use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};

/// The SQL dialects sqlgate guards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// PostgreSQL, read with `standard_conforming_strings = on` (backslashes in `'…'` are literal).
    Postgres,
    /// MySQL and MariaDB, read with backslash escapes in strings and without `ANSI_QUOTES`
    /// (`"…"` is a string, identifiers are quoted with backticks).
    Mysql,
    /// SQLite.
    Sqlite,
}

static POSTGRES: PostgreSqlDialect = PostgreSqlDialect {};
static MYSQL: MySqlDialect = MySqlDialect {};
static SQLITE: SQLiteDialect = SQLiteDialect {};

impl Dialect {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// The sqlparser dialect that reads text the way this server does.
    pub(crate) fn parser(self) -> &'static dyn sqlparser::dialect::Dialect {
        match self {
            Dialect::Postgres => &POSTGRES,
            Dialect::Mysql => &MYSQL,
            Dialect::Sqlite => &SQLITE,
        }
    }

    /// MySQL and MariaDB run the body of `/*! … */` (and `/*M! … */`) as SQL, and sqlparser's
    /// MySQL tokenizer expands `/*!` into tokens, so the raw text must be checked for it.
    pub(crate) fn executes_bang_comments(self) -> bool {
        matches!(self, Dialect::Mysql)
    }

    /// Whether a double-quoted name keeps its case and an unquoted one folds to lower case
    /// (PostgreSQL), names compare byte for byte (MySQL on Linux: table names are
    /// case-sensitive), or every name compares without case (SQLite).
    pub(crate) fn normalize_name(self, name: &str, quoted: bool) -> Cow<'_, str> {
        let fold = match self {
            Dialect::Postgres => !quoted,
            Dialect::Mysql => false,
            Dialect::Sqlite => true,
        };
        if fold && name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        }
    }

    /// Whether a function name keeps its case when double-quoted: PostgreSQL's `"COUNT"(*)` is a
    /// different (user-defined) function from `count(*)`; MySQL and SQLite ignore case.
    pub(crate) fn function_name_is_case_sensitive_when_quoted(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// Bare words that read session state in this dialect without parentheses: in PostgreSQL,
    /// `SELECT current_user` names the role and `SELECT current_schema` the search path. In MySQL
    /// and SQLite these words are ordinary column names unless called with `()`.
    pub(crate) fn session_keywords(self) -> &'static [&'static str] {
        match self {
            Dialect::Postgres => &[
                "current_catalog",
                "current_role",
                "current_schema",
                "current_user",
                "session_user",
                "system_user",
                "user",
            ],
            Dialect::Mysql | Dialect::Sqlite => &[],
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
