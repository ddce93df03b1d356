#!/usr/bin/env bash
# The TLS front (assets/deploy/nginx-shopdeck.conf) in front of two `shopdeck serve` instances, checked
# from outside with curl:
#   1. HTTPS with TLS 1.3 reaches both instances (nginx balances between them);
#   2. a TLS 1.2 client is refused;
#   3. an address blocked in the WAF is blocked through the proxy — the WAF sees the client, not nginx —
#      while another address is not;
#   4. with one instance stopped (SIGKILL), every request still succeeds through the other;
#   5. on the AWS backend (both instances one shop on moto, when moto is installed): orders placed through
#      the front while one instance is SIGKILLed are none of them lost — every order answered 202 (or
#      retried with its Idempotency-Key after a failed answer) ends confirmed or failed within 60 s.
#
#   assets/deploy/check-tls-front.sh        SHOPDECK_CONFIGURATION=debug uses the debug build (CI)
#                                           SHOPDECK_FRONT_BACKEND=embedded|aws (aws when moto is importable)
#
# Needs nginx (Debian nginx-light), openssl and curl; prints one line per check and exits 1 on a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in nginx openssl curl; do command -v "$tool" >/dev/null || { echo "check-tls-front: $tool is not installed" >&2; exit 2; }; done
work=$(mktemp -d /tmp/shopdeck-tls-front.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT

configuration=${SHOPDECK_CONFIGURATION:-release}
swift build -c "$configuration" --product shopdeck >/dev/null
binary=".build/$configuration/shopdeck"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

backend=${SHOPDECK_FRONT_BACKEND:-$(python3 -c 'import moto' 2>/dev/null && echo aws || echo embedded)}
backend_arguments=()
if [ "$backend" = aws ]; then
  python3 assets/aws/moto-serial.py --port 0 >"$work/moto.out" 2>"$work/moto.err" &
  pids+=($!)
  for _ in $(seq 1 150); do grep -q listening "$work/moto.out" 2>/dev/null && break; sleep 0.2; done
  endpoint=$(sed -n 's/^moto-serial listening on //p' "$work/moto.out")
  [ -n "$endpoint" ] || { echo "check-tls-front: moto did not start"; cat "$work/moto.err"; exit 1; }
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_ENDPOINT_URL="$endpoint"
  export SHOPDECK_SQS_MAX_WAIT_SECONDS=0   # moto-serial answers one request at a time: no 20 s long polls
  backend_arguments=(--backend aws --resource-prefix "front-")
fi
echo "      backend: $backend"

ports=()
for name in a b; do
  port=$(free_port)
  ports+=("$port")
  "$binary" serve --data "$work/data-$name" --listen "127.0.0.1:$port" --trusted-proxy 127.0.0.1/32 "${backend_arguments[@]}" >"$work/serve-$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
done

front=$(free_port)
mkdir -p "$work/cache" "$work/logs"
sed -e "s|^pid .*|pid $work/nginx.pid;|" -e "s|^error_log .*|error_log $work/logs/error.log warn;|" \
    -e "s|access_log .*|access_log $work/logs/access.log;|" -e "s|/var/cache/nginx/shopdeck|$work/cache|" \
    -e "s|server 127.0.0.1:8081|server 127.0.0.1:${ports[0]}|" -e "s|server 127.0.0.1:8082|server 127.0.0.1:${ports[1]}|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$front ssl http2;|" -e "/listen \[::\]:443/d" \
    -e "s|/etc/shopdeck/tls/fullchain.pem|$work/cert.pem|" -e "s|/etc/shopdeck/tls/privkey.pem|$work/key.pem|" \
    assets/deploy/nginx-shopdeck.conf >"$work/nginx.conf"
nginx -t -q -c "$work/nginx.conf" -p "$work" -g 'daemon on;' 2>"$work/nginx-test.err" || { cat "$work/nginx-test.err"; exit 1; }
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon on;'
base="https://127.0.0.1:$front"

failures=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok    $1"; else echo "FAIL  $1"; failures=$((failures + 1)); fi
}

reaches_both() {
  for _ in $(seq 1 20); do curl -fsk --tlsv1.3 "$base/healthz" >/dev/null || return 1; done
  # The access logs are written in batches: look until both show a request, for at most 10 s.
  for _ in $(seq 1 50); do
    grep -q 'GET /healthz' "$work/serve-a.log" && grep -q 'GET /healthz' "$work/serve-b.log" && return 0
    sleep 0.2
  done
  return 1
}
check "TLS 1.3 reaches both instances (20 requests)" reaches_both

refuses_tls12() { ! curl -sk --tlsv1.2 --tls-max 1.2 -o /dev/null "$base/healthz" 2>/dev/null; }
check "TLS 1.2 is refused" refuses_tls12

block() {  # block DATA_DIR PORT CIDR
  curl -fs -X POST -H "Authorization: Bearer $(cat "$1/admin-token")" -H 'Content-Type: application/json' \
    -d "{\"cidr\":\"$3\",\"reason\":\"check-tls-front\"}" "http://127.0.0.1:$2/admin/waf/blocks" >/dev/null
}
blocked_through_proxy() {
  if [ "$backend" = aws ]; then
    # One shop: a block made on a reaches b through the store; four answers in a row (both instances) must be 403.
    block "$work/data-a" "${ports[0]}" 127.0.0.2/32 || return 1
    local row=0 tries=0
    while [ "$row" -lt 4 ] && [ "$tries" -lt 50 ]; do
      if [ "$(curl -sk --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$base/api/drops")" = 403 ]; then row=$((row + 1)); else row=0; sleep 0.1; fi
      tries=$((tries + 1))
    done
  else
    block "$work/data-a" "${ports[0]}" 127.0.0.2/32 && block "$work/data-b" "${ports[1]}" 127.0.0.2/32 || return 1
  fi
  local blocked other
  blocked=$(curl -sk --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$base/api/drops")
  other=$(curl -sk --interface 127.0.0.1 -o /dev/null -w '%{http_code}' "$base/api/drops")
  echo "      127.0.0.2 → $blocked, 127.0.0.1 → $other"
  [ "$blocked" = 403 ] && [ "$other" != 403 ]
}
check "a blocked client address is blocked through the proxy, another is not" blocked_through_proxy

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]) or "")' "$1"; }

# Orders through the front while instance a dies (pids[0] is moto on the AWS backend, so a is pids[1]).
orders_survive_a_killed_instance() {
  local admin key token id status answered=() i
  admin=$(cat "$work/data-a/admin-token")
  local a="http://127.0.0.1:${ports[0]}"
  # This check polls faster than a shopper: raise the per-address rate rule on a; b takes it from the store.
  curl -fs -X PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"limit":1000000}' "$a/admin/waf/rules/rate-limit" >/dev/null || return 1
  curl -fs -X PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"stock":15}' "$a/admin/products/p1/stock" >/dev/null || return 1
  key=$(curl -fs -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"name":"front","rate":1000,"burst":1000}' "$a/admin/api-keys" | json_field key)
  # The key reaches b through the store within a sync round or two: wait for it there, 10 s at most.
  local b="http://127.0.0.1:${ports[1]}" tries=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "x-api-key: $key" "$b/api/products/p1")" = 200 ]; do
    tries=$((tries + 1)); [ "$tries" -le 50 ] || { echo "      the API key made on a never reached b"; return 1; }
    sleep 0.2
  done
  curl -fsk -X POST -H "x-api-key: $key" -H 'Content-Type: application/json' -d '{"email":"front@example.com","password":"correct-horse-42"}' "$base/api/users" >/dev/null || return 1
  token=$(curl -fsk -X POST -H "x-api-key: $key" -H 'Content-Type: application/json' -d '{"email":"front@example.com","password":"correct-horse-42"}' "$base/api/sessions" | json_field token)
  [ -n "$token" ] || return 1
  place() {  # place KEY → the order id, or nothing
    curl -sk -m 30 -X POST -H "x-api-key: $key" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -H "Idempotency-Key: $1" -d '{"items":[{"productId":"p1","quantity":1}]}' "$base/api/orders" | json_field orderId 2>/dev/null || true
  }
  for i in $(seq 1 30); do
    [ "$i" = 11 ] && { kill -9 "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true; }
    id=$(place "front-$i")
    # A lost answer is retried with the same key, as a client must: the same order comes back.
    [ -n "$id" ] || id=$(place "front-$i")
    [ -n "$id" ] || { echo "      order front-$i was not accepted even on retry"; return 1; }
    answered+=("$id")
  done
  local deadline=$((SECONDS + 60)) pending confirmed failed
  while :; do
    pending=0; confirmed=0; failed=0
    for id in "${answered[@]}"; do
      status=$(curl -sk -H "x-api-key: $key" -H "Authorization: Bearer $token" "$base/api/orders/$id" | json_field status 2>/dev/null || true)
      case "$status" in confirmed) confirmed=$((confirmed + 1)) ;; failed) failed=$((failed + 1)) ;; *) pending=$((pending + 1)) ;; esac
    done
    [ "$pending" -eq 0 ] || [ "$SECONDS" -ge "$deadline" ] && break
    sleep 1
  done
  echo "      30 orders through the front, instance a killed before the 11th: $confirmed confirmed, $failed failed, $pending pending"
  [ "$pending" -eq 0 ] && [ "$confirmed" -eq 15 ]
}
if [ "$backend" = aws ]; then
  check "orders placed while one instance is killed are none of them lost (AWS backend)" orders_survive_a_killed_instance
fi

survives_a_dead_instance() {
  local instance=${pids[0]}
  [ "$backend" = aws ] && instance=${pids[1]}
  kill -9 "$instance" 2>/dev/null || true
  wait "$instance" 2>/dev/null || true
  for _ in $(seq 1 20); do curl -fsk --tlsv1.3 "$base/healthz" >/dev/null || return 1; done
}
check "with one instance killed, 20 of 20 requests succeed through the other" survives_a_dead_instance

[ "$failures" -eq 0 ] || { echo "check-tls-front: $failures check(s) failed; nginx errors:"; tail -5 "$work/logs/error.log"; exit 1; }
