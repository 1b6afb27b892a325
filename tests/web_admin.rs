//! The admin pages (`/admin/…`) and the API keys page (`/keys`), black-box: the real `sqlgate
//! demo` on its own port and data directory, and headless Chromium that uses the pages as an
//! admin (or a user) does. Whatever a page did is checked against the JSON API, and what a page
//! shows against what the API answers; the access rules are checked over plain HTTP.
//!
//! Screenshots (desktop 1280×800 and phone 390×844) land in the target directory's
//! `tmp/screenshots/`; the ones in `docs/` were copied from there by hand.

mod common;

use common::browser::Browser;
use common::site::*;
use common::*;
use reqwest::blocking::Client;
use reqwest::Method;
use serde_json::{json, Value};

const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);

/// A connector name no page may run as markup.
const HOSTILE: &str = "\"><img src=x onerror=window.__xss=1><script>x()</script>";

impl Site {
    /// Screenshots of the page shown at desktop and phone width, as `NAME-desktop` and
    /// `NAME-phone`, scrolled to the element `at` (or the top); at phone width nothing may scroll
    /// sideways.
    fn screenshots(&self, name: &str, at: Option<&str>) {
        let b = &self.browser;
        let scroll = "document.activeElement.blur();
                      const at = arguments[0] && document.querySelector(arguments[0]);
                      if (at) { at.scrollIntoView({block: 'center'}); } else { window.scrollTo(0, 0); }";
        b.run(scroll, vec![json!(at)]);
        b.screenshot(&format!("{name}-desktop"));
        b.viewport(PHONE.0, PHONE.1);
        b.run(scroll, vec![json!(at)]);
        let wide = b.run("return document.documentElement.scrollWidth - window.innerWidth;", vec![]);
        let culprits = b.run(
            "return [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
               .slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className);",
            vec![],
        );
        assert!(wide.as_i64().unwrap_or(1) <= 0, "{name} scrolls sideways at phone width by {wide}px: {culprits}");
        b.screenshot(&format!("{name}-phone"));
        b.viewport(DESKTOP.0, DESKTOP.1);
    }
}

/// `user`'s record in `GET /api/v1/admin/users`.
fn api_user(admin: &Admin<'_>, user: &str) -> Value {
    let users = admin.ok(Method::GET, "/api/v1/admin/users", None);
    users["users"].as_array().unwrap().iter().find(|u| u["username"] == user).cloned().unwrap_or(Value::Null)
}

/// Connector ids by name, as the admin sees them.
fn connector_id(admin: &Admin<'_>, name: &str) -> String {
    let list = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let found = list["connectors"].as_array().unwrap().iter().find(|c| c["name"] == name).cloned();
    found.unwrap_or_else(|| panic!("no connector {name}: {list}"))["id"].as_str().unwrap().to_owned()
}

/// The status of a login over HTTP.
fn login_status(server: &Server, user: &str, password: &str) -> u16 {
    server.try_login(json!({"username": user, "password": password})).status().as_u16()
}

/// Waits until the page's status region says something containing `text`.
fn wait_status(b: &Browser, text: &str) -> String {
    let script = format!(
        "(() => {{ const s = document.getElementById('status'); return !s.hidden && s.textContent.includes({t}) && s.textContent; }})()",
        t = json!(text)
    );
    let said = b.wait_for_script(&script);
    let message = b.run("return document.getElementById('message').textContent;", vec![]);
    said.as_str().map(str::to_owned).unwrap_or_else(|| panic!("the page never said {text:?}; its message: {message}"))
}

/// Nothing hostile was made or run in the page.
fn nothing_ran(b: &Browser) {
    let made = b.run("return document.querySelectorAll('main img, main script, main [onerror]').length;", vec![]);
    assert_eq!(made, json!(0));
    assert_eq!(b.run("return typeof window.__xss;", vec![]), json!("undefined"));
}

#[test]
fn an_admin_adds_a_user_changes_the_role_grants_resets_and_disables_them() {
    let Some(site) = Site::start("web-admin-users", &[], DESKTOP) else { return };
    let admin = site.admin();
    let b = &site.browser;
    // A second connector with a hostile name, to grant.
    let url = "postgres://nobody@127.0.0.1:1/none?connect_timeout=1";
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": HOSTILE, "url": url})));
    let hostile_id = connector_id(&admin, HOSTILE);

    site.log_in("admin", &site.admin_password);
    assert_eq!(b.find_all(".pagenav a[href='/admin/users']").len(), 1, "the admin sees the Admin link");
    b.click(".pagenav a[href='/admin/users']");
    b.wait_for_path("/admin/users");
    b.wait_until_ready();
    assert_eq!(b.text(".subnav a[aria-current=page]"), "Users");

    // The table lists what the API lists.
    let shown = b
        .run("return [...document.querySelectorAll('#users-body tbody tr')].map((tr) => tr.dataset.username);", vec![]);
    let api = admin.ok(Method::GET, "/api/v1/admin/users", None);
    let names: Vec<&Value> = api["users"].as_array().unwrap().iter().map(|u| &u["username"]).collect();
    assert_eq!(shown, json!(names));

    // A weak password first: the policy's message under the field, in the API's words; no user.
    b.type_into("#new-username", "wendy");
    b.select("#new-role", "analyst");
    b.type_into("#new-password", "short1!");
    b.click("#create-submit");
    let error = b.wait_for_script(
        "(() => { const e = document.getElementById('new-password-error'); return !e.hidden && e.textContent; })()",
    );
    let refused = admin.call(
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "wendy", "role": "analyst", "password": "short1!"})),
    );
    assert_eq!(refused.status(), 400);
    let api_message = refused.json::<Value>().unwrap()["error"]["message"].as_str().unwrap().to_owned();
    assert!(api_message.starts_with("the password has 7 characters"), "{api_message}");
    assert_eq!(error.as_str().unwrap().to_lowercase(), format!("{api_message}.").to_lowercase());
    assert_eq!(
        b.run("return document.getElementById('new-password').getAttribute('aria-invalid');", vec![]),
        json!("true")
    );
    assert!(api_user(&admin, "wendy").is_null());

    // A good one adds the user, with the role chosen.
    b.type_into("#new-password", PASSWORD);
    b.click("#create-submit");
    wait_status(b, "wendy is added");
    b.find("tr[data-username=wendy]");
    let wendy = api_user(&admin, "wendy");
    assert_eq!((wendy["role"].as_str(), wendy["disabled"].as_bool()), (Some("analyst"), Some(false)), "{wendy}");
    let id = wendy["id"].as_str().unwrap().to_owned();
    assert_eq!(b.run("return document.getElementById('new-password').value;", vec![]), json!(""));
    assert_eq!(login_status(&site.server, "wendy", PASSWORD), 200);

    // The role, changed in the row.
    b.select("tr[data-username=wendy] select[data-action=role]", "power_user");
    wait_status(b, "wendy is now Power User");
    assert_eq!(api_user(&admin, "wendy")["role"], "power_user");

    // Grants: a check box per connector, the hostile name as text.
    b.click("tr[data-username=wendy] button[data-action=grants]");
    // The form opens once the connectors and the grants are read.
    assert_eq!(b.wait_for_script("!document.getElementById('grants').hidden"), json!(true));
    let labels =
        b.run("return [...document.querySelectorAll('#grants-list label')].map((l) => l.textContent);", vec![]);
    assert!(labels.as_array().unwrap().contains(&json!(HOSTILE)), "{labels}");
    assert!(labels.as_array().unwrap().contains(&json!("sample")), "{labels}");
    nothing_ran(b);
    b.click(&format!("#grants-list input[value='{hostile_id}']"));
    b.click("#grants-submit");
    wait_status(b, "wendy is granted 1 connector");
    let granted = admin.ok(Method::GET, &format!("/api/v1/admin/users/{id}/grants"), None);
    assert_eq!(granted["connectors"], json!([hostile_id]));
    // Opened again, the form shows what is granted.
    b.click("tr[data-username=wendy] button[data-action=grants]");
    assert_eq!(b.wait_for_script("!document.getElementById('grants').hidden"), json!(true));
    let checked =
        b.run("return [...document.querySelectorAll('#grants-list input:checked')].map((i) => i.value);", vec![]);
    assert_eq!(checked, json!([hostile_id]));
    b.click("#grants-cancel");
    assert!(!b.visible("#grants"));

    // A password reset: the policy first, then the new password works and the old one not.
    b.click("tr[data-username=wendy] button[data-action=reset]");
    b.type_into("#reset-password", "alllowercaseletters");
    b.click("#reset-submit");
    let error = b.wait_for_script(
        "(() => { const e = document.getElementById('reset-error'); return !e.hidden && e.textContent; })()",
    );
    assert!(error.as_str().is_some_and(|e| e.contains("only lower-case letters")), "{error}");
    let new_password = "Another-good-pass-42";
    b.type_into("#reset-password", new_password);
    b.click("#reset-submit");
    wait_status(b, "The password of wendy is reset");
    assert_eq!(login_status(&site.server, "wendy", PASSWORD), 401);
    assert_eq!(login_status(&site.server, "wendy", new_password), 200);

    // Disabled: the API says so, and the login fails.
    site.screenshots("admin-users", None);
    b.click("tr[data-username=wendy] button[data-action=disable]");
    wait_status(b, "wendy is disabled");
    assert_eq!(api_user(&admin, "wendy")["disabled"], json!(true));
    assert_eq!(b.text("tr[data-username=wendy] td.state"), "Disabled");
    // The table is drawn again, and the focus is on the row's new button.
    let focused =
        b.run("const a = document.activeElement; return [a.closest('tr').dataset.username, a.dataset.action];", vec![]);
    assert_eq!(focused, json!(["wendy", "enable"]));
    assert_eq!(login_status(&site.server, "wendy", new_password), 401);
    // And enabled again.
    b.click("tr[data-username=wendy] button[data-action=enable]");
    wait_status(b, "wendy is enabled");
    assert_eq!(api_user(&admin, "wendy")["disabled"], json!(false));
    assert_eq!(login_status(&site.server, "wendy", new_password), 200);
    nothing_ran(b);

    // A refusal is a message that says what to do: the last active admin stays.
    b.click("tr[data-username=admin] button[data-action=disable]");
    let said = b.wait_for_script(
        "(() => { const m = document.getElementById('message'); return !m.hidden && m.textContent; })()",
    );
    assert!(said.as_str().is_some_and(|m| m.contains("last active admin; make another user admin first")), "{said}");
    assert_eq!(api_user(&admin, "admin")["disabled"], json!(false));

    // A second factor, removed after the confirmation: the user logs in with the password alone.
    let secret = user_with_totp(&site.server, &admin, "tess");
    assert_eq!(api_user(&admin, "tess")["totp"], json!(true));
    assert_eq!(login_status(&site.server, "tess", PASSWORD), 401, "the code is asked for");
    b.open("/admin/users");
    assert_eq!(b.text("tr[data-username=tess] td.totp"), "On");
    assert!(!b.visible("tr[data-username=wendy] button[data-action=reset-totp]"), "wendy has no factor to reset");
    b.click("tr[data-username=tess] button[data-action=reset-totp]");
    assert!(b.text("#confirm-text").contains("tess"));
    b.click("#confirm-yes");
    wait_status(b, "The second factor of tess is removed");
    assert_eq!(api_user(&admin, "tess")["totp"], json!(false));
    assert_eq!(b.text("tr[data-username=tess] td.totp"), "Off");
    assert_eq!(login_status(&site.server, "tess", PASSWORD), 200);
    assert!(!secret.is_empty());
}

/// Records the text of every answer the page's scripts fetch from now on (in
/// `window.__answers`), to check that none holds a secret.
fn record_answers(b: &Browser) {
    b.run(
        "window.__answers = [];
         const original = window.fetch;
         window.fetch = async function (...args) {
           const response = await original.apply(this, args);
           response.clone().text().then((t) => window.__answers.push(t));
           return response;
         };",
        vec![],
    );
}

#[test]
fn an_admin_adds_tests_changes_and_deletes_a_postgres_connector_whose_password_never_comes_back() {
    let Some(site) = Site::start("web-admin-connectors", &[], DESKTOP) else { return };
    let admin = site.admin();
    let b = &site.browser;
    let db = shop_db("web_admin_conn", 3);
    let secret = "Pg-Secret-Pw-7731";

    site.log_in("admin", &site.admin_password);
    b.open("/admin/connectors");
    assert_eq!(b.text(".subnav a[aria-current=page]"), "Connectors");
    record_answers(b);

    // Added from the form, with a hostile name: the password is cleared at once.
    b.type_into("#c-name", HOSTILE);
    b.select("#c-kind", "postgres");
    b.type_into("#c-host", "127.0.0.1");
    b.type_into("#c-port", "5432");
    b.type_into("#c-database", &db);
    b.type_into("#c-user", "postgres");
    b.type_into("#c-password", secret);
    b.type_into("#c-timeout", "4000");
    b.click("#c-superuser");
    b.click("#c-production");
    b.type_into("#c-max-rows", "15");
    b.click("#create-submit");
    wait_status(b, "is added");
    let id = connector_id(&admin, HOSTILE);
    let api = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let made = api["connectors"].as_array().unwrap().iter().find(|c| c["id"] == json!(id)).unwrap().clone();
    assert_eq!(made["engine"], "postgres");
    assert_eq!(made["target"], format!("127.0.0.1:5432/{db}"), "{made}");
    assert_eq!((made["production"].as_bool(), made["max_rows"].as_u64()), (Some(true), Some(15)), "{made}");
    let row = format!("tr[data-id='{id}']");
    assert_eq!(b.text(&format!("{row} th")), HOSTILE);
    assert_eq!(b.text(&format!("{row} td.production")), "Yes");
    assert_eq!(b.run("return document.getElementById('c-password').value;", vec![]), json!(""));
    nothing_ran(b);

    // It works: a query through it answers from the new database.
    let ran = admin.call(
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": id, "sql": "SELECT count(*) AS n FROM customers"})),
    );
    let ran: Value = ran.json().unwrap();
    assert_eq!(ran["rows"], json!([[3]]), "{ran}");

    // Test: the least-privilege report as the API gives it, readable.
    b.click(&format!("{row} button[data-action=test]"));
    b.wait_for_script("!document.getElementById('test').hidden");
    let report = admin.ok(Method::POST, &format!("/api/v1/admin/connectors/{id}/test"), None);
    assert_eq!(report["ok"], json!(true), "{report}");
    let warnings = report["report"]["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w["kind"] == "superuser"), "{report}");
    let shown = b.run(
        "return [...document.querySelectorAll('#test-body .findings li')].map((li) => [li.dataset.kind, li.textContent]);",
        vec![],
    );
    assert_eq!(shown.as_array().unwrap().len(), warnings.len(), "{shown}");
    for (shown, w) in shown.as_array().unwrap().iter().zip(warnings) {
        assert_eq!(shown[0], w["kind"]);
        let text = shown[1].as_str().unwrap();
        assert!(text.starts_with(w["object"].as_str().unwrap()), "{text} / {w}");
        let message = w["message"].as_str().unwrap();
        assert!(text.to_lowercase().contains(&message[1..message.len().min(40)].to_lowercase()), "{text} / {w}");
    }
    assert!(b.visible("#test-body [data-role=connects]"));
    let fix = b.run("return document.querySelector('#test-body [data-role=fix-sql]').textContent;", vec![]);
    assert_eq!(fix, report["report"]["fix_sql"]);
    assert_eq!(b.run("return document.activeElement.id;", vec![]), json!("test"));
    site.screenshots("admin-connectors", Some("#test"));
    b.click("#test-close");

    // Production off, budgets edited: the API says so.
    b.click(&format!("{row} button[data-action=production]"));
    wait_status(b, "no longer marked production");
    b.type_into("#c-name", "x");
    b.click(&format!("{row} button[data-action=budgets]"));
    let fields = "return ['edit-name', 'edit-max-rows'].map((id) => document.getElementById(id).value);";
    assert_eq!(b.run(fields, vec![]), json!([HOSTILE, "15"]));
    let renamed = format!("shop {HOSTILE}");
    let renamed = renamed.as_str();
    b.type_into("#edit-name", renamed);
    b.type_into("#edit-max-rows", "7");
    b.select("#edit-llm", "local");
    b.click("#budgets-submit");
    wait_status(b, "are saved");
    let api = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let changed = api["connectors"].as_array().unwrap().iter().find(|c| c["id"] == json!(id)).unwrap().clone();
    assert_eq!(
        (
            changed["name"].as_str(),
            changed["production"].as_bool(),
            changed["max_rows"].as_u64(),
            changed["llm"].as_str()
        ),
        (Some(renamed), Some(false), Some(7), Some("local")),
        "{changed}"
    );
    assert_eq!(b.text(&format!("{row} th")), renamed);

    // New credentials through the same form: only the URL changes, and the connector still works.
    let other_secret = "Pg-Other-Pw-9911";
    b.click(&format!("{row} button[data-action=credentials]"));
    assert!(b.text("#create-heading").contains(renamed));
    assert!(!b.visible("#c-max-rows"), "the form asks only for the credentials");
    b.type_into("#c-host", "localhost");
    b.type_into("#c-database", &db);
    b.type_into("#c-user", "postgres");
    b.type_into("#c-password", other_secret);
    b.click("#c-superuser");
    b.click("#create-submit");
    wait_status(b, "are replaced and sealed");
    let api = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let replaced = api["connectors"].as_array().unwrap().iter().find(|c| c["id"] == json!(id)).unwrap().clone();
    assert_eq!(replaced["target"], format!("localhost:5432/{db}"), "{replaced}");
    assert_eq!((replaced["name"].as_str(), replaced["max_rows"].as_u64()), (Some(renamed), Some(7)), "{replaced}");
    let ran = admin.call(
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": id, "sql": "SELECT count(*) AS n FROM orders"})),
    );
    assert_eq!(ran.json::<Value>().unwrap()["rows"], json!([[3]]));
    assert_eq!(b.text("#create-heading"), "Add a connector");
    assert_eq!(b.run("return document.getElementById('c-password').value;", vec![]), json!(""));
    assert_eq!(b.text(&format!("{row} td.budgets")), format!("7 rows, {} bytes", changed["max_bytes"]));

    // The password is nowhere in the page, its fields, or anything it fetched.
    let everything = b.run(
        "return [document.documentElement.outerHTML,
                 ...[...document.querySelectorAll('input, select, textarea')].map((f) => f.value),
                 ...window.__answers].join('\\n');",
        vec![],
    );
    let everything = everything.as_str().unwrap();
    assert!(everything.contains(&id), "the recorder saw the page's answers");
    for secret in [secret, other_secret] {
        assert!(!everything.contains(secret), "the password is in the page: {everything}");
    }

    // Delete: the confirmation first; cancelled, nothing happens.
    b.click(&format!("{row} button[data-action=delete]"));
    assert!(b.visible("#confirm"));
    assert!(b.text("#confirm-text").contains(renamed));
    b.click("#confirm-no");
    assert!(!b.visible("#confirm"));
    // From the keyboard: Escape cancels too, and the focus goes back to the row's button.
    b.press(&format!("{row} button[data-action=delete]"), "\u{E007}");
    assert!(b.visible("#confirm"));
    assert_eq!(b.run("return document.activeElement.id;", vec![]), json!("confirm-no"));
    b.press("#confirm-no", "\u{E00C}");
    assert!(!b.visible("#confirm"));
    assert_eq!(b.run("return document.activeElement.dataset.action;", vec![]), json!("delete"));
    assert!(admin.ok(Method::GET, "/api/v1/admin/connectors", None).to_string().contains(&id));
    b.click(&format!("{row} button[data-action=delete]"));
    b.click("#confirm-yes");
    wait_status(b, "is deleted");
    assert!(!admin.ok(Method::GET, "/api/v1/admin/connectors", None).to_string().contains(&id));
    assert!(b.find_all(&row).is_empty());
    nothing_ran(b);
    drop(site);
    psql("postgres", &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
}

#[test]
fn a_user_creates_an_api_key_that_works_once_shown_and_revokes_it() {
    let Some(site) = Site::start("web-admin-keys", &[], DESKTOP) else { return };
    let admin = site.admin();
    admin.user("mia", "member");
    let b = &site.browser;
    let name = "ci <img src=x onerror=window.__xss=1>";

    site.log_in("mia", PASSWORD);
    assert!(b.find_all(".pagenav a[href^='/admin']").is_empty(), "a member sees no admin link");
    b.click(".pagenav a[href='/keys']");
    b.wait_for_path("/keys");
    b.wait_until_ready();
    assert_eq!(b.text("[data-role=none], #keys-body .empty"), "You have no API keys.");

    b.type_into("#key-name", name);
    b.type_into("#key-days", "30");
    b.click("#create-submit");
    b.wait_for_script("!document.getElementById('new-key').hidden");
    assert!(b.text("#new-key").contains("it will not be shown again"), "{}", b.text("#new-key"));
    assert_eq!(b.text("#new-key-name"), name);
    assert_eq!(b.run("return document.activeElement.id;", vec![]), json!("new-key"));
    let key = b.run("return document.getElementById('new-key-value').value;", vec![]).as_str().unwrap().to_owned();
    assert!(key.starts_with("sqg_"), "{key}");
    b.click("#copy");
    assert!(!b.wait_for_script("document.getElementById('copy-status').textContent").is_null());
    site.screenshots("keys", None);

    // The key shown works as a Bearer token, as mia.
    let me = bearer(&site.server, &key, Method::GET, "/api/v1/me", None);
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().unwrap()["username"], "mia");

    // The list is what the API lists, the name as text; the key is in it nowhere.
    let (client, _) = site.server.login("mia", PASSWORD);
    let api: Value = client.get(site.server.url("/api/v1/apikeys")).send().unwrap().json().unwrap();
    let id = api["keys"][0]["id"].as_str().unwrap().to_owned();
    let row = format!("#keys-body tr[data-id='{id}']");
    assert_eq!(b.text(&format!("{row} th")), name);
    assert_eq!(b.text(&format!("{row} td.state")), "Active");
    nothing_ran(b);
    b.click("#new-key-done");
    let page = b.run(
        "return [document.documentElement.outerHTML, ...[...document.querySelectorAll('input')].map((f) => f.value)].join(' ');",
        vec![],
    );
    assert!(!page.as_str().unwrap().contains(&key), "the key stays in the page");

    // Revoked after the confirmation, it stops working.
    b.click(&format!("{row} button[data-action=revoke]"));
    assert!(b.text("#confirm-text").contains(name));
    b.click("#confirm-yes");
    wait_status(b, "is revoked");
    assert_eq!(b.text(&format!("{row} td.state")), "Revoked");
    assert_eq!(bearer(&site.server, &key, Method::GET, "/api/v1/me", None).status(), 401);
    let api: Value = client.get(site.server.url("/api/v1/apikeys")).send().unwrap().json().unwrap();
    assert_eq!(api["keys"][0]["revoked"], json!(true));
    nothing_ran(b);
}

/// `user`'s line in `GET /api/v1/admin/spend`, and the month.
fn api_spend(admin: &Admin<'_>, user: &str) -> (Value, String) {
    let spend = admin.ok(Method::GET, "/api/v1/admin/spend", None);
    let line = spend["users"].as_array().unwrap().iter().find(|u| u["username"] == user).cloned().unwrap();
    (line, spend["month"].as_str().unwrap().to_owned())
}

#[test]
fn an_admin_sets_a_spend_cap_and_sees_the_share_used() {
    let Some(site) = Site::start("web-admin-spend", &[], DESKTOP) else { return };
    let admin = site.admin();
    let id = admin.user("mia", "member");
    let b = &site.browser;
    // mia has spent $4.50 this month (as the ask pipeline would record it).
    let (_, month) = api_spend(&admin, "mia");
    open_store(&site.server)
        .execute(
            "INSERT INTO usage (user_id, month, cents, tokens) VALUES (?1, ?2, 450, 1234)",
            rusqlite::params![id, month],
        )
        .unwrap();

    site.log_in("admin", &site.admin_password);
    b.open("/admin/spend");
    assert_eq!(b.text(".subnav a[aria-current=page]"), "Spend");
    assert_eq!(b.text("#month"), month);
    let row = "#spend-body tr[data-username=mia]";
    let (line, _) = api_spend(&admin, "mia");
    assert_eq!(line["spent_cents"], json!(450));
    assert_eq!(b.text(&format!("{row} td.spent")), "$4.50");
    assert_eq!(b.text(&format!("{row} td.cap")), "No cap");

    // Not a number: said under the field, nothing sent.
    b.click(&format!("{row} button[data-action=cap]"));
    b.type_into("#cap-dollars", "-3");
    b.click("#cap-submit");
    assert!(b.wait_for_script("!document.getElementById('cap-error').hidden").as_bool() == Some(true));
    assert!(api_spend(&admin, "mia").0["monthly_cap_cents"].is_null());

    // A cap of $5.00: the API has 500 cents, and the page shows 90%, near the cap.
    b.type_into("#cap-dollars", "5");
    b.click("#cap-submit");
    wait_status(b, "The cap of mia is $5.00 a month");
    let (line, _) = api_spend(&admin, "mia");
    assert_eq!((line["monthly_cap_cents"].as_u64(), line["near_cap"].as_bool()), (Some(500), Some(true)), "{line}");
    assert_eq!(b.text(&format!("{row} td.cap")), "$5.00");
    assert_eq!(b.text(&format!("{row} td.used .percent")), "90% (near the cap)");
    let meter = b.run(&format!("const m = document.querySelector('{row} meter'); return [m.value, m.max];"), vec![]);
    assert_eq!(meter, json!([450, 500]));
    site.screenshots("admin-spend", None);

    // Emptied: no cap.
    b.click(&format!("{row} button[data-action=cap]"));
    assert_eq!(b.run("return document.getElementById('cap-dollars').value;", vec![]), json!("5.00"));
    b.type_into("#cap-dollars", "");
    b.click("#cap-submit");
    wait_status(b, "mia has no cap now");
    assert!(api_spend(&admin, "mia").0["monthly_cap_cents"].is_null());
    assert_eq!(b.text(&format!("{row} td.cap")), "No cap");
}

/// The AI memory entries, as the API lists them.
fn api_memory(admin: &Admin<'_>) -> Vec<Value> {
    admin.ok(Method::GET, "/api/v1/admin/memory", None)["entries"].as_array().unwrap().clone()
}

#[test]
fn an_admin_adds_edits_and_deletes_an_ai_memory_entry() {
    let Some(site) = Site::start("web-admin-memory", &[], DESKTOP) else { return };
    let admin = site.admin();
    let b = &site.browser;
    let sample = connector_id(&admin, "sample");
    let term = "big <img src=x onerror=window.__xss=1> customer";

    site.log_in("admin", &site.admin_password);
    b.open("/admin/memory");
    assert_eq!(b.text(".subnav a[aria-current=page]"), "AI memory");
    assert_eq!(b.text("#entries-body .empty"), "No entries yet: add one below.");

    // Added, for the sample connector.
    b.select("#m-kind", "definition");
    b.select("#m-connector", &sample);
    b.type_into("#m-key", term);
    b.type_into("#m-value", "a customer with more than 10 orders");
    b.click("#m-submit");
    wait_status(b, "is added");
    let entries = api_memory(&admin);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(
        (entry["kind"].as_str(), entry["key"].as_str(), entry["connector_id"].as_str()),
        (Some("definition"), Some(term), Some(sample.as_str()))
    );
    let id = entry["id"].as_str().unwrap().to_owned();
    let row = format!("#entries-body tr[data-id='{id}']");
    assert_eq!(b.text(&format!("{row} th")), term);
    assert_eq!(b.text(&format!("{row} td.connector")), "sample");
    assert_eq!(b.text(&format!("{row} td.memory-value")), "a customer with more than 10 orders");
    nothing_ran(b);

    // Edited: the form holds the entry; saved, the API has the new meaning, for every connector.
    b.click(&format!("{row} button[data-action=edit]"));
    assert_eq!(b.run("return document.getElementById('m-key').value;", vec![]), json!(term));
    assert_eq!(b.text("#editor-heading"), "Edit the entry");
    b.type_into("#m-value", "a customer with more than 20 orders");
    b.select("#m-connector", "");
    b.click("#m-submit");
    wait_status(b, "is saved");
    let entries = api_memory(&admin);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["value"], "a customer with more than 20 orders");
    assert!(entries[0]["connector_id"].is_null(), "{entries:?}");
    assert_eq!(b.text(&format!("{row} td.connector")), "Every connector");
    assert_eq!(b.text("#editor-heading"), "Add an entry");

    // An empty value: the API's message on the form, nothing added.
    b.type_into("#m-key", "empty");
    b.click("#m-submit");
    assert!(!b.wait_for_script("!document.getElementById('form-message').hidden").is_null());
    let said = b.text("#form-message");
    assert!(said.contains("Key (1 to 500 characters) and value (1 to 10,000) are required."), "{said}");
    assert_eq!(api_memory(&admin).len(), 1);
    site.screenshots("admin-memory", None);

    // Deleted after the confirmation.
    b.click(&format!("{row} button[data-action=delete]"));
    assert!(b.text("#confirm-text").contains(term));
    b.click("#confirm-yes");
    wait_status(b, "is deleted");
    assert!(api_memory(&admin).is_empty());
    assert!(b.find_all(&row).is_empty());
    nothing_ran(b);
}

/// Every admin page and the API keys page.
const ADMIN_PAGES: &[&str] = &["/admin", "/admin/users", "/admin/connectors", "/admin/spend", "/admin/memory"];

#[test]
fn every_role_opens_the_api_keys_page_and_its_link() {
    let server = Server::start("web-admin-keys-access");
    let admin = Admin::new(&server);
    admin.user("mia", "member");
    let (client, _) = server.login("mia", PASSWORD);
    let res = client.get(server.url("/keys")).send().unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    assert!(html.contains("<a href=\"/keys\" aria-current=\"page\">API keys</a>"), "{html}");
    assert!(!html.contains("<style") && !html.contains(" style="), "{html}");
    let chat = client.get(server.url("/chat")).send().unwrap().text().unwrap();
    assert!(chat.contains("href=\"/keys\""), "{chat}");
}

#[test]
fn non_admins_get_403_on_every_admin_page_and_see_no_admin_link() {
    let server = Server::start("web-admin-access");
    let admin = Admin::new(&server);
    for (user, role) in [("mia", "member"), ("ann", "analyst"), ("pat", "power_user")] {
        admin.user(user, role);
        let (client, _) = server.login(user, PASSWORD);
        for path in ADMIN_PAGES {
            let res = client.get(server.url(path)).send().unwrap();
            assert_eq!(res.status(), 403, "{user} {path}");
            let html = res.text().unwrap();
            assert!(html.contains("Not allowed"), "{user} {path}: {html}");
        }
        let chat = client.get(server.url("/chat")).send().unwrap().text().unwrap();
        assert!(!chat.contains("href=\"/admin"), "{user} sees an admin link: {chat}");
    }
    // Without a session: the login.
    let anonymous = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ADMIN_PAGES {
        let res = anonymous.get(server.url(path)).send().unwrap();
        assert_eq!(res.status(), 303, "{path}");
    }
    // An admin opens each one; `/admin` is its first page.
    let no_redirects =
        Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap();
    let login = no_redirects
        .post(server.url("/api/v1/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(login.status(), 200);
    let res = no_redirects.get(server.url("/admin")).send().unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/users");
    for path in &ADMIN_PAGES[1..] {
        let res = no_redirects.get(server.url(path)).send().unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().unwrap();
        assert!(html.contains("href=\"/admin/users\""), "{path}: {html}");
        assert!(!html.contains("<style") && !html.contains(" style="), "{path}: {html}");
    }
}
