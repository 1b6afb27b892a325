//! Black-box test of `sqlgate` with `store.url` set: the server and the store commands keep
//! everything in MongoDB (SecantusDB at 127.0.0.1:27019, started when nothing listens there), and
//! never touch the embedded store's file.

#[path = "../src/store/secantusd.rs"]
mod secantusd;

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use base64::Engine;
use reqwest::blocking::Client;
use reqwest::Method;
use serde_json::{json, Value};

const ADMIN_PASSWORD: &str = "Boss-Pass-for-tests-1";

/// `sqlgate serve`, killed on drop.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sqlgate(key: &str, url: &str, dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sqlgate"));
    c.args(args)
        .env("SQLGATE_MASTER_KEY", key)
        .env("SQLGATE_STORE_URL", url)
        .env("SQLGATE_STORE_PATH", dir.join("store.db"))
        .env("SQLGATE_SECURITY_SQLITE_DIRS", dir)
        .env_remove("SQLGATE_LOG_LEVEL");
    c
}

fn output(mut command: Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

#[test]
fn the_server_and_the_store_commands_keep_everything_in_mongodb() {
    if let Err(why) = secantusd::ensure() {
        eprintln!("SKIPPED: this test needs a MongoDB-wire server at {}: {why}", secantusd::ADDRESS);
        return;
    }
    let database = format!("sqlgate_server_{}", uuid::Uuid::new_v4().simple());
    let url = format!("mongodb://{}/{database}?serverSelectionTimeoutMS=60000", secantusd::ADDRESS);
    let dir = std::env::temp_dir().join(format!("sqlgate-mongo-server-{database}"));
    std::fs::create_dir_all(&dir).unwrap();
    let key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);

    let add = sqlgate(&key, &url, &dir, &["users", "add", "admin", "--role", "admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin.as_ref().unwrap().write_all(ADMIN_PASSWORD.as_bytes()).unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(out.status.success(), "users add: {}", String::from_utf8_lossy(&out.stderr));

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let log = dir.join("server.log");
    let mut server = Serving(
        sqlgate(&key, &url, &dir, &["serve"])
            .env("SQLGATE_SERVER_BIND", format!("127.0.0.1:{port}"))
            .env("SQLGATE_SERVER_WORKERS", "2")
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    // Generous, as in tests/server.rs: a loaded machine may take seconds to start a process.
    let mut up = false;
    for _ in 0..600 {
        if reqwest::blocking::get(format!("{base}/healthz")).is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("the server exited ({status}): {}", std::fs::read_to_string(&log).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(up, "the server did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
    assert_eq!(reqwest::blocking::get(format!("{base}/readyz")).unwrap().status(), 200, "the store answers");

    let client = Client::builder().cookie_store(true).build().unwrap();
    let login: Value = client
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let csrf = login["csrf_token"].as_str().expect("logged in with the user the CLI stored").to_owned();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut req = client.request(method, format!("{base}{path}")).header("x-csrf-token", &csrf);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().unwrap();
        let status = res.status().as_u16();
        (status, res.json::<Value>().unwrap_or(Value::Null))
    };

    let ann = json!({"username": "ann", "password": "Correct-horse-7-battery", "role": "analyst"});
    let (status, user) = call(Method::POST, "/api/v1/admin/users", Some(ann.clone()));
    assert_eq!(status, 201, "{user}");
    let ann_id = user["id"].as_str().unwrap().to_owned();
    let (status, body) = call(Method::POST, "/api/v1/admin/users", Some(ann));
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("conflict")), "a taken name: {body}");

    // The server opens SQLite files only inside security.sqlite_dirs (here: the test's directory).
    std::fs::write(dir.join("local.db"), b"").unwrap();
    let sqlite = format!("sqlite:{}", dir.join("local.db").display());
    let (status, body) = call(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": "local", "url": sqlite})));
    assert!((200..300).contains(&status), "{status} {body}");
    let connector = body["id"].as_str().unwrap().to_owned();
    let grants = format!("/api/v1/admin/users/{ann_id}/grants");
    let (status, body) = call(Method::PUT, &grants, Some(json!({"connectors": ["local"]})));
    assert_eq!(status, 200, "{body}");
    assert_eq!(call(Method::GET, &grants, None).1["connectors"], json!([connector]));
    let (status, body) = call(Method::DELETE, &format!("/api/v1/admin/connectors/{connector}"), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(call(Method::GET, &grants, None).1["connectors"], json!([]), "the grant went with its connector");

    let (status, found) = call(Method::GET, "/api/v1/admin/audit?q=ANN&kind=admin&limit=10", None);
    assert_eq!(status, 200, "{found}");
    assert!(found["total"].as_u64().unwrap() >= 2, "the user's creation and grants are recorded: {found}");
    let (status, verified) = call(Method::GET, "/api/v1/admin/audit/verify", None);
    assert_eq!((status, &verified["broken"]), (200, &Value::Null), "{verified}");
    drop(server);

    let out = output(sqlgate(&key, &url, &dir, &["users", "list"]));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && listed.contains("admin") && listed.contains("ann"), "{listed}");
    let out = output(sqlgate(&key, &url, &dir, &["audit", "verify"]));
    let verified: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(out.status.success() && verified["ok"] == json!(true), "{verified}");
    assert!(!dir.join("store.db").exists(), "the embedded store was created");

    // Wrong credentials: refused, and the password is not in what sqlgate prints.
    let wrong = format!("mongodb://sqlgate:Not-the-Password-93@{}/{database}", secantusd::ADDRESS);
    let out = output(sqlgate(&key, &wrong, &dir, &["users", "list"]));
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("store") && !said.contains("Not-the-Password-93"), "{said}");
    assert!(!std::fs::read_to_string(&log).unwrap().contains("mongodb://"), "the server logged its store URL");
    let _ = std::fs::remove_dir_all(&dir);
}
