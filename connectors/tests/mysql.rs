//! The MySQL/MariaDB connector against the real MariaDB on 127.0.0.1:3306 (root, no password).
//! Each test owns a database `sqlgate_my_<test>` (and any account it creates), so tests run in
//! parallel. Statements are sent straight to the connector, bypassing the guard: the session
//! must hold on its own.

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, Row};
use serde_json::{json, Value};
use sqlgate_connectors::mysql::MysqlConnector;
use sqlgate_connectors::{
    Budget, Column, ConnectorError, CutReason, Exposure, ForeignKey, PrivilegeKind, QueryResult, SchemaColumn,
    ServerConfig, TableKind, TableRef, Truncation, CUT_MARKER,
};

const SERVER: &str = "mysql://root@127.0.0.1:3306";

/// A root connection on TCP (not the socket), optionally inside `database`.
async fn admin(database: Option<&str>) -> Conn {
    let db = database.map(|d| format!("/{d}")).unwrap_or_default();
    Conn::new(Opts::from_url(&format!("{SERVER}{db}?prefer_socket=false")).unwrap()).await.unwrap()
}

/// A test's own database.
struct TestDb {
    name: String,
}

impl TestDb {
    /// Drops and recreates `sqlgate_my_<test>` and runs `setup` in it (zero dates allowed, UTC).
    async fn create(test: &str, setup: &[&str]) -> TestDb {
        let name = format!("sqlgate_my_{test}");
        let mut conn = admin(None).await;
        conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`")).await.unwrap();
        conn.query_drop(format!("CREATE DATABASE `{name}`")).await.unwrap();
        conn.query_drop(format!("USE `{name}`")).await.unwrap();
        conn.query_drop("SET SESSION sql_mode = '', time_zone = '+00:00'").await.unwrap();
        for statement in setup {
            conn.query_drop(*statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        conn.disconnect().await.unwrap();
        TestDb { name }
    }

    fn config(&self, params: &str) -> ServerConfig {
        let url = format!("{SERVER}/{}?{params}", self.name);
        ServerConfig::from_url(url.trim_end_matches('?')).unwrap()
    }

    fn connector(&self, params: &str) -> MysqlConnector {
        MysqlConnector::new(self.config(params)).unwrap()
    }

    async fn admin(&self) -> Conn {
        admin(Some(&self.name)).await
    }

    /// One value from a root connection (binary protocol: numbers come as numbers).
    async fn scalar(&self, sql: &str) -> Value {
        let mut conn = self.admin().await;
        let row: Row = conn.exec_first(sql, ()).await.unwrap().unwrap();
        let value = match row.unwrap_raw().remove(0) {
            Some(mysql_async::Value::Int(i)) => json!(i),
            Some(mysql_async::Value::UInt(u)) => json!(u),
            Some(mysql_async::Value::Bytes(b)) => json!(String::from_utf8(b).unwrap()),
            Some(mysql_async::Value::NULL) | None => Value::Null,
            Some(other) => panic!("unexpected {other:?}"),
        };
        conn.disconnect().await.unwrap();
        value
    }

    async fn drop(self) {
        let mut conn = admin(None).await;
        conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name)).await.unwrap();
        conn.disconnect().await.unwrap();
    }
}

/// Creates (after dropping) the account `name`@`%` with password `name`, running `grants` as root.
async fn create_user(name: &str, grants: &[String]) {
    let mut conn = admin(None).await;
    conn.query_drop(format!("DROP USER IF EXISTS '{name}'@'%'")).await.unwrap();
    conn.query_drop(format!("CREATE USER '{name}'@'%' IDENTIFIED BY '{name}'")).await.unwrap();
    for grant in grants {
        conn.query_drop(grant).await.unwrap_or_else(|e| panic!("{grant}: {e}"));
    }
    conn.disconnect().await.unwrap();
}

async fn drop_accounts(statements: &[String]) {
    let mut conn = admin(None).await;
    for statement in statements {
        conn.query_drop(statement).await.unwrap();
    }
    conn.disconnect().await.unwrap();
}

async fn run(connector: &MysqlConnector, sql: &str) -> Result<QueryResult, ConnectorError> {
    connector.query(sql, Budget::default()).await
}

async fn one(connector: &MysqlConnector, sql: &str) -> Vec<Value> {
    let result = run(connector, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(result.rows.len(), 1, "{sql}");
    result.rows.into_iter().next().unwrap()
}

fn types(result: &QueryResult) -> Vec<&str> {
    result.columns.iter().map(|c| c.type_name.as_str()).collect()
}

#[tokio::test]
async fn every_type_round_trips_with_its_json_and_type_name() {
    let db = TestDb::create(
        "types",
        &[
            "CREATE TABLE t (k INT PRIMARY KEY,
                ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
                mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
                de DECIMAL(12,3), fl FLOAT, dbl DOUBLE,
                d DATE, dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME, tm6 TIME(6), y YEAR, b BIT(10),
                bl BLOB, bin BINARY(3), vb VARBINARY(10), c CHAR(5), vc VARCHAR(40), tx TEXT, j JSON,
                e ENUM('small','large'), st SET('a','b','c'), n INT NULL)",
            "INSERT INTO t VALUES (1,
                -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
                -9223372036854775808, 18446744073709551615,
                123456789.125, 0.1, 0.1,
                '2024-02-29', '2024-02-29 13:05:09', '2024-02-29 13:05:09.000120', '2024-02-29 13:05:09.500',
                '-838:59:59', '100:00:00.5', 2024, b'1010101010',
                X'00FF10', 'ab', X'DEADBEEF', 'hi', 'it''s \"quoted\" \\\\ back', 'ünïcødé ✓',
                '{\"a\": [1, 2.5, null], \"b\": \"x\"}', 'large', 'a,c', NULL)",
            "INSERT INTO t VALUES (2,
                127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0,
                -0.001, -1.5, 1e300,
                '0000-00-00', '0000-00-00 00:00:00', '2024-01-01 00:00:00', '0000-00-00 00:00:00',
                '-00:00:01', '838:59:59', 0, b'0',
                X'', 'a', X'', '', '', '', '[]', 'small', '', 7)",
        ],
    )
    .await;
    let connector = db.connector("");
    let result = run(&connector, "SELECT * FROM t ORDER BY k").await.unwrap();
    assert_eq!(
        types(&result),
        [
            "int",
            "tinyint",
            "tinyint unsigned",
            "smallint",
            "smallint unsigned",
            "mediumint",
            "mediumint unsigned",
            "int",
            "int unsigned",
            "bigint",
            "bigint unsigned",
            "decimal",
            "float",
            "double",
            "date",
            "datetime",
            "datetime",
            "timestamp",
            "time",
            "time",
            "year",
            "bit",
            "blob",
            "binary",
            "varbinary",
            "char",
            "varchar",
            "text",
            "json",
            "enum",
            "set",
            "int"
        ]
    );
    assert_eq!(
        result.rows[0],
        vec![
            json!(1),
            json!(-128),
            json!(255),
            json!(-32768),
            json!(65535),
            json!(-8388608),
            json!(16777215),
            json!(-2147483648i64),
            json!(4294967295u64),
            json!(i64::MIN),
            json!(u64::MAX),
            json!("123456789.125"),
            json!(0.1),
            json!(0.1),
            json!("2024-02-29"),
            json!("2024-02-29T13:05:09"),
            json!("2024-02-29T13:05:09.000120"),
            json!("2024-02-29T13:05:09.500Z"),
            json!("-838:59:59"),
            json!("100:00:00.500000"),
            json!(2024),
            json!(682),
            json!("AP8Q"),
            json!("YWIA"),
            json!("3q2+7w=="),
            json!("hi"),
            json!("it's \"quoted\" \\ back"),
            json!("ünïcødé ✓"),
            json!({"a": [1, 2.5, null], "b": "x"}),
            json!("large"),
            json!(["a", "c"]),
            Value::Null,
        ]
    );
    assert_eq!(
        result.rows[1],
        vec![
            json!(2),
            json!(127),
            json!(0),
            json!(32767),
            json!(0),
            json!(8388607),
            json!(0),
            json!(2147483647),
            json!(0),
            json!(i64::MAX),
            json!(0),
            json!("-0.001"),
            json!(-1.5),
            json!(1e300),
            json!("0000-00-00"),
            json!("0000-00-00 00:00:00"),
            json!("2024-01-01T00:00:00.000000"),
            json!("0000-00-00 00:00:00.000"),
            json!("-00:00:01"),
            json!("838:59:59.000000"),
            json!(0),
            json!(0),
            json!(""),
            json!("YQAA"),
            json!(""),
            json!(""),
            json!(""),
            json!(""),
            json!([]),
            json!("small"),
            json!([]),
            json!(7),
        ]
    );
    // The 0.1 in the JSON text is the FLOAT's own shortest text, not 0.10000000149011612.
    assert_eq!(serde_json::to_string(&result.rows[0][12]).unwrap(), "0.1");
    assert_eq!(serde_json::to_string(&result.rows[0][10]).unwrap(), "18446744073709551615");

    // Expressions: no table behind them. MariaDB's JSON functions return text (VARCHAR), so their JSON
    // stays text (documented); the SQL NULL literal has its own type.
    let expressions =
        run(&connector, "SELECT 1 + 1 AS two, NULL AS nothing, CAST(1 AS UNSIGNED) AS u, JSON_OBJECT('a', 1) AS jo")
            .await
            .unwrap();
    assert_eq!(
        expressions.columns,
        vec![
            Column { name: "two".into(), type_name: "int".into() },
            Column { name: "nothing".into(), type_name: "null".into() },
            Column { name: "u".into(), type_name: "int unsigned".into() },
            Column { name: "jo".into(), type_name: "varchar".into() },
        ]
    );
    assert_eq!(expressions.rows, vec![vec![json!(2), Value::Null, json!(1), json!("{\"a\": 1}")]]);
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn writes_sent_straight_to_the_session_fail_and_change_nothing() {
    let outfile = std::env::temp_dir().join(format!("sqlgate-my-outfile-{}", std::process::id()));
    let db = TestDb::create(
        "writes",
        &[
            "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))",
            "INSERT INTO t VALUES (1, 'one'), (2, 'two')",
            "CREATE SEQUENCE s",
            "CREATE FUNCTION evil() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO t VALUES (99, 'evil'); RETURN 1; END",
            "CREATE PROCEDURE p() BEGIN INSERT INTO t VALUES (98, 'proc'); SELECT 1; END",
        ],
    )
    .await;
    let connector = db.connector("");
    let outfile_sql = format!("SELECT * FROM t INTO OUTFILE '{}'", outfile.display());
    let refused = [
        "INSERT INTO t VALUES (3, 'three')",
        "UPDATE t SET name = 'x'",
        "DELETE FROM t",
        "REPLACE INTO t VALUES (1, 'x')",
        "CREATE TABLE u (a INT)",
        "CREATE TEMPORARY TABLE u (a INT)",
        "CREATE TABLE u AS SELECT * FROM t",
        "DROP TABLE t",
        "ALTER TABLE t ADD COLUMN b INT",
        "TRUNCATE TABLE t",
        "RENAME TABLE t TO t2",
        "CREATE DATABASE sqlgate_my_writes_never",
        "CREATE USER 'sqlgate_my_writes_never'@'%'",
        "SET GLOBAL max_connections = @@global.max_connections",
        "DO 1",
        "CALL p()",
        "LOCK TABLES t READ",
        "COMMIT",
        "START TRANSACTION",
        "SELECT 1 INTO @x",
        outfile_sql.as_str(),
        "SELECT 1; DROP TABLE t",
        "SELECT 1; SELECT 2",
        "PREPARE x FROM 'DROP TABLE t'",
        "EXECUTE IMMEDIATE 'DROP TABLE t'",
    ];
    for sql in refused {
        match run(&connector, sql).await {
            Err(ConnectorError::NotReadOnly | ConnectorError::Database(_)) => {}
            other => panic!("`{sql}` was not refused: {other:?}"),
        }
    }
    // Placeholders: sqlgate sends values inline, and mysql_async would rewrite `:name` into `?`.
    for sql in ["SELECT ?", "SELECT :name", "SELECT name FROM t WHERE id = :id", "SELECT ? , :mixed"] {
        match run(&connector, sql).await {
            Err(ConnectorError::Database(message)) => assert!(message.contains("placeholders"), "{sql}: {message}"),
            other => panic!("`{sql}` was not refused: {other:?}"),
        }
    }
    // A colon inside a string is text, not a placeholder.
    assert_eq!(one(&connector, "SELECT ':id', name FROM t WHERE id = 1").await, vec![json!(":id"), json!("one")]);
    // Statements that do return rows reach the server, and the read-only transaction stops them.
    for sql in [
        "INSERT INTO t VALUES (4, 'four') RETURNING id",
        "DELETE FROM t RETURNING id",
        "SELECT evil()",
        "SELECT NEXTVAL(s)",
    ] {
        match run(&connector, sql).await {
            Err(ConnectorError::NotReadOnly) => {}
            other => panic!("`{sql}` was not stopped by the read-only transaction: {other:?}"),
        }
    }
    assert_eq!(db.scalar("SELECT GROUP_CONCAT(id ORDER BY id) FROM t").await, json!("1,2"));
    assert_eq!(db.scalar("SELECT GROUP_CONCAT(name ORDER BY id) FROM t").await, json!("one,two"));
    assert_eq!(
        db.scalar(&format!("SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}'", db.name)).await,
        json!("s,t")
    );
    assert_eq!(db.scalar("SELECT NEXTVAL(s)").await, json!(1));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM mysql.user WHERE user = 'sqlgate_my_writes_never'").await, json!(0));
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'sqlgate_my_writes_never'")
            .await,
        json!(0)
    );
    assert!(!outfile.exists(), "SELECT … INTO OUTFILE wrote a file");
    // The connector still answers.
    assert_eq!(one(&connector, "SELECT COUNT(*) FROM t").await, vec![json!(2)]);
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn a_query_past_the_statement_timeout_is_stopped() {
    let db = TestDb::create("timeout", &[]).await;
    let connector = db.connector("statement_timeout=500");
    match run(&connector, "SELECT SLEEP(5)").await {
        Err(ConnectorError::Timeout(500)) => {}
        other => panic!("expected Timeout(500), got {other:?}"),
    }
    assert_eq!(one(&connector, "SELECT 1").await, vec![json!(1)]);
    connector.close().await;
    db.drop().await;
}

/// One pooled connection, reused: whatever a query changed in its session is gone for the next.
#[tokio::test]
async fn session_state_never_survives_into_the_next_query() {
    let db = TestDb::create(
        "state",
        &["CREATE FUNCTION poison() RETURNS INT NO SQL BEGIN \
             SET SESSION max_statement_time = 0; SET @x = 5; SET SESSION time_zone = '+05:00'; \
             SET SESSION character_set_results = 'latin1'; RETURN 1; END"],
    )
    .await;
    let connector = db.connector("pool_size=1&statement_timeout=500");
    let lock = format!("{}_lock", db.name);
    let first = one(&connector, &format!("SELECT CONNECTION_ID(), GET_LOCK('{lock}', 0), @x := 5, poison()")).await;
    assert_eq!(first[1..], [json!(1), json!(5), json!(1)]);
    let id = first[0].clone();
    let state = "SELECT CONNECTION_ID(), IS_FREE_LOCK('{lock}'), @x, @@max_statement_time, @@sql_mode, @@time_zone, \
                 @@tx_read_only, @@character_set_results, @@character_set_client"
        .replace("{lock}", &lock);
    let second = one(&connector, &state).await;
    assert_eq!(
        second,
        vec![
            id.clone(),
            json!(1),
            Value::Null,
            json!(0.5),
            json!("STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"),
            json!("+00:00"),
            json!(1),
            json!("utf8mb4"),
            json!("utf8mb4"),
        ]
    );
    // Text reads as the guard's MySQL dialect reads it, on the same connection.
    let text = one(&connector, r#"SELECT CONNECTION_ID(), 'a\'b', "a", 'x' || 'y'"#).await;
    assert_eq!(text, vec![id, json!("a'b"), json!("a"), json!(0)]);
    connector.close().await;
    db.drop().await;
}

/// Statements that would change the session are refused, and nothing of them is seen afterwards.
#[tokio::test]
async fn session_settings_sent_as_queries_do_not_take() {
    let db = TestDb::create("settings", &["CREATE TABLE t (a INT)"]).await;
    let connector = db.connector("pool_size=1&statement_timeout=500");
    for sql in [
        "SET @x = 5",
        "SET SESSION sql_mode = 'ANSI_QUOTES'",
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'",
        "SET SESSION max_statement_time = 0",
        "SET SESSION TRANSACTION READ WRITE",
        "SET SESSION tx_read_only = 0",
        "SET NAMES latin1",
        "SET time_zone = '+05:00'",
    ] {
        assert!(run(&connector, sql).await.is_err(), "`{sql}` ran");
    }
    let after = one(&connector, r#"SELECT @x, "a", 'a\'b', @@max_statement_time, @@tx_read_only, @@time_zone"#).await;
    assert_eq!(after, vec![Value::Null, json!("a"), json!("a'b"), json!(0.5), json!(1), json!("+00:00")]);
    match run(&connector, "INSERT INTO t VALUES (1) RETURNING a").await {
        Err(ConnectorError::NotReadOnly) => {}
        other => panic!("expected NotReadOnly, got {other:?}"),
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM t").await, json!(0));
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn the_warnings_of_a_statement_read_to_its_end_are_counted() {
    let db =
        TestDb::create("warn", &["CREATE TABLE t (code VARCHAR(10))", "INSERT INTO t VALUES ('7'), ('x1'), ('y2')"])
            .await;
    let connector = db.connector("pool_size=1");
    // Comparing text with a number converts each value; two of them are not numbers.
    let warned = run(&connector, "SELECT code FROM t WHERE code = 7").await.unwrap();
    assert_eq!(warned.rows, vec![vec![json!("7")]]);
    assert_eq!(warned.warnings, 2, "one 'Truncated incorrect DECIMAL value' per value that is not a number");
    let clean = run(&connector, "SELECT code FROM t WHERE code = '7'").await.unwrap();
    assert_eq!(clean.warnings, 0, "the count is the statement's own, not the last one's");
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn the_row_cap_says_there_was_more() {
    let db =
        TestDb::create("rows", &["CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t SELECT seq FROM seq_1_to_50"])
            .await;
    let connector = db.connector("pool_size=1");
    let budget = Budget { max_rows: 20, ..Budget::default() };
    let capped = connector.query("SELECT CONNECTION_ID(), id FROM t ORDER BY id LIMIT 21", budget).await.unwrap();
    assert_eq!(capped.row_count, 20);
    assert_eq!(capped.rows[19][1], json!(20));
    assert_eq!(
        capped.truncated,
        Some(Truncation { reason: CutReason::Rows, rows_returned: 20, more_rows: true, cells_truncated: 0 })
    );
    // The guard's LIMIT is one past the cap: the result ended, so the connection was kept.
    let exact = connector.query("SELECT CONNECTION_ID(), id FROM t ORDER BY id LIMIT 20", budget).await.unwrap();
    assert_eq!(exact.truncated, None);
    assert_eq!(exact.row_count, 20);
    assert_eq!(exact.rows[0][0], capped.rows[0][0]);
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn the_byte_budget_and_the_cell_cap_cut_visibly() {
    let db = TestDb::create(
        "bytes",
        &[
            "CREATE TABLE t (id INT PRIMARY KEY, body TEXT)",
            "INSERT INTO t SELECT seq, REPEAT('x', 100) FROM seq_1_to_10",
        ],
    )
    .await;
    let connector = db.connector("");
    let bytes = Budget { max_rows: 20, max_bytes: 350, max_cell_bytes: 1024 };
    let result = connector.query("SELECT id, body FROM t ORDER BY id LIMIT 21", bytes).await.unwrap();
    let encoded = serde_json::to_vec(&result.rows).unwrap().len() - 2;
    assert!(encoded <= 350, "{encoded} bytes");
    assert_eq!(result.row_count, 3);
    assert_eq!(
        result.truncated,
        Some(Truncation { reason: CutReason::Bytes, rows_returned: 3, more_rows: true, cells_truncated: 0 })
    );

    let cells = Budget { max_rows: 20, max_bytes: 32 * 1024, max_cell_bytes: 40 };
    let result = connector.query("SELECT id, body FROM t WHERE id <= 2 ORDER BY id", cells).await.unwrap();
    for row in &result.rows {
        let body = row[1].as_str().unwrap();
        assert!(body.ends_with(CUT_MARKER), "{body}");
        assert!(serde_json::to_vec(body).unwrap().len() <= 40);
    }
    assert_eq!(
        result.truncated,
        Some(Truncation { reason: CutReason::Cells, rows_returned: 2, more_rows: false, cells_truncated: 2 })
    );
    connector.close().await;
    db.drop().await;
}

/// Without a LIMIT, reading stops at the budget: the statement is killed and its connection
/// closed, not drained. With one pooled connection, a drained 1e9-row result would hold the pool
/// far past the connect timeout, and the next query would fail.
#[tokio::test]
async fn a_huge_result_without_limit_stops_at_the_budget() {
    let db = TestDb::create(
        "huge",
        &[
            "CREATE TABLE big (id INT PRIMARY KEY, name VARCHAR(40))",
            "INSERT INTO big SELECT seq, CONCAT('row ', seq) FROM seq_1_to_200000",
        ],
    )
    .await;
    let connector = db.connector("pool_size=1&connect_timeout=3&statement_timeout=120000");
    let result = run(&connector, "SELECT CONNECTION_ID(), id, name FROM big").await.unwrap();
    assert_eq!(result.row_count, 20);
    let truncated = result.truncated.unwrap();
    assert!(truncated.more_rows);
    assert_eq!(truncated.reason, CutReason::Rows);
    let first_id = result.rows[0][0].clone();

    let endless = run(&connector, "SELECT CONNECTION_ID(), seq FROM seq_1_to_1000000000").await.unwrap();
    assert_eq!(endless.row_count, 20);
    assert!(endless.truncated.unwrap().more_rows);
    assert_ne!(endless.rows[0][0], first_id, "a connection with rows pending went back to the pool");

    let next = one(&connector, "SELECT CONNECTION_ID()").await;
    assert_ne!(next[0], endless.rows[0][0], "a connection with rows pending went back to the pool");
    connector.close().await;
    db.drop().await;
}

/// A caller that gives up mid-query (its future dropped while rows stream in) leaves no
/// connection behind draining a result: with one pooled connection, the next query gets a fresh
/// one. Rows of 100 kB leave the server at once; the fourth row then takes 30 s to compute.
#[tokio::test]
async fn a_cancelled_query_does_not_hold_the_pool() {
    let db = TestDb::create("cancel", &[]).await;
    let connector = db.connector("pool_size=1&connect_timeout=3&statement_timeout=60000");
    let before = one(&connector, "SELECT CONNECTION_ID()").await;
    let budget = Budget { max_rows: 20, max_bytes: 1 << 20, max_cell_bytes: 64 };
    let slow = "SELECT seq, REPEAT('x', 100000), IF(seq > 3, SLEEP(30), 0) FROM seq_1_to_10";
    let cancelled = tokio::time::timeout(std::time::Duration::from_millis(500), connector.query(slow, budget)).await;
    assert!(cancelled.is_err(), "the query was expected to still run");
    let after = one(&connector, "SELECT CONNECTION_ID()").await;
    assert_ne!(after, before, "the cancelled query's connection went back to the pool");
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn a_killed_connection_is_replaced() {
    let db = TestDb::create("dead", &[]).await;
    let connector = db.connector("pool_size=1");
    let first = one(&connector, "SELECT CONNECTION_ID()").await;
    let mut root = admin(None).await;
    root.query_drop(format!("KILL {}", first[0])).await.unwrap();
    root.disconnect().await.unwrap();
    let second = one(&connector, "SELECT CONNECTION_ID(), 1").await;
    assert_ne!(second[0], first[0]);
    assert_eq!(second[1], json!(1));
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn the_schema_names_keys_comments_and_views() {
    let db = TestDb::create(
        "schema",
        &[
            "CREATE TABLE customers (id INT UNSIGNED PRIMARY KEY COMMENT 'the customer number', \
             name VARCHAR(40) NOT NULL, profile JSON NULL) COMMENT 'who buys'",
            "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT UNSIGNED NOT NULL, \
             total DECIMAL(10,2) NULL, CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers (id))",
            "CREATE TABLE order_lines (order_id INT, line INT, sku VARCHAR(10), PRIMARY KEY (order_id, line), \
             FOREIGN KEY (order_id) REFERENCES orders (id))",
            "CREATE TABLE pairs (a INT, b INT, PRIMARY KEY (a, b))",
            "CREATE TABLE pair_refs (x INT, y INT, FOREIGN KEY (x, y) REFERENCES pairs (a, b))",
            "CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100",
            "CREATE SEQUENCE seq_ids",
        ],
    )
    .await;
    let connector = db.connector("");
    let schema = connector.schema(&Exposure::All).await.unwrap();
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["big_orders", "customers", "order_lines", "orders", "pair_refs", "pairs"]);
    assert!(schema.tables.iter().all(|t| t.schema == db.name));

    let customers = &schema.tables[1];
    assert_eq!(customers.kind, TableKind::Table);
    assert_eq!(customers.comment.as_deref(), Some("who buys"));
    assert!(customers.approximate_rows.is_some());
    assert_eq!(customers.primary_key, ["id"]);
    assert_eq!(
        customers.columns,
        vec![
            SchemaColumn {
                name: "id".into(),
                type_name: "int(10) unsigned".into(),
                nullable: false,
                comment: Some("the customer number".into())
            },
            SchemaColumn { name: "name".into(), type_name: "varchar(40)".into(), nullable: false, comment: None },
            SchemaColumn { name: "profile".into(), type_name: "json".into(), nullable: true, comment: None },
        ]
    );
    let orders = &schema.tables[3];
    assert_eq!(orders.comment, None);
    assert_eq!(orders.columns[2].type_name, "decimal(10,2)");
    assert!(orders.columns[2].nullable);
    assert_eq!(
        orders.foreign_keys,
        vec![ForeignKey {
            columns: vec!["customer_id".into()],
            ref_schema: db.name.clone(),
            ref_table: "customers".into(),
            ref_columns: vec!["id".into()],
        }]
    );
    assert_eq!(schema.tables[2].primary_key, ["order_id", "line"]);
    assert_eq!(schema.tables[4].foreign_keys[0].columns, ["x", "y"]);
    assert_eq!(schema.tables[4].foreign_keys[0].ref_columns, ["a", "b"]);
    assert!(schema.tables[4].primary_key.is_empty());

    let view = &schema.tables[0];
    assert_eq!(view.kind, TableKind::View);
    assert_eq!((view.comment.as_deref(), view.approximate_rows), (None, None));
    assert_eq!(view.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "total"]);

    let only = Exposure::Only(vec![
        TableRef::parse("orders").unwrap(),
        TableRef::parse(&format!("{}.big_orders", db.name)).unwrap(),
        TableRef::parse("other_db.customers").unwrap(),
    ]);
    let filtered = connector.schema(&only).await.unwrap();
    let names: Vec<&str> = filtered.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["big_orders", "orders"]);
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn root_is_reported_with_the_sql_for_a_read_only_account() {
    let db = TestDb::create("priv_root", &["CREATE TABLE t (a INT)"]).await;
    let connector = db.connector("");
    let report = connector.privileges(&Exposure::All).await.unwrap();
    let kinds: Vec<PrivilegeKind> = report.warnings.iter().map(|w| w.kind).collect();
    for kind in [
        PrivilegeKind::Superuser,
        PrivilegeKind::File,
        PrivilegeKind::Admin,
        PrivilegeKind::Write,
        PrivilegeKind::Create,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing from {:?}", report.warnings);
    }
    assert!(!report.is_read_only());
    let fix = report.fix_sql.unwrap();
    assert!(fix.contains("CREATE USER 'sqlgate_reader'@'%' IDENTIFIED BY"), "{fix}");
    assert!(fix.contains(&format!("GRANT SELECT ON `{}`.* TO 'sqlgate_reader'@'%';", db.name)), "{fix}");
    connector.close().await;
    db.drop().await;
}

#[tokio::test]
async fn a_select_only_account_is_clean_and_still_works() {
    let db =
        TestDb::create("priv_ro", &["CREATE TABLE t (a INT)", "INSERT INTO t SELECT seq FROM seq_1_to_1000"]).await;
    let user = "sqlgate_my_priv_ro";
    create_user(user, &[format!("GRANT SELECT ON `{}`.* TO '{user}'@'%'", db.name)]).await;
    let config = ServerConfig::from_url(&format!("mysql://{user}:{user}@127.0.0.1:3306/{}", db.name)).unwrap();
    let connector = MysqlConnector::new(config).unwrap();
    let report = connector.privileges(&Exposure::All).await.unwrap();
    assert!(report.is_read_only(), "{:?}", report.warnings);
    assert_eq!(report.fix_sql, None);
    // An early stop kills the account's own statement: no privilege beyond its own session needed.
    let result = run(&connector, "SELECT a FROM t").await.unwrap();
    assert!(result.truncated.unwrap().more_rows);
    assert_eq!(one(&connector, "SELECT COUNT(*) FROM t").await, vec![json!(1000)]);
    connector.close().await;
    drop_accounts(&[format!("DROP USER IF EXISTS '{user}'@'%'")]).await;
    db.drop().await;
}

/// Powers that come through roles count, whether or not the role is enabled by default.
#[tokio::test]
async fn writes_and_roles_are_reported_only_where_they_reach() {
    let db = TestDb::create("priv_roles", &["CREATE TABLE t (a INT)", "CREATE TABLE u (a INT)"]).await;
    let (user, role) = ("sqlgate_my_priv_writer", "sqlgate_my_priv_role");
    let cleanup = [format!("DROP USER IF EXISTS '{user}'@'%'"), format!("DROP ROLE IF EXISTS {role}")];
    drop_accounts(&cleanup).await;
    create_user(
        user,
        &[
            format!("GRANT SELECT ON `{}`.* TO '{user}'@'%'", db.name),
            format!("GRANT INSERT ON `{}`.`u` TO '{user}'@'%'", db.name),
            format!("CREATE ROLE {role}"),
            format!("GRANT FILE ON *.* TO {role}"),
            format!("GRANT {role} TO '{user}'@'%'"),
        ],
    )
    .await;
    let config = ServerConfig::from_url(&format!("mysql://{user}:{user}@127.0.0.1:3306/{}", db.name)).unwrap();
    let connector = MysqlConnector::new(config).unwrap();

    let all = connector.privileges(&Exposure::All).await.unwrap();
    let found: Vec<(PrivilegeKind, String)> = all.warnings.iter().map(|w| (w.kind, w.object.clone())).collect();
    assert!(found.contains(&(PrivilegeKind::Write, format!("{}.u", db.name))), "{found:?}");
    assert!(found.contains(&(PrivilegeKind::File, "*.*".to_owned())), "the role's FILE was missed: {found:?}");
    assert!(all.fix_sql.is_some());

    let only_t = connector.privileges(&Exposure::Only(vec![TableRef::parse("t").unwrap()])).await.unwrap();
    assert!(only_t.warnings.iter().all(|w| w.kind != PrivilegeKind::Write), "{:?}", only_t.warnings);
    assert!(only_t.fix_sql.unwrap().contains(&format!("GRANT SELECT ON `{}`.`t` TO", db.name)));
    connector.close().await;
    drop_accounts(&cleanup).await;
    db.drop().await;
}

#[tokio::test]
async fn tls_against_a_server_without_tls_fails_clearly() {
    let db = TestDb::create("tls", &[]).await;
    for mode in ["require", "verify-full"] {
        let config =
            ServerConfig::from_url(&format!("mysql://root:hunter2@127.0.0.1:3306/{}?sslmode={mode}", db.name)).unwrap();
        let connector = MysqlConnector::new(config).unwrap();
        match run(&connector, "SELECT 1").await {
            Err(ConnectorError::Tls(message)) => {
                assert!(message.contains("does not offer TLS"), "{message}");
                assert!(!message.contains("hunter2"), "{message}");
            }
            other => panic!("sslmode={mode}: expected a TLS error, got {other:?}"),
        }
        assert!(matches!(connector.schema(&Exposure::All).await, Err(ConnectorError::Tls(_))));
        connector.close().await;
    }
    db.drop().await;
}

#[tokio::test]
async fn connect_failures_are_open_errors_without_secrets() {
    let db = TestDb::create("open", &[]).await;
    // A wrong password: refused by the server.
    let config = ServerConfig::from_url(&format!("mysql://root:hunter2@127.0.0.1:3306/{}", db.name)).unwrap();
    let connector = MysqlConnector::new(config).unwrap();
    match run(&connector, "SELECT 1").await {
        Err(ConnectorError::Open(message)) => {
            assert!(message.contains("Access denied"), "{message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
        other => panic!("expected an Open error, got {other:?}"),
    }
    assert!(!format!("{connector:?}").contains("hunter2"));

    // A port that accepts but never speaks: the connect timeout, not a hang.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let config =
        ServerConfig::from_url(&format!("mysql://root:hunter2@127.0.0.1:{port}/db?connect_timeout=1")).unwrap();
    let connector = MysqlConnector::new(config).unwrap();
    match run(&connector, "SELECT 1").await {
        Err(ConnectorError::Open(message)) => {
            assert!(message.contains(&format!("127.0.0.1:{port}/db")), "{message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
        other => panic!("expected an Open error, got {other:?}"),
    }
    drop(silent);
    db.drop().await;
}

/// Concurrent queries share at most `pool_size` connections, and the connector can be shared
/// across tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_queries_stay_within_the_pool() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<MysqlConnector>();
    let db = TestDb::create("pool", &[]).await;
    let connector = std::sync::Arc::new(db.connector("pool_size=2&connect_timeout=10"));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let connector = std::sync::Arc::clone(&connector);
            tokio::spawn(async move { one(&connector, "SELECT CONNECTION_ID(), SLEEP(0.1)").await })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let row = task.await.unwrap();
        assert_eq!(row[1], json!(0));
        ids.insert(row[0].to_string());
    }
    assert!(ids.len() <= 2, "{} connections for a pool of 2: {ids:?}", ids.len());
    std::sync::Arc::try_unwrap(connector).unwrap().close().await;
    db.drop().await;
}

/// Against a TLS-enabled MariaDB (a second server on port 3307 that `scripts/mariadb-tls.sh` starts
/// once, with the machine's self-signed certificate for `localhost`): `require` encrypts,
/// `verify-full` accepts the certificate only for the name it carries and the CA it chains to.
#[tokio::test]
async fn tls_modes_against_a_tls_server() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/mariadb-tls.sh");
    let started = std::process::Command::new(script).output().expect("run scripts/mariadb-tls.sh");
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    let cipher = "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER'";
    let ca = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let open = |url: String| MysqlConnector::new(ServerConfig::from_url(&url).unwrap()).unwrap();

    let plain = open("mysql://root@127.0.0.1:3307/mysql?sslmode=disable".into());
    assert_eq!(run(&plain, cipher).await.unwrap().rows, vec![vec![json!("")]]);
    let required = open("mysql://root@127.0.0.1:3307/mysql?sslmode=require".into());
    let rows = run(&required, cipher).await.unwrap().rows;
    assert!(rows[0][0].as_str().is_some_and(|c| !c.is_empty()), "{rows:?}");
    let verified = open(format!("mysql://root@localhost:3307/mysql?sslmode=verify-full&sslrootcert={ca}"));
    let rows = run(&verified, cipher).await.unwrap().rows;
    assert!(rows[0][0].as_str().is_some_and(|c| !c.is_empty()), "{rows:?}");

    // The certificate does not name 127.0.0.1, and the public roots do not know its issuer.
    for url in [
        format!("mysql://root@127.0.0.1:3307/mysql?sslmode=verify-full&sslrootcert={ca}"),
        "mysql://root@localhost:3307/mysql?sslmode=verify-full".to_owned(),
    ] {
        let refused = open(url.clone());
        assert!(matches!(run(&refused, "SELECT 1").await, Err(ConnectorError::Tls(_))), "{url}");
    }
    for c in [plain, required, verified] {
        c.close().await;
    }
}
