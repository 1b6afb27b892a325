//! The guard cannot overflow a stack: the largest and deepest inputs its caps let through run on
//! a thread with barely more stack than the red zone `check` keeps (so `check` runs them on that
//! stack, not on a grown one), and on a tiny stack (where `check` must grow one).

use sqlgate_guardrails::{check, Code, Dialect, Policy, Verdict, MAX_TOKENS, STACK_RED_ZONE};

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

/// Inputs built to be as deep as the caps allow, each with the codes it may get.
fn deep_inputs() -> Vec<(String, &'static [Code])> {
    let under_cap = MAX_TOKENS / 2 - 8;
    let or_chain = format!("SELECT * FROM t WHERE {}", vec!["a = 1"; under_cap / 4].join(" OR "));
    let plus_chain = format!("SELECT {} FROM t", vec!["1"; under_cap].join("+"));
    let union = vec!["SELECT 1"; under_cap / 3].join(" UNION ");
    let parens = format!("SELECT {}1{} FROM t", "(".repeat(2_000), ")".repeat(2_000));
    let nots = format!("SELECT * FROM t WHERE {} a", "NOT ".repeat(under_cap));
    let minus = format!("SELECT {} 1 FROM t", "- ".repeat(under_cap));
    let subqueries = format!("SELECT * FROM {} t {}", "(SELECT * FROM ".repeat(400), ") s".repeat(400));
    let calls = format!("SELECT {}1{} FROM t", "abs(".repeat(2_000), ")".repeat(2_000));
    let cases = format!("SELECT {} 1 {} FROM t", "CASE WHEN a THEN ".repeat(1_000), " END".repeat(1_000));
    let in_list = format!("SELECT * FROM t WHERE a IN ({})", vec!["1"; under_cap].join(","));
    let concat = format!("SELECT {} FROM t", vec!["'x'"; under_cap].join(" || "));
    let over_tokens = format!("SELECT {} FROM t", vec!["1"; MAX_TOKENS].join("+"));
    let deep: &'static [Code] = &[Code::TooComplex];
    let deep_or_syntax: &'static [Code] = &[Code::TooComplex, Code::SyntaxError];
    vec![
        (or_chain, deep),
        (plus_chain, deep),
        (union, deep),
        (parens, deep),
        (nots, deep_or_syntax),
        (minus, deep_or_syntax),
        (subqueries, deep),
        (calls, deep),
        (cases, deep_or_syntax),
        (in_list, &[]),
        (concat, deep_or_syntax),
        (over_tokens, deep),
    ]
}

fn run_on_stack(stack: usize) {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(|| {
            for dialect in DIALECTS {
                let policy = Policy::new(dialect);
                for (sql, codes) in deep_inputs() {
                    match check(&sql, &policy) {
                        Verdict::Allowed(a) => {
                            assert!(codes.is_empty(), "{dialect}: deep input allowed: {}…", &a.sql[..80])
                        }
                        Verdict::Rejected(r) => assert!(
                            codes.contains(&r.code),
                            "{dialect}: {}… got {} ({}), expected one of {codes:?}",
                            &sql[..60],
                            r.code,
                            r.message
                        ),
                    }
                }
            }
        })
        .expect("spawn")
        .join()
        .expect("the guard overflowed or panicked");
}

#[test]
fn deepest_inputs_fit_in_the_red_zone() {
    run_on_stack(STACK_RED_ZONE + 256 * 1024);
}

#[test]
fn deepest_inputs_on_a_tiny_caller_stack_grow_a_new_one() {
    run_on_stack(128 * 1024);
}

#[test]
fn a_large_in_list_is_width_not_depth_and_is_allowed() {
    let sql = format!("SELECT * FROM t WHERE a IN ({})", vec!["1"; 3_000].join(","));
    let verdict = check(&sql, &Policy::new(Dialect::Postgres));
    assert!(verdict.allowed().is_some(), "{verdict:?}");
}
