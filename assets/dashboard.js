// The GRC dashboard (Admin): the days come from the page's URL (/dashboard?from=…&to=…, a plain
// GET form), the numbers from GET /api/v1/admin/dashboard, the two charts are images the server
// draws for the same days (/dashboard/questions.svg, /dashboard/rejections.svg), each beside a
// table of the numbers they show. Risk signals are a list of text and links to the audit trail.
// Every value from the server or the URL goes into the page as text or as a field's value.
"use strict";

(function () {
  const api = window.sqlgate;
  const el = api.el;
  const form = document.getElementById("range-form");
  const from = document.getElementById("from");
  const to = document.getElementById("to");
  const message = document.getElementById("message");
  const summary = document.getElementById("range-summary");
  const incomplete = document.getElementById("incomplete");
  const signalsBody = document.getElementById("signals-body");
  const workingHours = document.getElementById("working-hours");
  const questionsChart = document.getElementById("questions-chart");
  const rejectionsChart = document.getElementById("rejections-chart");
  const questionsTable = document.getElementById("questions-table");
  const rejectionsTable = document.getElementById("rejections-table");
  const logout = document.getElementById("logout");
  const SEVERITY = { high: "High", medium: "Medium", low: "Low" };
  const DATE = /^\d{4}-\d{2}-\d{2}$/;

  // The days of the URL: only well-formed dates go to the API (it checks them again).
  function fromUrl() {
    const params = new URLSearchParams(window.location.search);
    const range = new URLSearchParams();
    for (const name of ["from", "to"]) {
      const value = (params.get(name) || "").trim();
      if (value) range.set(name, value);
    }
    return range;
  }

  function explain(result) {
    const common = api.commonError(result, "show the dashboard again");
    if (common) return common;
    const text = api.sentence(result.error.message);
    if (result.status === 400) return { heading: "These dates cannot be shown", text: text + " Change them and show again." };
    if (result.status === 403) return { heading: "Not allowed", text: text };
    return { heading: "The dashboard could not be read", text: text + " Try again." };
  }

  function numbersTable(caption, headings, rows, role) {
    const head = el("tr", {});
    headings.forEach(function (name, i) {
      head.append(el("th", { text: name, className: i === 1 ? "num" : "", attrs: { scope: "col" } }));
    });
    const body = el("tbody", {});
    for (const row of rows) {
      body.append(el("tr", {}, el("td", { text: String(row[0]) }), el("td", { className: "num", text: String(row[1]) })));
    }
    const table = el("table", { attrs: { "data-role": role } }, el("caption", { text: caption }), el("thead", {}, head), body);
    return el("div", { className: "table-wrap", tabIndex: 0, attrs: { role: "region", "aria-label": caption } }, table);
  }

  function signalList(signals, notListed) {
    if (signals.length === 0) {
      return el("p", { className: "empty", text: "No risk signals in these days.", attrs: { "data-role": "no-signals" } });
    }
    const list = el("ul", { className: "signal-list" });
    for (const s of signals) {
      const level = SEVERITY[s.severity] ? s.severity : "low";
      const count = Number(s.records) || 0;
      const linkText = count > 0 ? "Show the " + (count === 1 ? "record" : count + " records") : "Show the records";
      list.append(el("li", { className: "signal signal-" + level, attrs: { "data-kind": String(s.kind) } },
        el("span", { className: "severity severity-" + level, text: SEVERITY[level], attrs: { "data-role": "severity" } }),
        el("span", { className: "signal-text", text: String(s.text), attrs: { "data-role": "text" } }),
        el("a", { className: "signal-link", href: String(s.link), text: linkText, attrs: { "data-role": "link" } })));
    }
    const box = el("div", {}, list);
    if (notListed > 0) box.append(el("p", { className: "hint", text: notListed + " more signals are not listed; narrow the days to see them." }));
    return box;
  }

  // Shows a chart image for the answered days; its alt text names what it shows, and says the
  // numbers are in the table beside it.
  function showChart(img, path, range, alt) {
    img.alt = alt;
    img.src = path + "?" + range.toString();
    img.hidden = false;
  }

  async function load() {
    const range = fromUrl();
    from.value = range.get("from") || "";
    to.value = range.get("to") || "";
    const query = range.toString();
    const result = await api.call("GET", "/api/v1/admin/dashboard" + (query ? "?" + query : ""));
    if (!result.ok) {
      const why = explain(result);
      api.showMessage(message, why.heading, why.text, why.link);
      signalsBody.replaceChildren(el("p", { className: "empty", text: "Nothing is shown." }));
      return;
    }
    api.showMessage(message, null);
    const d = result.data;
    // The days answered (the defaults filled in) are the days of the charts too.
    const answered = new URLSearchParams({ from: String(d.from), to: String(d.to) });
    if (!from.value && DATE.test(String(d.from))) from.value = String(d.from);
    if (!to.value && DATE.test(String(d.to))) to.value = String(d.to);
    summary.textContent = String(d.from) + " to " + String(d.to) + " (UTC): " + d.questions + " questions, " +
      d.rejections + " guard rejections, " + d.records_in_range + " audit records.";
    if (d.complete === false && d.notice) {
      api.showMessage(incomplete, "Not every record was read", String(d.notice));
    } else {
      api.showMessage(incomplete, null);
    }
    workingHours.textContent = String(d.working_hours);
    const signals = Array.isArray(d.signals) ? d.signals : [];
    signalsBody.replaceChildren(signalList(signals, Number(d.signals_not_listed) || 0));

    const days = Array.isArray(d.questions_per_day) ? d.questions_per_day : [];
    showChart(questionsChart, "/dashboard/questions.svg", answered,
      "Bar chart of questions per day from " + d.from + " to " + d.to + "; the numbers are in the table below it.");
    questionsTable.replaceChildren(numbersTable("Questions per day", ["Day", "Questions"],
      days.map(function (x) { return [x.day, x.count]; }), "questions-table"));
    const codes = Array.isArray(d.rejections_by_code) ? d.rejections_by_code : [];
    if (codes.length > 0) {
      // The chart's own height: 30 pixels a bar, at most 20 bars and one for the rest.
      rejectionsChart.height = 90 + 30 * Math.min(codes.length, 21);
      showChart(rejectionsChart, "/dashboard/rejections.svg", answered,
        "Bar chart of guard rejections by code from " + d.from + " to " + d.to + "; the numbers are in the table below it.");
      rejectionsTable.replaceChildren(numbersTable("Guard rejections by code", ["Code", "Rejections"],
        codes.map(function (x) { return [x.code, x.count]; }), "rejections-table"));
    } else {
      rejectionsChart.hidden = true;
      rejectionsTable.replaceChildren(el("p", { className: "empty", text: "The guard refused nothing in these days.", attrs: { "data-role": "no-rejections" } }));
    }
  }

  // Show: only the filled dates go into the URL.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const range = new URLSearchParams();
    if (from.value) range.set("from", from.value);
    if (to.value) range.set("to", to.value);
    const query = range.toString();
    window.location.assign("/dashboard" + (query ? "?" + query : ""));
  });

  api.wireLogout(logout, function (result) {
    const why = explain(result);
    api.showMessage(message, why.heading, why.text, why.link);
  });

  load().finally(function () {
    document.getElementById("signals").dataset.loaded = "true";
    document.body.dataset.ready = "true";
  });
})();
