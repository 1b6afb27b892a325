// sqlgate's pages: the one way they call the JSON API, and the one way they put text into the
// page. Every write sends the session's CSRF token in X-CSRF-Token; every answer comes back as
// {ok, status, data} or {ok: false, status, error: {code, message}, retryAfter}, never a throw.
// Data from the server is only ever set as text (textContent), never parsed as HTML.
"use strict";

(function () {
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  async function call(method, path, body) {
    const headers = { "Accept": "application/json" };
    const init = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const csrf = csrfToken();
    if (method !== "GET" && csrf) {
      headers["X-CSRF-Token"] = csrf;
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (_) {
      return failure(0, "network", "the server could not be reached; check the connection and try again", null);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (response.ok && data !== null) {
      return { ok: true, status: response.status, data: data };
    }
    const retryAfter = parseInt(response.headers.get("Retry-After") || "", 10);
    const seconds = Number.isFinite(retryAfter) ? retryAfter : null;
    if (data && data.error && typeof data.error.code === "string") {
      const result = failure(response.status, data.error.code, String(data.error.message || ""), seconds);
      // A refused query (422 sql_rejected) also names the guard's rule.
      if (typeof data.error.guard_code === "string") result.error.guardCode = data.error.guard_code;
      return result;
    }
    return failure(response.status, "unexpected", "the server answered with HTTP " + response.status, seconds);
  }

  function failure(status, code, message, retryAfter) {
    return { ok: false, status: status, error: { code: code, message: message }, retryAfter: retryAfter };
  }

  // el("p", {className: "x"}, "text", child…): an element whose strings become text nodes.
  function el(tag, props) {
    const node = document.createElement(tag);
    if (props) {
      for (const key of Object.keys(props)) {
        if (key === "text") {
          node.textContent = props[key];
        } else if (key === "attrs") {
          for (const name of Object.keys(props.attrs)) {
            node.setAttribute(name, props.attrs[name]);
          }
        } else {
          node[key] = props[key];
        }
      }
    }
    for (let i = 2; i < arguments.length; i++) {
      const child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // A server message as a sentence: capital first letter, final full stop.
  function sentence(message) {
    const text = String(message || "").trim();
    if (!text) return "";
    const first = text.charAt(0).toUpperCase() + text.slice(1);
    return /[.!?]$/.test(first) ? first : first + ".";
  }

  // Shows {heading, text} in the element `box` (a role="alert" region), or hides it.
  function showMessage(box, heading, text, extra) {
    box.replaceChildren();
    if (!heading) {
      box.hidden = true;
      return;
    }
    box.append(el("p", { className: "notice-heading", text: heading }));
    if (text) box.append(el("p", { text: text }));
    if (extra) box.append(extra);
    box.hidden = false;
  }

  // The top bar's "Log out": ends the session on the server, then opens the login page; an
  // error that is not an ended session goes to `onError(result)`.
  // {heading, text, link} for the failures every page meets alike: an ended session (with a link
  // to log in), a stale CSRF token, too many requests (with the wait), no connection. `again`
  // says what to do after ("ask again"). null for anything else, which each page words itself.
  function commonError(result, again) {
    const detail = sentence(result.error.message);
    const code = result.error.code;
    if (result.status === 401) {
      return {
        heading: "Your session has ended",
        text: detail + " Log in again, then " + again + ".",
        link: el("p", {}, el("a", { href: "/login?notice=session_ended", text: "Log in again" })),
      };
    }
    if (code === "csrf_failed") return { heading: "This page is out of date", text: "Reload the page, then " + again + "." };
    if (result.status === 429 || code === "rate_limited") {
      const wait = result.retryAfter !== null ? "Wait " + result.retryAfter + " seconds" : "Wait a moment";
      return { heading: "Too many requests", text: detail + " " + wait + ", then " + again + "." };
    }
    if (code === "network") return { heading: "The server could not be reached", text: detail };
    return null;
  }

  // What the pages keep in this tab's sessionStorage (the chat's conversation) is under this
  // prefix; it goes when the tab is closed, at logout, and whenever the login page opens.
  const KEPT = "sqlgate.";

  function forgetSession() {
    try {
      for (let i = window.sessionStorage.length - 1; i >= 0; i--) {
        const key = window.sessionStorage.key(i);
        if (key && key.indexOf(KEPT) === 0) window.sessionStorage.removeItem(key);
      }
    } catch (_) {
      // Storage turned off: nothing was kept.
    }
  }

  function wireLogout(button, onError) {
    button.addEventListener("click", async function () {
      button.disabled = true;
      const result = await call("POST", "/api/v1/logout");
      // Ended either way: a session that had already ended needs no logout.
      if (result.ok || result.status === 401) {
        forgetSession();
        window.location.assign("/login?notice=logged_out");
        return;
      }
      button.disabled = false;
      onError(result);
    });
    button.disabled = false;
  }

  // The connector picker of a page: fills `picker` from GET /api/v1/connectors and shows the
  // production banner (`production`, its text in `productionText`, `activity` naming what is
  // recorded) for the chosen one. A failure goes to `onError(result)`; no connector shows
  // `none` ({heading, text}) in `message`. Resolves to true when one can be chosen; `selected()`
  // is the chosen connector or null.
  function connectorPicker(o) {
    let connectors = [];
    function selected() {
      return connectors.find(function (c) { return c.id === o.picker.value; }) || null;
    }
    function showProduction() {
      const connector = selected();
      o.production.hidden = !(connector && connector.production);
      if (connector && connector.production) {
        o.productionText.textContent = "“" + connector.name + "” is a production database: every " + o.activity +
          " on it is recorded in the audit trail with your name. " + o.care;
      }
    }
    async function load() {
      const result = await call("GET", "/api/v1/connectors");
      o.picker.replaceChildren();
      if (!result.ok) {
        o.picker.append(el("option", { value: "", text: "Not available" }));
        o.onError(result);
        return false;
      }
      connectors = Array.isArray(result.data.connectors) ? result.data.connectors : [];
      if (connectors.length === 0) {
        o.picker.append(el("option", { value: "", text: "No connectors" }));
        showMessage(o.message, o.none.heading, o.none.text);
        return false;
      }
      for (const c of connectors) {
        o.picker.append(el("option", { value: c.id, text: c.production ? c.name + " (production)" : c.name }));
      }
      o.picker.disabled = false;
      showProduction();
      return true;
    }
    o.picker.addEventListener("change", showProduction);
    return { selected: selected, load: load };
  }

  window.sqlgate = {
    call: call,
    el: el,
    sentence: sentence,
    showMessage: showMessage,
    wireLogout: wireLogout,
    forgetSession: forgetSession,
    commonError: commonError,
    kept: KEPT,
    connectorPicker: connectorPicker,
  };
})();
