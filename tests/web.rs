//! The web pages, black-box: the real `sqlgate demo` (the sample database) on its own port and
//! data directory, and headless Chromium that logs in, asks and reads the page as a person does.
//! Every value a test compares is read from the page's DOM and checked against what the JSON API
//! answers for the same request. The pages' headers and access rules are checked over plain HTTP.
//!
//! Screenshots (desktop 1280×800 and phone 390×844) land in the target directory's
//! `tmp/screenshots/`; the ones in `docs/` were copied from there by hand.

mod common;

use common::browser::Browser;
use common::*;
use reqwest::blocking::{Client, Response};
use reqwest::Method;
use serde_json::{json, Value};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);

/// The hostile values of the XSS test, as stored in the database.
const SCRIPT_PAYLOAD: &str = "<script>window.__xss=1</script>";
const IMG_PAYLOAD: &str = "\"><img src=x onerror=\"window.__xss=1\">";

fn header(res: &Response, name: &str) -> String {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// A client that shows redirects instead of following them, with a cookie jar.
fn no_redirects() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap()
}

fn assert_page_headers(res: &Response, what: &str) {
    assert_eq!(header(res, "content-security-policy"), CSP, "{what}");
    assert_eq!(header(res, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(res, "referrer-policy"), "no-referrer", "{what}");
}

/// The `/assets/…` URLs an HTML page links.
fn asset_urls(html: &str) -> Vec<String> {
    html.match_indices("\"/assets/").map(|(at, _)| html[at + 1..].split('"').next().unwrap().to_owned()).collect()
}

/// Whether `html` holds an attribute like ` onclick=`.
fn inline_handler(html: &str) -> bool {
    html.match_indices(" on").any(|(at, _)| {
        let rest = &html[at + 3..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        !name.is_empty() && rest[name.len()..].starts_with('=')
    })
}

#[test]
fn pages_carry_their_own_security_headers_and_send_visitors_without_a_session_to_log_in() {
    let server = Server::start("web-headers");
    let admin = Admin::new(&server);
    admin.user("ann", "analyst");
    let anonymous = no_redirects();

    // The login page: the pages' policy, no inline script or style, never cached.
    let res = anonymous.get(server.url("/login")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_page_headers(&res, "/login");
    assert_eq!(header(&res, "cache-control"), "no-store");
    assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
    let html = res.text().unwrap();
    assert_eq!(html.matches("<script").count(), html.matches("<script src=\"/assets/").count(), "{html}");
    assert!(!html.contains("<style") && !html.contains(" style=") && !inline_handler(&html), "{html}");
    assert!(html.contains("<label for=\"username\">") && html.contains("<label for=\"password\">"), "{html}");

    // Its assets: embedded, typed, cacheable for good under their versioned URL only.
    let assets = asset_urls(&html);
    assert!(assets.len() >= 4, "{assets:?}");
    for url in &assets {
        let res = anonymous.get(server.url(url)).send().unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_page_headers(&res, url);
        let expected = match url.split('?').next().unwrap().rsplit('.').next().unwrap() {
            "css" => "text/css; charset=utf-8",
            "js" => "text/javascript; charset=utf-8",
            "svg" => "image/svg+xml",
            other => panic!("unexpected asset type {other}"),
        };
        assert_eq!(header(&res, "content-type"), expected, "{url}");
        assert_eq!(header(&res, "cache-control"), "public, max-age=31536000, immutable", "{url}");
        let etag = header(&res, "etag");
        assert!(!res.bytes().unwrap().is_empty(), "{url}");
        let again = anonymous.get(server.url(url)).header("if-none-match", &etag).send().unwrap();
        assert_eq!(again.status(), 304, "{url}");
        let unversioned = anonymous.get(server.url(url.split('?').next().unwrap())).send().unwrap();
        assert_eq!(header(&unversioned, "cache-control"), "no-cache", "{url}");
    }
    assert_eq!(anonymous.get(server.url("/assets/nothing.js")).send().unwrap().status(), 404);

    // Only known notices, in the server's words: nothing from the URL is reflected.
    let hostile = anonymous.get(server.url("/login?notice=%3Cscript%3Ealert(1)%3C%2Fscript%3E")).send().unwrap();
    assert!(!hostile.text().unwrap().contains("alert(1)"));
    let ended = anonymous.get(server.url("/login?notice=session_ended")).send().unwrap().text().unwrap();
    assert!(ended.contains("Your session has ended") && ended.contains("30 minutes without activity"), "{ended}");

    // Pages behind the login send a visitor without a session to it; one whose session ended is
    // told so. An API key is not a login for pages.
    for path in ["/", "/chat"] {
        let res = anonymous.get(server.url(path)).send().unwrap();
        assert_eq!((res.status().as_u16(), header(&res, "location")), (303, "/login".to_owned()), "{path}");
        assert_page_headers(&res, path);
        let forged = no_redirects().get(server.url(path)).header("cookie", "sqlgate_session=forged").send().unwrap();
        assert_eq!(header(&forged, "location"), "/login?notice=session_ended", "{path}");
    }
    let (_, _, key) = admin.user_with_key("kim", "analyst");
    let res = no_redirects().get(server.url("/chat")).bearer_auth(&key).send().unwrap();
    assert_eq!((res.status().as_u16(), header(&res, "location")), (303, "/login".to_owned()));

    // Logged in: `/` is the chat, and the chat page carries the session's CSRF token.
    let ann = no_redirects();
    let login = ann.post(server.url("/api/v1/login")).json(&json!({"username": "ann", "password": PASSWORD})).send();
    let csrf = login.unwrap().json::<Value>().unwrap()["csrf_token"].as_str().unwrap().to_owned();
    let res = ann.get(server.url("/")).send().unwrap();
    assert_eq!((res.status().as_u16(), header(&res, "location")), (303, "/chat".to_owned()));
    let res = ann.get(server.url("/chat")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_page_headers(&res, "/chat");
    assert_eq!(header(&res, "cache-control"), "no-store");
    let html = res.text().unwrap();
    assert!(html.contains(&format!("<meta name=\"csrf-token\" content=\"{csrf}\">")), "{html}");
    assert!(html.contains("<span id=\"username\">ann</span>"), "{html}");
    assert!(!html.contains("<style") && !html.contains(" style=") && !inline_handler(&html), "{html}");
    for control in ["connector", "question"] {
        assert!(html.contains(&format!("for=\"{control}\"")), "no label for {control}: {html}");
    }

    // The API keeps its own policy: it loads nothing.
    let api = anonymous.get(server.url("/healthz")).send().unwrap();
    assert_eq!(header(&api, "content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
    assert_eq!(header(&api, "cache-control"), "no-store");
}

/// The demo with a browser on it, or `None` when Chromium is missing outside CI.
struct Site {
    server: Server,
    admin_password: String,
    browser: Browser,
}

impl Site {
    fn start(test: &str, settings: &[(&str, &str)], (width, height): (u32, u32)) -> Option<Site> {
        let (server, admin_password) = Server::demo(test, settings);
        let browser = Browser::start(test, &server.base, width, height)?;
        browser.viewport(width, height);
        Some(Site { server, admin_password, browser })
    }

    fn admin(&self) -> Admin<'_> {
        Admin::login_as(&self.server, "admin", &self.admin_password)
    }

    /// Logs in through the login page and waits for the chat.
    fn log_in(&self, user: &str, password: &str) {
        let b = &self.browser;
        b.open("/login");
        b.type_into("#username", user);
        b.type_into("#password", password);
        b.click("#login-form button[type=submit]");
        b.wait_for_path("/chat");
        b.wait_until_ready();
    }

    /// Asks `question` on the connector `id` and waits for its card (the `n`th, from 0): its
    /// content as the page shows it.
    fn ask(&self, id: &str, question: &str, n: usize) -> Value {
        let b = &self.browser;
        b.select("#connector", id);
        // Enter sends: the keyboard path a person uses.
        b.type_into("#question", &format!("{question}\u{E007}"));
        let ready = format!("document.querySelectorAll('#history .turn > article:not([aria-busy])').length > {n}");
        assert!(b.wait_for_script(&ready).as_bool() == Some(true), "no answer to {question:?}");
        b.run(
            "const card = document.querySelectorAll('#history .turn > article')[arguments[0]];
             const all = (sel) => [...card.querySelectorAll(sel)].map((e) => e.textContent);
             const one = (sel) => { const e = card.querySelector(sel); return e ? e.textContent : null; };
             return {
               kind: card.dataset.role,
               summary: one('[data-role=summary]'),
               confidence: one('[data-role=confidence]'),
               reasons: all('[data-role=reasons] li'),
               warnings: all('[data-role=warnings] li'),
               truncation: one('[data-role=truncation]'),
               columns: all('thead th'),
               rows: [...card.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
               sql: one('[data-role=sql]'),
               heading: one('h3'),
               text: card.textContent,
             };",
            vec![json!(n)],
        )
    }
}

/// Connector ids by name, as the admin sees them.
fn connector_ids(admin: &Admin<'_>) -> std::collections::HashMap<String, String> {
    let list = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let connectors = list["connectors"].as_array().cloned().unwrap_or_default();
    connectors.iter().map(|c| (c["name"].as_str().unwrap().to_owned(), c["id"].as_str().unwrap().to_owned())).collect()
}

/// A user with `role` granted `connectors`.
fn user_granted(admin: &Admin<'_>, name: &str, role: &str, connectors: &[&str]) {
    let id = admin.user(name, role);
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{id}/grants"), Some(json!({"connectors": connectors})));
}

/// `POST /api/v1/ask` as `user` (logged in over HTTP, like the page).
fn api_ask(server: &Server, user: &str, connector: &str, question: &str) -> Value {
    let (client, csrf) = server.login(user, PASSWORD);
    let res = client
        .post(server.url("/api/v1/ask"))
        .header("x-csrf-token", csrf)
        .json(&json!({"connector": connector, "question": question}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().unwrap()
}

/// A cell as the page shows it: text as it is, numbers as the API wrote them, `null`.
fn cell_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn capitalized(level: &str) -> String {
    let mut chars = level.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[test]
fn logging_in_with_a_password_failing_being_locked_out_and_logging_out() {
    let settings = [("SQLGATE_AUTH_LOCKOUT_ATTEMPTS", "3"), ("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")];
    let Some(site) = Site::start("web-login", &settings, DESKTOP) else { return };
    let admin = site.admin();
    user_granted(&admin, "ann", "analyst", &["sample"]);
    admin.user("lou", "member");
    let b = &site.browser;

    // `/` without a session is the login page.
    b.open("/");
    b.wait_for_path("/login");
    b.find("#username");
    b.screenshot("login-desktop");
    b.viewport(PHONE.0, PHONE.1);
    assert_eq!(b.run("return window.innerWidth;", vec![]), json!(PHONE.0));
    b.screenshot("login-phone");
    b.viewport(DESKTOP.0, DESKTOP.1);

    // A wrong password says so, and what to do; the page stays.
    b.type_into("#username", "ann");
    b.type_into("#password", "Not-the-password-1");
    b.click("#login-form button[type=submit]");
    assert!(b.wait_for_script("!document.getElementById('message').hidden").as_bool() == Some(true));
    let message = b.text("#message");
    assert!(message.contains("Wrong user name or password") && message.contains("try again"), "{message}");
    assert_eq!(b.path(), "/login");

    // The right one opens the chat, which names the user and role.
    site.log_in("ann", PASSWORD);
    assert_eq!(b.text("#username"), "ann");
    assert_eq!(b.text("#role"), "Analyst");

    // Logging out ends the session on the server: the chat is closed to this browser.
    b.click("#logout");
    b.wait_for_path("/login?notice=logged_out");
    assert!(b.text("#notice").contains("You have logged out"), "{}", b.text("#notice"));
    b.open("/chat");
    b.wait_for_path("/login");

    // Three wrong passwords lock the account, and the page says for how long and what to do.
    for attempt in 1..=3 {
        b.open("/login");
        b.type_into("#username", "lou");
        b.type_into("#password", &format!("Wrong-guess-{attempt}-xyz"));
        b.click("#login-form button[type=submit]");
        assert!(b.wait_for_script("!document.getElementById('message').hidden").as_bool() == Some(true));
    }
    let message = b.text("#message");
    assert!(message.contains("This account is locked"), "{message}");
    assert!(message.contains("minutes") && message.contains("ask an admin to reset the password"), "{message}");

    // A session that ends under an open chat: the next question says so and links to the login,
    // which explains; the chat itself then sends the browser there.
    site.log_in("ann", PASSWORD);
    let ann = admin.ok(Method::GET, "/api/v1/admin/users", None)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "ann")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    admin.ok(Method::POST, &format!("/api/v1/admin/users/{ann}/password"), Some(json!({"password": PASSWORD})));
    let ids = connector_ids(&admin);
    let card = site.ask(&ids["sample"], "How many customers are there?", 0);
    assert_eq!(card["kind"], "error", "{card}");
    assert_eq!(card["heading"], "Your session has ended", "{card}");
    b.click("#history a[href='/login?notice=session_ended']");
    b.wait_for_path("/login?notice=session_ended");
    assert!(b.text("#notice").contains("Log in again"), "{}", b.text("#notice"));
    b.open("/chat");
    b.wait_for_path("/login?notice=session_ended");
}

#[test]
fn logging_in_with_a_second_factor() {
    let Some(site) = Site::start("web-totp", &[("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")], DESKTOP) else {
        return;
    };
    let admin = site.admin();
    let secret = user_with_totp(&site.server, &admin, "tess");
    let b = &site.browser;
    b.open("/login");
    b.type_into("#username", "tess");
    b.type_into("#password", PASSWORD);
    b.click("#login-form button[type=submit]");
    // The password was right: the page asks for the code instead.
    assert!(b.wait_for_script("!document.getElementById('totp-form').hidden").as_bool() == Some(true));
    assert!(!b.visible("#login-form"));
    assert!(b.visible("label[for=code]"));
    b.type_into("#code", &wrong_code(&secret, "tess"));
    b.click("#totp-form button[type=submit]");
    assert!(b.wait_for_script("!document.getElementById('message').hidden").as_bool() == Some(true));
    assert!(b.text("#message").contains("That code did not work"), "{}", b.text("#message"));
    assert_eq!(b.path(), "/login");
    // The next step's code (the enrolment used this one's).
    b.type_into("#code", &code_at(&secret, "tess", unix_now() + 30));
    b.click("#totp-form button[type=submit]");
    b.wait_for_path("/chat");
    b.wait_until_ready();
    assert_eq!(b.text("#username"), "tess");
}

#[test]
fn an_analyst_sees_the_answer_card_as_the_api_answers_it() {
    let Some(site) = Site::start("web-analyst", &[], DESKTOP) else { return };
    let admin = site.admin();
    let sample = site.server.dir.join("sample.db");
    let production = json!({"name": "sample_prod", "url": format!("sqlite:{}", sample.display()), "production": true});
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(production));
    user_granted(&admin, "ann", "analyst", &["sample", "sample_prod"]);
    let ids = connector_ids(&admin);
    let b = &site.browser;
    site.log_in("ann", PASSWORD);
    let options =
        b.run("return [...document.querySelectorAll('#connector option')].map((o) => o.textContent);", vec![]);
    assert_eq!(options, json!(["sample", "sample_prod (production)"]));

    // A grouped count: every part of the card is what the API answers for the same question.
    b.select("#connector", &ids["sample"]);
    assert!(!b.visible("#production"), "the sample is not a production database");
    let question = "How many customers are there in each segment?";
    let card = site.ask(&ids["sample"], question, 0);
    let api = api_ask(&site.server, "ann", "sample", question);
    assert_eq!(card["kind"], "answer", "{card}");
    assert_eq!(card["summary"], api["answer"], "{card}");
    assert_eq!(card["confidence"], json!(capitalized(api["confidence"].as_str().unwrap())), "{card}");
    assert_eq!(card["reasons"], api["reasons"], "{card}");
    assert!(!card["reasons"].as_array().unwrap().is_empty(), "{card}");
    let columns: Vec<&Value> = api["columns"].as_array().unwrap().iter().map(|c| &c["name"]).collect();
    assert_eq!(card["columns"], json!(columns), "{card}");
    let rows: Vec<Vec<String>> =
        api["rows"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(cell_text).collect()).collect();
    assert!(rows.len() > 1 && rows.len() <= 20, "{api}");
    assert_eq!(card["rows"], json!(rows), "{card}");
    assert!(api["sql"].as_str().is_some_and(|s| s.starts_with("SELECT")), "{api}");
    assert_eq!(card["sql"], api["sql"], "{card}");
    assert!(b.visible("[data-role=sql]"), "the SQL is shown, not hidden");
    assert_eq!(card["truncation"], Value::Null, "nothing was cut: {card}");

    // More rows than an answer holds: 20 shown, and a notice says so.
    let card = site.ask(&ids["sample"], "Show all products", 1);
    let api = api_ask(&site.server, "ann", "sample", "Show all products");
    assert_eq!(api["truncated"]["reason"], "rows", "{api}");
    assert_eq!(card["rows"].as_array().unwrap().len(), 20, "{card}");
    let notice = card["truncation"].as_str().unwrap_or_default();
    assert!(notice.contains("Showing the first 20 rows") && notice.contains("has more"), "{card}");
    assert!(b.visible("[data-role=truncation]"));

    // A production connector: a banner before asking, and its warning on the answer.
    b.select("#connector", &ids["sample_prod"]);
    assert!(b.visible("#production"));
    let banner = b.text("#production").to_lowercase();
    assert!(banner.contains("production database") && banner.contains("“sample_prod”"), "{banner}");
    let card = site.ask(&ids["sample_prod"], "How many customers are there?", 2);
    assert!(card["warnings"].to_string().contains("production database"), "{card}");
    b.run("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]);
    b.screenshot("chat-production-desktop");

    // The conversation stays in the page, oldest first.
    let questions =
        b.run("return [...document.querySelectorAll('.turn-question')].map((q) => q.lastChild.textContent);", vec![]);
    assert_eq!(questions, json!([question, "Show all products", "How many customers are there?"]));

    b.select("#connector", &ids["sample"]);
    b.run("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]);
    b.screenshot("chat-desktop");
    b.run("document.querySelector('#history .turn').scrollIntoView();", vec![]);
    b.screenshot("chat-desktop-answer");
    b.viewport(PHONE.0, PHONE.1);
    assert_eq!(b.run("return window.innerWidth;", vec![]), json!(PHONE.0));
    // No sideways scrolling of the page on a phone (wide tables scroll inside their own box).
    let wide = b.run("return document.documentElement.scrollWidth > window.innerWidth;", vec![]);
    assert_eq!(wide, json!(false), "the chat is wider than a phone");
    b.run("document.querySelector('#history .turn').scrollIntoView();", vec![]);
    b.screenshot("chat-phone");
}

#[test]
fn a_member_gets_no_sql_in_the_page_or_from_the_network_and_errors_read_as_messages() {
    let Some(site) = Site::start("web-member", &[], DESKTOP) else { return };
    let admin = site.admin();
    // A connector whose database does not answer (nothing listens on port 1).
    let offline = json!({"name": "offline", "url": "postgres://reader@127.0.0.1:1/gone"});
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(offline));
    user_granted(&admin, "mia", "member", &["sample", "offline"]);
    user_granted(&admin, "ann", "analyst", &["sample"]);
    let ids = connector_ids(&admin);
    let b = &site.browser;
    site.log_in("mia", PASSWORD);
    // Record what the page's own requests receive.
    b.run(
        "window.__answers = [];
         const original = window.fetch;
         window.fetch = async function (...args) {
           const response = await original.apply(this, args);
           if (String(args[0]).includes('/api/v1/ask')) {
             window.__answers.push(await response.clone().text());
           }
           return response;
         };",
        vec![],
    );
    let question = "How many customers are there in each segment?";
    let card = site.ask(&ids["sample"], question, 0);
    assert_eq!(card["kind"], "answer", "{card}");
    assert!(card["rows"].as_array().is_some_and(|r| r.len() > 1), "{card}");
    assert_eq!(card["sql"], Value::Null, "{card}");
    assert!(b.find_all("[data-role=sql], details.sql").is_empty());
    // What an analyst is shown for the same question appears nowhere in the member's page.
    let analyst = api_ask(&site.server, "ann", "sample", question);
    let sql = analyst["sql"].as_str().unwrap();
    let page = b.run("return document.documentElement.outerHTML + document.body.innerText;", vec![]);
    let page = page.as_str().unwrap();
    assert!(!page.contains(sql) && !page.contains("SELECT"), "SQL in the member's page");
    let received = b.run("return window.__answers;", vec![]);
    let received = received.as_array().unwrap();
    assert_eq!(received.len(), 1, "{received:?}");
    let body: Value = serde_json::from_str(received[0].as_str().unwrap()).unwrap();
    assert!(body.get("sql").is_none(), "the member received SQL: {body}");
    assert_eq!(body["rows"].as_array().unwrap().len(), card["rows"].as_array().unwrap().len());

    // A database that is down: a message saying what happened and what to do, not a trace.
    let card = site.ask(&ids["offline"], "How many customers are there?", 1);
    assert_eq!(card["kind"], "error", "{card}");
    assert_eq!(card["heading"], "The database is not available", "{card}");
    let text = card["text"].as_str().unwrap();
    assert!(text.contains("Try again later"), "{text}");
    for leak in ["panicked", "backtrace", "src/", "Error {", "reader@"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    // The page goes on working after it.
    let card = site.ask(&ids["sample"], "How many customers are there?", 2);
    assert_eq!(card["kind"], "answer", "{card}");
}

#[test]
fn hostile_values_in_the_data_and_the_question_render_as_text() {
    let Some(site) = Site::start("web-xss", &[], DESKTOP) else { return };
    let path = site.server.dir.join("hostile.sqlite");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch("CREATE TABLE notes (note_id INTEGER PRIMARY KEY, title TEXT NOT NULL);").unwrap();
    for (id, title) in [(1, SCRIPT_PAYLOAD), (2, IMG_PAYLOAD), (3, "plain")] {
        db.execute("INSERT INTO notes VALUES (?1, ?2)", rusqlite::params![id, title]).unwrap();
    }
    drop(db);
    let admin = site.admin();
    let notes = json!({"name": "notes", "url": format!("sqlite:{}", path.display())});
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(notes));
    user_granted(&admin, "xena", "analyst", &["notes"]);
    let ids = connector_ids(&admin);
    let b = &site.browser;
    site.log_in("xena", PASSWORD);

    let card = site.ask(&ids["notes"], "Show the titles of all notes", 0);
    assert_eq!(card["kind"], "answer", "{card}");
    assert_eq!(card["rows"], json!([[SCRIPT_PAYLOAD], [IMG_PAYLOAD], ["plain"]]), "{card}");
    // The question itself is data too.
    let hostile_question = format!("{IMG_PAYLOAD} how many notes are there?");
    site.ask(&ids["notes"], &hostile_question, 1);
    let shown = b.run("return document.querySelectorAll('.turn-question')[1].lastChild.textContent;", vec![]);
    assert_eq!(shown, json!(hostile_question));
    // Nothing ran and nothing was made from the values: no element, no handler, no flag.
    let made =
        b.run("return document.querySelectorAll('#history img, #history script, #history [onerror]').length;", vec![]);
    assert_eq!(made, json!(0));
    // An image that had been made would have failed to load by now; let the page settle first.
    b.wait_for_script("document.readyState === 'complete'");
    assert_eq!(b.run("return typeof window.__xss;", vec![]), json!("undefined"));
}
