#!/usr/bin/env bash
# Peak RSS of `sqlgate query --db postgres://… "SELECT * FROM t"` as the table grows.
# Needs the local PostgreSQL (user postgres, trust auth) and a release build:
#   cargo build --release && scripts/bench-rss.sh
# Creates the database sqlgate_rss with tables of 100k, 1M and 4M rows (kept for later runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/sqlgate
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
psql() { command psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
[ "$(psql -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'sqlgate_rss'")" = 1 ] \
  || psql -d postgres -c "CREATE DATABASE sqlgate_rss"
for rows in 100000 1000000 4000000; do
  table="t_$rows"
  if [ "$(psql -d sqlgate_rss -c "SELECT count(*) FROM pg_class WHERE relname = '$table'")" = 0 ]; then
    psql -d sqlgate_rss -c "CREATE TABLE $table AS SELECT g AS id, md5(g::text) AS name, g * 0.5 AS amount,
      now() AS at, repeat('x', 200) AS padding FROM generate_series(1, $rows) g; ANALYZE $table"
  fi
  url="postgres://postgres@127.0.0.1:5432/sqlgate_rss"
  for i in 1 2 3; do
    /usr/bin/time -f "%M %e" -o /tmp/sqlgate-rss.$$ "$bin" query --db "$url" "SELECT * FROM $table" > /tmp/sqlgate-rss-out.$$
    read -r kib secs < /tmp/sqlgate-rss.$$
    echo "rows=$rows run=$i peak_rss_kib=$kib wall_s=$secs answer_rows=$(grep -o '"row_count":[0-9]*' /tmp/sqlgate-rss-out.$$)"
  done
done
rm -f /tmp/sqlgate-rss.$$ /tmp/sqlgate-rss-out.$$
