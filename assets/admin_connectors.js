// Admin: connectors (/admin/connectors). Lists GET /api/v1/admin/connectors (never credentials:
// the API has none to give). "Add a connector" builds the database URL the API takes from the
// form's fields (user and password percent-encoded), sends it once (POST) and clears the password
// field whatever the answer. A row's buttons: Test (POST …/test: the least-privilege report as a
// list of what is fine, what is too broad and the SQL that fixes it), mark or unmark production
// and edit the name and budgets, or replace the credentials with the same form as adding
// (PATCH), delete (DELETE, after a confirmation step). Values go in as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const admin = window.sqlgateAdmin;
  const el = api.el;
  const message = document.getElementById("message");
  const status = document.getElementById("status");
  const body = document.getElementById("connectors-body");
  const createForm = document.getElementById("create-form");
  const createMessage = document.getElementById("create-message");
  const kind = document.getElementById("c-kind");
  const password = document.getElementById("c-password");
  const test = document.getElementById("test");
  const testBody = document.getElementById("test-body");
  const budgets = document.getElementById("budgets");
  const budgetsForm = document.getElementById("budgets-form");

  const KINDS = { postgres: "PostgreSQL", mysql: "MySQL / MariaDB", sqlite: "SQLite" };
  let editing = null; // the connector whose settings are open
  let replacing = null; // the connector whose credentials the form replaces, or null to add one
  let opener = null; // the button that opened the test or the budgets

  function value(id) {
    return document.getElementById(id).value.trim();
  }

  function checked(id) {
    return document.getElementById(id).checked;
  }

  // The URL the API takes, from the form; never kept anywhere but the request.
  function databaseUrl() {
    if (kind.value === "sqlite") return "sqlite:" + value("c-path");
    const user = value("c-user");
    const secret = password.value;
    let auth = user ? encodeURIComponent(user) : "";
    if (secret) auth += ":" + encodeURIComponent(secret);
    let host = value("c-host");
    if (host.includes(":") && !host.startsWith("[")) host = "[" + host + "]";
    const port = value("c-port");
    const params = new URLSearchParams();
    if (value("c-sslmode")) params.set("sslmode", value("c-sslmode"));
    if (value("c-timeout")) params.set("statement_timeout", value("c-timeout"));
    if (checked("c-superuser")) params.set("allow_superuser", "true");
    const query = params.toString();
    return kind.value + "://" + (auth ? auth + "@" : "") + host + (port ? ":" + port : "") + "/" +
      encodeURIComponent(value("c-database")) + (query ? "?" + query : "");
  }

  // A number field's value, or undefined when it is empty (the server's default).
  function number(id) {
    const text = value(id);
    return text === "" ? undefined : Number(text);
  }

  function showKind() {
    const sqlite = kind.value === "sqlite";
    for (const f of createForm.querySelectorAll(".server-only")) f.hidden = sqlite;
    for (const f of createForm.querySelectorAll(".sqlite-only")) f.hidden = !sqlite;
    for (const f of createForm.querySelectorAll(".create-only")) f.hidden = replacing !== null;
  }

  // The form replaces the credentials of `c` (PATCH url) instead of adding a connector; the
  // other settings stay as they are.
  function startReplacing(c, button) {
    closePanels();
    createForm.reset();
    replacing = c;
    opener = button;
    document.getElementById("create-heading").textContent = "Replace the credentials of “" + c.name + "”";
    document.getElementById("c-name").value = c.name;
    document.getElementById("c-name").disabled = true;
    kind.value = c.engine;
    document.getElementById("create-submit").textContent = "Replace the credentials";
    document.getElementById("replace-cancel").hidden = false;
    showKind();
    document.getElementById("create").focus();
  }

  function stopReplacing() {
    const back = opener;
    replacing = null;
    opener = null;
    createForm.reset();
    document.getElementById("create-heading").textContent = "Add a connector";
    document.getElementById("c-name").disabled = false;
    document.getElementById("create-submit").textContent = "Add the connector";
    document.getElementById("replace-cancel").hidden = true;
    showKind();
    if (back && back.isConnected) back.focus();
  }

  function closePanels() {
    test.hidden = true;
    budgets.hidden = true;
    editing = null;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  }

  // Changes `c`; the focus goes back to its row's `action` button once the table is drawn again.
  async function patch(c, change, doing, said, action) {
    const result = await api.call("PATCH", "/api/v1/admin/connectors/" + encodeURIComponent(c.id), change);
    if (!result.ok) {
      admin.fail(message, result, doing);
      return false;
    }
    api.showMessage(message, null);
    await load();
    admin.refocus(body, c.id, [action]);
    admin.done(status, said);
    return true;
  }

  function findingList(items, className) {
    const list = el("ul", { className: className });
    for (const item of items) list.append(item);
    return list;
  }

  // The least-privilege report, readable: what is fine, what is too broad, what to do.
  function showTest(c, data) {
    testBody.replaceChildren();
    const report = data.report || null;
    const warnings = report && Array.isArray(report.warnings) ? report.warnings : [];
    if (data.ok) {
      testBody.append(el("p", { className: "finding-ok", attrs: { "data-role": "connects" },
        text: "Fine: sqlgate connects and runs its queries read-only." }));
    } else {
      const error = data.error || {};
      testBody.append(el("div", { className: "notice notice-error", attrs: { "data-role": "refused" } },
        el("p", { className: "notice-heading", text: "Not usable as it is" }),
        el("p", { text: api.sentence(error.message || "the connector could not be used") })));
    }
    if (report && warnings.length === 0) {
      testBody.append(el("p", { className: "finding-ok", attrs: { "data-role": "read-only" },
        text: "Fine: these credentials can only read." }));
    }
    if (warnings.length > 0) {
      testBody.append(el("h3", { text: "Too broad: these credentials can do more than read" }));
      testBody.append(findingList(warnings.map(function (w) {
        return el("li", { attrs: { "data-kind": String(w.kind) } },
          el("strong", { text: String(w.object) }), " — ", api.sentence(w.message));
      }), "findings"));
      testBody.append(el("h3", { text: "What to do" }));
      testBody.append(el("p", { text: "sqlgate still runs every query read-only, but a login that can write turns any mistake into data loss. " +
        "Create a read-only login (run this as a privileged user), then give it to the connector with Replace credentials:" }));
      if (report.fix_sql) testBody.append(el("pre", { className: "record-text", text: report.fix_sql, attrs: { "data-role": "fix-sql" } }));
    }
    document.getElementById("test-name").textContent = c.name;
    test.hidden = false;
    test.focus();
  }

  async function runTest(c, button) {
    closePanels();
    opener = button;
    button.disabled = true;
    const result = await api.call("POST", "/api/v1/admin/connectors/" + encodeURIComponent(c.id) + "/test");
    button.disabled = false;
    if (!result.ok) {
      admin.fail(message, result, "The test of " + c.name + " could not run");
      return;
    }
    api.showMessage(message, null);
    showTest(c, result.data);
  }

  function openBudgets(c, button) {
    closePanels();
    editing = c;
    opener = button;
    document.getElementById("budgets-name").textContent = c.name;
    document.getElementById("edit-name").value = c.name;
    document.getElementById("edit-max-rows").value = String(c.max_rows);
    document.getElementById("edit-max-bytes").value = String(c.max_bytes);
    document.getElementById("edit-llm").value = c.llm;
    document.getElementById("edit-rows-to-llm").checked = !!c.rows_to_llm;
    budgets.hidden = false;
    document.getElementById("edit-name").focus();
  }

  async function remove(c) {
    const sure = await admin.confirm("Delete the connector “" + c.name + "”?",
      "Its grants go with it, and nobody can ask it any more. Its audit records stay.", "Delete it");
    if (!sure) return;
    const result = await api.call("DELETE", "/api/v1/admin/connectors/" + encodeURIComponent(c.id));
    if (!result.ok) {
      admin.fail(message, result, "“" + c.name + "” could not be deleted");
      return;
    }
    closePanels();
    if (replacing && replacing.id === c.id) stopReplacing();
    api.showMessage(message, null);
    await load();
    admin.done(status, "“" + c.name + "” is deleted.");
  }

  function row(c) {
    const testButton = admin.rowButton("Test", "Test " + c.name, "test");
    testButton.addEventListener("click", function () { runTest(c, testButton); });
    const production = admin.rowButton(c.production ? "Unmark production" : "Mark production",
      (c.production ? "Unmark " : "Mark ") + c.name + " as production", "production");
    production.addEventListener("click", function () {
      patch(c, { production: !c.production }, "“" + c.name + "” could not be changed",
        "“" + c.name + "” is " + (c.production ? "no longer marked production." : "marked production: answers from it carry a warning."),
        "production");
    });
    const edit = admin.rowButton("Settings", "Settings of " + c.name, "budgets");
    edit.addEventListener("click", function () { openBudgets(c, edit); });
    const credentials = admin.rowButton("Replace credentials", "Replace the credentials of " + c.name, "credentials");
    credentials.addEventListener("click", function () { startReplacing(c, credentials); });
    const del = admin.rowButton("Delete", "Delete " + c.name, "delete", "secondary small danger-text");
    del.addEventListener("click", function () { remove(c); });
    return el("tr", { attrs: { "data-id": c.id } },
      el("th", { text: c.name, attrs: { scope: "row" } }),
      admin.cell(KINDS[c.engine] || c.engine),
      admin.cell(c.target, "target"),
      admin.cell(c.production ? "Yes" : "No", "production"),
      admin.cell(c.max_rows + " rows, " + c.max_bytes + " bytes", "budgets"),
      admin.cell(c.llm + (c.rows_to_llm ? ", rows to LLM" : ""), "llm"),
      el("td", {}, el("div", { className: "actions" }, testButton, production, edit, credentials, del)));
  }

  async function load() {
    const result = await api.call("GET", "/api/v1/admin/connectors");
    if (!result.ok) {
      admin.fail(message, result, "The connectors could not be read");
      body.replaceChildren(el("p", { className: "empty", text: "No connectors are shown." }));
      return;
    }
    const list = Array.isArray(result.data.connectors) ? result.data.connectors : [];
    body.replaceChildren(list.length === 0 ? el("p", { className: "empty", text: "No connectors yet: add one below." })
      : admin.table("Connectors", ["Name", "Kind", "Database", "Production", "Budgets", "LLM", "Actions"], list.map(row)));
  }

  budgetsForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!editing) return;
    const c = editing;
    const change = {
      name: value("edit-name"),
      max_rows: number("edit-max-rows"),
      max_bytes: number("edit-max-bytes"),
      llm: document.getElementById("edit-llm").value,
      rows_to_llm: checked("edit-rows-to-llm"),
    };
    if (await patch(c, change, "The settings of “" + c.name + "” could not be saved", "The settings of “" + change.name + "” are saved.", "budgets")) {
      budgets.hidden = true;
      editing = null;
      opener = null;
    }
  });

  createForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    api.showMessage(createMessage, null);
    if (replacing) {
      const c = replacing;
      const change = { url: databaseUrl() };
      password.value = "";
      const replaced = await api.call("PATCH", "/api/v1/admin/connectors/" + encodeURIComponent(c.id), change);
      change.url = null;
      if (!replaced.ok) {
        admin.fail(createMessage, replaced, "The credentials of “" + c.name + "” could not be replaced");
        createMessage.append(el("p", { text: "The password field was cleared: type it again." }));
        return;
      }
      stopReplacing();
      api.showMessage(message, null);
      await load();
      admin.done(status, "The credentials of “" + c.name + "” are replaced and sealed. Run Test to check them.");
      return;
    }
    const request = {
      name: value("c-name"),
      url: databaseUrl(),
      production: checked("c-production"),
      max_rows: number("c-max-rows"),
      max_bytes: number("c-max-bytes"),
      llm: document.getElementById("c-llm").value,
      rows_to_llm: checked("c-rows-to-llm"),
    };
    // The secret leaves the page with this request and nowhere else.
    password.value = "";
    const result = await api.call("POST", "/api/v1/admin/connectors", request);
    request.url = null;
    if (!result.ok) {
      admin.fail(createMessage, result, "The connector could not be added");
      createMessage.append(el("p", { text: "The password field was cleared: type it again." }));
      return;
    }
    createForm.reset();
    showKind();
    api.showMessage(message, null);
    await load();
    admin.done(status, "“" + result.data.name + "” is added. Run Test to see what its credentials can do, then grant it on the Users page.");
  });

  kind.addEventListener("change", showKind);
  document.getElementById("replace-cancel").addEventListener("click", stopReplacing);
  document.getElementById("test-close").addEventListener("click", closePanels);
  document.getElementById("budgets-cancel").addEventListener("click", closePanels);
  for (const panel of [test, budgets]) {
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        e.preventDefault();
        closePanels();
      }
    });
  }
  showKind();
  admin.start(message, load);
})();
