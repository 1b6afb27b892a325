//! The web pages, black-box: the real `sqlgate demo` (the sample database) on its own port and
//! data directory, and headless Chromium that logs in, asks and reads the page as a person does.
//! Every value a test compares is read from the page's DOM and checked against what the JSON API
//! answers for the same request. The pages' headers and access rules are checked over plain HTTP.
//!
//! Screenshots (desktop 1280×800 and phone 390×844) land in the target directory's
//! `tmp/screenshots/`; the ones in `docs/` were copied from there by hand.

mod common;

use common::browser::Browser;
use common::site::*;
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

impl Site {
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

/// The connector `notes`: a SQLite database whose `notes.title` holds the hostile values.
fn hostile_notes(site: &Site, admin: &Admin<'_>) {
    let path = site.server.dir.join("hostile.sqlite");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch("CREATE TABLE notes (note_id INTEGER PRIMARY KEY, title TEXT NOT NULL);").unwrap();
    for (id, title) in [(1, SCRIPT_PAYLOAD), (2, IMG_PAYLOAD), (3, "plain")] {
        db.execute("INSERT INTO notes VALUES (?1, ?2)", rusqlite::params![id, title]).unwrap();
    }
    drop(db);
    let notes = json!({"name": "notes", "url": format!("sqlite:{}", path.display())});
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(notes));
}

#[test]
fn hostile_values_in_the_data_and_the_question_render_as_text() {
    let Some(site) = Site::start("web-xss", &[], DESKTOP) else { return };
    let admin = site.admin();
    hostile_notes(&site, &admin);
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

// ---- SQL live edit (`/sql`) ----

/// Ctrl+Enter, as WebDriver key codes (Control held, Enter, all keys released).
const CTRL_ENTER: &str = "\u{E009}\u{E007}\u{E000}";

impl Site {
    /// Opens SQL live edit and waits until the schema of the connector shown is listed.
    fn open_sql(&self) {
        let b = &self.browser;
        b.open("/sql");
        self.wait_for_schema();
    }

    fn wait_for_schema(&self) {
        let listed = self.browser.wait_for_script("document.querySelector('#schema-body [data-role=schema]')");
        assert!(!listed.is_null(), "the schema was not listed: {}", self.browser.text("#schema-body"));
    }

    /// Writes `sql` in the editor, runs it with Ctrl+Enter and returns what the page shows.
    fn run_sql(&self, sql: &str) -> Value {
        let b = &self.browser;
        let runs = b.run("return Number(document.getElementById('result').dataset.runs || '0');", vec![]);
        b.type_into("#sql", sql);
        b.press("#sql", CTRL_ENTER);
        let done = format!("Number(document.getElementById('result').dataset.runs || '0') > {runs}");
        assert!(b.wait_for_script(&done).as_bool() == Some(true), "no result for {sql:?}");
        b.run(
            "const one = (sel) => { const e = document.querySelector(sel); return e ? e.textContent : null; };
             const rejection = document.getElementById('rejection');
             const marker = document.querySelector('[data-role=line-marker]');
             return {
               columns: [...document.querySelectorAll('#result thead th')].map((e) => e.textContent),
               rows: [...document.querySelectorAll('#result tbody tr')]
                 .map((tr) => [...tr.children].map((td) => td.textContent)),
               row_count: one('#result [data-role=row-count]'),
               duration: one('#result [data-role=duration]'),
               truncation: one('#result [data-role=truncation]'),
               warnings: [...document.querySelectorAll('#result [data-role=warnings] li')].map((e) => e.textContent),
               error: one('#result [data-role=error]'),
               no_rows: one('#result [data-role=no-rows]'),
               rejected: !rejection.hidden,
               guard_code: one('#rejection [data-role=guard-code]'),
               guard_message: one('#rejection [data-role=guard-message]'),
               position: one('#rejection [data-role=position]'),
               excerpt: one('#rejection [data-role=excerpt]'),
               marker_line: marker && !marker.hidden ? marker.dataset.line : null,
             };",
            vec![],
        )
    }
}

/// `POST /api/v1/query` as `user` (logged in over HTTP, like the page): status and body.
fn api_query(server: &Server, user: &str, connector: &str, sql: &str) -> (u16, Value) {
    let (client, csrf) = server.login(user, PASSWORD);
    let res = client
        .post(server.url("/api/v1/query"))
        .header("x-csrf-token", csrf)
        .json(&json!({"connector": connector, "sql": sql}))
        .send()
        .unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

/// The rows of an API answer as the page shows them.
fn shown_rows(api: &Value) -> Value {
    let rows: Vec<Vec<String>> =
        api["rows"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(cell_text).collect()).collect();
    json!(rows)
}

#[test]
fn a_power_user_runs_sql_with_ctrl_enter_reads_the_guards_refusals_inline_and_browses_the_schema() {
    let Some(site) = Site::start("web-sql", &[], DESKTOP) else { return };
    let admin = site.admin();
    let sample = site.server.dir.join("sample.db");
    let production = json!({"name": "sample_prod", "url": format!("sqlite:{}", sample.display()), "production": true});
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(production));
    admin.user("pat", "power_user");
    let ids = connector_ids(&admin);
    let b = &site.browser;

    // The chat links SQL live edit for a Power User.
    site.log_in("pat", PASSWORD);
    b.click(".pagenav a[href='/sql']");
    b.wait_for_path("/sql");
    b.wait_until_ready();
    site.wait_for_schema();
    assert_eq!(b.text(".pagenav a[aria-current=page]"), "SQL live edit");
    b.select("#connector", &ids["sample"]);
    site.wait_for_schema();

    // The schema browser lists what the API lists, the demo's tables among them.
    let (client, _) = site.server.login("pat", PASSWORD);
    let schema: Value = client
        .get(site.server.url(&format!("/api/v1/connectors/{}/schema", ids["sample"])))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let tables: Vec<&str> = schema["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let listed =
        b.run("return [...document.querySelectorAll('.schema-table-name')].map((e) => e.textContent);", vec![]);
    assert_eq!(listed, json!(tables));
    for demo in ["customers", "employees", "order_items", "orders", "products", "regions"] {
        assert!(tables.contains(&demo), "{demo} is not listed: {tables:?}");
    }
    // A table's columns open with its toggle, each with its type.
    let customers = schema["tables"].as_array().unwrap().iter().find(|t| t["name"] == "customers").unwrap();
    let columns: Vec<String> = customers["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["name"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert!(!b.visible("[data-table=customers] .schema-columns"));
    b.click("[data-table=customers] .schema-toggle");
    assert!(b.visible("[data-table=customers] .schema-columns"));
    assert_eq!(
        b.run(
            "return document.querySelector('[data-table=customers] .schema-toggle').getAttribute('aria-expanded');",
            vec![]
        ),
        json!("true")
    );
    let shown = b.run(
        "return [...document.querySelectorAll('[data-table=customers] .schema-columns li')]
           .map((li) => li.children[0].textContent + ' ' + li.children[1].textContent);",
        vec![],
    );
    assert_eq!(shown, json!(columns));

    // A click on a table or a column puts its name at the cursor.
    b.type_into("#sql", "SELECT  FROM ");
    b.click("[data-table=customers] .schema-table-name");
    assert_eq!(b.run("return document.getElementById('sql').value;", vec![]), json!("SELECT  FROM customers"));
    b.run("document.getElementById('sql').setSelectionRange(7, 7);", vec![]);
    b.click("[data-table=customers] .schema-column");
    let first = customers["columns"][0]["name"].as_str().unwrap();
    assert_eq!(
        b.run("return document.getElementById('sql').value;", vec![]),
        json!(format!("SELECT {first} FROM customers"))
    );

    // With the keyboard alone: → and ← open and close a table's columns, Enter inserts a name.
    b.press("[data-table=orders] .schema-toggle", "\u{E014}");
    assert!(b.visible("[data-table=orders] .schema-columns"));
    b.press("[data-table=orders] .schema-toggle", "\u{E012}");
    assert!(!b.visible("[data-table=orders] .schema-columns"));
    b.type_into("#sql", "SELECT * FROM ");
    b.press("[data-table=orders] .schema-table-name", "\u{E007}");
    assert_eq!(b.run("return document.getElementById('sql').value;", vec![]), json!("SELECT * FROM orders"));

    // A SELECT run with Ctrl+Enter: the table is what the API answers for the same SQL.
    let sql = "SELECT region_id, name, currency FROM regions ORDER BY region_id";
    let page = site.run_sql(sql);
    let (status, api) = api_query(&site.server, "pat", "sample", sql);
    assert_eq!(status, 200, "{api}");
    let names: Vec<&Value> = api["columns"].as_array().unwrap().iter().map(|c| &c["name"]).collect();
    assert_eq!(page["columns"], json!(names), "{page}");
    assert_eq!(page["rows"], shown_rows(&api), "{page}");
    assert!(page["rows"].as_array().unwrap().len() > 1, "{page}");
    assert_eq!(page["row_count"], json!(format!("{} rows", api["row_count"])), "{page}");
    assert!(page["duration"].as_str().unwrap().ends_with(" ms"), "{page}");
    assert_eq!((page["rejected"].clone(), page["truncation"].clone()), (json!(false), Value::Null), "{page}");
    // Highlighted: keywords, strings and numbers as spans in the overlay, which holds the same text.
    let overlay = b.run(
        "const o = document.querySelector('[data-role=highlight]');
         return [o.textContent.trimEnd(), [...o.querySelectorAll('.tok-keyword')].map((e) => e.textContent)];",
        vec![],
    );
    assert_eq!(overlay, json!([sql, ["SELECT", "FROM", "ORDER", "BY"]]));

    // More rows than the budget: 20 shown and a notice that says so.
    let page = site.run_sql("SELECT * FROM products");
    let (_, api) = api_query(&site.server, "pat", "sample", "SELECT * FROM products");
    assert_eq!(api["truncated"]["reason"], "rows", "{api}");
    assert_eq!(page["rows"], shown_rows(&api), "{page}");
    assert_eq!(page["rows"].as_array().unwrap().len(), 20);
    assert!(page["truncation"].as_str().unwrap().contains("Showing the first 20 rows"), "{page}");
    assert!(b.visible("#result [data-role=truncation]"));
    b.run("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]);
    b.screenshot("sql-desktop");

    // A DELETE: the guard's code and message under the editor, and no rows.
    let page = site.run_sql("DELETE FROM customers");
    let (status, api) = api_query(&site.server, "pat", "sample", "DELETE FROM customers");
    assert_eq!((status, api["error"]["code"].as_str()), (422, Some("sql_rejected")), "{api}");
    assert!(page["rejected"].as_bool().unwrap() && b.visible("#rejection"), "{page}");
    assert_eq!(page["guard_code"], api["error"]["guard_code"], "{page}");
    assert_eq!(page["guard_code"], "write_statement", "{page}");
    assert!(page["guard_message"].as_str().unwrap().contains("DELETE statement changes data"), "{page}");
    assert_eq!(page["rows"], json!([]), "{page}");
    assert!(page["no_rows"].as_str().unwrap().contains("No rows"), "{page}");
    // This refusal carries no position, so none is shown.
    assert_eq!((page["position"].clone(), page["marker_line"].clone()), (Value::Null, Value::Null), "{page}");

    // A syntax error carries the parser's position: the line and column, and a marker on it.
    let broken = "SELECT *\nFROM customers WHERE x = = 1";
    let page = site.run_sql(broken);
    assert_eq!(page["guard_code"], "syntax_error", "{page}");
    assert_eq!(page["position"], "Line 2, column 26:", "{page}");
    assert_eq!(page["excerpt"], json!(format!("FROM customers WHERE x = = 1\n{}^", " ".repeat(25))), "{page}");
    assert_eq!(page["marker_line"], "2", "{page}");
    assert!(b.visible("[data-role=line-marker]"));
    b.run("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]);
    b.screenshot("sql-rejected-desktop");
    // Editing the text takes the marker away (its position no longer holds).
    b.press("#sql", " ");
    assert!(!b.visible("[data-role=line-marker]"));

    // A production connector: the banner before running, and its warning with the rows.
    b.select("#connector", &ids["sample_prod"]);
    assert!(b.visible("#production"));
    assert!(b.text("#production").contains("“sample_prod”"), "{}", b.text("#production"));
    let page = site.run_sql("SELECT count(*) AS n FROM customers");
    assert!(page["warnings"].to_string().contains("production database"), "{page}");

    // A phone: the editor, then the results, then the schema, one column, no sideways scrolling.
    b.select("#connector", &ids["sample"]);
    site.wait_for_schema();
    site.run_sql("SELECT region_id, name, currency FROM regions ORDER BY region_id");
    b.viewport(PHONE.0, PHONE.1);
    assert_eq!(b.run("return window.innerWidth;", vec![]), json!(PHONE.0));
    let wide = b.run("return document.documentElement.scrollWidth > window.innerWidth;", vec![]);
    assert_eq!(wide, json!(false), "SQL live edit is wider than a phone");
    let stacked = b.run(
        "const box = (id) => document.getElementById(id).getBoundingClientRect();
         return box('editor').bottom <= box('result').top && box('result').bottom <= box('schema-body').top;",
        vec![],
    );
    assert_eq!(stacked, json!(true), "the editor, the results and the schema do not stack on a phone");
    b.run("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]);
    b.screenshot("sql-phone");
}

#[test]
fn sql_live_edit_is_closed_to_analysts_and_members_and_linked_only_for_those_it_is_open_to() {
    let server = Server::start("web-sql-access");
    let admin = Admin::new(&server);
    for (name, role) in [("ann", "analyst"), ("mia", "member"), ("pat", "power_user")] {
        admin.user(name, role);
    }
    let res = no_redirects().get(server.url("/sql")).send().unwrap();
    assert_eq!((res.status().as_u16(), header(&res, "location")), (303, "/login".to_owned()));

    for (user, open) in [("ann", false), ("mia", false), ("pat", true)] {
        let (client, _) = server.login(user, PASSWORD);
        let res = client.get(server.url("/sql")).send().unwrap();
        assert_page_headers(&res, "/sql");
        assert_eq!(header(&res, "cache-control"), "no-store");
        let status = res.status().as_u16();
        let html = res.text().unwrap();
        let chat = client.get(server.url("/chat")).send().unwrap().text().unwrap();
        if open {
            assert_eq!(status, 200, "{user}: {html}");
            assert!(!html.contains("<style") && !html.contains(" style=") && !inline_handler(&html), "{html}");
            for control in ["connector", "sql"] {
                assert!(html.contains(&format!("for=\"{control}\"")), "no label for {control}: {html}");
            }
            assert!(chat.contains("href=\"/sql\""), "{user} sees no link to SQL live edit: {chat}");
        } else {
            // The 403 page, in words: what happened, not a trace.
            assert_eq!(status, 403, "{user}: {html}");
            assert!(html.contains("Not allowed") && html.contains("power_user role or higher"), "{user}: {html}");
            assert!(!html.contains("href=\"/sql\""), "{user}: {html}");
            assert!(!chat.contains("href=\"/sql\""), "{user} sees a link to SQL live edit: {chat}");
        }
    }
}

#[test]
fn hostile_values_render_as_text_in_sql_live_edit() {
    let Some(site) = Site::start("web-sql-xss", &[], DESKTOP) else { return };
    let admin = site.admin();
    hostile_notes(&site, &admin);
    admin.user("pat", "power_user");
    let ids = connector_ids(&admin);
    let b = &site.browser;
    site.log_in("pat", PASSWORD);
    site.open_sql();
    b.select("#connector", &ids["notes"]);
    site.wait_for_schema();
    assert_eq!(b.text("[data-table=notes] .schema-table-name"), "notes");

    // Rows holding markup are shown as the text they are.
    let page = site.run_sql("SELECT title FROM notes ORDER BY note_id");
    assert_eq!(page["rows"], json!([[SCRIPT_PAYLOAD], [IMG_PAYLOAD], ["plain"]]), "{page}");
    // So is markup in the SQL itself, in the highlighting overlay and in a refusal's excerpt.
    let hostile_sql = format!("SELECT title FROM notes WHERE title = '{IMG_PAYLOAD}' ==");
    let page = site.run_sql(&hostile_sql);
    assert_eq!(page["guard_code"], "syntax_error", "{page}");
    let overlay = b.run("return document.querySelector('[data-role=highlight]').textContent.trimEnd();", vec![]);
    assert_eq!(overlay, json!(hostile_sql));
    let made = b.run("return document.querySelectorAll('main img, main script, main [onerror]').length;", vec![]);
    assert_eq!(made, json!(0));
    b.wait_for_script("document.readyState === 'complete'");
    assert_eq!(b.run("return typeof window.__xss;", vec![]), json!("undefined"));
}

// ---- The audit trail (`/audit`) ----

/// The audit page's records as shown: each row's cells, and its sequence number.
fn shown_records(b: &Browser) -> Value {
    b.run(
        "return [...document.querySelectorAll('#records-body tbody tr')].map((tr) => ({
           seq: Number(tr.dataset.seq),
           cells: [...tr.children].map((td) => td.textContent),
         }));",
        vec![],
    )
}

/// Opens `/audit` with `query` and waits until its records are listed.
fn open_audit(b: &Browser, query: &str) -> Value {
    b.open(&format!("/audit{query}"));
    assert!(!b.wait_for_script("document.getElementById('records').dataset.loaded === 'true'").is_null());
    shown_records(b)
}

/// The sequence numbers of the records the API answers for `query`.
fn api_seqs(api: &Value) -> Value {
    json!(api["records"].as_array().unwrap().iter().map(|r| r["seq"].clone()).collect::<Vec<_>>())
}

#[test]
fn an_admin_filters_searches_opens_and_exports_the_audit_trail() {
    let Some(site) = Site::start("web-audit", &[], DESKTOP) else { return };
    let admin = site.admin();
    let b = &site.browser;

    // Records to find: a question, a query, a DELETE the guard refuses.
    let question = "How many customers are there?";
    let asked = admin.call(Method::POST, "/api/v1/ask", Some(json!({"connector": "sample", "question": question})));
    assert_eq!(asked.status(), 200);
    let sql = "SELECT count(*) FROM orders";
    let ran = admin.call(Method::POST, "/api/v1/query", Some(json!({"connector": "sample", "sql": sql})));
    assert_eq!(ran.status(), 200);
    let delete =
        admin.call(Method::POST, "/api/v1/query", Some(json!({"connector": "sample", "sql": "DELETE FROM orders"})));
    assert_eq!(delete.status(), 422);

    site.log_in("admin", &site.admin_password);
    assert!(b.find_all(".pagenav a[href='/audit']").len() == 1, "the admin sees a link to the audit trail");

    // Filtered by kind: the page lists what the API answers, newest first.
    b.open("/audit");
    b.select("#kind", "query");
    b.click("#apply");
    b.wait_for_path("/audit?kind=query");
    b.wait_until_ready();
    let shown = shown_records(b);
    let api = admin.ok(Method::GET, "/api/v1/admin/audit?kind=query", None);
    assert_eq!(api["total"], json!(2), "{api}");
    let seqs: Vec<&Value> = shown.as_array().unwrap().iter().map(|r| &r["seq"]).collect();
    assert_eq!(json!(seqs), api_seqs(&api), "{shown}");
    let outcomes: Vec<&Value> = shown.as_array().unwrap().iter().map(|r| &r["cells"][4]).collect();
    assert_eq!(json!(outcomes), json!(["rejected", "ok"]), "{shown}");
    assert_eq!(shown[0]["cells"][3], "query");
    assert_eq!(shown[0]["cells"][1], "admin");
    assert_eq!(shown[0]["cells"][6], "DELETE FROM orders");
    // Reloaded, the filters are still in the form.
    b.open("/audit?kind=query");
    assert_eq!(b.run("return document.getElementById('kind').value;", vec![]), json!("query"));

    // A date range that holds today lists them; one that does not, none.
    let today = b.run("return new Date().toISOString().slice(0, 10);", vec![]).as_str().unwrap().to_owned();
    let set_dates = "document.getElementById('from').value = arguments[0]; \
                     document.getElementById('to').value = arguments[1];";
    b.run(set_dates, vec![json!(today), json!(today)]);
    b.click("#apply");
    let in_range = format!("/audit?from={today}&to={today}&kind=query");
    b.wait_for_path(&in_range);
    b.wait_until_ready();
    assert_eq!(
        json!(shown_records(b).as_array().unwrap().iter().map(|r| &r["seq"]).collect::<Vec<_>>()),
        api_seqs(&api)
    );
    b.run(set_dates, vec![json!("2001-01-01"), json!("2001-01-31")]);
    b.click("#apply");
    b.wait_for_path("/audit?from=2001-01-01&to=2001-01-31&kind=query");
    b.wait_until_ready();
    assert_eq!(shown_records(b), json!([]));
    assert!(b.visible("[data-role=no-records]"));
    assert_eq!(b.run("return document.getElementById('records').dataset.total;", vec![]), json!("0"));

    // A word of the question finds its record; opening it shows everything the API holds.
    b.open("/audit");
    b.type_into("#q", "customers");
    b.select("#kind", "ask");
    b.press("#q", "\u{E007}");
    b.wait_for_path("/audit?q=customers&kind=ask");
    b.wait_until_ready();
    let api = admin.ok(Method::GET, "/api/v1/admin/audit?q=customers&kind=ask", None);
    assert_eq!(api["total"], json!(1), "{api}");
    let record = &api["records"][0];
    let shown = shown_records(b);
    assert_eq!(shown.as_array().unwrap().len(), 1, "{shown}");
    assert_eq!(shown[0]["seq"], record["seq"]);
    assert_eq!(shown[0]["cells"][6], question);
    // From the keyboard: focus the row's button, Enter opens the record.
    b.press("#records-body button.open-record", "\u{E007}");
    assert!(b.visible("#detail"));
    assert_eq!(b.run("return document.activeElement.id;", vec![]), json!("detail"));
    let detail = b.run(
        "const one = (sel) => document.querySelector('#detail ' + sel).textContent;
         return {question: one('[data-role=question]'), sql: one('[data-role=sql]'),
                 detail: one('[data-role=detail]'), text: document.getElementById('detail').textContent};",
        vec![],
    );
    assert_eq!(detail["question"], record["question"], "{detail}");
    assert!(record["sql"].as_str().is_some_and(|s| s.starts_with("SELECT")), "{record}");
    assert_eq!(detail["sql"], record["sql"], "{detail}");
    let pretty: Value = serde_json::from_str(detail["detail"].as_str().unwrap()).unwrap();
    assert_eq!(pretty, record["detail"], "{detail}");
    let text = detail["text"].as_str().unwrap();
    for hash in ["hash", "prev_hash"] {
        assert!(text.contains(record[hash].as_str().unwrap()), "no {hash}: {text}");
    }
    b.run("window.scrollTo(0, 0); document.activeElement.blur();", vec![]);
    b.screenshot("audit-desktop");
    b.click("#detail-close");
    assert_eq!(b.find_all("#detail[hidden]").len(), 1, "the record stays open");
    assert_eq!(b.run("return document.activeElement.dataset.seq;", vec![]), json!(record["seq"].to_string()));
    // Escape closes it too, and the focus goes back to the row's button.
    b.press("#records-body button.open-record", "\u{E007}");
    assert_eq!(b.run("return document.activeElement.id;", vec![]), json!("detail"));
    b.press("#detail", "\u{E00C}");
    assert_eq!(b.find_all("#detail[hidden]").len(), 1, "Escape did not close the record");
    assert_eq!(b.run("return document.activeElement.dataset.seq;", vec![]), json!(record["seq"].to_string()));

    // Export CSV carries exactly the page's filters; downloaded with the session, it holds
    // exactly the filtered records.
    // (An empty filter in the URL is no filter.)
    b.open("/audit?kind=query&outcome=rejected&from=");
    let href = b.run("return document.getElementById('export').getAttribute('href');", vec![]);
    assert_eq!(href, json!("/api/v1/admin/audit.csv?kind=query&outcome=rejected"));
    let api = admin.ok(Method::GET, "/api/v1/admin/audit?kind=query&outcome=rejected", None);
    assert_eq!(api["total"], json!(1), "{api}");
    let res = admin.client.get(site.server.url(href.as_str().unwrap())).send().unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("text/csv"), "{}", header(&res, "content-type"));
    let text = res.text().unwrap();
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let headers = csv.headers().unwrap().clone();
    assert_eq!(&headers[0], "seq", "{text}");
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(rows[0][0], api["records"][0]["seq"].to_string(), "{text}");
    let sql_column = headers.iter().position(|h| h == "sql").unwrap();
    assert_eq!(&rows[0][sql_column], "DELETE FROM orders", "{text}");

    // Paging: 25 records a page, Next and Previous as the API's total and offset say.
    for n in 0..26 {
        let sql = format!("SELECT {n} AS n");
        let ran = admin.call(Method::POST, "/api/v1/query", Some(json!({"connector": "sample", "sql": sql})));
        assert_eq!(ran.status(), 200);
    }
    let first = open_audit(b, "?kind=query");
    let api = admin.ok(Method::GET, "/api/v1/admin/audit?kind=query&limit=25", None);
    assert_eq!(api["total"], json!(28), "{api}");
    assert_eq!(json!(first.as_array().unwrap().iter().map(|r| &r["seq"]).collect::<Vec<_>>()), api_seqs(&api));
    assert_eq!(b.text("#summary"), "Records 1–25 of 28, newest first.");
    let disabled = "return [document.getElementById('previous').disabled, document.getElementById('next').disabled];";
    assert_eq!(b.run(disabled, vec![]), json!([true, false]));
    b.click("#next");
    b.wait_for_path("/audit?kind=query&offset=25");
    b.wait_until_ready();
    let api = admin.ok(Method::GET, "/api/v1/admin/audit?kind=query&offset=25&limit=25", None);
    let second = shown_records(b);
    assert_eq!(json!(second.as_array().unwrap().iter().map(|r| &r["seq"]).collect::<Vec<_>>()), api_seqs(&api));
    assert_eq!(second.as_array().unwrap().len(), 3, "{second}");
    assert_eq!(b.text("#summary"), "Records 26–28 of 28, newest first.");
    assert_eq!(b.run(disabled, vec![]), json!([false, true]));
    b.click("#previous");
    b.wait_for_path("/audit?kind=query");
    b.wait_until_ready();
    assert_eq!(shown_records(b), first);

    // On a phone: the same records, one column, nothing wider than the screen but the records'
    // own scrolling box, and a record opens from its button.
    b.viewport(PHONE.0, PHONE.1);
    let phone = open_audit(b, "?kind=query");
    assert_eq!(phone, first);
    let wide = b.run("return document.documentElement.scrollWidth > window.innerWidth;", vec![]);
    let culprits = b.run(
        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
        vec![],
    );
    assert_eq!(wide, json!(false), "the audit page scrolls sideways on a phone: {culprits}");
    for control in ["#q", "#from", "#to", "#user", "#connector", "#kind", "#outcome", "#apply", "#export"] {
        let fits = b.run(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;",
            vec![json!(control)],
        );
        assert_eq!(fits, json!(true), "{control} is not within the phone's width");
    }
    b.click("#records-body button.open-record");
    assert_eq!(b.find_all("#detail[hidden]").len(), 0, "the record did not open on a phone");
    let fits =
        b.run("return document.getElementById('detail').getBoundingClientRect().right <= window.innerWidth;", vec![]);
    assert_eq!(fits, json!(true), "the record is wider than the phone");
    b.run("window.scrollTo(0, 0); document.activeElement.blur();", vec![]);
    b.screenshot("audit-phone");
}

#[test]
fn the_audit_trail_is_closed_to_analysts_and_linked_only_for_admins() {
    let server = Server::start("web-audit-access");
    let admin = Admin::new(&server);
    admin.user("ann", "analyst");
    admin.user("pat", "power_user");
    let res = no_redirects().get(server.url("/audit")).send().unwrap();
    assert_eq!((res.status().as_u16(), header(&res, "location")), (303, "/login".to_owned()));
    for user in ["ann", "pat"] {
        let (client, _) = server.login(user, PASSWORD);
        let res = client.get(server.url("/audit")).send().unwrap();
        assert_page_headers(&res, "/audit");
        assert_eq!(res.status(), 403, "{user}");
        let html = res.text().unwrap();
        assert!(html.contains("Not allowed") && html.contains("admin role or higher"), "{user}: {html}");
        for page in ["/chat", "/sql"] {
            let html = client.get(server.url(page)).send().unwrap().text().unwrap();
            assert!(!html.contains("href=\"/audit\""), "{user} sees a link to the audit trail on {page}: {html}");
        }
    }
    let res = admin.client.get(server.url("/audit")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_page_headers(&res, "/audit");
    assert_eq!(header(&res, "cache-control"), "no-store");
    let html = res.text().unwrap();
    assert!(!html.contains("<style") && !html.contains(" style=") && !inline_handler(&html), "{html}");
    for control in ["q", "from", "to", "user", "connector", "kind", "outcome"] {
        assert!(html.contains(&format!("<label for=\"{control}\">")), "no label for {control}: {html}");
    }
    assert!(html.contains("href=\"/audit\""), "{html}");
    let chat = admin.client.get(server.url("/chat")).send().unwrap().text().unwrap();
    assert!(chat.contains("href=\"/audit\""), "the admin sees no link to the audit trail: {chat}");
}

#[test]
fn hostile_text_in_the_audit_trail_renders_as_text() {
    let Some(site) = Site::start("web-audit-xss", &[], DESKTOP) else { return };
    let admin = site.admin();
    let b = &site.browser;
    let hostile = "<img src=x onerror=window.__xss=1> how many customers are there?";
    // Answered or not, the question is recorded as it was asked.
    admin.call(Method::POST, "/api/v1/ask", Some(json!({"connector": "sample", "question": hostile})));
    site.log_in("admin", &site.admin_password);
    let shown = open_audit(b, "?kind=ask");
    assert_eq!(shown.as_array().unwrap().len(), 1, "{shown}");
    assert_eq!(shown[0]["cells"][6], hostile);
    b.click("#records-body button.open-record");
    assert_eq!(b.text("#detail [data-role=question]"), hostile);
    // The hostile text in the URL is only ever a field's value.
    open_audit(b, "?q=%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E");
    assert_eq!(
        b.run("return document.getElementById('q').value;", vec![]),
        json!("<img src=x onerror=window.__xss=1>")
    );
    b.click("#records-body button.open-record");
    let made = b.run("return document.querySelectorAll('main img, main script, main [onerror]').length;", vec![]);
    assert_eq!(made, json!(0));
    b.wait_for_script("document.readyState === 'complete'");
    assert_eq!(b.run("return typeof window.__xss;", vec![]), json!("undefined"));
}

/// The chat's turns as the page shows them: each question and its card's summary or heading.
fn shown_turns(b: &Browser) -> Value {
    b.run(
        "return [...document.querySelectorAll('#history .turn')].map((t) => {
           const q = t.querySelector('.turn-question');
           const card = t.querySelector('article');
           const summary = card.querySelector('[data-role=summary]');
           return [q.lastChild.textContent, card.dataset.role, summary ? summary.textContent : card.querySelector('h3').textContent];
         });",
        vec![],
    )
}

/// What this tab's sessionStorage holds under the pages' prefix.
fn kept(b: &Browser) -> Value {
    b.run(
        "const out = {};
         for (let i = 0; i < sessionStorage.length; i++) {
           const k = sessionStorage.key(i);
           if (k.startsWith('sqlgate.')) out[k] = JSON.parse(sessionStorage.getItem(k));
         }
         return out;",
        vec![],
    )
}

#[test]
fn the_conversation_is_kept_for_the_session_in_its_tab_and_forgotten_at_logout() {
    let Some(site) = Site::start("web-history", &[], DESKTOP) else { return };
    let admin = site.admin();
    user_granted(&admin, "ann", "analyst", &["sample"]);
    user_granted(&admin, "mia", "member", &["sample"]);
    let ids = connector_ids(&admin);
    let b = &site.browser;
    site.log_in("ann", PASSWORD);
    assert!(!b.visible("#clear-conversation"), "nothing to clear yet");
    site.ask(&ids["sample"], "How many customers are there?", 0);
    site.ask(&ids["sample"], "How many products are there in each category?", 1);
    let before = shown_turns(b);
    assert_eq!(before.as_array().unwrap().len(), 2, "{before}");

    // A reload shows the same conversation, from this tab's session storage, per user.
    b.open("/chat");
    b.wait_until_ready();
    assert_eq!(shown_turns(b), before);
    assert!(b.visible("#clear-conversation") && !b.visible("#empty"));
    let stored = kept(b);
    let turns = stored["sqlgate.chat.ann"].as_array().unwrap();
    assert_eq!(turns.len(), 2, "{stored}");
    assert_eq!(turns[0]["question"], "How many customers are there?", "{stored}");
    assert!(turns[0]["result"]["data"]["sql"].is_string(), "an analyst's kept answer has its SQL: {stored}");

    // Cleared by hand: gone from the page and from storage, also after a reload.
    b.click("#clear-conversation");
    assert_eq!(shown_turns(b), json!([]));
    assert!(b.visible("#empty") && !b.visible("#clear-conversation"));
    b.open("/chat");
    b.wait_until_ready();
    assert_eq!(shown_turns(b), json!([]));

    // Logging out forgets it; so does the next login, in the same tab, as someone else.
    site.ask(&ids["sample"], "How many customers are there?", 0);
    assert_eq!(kept(b)["sqlgate.chat.ann"].as_array().unwrap().len(), 1);
    b.click("#logout");
    b.wait_for_path("/login?notice=logged_out");
    assert_eq!(kept(b), json!({}), "a logout left the conversation in the tab");
    site.log_in("mia", PASSWORD);
    assert_eq!(shown_turns(b), json!([]), "another user saw the conversation");
    // A Member's kept answers hold no SQL, as the API's never do.
    site.ask(&ids["sample"], "How many customers are there?", 0);
    let stored = kept(b);
    let turn = &stored["sqlgate.chat.mia"][0];
    assert_eq!(turn["result"]["ok"], true, "{stored}");
    assert!(turn["result"]["data"].get("sql").is_none(), "a member's kept answer holds SQL: {stored}");
    assert!(!stored.to_string().contains("SELECT"), "{stored}");
    // Opening the login page (a session that ended) forgets everything too.
    b.open("/login");
    b.wait_until_ready();
    assert_eq!(kept(b), json!({}));
}
