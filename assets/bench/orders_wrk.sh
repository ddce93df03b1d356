#!/usr/bin/env bash
# Orders from outside: wrk posts orders (orders.lua: each request its own Idempotency-Key, one of the bench
# shoppers' tokens, an API key) at the bench server `bench http` uses, then waits for checkout to catch up.
# Prints orders accepted per second, how long the checkout queue took to empty and every run to finish after
# the load, the server's CPU per order over load and drain, the journals' fsyncs and records per order, the rate
# at which the backlog the load left was drained, the orders per second over the load and the drain together,
# and when analytics and notifications (which checkout leaves little CPU during the drain) caught up.
#
# Usage: assets/bench/orders_wrk.sh [BINARY] [SECONDS] [CONNECTIONS]
#   BINARY       a release shopdeck (default .build/release/shopdeck)
#   SECONDS      how long wrk posts (default 10)
#   CONNECTIONS  wrk's connections (default 256)
# Alternate two binaries, a run each, to compare them: this machine's speed drifts between minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-.build/release/shopdeck}
seconds=${2:-10}
connections=${3:-256}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }

. "$here/bench-server.sh"
start_bench_server "$binary"
base="http://127.0.0.1:$port"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }

# New orders as the server counts them: a replayed Idempotency-Key is answered 2xx too, so wrk's count alone
# cannot tell new orders from replays (orders.lua once sent every key twice; see there).
orders_counted() { curl -s "$base/metrics" | awk '$1 == "shopdeck_orders_accepted_total" {print $2}'; }
orders_before=$(orders_counted)
before=$(cpu_ticks)
wrk -t2 -c"$connections" -d"${seconds}s" -s "$here/orders.lua" "$base" -- "$key" "$tokens" > "$work/wrk"
stopped=$(date +%s.%N)
drain_from=$(cpu_ticks)
# Polled every 50 ms until the checkout queue is empty and no checkout run is still going (the drain: its time,
# the server's CPU and status then), and on until analytics and notifications are empty too; at most five
# minutes. One long-lived poller: a process or two started per poll took CPU from the drain it measured.
drained=$(python3 - "$base" "$admin" "$stopped" "$server" "$work" <<'PY'
import json, sys, time, urllib.request
base, admin, stopped, server, work = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
def cpu_ticks():
    with open(f"/proc/{server}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
def get(path, headers={}):
    with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=10) as answer:
        return json.load(answer)
def save(document, name):
    with open(f"{work}/{name}", "w") as file:
        json.dump(document, file)
def waiting(queues, name):
    queue = next(q for q in queues if q["name"] == name)
    return queue.get("visible", 0) + queue.get("inFlight", 0) + queue.get("delayed", 0)
backlog = None
drained = None
while True:
    queues = get("/admin/queues", {"Authorization": "Bearer " + admin})["items"]
    if drained is None:
        left = waiting(queues, "checkout")
        status = get("/status")
        running = status["components"]["sagas"]["running"]
        if backlog is None:
            backlog = left
        if left == 0 and running == 0:
            drained = time.time() - stopped
            drained_ticks = cpu_ticks()
            save(status, "status.json")
    # The confirmed orders' analytics and notifications, consumed after checkout has had the CPU.
    if drained is not None and waiting(queues, "analytics") + waiting(queues, "notifications") == 0:
        save(get("/status"), "status-all.json")
        break
    if time.time() - stopped > 300:
        sys.exit("the queues did not empty within 300 s")
    time.sleep(0.05)
print(f"{drained:.2f} {backlog} {drained_ticks} {time.time() - stopped:.2f} {cpu_ticks()}")
PY
)
read -r drained backlog after caught_up caught_up_ticks <<< "$drained"

accepted=$(awk '/Requests\/sec/ {print $2}' "$work/wrk")
total=$(awk '/requests in/ {print $1}' "$work/wrk")
if grep -q 'Non-2xx' "$work/wrk"; then echo "some orders were refused:" >&2; cat "$work/wrk" >&2; exit 1; fi
new_orders=$(( $(orders_counted) - orders_before ))
# wrk counts the answers it read; requests still in flight when it stopped are placed but not counted, up to
# one per connection.
if (( new_orders < total || new_orders > total + connections )); then
  echo "wrk read $total answers but the server placed $new_orders new orders: replayed keys or lost orders" >&2
  exit 1
fi
python3 - "$work/status.json" "$accepted" "$total" "$drained" "$before" "$drain_from" "$after" "$(getconf CLK_TCK)" "$backlog" "$seconds" "$caught_up" "$caught_up_ticks" "$work/status-all.json" <<'PY'
import json, sys
status, accepted, total, drained, before, drain_from, after, hz, backlog, seconds, caught_up, caught_up_ticks, status_all = sys.argv[1:]
components = json.load(open(status))["components"]
total = int(total)
# Binaries older than issue 20's third pass do not report their journals; their runs print the rest.
journals = all("fsyncs" in components[name] and "journalRecords" in components[name] for name in ("store", "broker", "sagas"))
if journals:
    fsyncs = sum(components[name]["fsyncs"] for name in ("store", "broker", "sagas"))
    records = sum(components[name]["journalRecords"] for name in ("store", "broker", "sagas"))
cpu_us = (int(after) - int(before)) / int(hz) * 1e6 / total
print(f"orders accepted/s {float(accepted):,.0f} ({total:,} orders); queue empty and runs finished {float(drained):.1f} s after the load")
drain_cores = (int(after) - int(drain_from)) / int(hz) / float(drained)
if journals:
    split = ", ".join(f"{name} {components[name]['journalRecords'] / total:.2f}" for name in ("store", "broker", "sagas"))
    print(f"server CPU per order {cpu_us:.0f} µs; per order: {fsyncs / total:.2f} fsyncs, {records / total:.2f} journal records ({split})")
else:
    print(f"server CPU per order {cpu_us:.0f} µs (this binary does not report its journals)")
print(f"server cores busy during the drain: {drain_cores:.2f}")
# The backlog is read at the first poll, a few milliseconds after wrk stops; the rate does not depend on how
# many orders the load left behind, so it compares binaries across this machine's swings better than the time.
# The CPU is all the server's over the drain (analytics and notifications consume meanwhile) per order drained.
if int(backlog) == 0:
    print("no checkout backlog at the load's end: checkout kept pace")
else:
    print(f"checkout backlog at the load's end {int(backlog):,}; drained at {int(backlog) / float(drained):,.0f} orders/s, "
          f"{(int(after) - int(drain_from)) / int(hz) * 1e6 / int(backlog):.0f} µs of server CPU per order drained")
# Orders over the load and the drain together: what the shop confirms per second end to end. How much of it
# is accepted during the load and how much left for the drain is a split (checkout's share of the CPU); this
# figure is the one a faster pipeline moves.
print(f"end to end {total / (float(seconds) + float(drained)):,.0f} orders/s over the load and the drain")
# Analytics and notifications consume the confirmed orders' events; while checkout drains they get little of
# the CPU, so they finish later. Their CPU is not in the figures above.
components_all = json.load(open(status_all))["components"]
records_all = (f", {sum(components_all[name]['journalRecords'] for name in ('store', 'broker', 'sagas')) / total:.2f} journal records"
               if journals else "")
print(f"analytics and notifications caught up {float(caught_up):.1f} s after the load; with them, per order: "
      f"{(int(caught_up_ticks) - int(before)) / int(hz) * 1e6 / total:.0f} µs of server CPU{records_all}")
PY
