#!/usr/bin/env bash
# Latency of `sqlgate translate`: the start-up (schema read and value sampling) once, then the
# time per question, as (time for N questions - time for none) / N, on one database.
# Usage: scripts/bench-translate.sh BIN sqlite:PATH [QUESTIONS.jsonl] [REPEAT]
set -euo pipefail
bin=$1 db=$2 questions=${3:-} repeat=${4:-50}
python3 - "$bin" "$db" "$questions" "$repeat" <<'PY'
import json, subprocess, sys, time, statistics
bin, db, qfile, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if qfile:
    qs = [json.loads(l)["question"] for l in open(qfile) if l.strip()]
else:
    qs = ["How many customers are in the Enterprise segment?", "Average unit price per category",
          "Which region has the most customers?", "Top 5 products by unit price",
          "How many orders have order date in 2023?", "Which customers are most loyal?"]
def run(lines):
    t = time.perf_counter()
    subprocess.run([bin, "translate", "--db", db, "--jsonl"], input=lines, capture_output=True, text=True, check=True)
    return time.perf_counter() - t
empty = statistics.median(run("") for _ in range(5))
batch = "".join(json.dumps(q) + "\n" for q in qs) * repeat
full = statistics.median(run(batch) for _ in range(3))
n = len(qs) * repeat
print(f"{db}: start-up (schema + sampling) {empty*1000:.1f} ms; {n} questions; "
      f"{(full-empty)/n*1e6:.0f} µs per question")
PY
