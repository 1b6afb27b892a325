// Admin: AI memory (/admin/memory). Lists GET /api/v1/admin/memory (kind, term, meaning, the
// connector it applies to, who wrote it); one form adds an entry (POST) or, after a row's Edit,
// changes it (PATCH); Delete asks for confirmation first (DELETE). The connector list comes from
// GET /api/v1/admin/connectors. Values go into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const admin = window.sqlgateAdmin;
  const el = api.el;
  const KINDS = { definition: "Definition", synonym: "Synonym", example: "Example question" };
  const message = document.getElementById("message");
  const status = document.getElementById("status");
  const body = document.getElementById("entries-body");
  const editor = document.getElementById("editor");
  const form = document.getElementById("memory-form");
  const formMessage = document.getElementById("form-message");
  const connectorSelect = document.getElementById("m-connector");
  const submit = document.getElementById("m-submit");
  const cancel = document.getElementById("m-cancel");

  let connectors = [];
  let editing = null; // the entry being changed, or null when adding
  let opener = null;

  function connectorName(id) {
    if (!id) return "Every connector";
    const c = connectors.find(function (x) { return x.id === id; });
    return c ? c.name : "(deleted connector)";
  }

  function stopEditing() {
    editing = null;
    form.reset();
    document.getElementById("editor-heading").textContent = "Add an entry";
    submit.textContent = "Add the entry";
    cancel.hidden = true;
    api.showMessage(formMessage, null);
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  }

  function edit(entry, button) {
    editing = entry;
    opener = button;
    document.getElementById("m-kind").value = entry.kind;
    connectorSelect.value = entry.connector_id || "";
    document.getElementById("m-key").value = entry.key;
    document.getElementById("m-value").value = entry.value;
    document.getElementById("editor-heading").textContent = "Edit the entry";
    submit.textContent = "Save the entry";
    cancel.hidden = false;
    editor.scrollIntoView({ block: "nearest" });
    document.getElementById("m-key").focus();
  }

  async function remove(entry) {
    const sure = await admin.confirm("Delete the entry “" + entry.key + "”?",
      "The SQL writer stops using it at once.", "Delete it");
    if (!sure) return;
    const result = await api.call("DELETE", "/api/v1/admin/memory/" + encodeURIComponent(entry.id));
    if (!result.ok) {
      admin.fail(message, result, "The entry could not be deleted");
      return;
    }
    if (editing && editing.id === entry.id) stopEditing();
    api.showMessage(message, null);
    await load();
    admin.done(status, "The entry “" + entry.key + "” is deleted.");
  }

  function row(entry) {
    const editButton = admin.rowButton("Edit", "Edit the entry " + entry.key, "edit");
    editButton.addEventListener("click", function () { edit(entry, editButton); });
    const del = admin.rowButton("Delete", "Delete the entry " + entry.key, "delete", "secondary small danger-text");
    del.addEventListener("click", function () { remove(entry); });
    return el("tr", { attrs: { "data-id": entry.id } },
      admin.cell(KINDS[entry.kind] || entry.kind, "kind"),
      el("th", { text: entry.key, attrs: { scope: "row" } }),
      el("td", { className: "memory-value" }, el("span", { className: "value", text: entry.value })),
      admin.cell(connectorName(entry.connector_id), "connector"),
      admin.cell(entry.created_by),
      el("td", {}, el("div", { className: "actions" }, editButton, del)));
  }

  async function load() {
    const [entries, list] = await Promise.all([
      api.call("GET", "/api/v1/admin/memory"),
      api.call("GET", "/api/v1/admin/connectors"),
    ]);
    if (list.ok && Array.isArray(list.data.connectors)) {
      connectors = list.data.connectors;
      const chosen = connectorSelect.value;
      connectorSelect.replaceChildren(el("option", { value: "", text: "Every connector" }));
      for (const c of connectors) connectorSelect.append(el("option", { value: c.id, text: c.name }));
      connectorSelect.value = chosen;
    }
    if (!entries.ok) {
      admin.fail(message, entries, "The AI memory could not be read");
      body.replaceChildren(el("p", { className: "empty", text: "No entries are shown." }));
      return;
    }
    if (!list.ok) admin.fail(message, list, "The connectors could not be read (entries show no connector names)");
    const all = Array.isArray(entries.data.entries) ? entries.data.entries : [];
    body.replaceChildren(all.length === 0 ? el("p", { className: "empty", text: "No entries yet: add one below." })
      : admin.table("AI memory entries", ["Kind", "Term, word or question", "Meaning, name or SQL", "Connector", "By", "Actions"], all.map(row)));
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    api.showMessage(formMessage, null);
    const request = {
      kind: document.getElementById("m-kind").value,
      key: document.getElementById("m-key").value,
      value: document.getElementById("m-value").value,
    };
    if (connectorSelect.value) request.connector = connectorSelect.value;
    const changing = editing;
    const result = changing
      ? await api.call("PATCH", "/api/v1/admin/memory/" + encodeURIComponent(changing.id), request)
      : await api.call("POST", "/api/v1/admin/memory", request);
    if (!result.ok) {
      admin.fail(formMessage, result, changing ? "The entry could not be saved" : "The entry could not be added");
      return;
    }
    stopEditing();
    api.showMessage(message, null);
    await load();
    admin.done(status, "The entry “" + result.data.key + "” is " + (changing ? "saved." : "added."));
  });
  cancel.addEventListener("click", stopEditing);

  admin.start(message, load);
})();
