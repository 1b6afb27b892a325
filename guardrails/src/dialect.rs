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
    /// `SELECT current_user` names the role and `SELECT current_schema` the search path; in MySQL
    /// and MariaDB `SELECT current_user` and `current_role` are calls even where a column of that
    /// name exists. In SQLite they are ordinary names.
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
            Dialect::Mysql => &["current_role", "current_user"],
            Dialect::Sqlite => &[],
        }
    }

    /// Whether the server reads `0x1F` as a hex string, as it reads `X'1F'` (MySQL and MariaDB).
    /// PostgreSQL 16 and SQLite read it as a number, older PostgreSQL as `0` followed by an alias.
    pub(crate) fn reads_0x_as_hex_string(self) -> bool {
        matches!(self, Dialect::Mysql)
    }

    /// Keywords for a value that the dialect's server computes, which PostgreSQL also accepts as
    /// a function in FROM (`FROM current_date`); the session ones are in `session_keywords`.
    pub(crate) fn value_keywords(self) -> &'static [&'static str] {
        match self {
            Dialect::Postgres => &["current_date", "current_time", "current_timestamp", "localtime", "localtimestamp"],
            Dialect::Mysql | Dialect::Sqlite => &[],
        }
    }

    /// Whether a type name in a cast can resolve to a user-defined type or domain. PostgreSQL
    /// looks names up in pg_catalog first and then along the search path, so only names that
    /// exist in pg_catalog are safe there: `'7'::tinyint` finds a domain `tinyint` if someone
    /// made one, and a domain's checks run code. MySQL, MariaDB and SQLite have no user-defined
    /// types; a cast to a name they do not know is an error or a column affinity.
    pub(crate) fn has_user_defined_types(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// PostgreSQL reads `x.f` as the function call `f(x)` when `x` has no field `f` ("attribute
    /// notation"), for any value `x`: `(2::float8).pg_sleep` sleeps.
    pub(crate) fn has_attribute_notation(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// PostgreSQL reads `ONLY` before a table name (`FROM ONLY parent`, no inheritance children);
    /// sqlparser 0.63 reads `FROM ONLY t` as a table named `only` with the alias `t`.
    pub(crate) fn has_from_only(self) -> bool {
        matches!(self, Dialect::Postgres)
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
