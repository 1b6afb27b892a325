//! An adversarial review of `sqlgate serve`, black-box: each test starts the real server on its own
//! port with its own encrypted store and attacks it over HTTP (and, where a test needs to see what
//! the server keeps or to make the trail fail, through the store file opened with the derived key).
//!
//! Tests marked `#[ignore = "DEFECT: …"]` fail today: each demonstrates one defect and passes once it
//! is fixed. The others are attacks the server resists.

mod common;

use common::*;
use reqwest::blocking::Client;
use reqwest::Method;
use serde_json::{json, Value};

/// Every value of every table of the decrypted store, as text.
fn dump_store(server: &Server) -> String {
    let c = open_store(server);
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = String::new();
    for table in tables {
        let mut st = c.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                match row.get::<_, rusqlite::types::Value>(i).unwrap() {
                    rusqlite::types::Value::Text(t) => out.push_str(&t),
                    rusqlite::types::Value::Blob(b) => out.push_str(&String::from_utf8_lossy(&b)),
                    other => out.push_str(&format!("{other:?}")),
                }
                out.push('\n');
            }
        }
    }
    out
}

/// A minimal CSV reader (RFC 4180 quoting), enough to see each cell as a spreadsheet would.
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted, mut chars) = (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// Defects (each fails today)
// ---------------------------------------------------------------------------------------------

/// Invariant 1 ("a failed audit write refuses the request; none lets it through"): an admin
/// action is written to the store first and recorded afterwards, so when the trail refuses the
/// record the answer is 503 but the change (here: a privilege escalation) has already happened,
/// with no trace in the trail.
#[test]
fn an_admin_change_is_not_applied_when_the_audit_cannot_record_it() {
    let server = Server::start("audit-fail-open");
    let admin = Admin::new(&server);
    let mal = admin.user("mal", "member");
    let store = open_store(&server);
    store
        .execute_batch(
            "CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'the trail is full'); END;",
        )
        .unwrap();
    let res = admin.call(Method::PATCH, &format!("/api/v1/admin/users/{mal}"), Some(json!({"role": "admin"})));
    assert_eq!(code_of(res), (503, "audit_unavailable".to_owned()));
    let role: String = store.query_row("SELECT role FROM users WHERE id = ?1", [&mal], |r| r.get(0)).unwrap();
    assert_eq!(role, "member", "the refused (unaudited) request still made mal an admin");
}

/// README: "a wrong code counts as a failed login". It increments `failed_logins` but never
/// locks the account, so whoever has the password may try codes until the per-address limit,
/// and from many addresses without end.
#[test]
fn wrong_second_factor_codes_lock_the_account() {
    let server = Server::start_with(
        "totp-lockout",
        &[("SQLGATE_AUTH_LOCKOUT_ATTEMPTS", "3"), ("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")],
    );
    let admin = Admin::new(&server);
    let secret = user_with_totp(&server, &admin, "tomas");
    for _ in 0..5 {
        let wrong = wrong_code(&secret, "tomas");
        let res = server.try_login(json!({"username": "tomas", "password": PASSWORD, "totp": wrong}));
        assert!([401, 429].contains(&res.status().as_u16()), "{}", res.status());
    }
    // Five wrong codes (lockout_attempts is 3): the account must now be locked.
    let right = code_at(&secret, "tomas", unix_now());
    let res = server.try_login(json!({"username": "tomas", "password": PASSWORD, "totp": right}));
    assert_eq!(code_of(res), (429, "account_locked".to_owned()), "5 wrong codes did not lock the account");
}

/// RFC 6238 §5.2: a verifier must not accept the same one-time password twice. Someone who sees
/// a code (shoulder, phishing proxy, log) can log in again with it for up to 90 seconds.
#[test]
fn a_totp_code_cannot_be_replayed() {
    let server = Server::start_with("totp-replay", &[("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")]);
    let admin = Admin::new(&server);
    let secret = user_with_totp(&server, &admin, "rita");
    // The next step's code: valid now (one step of skew) and not the one the enrolment used.
    let code = code_at(&secret, "rita", unix_now() + 30);
    let first = server.try_login(json!({"username": "rita", "password": PASSWORD, "totp": code}));
    assert_eq!(first.status(), 200, "{}", first.text().unwrap());
    let again = server.try_login(json!({"username": "rita", "password": PASSWORD, "totp": code}));
    assert_eq!(again.status(), 401, "the same TOTP code was accepted a second time");
}

/// The account's failure counter is read, the (slow) password check runs, and the counter is
/// written back: wrong guesses sent at once each see the same count, so the lockout counts one
/// where it should count them all (a lost update), and the address lockout is checked before any
/// of them has failed. Twelve guesses at once against lockout_attempts = 3 must leave the account
/// locked; today it is not, and the right password still logs in.
#[test]
fn concurrent_wrong_passwords_cannot_outrun_the_account_lockout() {
    let server = Server::start_with(
        "lockout-race",
        &[("SQLGATE_AUTH_LOCKOUT_ATTEMPTS", "3"), ("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")],
    );
    let admin = Admin::new(&server);
    admin.user("vic", "analyst");
    let base = server.base.clone();
    let guesses: Vec<_> = (0..12)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || {
                Client::new()
                    .post(format!("{base}/api/v1/login"))
                    .json(&json!({"username": "vic", "password": format!("Wrong-guess-{i}-xyz")}))
                    .send()
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let statuses: Vec<u16> = guesses.into_iter().map(|g| g.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| [401, 429].contains(s)), "{statuses:?}");
    let evaluated = statuses.iter().filter(|s| **s == 401).count();
    let res = server.try_login(json!({"username": "vic", "password": PASSWORD}));
    assert_eq!(
        code_of(res),
        (429, "account_locked".to_owned()),
        "12 wrong guesses ({evaluated} of them checked as wrong passwords: {statuses:?}) did not lock the account"
    );
}

/// An unknown name never gets `account_locked`; an existing one does on its
/// `lockout_attempts`-th failure. So a few wrong passwords tell which user names exist.
#[test]
fn the_lockout_answer_does_not_reveal_which_user_names_exist() {
    let server = Server::start_with(
        "enumeration",
        &[("SQLGATE_AUTH_LOCKOUT_ATTEMPTS", "3"), ("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")],
    );
    let admin = Admin::new(&server);
    admin.user("existing", "member");
    let answers = |name: &str| -> Vec<(u16, String)> {
        (0..4).map(|_| code_of(server.try_login(json!({"username": name, "password": "Wrong-guess-123"})))).collect()
    };
    let real = answers("existing");
    let unknown = answers("nobody-at-all");
    assert_eq!(real, unknown, "an existing name answers differently from an unknown one");
}

/// README: "`auth.ip_lockout_attempts` failed logins from one client address … lock that address
/// out of logging in". Found in review: the limiter let `ip_lockout_attempts` failures through and
/// locked only on the next *failure*, so one more password was checked. Now the N-th failure locks.
#[test]
fn an_address_is_locked_after_ip_lockout_attempts_failures() {
    let server = Server::start_with("ip-off-by-one", &[("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "3")]);
    for i in 0..2 {
        let res = server.try_login(json!({"username": format!("nobody-{i}"), "password": "x"}));
        assert_eq!(res.status(), 401);
    }
    // The third failure is the one that locks.
    let res = server.try_login(json!({"username": "nobody-2", "password": "x"}));
    assert_eq!(code_of(res), (429, "address_locked".to_owned()));
    let res = server.try_login(json!({"username": "admin", "password": ADMIN_PASSWORD}));
    assert_eq!(code_of(res), (429, "address_locked".to_owned()), "3 failures did not lock the address");
}

/// Login takes any content type, so a cross-site `<form enctype="text/plain">` can post a JSON
/// body (the form field's name carries it) and log the victim's browser into the attacker's
/// account (login CSRF). Requiring `application/json` forces a CORS preflight instead.
#[test]
fn login_refuses_a_body_that_is_not_json() {
    let server = Server::start("login-csrf");
    // What a text/plain form sends for <input name='{"username":"admin","password":"…","totp":"' value='"}'>:
    let body = format!("{{\"username\":\"admin\",\"password\":\"{ADMIN_PASSWORD}\",\"totp\":\"=\"}}");
    let res = Client::new()
        .post(server.url("/api/v1/login"))
        .header("content-type", "text/plain")
        .header("origin", "https://evil.example")
        .body(body)
        .send()
        .unwrap();
    let sets_cookie = res.headers().get_all("set-cookie").iter().any(|c| c.as_bytes().starts_with(b"sqlgate_session="));
    assert!(
        !res.status().is_success() && !sets_cookie,
        "a text/plain cross-site form logged in: {} (session cookie set: {sets_cookie})",
        res.status()
    );
}

/// `near_cap` is `spent * 10 >= cap * 8` in u64: a cap above u64::MAX / 8 (accepted, up to
/// i64::MAX) overflows. In a debug build the handler panics and the connection drops; in release it
/// wraps (2^61 wraps to 0, so a user who spent nothing is flagged as near the cap).
#[test]
fn a_huge_spend_cap_does_not_break_the_spend_listing() {
    let server = Server::start("spend-overflow");
    let admin = Admin::new(&server);
    let sam = admin.user("sam", "member");
    admin.ok(
        Method::PUT,
        &format!("/api/v1/admin/users/{sam}/spend"),
        Some(json!({"monthly_cap_cents": 2_305_843_009_213_693_952u64})),
    );
    let res = admin.client.get(server.url("/api/v1/admin/spend")).send();
    let body: Value = match res {
        Ok(res) if res.status() == 200 => res.json().unwrap(),
        Ok(res) => panic!("GET /api/v1/admin/spend: {}", res.status()),
        Err(e) => panic!("GET /api/v1/admin/spend: the connection failed (the handler panicked?): {e}"),
    };
    let row = body["users"].as_array().unwrap().iter().find(|u| u["username"] == "sam").unwrap().clone();
    assert_eq!(row["near_cap"], false, "{row}");
}

/// README: every login, failed login, lockout and refusal by role is recorded. A revoked (or
/// expired, or a disabled user's) API key that is still being used, a guessed key, an ended
/// session and a failed CSRF check are refused without any record: the trail cannot show that a
/// leaked key is being tried.
#[test]
fn a_refused_api_key_is_recorded_in_the_audit_trail() {
    let server = Server::start("refusals");
    let admin = Admin::new(&server);
    let (_, key_id, key) = admin.user_with_key("kai", "analyst");
    assert_eq!(bearer(&server, &key, Method::GET, "/api/v1/me", None).status(), 200);
    let (client, csrf) = server.login("kai", PASSWORD);
    let res = client.delete(server.url(&format!("/api/v1/apikeys/{key_id}"))).header("x-csrf-token", csrf).send();
    assert_eq!(res.unwrap().status(), 200);
    let denied_before = admin.audit_total("outcome=denied");
    // The revoked key, still in use.
    assert_eq!(bearer(&server, &key, Method::GET, "/api/v1/me", None).status(), 401);
    let denied_after = admin.audit_total("outcome=denied");
    assert!(denied_after > denied_before, "the refused key left no record ({denied_before} → {denied_after})");
}

// ---------------------------------------------------------------------------------------------
// Attacks the server resists
// ---------------------------------------------------------------------------------------------

/// Bearer wins over the cookie and fails closed; a disabled user's session and API key stop at
/// once; a token from another server (another master key) is refused.
#[test]
fn credentials_fail_closed_and_a_disabled_user_is_refused_at_once() {
    let server = Server::start("credentials");
    let admin = Admin::new(&server);
    // A valid admin cookie does not rescue a malformed or unknown Authorization header.
    for header in ["Basic YWRtaW46eA==", "bearer sqg_x_y", "Bearer", "Bearer sqg_nope_nope", "Bearer  "] {
        let res = admin.client.get(server.url("/api/v1/admin/users")).header("authorization", header).send();
        assert_eq!(res.unwrap().status(), 401, "{header}");
    }
    // A disabled user: session and key refused at the next request, by any route.
    let (dee, _, key) = admin.user_with_key("dee", "power_user");
    let (client, _) = server.login("dee", PASSWORD);
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    admin.ok(Method::PATCH, &format!("/api/v1/admin/users/{dee}"), Some(json!({"disabled": true})));
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().status(), 401);
    assert_eq!(bearer(&server, &key, Method::GET, "/api/v1/connectors", None).status(), 401);
    // Its right password does not log in, and says no more than a wrong one.
    assert_eq!(code_of(server.try_login(json!({"username": "dee", "password": PASSWORD}))).0, 401);
    // A session cookie minted by another server (another master key) is worthless here.
    let other = Server::start("credentials-other");
    let (other_client, _) = other.login("admin", ADMIN_PASSWORD);
    let cookie = other_client.get(other.url("/api/v1/me")).send().unwrap();
    assert_eq!(cookie.status(), 200);
    let token = {
        let res = Client::new()
            .post(other.url("/api/v1/login"))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
            .send()
            .unwrap();
        let token = res.cookies().find(|c| c.name() == "sqlgate_session").unwrap().value().to_owned();
        token
    };
    let res = Client::new().get(server.url("/api/v1/me")).header("cookie", format!("sqlgate_session={token}")).send();
    assert_eq!(res.unwrap().status(), 401);
}

/// A cookie-authenticated write needs this session's CSRF token, whatever the content type, a
/// method-override header, or another session's token; no route changes state over GET.
#[test]
fn cookie_writes_need_this_sessions_csrf_token() {
    let server = Server::start("csrf");
    let admin = Admin::new(&server);
    admin.user("cat", "analyst");
    let (client, _) = server.login("cat", PASSWORD);
    let (_, other_csrf) = server.login("cat", PASSWORD);
    let attempts = [
        client.post(server.url("/api/v1/apikeys")).header("content-type", "text/plain").body("{\"name\":\"x\"}"),
        client.post(server.url("/api/v1/apikeys")).header("x-http-method-override", "GET").json(&json!({"name": "x"})),
        client.post(server.url("/api/v1/apikeys")).header("x-csrf-token", &other_csrf).json(&json!({"name": "x"})),
        client.post(server.url("/api/v1/logout")).header("x-csrf-token", ""),
    ];
    for attempt in attempts {
        assert_eq!(code_of(attempt.send().unwrap()), (403, "csrf_failed".to_owned()));
    }
    let get_logout = client.get(server.url("/api/v1/logout")).send().unwrap().status().as_u16();
    assert!([404, 405].contains(&get_logout), "GET /api/v1/logout: {get_logout}");
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().status(), 200, "still logged in");
    assert!(client.get(server.url("/api/v1/apikeys")).send().unwrap().json::<Value>().unwrap()["keys"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// A member reaches neither connectors it was not granted (by id or by name, answered like a
/// connector that does not exist) nor live edit (refused and recorded), nor another user's key.
#[test]
fn members_reach_only_what_is_theirs() {
    let server = Server::start("access");
    let admin = Admin::new(&server);
    let path = server.dir.join("data.sqlite");
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE secret_t (x INTEGER);").unwrap();
    let conn = admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "hidden", "url": format!("sqlite:{}", path.display())})),
    );
    let conn_id = conn["id"].as_str().unwrap();
    let (_, admin_key_id, _) = admin.user_with_key("boss2", "admin");
    let (_, _, key) = admin.user_with_key("mo", "member");
    let get = |path: &str| bearer(&server, &key, Method::GET, path, None);
    assert_eq!(get("/api/v1/connectors").json::<Value>().unwrap()["connectors"], json!([]));
    let by_id = code_of(get(&format!("/api/v1/connectors/{conn_id}/schema")));
    let by_name = code_of(get("/api/v1/connectors/hidden/schema"));
    let missing = code_of(get("/api/v1/connectors/no-such-thing/schema"));
    assert_eq!((by_id.clone(), by_name), (missing.clone(), missing));
    assert_eq!(by_id.0, 404);
    let query = bearer(
        &server,
        &key,
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": "hidden", "sql": "SELECT x FROM secret_t"})),
    );
    assert_eq!(code_of(query), (403, "forbidden".to_owned()));
    assert_eq!(admin.audit_total("user=mo&kind=denied&outcome=denied"), 1);
    for (method, path) in [
        (Method::DELETE, format!("/api/v1/apikeys/{admin_key_id}")),
        (Method::GET, "/api/v1/admin/users".to_owned()),
        (Method::GET, "/api/v1/admin/audit.csv".to_owned()),
        (Method::PUT, format!("/api/v1/admin/users/{}/grants", "x")),
    ] {
        let status = bearer(&server, &key, method.clone(), &path, Some(json!({"connectors": [conn_id]}))).status();
        assert!([403, 404].contains(&status.as_u16()), "{method} {path}: {status}");
    }
    // The admin's key still works: the member could not revoke it.
    assert_eq!(admin.audit_total("kind=apikey_revoked"), 0);
}

/// Hostile bodies, numbers and paths get a 400/404/413 naming the problem, and the server keeps
/// serving.
#[test]
fn hostile_input_is_refused_and_the_server_keeps_serving() {
    let server = Server::start("input");
    let admin = Admin::new(&server);
    let (_, _, key) = admin.user_with_key("ivy", "analyst");
    let raw = |path: &str, body: Vec<u8>| {
        Client::new()
            .post(server.url(path))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    let deep = format!("{}{}", "[".repeat(30_000), "]".repeat(30_000)).into_bytes();
    assert_eq!(raw("/api/v1/apikeys", deep), 400);
    assert_eq!(raw("/api/v1/apikeys", b"{\"name\":\"\xff\xfe\"}".to_vec()), 400);
    assert_eq!(raw("/api/v1/apikeys", b"{\"name\":\"k\",\"user_id\":\"someone-else\"}".to_vec()), 400);
    assert_eq!(raw("/api/v1/apikeys", b"{\"name\":\"k\",\"expires_in_days\":-1}".to_vec()), 400);
    assert_eq!(raw("/api/v1/apikeys", b"{\"name\":\"k\",\"expires_in_days\":99999999999}".to_vec()), 400);
    assert_eq!(raw("/api/v1/apikeys", b"{\"name\":\"k\",\"expires_in_days\":1e3}".to_vec()), 400);
    assert_eq!(raw("/api/v1/apikeys", vec![b' '; 70_000]), 413);
    let login = Client::new()
        .post(server.url("/api/v1/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"}))
        .send()
        .unwrap();
    assert_eq!(login.status(), 400, "unknown login fields are refused");
    for query in ["limit=0", "limit=501", "limit=-1", "offset=-5", "offset=99999999999999999999", "from=yesterday"] {
        assert_eq!(admin.call(Method::GET, &format!("/api/v1/admin/audit?{query}"), None).status(), 400, "{query}");
    }
    assert_eq!(admin.call(Method::GET, "/api/v1/admin/audit?offset=18446744073709551615", None).status(), 200);
    for path in [
        "/api/v1/admin/users/..%2F..%2Fadmin/grants",
        "/api/v1/admin/users/%00/grants",
        "/api/v1/admin/users/'%20OR%20'1'='1/grants",
        "/api/v1/admin/../admin/users/x/grants",
    ] {
        assert_eq!(admin.call(Method::GET, path, None).status(), 404, "{path}");
    }
    for cap in [json!(-1), json!(1.5), json!("10"), json!(18_446_744_073_709_551_616.0)] {
        let res = admin.call(Method::PUT, "/api/v1/admin/users/x/spend", Some(json!({"monthly_cap_cents": cap})));
        assert_eq!(res.status(), 400, "{cap}");
    }
    assert!(server.alive());
}

/// Nothing secret is kept readable in the (decrypted) store or written to the log, and no answer
/// shows it: a connector's password, an API key, a password, a TOTP secret.
#[test]
fn the_store_the_log_and_the_answers_hold_no_secret() {
    let server = Server::start("secrets");
    let admin = Admin::new(&server);
    let pg_password = "Pg-Secret-Pw-4242";
    let url = format!("postgres://review_nobody:{pg_password}@127.0.0.1:5432/postgres");
    let created = admin.call(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": "pg", "url": url})));
    let created_text = created.text().unwrap();
    let id = serde_json::from_str::<Value>(&created_text).unwrap()["id"].as_str().unwrap().to_owned();
    let tested = admin.call(Method::POST, &format!("/api/v1/admin/connectors/{id}/test"), None).text().unwrap();
    let bad = admin
        .call(
            Method::POST,
            "/api/v1/admin/connectors",
            Some(json!({"name": "bad", "url": format!("{url}?password=x")})),
        )
        .text()
        .unwrap();
    let updated = admin
        .call(Method::PATCH, &format!("/api/v1/admin/connectors/{id}"), Some(json!({"url": url.replace("42", "43")})))
        .text()
        .unwrap();
    let listed = admin.call(Method::GET, "/api/v1/admin/connectors", None).text().unwrap();
    let (_, _, key) = admin.user_with_key("sid", "analyst");
    let key_secret = key.splitn(3, '_').nth(2).unwrap().to_owned();
    let totp = user_with_totp(&server, &admin, "tess");
    let audit = admin.call(Method::GET, "/api/v1/admin/audit?limit=500", None).text().unwrap();
    let csv = admin.call(Method::GET, "/api/v1/admin/audit.csv", None).text().unwrap();
    let users = admin.call(Method::GET, "/api/v1/admin/users", None).text().unwrap();
    let store = dump_store(&server);
    assert!(store.contains("review_nobody") || store.contains("127.0.0.1"), "the dump reads the store");
    let secrets = [pg_password, "Pg-Secret-Pw-4343", &key_secret, &totp, PASSWORD, ADMIN_PASSWORD];
    for (what, text) in [
        ("store", &store),
        ("log", &server.log()),
        ("create", &created_text),
        ("test", &tested),
        ("bad url", &bad),
        ("update", &updated),
        ("list", &listed),
        ("audit", &audit),
        ("csv", &csv),
        ("users", &users),
    ] {
        for secret in secrets {
            assert!(!text.contains(secret), "the {what} holds a secret ({secret})");
        }
        if what != "store" {
            assert!(!text.contains("argon2id"), "the {what} shows a password hash");
        }
    }
}

/// The CSV export defuses every cell a spreadsheet would read as a formula, whatever field it
/// came from (a user name typed at login, a connector name, SQL), and names its file itself.
#[test]
fn the_csv_export_defuses_formulas_from_user_controlled_fields() {
    let server = Server::start_with("csv", &[("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")]);
    let admin = Admin::new(&server);
    let payloads =
        ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"];
    for p in payloads {
        server.try_login(json!({"username": p, "password": "x"}));
    }
    let path = server.dir.join("d.sqlite");
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "=cmd|' /C calc'!A0", "url": format!("sqlite:{}", path.display())})),
    );
    let (_, _, key) = admin.user_with_key("pow", "power_user");
    bearer(
        &server,
        &key,
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": "=cmd|' /C calc'!A0", "sql": "-- =1+1\nSELECT x FROM t"})),
    );
    let res = admin.call(Method::GET, "/api/v1/admin/audit.csv?q=%22&to=2999-01-01", None);
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"sqlgate-audit.csv\"");
    let res = admin.call(Method::GET, "/api/v1/admin/audit.csv", None);
    let text = res.text().unwrap();
    let rows = csv_cells(&text);
    assert!(rows.len() > payloads.len() + 2, "{text}");
    let mut seen = 0;
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a live formula cell: {cell:?}");
            seen += usize::from(cell.starts_with('\''));
        }
    }
    assert!(seen >= payloads.len() + 2, "the payloads are in the export, defused ({seen})");
}
