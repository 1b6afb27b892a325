// The chat page: pick a granted connector (GET /api/v1/connectors), ask (POST /api/v1/ask), and
// read each answer as a card: the summary, the confidence and its reasons, a chart when the rows
// can be drawn, the rows with a notice when anything was cut, and the SQL only when the answer
// holds it (Members never receive it).
// Every value from the server goes into the page as text. The conversation is kept for this
// session in this tab (sessionStorage, per user, the last MAX_TURNS turns): a reload shows it again;
// closing the tab, logging out, opening the login page or "Clear the conversation" removes it.
"use strict";

(function () {
  const api = window.sqlgate;
  const el = api.el;
  const results = api.results;
  const picker = document.getElementById("connector");
  const message = document.getElementById("message");
  const history = document.getElementById("history");
  const empty = document.getElementById("empty");
  const form = document.getElementById("ask-form");
  const question = document.getElementById("question");
  const askButton = document.getElementById("ask-button");
  const logout = document.getElementById("logout");

  const CONFIDENCE = { high: "High", medium: "Medium", low: "Low", uncertain: "Uncertain" };
  const MAX_TURNS = 50;
  const clearButton = document.getElementById("clear-conversation");
  const userName = document.getElementById("username");
  const storageKey = api.kept + "chat." + (userName ? userName.textContent : "");
  let turns = [];
  let asking = false;
  const connectors = api.connectorPicker({
    picker: picker,
    production: document.getElementById("production"),
    productionText: document.getElementById("production-text"),
    message: message,
    activity: "question",
    care: "Ask with care.",
    none: { heading: "You have no connectors yet", text: "Ask an admin to grant you one, then reload this page." },
    onError: showPageError,
  });

  function sessionEnded() {
    return el("p", {}, el("a", { href: "/login?notice=session_ended", text: "Log in again" }));
  }

  // {heading, text, link} for an API error, in words that say what happened and what to do.
  function explain(result) {
    const common = api.commonError(result, "ask again");
    if (common) return common;
    const detail = api.sentence(result.error.message);
    const code = result.error.code;
    if (code === "spend_limit_reached") {
      let when = "";
      if (result.retryAfter !== null) {
        const at = new Date(Date.now() + result.retryAfter * 1000);
        when = " You can ask again from " + at.toLocaleDateString(undefined, { dateStyle: "long" }) + ".";
      }
      return { heading: "Your monthly spend limit is reached", text: detail + when + " An admin can raise the limit." };
    }
    if (code === "sql_rejected") {
      return { heading: "The SQL was refused by the guard", text: detail + " Rephrase the question and try again." };
    }
    if (code === "database_error") {
      return { heading: "The database could not run the query", text: detail + " Rephrase the question and try again." };
    }
    if (code === "not_found") {
      return { heading: "That connector is not available to you", text: detail };
    }
    if (code.indexOf("llm_") === 0) {
      return { heading: "The language model is not available", text: detail + " Try again in a moment." };
    }
    if (result.status === 504 || code === "timeout") {
      return { heading: "The query took too long", text: detail + " Ask for less, or try again later." };
    }
    if (result.status === 502 || result.status === 503) {
      return { heading: "The database is not available", text: detail + " Try again later, or tell an admin." };
    }
    return { heading: "The question could not be answered", text: detail };
  }

  function showPageError(result) {
    const e = explain(result);
    api.showMessage(message, e.heading, e.text, e.link);
  }

  function setReady(ready) {
    question.disabled = !ready;
    askButton.disabled = !ready || asking;
  }

  async function loadConnectors() {
    if (await connectors.load()) setReady(true);
  }

  function answerCard(data, connectorName) {
    const level = CONFIDENCE[data.confidence] ? data.confidence : "uncertain";
    const badge = el("span", {
      className: "badge badge-" + level,
      text: CONFIDENCE[level],
      attrs: { "data-role": "confidence", title: "Confidence: " + CONFIDENCE[level] },
    });
    const head = el("div", { className: "answer-head" },
      el("span", { className: "answer-connector", text: connectorName }),
      el("span", {}, el("span", { className: "visually-hidden", text: "Confidence: " }), badge));
    const card = el("article", { className: "card answer", attrs: { "data-role": "answer" } }, head,
      el("p", { className: "answer-summary", text: String(data.answer || ""), attrs: { "data-role": "summary" } }));
    const reasons = Array.isArray(data.reasons) ? data.reasons : [];
    if (reasons.length > 0) {
      const list = el("ul", { className: "reasons", attrs: { "data-role": "reasons" } });
      for (const reason of reasons) list.append(el("li", { text: String(reason) }));
      card.append(el("p", { className: "section-label", text: "Why " + CONFIDENCE[level].toLowerCase() + " confidence" }), list);
    }
    const warnings = Array.isArray(data.warnings) ? data.warnings : [];
    if (warnings.length > 0) {
      const list = el("ul", { className: "warnings", attrs: { "data-role": "warnings" } });
      for (const warning of warnings) list.append(el("li", { text: String(warning) }));
      card.append(list);
    }
    const notice = results.truncationNotice(data.truncated);
    if (notice) card.append(notice);
    const chart = chartFigure(data.chart);
    if (chart) card.append(chart);
    const table = results.table(data);
    if (table) card.append(table);
    // Only an answer that carries SQL shows it; Members' answers have no `sql` key at all.
    if (Object.prototype.hasOwnProperty.call(data, "sql") && typeof data.sql === "string") {
      card.append(el("details", { className: "sql", open: true },
        el("summary", { text: "SQL" }),
        el("pre", {}, el("code", { text: data.sql, attrs: { "data-role": "sql" } }))));
    }
    // Analysts and up may save an answer that ran SQL as a report.
    const save = api.save.answerForm(data);
    if (save) card.append(save);
    return card;
  }

  // The answer's chart (an SVG the server drew, asked for with "chart": true) as an image: an SVG
  // in <img> runs no script, and its data: URL is the only way the page's policy lets it in.
  function chartFigure(chart) {
    if (!chart || typeof chart.svg !== "string" || chart.svg.indexOf("<svg") !== 0) return null;
    const bytes = new TextEncoder().encode(chart.svg);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    const img = el("img", { src: "data:image/svg+xml;base64," + btoa(binary), alt: String(chart.alt || "Chart of the rows"),
      attrs: { "data-role": "chart", width: "720", height: "320" } });
    return el("figure", { className: "answer-chart" }, img);
  }

  function errorCard(result) {
    const e = explain(result);
    return el("article", { className: "card answer answer-error", attrs: { "data-role": "error" } },
      el("h3", { text: e.heading }), el("p", { text: e.text }), e.link || null);
  }

  // The turns kept for this session, oldest first; [] when there are none or storage is off.
  function keptTurns() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(storageKey) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch (_) {
      return [];
    }
  }

  function keep() {
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(turns.slice(-MAX_TURNS)));
    } catch (_) {
      // Storage full or turned off: the conversation still stays in the page.
    }
  }

  function turnItem(connectorName, text) {
    return el("li", { className: "turn" },
      el("p", { className: "turn-question" }, el("span", { className: "meta", text: "You · " + connectorName }), text));
  }

  function resultCard(turn) {
    return turn.result.ok ? answerCard(turn.result.data, turn.connector) : errorCard(turn.result);
  }

  function showKept() {
    turns = keptTurns().filter(function (t) {
      return t && typeof t.question === "string" && typeof t.connector === "string" && t.result && typeof t.result === "object";
    });
    for (const turn of turns) {
      const item = turnItem(turn.connector, turn.question);
      item.append(resultCard(turn));
      history.append(item);
    }
    empty.hidden = turns.length > 0;
    clearButton.hidden = turns.length === 0;
  }

  function clearConversation() {
    turns = [];
    keep();
    history.replaceChildren();
    empty.hidden = false;
    clearButton.hidden = true;
    question.focus();
  }

  async function ask() {
    const connector = connectors.selected();
    const text = question.value.trim();
    if (!connector) {
      api.showMessage(message, "Pick a connector first", "Choose the database your question is about.");
      picker.focus();
      return;
    }
    if (!text) {
      api.showMessage(message, "Write a question first", "Ask something about the connector's data.");
      question.focus();
      return;
    }
    api.showMessage(message, null);
    empty.hidden = true;
    asking = true;
    setReady(true);
    const turn = turnItem(connector.name, text);
    const pending = el("article", { className: "card answer answer-loading", attrs: { "aria-busy": "true" } }, "Asking…");
    turn.append(pending);
    history.append(turn);
    question.value = "";
    // The page draws answers' charts: it asks for them (API clients that do not, get none).
    const result = await api.call("POST", "/api/v1/ask", { connector: connector.id, question: text, chart: true });
    const kept = { connector: connector.name, question: text, result: result };
    pending.replaceWith(resultCard(kept));
    // An ended session's answer is not kept: the next page is the login, which forgets it all.
    if (result.status !== 401) {
      turns.push(kept);
      keep();
      clearButton.hidden = false;
    }
    asking = false;
    setReady(true);
    turn.scrollIntoView({ block: "nearest" });
    question.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!asking) ask();
  });

  question.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!asking) ask();
    }
  });

  clearButton.addEventListener("click", clearConversation);
  showKept();
  api.wireLogout(logout, showPageError);
  loadConnectors().then(function () {
    document.body.dataset.ready = "true";
  });
})();
