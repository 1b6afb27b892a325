// The audit trail (Admin): the filters live in the page's URL (the form is a plain GET to
// /audit), so a filtered view can be linked and reloaded. This script reads them from
// location.search into the form's fields (as values only), fetches one page of records
// (GET /api/v1/admin/audit), shows them as a table with a button per record that opens its full
// detail, pages with Previous/Next, and points "Export CSV" at /api/v1/admin/audit.csv with exactly
// the same filters. Every value from the server or the URL goes into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const el = api.el;
  const FILTERS = ["q", "from", "to", "user", "connector", "kind", "outcome"];
  const LIMIT = 25;
  const form = document.getElementById("audit-filters");
  const message = document.getElementById("message");
  const summary = document.getElementById("summary");
  const body = document.getElementById("records-body");
  const previous = document.getElementById("previous");
  const next = document.getElementById("next");
  const exportLink = document.getElementById("export");
  const detail = document.getElementById("detail");
  const detailBody = document.getElementById("detail-body");
  const detailClose = document.getElementById("detail-close");
  const logout = document.getElementById("logout");
  const datesHelp = document.getElementById("dates-help");

  // The page shown (filters, offset, page size), for Previous and Next; the button that opened
  // the record shown, which gets the focus back when it is closed.
  let current = { filters: new URLSearchParams(), offset: 0, limit: LIMIT };
  let opener = null;

  // The filters of the URL: only the known ones, only non-empty; and the offset.
  function fromUrl() {
    const params = new URLSearchParams(window.location.search);
    const filters = new URLSearchParams();
    for (const name of FILTERS) {
      const value = params.get(name);
      if (value !== null && value.trim() !== "") filters.set(name, value.trim());
    }
    const offset = parseInt(params.get("offset") || "0", 10);
    return { filters: filters, offset: Number.isFinite(offset) && offset > 0 ? offset : 0 };
  }

  function fillForm(filters) {
    const exact = [];
    for (const name of FILTERS) {
      const field = form.elements.namedItem(name);
      const value = filters.get(name) || "";
      if (!field) continue;
      if (field.tagName === "SELECT" && value && !Array.from(field.options).some(function (o) { return o.value === value; })) {
        // A kind the list does not name (the API takes any): offered as itself, as text.
        field.append(el("option", { value: value, text: value }));
      }
      field.value = value;
      if (field.type === "date" && value && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
        // An exact time (a dashboard signal's link): the field shows its day, the hint the time.
        exact.push(name + " " + value);
        field.value = value.slice(0, 10);
      }
    }
    if (exact.length > 0) {
      datesHelp.textContent = "Whole days, UTC. This view is bounded by exact times from a link (" + exact.join(", ") +
        "); Apply uses whole days.";
    }
  }

  function pageUrl(filters, offset) {
    const params = new URLSearchParams(filters);
    if (offset > 0) params.set("offset", String(offset));
    const query = params.toString();
    return "/audit" + (query ? "?" + query : "");
  }

  function short(text, max) {
    const value = String(text);
    return value.length > max ? value.slice(0, max - 1) + "…" : value;
  }

  function when(at) {
    return String(at || "").replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  function cell(value, className) {
    const td = el("td", { text: value === null || value === undefined || value === "" ? "—" : String(value) });
    if (className) td.className = className;
    return td;
  }

  function explain(result) {
    const common = api.commonError(result, "apply the filters again");
    if (common) return common;
    const detailText = api.sentence(result.error.message);
    if (result.status === 400) return { heading: "A filter is not valid", text: detailText + " Correct it and apply again." };
    if (result.status === 403) return { heading: "Not allowed", text: detailText };
    return { heading: "The audit trail could not be read", text: detailText + " Try again." };
  }

  function field(list, name, value) {
    list.append(el("dt", { text: name }), el("dd", { text: value === null || value === undefined || value === "" ? "—" : String(value) }));
  }

  function showDetail(record, button) {
    detailBody.replaceChildren();
    const list = el("dl", { className: "record-fields" });
    field(list, "Sequence", record.seq);
    field(list, "Time", record.at);
    field(list, "Kind", record.kind);
    field(list, "Outcome", record.outcome);
    field(list, "User", record.username);
    field(list, "Role", record.role);
    field(list, "Connector", record.connector);
    field(list, "Code", record.code);
    field(list, "Tables", Array.isArray(record.tables) ? record.tables.join(", ") : "");
    field(list, "Rows", record.row_count);
    field(list, "Truncated", record.truncated === null || record.truncated === undefined ? "" : (record.truncated ? "yes" : "no"));
    field(list, "Duration (ms)", record.duration_ms);
    field(list, "Address", record.ip);
    detailBody.append(list);
    detailBody.append(el("h3", { text: "Question" }), el("pre", { className: "record-text", text: record.question || "—", attrs: { "data-role": "question" } }));
    detailBody.append(el("h3", { text: "SQL" }), el("pre", { className: "record-text", text: record.sql || "—", attrs: { "data-role": "sql" } }));
    let pretty;
    try {
      pretty = JSON.stringify(record.detail === undefined ? null : record.detail, null, 2);
    } catch (_) {
      pretty = String(record.detail);
    }
    detailBody.append(el("h3", { text: "Detail" }), el("pre", { className: "record-text", text: pretty, attrs: { "data-role": "detail" } }));
    const hashes = el("dl", { className: "record-fields hashes" });
    field(hashes, "Hash", record.hash);
    field(hashes, "Previous hash", record.prev_hash);
    detailBody.append(hashes);
    detail.dataset.seq = String(record.seq);
    detail.hidden = false;
    opener = button;
    detail.focus();
  }

  function closeDetail() {
    detail.hidden = true;
    delete detail.dataset.seq;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  }

  function table(records) {
    const head = el("tr", {});
    for (const name of ["Time", "User", "Role", "Kind", "Outcome", "Connector", "Question or SQL", "Rows", "Record"]) {
      head.append(el("th", { text: name, attrs: { scope: "col" } }));
    }
    const rows = el("tbody", {});
    for (const record of records) {
      const text = record.question || record.sql || "";
      const open = el("button", { type: "button", className: "secondary open-record", text: "Open",
        attrs: { "aria-label": "Open record " + record.seq, "data-seq": String(record.seq) } });
      open.addEventListener("click", function () { showDetail(record, open); });
      const tr = el("tr", { attrs: { "data-seq": String(record.seq) } },
        cell(when(record.at)), cell(record.username), cell(record.role), cell(record.kind), cell(record.outcome),
        cell(record.connector), cell(short(text, 80), "record-text-cell"), cell(record.row_count, "num"),
        el("td", {}, open));
      rows.append(tr);
    }
    const count = records.length === 1 ? "1 record" : records.length + " records";
    const t = el("table", {}, el("caption", { className: "visually-hidden", text: count }), el("thead", {}, head), rows);
    return el("div", { className: "table-wrap", tabIndex: 0, attrs: { role: "region", "aria-label": "Audit records" } }, t);
  }

  async function load() {
    const state = fromUrl();
    fillForm(state.filters);
    const csv = state.filters.toString();
    exportLink.href = "/api/v1/admin/audit.csv" + (csv ? "?" + csv : "");
    const params = new URLSearchParams(state.filters);
    params.set("offset", String(state.offset));
    params.set("limit", String(LIMIT));
    const result = await api.call("GET", "/api/v1/admin/audit?" + params.toString());
    if (!result.ok) {
      const why = explain(result);
      api.showMessage(message, why.heading, why.text, why.link);
      body.replaceChildren(el("p", { className: "empty", text: "No records are shown." }));
      summary.textContent = "";
      return;
    }
    api.showMessage(message, null);
    const data = result.data;
    const records = Array.isArray(data.records) ? data.records : [];
    const total = Number(data.total) || 0;
    const offset = Number(data.offset) || 0;
    const limit = Number(data.limit) || LIMIT;
    body.replaceChildren(records.length > 0 ? table(records)
      : el("p", { className: "empty", text: "No records match these filters.", attrs: { "data-role": "no-records" } }));
    summary.textContent = records.length > 0
      ? "Records " + (offset + 1) + "–" + (offset + records.length) + " of " + total + ", newest first."
      : (total > 0 ? "No records on this page; " + total + " match." : "0 records.");
    const section = document.getElementById("records");
    section.dataset.total = String(total);
    previous.disabled = offset <= 0;
    next.disabled = offset + records.length >= total;
    current = { filters: state.filters, offset: offset, limit: limit };
  }

  previous.addEventListener("click", function () {
    window.location.assign(pageUrl(current.filters, Math.max(0, current.offset - current.limit)));
  });
  next.addEventListener("click", function () {
    window.location.assign(pageUrl(current.filters, current.offset + current.limit));
  });
  detailClose.addEventListener("click", closeDetail);
  // Escape in the record closes it, like its Close button.
  detail.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      closeDetail();
    }
  });

  // Apply: only the filled fields go into the URL (the browser would send empty ones too).
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const filters = new URLSearchParams();
    for (const name of FILTERS) {
      const f = form.elements.namedItem(name);
      if (f && f.value.trim() !== "") filters.set(name, f.value.trim());
    }
    window.location.assign(pageUrl(filters, 0));
  });

  api.wireLogout(logout, function (result) {
    const why = explain(result);
    api.showMessage(message, why.heading, why.text, why.link);
  });

  load().finally(function () {
    document.getElementById("records").dataset.loaded = "true";
    document.body.dataset.ready = "true";
  });
})();
