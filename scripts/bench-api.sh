#!/usr/bin/env bash
# Request latency of POST /api/v1/query against `sqlgate query --db` for a small query (one row by
# primary key from a 1,000,000-row PostgreSQL table), and of POST /api/v1/ask with the offline
# engine (a count over a 6-row table), on loopback. Needs the local PostgreSQL, wrk
# and hyperfine (apt-get install wrk hyperfine) and a release build:
#   cargo build --release && scripts/bench-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/target/release/sqlgate
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v wrk >/dev/null && command -v hyperfine >/dev/null || { echo "needs wrk and hyperfine" >&2; exit 2; }
psql() { command psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
db=sqlgate_bench_api
[ "$(psql -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 1 ] || {
  psql -d postgres -c "CREATE DATABASE $db"
  psql -d $db -c "CREATE TABLE big (id int PRIMARY KEY, name text, amount numeric);
    INSERT INTO big SELECT g, md5(g::text), g * 0.5 FROM generate_series(1, 1000000) g; ANALYZE big"
}
psql -d $db -c "CREATE TABLE IF NOT EXISTS regions (id int PRIMARY KEY, name text NOT NULL, manager text);
  INSERT INTO regions VALUES (1, 'North', 'Ada'), (2, 'South', 'Bob'), (3, 'East', 'Cy'), (4, 'West', 'Di'),
    (5, 'Central', 'Ed'), (6, 'Islands', 'Flo') ON CONFLICT DO NOTHING"
url="postgres://postgres@127.0.0.1:5432/$db?allow_superuser=true"
sql="SELECT id, name, amount FROM big WHERE id = 424242"

echo "== sqlgate query --db (a process per query: start, connect, privilege report, query)"
hyperfine -N --warmup 3 --runs 30 "$bin query --db $url '$sql'" 2>&1 | grep -E "Time|Range"

work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
export SQLGATE_MASTER_KEY=$(head -c 32 /dev/urandom | base64) SQLGATE_STORE_PATH=$work/store.db
export SQLGATE_LIMITS_USER_PER_MINUTE=0 SQLGATE_LIMITS_IP_PER_MINUTE=0 SQLGATE_LOG_LEVEL=warn
echo "Bench-admin-pass-1" | "$bin" users add boss --role admin --password-stdin >/dev/null
SQLGATE_SERVER_BIND=127.0.0.1:18181 "$bin" serve 2>"$work/log" & server=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:18181
csrf=$(curl -s -c "$work/jar" -H 'content-type: application/json' -d '{"username":"boss","password":"Bench-admin-pass-1"}' $base/api/v1/login | sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')
curl -s -b "$work/jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
  -d "{\"name\":\"bench\",\"url\":\"$url\"}" $base/api/v1/admin/connectors >/dev/null
key=$(curl -s -b "$work/jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' -d '{"name":"bench"}' \
  $base/api/v1/apikeys | sed 's/.*"key":"\([^"]*\)".*/\1/')
# bench PATH BODY LABEL: one request shown, then wrk at 1 and 8 connections for 10 s each.
bench() {
  local path=$1 body=$2 label=$3
  printf 'wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "Bearer %s"\nwrk.body = [[%s]]\n' \
    "$key" "$body" > "$work/post.lua"
  curl -s -H "authorization: Bearer $key" -H 'content-type: application/json' -d "$body" "$base$path"; echo
  for c in 1 8; do
    echo "== POST $path, $c connection(s), 10 s ($label)"
    wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d10s --latency -s "$work/post.lua" "$base$path" | grep -E "50%|90%|99%|Requests/sec|Non-2xx"
  done
}
bench /api/v1/query "{\"connector\":\"bench\",\"sql\":\"$sql\"}" "every answer is audited first"
question="{\"connector\":\"bench\",\"question\":\"How many regions have the manager Ada?\"}"
echo "== POST /api/v1/ask, the first question (reads the schema and samples values)"
curl -s -o /dev/null -w '%{time_total} s\n' -H "authorization: Bearer $key" -H 'content-type: application/json' \
  -d "$question" $base/api/v1/ask
bench /api/v1/ask "$question" "offline engine, the question's SQL cached"
echo "== GET /healthz, 1 connection (the HTTP stack alone)"
wrk -t1 -c1 -d5s --latency $base/healthz | grep -E "50%|99%|Requests/sec"
