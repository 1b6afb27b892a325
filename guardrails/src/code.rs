//! The guard's rules: one stable machine code per reason to refuse, with the text that documents it.
//!
//! [`RULES`] is the single list that drives the README's code table and `sqlgate check --help`; a code
//! is never renamed, because audit records and CI scripts match on it.

use std::fmt;

/// Why the guard refused a text. One variant, one stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// The text is longer than the size cap.
    TooLarge,
    /// The text holds no statement (empty, or only comments and semicolons).
    Empty,
    /// NUL, an invisible, bidirectional or other control character outside a string literal.
    ControlCharacter,
    /// A comment the server would execute or obey (`/*!`, `/*M!`, `/*+`).
    ExecutableComment,
    /// A `U&` unicode-escaped identifier or string.
    UnicodeEscape,
    /// The text does not parse as SQL of the dialect.
    SyntaxError,
    /// Nested, long or wide past the guard's caps.
    TooComplex,
    /// More than one statement.
    MultipleStatements,
    /// A statement that writes data (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, COPY, LOAD …).
    WriteStatement,
    /// A statement that is not a query (DDL, DCL, SET, SHOW, EXPLAIN, CALL, transaction control …).
    NotAQuery,
    /// A write inside a query: a data-modifying CTE, or `WITH … DELETE`.
    WriteInCte,
    /// `SELECT … INTO` (creates a table or writes variables or files).
    SelectInto,
    /// `FOR UPDATE`, `FOR SHARE` and the other row-locking clauses.
    LockingClause,
    /// A whole query that is a bare `VALUES` list or `TABLE name`.
    ValuesOrTable,
    /// A function that is not on the dialect's allowlist.
    FunctionNotAllowed,
    /// A user-defined or custom operator.
    OperatorNotAllowed,
    /// A cast or typed literal to a type that is not a built-in type.
    TypeNotAllowed,
    /// A system catalog or server-state relation, or one named like them.
    SystemRelation,
    /// A relation that the connector does not expose.
    RelationNotAllowed,
    /// A user, session or system variable, or a session-information keyword.
    SessionVariable,
    /// A bind parameter placeholder (`$1`, `?`, `:name`); sqlgate binds none.
    Placeholder,
    /// A construct the guard does not recognise as a plain read.
    UnsupportedSyntax,
    /// The rewritten text did not parse back to the checked tree plus the row cap.
    RewriteUnverified,
}

/// One rule of the guard: its code and the sentence that explains it.
pub struct Rule {
    /// The code a rejection carries.
    pub code: Code,
    /// What the rule refuses, and why, in one sentence.
    pub doc: &'static str,
}

/// Every rule, in the order the guard applies them.
pub const RULES: &[Rule] = &[
    Rule { code: Code::TooLarge, doc: "The text is longer than the size cap (64 KiB by default)." },
    Rule { code: Code::Empty, doc: "The text holds no statement: it is empty, or only comments and semicolons." },
    Rule { code: Code::ControlCharacter, doc: "NUL anywhere, or an invisible, bidirectional or control character outside a string literal; such characters make the text read differently to people and to parsers." },
    Rule { code: Code::ExecutableComment, doc: "A comment that the server would execute or obey: MySQL/MariaDB `/*! … */` and `/*M! … */`, and optimizer hints `/*+ … */`." },
    Rule { code: Code::UnicodeEscape, doc: "A PostgreSQL `U&'…'` or `U&\"…\"` unicode-escaped string or identifier, which can spell a name the guard cannot see." },
    Rule { code: Code::SyntaxError, doc: "The text does not parse as SQL of the chosen dialect; the message gives the parser's reason and position." },
    Rule { code: Code::TooComplex, doc: "Nesting, length or width past the guard's caps (parser recursion limit, token count, tree depth)." },
    Rule { code: Code::MultipleStatements, doc: "More than one statement; exactly one query is allowed." },
    Rule { code: Code::WriteStatement, doc: "A statement that changes data: INSERT, UPDATE, DELETE, MERGE, TRUNCATE, COPY, LOAD DATA and the like." },
    Rule { code: Code::NotAQuery, doc: "A statement that is not a query: DDL, DCL, SET, SHOW, DESCRIBE, EXPLAIN, CALL, DO, PREPARE/EXECUTE, transaction control, PRAGMA, ATTACH and every other kind." },
    Rule { code: Code::WriteInCte, doc: "A write inside a query: a data-modifying WITH clause (`WITH x AS (DELETE … RETURNING …)`) or a WITH whose body is an INSERT, UPDATE, DELETE or MERGE." },
    Rule { code: Code::SelectInto, doc: "`SELECT … INTO`, which creates a table, sets variables or writes a file." },
    Rule { code: Code::LockingClause, doc: "`FOR UPDATE`, `FOR SHARE`, `FOR NO KEY UPDATE`, `FOR KEY SHARE` and other row locks, anywhere in the query." },
    Rule { code: Code::ValuesOrTable, doc: "A whole query that is a bare `VALUES (…)` list or `TABLE name`; write a SELECT instead." },
    Rule { code: Code::FunctionNotAllowed, doc: "A function that is not on the dialect's allowlist, a schema-qualified function, or one with a quoted name the allowlist does not hold; side-effect functions (sleep, locks, settings, files, sequences, network) are never on it." },
    Rule { code: Code::OperatorNotAllowed, doc: "A user-defined or custom operator (`OPERATOR(schema.op)`), or an assignment operator (`:=`)." },
    Rule { code: Code::TypeNotAllowed, doc: "A cast or typed literal to a type that is not built in (a user-defined type or domain can run code), or to a catalog type such as `regclass`." },
    Rule { code: Code::SystemRelation, doc: "A system catalog or server-state relation: pg_catalog, information_schema, any `pg_*` name, mysql, performance_schema, sys, `sqlite_*` and `pragma_*` names, in SQLite its virtual tables that read files or statements (`fsdir`, `zipfile`, `bytecode`, `tables_used`, `completion`, `generate_series`), and anything named like them." },
    Rule { code: Code::RelationNotAllowed, doc: "A relation the connector does not expose (with an allowlist), or a name with more than two parts." },
    Rule { code: Code::SessionVariable, doc: "A user, session or system variable (`@x`, `@@version`) or a session-information keyword (`current_user`, `session_user` …)." },
    Rule { code: Code::Placeholder, doc: "A bind parameter placeholder (`$1`, `?`, `:name`); sqlgate binds no parameters, so write the value." },
    Rule { code: Code::UnsupportedSyntax, doc: "A construct the guard does not recognise as a plain read (vendor extensions such as PIVOT, MATCH_RECOGNIZE, TABLESAMPLE, time travel, CONNECT BY); refused rather than guessed." },
    Rule { code: Code::RewriteUnverified, doc: "The text sqlgate would send (with the row cap) did not parse back to the checked tree plus the cap, so it is not sent." },
];

impl Code {
    /// The stable machine code, as it appears in JSON and in the audit trail.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::TooLarge => "too_large",
            Code::Empty => "empty",
            Code::ControlCharacter => "control_character",
            Code::ExecutableComment => "executable_comment",
            Code::UnicodeEscape => "unicode_escape",
            Code::SyntaxError => "syntax_error",
            Code::TooComplex => "too_complex",
            Code::MultipleStatements => "multiple_statements",
            Code::WriteStatement => "write_statement",
            Code::NotAQuery => "not_a_query",
            Code::WriteInCte => "write_in_cte",
            Code::SelectInto => "select_into",
            Code::LockingClause => "locking_clause",
            Code::ValuesOrTable => "values_or_table",
            Code::FunctionNotAllowed => "function_not_allowed",
            Code::OperatorNotAllowed => "operator_not_allowed",
            Code::TypeNotAllowed => "type_not_allowed",
            Code::SystemRelation => "system_relation",
            Code::RelationNotAllowed => "relation_not_allowed",
            Code::SessionVariable => "session_variable",
            Code::Placeholder => "placeholder",
            Code::UnsupportedSyntax => "unsupported_syntax",
            Code::RewriteUnverified => "rewrite_unverified",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal: the stable code and a message that says what was wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The rule that refused the text.
    pub code: Code,
    /// For the person who wrote the SQL: what was found, and what to do instead.
    pub message: String,
}

impl Rejection {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Rejection { code, message: message.into() }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_exactly_one_rule_and_a_unique_name() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.code.as_str()), "duplicate rule {}", rule.code);
            assert!(!rule.doc.is_empty());
        }
        assert_eq!(seen.len(), 23, "a Code variant is missing from RULES");
    }
}
