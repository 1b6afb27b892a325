//! Property tests: arbitrary text never panics; the verdict is stable (the approved SQL, checked
//! again, is approved unchanged); generated well-formed SELECTs are allowed and, run on SQLite,
//! return rows of the original query.

use proptest::prelude::*;
use rusqlite::types::Value;
use rusqlite::Connection;
use sqlgate_guardrails::{check, Dialect, Policy, Verdict};

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

/// Fragments an attacker or a careless model would put together.
const FRAGMENTS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "WITH",
    "AS",
    "(",
    ")",
    ",",
    ";",
    "*",
    "t",
    "u",
    "x",
    "1",
    "'a'",
    "\"q\"",
    "`b`",
    "[c]",
    "$1",
    "?",
    "@v",
    "@@version",
    "--",
    "/*",
    "*/",
    "/*!",
    "#",
    "\n",
    "UNION",
    "ALL",
    "SELECT 1",
    "DELETE",
    "INSERT INTO t VALUES (1)",
    "UPDATE t SET a=1",
    "RETURNING *",
    "FOR UPDATE",
    "LIMIT",
    "OFFSET",
    "ALL",
    "NULL",
    "FETCH FIRST 5 ROWS ONLY",
    "ORDER BY",
    "GROUP BY",
    "HAVING",
    "count(*)",
    "pg_sleep(1)",
    "sleep(1)",
    "::int",
    "::regclass",
    "CAST(",
    "AS INT)",
    "E'\\''",
    "$$x$$",
    "'\\'",
    "U&'",
    "JOIN",
    "ON",
    "=",
    "OR",
    "AND",
    "NOT",
    "EXISTS",
    "IN",
    "CASE WHEN",
    "THEN",
    "ELSE",
    "END",
    "pg_catalog.pg_user",
    "sqlite_master",
    "INTO",
    "OUTFILE",
    "'/tmp/x'",
    "\u{202e}",
    "\u{200b}",
    "\u{0}",
    "é",
    ".",
    "->",
    "||",
];

fn fragment_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|parts| parts.join(" "))
}

fn dialect() -> impl Strategy<Value = Dialect> {
    prop::sample::select(&DIALECTS[..])
}

/// Checking an approved text again approves it unchanged, with the same limit and tables.
fn assert_stable(sql: &str, policy: &Policy) -> Result<(), TestCaseError> {
    if let Verdict::Allowed(first) = check(sql, policy) {
        match check(&first.sql, policy) {
            Verdict::Allowed(second) => prop_assert_eq!(first, second),
            Verdict::Rejected(r) => prop_assert!(false, "approved `{}` refused on re-check: {}", first.sql, r),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_text_never_panics_and_verdicts_are_stable(sql in any::<String>(), d in dialect()) {
        assert_stable(&sql, &Policy::new(d))?;
    }

    #[test]
    fn sql_like_soup_never_panics_and_verdicts_are_stable(sql in fragment_soup(), d in dialect()) {
        assert_stable(&sql, &Policy::new(d))?;
    }
}

/// A well-formed SELECT over the table `sales(id, region, amount, qty, day)`.
fn select() -> impl Strategy<Value = String> {
    let column = prop::sample::select(&["id", "region", "amount", "qty", "day"][..]);
    let number_column = prop::sample::select(&["id", "amount", "qty"][..]);
    let aggregate = (prop::sample::select(&["count", "sum", "avg", "min", "max"][..]), number_column.clone())
        .prop_map(|(f, c)| format!("{f}({c})"));
    let comparison = (number_column.clone(), prop::sample::select(&["<", "<=", "=", "<>", ">", ">="][..]), 0i64..200)
        .prop_map(|(c, op, v)| format!("{c} {op} {v}"));
    let region =
        prop::sample::select(&["'north'", "'south'", "'east'", "'it''s'"][..]).prop_map(|r| format!("region = {r}"));
    let condition = prop_oneof![comparison, region];
    let conditions = prop::collection::vec(condition, 0..3).prop_map(|cs| {
        if cs.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", cs.join(" AND "))
        }
    });
    let limit = prop_oneof![
        Just(String::new()),
        (0u64..60).prop_map(|n| format!(" LIMIT {n}")),
        (0u64..60, 0u64..10).prop_map(|(n, o)| format!(" LIMIT {n} OFFSET {o}")),
        // In SQLite a negative LIMIT means "no limit": the guard must clamp it.
        Just(" LIMIT -1".to_owned()),
    ];
    let plain = (prop::collection::vec(column.clone(), 1..4), conditions.clone(), limit.clone())
        .prop_map(|(cols, w, l)| format!("SELECT {} FROM sales{w} ORDER BY id{l}", cols.join(", ")));
    let grouped = (column, aggregate, conditions, limit)
        .prop_map(|(g, a, w, l)| format!("SELECT {g}, {a} AS v FROM sales{w} GROUP BY {g} ORDER BY {g}{l}"));
    let with_cte = (number_column, 0i64..200).prop_map(|(c, v)| {
        format!("WITH big AS (SELECT * FROM sales WHERE {c} > {v}) SELECT id, {c} FROM big ORDER BY id")
    });
    prop_oneof![plain, grouped, with_cte]
}

fn sales() -> Connection {
    let conn = Connection::open_in_memory().expect("sqlite");
    conn.execute_batch("CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount REAL, qty INTEGER, day TEXT)")
        .expect("create");
    let regions = ["north", "south", "east", "it's"];
    for i in 0..120i64 {
        conn.execute(
            "INSERT INTO sales VALUES (?1, ?2, ?3, ?4, ?5)",
            (i, regions[(i % 4) as usize], (i * 37 % 101) as f64 / 4.0, i % 13, format!("2024-01-{:02}", i % 28 + 1)),
        )
        .expect("insert");
    }
    conn
}

fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let width = stmt.column_count();
    stmt.query_map([], |row| (0..width).map(|i| row.get::<_, Value>(i)).collect())
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn generated_selects_are_allowed_and_keep_their_meaning(sql in select()) {
        let policy = Policy::new(Dialect::Sqlite);
        let allowed = match check(&sql, &policy) {
            Verdict::Allowed(a) => a,
            Verdict::Rejected(r) => return Err(TestCaseError::fail(format!("`{sql}` refused: {r}"))),
        };
        prop_assert!(allowed.limit <= 21);
        prop_assert_eq!(&allowed.tables, &vec!["sales".to_owned()]);
        let conn = sales();
        let original = rows(&conn, &sql);
        let capped = rows(&conn, &allowed.sql);
        // Every generated query orders by a key column, so the capped rows are the first rows.
        let n = original.len().min(allowed.limit as usize);
        prop_assert_eq!(&capped[..], &original[..n]);
        assert_stable(&sql, &policy)?;
        for d in DIALECTS {
            prop_assert!(check(&sql, &Policy::new(d)).allowed().is_some(), "`{}` refused in {}", sql, d);
        }
    }
}
