// Admin: users (/admin/users). Lists GET /api/v1/admin/users as a table (name, role, active,
// second factor); a row's role select changes the role (PATCH), its buttons disable or enable the
// account, reset its second factor (PATCH reset_totp), open the password reset form (POST
// …/password) or the grants form (GET and PUT …/grants, one check box per connector of GET
// /api/v1/admin/connectors). "Add a user" creates one (POST); a password the policy refuses is
// shown under the password field in the API's words. Every value goes into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const admin = window.sqlgateAdmin;
  const el = api.el;
  const ROLES = [["member", "Member"], ["analyst", "Analyst"], ["power_user", "Power User"], ["admin", "Admin"]];
  const message = document.getElementById("message");
  const status = document.getElementById("status");
  const usersBody = document.getElementById("users-body");
  const createForm = document.getElementById("create-form");
  const createMessage = document.getElementById("create-message");
  const newPasswordError = document.getElementById("new-password-error");
  const newPassword = document.getElementById("new-password");
  const reset = document.getElementById("reset");
  const resetForm = document.getElementById("reset-form");
  const resetPassword = document.getElementById("reset-password");
  const resetError = document.getElementById("reset-error");
  const grants = document.getElementById("grants");
  const grantsForm = document.getElementById("grants-form");
  const grantsList = document.getElementById("grants-list");

  let target = null; // the user whose reset or grants form is open
  let opener = null; // the button that opened it

  // Shows a refusal about the password under its field (the policy's own words); anything else in
  // `box`. Returns whether it was about the password.
  function fieldError(result, field, errorBox, box, doing) {
    const text = api.sentence(result.error.message);
    if (result.status === 400 && /password/i.test(result.error.message)) {
      errorBox.textContent = text;
      errorBox.hidden = false;
      field.setAttribute("aria-invalid", "true");
      field.focus();
      api.showMessage(box, null);
      return;
    }
    admin.fail(box, result, doing);
  }

  function clearFieldError(field, errorBox) {
    errorBox.hidden = true;
    errorBox.textContent = "";
    field.removeAttribute("aria-invalid");
  }

  function closePanels() {
    reset.hidden = true;
    grants.hidden = true;
    resetPassword.value = "";
    clearFieldError(resetPassword, resetError);
    if (opener && opener.isConnected) opener.focus();
    target = null;
    opener = null;
  }

  async function change(user, body, doing, said) {
    const active = document.activeElement;
    const action = active && active.dataset ? active.dataset.action : null;
    const result = await api.call("PATCH", "/api/v1/admin/users/" + encodeURIComponent(user.id), body);
    if (result.ok) api.showMessage(message, null);
    else admin.fail(message, result, doing);
    await load();
    admin.refocus(usersBody, user.id, [action, "enable", "disable"]);
    if (result.ok) admin.done(status, said);
  }

  function row(user) {
    const name = user.username;
    const role = el("select", { attrs: { "aria-label": "Role of " + name, "data-action": "role" } });
    for (const [value, text] of ROLES) role.append(el("option", { value: value, text: text }));
    role.value = user.role;
    role.addEventListener("change", function () {
      const label = ROLES.find(function (r) { return r[0] === role.value; });
      change(user, { role: role.value }, "The role of " + name + " could not be changed",
        name + " is now " + (label ? label[1] : role.value) + ".");
    });
    const toggle = admin.rowButton(user.disabled ? "Enable" : "Disable",
      (user.disabled ? "Enable " : "Disable ") + name, user.disabled ? "enable" : "disable");
    toggle.addEventListener("click", function () {
      change(user, { disabled: !user.disabled }, "The account of " + name + " could not be changed",
        user.disabled ? name + " is enabled and may log in again." : name + " is disabled: their sessions ended and they cannot log in.");
    });
    const password = admin.rowButton("Reset password", "Reset the password of " + name, "reset");
    password.addEventListener("click", function () {
      closePanels();
      target = user;
      opener = password;
      document.getElementById("reset-user").textContent = name;
      reset.hidden = false;
      resetPassword.focus();
    });
    const factor = admin.rowButton("Reset second factor", "Reset the second factor of " + name, "reset-totp");
    factor.hidden = !user.totp;
    factor.addEventListener("click", async function () {
      const sure = await admin.confirm("Remove the second factor of " + name + "?",
        "They log in with their password alone until they enrol again; their sessions end.", "Remove it");
      if (sure) change(user, { reset_totp: true }, "The second factor of " + name + " could not be reset",
        "The second factor of " + name + " is removed; they can enrol again.");
    });
    const grantsButton = admin.rowButton("Grants", "Connectors granted to " + name, "grants");
    grantsButton.addEventListener("click", function () { openGrants(user, grantsButton); });
    const state = user.disabled ? "Disabled" : (user.locked ? "Locked" : "Active");
    const actions = el("td", {}, el("div", { className: "actions" }, toggle, password, factor, grantsButton));
    return el("tr", { attrs: { "data-id": user.id, "data-username": name } },
      el("th", { text: name, attrs: { scope: "row" } }),
      el("td", {}, role),
      admin.cell(state, "state"),
      admin.cell(user.totp ? "On" : "Off", "totp"),
      actions);
  }

  async function load() {
    const result = await api.call("GET", "/api/v1/admin/users");
    if (!result.ok) {
      admin.fail(message, result, "The users could not be read");
      usersBody.replaceChildren(el("p", { className: "empty", text: "No users are shown." }));
      return;
    }
    const users = Array.isArray(result.data.users) ? result.data.users : [];
    usersBody.replaceChildren(admin.table("Users", ["Name", "Role", "Account", "Second factor", "Actions"], users.map(row)));
    usersBody.dataset.loaded = String(Date.now());
  }

  async function openGrants(user, button) {
    closePanels();
    // Nothing of an earlier opening stays while this user's grants are read.
    grantsList.replaceChildren();
    const [connectors, granted] = await Promise.all([
      api.call("GET", "/api/v1/admin/connectors"),
      api.call("GET", "/api/v1/admin/users/" + encodeURIComponent(user.id) + "/grants"),
    ]);
    if (!connectors.ok || !granted.ok) {
      admin.fail(message, connectors.ok ? granted : connectors, "The grants of " + user.username + " could not be read");
      return;
    }
    const have = Array.isArray(granted.data.connectors) ? granted.data.connectors : [];
    const list = Array.isArray(connectors.data.connectors) ? connectors.data.connectors : [];
    grantsList.replaceChildren();
    if (list.length === 0) grantsList.append(el("p", { className: "empty", text: "There are no connectors yet." }));
    list.forEach(function (c, i) {
      const id = "grant-" + i;
      const box = el("input", { type: "checkbox", id: id, value: c.id, checked: have.includes(c.id) });
      grantsList.append(el("div", { className: "check" }, box, el("label", { text: c.name, attrs: { for: id } })));
    });
    target = user;
    opener = button;
    document.getElementById("grants-user").textContent = user.username;
    grants.hidden = false;
    grants.focus();
  }

  grantsForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!target) return;
    const user = target;
    const ids = Array.from(grantsList.querySelectorAll("input:checked")).map(function (b) { return b.value; });
    const result = await api.call("PUT", "/api/v1/admin/users/" + encodeURIComponent(user.id) + "/grants", { connectors: ids });
    if (!result.ok) {
      admin.fail(message, result, "The grants of " + user.username + " could not be saved");
      return;
    }
    closePanels();
    admin.done(status, user.username + " is granted " + (ids.length === 1 ? "1 connector." : ids.length + " connectors."), message);
  });

  resetForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!target) return;
    const user = target;
    clearFieldError(resetPassword, resetError);
    const result = await api.call("POST", "/api/v1/admin/users/" + encodeURIComponent(user.id) + "/password",
      { password: resetPassword.value });
    if (!result.ok) {
      fieldError(result, resetPassword, resetError, message, "The password of " + user.username + " could not be reset");
      return;
    }
    closePanels();
    const d = result.data;
    api.showMessage(message, null);
    await load();
    admin.done(status, "The password of " + user.username + " is reset: " + d.sessions_ended + " session(s) ended, " +
      d.api_keys_revoked + " API key(s) revoked.");
  });

  document.getElementById("reset-cancel").addEventListener("click", closePanels);
  document.getElementById("grants-cancel").addEventListener("click", closePanels);
  for (const panel of [reset, grants]) {
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        closePanels();
      }
    });
  }

  newPassword.addEventListener("input", function () { clearFieldError(newPassword, newPasswordError); });
  createForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const username = document.getElementById("new-username").value.trim();
    const role = document.getElementById("new-role").value;
    clearFieldError(newPassword, newPasswordError);
    api.showMessage(createMessage, null);
    const result = await api.call("POST", "/api/v1/admin/users", { username: username, role: role, password: newPassword.value });
    if (!result.ok) {
      fieldError(result, newPassword, newPasswordError, createMessage, "The user could not be added");
      return;
    }
    createForm.reset();
    api.showMessage(message, null);
    await load();
    admin.done(status, result.data.username + " is added. Grant them connectors with “Grants”.");
  });

  admin.start(message, load);
})();
