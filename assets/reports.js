// The reports page: the reports one owns or that are shared with one (GET /api/v1/reports); opening
// one re-runs it live (POST /api/v1/reports/{id}/run) and shows its rows in the chat's table with
// its truncation notice, and its SQL only when the API's answer holds it (never for Members).
// Its owner shares it (PUT /api/v1/reports/{id}/share, Power User and up) and deletes it after a
// confirmation (DELETE /api/v1/reports/{id}; an Admin may delete any report they see), and has
// it refreshed on a schedule (PUT /api/v1/reports/{id}/schedule, owner, Power User and up); the
// last scheduled refresh, with its rows when the reader may see them, shows under the run. The page
// offers only what the role allows (data-may-share and the like, set by the server); the API
// checks every request anyway. `/reports?id=ID` opens a report directly. Every value from the
// server goes into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const el = api.el;
  const results = api.results;
  const root = document.getElementById("reports");
  const mayShare = root.dataset.mayShare === "true";
  const mayDelete = root.dataset.mayDelete === "true";
  const deletesAny = root.dataset.deletesAny === "true";
  const message = document.getElementById("message");
  const status = document.getElementById("status");
  const listBody = document.getElementById("reports-body");
  const section = document.getElementById("report");
  const heading = document.getElementById("report-heading");
  const facts = document.getElementById("report-facts");
  const reportMessage = document.getElementById("report-message");
  const resultBody = document.getElementById("report-result");
  const rerun = document.getElementById("report-rerun");
  const closeButton = document.getElementById("report-close");
  const shareForm = document.getElementById("share-form");
  const shareUsers = document.getElementById("share-users");
  const shareSave = document.getElementById("share-save");
  const shareStatus = document.getElementById("share-status");
  const lastRefresh = document.getElementById("last-refresh");
  const scheduleForm = document.getElementById("schedule-form");
  const scheduleEvery = document.getElementById("schedule-every");
  const scheduleSave = document.getElementById("schedule-save");
  const scheduleStatus = document.getElementById("schedule-status");
  const deleteArea = document.getElementById("delete-area");
  const deleteButton = document.getElementById("delete");
  const confirmBox = document.getElementById("delete-confirm");
  const confirmQuestion = document.getElementById("delete-question");
  const deleteYes = document.getElementById("delete-yes");
  const deleteNo = document.getElementById("delete-no");

  let reports = [];
  // The open report as the API last described it, or null.
  let current = null;
  let opening = 0;

  // {heading, text, link} for an API error, in words that say what happened and what to do.
  function explain(r, doing) {
    const common = api.commonError(r, "try again");
    if (common) return common;
    const detail = api.sentence(r.error.message);
    const code = r.error.code;
    if (code === "connector_not_granted") {
      return { heading: "You may no longer use this report's connector", text: detail };
    }
    if (code === "not_owner") return { heading: "Only the report's owner may do that", text: detail };
    if (r.status === 403) return { heading: "That is not open to you", text: detail };
    if (r.status === 404) {
      return { heading: "This report is not available", text: detail + " It may have been deleted, or no longer be shared with you." };
    }
    if (code === "sql_rejected") {
      return { heading: "The guard refused the report's SQL", text: detail + " The owner can save a corrected query as a new report." };
    }
    if (code === "database_error") return { heading: "The database could not run the report", text: detail };
    if (r.status === 504 || code === "timeout") return { heading: "The report took too long", text: detail + " Try again later." };
    if (r.status === 502 || r.status === 503) {
      return { heading: "The database is not available", text: detail + " Try again later, or tell an admin." };
    }
    return { heading: "The report could not be " + doing, text: detail };
  }

  function showError(box, r, doing) {
    const e = explain(r, doing);
    api.showMessage(box, e.heading, e.text, e.link);
  }

  // Unix seconds as "2026-11-24 01:30 UTC", in a <time> element.
  function when(seconds) {
    const date = new Date(Number(seconds) * 1000);
    if (Number.isNaN(date.getTime())) return el("span", { text: "" });
    const iso = date.toISOString();
    return el("time", { text: iso.slice(0, 16).replace("T", " ") + " UTC", attrs: { datetime: iso } });
  }

  function isOwner(report) {
    return Array.isArray(report.shared_with);
  }

  // Who a report is shared with, as its reader may know it: the list for its owner, "you" for
  // anyone it is shared with.
  function sharedText(report) {
    if (!isOwner(report)) return "you";
    return report.shared_with.length > 0 ? report.shared_with.join(", ") : "nobody";
  }

  function emptyText() {
    if (mayShare) return "No reports yet. Save one from SQL live edit (“Save and share as report”) or from an answer in the chat (“Save to report”).";
    if (mayDelete) return "No reports yet. Save one from an answer in the chat (“Save to report”); reports others share with you appear here too.";
    return "No reports are shared with you yet. Analysts and Power Users can share theirs with you.";
  }

  function renderList() {
    if (reports.length === 0) {
      listBody.replaceChildren(el("p", { className: "empty", text: emptyText(), attrs: { "data-role": "no-reports" } }));
      return;
    }
    const head = el("tr", {});
    for (const name of ["Name", "Owner", "Connector", "Shared with", "Updated"]) {
      head.append(el("th", { text: name, attrs: { scope: "col" } }));
    }
    const body = el("tbody", {});
    for (const report of reports) {
      const open = el("button", { type: "button", className: "link open-report", text: String(report.name) });
      open.dataset.id = String(report.id);
      const row = el("tr", { attrs: { "data-id": String(report.id) } },
        el("th", { attrs: { scope: "row", "data-role": "name" } }, open),
        el("td", { text: String(report.owner), attrs: { "data-role": "owner" } }),
        el("td", { text: String(report.connector), attrs: { "data-role": "connector" } }),
        el("td", { text: sharedText(report), attrs: { "data-role": "shared" } }),
        el("td", { attrs: { "data-role": "updated" } }, when(report.updated_at)));
      if (current && current.id === report.id) row.className = "selected";
      body.append(row);
    }
    const count = reports.length === 1 ? "1 report" : reports.length + " reports";
    const table = el("table", { className: "report-list" }, el("caption", { text: count }), el("thead", {}, head), body);
    listBody.replaceChildren(el("div", { className: "table-wrap", tabIndex: 0, attrs: { role: "region", "aria-label": "Reports: " + count } }, table));
  }

  async function loadList() {
    const r = await api.call("GET", "/api/v1/reports");
    if (!r.ok) {
      listBody.replaceChildren(el("p", { className: "empty", text: "The reports could not be listed." }));
      showError(message, r, "listed");
      return;
    }
    reports = Array.isArray(r.data.reports) ? r.data.reports : [];
    renderList();
  }

  function fact(name, value) {
    return [el("dt", { text: name }), el("dd", { attrs: { "data-role": name.toLowerCase().replace(/ /g, "-") } }, value)];
  }

  // 60 as "every hour", 90 as "every 90 minutes".
  function every(minutes) {
    const n = Number(minutes);
    if (n === 60) return "every hour";
    if (n === 1440) return "every day";
    if (n === 10080) return "every week";
    if (n % 1440 === 0) return "every " + n / 1440 + " days";
    if (n % 60 === 0) return "every " + n / 60 + " hours";
    return "every " + n + " minutes";
  }

  function scheduleFact(report) {
    if (!report.schedule) return el("span", { text: "not on a schedule" });
    const next = report.schedule.next_refresh_at;
    return el("span", {}, every(report.schedule.every_minutes) + (next ? "; next due " : ""), next ? when(next) : null);
  }

  const OUTCOMES = { ok: "refreshed", rejected: "refused by the guard", error: "failed", denied: "not allowed" };

  // The last scheduled refresh: when, how it went, and its rows when the reader may see them.
  function showLastRefresh(report) {
    const last = report.last_refresh;
    if (!last) {
      lastRefresh.hidden = true;
      lastRefresh.replaceChildren();
      return;
    }
    const outcome = OUTCOMES[last.outcome] || String(last.outcome);
    const parts = [el("summary", {}, "Last scheduled refresh: ", when(last.at), " · " + outcome)];
    if (typeof last.message === "string" && last.message) {
      parts.push(el("p", { className: "hint", text: api.sentence(last.message), attrs: { "data-role": "refresh-message" } }));
    }
    const result = last.result;
    if (result && typeof result === "object") {
      const notice = results.truncationNotice(result.truncated);
      if (notice) parts.push(notice);
      const table = results.table(result);
      if (table) parts.push(table);
    }
    lastRefresh.replaceChildren(el("details", { attrs: { "data-role": "last-refresh", "data-outcome": String(last.outcome) } }, ...parts));
    lastRefresh.hidden = false;
  }

  function showSchedule(report, owner) {
    scheduleForm.hidden = !(owner && mayShare);
    if (scheduleForm.hidden) return;
    const value = report.schedule ? String(report.schedule.every_minutes) : "";
    // A period set through the API that the list does not offer is shown as it is.
    if (value && !scheduleEvery.querySelector('option[value="' + CSS.escape(value) + '"]')) {
      const text = every(value);
      scheduleEvery.append(el("option", { value: value, text: text.charAt(0).toUpperCase() + text.slice(1) }));
    }
    scheduleEvery.value = value;
  }

  function showFacts(report) {
    heading.textContent = String(report.name);
    const items = [].concat(fact("Owner", String(report.owner)), fact("Connector", String(report.connector)));
    if (typeof report.question === "string" && report.question) items.push(...fact("Question", report.question));
    items.push(...fact("Shared with", sharedText(report)), ...fact("Updated", when(report.updated_at)));
    items.push(...fact("Schedule", scheduleFact(report)));
    facts.replaceChildren(...items);
    const owner = isOwner(report);
    showSchedule(report, owner);
    showLastRefresh(report);
    shareForm.hidden = !(owner && mayShare);
    if (!shareForm.hidden) shareUsers.value = report.shared_with.join(", ");
    deleteArea.hidden = !(mayDelete && (owner || deletesAny));
    confirmBox.hidden = true;
    deleteButton.hidden = false;
  }

  function showRun(data) {
    const parts = [];
    const count = Number(data.row_count) === 1 ? "1 row" : String(data.row_count) + " rows";
    parts.push(el("p", { className: "result-meta", attrs: { "data-role": "meta" } }, "Run just now · " + count));
    if (typeof data.answer === "string" && data.answer) {
      parts.push(el("p", { className: "answer-summary", text: data.answer, attrs: { "data-role": "summary" } }));
    }
    const warnings = Array.isArray(data.warnings) ? data.warnings : [];
    if (warnings.length > 0) {
      const list = el("ul", { className: "warnings", attrs: { "data-role": "warnings" } });
      for (const warning of warnings) list.append(el("li", { text: String(warning) }));
      parts.push(list);
    }
    const notice = results.truncationNotice(data.truncated);
    if (notice) parts.push(notice);
    parts.push(results.table(data) || el("p", { className: "empty", text: "The report returned no columns." }));
    // Only an answer that carries SQL shows it; Members' answers have no `sql` key at all.
    if (Object.prototype.hasOwnProperty.call(data, "sql") && typeof data.sql === "string") {
      parts.push(el("details", { className: "sql" },
        el("summary", { text: "SQL as sent (with sqlgate's row limit)" }),
        el("pre", {}, el("code", { text: data.sql, attrs: { "data-role": "sql" } }))));
    }
    resultBody.replaceChildren(...parts);
  }

  function errorBlock(r) {
    const e = explain(r, "run");
    return el("div", { className: "answer-error result-error", attrs: { "data-role": "error" } },
      el("h3", { text: e.heading }), el("p", { text: e.text }), e.link || null);
  }

  // Opens the report `id`: shows what the list knows at once, then runs it and shows the rows.
  async function open(id, focus) {
    const mine = ++opening;
    const known = reports.find(function (r) { return r.id === id; }) || null;
    api.showMessage(message, null);
    api.showMessage(reportMessage, null);
    shareStatus.textContent = "";
    scheduleStatus.textContent = "";
    current = known;
    section.dataset.id = id;
    section.hidden = false;
    if (known) {
      showFacts(known);
    } else {
      heading.textContent = "Report";
      facts.replaceChildren();
      shareForm.hidden = true;
      scheduleForm.hidden = true;
      lastRefresh.hidden = true;
      deleteArea.hidden = true;
    }
    renderList();
    history.replaceState(null, "", "/reports?id=" + encodeURIComponent(id));
    if (focus) section.focus();
    rerun.disabled = true;
    section.setAttribute("aria-busy", "true");
    resultBody.replaceChildren(el("p", { className: "empty", text: "Running the report…" }));
    const r = await api.call("POST", "/api/v1/reports/" + encodeURIComponent(id) + "/run");
    if (mine !== opening) return;
    if (r.ok) {
      current = r.data.report;
      showFacts(current);
      showRun(r.data);
    } else {
      resultBody.replaceChildren(errorBlock(r));
    }
    section.removeAttribute("aria-busy");
    rerun.disabled = false;
    // How many runs have ended: lets a test (or a person's tools) wait for this one.
    section.dataset.runs = String(Number(section.dataset.runs || "0") + 1);
  }

  function close() {
    opening++;
    const id = current ? current.id : null;
    current = null;
    section.hidden = true;
    delete section.dataset.id;
    history.replaceState(null, "", "/reports");
    renderList();
    const button = id ? listBody.querySelector('button.open-report[data-id="' + CSS.escape(id) + '"]') : null;
    if (button) button.focus();
  }

  // "ann, bob  carl" as ["ann", "bob", "carl"].
  function names(text) {
    return text.split(/[\s,;]+/).filter(function (n) { return n.length > 0; });
  }

  async function share() {
    if (!current) return;
    api.showMessage(reportMessage, null);
    shareStatus.textContent = "";
    shareSave.disabled = true;
    const id = current.id;
    const r = await api.call("PUT", "/api/v1/reports/" + encodeURIComponent(id) + "/share", { usernames: names(shareUsers.value) });
    shareSave.disabled = false;
    if (!r.ok) {
      showError(reportMessage, r, "shared");
      shareUsers.focus();
      return;
    }
    current = r.data;
    reports = reports.map(function (report) { return report.id === id ? r.data : report; });
    showFacts(current);
    renderList();
    shareStatus.textContent = current.shared_with.length > 0
      ? "Shared with " + current.shared_with.join(", ") + "."
      : "Shared with nobody.";
  }

  async function saveSchedule() {
    if (!current) return;
    api.showMessage(reportMessage, null);
    scheduleStatus.textContent = "";
    scheduleSave.disabled = true;
    const id = current.id;
    const minutes = scheduleEvery.value ? Number(scheduleEvery.value) : null;
    const r = await api.call("PUT", "/api/v1/reports/" + encodeURIComponent(id) + "/schedule", { every_minutes: minutes });
    scheduleSave.disabled = false;
    if (!r.ok) {
      showError(reportMessage, r, "scheduled");
      scheduleEvery.focus();
      return;
    }
    current = r.data;
    reports = reports.map(function (report) { return report.id === id ? r.data : report; });
    showFacts(current);
    renderList();
    scheduleStatus.textContent = current.schedule
      ? "Refreshed " + every(current.schedule.every_minutes) + " from now on; the first refresh runs shortly."
      : "No longer refreshed on a schedule.";
  }

  function askToDelete() {
    if (!current) return;
    confirmQuestion.textContent = "Delete “" + current.name + "”? It is gone for you and everyone it is shared with; this cannot be undone.";
    deleteButton.hidden = true;
    confirmBox.hidden = false;
    deleteYes.focus();
  }

  function keep() {
    confirmBox.hidden = true;
    deleteButton.hidden = false;
    deleteButton.focus();
  }

  async function remove() {
    if (!current) return;
    const report = current;
    deleteYes.disabled = true;
    const r = await api.call("DELETE", "/api/v1/reports/" + encodeURIComponent(report.id));
    deleteYes.disabled = false;
    if (!r.ok) {
      showError(reportMessage, r, "deleted");
      keep();
      return;
    }
    reports = reports.filter(function (x) { return x.id !== report.id; });
    close();
    api.showMessage(status, "The report was deleted", "“" + report.name + "” is gone, for everyone it was shared with too.");
    status.setAttribute("tabindex", "-1");
    status.focus();
  }

  listBody.addEventListener("click", function (event) {
    const button = event.target.closest("button.open-report");
    if (button) open(button.dataset.id, true);
  });
  closeButton.addEventListener("click", close);
  rerun.addEventListener("click", function () {
    if (current) open(current.id, false);
  });
  shareForm.addEventListener("submit", function (event) {
    event.preventDefault();
    share();
  });
  scheduleForm.addEventListener("submit", function (event) {
    event.preventDefault();
    saveSchedule();
  });
  deleteButton.addEventListener("click", askToDelete);
  deleteNo.addEventListener("click", keep);
  deleteYes.addEventListener("click", remove);
  confirmBox.addEventListener("keydown", function (event) {
    if (event.key === "Escape") keep();
  });

  api.wireLogout(document.getElementById("logout"), function (r) {
    api.showMessage(message, "You could not be logged out", api.sentence(r.error.message) + " Try again.");
  });
  loadList().then(function () {
    const id = new URLSearchParams(window.location.search).get("id");
    if (id) open(id, false);
    document.body.dataset.ready = "true";
  });
})();
