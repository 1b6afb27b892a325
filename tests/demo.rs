//! `sqlgate demo`: the first start makes everything and prints an admin password once; the second
//! start reuses it; the sample database is the same on every machine.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use reqwest::blocking::Client;

mod common;
use serde_json::{json, Value};

struct Demo {
    child: Child,
    lines: Vec<String>,
    base: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Demo {
    let (child, lines, port) = common::spawn_demo(dir);
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if reqwest::blocking::get(format!("{base}/healthz")).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Demo { child, lines, base }
}

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sqlgate-demo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn query(demo: &Demo, password: &str, sql: &str) -> Value {
    post(demo, password, "query", json!({"connector": "sample", "sql": sql}))
}

/// Logs in as the demo's admin and posts `body` to `/api/v1/{path}`.
fn post(demo: &Demo, password: &str, path: &str, body: Value) -> Value {
    let client = Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(format!("{}/api/v1/login", demo.base))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .unwrap();
    assert_eq!(login.status(), 200, "{:?}", demo.lines);
    let csrf = login.json::<Value>().unwrap()["csrf_token"].as_str().unwrap().to_owned();
    client
        .post(format!("{}/api/v1/{path}", demo.base))
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

const SUMMARY: &str = "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders), \
     (SELECT count(*) FROM order_items), (SELECT round(sum(total_amount), 2) FROM orders), \
     (SELECT min(order_date) FROM orders), (SELECT max(order_date) FROM orders)";

#[test]
fn the_demo_starts_with_a_sample_and_an_admin_and_restarts_with_the_same() {
    let first_dir = dir("first");
    let demo = start(&first_dir);
    let line = demo.lines.iter().find(|l| l.starts_with("admin login")).unwrap().clone();
    let password = line.split("password ").nth(1).unwrap().split(' ').next().unwrap().to_owned();
    let summary = query(&demo, &password, SUMMARY);
    let row = &summary["rows"][0];
    assert!(row[1].as_i64().unwrap() > 3000, "{summary}");
    assert_eq!(row[4], "2021-01-01");
    // A realistic join along the foreign keys answers.
    let top = query(
        &demo,
        &password,
        "SELECT r.name, count(*) AS orders FROM orders o JOIN customers c ON c.customer_id = o.customer_id \
         JOIN regions r ON r.region_id = c.region_id GROUP BY r.name ORDER BY orders DESC",
    );
    assert_eq!(top["row_count"], 6, "{top}");
    assert_eq!(top["rows"][0][0], "North America");
    // Questions are answered out of the box, by the offline engine.
    let asked =
        post(&demo, &password, "ask", json!({"connector": "sample", "question": "How many customers are there?"}));
    assert_eq!(asked["rows"][0][0], row[0], "{asked}");
    assert_eq!((asked["confidence"].as_str(), asked["source"]["provider"].as_str()), (Some("high"), Some("local")));
    let mode = std::fs::metadata(first_dir.join("master.key")).unwrap();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777, 0o600);
    // The other commands work on the demo's store through its config file, which lets the server
    // open the sample (and no other SQLite file outside the data directory).
    let config = first_dir.join("sqlgate.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let data = std::fs::canonicalize(&first_dir).unwrap();
    assert!(text.contains(&format!("sqlite_dirs = [{:?}]", data.display().to_string())), "{text}");
    let listed = Command::new(env!("CARGO_BIN_EXE_sqlgate"))
        .args(["users", "list", "--config", config.to_str().unwrap()])
        .env_remove("SQLGATE_MASTER_KEY")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("admin\tadmin\tactive"), "{listed:?}");
    drop(demo);

    // The second start reuses the store (the same password works) and prints no new one.
    let again = start(&first_dir);
    assert!(!again.lines.iter().any(|l| l.contains("shown once")), "{:?}", again.lines);
    assert_eq!(query(&again, &password, SUMMARY)["rows"], summary["rows"]);
    drop(again);

    // Another directory: another password, the very same sample.
    let second_dir = dir("second");
    let other = start(&second_dir);
    let line = other.lines.iter().find(|l| l.starts_with("admin login")).unwrap().clone();
    let other_password = line.split("password ").nth(1).unwrap().split(' ').next().unwrap().to_owned();
    assert_ne!(other_password, password);
    assert_eq!(query(&other, &other_password, SUMMARY)["rows"], summary["rows"]);
    drop(other);
    let _ = std::fs::remove_dir_all(&first_dir);
    let _ = std::fs::remove_dir_all(&second_dir);
}
