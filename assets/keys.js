// API keys (/keys, every user): one's keys from GET /api/v1/apikeys (names and dates, never the
// keys: the API has only their hashes); "Create a key" (POST) shows the new key once, in a
// read-only field with a Copy button, until "I have stored it" clears it from the page; Revoke
// (DELETE, after a confirmation step) ends a key at once. Values go into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const admin = window.sqlgateAdmin;
  const el = api.el;
  const message = document.getElementById("message");
  const status = document.getElementById("status");
  const body = document.getElementById("keys-body");
  const createForm = document.getElementById("create-form");
  const createMessage = document.getElementById("create-message");
  const newKey = document.getElementById("new-key");
  const keyValue = document.getElementById("new-key-value");
  const copyStatus = document.getElementById("copy-status");

  function state(key) {
    if (key.revoked) return "Revoked";
    if (key.expires_at && key.expires_at * 1000 <= Date.now()) return "Expired";
    return "Active";
  }

  async function revoke(key) {
    const sure = await admin.confirm("Revoke the key “" + key.name + "”?",
      "Whatever uses it stops working at once. This cannot be undone.", "Revoke it");
    if (!sure) return;
    const result = await api.call("DELETE", "/api/v1/apikeys/" + encodeURIComponent(key.id));
    if (!result.ok) {
      admin.fail(message, result, "The key “" + key.name + "” could not be revoked");
      return;
    }
    api.showMessage(message, null);
    await load();
    admin.done(status, "The key “" + key.name + "” is revoked.");
  }

  function row(key) {
    const actions = el("td", {});
    if (!key.revoked) {
      const button = admin.rowButton("Revoke", "Revoke the key " + key.name, "revoke", "secondary small danger-text");
      button.addEventListener("click", function () { revoke(key); });
      actions.append(button);
    }
    return el("tr", { attrs: { "data-id": key.id } },
      el("th", { text: key.name, attrs: { scope: "row" } }),
      admin.cell(admin.when(key.created_at)),
      admin.cell(key.expires_at ? admin.when(key.expires_at) : "Never"),
      admin.cell(state(key), "state"),
      actions);
  }

  async function load() {
    const result = await api.call("GET", "/api/v1/apikeys");
    if (!result.ok) {
      admin.fail(message, result, "Your keys could not be read");
      body.replaceChildren(el("p", { className: "empty", text: "No keys are shown." }));
      return;
    }
    const keys = Array.isArray(result.data.keys) ? result.data.keys : [];
    body.replaceChildren(keys.length === 0 ? el("p", { className: "empty", text: "You have no API keys." })
      : admin.table("Your API keys", ["Name", "Created", "Expires", "State", "Actions"], keys.map(row)));
  }

  function forget() {
    keyValue.value = "";
    copyStatus.textContent = "";
    newKey.hidden = true;
    document.getElementById("key-name").focus();
  }

  document.getElementById("copy").addEventListener("click", async function () {
    keyValue.focus();
    keyValue.select();
    try {
      await navigator.clipboard.writeText(keyValue.value);
      copyStatus.textContent = "Copied to the clipboard.";
    } catch (_) {
      copyStatus.textContent = "The browser did not allow copying: the key is selected, press Ctrl+C (⌘+C on a Mac).";
    }
  });
  document.getElementById("new-key-done").addEventListener("click", forget);

  createForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    api.showMessage(createMessage, null);
    const name = document.getElementById("key-name").value.trim();
    const days = document.getElementById("key-days").value.trim();
    const request = { name: name };
    if (days !== "") request.expires_in_days = Number(days);
    const result = await api.call("POST", "/api/v1/apikeys", request);
    if (!result.ok) {
      admin.fail(createMessage, result, "The key could not be created");
      return;
    }
    createForm.reset();
    api.showMessage(message, null);
    status.hidden = true;
    document.getElementById("new-key-name").textContent = result.data.name;
    keyValue.value = result.data.key;
    copyStatus.textContent = "";
    newKey.hidden = false;
    newKey.focus();
    await load();
  });

  admin.start(message, load);
})();
