//! sqlgate's SQL firewall: proves that a text is exactly one read-only query and caps its rows.
//!
//! [`check`] takes SQL text and a [`Policy`] and returns a [`Verdict`]: either the SQL to send
//! (rewritten with its row cap and verified by parsing it back), with the limit applied and the
//! relations it reads, or a [`Rejection`] with a stable [`Code`] and a message that says what to do.
//!
//! The guard is pure: no IO, no async, no logging of its input. It fails closed: a text it cannot
//! parse, a construct it does not know, a function not on the allowlist, a relation not exposed —
//! each refuses. The steps, in order:
//!
//! 1. [`scan`] the raw text and its tokens: size, NUL and invisible characters, executable
//!    comments, `U&` escapes, the token cap;
//! 2. [`parse`] with a recursion limit, on a stack that is grown when it runs low;
//! 3. exactly one statement, and it is a query ([`statement`] names what else it was);
//! 4. [`inspect`] the tree: no writes, locks or INTO anywhere, allowed functions, types and
//!    relations only, with CTE names resolved by scope;
//! 5. [`limit`]: inject or clamp the row cap on the outermost query;
//! 6. render the tree and verify that the text parses back to the same tree.

#![forbid(missing_docs)]
#![forbid(unsafe_code)]

mod code;
mod dialect;
mod functions;
mod inspect;
mod limit;
mod parse;
mod policy;
mod scan;
mod statement;

use sqlparser::ast::Statement;

pub use code::{Code, Rejection, Rule, RULES};
pub use dialect::Dialect;
pub use functions::FunctionAllowlist;
pub use inspect::MAX_DEPTH;
pub use parse::MAX_NESTING;
pub use policy::{MaxRows, Policy, PolicyError, RelationName, DEFAULT_MAX_SQL_BYTES, MAX_ROWS_CEILING};
pub use scan::MAX_TOKENS;

/// When less stack than this is left, [`check`] moves to a fresh stack of [`GROWN_STACK`]
/// bytes before it parses. The caps above bound the tree, and so the depth of every walk over it
/// (inspection, rendering, comparison and drop); the tests run the largest inputs the caps let
/// through on a thread with barely more than this much stack.
pub const STACK_RED_ZONE: usize = 2 * 1024 * 1024;
/// The size of the stack [`check`] runs on when the caller's is low.
pub const GROWN_STACK: usize = 16 * 1024 * 1024;

/// The guard's decision about one text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The text is one read-only query; send exactly [`Allowed::sql`].
    Allowed(Allowed),
    /// The text is refused, and why.
    Rejected(Rejection),
}

/// An allowed query, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowed {
    /// The text to send: the query as checked, with the row cap, verified to parse back the same.
    pub sql: String,
    /// The row limit the query now carries (the cap `max_rows + 1`, or a smaller one it had).
    pub limit: u64,
    /// The relations the query reads, normalized as the dialect reads names, CTE names resolved
    /// away, in order of first appearance.
    pub tables: Vec<String>,
}

impl Verdict {
    /// The allowed query, if any.
    pub fn allowed(&self) -> Option<&Allowed> {
        match self {
            Verdict::Allowed(a) => Some(a),
            Verdict::Rejected(_) => None,
        }
    }

    /// The rejection, if any.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Verdict::Allowed(_) => None,
            Verdict::Rejected(r) => Some(r),
        }
    }

    /// Converts into a `Result`, for `?` in callers.
    pub fn into_result(self) -> Result<Allowed, Rejection> {
        match self {
            Verdict::Allowed(a) => Ok(a),
            Verdict::Rejected(r) => Err(r),
        }
    }
}

/// Decides whether `sql` may run under `policy`.
pub fn check(sql: &str, policy: &Policy) -> Verdict {
    let run = || match check_on_this_stack(sql, policy) {
        Ok(allowed) => Verdict::Allowed(allowed),
        Err(rejection) => Verdict::Rejected(rejection),
    };
    stacker::maybe_grow(STACK_RED_ZONE, GROWN_STACK, run)
}

fn check_on_this_stack(sql: &str, policy: &Policy) -> Result<Allowed, Rejection> {
    let dialect = policy.dialect;
    scan::raw_text(sql, dialect, policy.max_sql_bytes)?;
    let tokens = parse::tokenize(dialect, sql)?;
    scan::tokens(sql, dialect, &tokens)?;
    let mut statements = parse::statements(dialect, sql, tokens)?;
    let mut statement = match statements.len() {
        1 => statements.pop().expect("one statement"),
        0 => {
            return Err(Rejection::new(
                Code::Empty,
                "the text holds no statement (it is empty, or only comments and semicolons); write one SELECT",
            ))
        }
        n => {
            return Err(Rejection::new(
                Code::MultipleStatements,
                format!("the text holds {n} statements; send exactly one SELECT at a time"),
            ))
        }
    };
    let query = match &mut statement {
        Statement::Query(query) => query,
        other => return Err(statement::refuse(other)),
    };
    let tables = inspect::query(query, policy)?;
    let limit = limit::cap(query, policy.max_rows);
    let sql = parse::render_verified(&statement, dialect, policy.max_sql_bytes, sql.len())?;
    Ok(Allowed { sql, limit, tables })
}
