# Sourced by the scripts that drive the bench server `bench http` uses (the whole shop, an API key whose plan
# never throttles, signed-in shoppers; SHOPDECK_HTTP_BENCH_SERVER), so they start it one way.
#
# start_bench_server BINARY starts it in a new temporary directory and sets `work` (that directory, removed on
# exit), `server` (its pid), `port`, `key`, `tokens` (comma-separated) and `admin` (the admin token). The server
# stops when its standard input closes, which the exit trap does before waiting for it.
start_bench_server() {
  work=$(mktemp -d)
  mkfifo "$work/in"
  SHOPDECK_HTTP_BENCH_SERVER="$work/data" "$1" > "$work/out" 2> "$work/err" < "$work/in" &
  server=$!
  exec 9> "$work/in"
  trap 'exec 9>&-; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 1 600); do grep -q '^ready ' "$work/out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^ready ' "$work/out" || { echo "the bench server did not start:" >&2; cat "$work/out" "$work/err" >&2; exit 1; }
  read -r _ port key tokens < <(grep '^ready ' "$work/out")
  admin=$(cat "$work/data/admin-token")
}
