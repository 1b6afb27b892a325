#!/usr/bin/env bash
# Starts (once) a second, TLS-enabled MariaDB on 127.0.0.1:3307 for the MySQL TLS tests: the
# machine's own MariaDB on 3306 has TLS off and is left as it is. Uses the machine's snakeoil
# certificate (CN=localhost, its own CA). Idempotent and safe to call from parallel tests.
set -euo pipefail
dir=/tmp/sqlgate-mariadb-tls
port=3307
ready() { mariadb --no-defaults -h 127.0.0.1 -P "$port" -u root -e "SELECT 1" >/dev/null 2>&1; }
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
ready && exit 0
if [ ! -d "$dir/data/mysql" ]; then
  rm -rf "$dir/data"
  mariadb-install-db --no-defaults --user=root --datadir="$dir/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; exit 1; }
fi
start-stop-daemon --start --oknodo --background --pidfile "$dir/pid" --exec /usr/sbin/mariadbd -- \
  --no-defaults --user=root --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
  --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/server.log" \
  --ssl-cert=/etc/ssl/certs/ssl-cert-snakeoil.pem --ssl-key=/etc/ssl/private/ssl-cert-snakeoil.key
for _ in $(seq 1 100); do
  ready && exit 0
  sleep 0.2
done
echo "the TLS MariaDB on port $port did not start; see $dir/server.log" >&2
exit 1
