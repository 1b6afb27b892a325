#!/usr/bin/env python3
"""Score `sqlgate translate` against a question set by executing SQL.

Usage:
    python3 scripts/score-translate.py --bin target/debug/sqlgate --set tests/translate/dev.jsonl \
        [--show wrong|unanswered|all] [--min-precision 0.95] [--min-coverage 0.0] \
        [--demo-db PATH] [--spider-dir DIR] [--timeout SECONDS] [--json PATH]

A set is JSONL, one object per line: {"db": "<db_id>", "question": "...", "sql": "<gold SQL>"}.
db "demo" is the sample company database of `sqlgate demo` (pass its file with --demo-db); any other
db is a Spider database, <spider-dir>/<db>.sqlite, where spider-dir defaults to ../shared/spider/database
relative to the repository root. Questions of a database that is absent are skipped with a message.

For each database the scorer starts ONE process, `BIN translate --db sqlite:PATH --jsonl`, writes every
question of that database as one JSON string per line, and reads one JSON object per line back:
{"sql": "..."|null, "confidence": "high"|"medium"|"low"|"uncertain", "reasons": [...]}.
A missing line (the process crashed or stopped early), a line that is not such an object, or a process
that exceeds --timeout counts as an answered, wrong question (class "error"); stderr is shown.

Both the gold and the predicted SQL run on the database opened read-only (sqlite3 `file:...?mode=ro`),
with a time limit per statement (10 s; a slower prediction is wrong). Comparison of the result rows:
- Values are normalised: floats rounded to 4 decimals, and an integral number compares equal whatever
  its type (3 == 3.0); strings have leading/trailing whitespace stripped (some Spider databases pad
  values with spaces or newlines, e.g. flight_2, voter_1); NULL stays None. Column order must match
  and column names are ignored (as in Spider's execution accuracy).
- If the gold SQL has a top-level ORDER BY, rows are compared in order; otherwise as multisets.
- The engine's guard injects LIMIT 21 (20 rows shown plus one to know there were more). So when the
  gold result has more than 21 rows and the prediction returned exactly 21:
    ordered gold:   correct iff the first 20 predicted rows equal the first 20 gold rows;
    unordered gold: correct iff the predicted rows are a sub-multiset of the gold rows.
  In every other case the predicted rows must equal the gold rows exactly (in order or as multisets),
  so a prediction must return min(len(gold), 21) rows when gold has more than 21, len(gold) otherwise.
- A predicted SQL that fails to run is wrong.

Printed: per database and overall, asked / answered (sql not null) / correct, precision =
correct/answered, coverage = answered/asked, and the precision for each confidence level.
--show prints question, gold SQL, predicted SQL, confidence and a short diff for the chosen class.
--json writes the same numbers (no question text) to a file.
Exit status: 1 if overall precision < --min-precision or coverage < --min-coverage, 2 on usage
errors, 0 otherwise.
"""
import argparse
import collections
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

CONFIDENCES = ["high", "medium", "low", "uncertain"]
STATEMENT_SECONDS = 10.0
MAX_FETCH = 200_000


# ---------------------------------------------------------------- SQL helpers

def has_top_level_order_by(sql):
    """True if ORDER BY appears outside parentheses and string literals."""
    depth, quote, low, i = 0, None, sql.lower(), 0
    while i < len(low):
        ch = low[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch == "[":
            quote = "]"
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and low.startswith("order", i) and (i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "_")):
            if re.match(r"order\s+by\b", low[i:]):
                return True
        i += 1
    return False


def normalise_value(v):
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return repr(v)
        r = round(v, 4)
        if r == int(r) and abs(r) < 2**63:
            return int(r)
        return r
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bytes):
        return ("bytes", v)
    return v


def normalise_rows(rows):
    return [tuple(normalise_value(v) for v in row) for row in rows]


def execute(db_path, sql):
    """Run sql read-only; return (rows, None) or (None, error message)."""
    try:
        conn = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    except sqlite3.Error as e:
        return None, "cannot open database: %s" % e
    conn.text_factory = lambda b: b.decode("utf-8", "replace")
    deadline = time.monotonic() + STATEMENT_SECONDS
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
    try:
        cur = conn.execute(sql)
        rows = cur.fetchmany(MAX_FETCH)
        return normalise_rows(rows), None
    except sqlite3.OperationalError as e:
        msg = str(e)
        if msg == "interrupted":
            msg = "timed out after %.0f s" % STATEMENT_SECONDS
        return None, msg
    except (sqlite3.Error, ValueError, OverflowError) as e:
        return None, "%s: %s" % (type(e).__name__, e)
    finally:
        conn.close()


def compare(gold_rows, pred_rows, ordered):
    """Return (correct, short reason when wrong)."""
    if gold_rows and pred_rows and len(gold_rows[0]) != len(pred_rows[0]):
        return False, "column count %d, expected %d" % (len(pred_rows[0]), len(gold_rows[0]))
    g, p = gold_rows, pred_rows
    if len(g) > 21 and len(p) == 21:
        if ordered:
            if p[:20] == g[:20]:
                return True, ""
            return False, "first 20 rows differ from gold's first 20 (ordered)"
        extra = collections.Counter(p) - collections.Counter(g)
        if not extra:
            return True, ""
        return False, "rows not in gold: %s" % short(list(extra.elements()))
    if len(p) != len(g):
        return False, "%d rows, expected %d" % (len(p), len(g))
    if ordered:
        if p == g:
            return True, ""
        if collections.Counter(p) == collections.Counter(g):
            return False, "same rows, different order"
        return False, diff_text(g, p)
    if collections.Counter(p) == collections.Counter(g):
        return True, ""
    return False, diff_text(g, p)


def short(x, n=160):
    s = repr(x)
    return s if len(s) <= n else s[: n - 3] + "..."


def diff_text(g, p):
    gc, pc = collections.Counter(g), collections.Counter(p)
    extra = list((pc - gc).elements())[:3]
    missing = list((gc - pc).elements())[:3]
    return "unexpected %s; missing %s" % (short(extra, 120), short(missing, 120))


# ---------------------------------------------------------------- engine

def run_engine(binary, db_url, questions, timeout):
    """Return (list of parsed objects or error strings, stderr text)."""
    payload = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions)
    try:
        proc = subprocess.run(
            [binary, "translate", "--db", db_url, "--jsonl"],
            input=payload.encode("utf-8"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
        )
        out, err, rc = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        out, err, rc = e.stdout or b"", (e.stderr or b"") + b"\n[scorer] timed out", None
    except OSError as e:
        return ["cannot start engine: %s" % e] * len(questions), str(e)
    stderr = err.decode("utf-8", "replace")
    if rc not in (0, None):
        stderr += "\n[scorer] exit status %s" % rc
    lines = out.decode("utf-8", "replace").splitlines()
    results = []
    for i in range(len(questions)):
        if i >= len(lines):
            results.append("no output line (engine stopped early)")
            continue
        try:
            obj = json.loads(lines[i])
        except ValueError:
            results.append("malformed line: %s" % short(lines[i], 120))
            continue
        if not isinstance(obj, dict) or "sql" not in obj or not (obj["sql"] is None or isinstance(obj["sql"], str)):
            results.append("unexpected object: %s" % short(obj, 120))
            continue
        results.append(obj)
    if len(lines) > len(questions):
        stderr += "\n[scorer] %d extra output lines ignored" % (len(lines) - len(questions))
    return results, stderr


# ---------------------------------------------------------------- main

def ratio(a, b):
    return (a / b) if b else None


def fmt(r):
    return "   -  " if r is None else "%5.1f%%" % (100 * r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="path to the sqlgate binary")
    ap.add_argument("--set", required=True, help="question set (JSONL)")
    ap.add_argument("--show", choices=["wrong", "unanswered", "all"], help="print these questions in detail")
    ap.add_argument("--min-precision", type=float, default=0.95)
    ap.add_argument("--min-coverage", type=float, default=0.0)
    ap.add_argument("--demo-db", help="SQLite file of the sqlgate demo sample database (db \"demo\")")
    ap.add_argument("--spider-dir", help="directory of the Spider <db>.sqlite files "
                    "(default: ../shared/spider/database relative to the repository root)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed per engine process (one per db)")
    ap.add_argument("--json", help="also write the summary numbers to this file")
    args = ap.parse_args()

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spider_dir = os.path.abspath(args.spider_dir or os.path.join(repo, "..", "shared", "spider", "database"))
    binary = os.path.abspath(args.bin) if os.sep in args.bin else args.bin

    items = []
    with open(args.set, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                items.append((obj["db"], obj["question"], obj["sql"]))
            except (ValueError, KeyError, TypeError) as e:
                print("%s:%d: bad line (%s)" % (args.set, n, e), file=sys.stderr)
                return 2
    by_db = collections.OrderedDict()
    for db, q, sql in items:
        by_db.setdefault(db, []).append((q, sql))

    per_db = collections.OrderedDict()
    conf_stats = {c: [0, 0] for c in CONFIDENCES}  # answered, correct
    conf_stats["(missing)"] = [0, 0]
    skipped = 0
    shown = 0
    for db, qs in by_db.items():
        if db == "demo":
            if not args.demo_db:
                print("skipping %d questions of db demo: pass --demo-db PATH" % len(qs), file=sys.stderr)
                skipped += len(qs)
                continue
            path = os.path.abspath(args.demo_db)
        else:
            path = os.path.join(spider_dir, db + ".sqlite")
        if not os.path.exists(path):
            print("skipping %d questions of db %s: %s not found" % (len(qs), db, path), file=sys.stderr)
            skipped += len(qs)
            continue
        results, stderr = run_engine(binary, "sqlite:" + path, [q for q, _ in qs], args.timeout)
        stderr_shown = False
        st = per_db[db] = {"asked": 0, "answered": 0, "correct": 0}
        for (question, gold_sql), res in zip(qs, results):
            st["asked"] += 1
            gold_rows, gold_err = execute(path, gold_sql)
            if gold_err:
                print("GOLD SQL FAILS (%s) on %s: %s\n  %s" % (gold_err, db, question, gold_sql), file=sys.stderr)
            if isinstance(res, str):
                cls, conf, pred_sql, why = "wrong", "(missing)", None, "engine: " + res
                correct = False
                st["answered"] += 1
            elif res.get("sql") is None:
                cls, conf, pred_sql, why, correct = "unanswered", res.get("confidence"), None, "", False
            else:
                st["answered"] += 1
                conf = res.get("confidence")
                pred_sql = res["sql"]
                pred_rows, err = execute(path, pred_sql)
                if err:
                    correct, why = False, "predicted SQL fails: " + err
                elif gold_err:
                    correct, why = False, "gold SQL fails: " + gold_err
                else:
                    correct, why = compare(gold_rows, pred_rows, has_top_level_order_by(gold_sql))
                cls = "correct" if correct else "wrong"
            if cls != "unanswered":
                key = conf if conf in conf_stats else "(missing)"
                conf_stats[key][0] += 1
                conf_stats[key][1] += int(correct)
            if correct:
                st["correct"] += 1
            if args.show and (args.show == "all" or args.show == cls):
                shown += 1
                print("--- [%s] %s (%s) confidence=%s" % (cls, db, question, conf))
                print("  gold: %s" % gold_sql)
                print("  pred: %s" % pred_sql)
                if why:
                    print("  diff: %s" % why)
                elif cls == "unanswered" and isinstance(res, dict) and res.get("reasons"):
                    print("  reasons: %s" % short(res.get("reasons"), 300))
                if isinstance(res, str) and stderr.strip() and not stderr_shown:
                    print("  stderr: %s" % stderr.strip()[-2000:])
                    stderr_shown = True
        if any(isinstance(r, str) for r in results) and stderr.strip() and not stderr_shown:
            print("engine stderr for %s:\n%s" % (db, stderr.strip()[-2000:]), file=sys.stderr)

    if args.show:
        print()
    print("%-32s %6s %8s %7s %9s %8s" % ("db", "asked", "answered", "correct", "precision", "coverage"))
    tot = {"asked": 0, "answered": 0, "correct": 0}
    for db, st in per_db.items():
        for k in tot:
            tot[k] += st[k]
        print("%-32s %6d %8d %7d %9s %8s" % (db, st["asked"], st["answered"], st["correct"],
                                               fmt(ratio(st["correct"], st["answered"])),
                                               fmt(ratio(st["answered"], st["asked"]))))
    precision = ratio(tot["correct"], tot["answered"])
    coverage = ratio(tot["answered"], tot["asked"])
    print("%-32s %6d %8d %7d %9s %8s" % ("TOTAL", tot["asked"], tot["answered"], tot["correct"],
                                           fmt(precision), fmt(coverage)))
    if skipped:
        print("(%d questions skipped: database not available)" % skipped)
    print()
    print("%-12s %8s %7s %9s" % ("confidence", "answered", "correct", "precision"))
    for c, (a, k) in conf_stats.items():
        if a or c in CONFIDENCES[:3]:
            print("%-12s %8d %7d %9s" % (c, a, k, fmt(ratio(k, a))))

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"set": os.path.basename(args.set), "total": dict(tot, precision=precision, coverage=coverage),
                       "per_db": per_db, "skipped": skipped,
                       "per_confidence": {c: {"answered": a, "correct": k, "precision": ratio(k, a)}
                                          for c, (a, k) in conf_stats.items() if a}}, f, indent=1)

    failed = []
    if tot["asked"] == 0:
        failed.append("no questions scored")
    # Nothing answered: precision is undefined; only the coverage floor can fail.
    if precision is not None and precision < args.min_precision:
        failed.append("precision %.1f%% < %.1f%%" % (100 * precision, 100 * args.min_precision))
    if (coverage or 0.0) < args.min_coverage:
        failed.append("coverage %.1f%% < %.1f%%" % (100 * (coverage or 0.0), 100 * args.min_coverage))
    if failed:
        print("\nFAIL: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
