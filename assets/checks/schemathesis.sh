#!/usr/bin/env bash
# schemathesis (PyPI) against a running shop, from assets/openapi.yaml: a property-based client we did not
# write generates valid and invalid requests for every operation, and fails the run on a server error (5xx), a
# status the spec does not document for the operation, a content type or a body that does not match the spec.
# Our own status walker (OpenAPIStatusTests) tries the probes we thought of; this tries the ones we did not.
# Its first run found three things the walker had not: 414 (request line over 8 KiB) undocumented everywhere,
# 404 from /openapi.yaml when the assets cannot be found, and a replayed order answered with a status the 202
# schema did not allow.
#
# Usage: assets/checks/schemathesis.sh [SECONDS] [BINARY]
#   SECONDS  time budget of each of the two passes (default 60): public and shopper routes, then admin routes
#   BINARY   shopdeck to run (default .build/debug/shopdeck, which `swift test` builds)
# SHOPDECK_SCHEMATHESIS_SEED replays a run; every run prints its seed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seconds=${1:-60}
binary=${2:-.build/debug/shopdeck}
seed=${SHOPDECK_SCHEMATHESIS_SEED:-$(python3 -c 'import secrets; print(secrets.randbits(63))')}
venv=.build-checks/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
[ -x "$venv/bin/schemathesis" ] || "$venv/bin/pip" install -q schemathesis==4.32.5

# The bench server, started from here so that it finds assets/.
. assets/bench/bench-server.sh
start_bench_server "$binary"
token=${tokens%%,*}
echo "schemathesis against $binary on port $port, ${seconds} s a pass, seed $seed (replay with SHOPDECK_SCHEMATHESIS_SEED=$seed)"

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
# One worker: with two, Hypothesis's description of its own strategies raced between the threads ("AST
# constructor recursion depth mismatch"), an error of the tool that failed one run in three.
run() {
  local label=$1
  shift
  echo "== $label"
  (cd "$work" && "$root/$venv/bin/schemathesis" run "$root/assets/openapi.yaml" --url "http://127.0.0.1:$port" \
     --checks "$checks" --max-time "$seconds" --seed "$seed" --workers 1 --no-color "$@") > "$work/$label.log" 2>&1 && status=0 || status=$?
  # Every error (the run could not test an operation) and failure (with the request that reproduces it).
  sed -n '/= \(ERRORS\|FAILURES\) =/,/= WARNINGS =/p' "$work/$label.log" | grep -v '= WARNINGS =' | cut -c1-400 | head -200 || true
  grep -E '^ *([0-9]+ generated|Seed:)' "$work/$label.log" || true
  tail -1 "$work/$label.log"
  return "$status"
}
failed=0
# Signing out would revoke the token the pass runs on.
run shopper -H "Authorization: Bearer $token" -H "x-api-key: $key" --exclude-path-regex '^/admin' \
  --exclude-name 'DELETE /api/sessions' || failed=1
# Rotating a token would revoke the one the pass runs on.
run admin -H "Authorization: Bearer $admin" --include-path-regex '^/admin' --exclude-path-regex '/rotate$' || failed=1
# The server must still be there: a crash would have turned every later request into a connection error.
kill -0 "$server" 2>/dev/null || { echo "the server died during the run:" >&2; head -40 "$work/err" >&2; exit 1; }
exit "$failed"
