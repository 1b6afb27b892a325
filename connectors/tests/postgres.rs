//! The PostgreSQL connector against the real server on 127.0.0.1:5432: the session wall on its
//! own (statements sent straight to the connector, bypassing the guard), budgets, every type the
//! API promises, schema introspection, the privilege report and TLS. Each test owns a database.

use std::time::Duration;

use serde_json::{json, Value};
use sqlgate_connectors::postgres::PostgresConnector;
use sqlgate_connectors::{
    Budget, ConnectorError, CutReason, Exposure, PrivilegeKind, ServerConfig, TableKind, TableRef, CUT_MARKER,
};
use tokio_postgres::{Client, NoTls};

const SERVER: &str = "host=127.0.0.1 port=5432 user=postgres";

async fn admin(database: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(&format!("{SERVER} dbname={database}"), NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// A fresh database named after the test, set up with `sql`.
async fn database(test: &str, sql: &str) -> (String, Client) {
    let name = format!("sqlgate_pg_{test}");
    let server = admin("postgres").await;
    server.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
    server.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let client = admin(&name).await;
    client.batch_execute(sql).await.unwrap();
    (name, client)
}

async fn drop_database(name: &str) {
    admin("postgres").await.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
}

fn connector(database: &str, params: &str) -> PostgresConnector {
    let url = format!("postgres://postgres@127.0.0.1:5432/{database}{params}");
    PostgresConnector::new(ServerConfig::from_url(&url).unwrap()).unwrap()
}

async fn rows(c: &PostgresConnector, sql: &str) -> Vec<Vec<Value>> {
    c.query(sql, Budget::default()).await.unwrap_or_else(|e| panic!("{sql}: {e}")).rows
}

async fn one(c: &PostgresConnector, sql: &str) -> Value {
    rows(c, sql).await[0][0].clone()
}

#[tokio::test]
async fn every_promised_type_maps_to_json_with_its_name() {
    let (db, _admin) = database(
        "types",
        "CREATE TYPE mood AS ENUM ('sad', 'happy');
         CREATE TABLE t (
           i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, n numeric(30,10), b boolean,
           tx text, vc varchar(10), ch char(3), u uuid, j json, jb jsonb, d date, tm time, ttz timetz,
           ts timestamp, tstz timestamptz, iv interval, by bytea, ai integer[], at text[], e mood,
           ip inet, net cidr, m money, nothing text, pt point);
         INSERT INTO t VALUES (
           -32768, 2147483647, 9223372036854775807, 0.1, 1e308, 12345678901234567890.0123456789, true,
           'héllo \"q\"', 'v', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2.5, null]}',
           '{\"b\": true}', '2024-02-29', '23:59:59.999999', '12:00:00+02', '2024-02-29 12:34:56.789',
           '2024-02-29 12:34:56+02', '1 year 2 months 3 days 04:05:06.5', '\\x00ff10',
           '{{1,2},{3,NULL}}', '{\"a,b\",\"c\\\"d\",NULL}', 'happy', '192.168.0.1/24', '10.0.0.0/8', 12.34, NULL,
           '(1,2)');",
    )
    .await;
    let c = connector(&db, "");
    let result = c.query("SELECT * FROM t", Budget::default()).await.unwrap();
    let types: Vec<&str> = result.columns.iter().map(|c| c.type_name.as_str()).collect();
    assert_eq!(
        types,
        [
            "int2",
            "int4",
            "int8",
            "float4",
            "float8",
            "numeric",
            "bool",
            "text",
            "varchar",
            "bpchar",
            "uuid",
            "json",
            "jsonb",
            "date",
            "time",
            "timetz",
            "timestamp",
            "timestamptz",
            "interval",
            "bytea",
            "int4[]",
            "text[]",
            "mood",
            "inet",
            "cidr",
            "money",
            "text",
            "point"
        ]
    );
    assert_eq!(
        Value::Array(result.rows[0].clone()),
        json!([
            -32768, 2147483647, 9223372036854775807i64, 0.1, 1e308, "12345678901234567890.0123456789", true,
            "héllo \"q\"", "v", "ab ", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", {"k": [1, 2.5, null]}, {"b": true},
            "2024-02-29", "23:59:59.999999", "12:00:00+02:00", "2024-02-29T12:34:56.789", "2024-02-29T10:34:56Z",
            "P1Y2M3DT4H5M6.5S", "AP8Q", [[1, 2], [3, null]], ["a,b", "c\"d", null], "happy", "192.168.0.1/24",
            "10.0.0.0/8", "$12.34", null, "(1,2)"
        ])
    );
    assert_eq!(result.truncated, None);
    let special = rows(&c, "SELECT 'NaN'::float8, '-Infinity'::float4, 'infinity'::timestamptz, 'NaN'::numeric").await;
    assert_eq!(Value::Array(special[0].clone()), json!(["NaN", "-Infinity", "infinity", "NaN"]));
    drop_database(&db).await;
}

/// Writes of every kind, sent past the guard, fail and change nothing.
#[tokio::test]
async fn the_session_refuses_writes_whatever_the_text() {
    let (db, admin) =
        database("writes", "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2); CREATE SEQUENCE s;")
            .await;
    let c = connector(&db, "?pool_size=1");
    let writes = [
        "INSERT INTO t VALUES (3)",
        "UPDATE t SET id = id + 10",
        "DELETE FROM t",
        "TRUNCATE t",
        "DROP TABLE t",
        "CREATE TABLE u (x int)",
        "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
        "SELECT * FROM t FOR UPDATE",
        "SELECT nextval('s')",
        "SELECT 1; DROP TABLE t",
        "SELECT 1; COMMIT; DROP TABLE t",
        "COMMIT",
        "SELECT set_config('default_transaction_read_only', 'off', false); INSERT INTO t VALUES (4)",
        "SELECT * INTO t2 FROM t",
        "COPY t TO STDOUT",
    ];
    for sql in writes {
        let outcome = c.query(sql, Budget::default()).await;
        assert!(
            matches!(outcome, Err(ConnectorError::NotReadOnly | ConnectorError::Database(_))),
            "{sql}: {outcome:?}"
        );
    }
    // Settings changed by one query are gone by the next, on the same connection.
    one(&c, "SELECT set_config('default_transaction_read_only', 'off', false)").await;
    let insert = c.query("SELECT set_config('x.y', '1', false), nextval('s')", Budget::default()).await;
    assert!(matches!(insert, Err(ConnectorError::NotReadOnly)), "{insert:?}");
    let ids = admin.query("SELECT id FROM t ORDER BY id", &[]).await.unwrap();
    assert_eq!(ids.iter().map(|r| r.get::<_, i32>(0)).collect::<Vec<_>>(), [1, 2]);
    let tables = admin.query("SELECT relname FROM pg_class WHERE relname IN ('u', 't2')", &[]).await.unwrap();
    assert!(tables.is_empty());
    let seq: i64 = admin.query_one("SELECT last_value FROM s", &[]).await.unwrap().get(0);
    assert_eq!(seq, 1);
    drop_database(&db).await;
}

/// Locks, settings and timeouts set by one query do not survive into the next on the same
/// connection.
#[tokio::test]
async fn no_session_state_survives_a_query() {
    let (db, admin) = database("state", "CREATE SCHEMA evil; CREATE TABLE t (x int);").await;
    let c = connector(&db, "?pool_size=1&statement_timeout=400");
    let pid = one(&c, "SELECT pg_backend_pid()").await;
    assert_eq!(one(&c, "SELECT pg_backend_pid()").await, pid, "pool_size=1 reuses the connection");

    assert_eq!(one(&c, "SELECT pg_advisory_lock(42)::text").await, json!(""));
    one(&c, "SELECT pg_advisory_lock_shared(43)").await;
    let held = one(&c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()").await;
    assert_eq!(held, json!(0));
    // Another session can take the same lock at once.
    let free: bool = admin.query_one("SELECT pg_try_advisory_lock(42)", &[]).await.unwrap().get(0);
    assert!(free);
    admin.query_one("SELECT pg_advisory_unlock(42)", &[]).await.unwrap();

    one(&c, "SELECT set_config('search_path', 'evil', false), set_config('statement_timeout', '0', false)").await;
    one(&c, "SELECT set_config('standard_conforming_strings', 'off', false)").await;
    assert_eq!(one(&c, "SELECT current_setting('search_path')").await, json!("public"));
    assert_eq!(one(&c, "SELECT current_setting('statement_timeout')").await, json!("400ms"));
    // With standard_conforming_strings pinned on, a backslash is an ordinary character.
    assert_eq!(one(&c, r"SELECT 'a\'").await, json!(r"a\"));
    assert!(matches!(c.query("SELECT pg_sleep(5)", Budget::default()).await, Err(ConnectorError::Timeout(400))));
    // The timeout left the connection usable or replaced it; either way the next query works.
    assert_eq!(one(&c, "SELECT 1").await, json!(1));
    assert_eq!(one(&c, "SELECT current_setting('transaction_read_only')").await, json!("on"));
    drop_database(&db).await;
}

#[tokio::test]
async fn a_connection_killed_while_pooled_is_replaced() {
    let (db, admin) = database("dead", "").await;
    let c = connector(&db, "?pool_size=1");
    let pid = one(&c, "SELECT pg_backend_pid()").await.as_i64().unwrap() as i32;
    assert!(admin.query_one("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap().get::<_, bool>(0));
    for _ in 0..100 {
        let gone = admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", &[&pid]).await.unwrap().is_empty();
        if gone {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let new_pid = one(&c, "SELECT pg_backend_pid()").await.as_i64().unwrap() as i32;
    assert_ne!(new_pid, pid);
    drop_database(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_never_opens_more_than_its_size() {
    let (db, _admin) = database("pool", "").await;
    let c = std::sync::Arc::new(connector(&db, "?pool_size=2"));
    let queries = (0..6).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { one(&c, "SELECT pg_backend_pid() FROM pg_sleep(0.1)").await })
    });
    let mut pids: Vec<i64> = Vec::new();
    for query in queries {
        pids.push(query.await.unwrap().as_i64().unwrap());
    }
    pids.sort_unstable();
    pids.dedup();
    assert!(!pids.is_empty() && pids.len() <= 2, "{pids:?}");
    drop_database(&db).await;
}

#[tokio::test]
async fn reading_stops_at_the_row_cap_and_the_byte_budget() {
    let (db, _admin) = database("budgets", "").await;
    let c = connector(&db, "");
    // No LIMIT: the cursor is read for max_rows + 1 rows only.
    let capped = c.query("SELECT generate_series(1, 100000000)", Budget::default()).await.unwrap();
    assert_eq!(capped.row_count, 20);
    assert_eq!(capped.rows[19], vec![json!(20)]);
    let cut = capped.truncated.unwrap();
    assert_eq!((cut.reason, cut.rows_returned, cut.more_rows), (CutReason::Rows, 20, true));

    let exact = c.query("SELECT g FROM generate_series(1, 20) g", Budget::default()).await.unwrap();
    assert_eq!((exact.row_count, exact.truncated), (20, None));

    let budget = Budget { max_bytes: 2048, ..Budget::default() };
    let bytes = c.query("SELECT repeat('x', 500) FROM generate_series(1, 15)", budget).await.unwrap();
    assert!(bytes.row_count < 15);
    assert!(serde_json::to_vec(&bytes.rows).unwrap().len() <= 2048 + 2);
    assert_eq!(bytes.truncated.unwrap().reason, CutReason::Bytes);

    let long = c.query("SELECT repeat('é', 5000), 'short'", Budget::default()).await.unwrap();
    let text = long.rows[0][0].as_str().unwrap();
    assert!(text.ends_with(CUT_MARKER) && serde_json::to_vec(text).unwrap().len() <= 1024);
    assert_eq!(long.rows[0][1], json!("short"));
    let cut = long.truncated.unwrap();
    assert_eq!((cut.reason, cut.more_rows, cut.cells_truncated), (CutReason::Cells, false, 1));
    drop_database(&db).await;
}

#[tokio::test]
async fn errors_say_what_the_server_said() {
    let (db, _admin) = database("errors", "CREATE TABLE t (x int)").await;
    let c = connector(&db, "");
    let missing = c.query("SELECT * FROM nope", Budget::default()).await.unwrap_err().to_string();
    assert!(missing.contains("relation \"nope\" does not exist") && missing.contains("42P01"), "{missing}");
    let zero = c.query("SELECT 1 / x FROM (SELECT 0 AS x) s", Budget::default()).await.unwrap_err().to_string();
    assert!(zero.contains("division by zero"), "{zero}");
    // The connection is still good for the next query.
    assert_eq!(one(&c, "SELECT count(*) FROM t").await, json!(0));
    drop_database(&db).await;
}

#[tokio::test]
async fn connect_failures_are_typed_and_never_show_the_password() {
    let url = "postgres://postgres:hunter2@127.0.0.1:1/none?connect_timeout=2";
    let c = PostgresConnector::new(ServerConfig::from_url(url).unwrap()).unwrap();
    let e = c.query("SELECT 1", Budget::default()).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Open(_)), "{e:?}");
    let text = format!("{e} {e:?} {c:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("127.0.0.1:1/none"), "{text}");
}

#[tokio::test]
async fn schema_lists_exposed_relations_with_keys_comments_and_estimates() {
    let (db, _admin) = database(
        "schema",
        "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, note text);
         COMMENT ON TABLE customers IS 'People who buy';
         COMMENT ON COLUMN customers.name IS 'Full name';
         CREATE TABLE orders (id int, line int, customer_id int REFERENCES customers(id), total numeric(10,2),
                              PRIMARY KEY (id, line));
         INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 500) g;
         ANALYZE customers;
         CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
         CREATE SCHEMA hidden; CREATE TABLE hidden.secrets (x int);",
    )
    .await;
    let c = connector(&db, "");
    let schema = c.schema(&Exposure::All).await.unwrap();
    let names: Vec<String> = schema.tables.iter().map(|t| format!("{}.{}", t.schema, t.name)).collect();
    assert_eq!(names, ["public.big_orders", "public.customers", "public.orders"]);
    let customers = &schema.tables[1];
    assert_eq!(customers.comment.as_deref(), Some("People who buy"));
    assert_eq!(customers.approximate_rows, Some(500));
    assert_eq!(customers.primary_key, ["id"]);
    let cols: Vec<(&str, &str, bool, Option<&str>)> = customers
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.type_name.as_str(), c.nullable, c.comment.as_deref()))
        .collect();
    assert_eq!(
        cols,
        [("id", "integer", false, None), ("name", "text", false, Some("Full name")), ("note", "text", true, None)]
    );
    let orders = &schema.tables[2];
    assert_eq!(orders.primary_key, ["id", "line"]);
    assert_eq!(orders.foreign_keys.len(), 1);
    let fk = &orders.foreign_keys[0];
    assert_eq!(
        (fk.columns.clone(), fk.ref_table.as_str(), fk.ref_columns.clone()),
        (vec!["customer_id".to_owned()], "customers", vec!["id".to_owned()])
    );
    assert_eq!(orders.columns[3].type_name, "numeric(10,2)");
    assert_eq!(schema.tables[0].kind, TableKind::View);
    assert_eq!(schema.tables[0].approximate_rows, None);

    let only = Exposure::Only(vec![TableRef::parse("orders").unwrap(), TableRef::parse("hidden.secrets").unwrap()]);
    let names: Vec<String> =
        c.schema(&only).await.unwrap().tables.iter().map(|t| format!("{}.{}", t.schema, t.name)).collect();
    assert_eq!(names, ["hidden.secrets", "public.orders"]);
    drop_database(&db).await;
}

#[tokio::test]
async fn the_privilege_report_tells_writers_from_readers() {
    let reader = "sqlgate_pg_test_reader";
    let writer = "sqlgate_pg_test_writer";
    let (db, admin) = database(
        "privileges",
        &format!(
            "DROP ROLE IF EXISTS {reader}; DROP ROLE IF EXISTS {writer};
             CREATE TABLE t (x int); CREATE TABLE u (y int);
             CREATE ROLE {reader} LOGIN; GRANT SELECT ON t, u TO {reader};
             CREATE ROLE {writer} LOGIN; GRANT SELECT, INSERT ON t TO {writer}; GRANT SELECT ON u TO {writer};
             GRANT CREATE ON SCHEMA public TO {writer};"
        ),
    )
    .await;
    let superuser = connector(&db, "").privileges(&Exposure::All).await.unwrap();
    assert_eq!(superuser.warnings[0].kind, PrivilegeKind::Superuser);
    let fix = superuser.fix_sql.as_deref().unwrap();
    assert!(
        fix.contains("CREATE ROLE sqlgate_reader LOGIN")
            && fix.contains("GRANT SELECT ON ALL TABLES IN SCHEMA \"public\"")
    );

    let url = |role: &str| format!("postgres://{role}@127.0.0.1:5432/{db}");
    let as_reader = PostgresConnector::new(ServerConfig::from_url(&url(reader)).unwrap()).unwrap();
    // By default every role may cancel or terminate the sessions of its own role.
    let report = as_reader.privileges(&Exposure::All).await.unwrap();
    let found: Vec<(PrivilegeKind, &str)> = report.warnings.iter().map(|w| (w.kind, w.object.as_str())).collect();
    assert_eq!(
        found,
        [
            (PrivilegeKind::Signal, "pg_cancel_backend(integer)"),
            (PrivilegeKind::Signal, "pg_terminate_backend(integer,bigint)")
        ]
    );
    let revoke = report.fix_sql.unwrap();
    assert!(revoke.starts_with("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_cancel_backend(integer)"), "{revoke}");
    assert!(superuser.fix_sql.as_deref().unwrap().ends_with(&revoke), "the role the fix creates keeps no signals");
    admin.batch_execute(&revoke).await.unwrap();
    let report = as_reader.privileges(&Exposure::All).await.unwrap();
    assert!(report.is_read_only(), "{report:?}");
    assert_eq!(report.fix_sql, None);

    let as_writer = PostgresConnector::new(ServerConfig::from_url(&url(writer)).unwrap()).unwrap();
    let report = as_writer.privileges(&Exposure::All).await.unwrap();
    let found: Vec<(PrivilegeKind, &str)> = report.warnings.iter().map(|w| (w.kind, w.object.as_str())).collect();
    assert_eq!(found, [(PrivilegeKind::Write, "public.t"), (PrivilegeKind::Create, "public")]);
    // A function in the search path is code that queries can reach.
    admin
        .batch_execute("CREATE FUNCTION public.lower(integer) RETURNS integer LANGUAGE sql AS 'SELECT 1'")
        .await
        .unwrap();
    let report = as_reader.privileges(&Exposure::All).await.unwrap();
    assert_eq!(
        report.warnings.iter().map(|w| (w.kind, w.object.as_str())).collect::<Vec<_>>(),
        [(PrivilegeKind::UserCode, "public")]
    );
    assert!(report.warnings[0].message.contains("1 user-defined functions"), "{report:?}");
    // A cast applies whatever the search path: one whose function lives in a schema the connector
    // does not expose still runs when a query casts a row (`c::integer`).
    admin
        .batch_execute(
            "CREATE SCHEMA hidden; \
             CREATE FUNCTION hidden.row_number_of(t) RETURNS integer LANGUAGE sql AS 'SELECT 1'; \
             CREATE CAST (t AS integer) WITH FUNCTION hidden.row_number_of(t)",
        )
        .await
        .unwrap();
    let report = as_reader.privileges(&Exposure::All).await.unwrap();
    assert_eq!(
        report.warnings.iter().map(|w| (w.kind, w.object.as_str())).collect::<Vec<_>>(),
        [(PrivilegeKind::UserCode, "public"), (PrivilegeKind::UserCode, "casts")]
    );
    assert!(
        report.warnings[1].message.contains("1 user-defined casts with a function (such as public.t to integer)"),
        "{report:?}"
    );
    admin.batch_execute("DROP CAST (t AS integer); DROP SCHEMA hidden CASCADE").await.unwrap();
    // Exposing only u hides the write power on t, not the schema's.
    let only_u = Exposure::Only(vec![TableRef::parse("u").unwrap()]);
    let report = as_writer.privileges(&only_u).await.unwrap();
    assert_eq!(
        report.warnings.iter().map(|w| w.kind).collect::<Vec<_>>(),
        [PrivilegeKind::Create, PrivilegeKind::UserCode]
    );
    assert!(report.fix_sql.unwrap().contains("GRANT SELECT ON \"public\".\"u\" TO sqlgate_reader"));
    as_reader.close().await;
    as_writer.close().await;
    drop(admin);
    drop_database(&db).await;
    let server = self::admin("postgres").await;
    server.batch_execute(&format!("DROP ROLE IF EXISTS {reader}; DROP ROLE IF EXISTS {writer}")).await.unwrap();
}

#[tokio::test]
async fn tls_modes_do_what_they_say() {
    let (db, _admin) = database("tls", "").await;
    let ssl = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    assert_eq!(one(&connector(&db, "?sslmode=disable"), ssl).await, json!(false));
    assert_eq!(one(&connector(&db, "?sslmode=require"), ssl).await, json!(true));

    // The local server's certificate names localhost and is its own CA.
    let ca = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let verified = PostgresConnector::new(
        ServerConfig::from_url(&format!(
            "postgres://postgres@localhost:5432/{db}?sslmode=verify-full&sslrootcert={ca}"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(one(&verified, ssl).await, json!(true));
    // The same certificate does not name 127.0.0.1, and the public roots do not know it.
    let wrong_name = connector(&db, &format!("?sslmode=verify-full&sslrootcert={ca}"));
    let e = wrong_name.query("SELECT 1", Budget::default()).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Tls(_)), "{e:?}");
    let unknown_ca = connector(&db, "?sslmode=verify-full");
    let e = unknown_ca.query("SELECT 1", Budget::default()).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Tls(_)), "{e:?}");
    let missing = ServerConfig::from_url(&format!(
        "postgres://postgres@localhost/{db}?sslmode=verify-full&sslrootcert=/nonexistent.pem"
    ))
    .unwrap();
    let e = PostgresConnector::new(missing).unwrap_err();
    assert!(e.to_string().contains("/nonexistent.pem"), "{e}");
    drop_database(&db).await;
}
