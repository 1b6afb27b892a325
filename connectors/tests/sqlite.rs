//! The SQLite session wall on its own: statements sent straight to the session (bypassing the
//! guard) cannot write, attach, read the schema table or run past the deadline, and the file is
//! byte-for-byte unchanged afterwards. Budgets and types are checked on real files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use serde_json::json;
use sqlgate_connectors::{sqlite, Budget, ConnectorError, CutReason, Exposure, TableKind, TableRef, CUT_MARKER};

/// A fresh database file with `t(id, name, score, data)` holding `rows` rows.
fn database(test: &str, rows: i64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sqlgate-sqlite-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.sqlite");
    let _ = std::fs::remove_file(&path);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)").unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..rows {
        tx.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
            (i, format!("name {i}"), i as f64 / 2.0, vec![i as u8, 0xff]),
        )
        .unwrap();
    }
    tx.commit().unwrap();
    path
}

fn run(path: &Path, sql: &str) -> Result<sqlgate_connectors::QueryResult, ConnectorError> {
    sqlite::query(path, sql, Budget::default(), Duration::from_secs(5))
}

#[test]
fn writes_sent_straight_to_the_session_fail_and_change_nothing() {
    let path = database("writes", 3);
    let before = std::fs::read(&path).unwrap();
    for sql in [
        "INSERT INTO t (name) VALUES ('x')",
        "UPDATE t SET name = 'x'",
        "DELETE FROM t",
        "DROP TABLE t",
        "CREATE TABLE u (a)",
        "CREATE TEMP TABLE u (a)",
        "ALTER TABLE t ADD COLUMN b",
        "ATTACH DATABASE ':memory:' AS other",
        "PRAGMA writable_schema = 1",
        "PRAGMA query_only = 0",
        "VACUUM",
        "BEGIN",
        "SELECT 1; DELETE FROM t",
        "WITH x AS (SELECT 1) DELETE FROM t",
    ] {
        assert!(run(&path, sql).is_err(), "the session ran `{sql}`");
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file changed");
    assert_eq!(run(&path, "SELECT count(*) FROM t").unwrap().rows, vec![vec![json!(3)]]);
}

#[test]
fn the_schema_table_and_pragmas_are_denied_by_the_authorizer() {
    let path = database("schema", 1);
    for sql in ["SELECT * FROM sqlite_master", "SELECT * FROM sqlite_schema", "SELECT * FROM pragma_table_info('t')"] {
        assert!(run(&path, sql).is_err(), "the session ran `{sql}`");
    }
}

#[test]
fn a_runaway_query_is_stopped_at_the_deadline() {
    let path = database("timeout", 1);
    let sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r";
    match sqlite::query(&path, sql, Budget::default(), Duration::from_millis(200)) {
        Err(ConnectorError::Timeout(200)) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn reading_stops_one_row_past_the_cap_and_says_so() {
    let path = database("rows", 1_000);
    let result = run(&path, "SELECT id FROM t ORDER BY id LIMIT 21").unwrap();
    assert_eq!(result.row_count, 20);
    assert_eq!(result.rows.last().unwrap(), &vec![json!(19)]);
    let cut = result.truncated.unwrap();
    assert_eq!((cut.reason, cut.rows_returned, cut.more_rows), (CutReason::Rows, 20, true));

    let exact = run(&path, "SELECT id FROM t ORDER BY id LIMIT 20").unwrap();
    assert_eq!((exact.row_count, exact.truncated), (20, None));
}

#[test]
fn the_byte_budget_stops_wide_rows() {
    let path = database("bytes", 100);
    let budget = Budget { max_rows: 50, max_bytes: 2_000, max_cell_bytes: 1024 };
    let sql = "SELECT id, printf('%.500c', 'x') FROM t LIMIT 51";
    let result = sqlite::query(&path, sql, budget, Duration::from_secs(5)).unwrap();
    assert!(serde_json::to_vec(&result.rows).unwrap().len() <= 2_002);
    assert!(result.row_count < 50);
    let cut = result.truncated.unwrap();
    assert_eq!((cut.reason, cut.more_rows), (CutReason::Bytes, true));
}

#[test]
fn a_long_cell_is_cut_visibly() {
    let path = database("cells", 1);
    let result = run(&path, "SELECT printf('%.5000c', 'y') AS long, 'short' AS s FROM t").unwrap();
    let long = result.rows[0][0].as_str().unwrap();
    assert!(long.ends_with(CUT_MARKER) && long.len() <= 1024, "{} bytes", long.len());
    let cut = result.truncated.unwrap();
    assert_eq!((cut.reason, cut.cells_truncated, cut.more_rows), (CutReason::Cells, 1, false));
}

#[test]
fn sqlite_values_map_to_json() {
    let path = database("types", 1);
    let result =
        run(&path, "SELECT id, name, score, data, NULL AS missing, 9223372036854775807 AS big, 1e999 AS inf FROM t")
            .unwrap();
    assert_eq!(
        result.rows[0],
        vec![json!(0), json!("name 0"), json!(0.0), json!("AP8="), json!(null), json!(i64::MAX), json!("inf")]
    );
    let types: Vec<_> = result.columns.iter().map(|c| (c.name.as_str(), c.type_name.as_str())).collect();
    assert_eq!(types[..4], [("id", "integer"), ("name", "text"), ("score", "real"), ("data", "blob")]);
    assert_eq!(types[4], ("missing", "dynamic"));
}

#[test]
fn a_missing_file_is_not_created() {
    let path = std::env::temp_dir().join(format!("sqlgate-absent-{}.sqlite", std::process::id()));
    assert!(matches!(run(&path, "SELECT 1"), Err(ConnectorError::Open(_))));
    assert!(!path.exists());
}

#[test]
fn schema_lists_tables_views_and_keys_but_not_sqlite_internals() {
    let dir = std::env::temp_dir().join(format!("sqlgate-sqlite-{}-schema", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.sqlite");
    let _ = std::fs::remove_file(&path);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note);
         CREATE TABLE orders (id INT, line INT, customer_id INT REFERENCES customers, total REAL,
                              PRIMARY KEY (id, line));
         CREATE VIEW big AS SELECT * FROM orders WHERE total > 100;
         INSERT INTO customers (name) VALUES ('a'), ('b'), ('c');
         CREATE INDEX orders_customer ON orders (customer_id);
         ANALYZE;",
    )
    .unwrap();
    drop(conn);
    let schema = sqlite::schema(&path, &Exposure::All).unwrap();
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["big", "customers", "orders"]);
    let customers = &schema.tables[1];
    assert_eq!(customers.primary_key, ["id"]);
    assert_eq!(customers.approximate_rows, Some(3));
    let cols: Vec<(&str, &str, bool)> =
        customers.columns.iter().map(|c| (c.name.as_str(), c.type_name.as_str(), c.nullable)).collect();
    assert_eq!(cols, [("id", "integer", false), ("name", "text", false), ("note", "", true)]);
    let orders = &schema.tables[2];
    assert_eq!(orders.primary_key, ["id", "line"]);
    assert_eq!(orders.foreign_keys[0].columns, ["customer_id"]);
    assert_eq!(
        (orders.foreign_keys[0].ref_table.as_str(), orders.foreign_keys[0].ref_columns.clone()),
        ("customers", vec!["id".to_owned()])
    );
    assert_eq!(schema.tables[0].kind, TableKind::View);
    let only = sqlite::schema(&path, &Exposure::Only(vec![TableRef::parse("orders").unwrap()])).unwrap();
    assert_eq!(only.tables.len(), 1);
    assert_eq!(only.tables[0].name, "orders");
}
