// Admin: spend (/admin/spend). Each user's monthly LLM cap and month-to-date spending from GET
// /api/v1/admin/spend, with how much of the cap is used (a meter and a percentage; 80% and more
// is marked "near the cap", as the API says); "Edit cap" sets or removes a cap (PUT
// /api/v1/admin/users/{id}/spend, in cents). Values go into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const admin = window.sqlgateAdmin;
  const el = api.el;
  const message = document.getElementById("message");
  const status = document.getElementById("status");
  const body = document.getElementById("spend-body");
  const cap = document.getElementById("cap");
  const capForm = document.getElementById("cap-form");
  const capInput = document.getElementById("cap-dollars");
  const capError = document.getElementById("cap-error");

  let editing = null;
  let opener = null;

  function close() {
    cap.hidden = true;
    capError.hidden = true;
    capInput.removeAttribute("aria-invalid");
    editing = null;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  }

  // How much of the cap is used: a meter and its percentage, or "No cap".
  function usage(u) {
    if (u.monthly_cap_cents === null || u.monthly_cap_cents === undefined) return el("td", { className: "used", text: "No cap" });
    const capCents = Number(u.monthly_cap_cents);
    const spent = Number(u.spent_cents) || 0;
    const percent = capCents > 0 ? Math.floor((spent * 100) / capCents) : (spent > 0 ? 100 : 0);
    const meter = el("meter", { min: 0, max: Math.max(capCents, 1), value: Math.min(spent, Math.max(capCents, 1)),
      low: Math.max(capCents, 1) * 0.8, high: Math.max(capCents, 1) * 0.8, optimum: 0,
      attrs: { "aria-label": "Share of the cap of " + u.username + " used" } });
    const text = el("span", { className: "percent", text: percent + "%" + (u.near_cap ? " (near the cap)" : "") });
    return el("td", { className: "used" + (u.near_cap ? " near-cap" : "") }, meter, " ", text);
  }

  function row(u) {
    const edit = admin.rowButton("Edit cap", "Edit the cap of " + u.username, "cap");
    edit.addEventListener("click", function () {
      close();
      editing = u;
      opener = edit;
      document.getElementById("cap-user").textContent = u.username;
      capInput.value = u.monthly_cap_cents === null || u.monthly_cap_cents === undefined ? "" : (u.monthly_cap_cents / 100).toFixed(2);
      cap.hidden = false;
      capInput.focus();
    });
    const hasCap = u.monthly_cap_cents !== null && u.monthly_cap_cents !== undefined;
    return el("tr", { attrs: { "data-id": u.id, "data-username": u.username } },
      el("th", { text: u.username, attrs: { scope: "row" } }),
      admin.cell(u.role),
      admin.cell(admin.money(u.spent_cents), "num spent"),
      admin.cell(hasCap ? admin.money(u.monthly_cap_cents) : "No cap", "num cap"),
      usage(u),
      admin.cell(String(u.tokens), "num"),
      el("td", {}, edit));
  }

  async function load() {
    const result = await api.call("GET", "/api/v1/admin/spend");
    if (!result.ok) {
      admin.fail(message, result, "The spending could not be read");
      body.replaceChildren(el("p", { className: "empty", text: "No spending is shown." }));
      return;
    }
    document.getElementById("month").textContent = String(result.data.month);
    const users = Array.isArray(result.data.users) ? result.data.users : [];
    body.replaceChildren(admin.table("Spending by user", ["User", "Role", "Spent", "Cap", "Used", "Tokens", "Actions"], users.map(row)));
  }

  capForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!editing) return;
    const u = editing;
    const text = capInput.value.trim();
    const dollars = Number(text);
    if (text !== "" && !(Number.isFinite(dollars) && dollars >= 0)) {
      capError.textContent = "Enter an amount in dollars, such as 25 or 12.50, or leave it empty for no cap.";
      capError.hidden = false;
      capInput.setAttribute("aria-invalid", "true");
      capInput.focus();
      return;
    }
    const cents = text === "" ? null : Math.round(dollars * 100);
    const result = await api.call("PUT", "/api/v1/admin/users/" + encodeURIComponent(u.id) + "/spend", { monthly_cap_cents: cents });
    if (!result.ok) {
      admin.fail(message, result, "The cap of " + u.username + " could not be saved");
      return;
    }
    close();
    api.showMessage(message, null);
    await load();
    admin.done(status, cents === null ? u.username + " has no cap now." : "The cap of " + u.username + " is " + admin.money(cents) + " a month.");
  });
  document.getElementById("cap-cancel").addEventListener("click", close);
  cap.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });

  admin.start(message, load);
})();
