//! Black-box tests of `sqlgate query --db`: the answer's JSON shape, truncation, and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn sqlgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sqlgate")).args(args).output().expect("run sqlgate")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn database(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sqlgate-query-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.sqlite");
    let _ = std::fs::remove_file(&path);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE big (id INTEGER PRIMARY KEY, label TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
         INSERT INTO big SELECT i, 'row ' || i FROM n;",
    )
    .unwrap();
    path
}

#[test]
fn select_star_on_a_big_table_answers_20_rows_and_says_there_are_more() {
    let db = format!("sqlite:{}", database("big").display());
    let out = sqlgate(&["query", "--db", &db, "SELECT * FROM big ORDER BY id"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["sql"], "SELECT * FROM big ORDER BY id LIMIT 21");
    assert_eq!(v["columns"], serde_json::json!([{"name": "id", "type": "integer"}, {"name": "label", "type": "text"}]));
    assert_eq!(v["rows"].as_array().unwrap().len(), 20);
    assert_eq!(v["row_count"], 20);
    assert_eq!(
        v["truncated"],
        serde_json::json!({"reason": "rows", "rows_returned": 20, "more_rows": true, "cells_truncated": 0})
    );
    for key in ["id", "confidence", "answer", "warnings"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn max_rows_and_max_bytes_shape_the_answer() {
    let db = format!("sqlite:{}", database("budget").display());
    let v = json(&sqlgate(&["query", "--db", &db, "--max-rows", "3", "SELECT id FROM big ORDER BY id"]));
    assert_eq!(v["sql"], "SELECT id FROM big ORDER BY id LIMIT 4");
    assert_eq!(v["rows"], serde_json::json!([[1], [2], [3]]));
    let v = json(&sqlgate(&["query", "--db", &db, "--max-bytes", "1024", "SELECT printf('%.100c', 'x') FROM big"]));
    assert_eq!(v["truncated"]["reason"], "bytes");
    assert!(serde_json::to_vec(&v["rows"]).unwrap().len() <= 1026);
}

#[test]
fn exit_codes_follow_the_contract() {
    let db = format!("sqlite:{}", database("codes").display());
    let rejected = sqlgate(&["query", "--db", &db, "DELETE FROM big"]);
    assert_eq!(rejected.status.code(), Some(1));
    let v = json(&rejected);
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["guard_code"].as_str()),
        (Some("sql_rejected"), Some("write_statement"))
    );

    let failed = sqlgate(&["query", "--db", &db, "SELECT no_such_column FROM big"]);
    assert_eq!(failed.status.code(), Some(3));
    assert_eq!(json(&failed)["error"]["code"], "database_error");

    assert_eq!(sqlgate(&["query", "--db", "sqlite:", "SELECT 1"]).status.code(), Some(2));
    assert_eq!(sqlgate(&["query", "--db", &db, "--max-rows", "0", "SELECT 1"]).status.code(), Some(2));
}

#[test]
fn a_url_with_a_password_is_never_repeated() {
    let refused = [
        "odbc://u:hunter2@x",
        "postgres://app:hunter2@db.internal/sales?sslmod=require",
        "mysql://root:hunter2@db/x?search_path=a",
        "postgres://app:hunter2@db.internal/",
    ];
    for url in refused {
        let out = sqlgate(&["query", "--db", url, "SELECT 1"]);
        assert_eq!(out.status.code(), Some(2), "{url}");
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("hunter2"), "the password was printed: {all}");
        assert!(all.contains("--db"), "{all}");
    }
    // A well-formed URL to a server that is not there: a database-side failure, still no password.
    let out = sqlgate(&["query", "--db", "postgres://app:hunter2@127.0.0.1:1/sales?connect_timeout=2", "SELECT 1"]);
    assert_eq!(out.status.code(), Some(3));
    let answer = json(&out);
    assert_eq!(answer["error"]["code"], "connector_unavailable");
    let all = format!("{answer}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!all.contains("hunter2") && all.contains("127.0.0.1:1/sales"), "{all}");
}

/// A newcomer's first query against PostgreSQL: 20 rows of a big table, a truthful `truncated`,
/// and the warning that the credentials can do more than read.
#[test]
fn query_a_postgres_table() {
    let psql = |db: &str, sql: &str| {
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-qc", sql])
            .output()
            .expect("run psql");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    psql("postgres", "DROP DATABASE IF EXISTS sqlgate_cli_query WITH (FORCE)");
    psql("postgres", "CREATE DATABASE sqlgate_cli_query");
    psql(
        "sqlgate_cli_query",
        "CREATE TABLE big_table AS SELECT g AS id, 'row ' || g AS name, g * 1.5 AS amount FROM generate_series(1, 50000) g",
    );
    let superuser = "postgres://postgres@127.0.0.1:5432/sqlgate_cli_query";
    let refused = sqlgate(&["query", "--db", superuser, "SELECT 1"]);
    assert_eq!(refused.status.code(), Some(3));
    assert_eq!(json(&refused)["error"]["code"], "connector_refused");
    assert!(json(&refused)["error"]["message"].as_str().unwrap().contains("allow_superuser=true"));
    let db = "postgres://postgres@127.0.0.1:5432/sqlgate_cli_query?allow_superuser=true";
    let out = sqlgate(&["query", "--db", db, "SELECT * FROM big_table ORDER BY id"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let answer = json(&out);
    assert_eq!(answer["row_count"], 20);
    assert_eq!(answer["rows"][0], serde_json::json!([1, "row 1", "1.5"]));
    assert_eq!(answer["columns"][2]["type"], "numeric");
    assert_eq!(
        answer["truncated"],
        serde_json::json!({"reason": "rows", "rows_returned": 20, "more_rows": true, "cells_truncated": 0})
    );
    assert!(answer["sql"].as_str().unwrap().ends_with("LIMIT 21"), "{answer}");
    assert!(answer["warnings"][0].as_str().unwrap().contains("superuser"), "{answer}");

    let refused = sqlgate(&["query", "--db", &format!("{db}&refuse_privileged=true"), "SELECT 1"]);
    assert_eq!(refused.status.code(), Some(3));
    assert_eq!(json(&refused)["error"]["code"], "connector_refused");

    let rejected = sqlgate(&["query", "--db", db, "DELETE FROM big_table"]);
    assert_eq!(rejected.status.code(), Some(1));
    assert_eq!(json(&rejected)["error"]["code"], "sql_rejected");
    psql("postgres", "DROP DATABASE IF EXISTS sqlgate_cli_query WITH (FORCE)");
}

/// The same first query against MariaDB, through `mysql://`.
#[test]
fn query_a_mariadb_table() {
    let mariadb = |sql: &str| {
        let out = Command::new("mariadb")
            .args(["-h", "127.0.0.1", "-u", "root", "-e", sql])
            .output()
            .expect("run the mariadb client");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    mariadb(
        "DROP DATABASE IF EXISTS sqlgate_cli_query; CREATE DATABASE sqlgate_cli_query;
         CREATE TABLE sqlgate_cli_query.big_table (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(20), amount DECIMAL(10,2));
         INSERT INTO sqlgate_cli_query.big_table SELECT seq, CONCAT('row ', seq), seq * 1.5 FROM sqlgate_cli_query.seq_1_to_5000;",
    );
    let refused = sqlgate(&["query", "--db", "mysql://root@127.0.0.1:3306/sqlgate_cli_query", "SELECT 1"]);
    assert_eq!(json(&refused)["error"]["code"], "connector_refused", "root is a superuser");
    let db = "mysql://root@127.0.0.1:3306/sqlgate_cli_query?allow_superuser=true";
    let out = sqlgate(&["query", "--db", db, "SELECT * FROM big_table ORDER BY id"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let answer = json(&out);
    assert_eq!(answer["row_count"], 20);
    assert_eq!(answer["rows"][0], serde_json::json!([1, "row 1", "1.50"]));
    assert_eq!(answer["columns"][0]["type"], "bigint unsigned");
    assert_eq!(answer["truncated"]["more_rows"], true);
    assert!(answer["warnings"][0].as_str().unwrap().contains("can do more than read"), "{answer}");

    // The guard reads MySQL text: a double-quoted string is a string, not a name.
    let quoted = sqlgate(&["query", "--db", db, "SELECT \"id\" AS x FROM big_table WHERE id = 7"]);
    assert_eq!(json(&quoted)["rows"], serde_json::json!([["id"]]));
    let rejected = sqlgate(&["query", "--db", db, "SELECT SLEEP(5)"]);
    assert_eq!(rejected.status.code(), Some(1));
    mariadb("DROP DATABASE IF EXISTS sqlgate_cli_query");
}
