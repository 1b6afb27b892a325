// What the admin pages and the API keys page share, on top of api.js: messages that say what
// happened and what to do, the confirmation step of a destructive action (a <dialog>: Escape
// cancels, the focus comes back), small table helpers, and the page's start (log out, load, ready).
// Every value from the server goes into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const el = api.el;

  // {heading, text, link} for a failed call; `doing` names what failed ("The user could not be
  // created").
  function explain(result, doing) {
    const common = api.commonError(result, "try again");
    if (common) return common;
    const detail = api.sentence(result.error.message);
    if (result.status === 403) return { heading: "Not allowed", text: detail };
    if (result.status === 400 || result.status === 404 || result.status === 409) {
      return { heading: doing, text: detail };
    }
    return { heading: doing, text: detail + " Try again; if it keeps failing, check the server's log." };
  }

  // Shows the failure of `result` in the alert region `box`.
  function fail(box, result, doing) {
    const why = explain(result, doing);
    api.showMessage(box, why.heading, why.text, why.link);
    box.scrollIntoView({ block: "nearest" });
  }

  // Says in the status region `box` that something was done (and hides the page's error).
  function done(box, text, errors) {
    if (errors) api.showMessage(errors, null);
    box.textContent = text;
    box.hidden = false;
  }

  // A table cell holding `value` as text ("—" for nothing).
  function cell(value, className) {
    const td = el("td", { text: value === null || value === undefined || value === "" ? "—" : String(value) });
    if (className) td.className = className;
    return td;
  }

  // A scrollable table with a caption, column `headers` and body rows `rows`.
  function table(caption, headers, rows) {
    const head = el("tr", {});
    for (const name of headers) head.append(el("th", { text: name, attrs: { scope: "col" } }));
    const body = el("tbody", {});
    for (const row of rows) body.append(row);
    const t = el("table", {}, el("caption", { className: "visually-hidden", text: caption }), el("thead", {}, head), body);
    return el("div", { className: "table-wrap", tabIndex: 0, attrs: { role: "region", "aria-label": caption } }, t);
  }

  // A small button of a table row, named for its row for screen readers.
  function rowButton(text, label, action, className) {
    return el("button", { type: "button", className: className || "secondary small", text: text,
      attrs: { "aria-label": label, "data-action": action } });
  }

  // The confirmation step: resolves to true when the admin confirms `question` (the button says
  // `yes`), false on Cancel or Escape. The focus returns to where it was.
  function confirm(question, detail, yes) {
    const dialog = document.getElementById("confirm");
    const back = document.activeElement;
    document.getElementById("confirm-text").textContent = question;
    document.getElementById("confirm-detail").textContent = detail || "";
    document.getElementById("confirm-yes").textContent = yes;
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () {
        if (back && back.isConnected) back.focus();
        resolve(dialog.returnValue === "yes");
      }, { once: true });
      dialog.showModal();
      document.getElementById("confirm-no").focus();
    });
  }

  // After a table is drawn again, the focus goes back to the control of the row with `id` that
  // has the first of `actions` (a button that changed its action, or was hidden, is followed by
  // the next), so a keyboard user keeps their place.
  function refocus(container, id, actions) {
    const row = Array.from(container.querySelectorAll("tr[data-id]")).find(function (r) { return r.dataset.id === id; });
    if (!row) return;
    for (const action of actions) {
      const control = row.querySelector('[data-action="' + action + '"]');
      if (control && !control.hidden) {
        control.focus();
        return;
      }
    }
  }

  // Wires the top bar and runs `load` (which fills the page); the body's data-ready says when.
  function start(message, load) {
    api.wireLogout(document.getElementById("logout"), function (result) {
      fail(message, result, "Could not log out");
    });
    Promise.resolve(load()).finally(function () {
      document.body.dataset.ready = "true";
    });
  }

  // Cents as dollars, e.g. 1234 → "$12.34".
  function money(cents) {
    const n = Number(cents) || 0;
    return "$" + (n / 100).toFixed(2);
  }

  // Unix seconds as a UTC date and time.
  function when(seconds) {
    if (seconds === null || seconds === undefined) return "";
    return new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  window.sqlgateAdmin = {
    explain: explain,
    fail: fail,
    done: done,
    cell: cell,
    table: table,
    rowButton: rowButton,
    confirm: confirm,
    refocus: refocus,
    start: start,
    money: money,
    when: when,
  };
})();
