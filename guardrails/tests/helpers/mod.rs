//! Helpers shared by the guard's adversarial tests (`common`, `postgres`, `mysql`, `sqlite`).
//!
//! Every allowed verdict is also checked for stability: the text the guard emits, checked again,
//! must be allowed unchanged, with the same limit and the same relations. A rewrite that drifts on
//! a second pass would mean the guard does not fully control the text it sends.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code, unused_imports)]

pub use sqlgate_guardrails::{check, Allowed, Code, Dialect, MaxRows, Policy, RelationName, Verdict};

/// The default PostgreSQL policy: 20 rows (limit 21), every non-system relation.
pub fn pg() -> Policy {
    Policy::new(Dialect::Postgres)
}

/// The default MySQL/MariaDB policy.
pub fn my() -> Policy {
    Policy::new(Dialect::Mysql)
}

/// The default SQLite policy.
pub fn lite() -> Policy {
    Policy::new(Dialect::Sqlite)
}

/// The default policy of every dialect, for rules that hold everywhere.
pub fn all_dialects() -> [Policy; 3] {
    [pg(), my(), lite()]
}

/// A policy of `dialect` that exposes only `relations` (each parsed as the dialect reads names).
pub fn exposing(dialect: Dialect, relations: &[&str]) -> Policy {
    let names = relations.iter().map(|r| RelationName::parse(dialect, r).expect("a valid relation name")).collect();
    Policy::new(dialect).with_allowed_relations(names)
}

/// A policy of `dialect` with a custom row cap.
pub fn capped(dialect: Dialect, rows: u64) -> Policy {
    Policy::new(dialect).with_max_rows(MaxRows::new(rows).expect("a valid row cap"))
}

/// Checks `sql`, asserts it is allowed and that the emitted text is stable, and returns it.
#[track_caller]
pub fn allowed(policy: &Policy, sql: &str) -> Allowed {
    let first = match check(sql, policy) {
        Verdict::Allowed(a) => a,
        Verdict::Rejected(r) => panic!(
            "[{}] expected ALLOWED, got {} ({})\n  sql: {}",
            policy.dialect,
            r.code.as_str(),
            r.message,
            shorten(sql)
        ),
    };
    assert_stable(policy, &first);
    first
}

/// Asserts that checking the emitted text again allows it unchanged (same sql, limit, tables).
#[track_caller]
pub fn assert_stable(policy: &Policy, first: &Allowed) {
    match check(&first.sql, policy) {
        Verdict::Allowed(again) => {
            assert_eq!(&again, first, "[{}] the emitted sql is not stable under a second check", policy.dialect)
        }
        Verdict::Rejected(r) => panic!(
            "[{}] the emitted sql is refused on a second check: {} ({})\n  emitted: {}",
            policy.dialect,
            r.code.as_str(),
            r.message,
            shorten(&first.sql)
        ),
    }
}

/// Asserts that `sql` is allowed and that the text to send is exactly `expected_sql`.
#[track_caller]
pub fn assert_allowed(policy: &Policy, sql: &str, expected_sql: &str) -> Allowed {
    let a = allowed(policy, sql);
    assert_eq!(a.sql, expected_sql, "[{}] emitted sql for: {}", policy.dialect, shorten(sql));
    a
}

/// Asserts that `sql` is refused with `code`; the message is printed when it is not.
#[track_caller]
pub fn assert_rejected(policy: &Policy, sql: &str, code: &str) {
    match check(sql, policy) {
        Verdict::Rejected(r) => assert_eq!(
            r.code.as_str(),
            code,
            "[{}] wrong code (message: {})\n  sql: {}",
            policy.dialect,
            r.message,
            shorten(sql)
        ),
        Verdict::Allowed(a) => panic!(
            "[{}] expected {code}, got ALLOWED\n  sql: {}\n  emitted: {}",
            policy.dialect,
            shorten(sql),
            shorten(&a.sql)
        ),
    }
}

/// Asserts the same code for every query in `sqls`.
#[track_caller]
pub fn assert_all_rejected(policy: &Policy, sqls: &[&str], code: &str) {
    for sql in sqls {
        assert_rejected(policy, sql, code);
    }
}

/// Runs `f` on a thread with a 256 KiB stack, far less than the guard's red zone, and
/// propagates its panic: proves the guard moves to its own stack instead of overflowing ours.
pub fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("spawn a small-stack thread");
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The code of a verdict, or "allowed", for assertions on inputs with more than one fair outcome.
pub fn outcome(policy: &Policy, sql: &str) -> &'static str {
    match check(sql, policy) {
        Verdict::Allowed(_) => "allowed",
        Verdict::Rejected(r) => r.code.as_str(),
    }
}

/// Big generated inputs stay readable in failure messages.
fn shorten(sql: &str) -> String {
    const MAX: usize = 300;
    match sql.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes)", &sql[..cut], sql.len()),
        None => sql.to_owned(),
    }
}
