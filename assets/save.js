// Saving reports from the pages that make them. In the chat, an answer card that holds SQL and
// an `id` (Analysts and up; Members' answers hold no SQL) gets "Save to report": a small form asks
// a name and saves the answer with POST /api/v1/reports {name, answer_id}. In SQL live edit,
// "Save and share as report" saves the editor's SQL on the chosen connector ({name, connector,
// sql}; the guard checks it as it would a run) and then, when names were given, shares it
// (PUT /api/v1/reports/{id}/share). Each confirms with a link to the report on /reports. Every
// value from the server goes into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const el = api.el;
  let forms = 0;

  // {heading, text} for an API error while saving or sharing.
  function explain(r, doing) {
    const common = api.commonError(r, "save again");
    if (common) return common;
    const detail = api.sentence(r.error.message);
    const code = r.error.code;
    if (code === "sql_rejected") return { heading: "The guard refused the SQL", text: detail + " Change the query, then save again." };
    if (r.status === 403) return { heading: "Saving reports is not open to you", text: detail };
    if (r.status === 404) return { heading: "That could not be found", text: detail };
    if (r.status === 502 || r.status === 503) return { heading: "sqlgate is not available", text: detail + " Try again later." };
    return { heading: "The report could not be " + doing, text: detail };
  }

  function reportLink(report) {
    return el("a", { href: "/reports?id=" + encodeURIComponent(String(report.id)), text: "Open the report", attrs: { "data-role": "report-link" } });
  }

  // Shows `r`'s error in `box`, or hides `box` when `r` is null.
  function showFailure(box, r, doing) {
    if (!r) {
      api.showMessage(box, null);
      return;
    }
    const e = explain(r, doing);
    api.showMessage(box, e.heading, e.text);
  }

  // "Save to report" for an answer card: an element to append to the card, or null when the
  // answer cannot be saved (no SQL, as for Members, or no id).
  function answerForm(data) {
    if (typeof data.sql !== "string" || typeof data.id !== "string" || !data.id) return null;
    const n = ++forms;
    const openButton = el("button", { type: "button", className: "secondary", text: "Save to report", attrs: { "data-role": "save-open" } });
    const name = el("input", { type: "text", id: "save-name-" + n, maxLength: 200, autocomplete: "off", required: true });
    const save = el("button", { type: "submit", className: "primary", text: "Save", attrs: { "data-role": "save" } });
    const cancel = el("button", { type: "button", className: "secondary", text: "Cancel" });
    const error = el("div", { className: "notice notice-error", attrs: { role: "alert", "data-role": "save-error" }, hidden: true });
    const form = el("form", { className: "save-form", method: "post", noValidate: true, hidden: true },
      el("label", { htmlFor: name.id, text: "Report name" }),
      el("div", { className: "save-row" }, name, save, cancel));
    const done = el("p", { className: "save-done", attrs: { role: "status", "data-role": "save-done" } });
    const box = el("div", { className: "save-report", attrs: { "data-role": "save-report" } }, openButton, form, error, done);

    openButton.addEventListener("click", function () {
      openButton.hidden = true;
      form.hidden = false;
      name.focus();
    });
    cancel.addEventListener("click", function () {
      form.hidden = true;
      showFailure(error, null);
      openButton.hidden = false;
      openButton.focus();
    });
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!name.value.trim()) {
        api.showMessage(error, "Name the report first", "Type a name that says what the report shows.");
        name.focus();
        return;
      }
      save.disabled = true;
      const r = await api.call("POST", "/api/v1/reports", { name: name.value, answer_id: data.id });
      save.disabled = false;
      if (!r.ok) {
        showFailure(error, r, "saved");
        name.focus();
        return;
      }
      showFailure(error, null);
      form.hidden = true;
      done.replaceChildren("Saved as the report “" + String(r.data.name) + "”. ", reportLink(r.data));
      done.querySelector("a").focus();
    });
    return box;
  }

  // Wires SQL live edit's "Save and share as report" form. `o`: form, name, users (inputs),
  // button, error (a role="alert" box), done (a role="status" element), connector() (the chosen
  // connector or null) and sql() (the editor's text).
  function wireSqlForm(o) {
    let saving = false;
    o.form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (saving) return;
      const connector = o.connector();
      showFailure(o.error, null);
      o.done.replaceChildren();
      if (!connector) {
        api.showMessage(o.error, "Pick a connector first", "Choose the database the report runs on.");
        return;
      }
      if (!o.sql().trim()) {
        api.showMessage(o.error, "Write a query first", "The report saves the SQL in the editor.");
        return;
      }
      if (!o.name.value.trim()) {
        api.showMessage(o.error, "Name the report first", "Type a name that says what the report shows.");
        o.name.focus();
        return;
      }
      saving = true;
      o.button.disabled = true;
      const users = o.users.value.split(/[\s,;]+/).filter(function (u) { return u.length > 0; });
      const r = await api.call("POST", "/api/v1/reports", { name: o.name.value, connector: connector.id, sql: o.sql() });
      let shared = null;
      if (r.ok && users.length > 0) {
        shared = await api.call("PUT", "/api/v1/reports/" + encodeURIComponent(String(r.data.id)) + "/share", { usernames: users });
      }
      saving = false;
      o.button.disabled = false;
      if (!r.ok) {
        showFailure(o.error, r, "saved");
        return;
      }
      if (shared && !shared.ok) {
        // Saved, not shared: say both, so nobody saves it twice.
        const e = explain(shared, "shared");
        api.showMessage(o.error, "Saved, but not shared", e.text + " Fix the names on the report's page.");
      }
      const sharedWith = shared && shared.ok ? " and shared with " + shared.data.shared_with.join(", ") : "";
      o.done.replaceChildren("Saved as the report “" + String(r.data.name) + "”" + sharedWith + ". ", reportLink(r.data));
    });
  }

  window.sqlgate.save = { answerForm: answerForm, wireSqlForm: wireSqlForm };
})();
