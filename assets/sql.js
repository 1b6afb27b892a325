// SQL live edit: pick a connector (GET /api/v1/connectors), browse its schema
// (GET /api/v1/connectors/{id}/schema), write SQL in a textarea that this script highlights, run
// it with Ctrl+Enter or the Run button (POST /api/v1/query), and read the rows, or the guard's
// refusal under the editor with its code, its message and, when the guard gives one, the line and
// column it points at.
//
// The highlighting is an overlay: a <pre> behind the textarea holds the same text as spans made
// with createElement/textContent (never markup), and follows the textarea's scrolling; the
// textarea's own text turns transparent only once the overlay is built, so if this script fails
// the page is a plain textarea. Every value from the server goes into the page as text.
"use strict";

(function () {
  const api = window.sqlgate;
  const el = api.el;
  const results = api.results;
  const picker = document.getElementById("connector");
  const message = document.getElementById("message");
  const form = document.getElementById("sql-form");
  const editor = document.getElementById("editor");
  const sql = document.getElementById("sql");
  const runButton = document.getElementById("run");
  const rejection = document.getElementById("rejection");
  const result = document.getElementById("result");
  const resultBody = document.getElementById("result-body");
  const schemaBody = document.getElementById("schema-body");
  const logout = document.getElementById("logout");
  const saveButton = document.getElementById("save-sql");

  const KEYWORDS = new Set((
    "ALL AND ANY AS ASC BETWEEN BY CASE CAST CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DESC DISTINCT " +
    "ELSE END ESCAPE EXCEPT EXISTS FALSE FETCH FIRST FILTER FOLLOWING FROM FULL GROUP HAVING ILIKE IN INNER " +
    "INTERSECT INTERVAL IS JOIN LATERAL LEFT LIKE LIMIT NATURAL NEXT NOT NULL NULLS OFFSET ON ONLY OR ORDER " +
    "OUTER OVER PARTITION PRECEDING RANGE RECURSIVE RIGHT ROW ROWS SELECT THEN TIES TRUE UNBOUNDED UNION USING " +
    "VALUES WHEN WHERE WINDOW WITH " +
    // Words the guard refuses are highlighted too: they should stand out.
    "ALTER CALL COPY CREATE DELETE DO DROP EXPLAIN GRANT INSERT INTO LOCK MERGE REPLACE REVOKE SET TABLE " +
    "TRUNCATE UPDATE"
  ).split(" "));
  const NUMBER = /[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?|\.[0-9]+([eE][+-]?[0-9]+)?/y;
  const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;
  // sqlparser's position in a syntax error: "… at Line: 2, Column: 26".
  const POSITION = /\bat Line: (\d+), Column: (\d+)/;

  let running = false;
  const connectors = api.connectorPicker({
    picker: picker,
    production: document.getElementById("production"),
    productionText: document.getElementById("production-text"),
    message: message,
    activity: "query",
    care: "Run with care.",
    none: { heading: "There are no connectors yet", text: "An admin adds them; then reload this page." },
    onError: showError,
  });
  let schemaRequest = 0;
  let overlay = null;
  let marker = null;

  // ---- highlighting ----

  // Where the sticky pattern `re` ends when it matches at `at`, or -1.
  function matchAt(re, text, at) {
    re.lastIndex = at;
    return re.test(text) ? re.lastIndex : -1;
  }

  // The text as [kind, text] pieces: keyword, string, number, comment, or plain.
  function tokens(text) {
    const out = [];
    const push = function (kind, piece) {
      const last = out[out.length - 1];
      if (kind === "plain" && last && last[0] === "plain") last[1] += piece;
      else out.push([kind, piece]);
    };
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      const next = text[i + 1];
      let end;
      if (c === "-" && next === "-") {
        end = text.indexOf("\n", i);
        end = end < 0 ? text.length : end;
        push("comment", text.slice(i, end));
      } else if (c === "/" && next === "*") {
        end = text.indexOf("*/", i + 2);
        end = end < 0 ? text.length : end + 2;
        push("comment", text.slice(i, end));
      } else if (c === "'") {
        end = i + 1;
        while (end < text.length) {
          if (text[end] === "'") {
            if (text[end + 1] === "'") { end += 2; continue; }
            end += 1;
            break;
          }
          end += 1;
        }
        end = Math.min(end, text.length);
        push("string", text.slice(i, end));
      } else if (c === "\"" || c === "`") {
        // A quoted name: plain text, but its content must not be read as keywords.
        end = text.indexOf(c, i + 1);
        end = end < 0 ? text.length : end + 1;
        push("plain", text.slice(i, end));
      } else if ((end = matchAt(WORD, text, i)) > i) {
        const word = text.slice(i, end);
        push(KEYWORDS.has(word.toUpperCase()) ? "keyword" : "plain", word);
      } else if ((end = matchAt(NUMBER, text, i)) > i) {
        push("number", text.slice(i, end));
      } else {
        end = i + 1;
        push("plain", c);
      }
      i = end;
    }
    return out;
  }

  function paint() {
    if (!overlay) return;
    try {
      const code = document.createDocumentFragment();
      for (const [kind, piece] of tokens(sql.value)) {
        code.append(kind === "plain" ? document.createTextNode(piece) : el("span", { className: "tok-" + kind, text: piece }));
      }
      // Keeps a last empty line as tall as in the textarea.
      code.append(document.createTextNode("\n "));
      overlay.replaceChildren(code);
      follow();
    } catch (_) {
      plain();
    }
  }

  // Highlighting failed: back to a plain textarea, whose own text shows again.
  function plain() {
    editor.classList.remove("highlighted");
    if (overlay) overlay.remove();
    overlay = null;
  }

  function follow() {
    if (overlay) {
      overlay.scrollTop = sql.scrollTop;
      overlay.scrollLeft = sql.scrollLeft;
    }
    if (marker && !marker.hidden) placeMarker();
  }

  function buildOverlay() {
    try {
      marker = el("div", { className: "line-marker", hidden: true, attrs: { "aria-hidden": "true", "data-role": "line-marker" } });
      overlay = el("pre", { className: "highlight", attrs: { "aria-hidden": "true", "data-role": "highlight" } });
      editor.prepend(marker, overlay);
      paint();
      // Only now does the textarea's own text give way to the overlay (see app.css).
      if (overlay) editor.classList.add("highlighted");
    } catch (_) {
      plain();
    }
  }

  // ---- the guard's refusal ----

  function placeMarker() {
    const style = window.getComputedStyle(sql);
    const lineHeight = parseFloat(style.lineHeight) || 21;
    const top = (parseFloat(style.paddingTop) || 0) + (Number(marker.dataset.line) - 1) * lineHeight - sql.scrollTop;
    marker.style.top = top + "px";
    marker.style.height = lineHeight + "px";
  }

  function clearMarker() {
    if (marker) marker.hidden = true;
  }

  function clearRejection() {
    rejection.replaceChildren();
    rejection.hidden = true;
    clearMarker();
  }

  // The line and column of a refusal, when the guard's message gives them (syntax errors do).
  function positionOf(text) {
    const found = POSITION.exec(text);
    if (!found) return null;
    return { line: parseInt(found[1], 10), column: parseInt(found[2], 10) };
  }

  function showRejection(error, text) {
    rejection.replaceChildren(
      el("p", { className: "notice-heading", text: "The guard refused this query" }),
      el("p", {},
        el("code", { className: "guard-code", text: error.guardCode || "sql_rejected", attrs: { "data-role": "guard-code" } }),
        " ",
        el("span", { text: api.sentence(error.message), attrs: { "data-role": "guard-message" } })));
    const at = positionOf(error.message);
    const lines = text.split("\n");
    if (at && at.line >= 1 && at.line <= lines.length) {
      const line = lines[at.line - 1];
      const column = Math.max(1, Math.min(at.column, line.length + 1));
      // Under the line, a caret at the column (tabs kept, so it lines up).
      const pad = line.slice(0, column - 1).replace(/[^\t]/g, " ");
      rejection.append(
        el("p", { className: "position", text: "Line " + at.line + ", column " + at.column + ":", attrs: { "data-role": "position" } }),
        el("pre", { className: "excerpt", attrs: { "data-role": "excerpt" } }, line + "\n" + pad + "^"));
      if (marker) {
        marker.dataset.line = String(at.line);
        marker.hidden = false;
        placeMarker();
      }
    }
    rejection.append(el("p", { className: "hint", text: "Nothing was sent to the database. Change the query and run it again." }));
    rejection.hidden = false;
  }

  // ---- results ----

  // {heading, text, link} for an API error, in words that say what happened and what to do.
  function explain(r) {
    const common = api.commonError(r, "run the query again");
    if (common) return common;
    const detail = api.sentence(r.error.message);
    const code = r.error.code;
    if (code === "forbidden") return { heading: "SQL live edit is not open to you", text: detail };
    if (code === "database_error") return { heading: "The database could not run the query", text: detail + " Change the query and run it again." };
    if (code === "not_found") return { heading: "That connector is not available", text: detail };
    if (code === "bad_request") return { heading: "The query could not be sent", text: detail };
    if (r.status === 504 || code === "timeout") return { heading: "The query took too long", text: detail + " Ask for less, or try again later." };
    if (r.status === 502 || r.status === 503) return { heading: "The database is not available", text: detail + " Try again later, or tell an admin." };
    return { heading: "The query could not be run", text: detail };
  }

  // An error that concerns the page rather than a run, above the editor.
  function showError(r) {
    const e = explain(r);
    api.showMessage(message, e.heading, e.text, e.link);
  }

  function errorBlock(r) {
    const e = explain(r);
    return el("div", { className: "answer-error result-error", attrs: { "data-role": "error" } },
      el("h3", { text: e.heading }), el("p", { text: e.text }), e.link || null);
  }

  function showResult(data, ms, connector) {
    const count = Number(data.row_count) === 1 ? "1 row" : String(data.row_count) + " rows";
    const parts = [
      el("p", { className: "result-meta", attrs: { "data-role": "meta" } },
        el("span", { text: count, attrs: { "data-role": "row-count" } }), " · ",
        el("span", { text: ms + " ms", attrs: { "data-role": "duration", title: "Measured by this page, from sending to the answer" } }),
        " · " + connector.name),
    ];
    const warnings = Array.isArray(data.warnings) ? data.warnings : [];
    if (warnings.length > 0) {
      const list = el("ul", { className: "warnings", attrs: { "data-role": "warnings" } });
      for (const warning of warnings) list.append(el("li", { text: String(warning) }));
      parts.push(list);
    }
    const notice = results.truncationNotice(data.truncated);
    if (notice) parts.push(notice);
    const table = results.table(data);
    parts.push(table || el("p", { className: "empty", text: "The query returned no columns." }));
    if (typeof data.sql === "string") {
      parts.push(el("details", { className: "sql" },
        el("summary", { text: "SQL as sent (with sqlgate's row limit)" }),
        el("pre", {}, el("code", { text: data.sql, attrs: { "data-role": "sql-sent" } }))));
    }
    resultBody.replaceChildren(...parts);
  }

  async function run() {
    if (running) return;
    const connector = connectors.selected();
    const text = sql.value;
    if (!connector) {
      api.showMessage(message, "Pick a connector first", "Choose the database to run the query on.");
      picker.focus();
      return;
    }
    if (!text.trim()) {
      api.showMessage(message, "Write a query first", "Type a SELECT, then press Ctrl+Enter.");
      sql.focus();
      return;
    }
    api.showMessage(message, null);
    clearRejection();
    running = true;
    setReady(true);
    result.setAttribute("aria-busy", "true");
    resultBody.replaceChildren(el("p", { className: "empty", text: "Running…" }));
    const started = performance.now();
    const r = await api.call("POST", "/api/v1/query", { connector: connector.id, sql: text });
    const ms = Math.round(performance.now() - started);
    if (r.ok) {
      showResult(r.data, ms, connector);
    } else if (r.status === 422 && r.error.code === "sql_rejected") {
      showRejection(r.error, text);
      resultBody.replaceChildren(el("p", { className: "empty", attrs: { "data-role": "no-rows" },
        text: "No rows: the guard refused the query before it reached the database." }));
    } else {
      resultBody.replaceChildren(errorBlock(r));
    }
    result.removeAttribute("aria-busy");
    // How many runs have ended: lets a test (or a person's tools) wait for this one.
    result.dataset.runs = String(Number(result.dataset.runs || "0") + 1);
    running = false;
    setReady(true);
  }

  // ---- the schema browser ----

  function quoteName(name, engine) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase())) return name;
    if (engine === "mysql") return "`" + name.replace(/`/g, "``") + "`";
    return "\"" + name.replace(/"/g, "\"\"") + "\"";
  }

  function insertAtCursor(text) {
    if (sql.disabled) return;
    const start = sql.selectionStart;
    const end = sql.selectionEnd;
    sql.focus();
    sql.setRangeText(text, start, end, "end");
    clearMarker();
    paint();
  }

  function schemaTree(tables, engine) {
    const list = el("ul", { className: "schema-tables", attrs: { "data-role": "schema" } });
    tables.forEach(function (table, i) {
      const name = String(table.name);
      const columns = Array.isArray(table.columns) ? table.columns : [];
      const id = "schema-columns-" + i;
      const inner = el("ul", { className: "schema-columns", id: id, hidden: true });
      for (const column of columns) {
        const columnName = String(column.name);
        inner.append(el("li", {},
          el("button", {
            type: "button",
            className: "schema-name schema-column",
            text: columnName,
            attrs: { "data-insert": quoteName(columnName, engine), "aria-label": "Insert column " + columnName },
          }),
          el("span", { className: "schema-type", text: String(column.type || "") })));
      }
      const toggle = el("button", {
        type: "button",
        className: "schema-toggle",
        attrs: { "aria-expanded": "false", "aria-controls": id, "aria-label": "Show the columns of " + name },
      }, el("span", { className: "chevron", attrs: { "aria-hidden": "true" } }, "▸"));
      toggle.addEventListener("click", function () {
        const open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        toggle.setAttribute("aria-label", (open ? "Hide" : "Show") + " the columns of " + name);
        inner.hidden = !open;
      });
      const row = el("div", { className: "schema-row" }, toggle,
        el("button", {
          type: "button",
          className: "schema-name schema-table-name",
          text: name,
          attrs: { "data-insert": quoteName(name, engine), "aria-label": "Insert table " + name },
        }));
      if (table.kind === "view") row.append(el("span", { className: "schema-type", text: "view" }));
      row.append(el("span", { className: "schema-count", text: columns.length === 1 ? "1 column" : columns.length + " columns" }));
      list.append(el("li", { className: "schema-table", attrs: { "data-table": name } }, row, inner));
    });
    // One listener for every name: the button says what to insert.
    list.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-insert]");
      if (button) insertAtCursor(button.dataset.insert);
    });
    // Arrow keys open and close a table's columns, as in a tree.
    list.addEventListener("keydown", function (event) {
      const row = event.target.closest(".schema-row");
      if (!row || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
      const toggle = row.querySelector(".schema-toggle");
      const open = toggle.getAttribute("aria-expanded") === "true";
      if ((event.key === "ArrowRight") !== open) {
        event.preventDefault();
        toggle.click();
      }
    });
    return list;
  }

  async function loadSchema() {
    const connector = connectors.selected();
    const request = ++schemaRequest;
    if (!connector) {
      schemaBody.replaceChildren();
      return;
    }
    schemaBody.replaceChildren(el("p", { className: "empty", text: "Loading…" }));
    const r = await api.call("GET", "/api/v1/connectors/" + encodeURIComponent(connector.id) + "/schema");
    // A later pick has its own request.
    if (request !== schemaRequest) return;
    if (!r.ok) {
      const e = explain(r);
      schemaBody.replaceChildren(el("div", { className: "answer-error result-error", attrs: { "data-role": "schema-error" } },
        el("p", { className: "notice-heading", text: "The schema could not be read" }), el("p", { text: e.text })));
      return;
    }
    const tables = Array.isArray(r.data.tables) ? r.data.tables : [];
    if (tables.length === 0) {
      schemaBody.replaceChildren(el("p", { className: "empty", text: "This connector exposes no tables." }));
      return;
    }
    schemaBody.replaceChildren(schemaTree(tables, connector.engine));
  }

  // ---- connectors ----

  function setReady(ready) {
    sql.disabled = !ready;
    runButton.disabled = !ready || running;
    saveButton.disabled = !ready;
  }

  async function loadConnectors() {
    if (await connectors.load()) {
      setReady(true);
      loadSchema();
    } else {
      schemaBody.replaceChildren();
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });

  sql.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      run();
    }
  });
  sql.addEventListener("input", function () {
    clearMarker();
    paint();
  });
  sql.addEventListener("scroll", follow);

  picker.addEventListener("change", loadSchema);

  api.save.wireSqlForm({
    form: document.getElementById("save-sql-form"),
    name: document.getElementById("report-name"),
    users: document.getElementById("report-users"),
    button: saveButton,
    error: document.getElementById("save-sql-error"),
    done: document.getElementById("save-sql-done"),
    connector: connectors.selected,
    sql: function () { return sql.value; },
  });

  buildOverlay();
  api.wireLogout(logout, showError);
  loadConnectors().then(function () {
    document.body.dataset.ready = "true";
  });
})();
