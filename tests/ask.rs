//! `POST /api/v1/ask` and `sqlgate ask` end to end: the real server, real PostgreSQL and MariaDB,
//! the offline engine. Who sees what, honest uncertainty, AI memory, and the audit record.

mod common;

use std::process::Command;

use common::{ask, last_record, mariadb, shop_db, Admin, Server};
use reqwest::Method;
use serde_json::{json, Value};

#[test]
fn questions_about_postgres_are_answered_with_the_sql_for_analysts_only_and_audited() {
    let db = shop_db("sqlgate_ask_pg", 40);
    let server = Server::start("ask-pg");
    let admin = Admin::new(&server);
    admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "shop", "url": format!("postgres://postgres@127.0.0.1:5432/{db}?allow_superuser=true")})),
    );
    let (member_id, _, member) = admin.user_with_key("mo", "member");
    let (analyst_id, _, analyst) = admin.user_with_key("ann", "analyst");

    // Without a grant the connector does not exist for them.
    let (status, body) = ask(&server, &member, "shop", "how many customers are there?");
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{body}");
    for id in [&member_id, &analyst_id] {
        admin.ok(Method::PUT, &format!("/api/v1/admin/users/{id}/grants"), Some(json!({"connectors": ["shop"]})));
    }

    let (status, answer) = ask(&server, &analyst, "shop", "How many customers are from France?");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["rows"], json!([[2]]), "{answer}");
    assert_eq!(answer["confidence"], "high", "{answer}");
    assert_eq!(answer["answer"], "The answer is 2.");
    assert_eq!(answer["source"]["provider"], "local");
    let sql = answer["sql"].as_str().unwrap();
    assert!(sql.contains("'France'") && sql.ends_with("LIMIT 21"), "{sql}");

    // A Member gets the same answer without the SQL.
    let (status, answer) = ask(&server, &member, "shop", "How many customers are from France?");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["rows"], json!([[2]]));
    assert!(answer.get("sql").is_none(), "a member received SQL: {answer}");
    assert_eq!(answer["source"]["cached"], true, "the second asking reuses the SQL: {answer}");

    // More rows than an answer holds: 20 shown, the cut said, and the confidence lowered.
    let (_, answer) = ask(&server, &analyst, "shop", "list the amounts of all orders");
    assert_eq!(answer["row_count"], 20, "{answer}");
    assert_eq!(answer["truncated"]["more_rows"], true);
    assert_eq!(answer["confidence"], "medium", "{answer}");
    assert!(answer["reasons"].to_string().contains("more rows"), "{answer}");

    // What the engine cannot map is an honest "I don't know", not a guess.
    let (status, answer) = ask(&server, &analyst, "shop", "what is the meaning of life?");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["confidence"], "uncertain", "{answer}");
    assert_eq!(answer["sql"], Value::Null);
    assert_eq!(answer["rows"], json!([]));
    assert!(answer["answer"].as_str().unwrap().starts_with("I could not answer this"), "{answer}");
    assert!(!answer["reasons"].as_array().unwrap().is_empty());

    // Bad input says what is wrong.
    let (status, body) = ask(&server, &analyst, "shop", "   ");
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")), "{body}");
    let long = "how many customers ".repeat(200);
    let (status, body) = ask(&server, &analyst, "shop", &long);
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("2000"), "{body}");

    // The audit trail holds the question, the SQL, the provider, tokens, cost, confidence, outcome.
    let record = last_record(&admin, "kind=ask&user=ann&outcome=ok&q=France");
    assert_eq!(record["question"], "How many customers are from France?", "{record}");
    assert!(record["sql"].as_str().unwrap().contains("'France'"), "{record}");
    assert_eq!(record["tables"], json!(["customers"]));
    assert_eq!(record["row_count"], 1);
    for (key, value) in [
        ("provider", json!("local")),
        ("confidence", json!("high")),
        ("cost_cents", json!(0)),
        ("input_tokens", json!(0)),
    ] {
        assert_eq!(record["detail"][key], value, "{key}: {record}");
    }
    let record = last_record(&admin, "kind=ask&user=ann&outcome=uncertain");
    assert_eq!(record["question"], "what is the meaning of life?", "{record}");
    assert_eq!(record["sql"], Value::Null);
    assert_eq!(record["detail"]["confidence"], "uncertain");
}

#[test]
fn mariadb_ai_memory_and_the_cli_client() {
    let db = format!("sqlgate_ask_my_{}", std::process::id());
    mariadb(&format!(
        "DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db};
         CREATE TABLE {db}.products (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(8,2), category VARCHAR(20));
         INSERT INTO {db}.products VALUES (1, 'bolt', 0.25, 'hardware'), (2, 'nut', 0.10, 'hardware'),
                                          (3, 'glue', 4.50, 'supplies'), (4, 'tape', 2.00, 'supplies');"
    ));
    let server = Server::start("ask-my");
    let admin = Admin::new(&server);
    admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "stock", "url": format!("mysql://root@127.0.0.1:3306/{db}?allow_superuser=true")})),
    );
    let (_, _, power) = admin.user_with_key("pat", "power_user");

    let (status, answer) = ask(&server, &power, "stock", "What is the average price of products in supplies?");
    assert_eq!(status, 200, "{answer}");
    // MariaDB's DECIMAL arrives as exact text.
    assert_eq!(answer["rows"], json!([["3.250000"]]), "{answer}");
    assert_eq!(answer["confidence"], "high", "{answer}");

    // A word the schema does not use is unknown until an admin writes it down as a synonym.
    let (_, answer) = ask(&server, &power, "stock", "how many articles are there?");
    assert_eq!(answer["confidence"], "uncertain", "{answer}");
    admin.ok(
        Method::POST,
        "/api/v1/admin/memory",
        Some(json!({"connector": "stock", "kind": "synonym", "key": "articles", "value": "products"})),
    );
    let (_, answer) = ask(&server, &power, "stock", "how many articles are there?");
    assert_eq!(answer["rows"], json!([[4]]), "{answer}");

    // An example question→SQL pair answers that question exactly as written down.
    admin.ok(
        Method::POST,
        "/api/v1/admin/memory",
        Some(json!({"connector": "stock", "kind": "example", "key": "What is our cheapest item?",
                    "value": "SELECT name FROM products ORDER BY price LIMIT 1"})),
    );
    let (_, answer) = ask(&server, &power, "stock", "what is our cheapest item");
    assert_eq!(answer["rows"], json!([["nut"]]), "{answer}");
    assert_eq!(answer["source"]["provider"], "memory");
    // An admin's example is SQL like any other: a write in it is refused, never run.
    admin.ok(
        Method::POST,
        "/api/v1/admin/memory",
        Some(
            json!({"connector": "stock", "kind": "example", "key": "Clear the shelf", "value": "DELETE FROM products"}),
        ),
    );
    let (status, answer) = ask(&server, &power, "stock", "clear the shelf");
    assert_eq!((status, answer["confidence"].as_str()), (200, Some("uncertain")), "{answer}");
    assert!(answer["reasons"].to_string().contains("refused by the guard"), "{answer}");
    assert_eq!(last_record(&admin, "kind=ask&outcome=rejected")["question"], "clear the shelf");
    let (_, answer) = ask(&server, &power, "stock", "how many products are there?");
    assert_eq!(answer["rows"], json!([[4]]), "nothing was deleted: {answer}");

    // The CLI client prints the API's JSON and never the token.
    let run = |token: &str, question: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_sqlgate"))
            .args(["ask", "--server", &server.base, "--token", token, "--connector", "stock", question])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!text.contains(token), "the token was printed");
        (out.status.code(), serde_json::from_str::<Value>(&text).unwrap_or(Value::Null))
    };
    let (code, answer) = run(&power, "how many products are in hardware?");
    assert_eq!((code, answer["rows"].clone()), (Some(0), json!([[2]])), "{answer}");
    let (code, answer) = run(&power, "what is the airspeed of a swallow?");
    assert_eq!((code, answer["confidence"].as_str()), (Some(0), Some("uncertain")), "{answer}");
    let (code, answer) = run("sqg_nope_nope", "how many products?");
    assert_eq!((code, answer["error"]["code"].as_str()), (Some(4), Some("unauthenticated")));
}
