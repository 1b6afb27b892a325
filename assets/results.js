// Query results as the pages show them: a table of text cells (numbers right-aligned, null in
// italics, a wide result scrolling inside its own box) and the notice that says what was cut.
// Shared by the chat's answer cards and SQL live edit. Every cell goes in as text.
"use strict";

(function () {
  const el = window.sqlgate.el;

  // A cell as text: strings as they are, numbers as the server wrote them, null as "null".
  function cellText(value) {
    if (value === null || value === undefined) return "null";
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return JSON.stringify(value);
  }

  function truncationNotice(t) {
    if (!t) return null;
    const parts = [];
    if (t.reason === "rows") {
      parts.push("Showing the first " + t.rows_returned + " rows: the result has more than an answer may hold.");
    } else if (t.reason === "bytes") {
      parts.push("Showing " + t.rows_returned + " rows: the rest did not fit the answer's size limit" +
        (t.more_rows ? ", and the result has more." : "."));
    } else {
      parts.push("Every row is shown, but some values were shortened.");
    }
    if (t.cells_truncated > 0) {
      parts.push(t.cells_truncated + (t.cells_truncated === 1 ? " long value was" : " long values were") +
        " shortened; each ends in …[cut].");
    }
    return el("p", { className: "truncation", attrs: { "data-role": "truncation" } }, "Not everything is shown. " + parts.join(" "));
  }

  function table(data) {
    const columns = Array.isArray(data.columns) ? data.columns : [];
    const rows = Array.isArray(data.rows) ? data.rows : [];
    if (columns.length === 0) return null;
    const numeric = rows.length > 0 ? columns.map(function (_, i) {
      return rows.every(function (r) { return r[i] === null || typeof r[i] === "number"; });
    }) : columns.map(function () { return false; });
    const head = el("tr", {});
    columns.forEach(function (column, i) {
      head.append(el("th", { text: String(column.name), className: numeric[i] ? "num" : "", attrs: { scope: "col" } }));
    });
    const body = el("tbody", {});
    for (const row of rows) {
      const tr = el("tr", {});
      columns.forEach(function (_, i) {
        const value = row[i];
        const td = el("td", { text: cellText(value) });
        if (value === null || value === undefined) td.className = "null";
        else if (numeric[i]) td.className = "num";
        tr.append(td);
      });
      body.append(tr);
    }
    const count = rows.length === 1 ? "1 row" : rows.length + " rows";
    const table = el("table", {}, el("caption", { text: count }), el("thead", {}, head), body);
    return el("div", { className: "table-wrap", tabIndex: 0, attrs: { role: "region", "aria-label": "Result: " + count } }, table);
  }

  window.sqlgate.results = { cellText: cellText, truncationNotice: truncationNotice, table: table };
})();
