//! Helpers shared by the black-box server tests: a real `sqlgate serve` on its own port and
//! encrypted store, logins, an admin session, API keys, and the store opened with its derived key.
// Each test binary uses its own subset of these.
#![allow(dead_code)]

pub mod browser;
pub mod llm_server;
pub mod site;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::Method;
use serde_json::{json, Value};

pub const ADMIN_PASSWORD: &str = "Boss-Pass-for-tests-1";
pub const PASSWORD: &str = "Correct-horse-7-battery";

/// Runs the `sqlgate` binary with `args`, feeding `stdin` from its own thread (the child streams
/// answers while it reads, and a full stdout pipe would otherwise block both sides).
pub fn sqlgate(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sqlgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sqlgate");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_owned();
    let writer = std::thread::spawn(move || pipe.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("stdin thread").expect("write stdin");
    out
}

/// Starts `sqlgate demo` on a free port and reads its output up to the "serving the API" line.
/// Returns the process, the lines it printed, and the port.
// The caller owns the returned child and stops it; a failed start is killed here.
#[allow(clippy::zombie_processes)]
pub fn spawn_demo(dir: &std::path::Path) -> (Child, Vec<String>, u16) {
    use std::io::{BufRead, BufReader};
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sqlgate"))
        .args(["demo", "--data-dir", dir.to_str().unwrap(), "--bind", &format!("127.0.0.1:{port}")])
        .env_remove("SQLGATE_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the demo stopped: {lines:?}");
        }
        let done = line.starts_with("serving the API");
        lines.push(line.trim_end().to_owned());
        if done {
            return (child, lines, port);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers (after tests/server.rs)
// ---------------------------------------------------------------------------------------------

/// A running server, stopped (and its files removed) on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub key: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Server {
    pub fn start(test: &str) -> Server {
        Self::start_with(test, &[])
    }

    /// A server with extra `SQLGATE_*` settings, and a user `admin` (role admin).
    pub fn start_with(test: &str, settings: &[(&str, &str)]) -> Server {
        let dir = std::env::temp_dir().join(format!("sqlgate-review-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let key = base64::engine::general_purpose::STANDARD.encode(rand_bytes());
        let port = free_port();
        let mut server = Server {
            child: Command::new("true").spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            dir: dir.clone(),
            key,
        };
        let add = server
            .command(&["users", "add", "admin", "--role", "admin", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        add.stdin.as_ref().unwrap().write_all(ADMIN_PASSWORD.as_bytes()).unwrap();
        let out = add.wait_with_output().unwrap();
        assert!(out.status.success(), "users add: {}", String::from_utf8_lossy(&out.stdout));
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        server.child = server
            .command(&["serve"])
            .env("SQLGATE_SERVER_BIND", format!("127.0.0.1:{port}"))
            .env("SQLGATE_LOG_FORMAT", "json")
            .env("SQLGATE_SERVER_WORKERS", "2")
            .envs(settings.iter().copied())
            .stderr(log)
            .spawn()
            .unwrap();
        for _ in 0..600 {
            if reqwest::blocking::get(format!("{}/healthz", server.base)).is_ok_and(|r| r.status() == 200) {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited ({status}): {}", server.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not start: {}", server.log());
    }

    /// `sqlgate demo` (the sample database, connector `sample`, and an admin) on a free port, in
    /// its own data directory, with extra `SQLGATE_*` settings; returns the server and the admin's
    /// password. `command` works on its store like on any other.
    // The child is kept in the returned server, which stops it on drop.
    #[allow(clippy::zombie_processes)]
    pub fn demo(test: &str, settings: &[(&str, &str)]) -> (Server, String) {
        use std::io::{BufRead, BufReader};
        let dir = std::env::temp_dir().join(format!("sqlgate-web-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_sqlgate"))
            .args(["demo", "--data-dir", dir.to_str().unwrap(), "--bind", &format!("127.0.0.1:{port}")])
            .env_remove("SQLGATE_MASTER_KEY")
            .envs(settings.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        while !lines.last().is_some_and(|l: &String| l.starts_with("serving the API")) {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the demo stopped: {lines:?}");
            }
            lines.push(line.trim_end().to_owned());
        }
        let login = lines.iter().find(|l| l.starts_with("admin login")).expect("the admin's password");
        let password = login.split("password ").nth(1).unwrap().split(' ').next().unwrap().to_owned();
        let key = std::fs::read_to_string(dir.join("master.key")).unwrap().trim().to_owned();
        let server = Server { child, base: format!("http://127.0.0.1:{port}"), dir, key };
        for _ in 0..600 {
            if server.alive() {
                return (server, password);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the demo did not answer on {}", server.base);
    }

    /// Stops the server and starts it again on the same store and port, with `key`.
    pub fn restart(&mut self, key: &str) {
        self.restart_with(key, &[], &[]);
    }

    /// Like [`Server::restart`], with extra arguments to `serve` and extra `SQLGATE_*` settings.
    pub fn restart_with(&mut self, key: &str, args: &[&str], settings: &[(&str, &str)]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.key = key.to_owned();
        let port = self.base.rsplit(':').next().unwrap().to_owned();
        let log = std::fs::File::options().append(true).open(self.dir.join("server.log")).unwrap();
        let serve: Vec<&str> = std::iter::once("serve").chain(args.iter().copied()).collect();
        self.child = self
            .command(&serve)
            .env("SQLGATE_SERVER_BIND", format!("127.0.0.1:{port}"))
            .env("SQLGATE_LOG_FORMAT", "json")
            .envs(settings.iter().copied())
            .stderr(log)
            .spawn()
            .unwrap();
        for _ in 0..600 {
            if reqwest::blocking::get(format!("{}/healthz", self.base)).is_ok_and(|r| r.status() == 200) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}): {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not restart: {}", self.log());
    }

    /// `sqlgate ARGS` with this server's store and key. Tests keep the SQLite files their
    /// connectors open in the server's directory, so that is where it may open them (a test's
    /// own `SQLGATE_SECURITY_SQLITE_DIRS` wins).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sqlgate"));
        c.args(args)
            .env("SQLGATE_MASTER_KEY", &self.key)
            .env("SQLGATE_STORE_PATH", self.dir.join("store.db"))
            .env("SQLGATE_SECURITY_SQLITE_DIRS", &self.dir)
            .env_remove("SQLGATE_LOG_LEVEL");
        c
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// One login attempt, without a cookie jar.
    pub fn try_login(&self, body: Value) -> Response {
        Client::new().post(self.url("/api/v1/login")).json(&body).send().unwrap()
    }

    /// A client with a cookie jar, logged in as `user`; returns it and the CSRF token.
    pub fn login(&self, user: &str, password: &str) -> (Client, String) {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let res = client
            .post(self.url("/api/v1/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .unwrap();
        assert_eq!(res.status(), 200, "login {user}");
        let body: Value = res.json().unwrap();
        (client, body["csrf_token"].as_str().unwrap().to_owned())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn alive(&self) -> bool {
        reqwest::blocking::get(self.url("/healthz")).is_ok_and(|r| r.status() == 200)
    }
}

pub fn rand_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    let mut f = std::fs::File::open("/dev/urandom").unwrap();
    std::io::Read::read_exact(&mut f, &mut bytes).unwrap();
    bytes
}

/// An admin session plus helpers for admin calls.
pub struct Admin<'a> {
    pub server: &'a Server,
    pub client: Client,
    pub csrf: String,
}

impl<'a> Admin<'a> {
    pub fn new(server: &'a Server) -> Self {
        Self::login_as(server, "admin", ADMIN_PASSWORD)
    }

    /// An admin session of `user` (e.g. the demo's admin, with the password it printed).
    pub fn login_as(server: &'a Server, user: &str, password: &str) -> Self {
        let (client, csrf) = server.login(user, password);
        Admin { server, client, csrf }
    }

    pub fn call(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req: RequestBuilder =
            self.client.request(method, self.server.url(path)).header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().unwrap()
    }

    pub fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let res = self.call(method, path, body);
        let status = res.status();
        let text = res.text().unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Creates a user with `role`; returns its id.
    pub fn user(&self, name: &str, role: &str) -> String {
        let user = self.ok(
            Method::POST,
            "/api/v1/admin/users",
            Some(json!({"username": name, "password": PASSWORD, "role": role})),
        );
        user["id"].as_str().unwrap().to_owned()
    }

    /// Creates a user with `role` and an API key for them; returns (user id, key id, key).
    pub fn user_with_key(&self, name: &str, role: &str) -> (String, String, String) {
        let id = self.user(name, role);
        let (client, csrf) = self.server.login(name, PASSWORD);
        let key = client
            .post(self.server.url("/api/v1/apikeys"))
            .header("x-csrf-token", csrf)
            .json(&json!({"name": "ci"}))
            .send()
            .unwrap()
            .json::<Value>()
            .unwrap();
        (id, key["id"].as_str().unwrap().to_owned(), key["key"].as_str().unwrap().to_owned())
    }

    /// How many audit records match `query` (e.g. `outcome=denied`).
    pub fn audit_total(&self, query: &str) -> u64 {
        self.ok(Method::GET, &format!("/api/v1/admin/audit?{query}&limit=1"), None)["total"].as_u64().unwrap()
    }
}

pub fn bearer(server: &Server, key: &str, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut req = Client::new().request(method, server.url(path)).bearer_auth(key);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().unwrap()
}

pub fn code_of(res: Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().unwrap_or(Value::Null);
    (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
}

/// The store's key, derived from the master key as the server does (HKDF-SHA256).
pub fn store_key(master_b64: &str) -> String {
    let master = base64::engine::general_purpose::STANDARD.decode(master_b64).unwrap();
    let (_, hkdf) = hkdf::Hkdf::<sha2::Sha256>::extract(Some(b"sqlgate master key"), &master);
    let mut key = [0u8; 32];
    hkdf.expand(b"sqlgate subkey: store v1", &mut key).unwrap();
    key.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn open_store(server: &Server) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(server.dir.join("store.db")).unwrap();
    c.execute_batch(&format!("PRAGMA key = \"x'{}'\"; PRAGMA busy_timeout = 10000;", store_key(&server.key))).unwrap();
    c
}

pub fn psql(db: &str, sql: &str) {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

pub fn mariadb(sql: &str) {
    let out = Command::new("mariadb").args(["-h", "127.0.0.1", "-u", "root", "-e", sql]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `POST /api/v1/ask` with an API key: the status and the JSON body.
pub fn ask(server: &Server, key: &str, connector: &str, question: &str) -> (u16, Value) {
    let body = json!({"connector": connector, "question": question});
    let res = bearer(server, key, Method::POST, "/api/v1/ask", Some(body));
    let status = res.status().as_u16();
    (status, res.json().unwrap_or(Value::Null))
}

/// The newest audit record matching `query` (e.g. `kind=ask&outcome=ok`).
pub fn last_record(admin: &Admin<'_>, query: &str) -> Value {
    admin.ok(Method::GET, &format!("/api/v1/admin/audit?{query}&limit=1"), None)["records"][0].clone()
}

/// A new PostgreSQL database `NAME_PID` of three customers (two in France) and `orders` orders
/// (`amount` = id × 10, spread over the customers); returns its name.
pub fn shop_db(name: &str, orders: u32) -> String {
    let db = format!("{name}_{}", std::process::id());
    psql("postgres", &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    psql("postgres", &format!("CREATE DATABASE {db}"));
    psql(
        &db,
        &format!(
            "CREATE TABLE customers (id INT PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);
             CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT REFERENCES customers(id), amount NUMERIC(10,2));
             INSERT INTO customers VALUES (1, 'Ada', 'France'), (2, 'Bob', 'Spain'), (3, 'Cy', 'France');
             INSERT INTO orders SELECT g, 1 + g % 3, g * 10 FROM generate_series(1, {orders}) g;"
        ),
    );
    db
}

/// The TOTP code of `secret` at unix time `at`.
pub fn code_at(secret: &str, account: &str, at: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, Some("sqlgate".into()), account.into())
        .unwrap()
        .generate(at)
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A six-digit code that is none of the codes valid around now.
pub fn wrong_code(secret: &str, account: &str) -> String {
    let now = unix_now();
    let valid: Vec<String> = (0..5).map(|i| code_at(secret, account, now + i * 30 - 60)).collect();
    (0..10).map(|i| format!("00000{i}")).find(|c| !valid.contains(c)).unwrap()
}

/// Creates `name` (analyst), enrols and turns on TOTP for them; returns the secret.
pub fn user_with_totp(server: &Server, admin: &Admin<'_>, name: &str) -> String {
    admin.user(name, "analyst");
    let (client, csrf) = server.login(name, PASSWORD);
    let post = |path: &str, body: Value| {
        client.post(server.url(path)).header("x-csrf-token", &csrf).json(&body).send().unwrap()
    };
    let enrol: Value = post("/api/v1/me/totp/enrol", json!({"current_password": PASSWORD})).json().unwrap();
    let secret = enrol["secret"].as_str().unwrap().to_owned();
    let res = post("/api/v1/me/totp/verify", json!({"code": code_at(&secret, name, unix_now())}));
    assert_eq!(res.status(), 200, "{}", res.text().unwrap());
    secret
}
