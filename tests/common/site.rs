//! The demo server with headless Chromium on it, as the page tests use them: start, the admin's
//! API session, logging in and out through the pages, and the small readings every page test
//! makes. Each test file adds its own page's helpers in its own `impl Site`.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{json, Value};

use super::browser::Browser;
use super::{Admin, Server};

/// The demo with a browser on it.
pub struct Site {
    pub server: Server,
    pub admin_password: String,
    pub browser: Browser,
}

impl Site {
    /// The demo with `settings`, and a browser at `width` × `height`; `None` when Chromium is
    /// missing outside CI.
    pub fn start(test: &str, settings: &[(&str, &str)], (width, height): (u32, u32)) -> Option<Site> {
        let (server, admin_password) = Server::demo(test, settings);
        let browser = Browser::start(test, &server.base, width, height)?;
        browser.viewport(width, height);
        Some(Site { server, admin_password, browser })
    }

    /// The demo's admin, logged in over HTTP.
    pub fn admin(&self) -> Admin<'_> {
        Admin::login_as(&self.server, "admin", &self.admin_password)
    }

    /// Logs in through the login page and waits for the chat.
    pub fn log_in(&self, user: &str, password: &str) {
        let b = &self.browser;
        b.open("/login");
        b.type_into("#username", user);
        b.type_into("#password", password);
        b.click("#login-form button[type=submit]");
        b.wait_for_path("/chat");
        b.wait_until_ready();
    }

    /// Logs out with the top bar's button and waits for the login page.
    pub fn log_out(&self) {
        let b = &self.browser;
        b.click("#logout");
        b.wait_for_path("/login?notice=logged_out");
    }
}

/// A user with `role` granted `connectors`; returns the user's id.
pub fn user_granted(admin: &Admin<'_>, name: &str, role: &str, connectors: &[&str]) -> String {
    let id = admin.user(name, role);
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{id}/grants"), Some(json!({"connectors": connectors})));
    id
}

/// Connector ids by name, as the admin sees them.
pub fn connector_ids(admin: &Admin<'_>) -> HashMap<String, String> {
    let list = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let connectors = list["connectors"].as_array().cloned().unwrap_or_default();
    connectors.iter().map(|c| (c["name"].as_str().unwrap().to_owned(), c["id"].as_str().unwrap().to_owned())).collect()
}

/// A cell as the pages show it: text as it is, numbers as the API wrote them, `null`.
pub fn cell_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
