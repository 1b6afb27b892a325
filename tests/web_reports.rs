//! The reports pages, black-box: the real `sqlgate demo` on its own port and data directory, and
//! headless Chromium that shares, opens and deletes reports as people do. What a page shows is
//! compared with what the JSON API answers the same user for the same report.
//!
//! Screenshots (desktop 1280×800 and phone 390×844) land in the target directory's
//! `tmp/screenshots/`; the ones in `docs/` were copied from there by hand.

mod common;

use common::browser::Browser;
use common::site::*;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);

/// A report name that would run script if it were put into the page as HTML.
const HOSTILE_NAME: &str = "<script>window.__xss=1</script> Products \"><img src=x onerror=\"window.__xss=1\">";

/// The demo for these tests: many logins from one address, so the address lockout is raised.
fn start(test: &str, size: (u32, u32)) -> Option<Site> {
    start_with(test, size, &[])
}

fn start_with(test: &str, size: (u32, u32), settings: &[(&str, &str)]) -> Option<Site> {
    let mut all = vec![("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")];
    all.extend_from_slice(settings);
    Site::start(test, &all, size)
}

impl Site {
    /// `/reports` (or `/reports?…`), once its list is shown.
    fn open_reports(&self, query: &str) {
        let b = &self.browser;
        b.open(&format!("/reports{query}"));
        let listed =
            b.wait_for_script("document.querySelector('#reports-body table, #reports-body [data-role=no-reports]')");
        assert!(!listed.is_null(), "the reports were not listed: {}", b.text("#reports-body"));
    }

    /// The list as the page shows it: one object per row.
    fn listed(&self) -> Value {
        self.browser.run(
            "return [...document.querySelectorAll('#reports-body tbody tr')].map((tr) => ({
               id: tr.dataset.id,
               name: tr.querySelector('[data-role=name]').textContent,
               owner: tr.querySelector('[data-role=owner]').textContent,
               connector: tr.querySelector('[data-role=connector]').textContent,
               shared: tr.querySelector('[data-role=shared]').textContent,
               updated: tr.querySelector('[data-role=updated]').textContent,
             }));",
            vec![],
        )
    }

    /// Opens the report `id` from the list with the keyboard (focus, Enter), waits for its run
    /// and returns what the page shows.
    fn open_report(&self, id: &str) -> Value {
        let b = &self.browser;
        let runs = b.run("return Number(document.getElementById('report').dataset.runs || '0');", vec![]);
        b.press(&format!("button.open-report[data-id=\"{id}\"]"), "\u{E007}");
        self.wait_for_run(runs.as_u64().unwrap_or(0))
    }

    /// Waits until the open report's run number `after + 1` has ended; what the page shows.
    fn wait_for_run(&self, after: u64) -> Value {
        let b = &self.browser;
        let done = format!("Number(document.getElementById('report').dataset.runs || '0') > {after}");
        assert!(b.wait_for_script(&done).as_bool() == Some(true), "the report did not run");
        b.run(
            "const one = (sel) => { const e = document.querySelector(sel); return e ? e.textContent : null; };
             return {
               heading: one('#report-heading'),
               owner: one('#report-facts [data-role=owner]'),
               connector: one('#report-facts [data-role=connector]'),
               shared: one('#report-facts [data-role=shared-with]'),
               columns: [...document.querySelectorAll('#report-result thead th')].map((e) => e.textContent),
               rows: [...document.querySelectorAll('#report-result tbody tr')]
                 .map((tr) => [...tr.children].map((td) => td.textContent)),
               truncation: one('#report-result [data-role=truncation]'),
               summary: one('#report-result [data-role=summary]'),
               sql: one('#report-result [data-role=sql]'),
               error: one('#report-result [data-role=error]'),
               share_shown: !document.getElementById('share-form').hidden,
               delete_shown: !document.getElementById('delete-area').hidden,
             };",
            vec![],
        )
    }
}

/// A call to the API as `user` (logged in over HTTP, like the page): status and body.
fn api(server: &Server, user: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let (client, csrf) = server.login(user, PASSWORD);
    let mut req = client.request(method, server.url(path)).header("x-csrf-token", csrf);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().unwrap();
    (res.status().as_u16(), res.json().unwrap_or(Value::Null))
}

/// The rows of an API answer as the page shows them.
fn shown_rows(api: &Value) -> Value {
    let rows: Vec<Vec<String>> =
        api["rows"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(cell_text).collect()).collect();
    json!(rows)
}

fn column_names(api: &Value) -> Value {
    json!(api["columns"].as_array().unwrap().iter().map(|c| c["name"].clone()).collect::<Vec<_>>())
}

/// Whether nothing was made from a hostile value: no element, no handler, no flag set.
fn nothing_ran(b: &Browser) {
    b.wait_for_script("document.readyState === 'complete'");
    // The QR code and an answer's chart (an SVG the page made from the API's answer) are the only images.
    let made = b.run(
        "return document.querySelectorAll('main img:not(.qr):not([data-role=chart][src^=\"data:image/svg+xml;base64,\"]), main script, main [onerror]').length;",
        vec![],
    );
    assert_eq!(made, json!(0));
    assert_eq!(b.run("return typeof window.__xss;", vec![]), json!("undefined"));
}

/// Whether the page fits the window's width (wide tables scroll inside their own box); names what
/// sticks out when it does not.
fn fits_a_phone(b: &Browser) {
    let wide = b.run(
        "if (document.documentElement.scrollWidth <= window.innerWidth) return null;
         return [...document.querySelectorAll('body *')]
           .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
           .map((e) => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8);",
        vec![],
    );
    assert_eq!(wide, Value::Null, "the page is wider than a phone");
}

#[test]
fn a_power_user_shares_a_report_a_member_reads_its_rows_without_sql_and_deleting_it_takes_it_away() {
    let Some(site) = start("web-reports-share", DESKTOP) else { return };
    let admin = site.admin();
    admin.user("pat", "power_user");
    user_granted(&admin, "mia", "member", &["sample"]);
    let server = &site.server;
    let sql = "SELECT name, category, unit_price FROM products ORDER BY product_id";
    let (status, saved) = api(
        server,
        "pat",
        Method::POST,
        "/api/v1/reports",
        Some(json!({"name": HOSTILE_NAME, "connector": "sample", "sql": sql})),
    );
    assert_eq!(status, 201, "{saved}");
    let id = saved["id"].as_str().unwrap().to_owned();
    let b = &site.browser;

    // The owner's list: name (as text), owner, connector, shared with nobody yet.
    site.log_in("pat", PASSWORD);
    assert!(b.find_all(".pagenav a[href=\"/reports\"]").len() == 1, "the top bar links the reports");
    b.click(".pagenav a[href=\"/reports\"]");
    b.wait_for_path("/reports");
    b.wait_until_ready();
    let listed = site.listed();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], json!(id));
    assert_eq!(listed[0]["name"], json!(HOSTILE_NAME));
    assert_eq!(
        (&listed[0]["owner"], &listed[0]["connector"], &listed[0]["shared"]),
        (&json!("pat"), &json!("sample"), &json!("nobody"))
    );
    assert!(listed[0]["updated"].as_str().unwrap().ends_with(" UTC"), "{listed}");

    // Opened, it runs live: the rows, columns, truncation notice and SQL of `POST …/run`.
    let shown = site.open_report(&id);
    assert_eq!(b.path(), format!("/reports?id={id}"), "an open report has its own URL");
    let (status, run) = api(server, "pat", Method::POST, &format!("/api/v1/reports/{id}/run"), None);
    assert_eq!(status, 200, "{run}");
    assert_eq!(shown["heading"], json!(HOSTILE_NAME));
    assert_eq!(shown["columns"], column_names(&run), "{shown}");
    assert_eq!(shown["rows"], shown_rows(&run), "{shown}");
    assert_eq!(shown["rows"].as_array().unwrap().len(), 20, "{shown}");
    assert_eq!(run["truncated"]["reason"], "rows", "{run}");
    let notice = shown["truncation"].as_str().unwrap_or_default();
    assert!(notice.contains("Showing the first 20 rows"), "{shown}");
    assert_eq!(shown["sql"], run["sql"], "{shown}");
    assert!(shown["share_shown"] == json!(true) && shown["delete_shown"] == json!(true), "{shown}");
    nothing_ran(b);

    // Sharing with a name that does not exist shows the API's message and changes nothing.
    b.type_into("#share-users", "mia, nobody_here");
    b.click("#share-save");
    assert!(b.wait_for_script("!document.getElementById('report-message').hidden").as_bool() == Some(true));
    let message = b.text("#report-message");
    assert!(message.contains("The report could not be shared"), "{message}");
    assert!(message.contains("No user named `nobody_here`; check the names"), "{message}");
    let (_, report) = api(server, "pat", Method::GET, &format!("/api/v1/reports/{id}"), None);
    assert_eq!(report["shared_with"], json!([]), "{report}");
    // With the right names it is shared, as the API then says.
    b.type_into("#share-users", "mia");
    b.press("#share-users", "\u{E007}");
    assert!(b.wait_for_script("document.getElementById('share-status').textContent").as_str().is_some());
    assert_eq!(b.text("#share-status"), "Shared with mia.");
    assert!(!b.visible("#report-message"));
    let (_, report) = api(server, "pat", Method::GET, &format!("/api/v1/reports/{id}"), None);
    assert_eq!(report["shared_with"], json!(["mia"]), "{report}");
    assert_eq!(site.listed()[0]["shared"], json!("mia"));
    b.run("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]);
    b.screenshot("reports-owner-desktop");
    b.viewport(PHONE.0, PHONE.1);
    fits_a_phone(b);
    b.screenshot("reports-owner-phone");
    b.viewport(DESKTOP.0, DESKTOP.1);
    site.log_out();

    // The Member: the shared report, its rows as the API runs them for her, and no SQL anywhere.
    site.log_in("mia", PASSWORD);
    site.open_reports("");
    let listed = site.listed();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(
        (&listed[0]["name"], &listed[0]["owner"], &listed[0]["shared"]),
        (&json!(HOSTILE_NAME), &json!("pat"), &json!("you"))
    );
    let shown = site.open_report(&id);
    let (status, run) = api(server, "mia", Method::POST, &format!("/api/v1/reports/{id}/run"), None);
    assert_eq!(status, 200, "{run}");
    assert!(run.get("sql").is_none() && run["report"].get("sql").is_none(), "the member received SQL: {run}");
    assert_eq!(shown["columns"], column_names(&run), "{shown}");
    assert_eq!(shown["rows"], shown_rows(&run), "{shown}");
    assert_eq!(shown["sql"], Value::Null, "{shown}");
    assert!(shown["share_shown"] == json!(false) && shown["delete_shown"] == json!(false), "{shown}");
    let page = b.run("return document.documentElement.outerHTML + document.body.innerText;", vec![]);
    let page = page.as_str().unwrap();
    assert!(
        !page.contains(sql) && !page.contains("SELECT") && !page.contains("FROM products"),
        "SQL in the member's page"
    );
    nothing_ran(b);
    b.viewport(PHONE.0, PHONE.1);
    b.run("document.getElementById('report').scrollIntoView();", vec![]);
    b.screenshot("reports-member-phone");
    b.viewport(DESKTOP.0, DESKTOP.1);
    site.log_out();

    // The owner deletes it, after saying so twice.
    site.log_in("pat", PASSWORD);
    site.open_reports(&format!("?id={id}"));
    site.wait_for_run(0);
    b.click("#delete");
    assert!(b.visible("#delete-confirm"));
    let question = b.text("#delete-question");
    assert!(question.contains(HOSTILE_NAME) && question.contains("cannot be undone"), "{question}");
    // "Keep it" keeps it.
    b.click("#delete-no");
    assert!(!b.visible("#delete-confirm"));
    let (status, _) = api(server, "pat", Method::GET, &format!("/api/v1/reports/{id}"), None);
    assert_eq!(status, 200);
    b.click("#delete");
    b.click("#delete-yes");
    assert!(b.wait_for_script("!document.getElementById('status').hidden").as_bool() == Some(true));
    assert!(b.text("#status").contains("The report was deleted"), "{}", b.text("#status"));
    assert!(!b.visible("#report"));
    assert_eq!(b.path(), "/reports");
    assert!(b.find_all("#reports-body [data-role=no-reports]").len() == 1, "{}", b.text("#reports-body"));
    let (_, list) = api(server, "pat", Method::GET, "/api/v1/reports", None);
    assert_eq!(list["reports"], json!([]), "{list}");
    site.log_out();

    // Gone for the Member too: the list is empty, and its old link says it is not available.
    let (status, _) = api(server, "mia", Method::GET, &format!("/api/v1/reports/{id}"), None);
    assert_eq!(status, 404);
    site.log_in("mia", PASSWORD);
    site.open_reports(&format!("?id={id}"));
    let shown = site.wait_for_run(0);
    assert!(shown["error"].as_str().unwrap_or_default().contains("This report is not available"), "{shown}");
    assert!(b.find_all("#reports-body [data-role=no-reports]").len() == 1, "{}", b.text("#reports-body"));
}

#[test]
fn a_report_whose_database_is_down_or_refuses_it_or_whose_grant_was_revoked_says_so() {
    let Some(site) = start("web-reports-errors", DESKTOP) else { return };
    let admin = site.admin();
    // A connector whose database does not answer (nothing listens on port 1).
    let offline = json!({"name": "offline", "url": "postgres://reader@127.0.0.1:1/gone"});
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(offline));
    admin.user("pat", "power_user");
    let mia = user_granted(&admin, "mia", "member", &["sample"]);
    let server = &site.server;
    let save_sql = |name: &str, connector: &str, sql: &str| {
        let body = json!({"name": name, "connector": connector, "sql": sql});
        let (status, saved) = api(server, "pat", Method::POST, "/api/v1/reports", Some(body));
        assert_eq!(status, 201, "{saved}");
        let id = saved["id"].as_str().unwrap().to_owned();
        let share = json!({"usernames": ["mia"]});
        let (status, _) = api(server, "pat", Method::PUT, &format!("/api/v1/reports/{id}/share"), Some(share));
        assert_eq!(status, 200);
        id
    };
    let save = |name: &str, connector: &str| save_sql(name, connector, "SELECT name FROM regions ORDER BY name");
    let regions = save("Regions", "sample");
    let down = save("Regions, offline", "offline");
    // The guard passes it (it reads an exposed table); the database refuses it when it runs (422).
    let broken = save_sql("Broken", "sample", "SELECT no_such_column FROM regions");

    // The database is down: a message that says so and what to do.
    site.log_in("pat", PASSWORD);
    site.open_reports("");
    let shown = site.open_report(&down);
    let error = shown["error"].as_str().unwrap_or_default();
    assert!(error.contains("The database is not available") && error.contains("Try again later"), "{shown}");
    for leak in ["panicked", "backtrace", "src/", "reader@"] {
        assert!(!error.contains(leak), "{leak} in {error}");
    }
    // A query the database refuses (422): its reason, as a message.
    let (status, body) = api(server, "pat", Method::POST, &format!("/api/v1/reports/{broken}/run"), None);
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("database_error")), "{body}");
    let shown = site.open_report(&broken);
    let error = shown["error"].as_str().unwrap_or_default();
    assert!(error.contains("The database could not run the report"), "{shown}");
    // The page goes on working: the other report runs.
    let shown = site.open_report(&regions);
    assert_eq!(shown["error"], Value::Null, "{shown}");
    assert!(!shown["rows"].as_array().unwrap().is_empty(), "{shown}");
    site.log_out();

    // The Member's grant on the report's connector is revoked: 403, shown as a message.
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{mia}/grants"), Some(json!({"connectors": []})));
    let (status, body) = api(server, "mia", Method::POST, &format!("/api/v1/reports/{regions}/run"), None);
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("connector_not_granted")), "{body}");
    site.log_in("mia", PASSWORD);
    site.open_reports("");
    let shown = site.open_report(&regions);
    let error = shown["error"].as_str().unwrap_or_default();
    assert!(error.contains("You may no longer use this report's connector"), "{shown}");
    assert!(error.contains("ask an admin for a grant"), "{shown}");
    assert_eq!(shown["rows"], json!([]), "{shown}");
}

// ---- saving reports from the chat and from SQL live edit ----

impl Site {
    /// Asks `question` in the chat on the connector `id` and waits for its card (the `n`th, from
    /// 0).
    fn ask(&self, id: &str, question: &str, n: usize) {
        let b = &self.browser;
        b.select("#connector", id);
        b.type_into("#question", &format!("{question}\u{E007}"));
        let ready = format!("document.querySelectorAll('#history .turn > article:not([aria-busy])').length > {n}");
        assert!(b.wait_for_script(&ready).as_bool() == Some(true), "no answer to {question:?}");
    }
}

#[test]
fn an_analyst_saves_a_chat_answer_as_a_report_and_a_member_is_not_offered_to() {
    let Some(site) = start("web-reports-chat", DESKTOP) else { return };
    let admin = site.admin();
    user_granted(&admin, "ann", "analyst", &["sample"]);
    user_granted(&admin, "mia", "member", &["sample"]);
    let ids = connector_ids(&admin);
    let server = &site.server;
    let b = &site.browser;
    let question = "How many customers are there in each segment?";

    site.log_in("ann", PASSWORD);
    site.ask(&ids["sample"], question, 0);
    let card = "#history .turn > article";
    let sql = b.text(&format!("{card} [data-role=sql]"));
    assert!(sql.starts_with("SELECT"), "{sql}");
    // The form opens from the card's button, its field labelled; an empty name is refused here.
    // By keyboard (the chat's question box stays at the bottom of the window, over the cards).
    b.press(&format!("{card} [data-role=save-open]"), "\u{E007}");
    let label = b.run(
        "const input = document.querySelector('#history .save-form input');
         return document.querySelector('label[for=\"' + input.id + '\"]').textContent;",
        vec![],
    );
    assert_eq!(label, json!("Report name"));
    b.press(&format!("{card} [data-role=save]"), "\u{E007}");
    assert!(b.wait_for_script("!document.querySelector('[data-role=save-error]').hidden").as_bool() == Some(true));
    assert!(b.text("[data-role=save-error]").contains("Name the report first"));
    // Named and sent with Enter: saved, with a link to the report.
    b.type_into(&format!("{card} .save-form input"), &format!("{HOSTILE_NAME}\u{E007}"));
    let link = b.wait_for_script("document.querySelector('[data-role=save-done] a')");
    assert!(!link.is_null(), "no confirmation: {}", b.text("[data-role=save-report]"));
    let done = b.text("[data-role=save-done]");
    assert!(done.contains(&format!("Saved as the report “{HOSTILE_NAME}”")), "{done}");
    assert!(!b.visible("[data-role=save-error]"));
    nothing_ran(b);
    b.run("document.querySelector('#history .turn').scrollIntoView();", vec![]);
    b.screenshot("chat-saved-desktop");

    // The API has it: the answer's connector, question and SQL, under ann's name.
    let (_, list) = api(server, "ann", Method::GET, "/api/v1/reports", None);
    let reports = list["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "{list}");
    let report = &reports[0];
    assert_eq!(
        (&report["name"], &report["owner"], &report["connector"]),
        (&json!(HOSTILE_NAME), &json!("ann"), &json!("sample"))
    );
    assert_eq!((&report["question"], &report["sql"]), (&json!(question), &json!(sql)), "{report}");
    let id = report["id"].as_str().unwrap();

    // The link opens it on /reports, where it runs again.
    b.press("[data-role=save-done] a", "\u{E007}");
    b.wait_for_path(&format!("/reports?id={id}"));
    b.wait_until_ready();
    let shown = site.wait_for_run(0);
    let (_, run) = api(server, "ann", Method::POST, &format!("/api/v1/reports/{id}/run"), None);
    assert_eq!(shown["rows"], shown_rows(&run), "{shown}");
    assert_eq!(shown["sql"], run["sql"], "{shown}");
    // An Analyst may delete her report but not share it (sharing is for Power Users).
    assert!(shown["share_shown"] == json!(false) && shown["delete_shown"] == json!(true), "{shown}");
    site.log_out();

    // A Member's answers hold no SQL, so they offer no saving.
    site.log_in("mia", PASSWORD);
    site.ask(&ids["sample"], question, 0);
    assert!(b.find_all("[data-role=save-report], [data-role=save-open]").is_empty());
}

#[test]
fn a_power_user_saves_and_shares_sql_from_live_edit_and_the_member_reads_it() {
    let Some(site) = start("web-reports-sql", DESKTOP) else { return };
    let admin = site.admin();
    admin.user("pat", "power_user");
    user_granted(&admin, "mia", "member", &["sample"]);
    let ids = connector_ids(&admin);
    let server = &site.server;
    let b = &site.browser;

    site.log_in("pat", PASSWORD);
    b.open("/sql");
    let listed = b.wait_for_script("document.querySelector('#schema-body [data-role=schema]')");
    assert!(!listed.is_null(), "the schema was not listed");
    b.select("#connector", &ids["sample"]);
    for (control, label) in [("report-name", "Report name"), ("report-users", "Share with (user names, optional)")] {
        assert_eq!(b.text(&format!("label[for={control}]")), label);
    }

    // The guard checks the SQL when it is saved: a write is refused, with its message.
    b.type_into("#sql", "DELETE FROM customers");
    b.type_into("#report-name", "Nothing");
    b.click("#save-sql");
    assert!(b.wait_for_script("!document.getElementById('save-sql-error').hidden").as_bool() == Some(true));
    let error = b.text("#save-sql-error");
    assert!(error.contains("The guard refused the SQL"), "{error}");
    let (_, list) = api(server, "pat", Method::GET, "/api/v1/reports", None);
    assert_eq!(list["reports"], json!([]), "{list}");

    // A SELECT, named and shared with mia.
    let sql = "SELECT segment, COUNT(*) AS customers FROM customers GROUP BY segment ORDER BY segment";
    b.type_into("#sql", sql);
    b.type_into("#report-name", "Customers by segment");
    b.type_into("#report-users", "mia");
    b.click("#save-sql");
    let link = b.wait_for_script("document.querySelector('#save-sql-done a')");
    assert!(!link.is_null(), "no confirmation: {}", b.text("#save-sql-form"));
    assert_eq!(
        b.text("#save-sql-done"),
        "Saved as the report “Customers by segment” and shared with mia. Open the report"
    );
    assert!(!b.visible("#save-sql-error"));
    let (_, list) = api(server, "pat", Method::GET, "/api/v1/reports", None);
    let report = &list["reports"][0];
    assert_eq!(
        (&report["name"], &report["sql"], &report["shared_with"]),
        (&json!("Customers by segment"), &json!(sql), &json!(["mia"]))
    );
    assert_eq!(report["connector"], "sample");
    let id = report["id"].as_str().unwrap().to_owned();
    b.run("document.activeElement.blur(); document.getElementById('save-sql-form').scrollIntoView();", vec![]);
    b.screenshot("sql-saved-desktop");
    b.viewport(PHONE.0, PHONE.1);
    fits_a_phone(b);
    b.run("document.getElementById('save-sql-form').scrollIntoView();", vec![]);
    b.screenshot("sql-saved-phone");
    b.viewport(DESKTOP.0, DESKTOP.1);

    // An unknown name: saved, but not shared, and the page says both.
    b.type_into("#report-name", "Customers again");
    b.type_into("#report-users", "mia, nobody_here");
    b.click("#save-sql");
    assert!(b.wait_for_script("!document.getElementById('save-sql-error').hidden").as_bool() == Some(true));
    let error = b.text("#save-sql-error");
    assert!(error.contains("Saved, but not shared") && error.contains("No user named `nobody_here`"), "{error}");
    assert!(
        b.text("#save-sql-done").starts_with("Saved as the report “Customers again”."),
        "{}",
        b.text("#save-sql-done")
    );
    let (_, list) = api(server, "pat", Method::GET, "/api/v1/reports", None);
    assert_eq!(list["reports"].as_array().unwrap().len(), 2, "{list}");
    site.log_out();

    // The Member: the shared report (only that one), its rows as her run returns them, no SQL.
    site.log_in("mia", PASSWORD);
    site.open_reports("");
    let listed = site.listed();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["name"], "Customers by segment");
    let shown = site.open_report(&id);
    let (_, run) = api(server, "mia", Method::POST, &format!("/api/v1/reports/{id}/run"), None);
    assert_eq!(shown["rows"], shown_rows(&run), "{shown}");
    assert!(shown["rows"].as_array().unwrap().len() > 1, "{shown}");
    let page = b.run("return document.documentElement.outerHTML + document.body.innerText;", vec![]);
    assert!(!page.as_str().unwrap().contains("GROUP BY"), "SQL in the member's page");
}

// ---- the account page (/account): the second factor and the password ----

#[test]
fn a_user_enrols_a_second_factor_on_the_account_page_and_logs_in_with_its_code() {
    let Some(site) = start("web-reports-totp", DESKTOP) else { return };
    let admin = site.admin();
    user_granted(&admin, "tom", "analyst", &["sample"]);
    let server = &site.server;
    let b = &site.browser;

    // Reached from the top bar's account area; off at first.
    site.log_in("tom", PASSWORD);
    b.click("a.who[href=\"/account\"]");
    b.wait_for_path("/account");
    b.wait_until_ready();
    assert_eq!(b.run("return document.getElementById('account').dataset.totp;", vec![]), json!("off"));
    assert!(b.text("#totp-state").starts_with("Off."), "{}", b.text("#totp-state"));
    assert!(b.find_all("#enrol-code").is_empty(), "no code is asked while no factor is on");

    // A wrong password is refused with the API's reason.
    b.type_into("#enrol-password", "not-the-password-1");
    b.click("#enrol");
    assert!(b.wait_for_script("!document.getElementById('message').hidden").as_bool() == Some(true));
    assert!(b.text("#message").contains("The current password is wrong"), "{}", b.text("#message"));
    assert!(!b.visible("#enrolment"));

    // The right one: a QR code that loads, and the secret as text.
    b.type_into("#enrol-password", PASSWORD);
    b.press("#enrol-password", "\u{E007}");
    let loaded = b.wait_for_script(
        "(() => { const qr = document.getElementById('qr');
                  return !document.getElementById('enrolment').hidden && qr.complete && qr.naturalWidth > 0; })()",
    );
    assert_eq!(loaded, json!(true), "the QR code did not load");
    let src = b.run("return document.getElementById('qr').getAttribute('src');", vec![]);
    assert!(src.as_str().unwrap().starts_with("data:image/svg+xml"), "{src}");
    assert!(!b.visible("#message"));
    let secret = b.text("#secret");
    assert!(
        secret.len() >= 32 && secret.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
        "{secret}"
    );
    assert_eq!(b.run("return document.activeElement.id;", vec![]), json!("verify-code"));
    b.screenshot("account-enrol-desktop");
    b.viewport(PHONE.0, PHONE.1);
    fits_a_phone(b);
    b.run("document.getElementById('enrolment').scrollIntoView();", vec![]);
    b.screenshot("account-enrol-phone");
    b.viewport(DESKTOP.0, DESKTOP.1);

    // A wrong code is refused; the right one turns the factor on and shows the recovery codes.
    b.type_into("#verify-code", &wrong_code(&secret, "tom"));
    b.click("#verify");
    assert!(b.wait_for_script("!document.getElementById('message').hidden").as_bool() == Some(true));
    assert!(b.text("#message").contains("The code does not match"), "{}", b.text("#message"));
    b.type_into("#verify-code", &code_at(&secret, "tom", unix_now()));
    b.click("#verify");
    assert!(b.wait_for_script("!document.getElementById('recovery').hidden").as_bool() == Some(true));
    let codes =
        b.run("return [...document.querySelectorAll('#recovery-codes li')].map((li) => li.textContent);", vec![]);
    let codes = codes.as_array().unwrap();
    assert_eq!(codes.len(), 10, "{codes:?}");
    assert!(codes.iter().all(|c| c.as_str().unwrap().len() == 19), "{codes:?}");
    assert!(b.text("#recovery").contains("Store these recovery codes now"));
    assert!(b.text("#totp-state").starts_with("On."), "{}", b.text("#totp-state"));
    // The secret has left the page, and nothing was kept in the browser.
    let kept = b.run(
        "return [document.getElementById('secret').textContent, document.getElementById('qr').hasAttribute('src'),
                 document.documentElement.outerHTML.includes(arguments[0]), localStorage.length, sessionStorage.length];",
        vec![json!(secret)],
    );
    assert_eq!(kept, json!(["", false, false, 0, 0]));
    b.screenshot("account-recovery-desktop");
    // The API agrees: a password alone no longer logs in.
    let res = server.try_login(json!({"username": "tom", "password": PASSWORD}));
    assert_eq!(code_of(res), (401, "totp_required".to_owned()));

    // Shown once: the page opened again says the factor is on, asks for its code to replace it,
    // and shows no recovery code. Replacing it without the code shows the API's refusal.
    b.open("/account");
    assert_eq!(b.run("return document.getElementById('account').dataset.totp;", vec![]), json!("on"));
    assert!(!b.visible("#recovery") && b.find_all("#recovery-codes li").is_empty());
    assert_eq!(b.text("label[for=enrol-code]"), "Current code from your authenticator app");
    b.type_into("#enrol-password", PASSWORD);
    b.click("#enrol");
    assert!(b.wait_for_script("!document.getElementById('message').hidden").as_bool() == Some(true));
    let refused = b.text("#message");
    assert!(
        refused.contains("Enter the current code") && refused.contains("This account has a second factor"),
        "{refused}"
    );
    assert!(!b.visible("#enrolment"));

    // Logged out, the login page asks for the code; the next step's code logs in.
    site.log_out();
    b.type_into("#username", "tom");
    b.type_into("#password", PASSWORD);
    b.click("#login-form button[type=submit]");
    assert!(b.wait_for_script("!document.getElementById('totp-form').hidden").as_bool() == Some(true));
    b.type_into("#code", &code_at(&secret, "tom", unix_now() + 30));
    b.click("#totp-form button[type=submit]");
    b.wait_for_path("/chat");
    b.wait_until_ready();
    assert_eq!(b.text("#username"), "tom");
}

#[test]
fn a_user_changes_the_password_on_the_account_page() {
    let Some(site) = start("web-reports-password", PHONE) else { return };
    let admin = site.admin();
    admin.user("mia", "member");
    let server = &site.server;
    let b = &site.browser;
    site.log_in("mia", PASSWORD);
    b.open("/account");
    let new = "Quite-new-secret-42";

    // The two new fields must agree; the page says so before asking the server.
    b.type_into("#current-password", PASSWORD);
    b.type_into("#new-password", new);
    b.type_into("#repeat-password", "Something-else-42");
    b.click("#change-password");
    assert!(b.wait_for_script("!document.getElementById('message').hidden").as_bool() == Some(true));
    assert!(b.text("#message").contains("The new passwords differ"));
    // The server's policy, in its words.
    b.type_into("#new-password", "short1A");
    b.type_into("#repeat-password", "short1A");
    b.click("#change-password");
    assert!(
        b.wait_for_script("document.getElementById('message').textContent.includes('not changed')").as_bool()
            == Some(true)
    );
    assert!(b.text("#message").contains("The password was not changed"), "{}", b.text("#message"));
    let res = server.try_login(json!({"username": "mia", "password": PASSWORD}));
    assert_eq!(res.status(), 200, "the old password still works");

    b.type_into("#new-password", new);
    b.type_into("#repeat-password", new);
    b.click("#change-password");
    assert!(b.wait_for_script("!document.getElementById('status').hidden").as_bool() == Some(true));
    assert!(b.text("#status").contains("Your password was changed"), "{}", b.text("#status"));
    fits_a_phone(b);
    b.screenshot("account-password-phone");
    assert_eq!(server.try_login(json!({"username": "mia", "password": new})).status(), 200);
    assert_eq!(server.try_login(json!({"username": "mia", "password": PASSWORD})).status(), 401);
    // This session ended with the change: the next page asks to log in.
    b.click("#status a");
    b.wait_for_path("/login");
}

#[test]
fn the_reports_and_account_pages_are_open_to_every_role_behind_the_login_and_carry_the_page_headers() {
    let server = Server::start("web-reports-access");
    let admin = Admin::new(&server);
    let anonymous = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/reports", "/account"] {
        let res = anonymous.get(server.url(path)).send().unwrap();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!((res.status().as_u16(), location.as_str()), (303, "/login"), "{path}");
    }
    for (user, role) in [("mo", "member"), ("al", "analyst"), ("pu", "power_user"), ("admin", "admin")] {
        let password = if role == "admin" { ADMIN_PASSWORD } else { PASSWORD };
        if role != "admin" {
            admin.user(user, role);
        }
        let (client, csrf) = server.login(user, password);
        for path in ["/reports", "/account"] {
            let res = client.get(server.url(path)).send().unwrap();
            assert_eq!(res.status(), 200, "{user} {path}");
            let header =
                |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            assert!(header("content-security-policy").starts_with("default-src 'none'; script-src 'self';"), "{path}");
            assert_eq!(header("cache-control"), "no-store", "{path}");
            let html = res.text().unwrap();
            assert!(html.contains(&format!("<meta name=\"csrf-token\" content=\"{csrf}\">")), "{path}");
            // Both are linked from the top bar for every role.
            assert!(html.contains("href=\"/reports\"") && html.contains("href=\"/account\""), "{user} {path}");
        }
    }
}

/// The last scheduled refresh as the open report shows it.
fn shown_refresh(b: &Browser) -> Value {
    b.run(
        "const d = document.querySelector('#last-refresh [data-role=last-refresh]');
         if (!d || document.getElementById('last-refresh').hidden) return null;
         const m = d.querySelector('[data-role=refresh-message]');
         return {
           outcome: d.dataset.outcome,
           summary: d.querySelector('summary').textContent,
           message: m ? m.textContent : null,
           rows: [...d.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
         };",
        vec![],
    )
}

#[test]
fn a_power_user_schedules_a_report_and_those_it_is_shared_with_read_its_last_refresh() {
    let settings = [("SQLGATE_REPORTS_REFRESH_CHECK_SECS", "1")];
    let Some(site) = start_with("web-reports-schedule", DESKTOP, &settings) else { return };
    let admin = site.admin();
    admin.user("pat", "power_user");
    user_granted(&admin, "mia", "member", &["sample"]);
    user_granted(&admin, "ann", "analyst", &[]);
    let server = &site.server;
    let sql = "SELECT category, count(*) AS n FROM products GROUP BY category ORDER BY category";
    let body = json!({"name": "Products per category", "connector": "sample", "sql": sql});
    let (status, saved) = api(server, "pat", Method::POST, "/api/v1/reports", Some(body));
    assert_eq!(status, 201, "{saved}");
    let id = saved["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/reports/{id}");
    let share = json!({"usernames": ["mia", "ann"]});
    assert_eq!(api(server, "pat", Method::PUT, &format!("{path}/share"), Some(share)).0, 200);
    let b = &site.browser;

    // The owner sets it to refresh every hour.
    site.log_in("pat", PASSWORD);
    site.open_reports("");
    site.open_report(&id);
    assert!(b.visible("#schedule-form"), "the owner may schedule it");
    assert_eq!(b.text("#report-facts [data-role=schedule]"), "not on a schedule");
    assert!(shown_refresh(b).is_null(), "no refresh yet");
    b.select("#schedule-every", "60");
    b.click("#schedule-save");
    let saved =
        b.wait_for_script("document.getElementById('schedule-status').textContent.startsWith('Refreshed every hour')");
    assert_eq!(saved, json!(true), "{}", b.text("#schedule-status"));
    let (_, report) = api(server, "pat", Method::GET, &path, None);
    assert_eq!(report["schedule"]["every_minutes"], 60, "{report}");
    assert!(b.text("#report-facts [data-role=schedule]").starts_with("every hour; next due "));

    // The server refreshes it as the owner; the page shows that refresh's rows, as the API keeps them.
    let mut refreshed = Value::Null;
    for _ in 0..300 {
        refreshed = api(server, "pat", Method::GET, &path, None).1;
        if refreshed["last_refresh"].is_object() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(refreshed["last_refresh"]["outcome"], "ok", "{refreshed}");
    let rows = shown_rows(&refreshed["last_refresh"]["result"]);
    assert!(!rows.as_array().unwrap().is_empty(), "{refreshed}");
    let runs = b.run("return Number(document.getElementById('report').dataset.runs);", vec![]);
    b.click("#report-rerun");
    site.wait_for_run(runs.as_u64().unwrap());
    let shown = shown_refresh(b);
    assert_eq!(shown["outcome"], "ok", "{shown}");
    assert_eq!(shown["rows"], rows, "{shown}");
    assert!(shown["summary"].as_str().unwrap().contains("refreshed"), "{shown}");

    // A Member it is shared with, with a grant, reads the same rows and no SQL.
    site.log_out();
    site.log_in("mia", PASSWORD);
    site.open_reports("");
    site.open_report(&id);
    assert!(!b.visible("#schedule-form"), "only the owner schedules");
    assert_eq!(shown_refresh(b)["rows"], rows);
    let text = b.run("return document.body.textContent;", vec![]);
    assert!(!text.as_str().unwrap().contains("SELECT"), "a member saw SQL");

    // An Analyst it is shared with but who may not use its connector: told why, no rows.
    site.log_out();
    site.log_in("ann", PASSWORD);
    site.open_reports("");
    let shown = site.open_report(&id);
    assert!(shown["error"].as_str().is_some_and(|e| e.contains("connector")), "{shown}");
    let refresh = shown_refresh(b);
    assert_eq!(refresh["rows"], json!([]), "{refresh}");
    assert!(refresh["message"].as_str().unwrap().contains("grant"), "{refresh}");

    // The owner stops it.
    site.log_out();
    site.log_in("pat", PASSWORD);
    site.open_reports(&format!("?id={id}"));
    site.wait_for_run(0);
    b.select("#schedule-every", "");
    b.click("#schedule-save");
    let stopped = b.wait_for_script("document.getElementById('schedule-status').textContent.startsWith('No longer')");
    assert_eq!(stopped, json!(true), "{}", b.text("#schedule-status"));
    assert_eq!(api(server, "pat", Method::GET, &path, None).1["schedule"], Value::Null);
    assert_eq!(b.text("#report-facts [data-role=schedule]"), "not on a schedule");
}
