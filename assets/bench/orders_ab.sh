#!/usr/bin/env bash
# Two builds compared on wrk's orders, alternating: this machine's speed drifts by ±20 % between minutes, so a
# change is only visible against the other build measured in the neighbouring minute. Runs orders_wrk.sh on A,
# then B, PAIRS times, and prints each figure's runs and medians side by side; the ranges are the verdict —
# where they overlap, the change is within the noise (the tenth pass, README, found four durable records per
# order fewer to be exactly that).
#
# Usage: assets/bench/orders_ab.sh BINARY_A BINARY_B [PAIRS] [SECONDS] [CONNECTIONS]
#   PAIRS        alternations (default 3)
#   SECONDS, CONNECTIONS  as for orders_wrk.sh (default 10, 256)
# A temporary switch read from the environment can be compared the same way by giving one binary twice and
# setting ORDERS_AB_ENV_B (for example "TMP_SLOTS=2048"), which applies to B's runs only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
a=$1 b=$2 pairs=${3:-3} seconds=${4:-10} connections=${5:-256}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for pair in $(seq 1 "$pairs"); do
  for side in A B; do
    binary=$a extra=()
    if [ "$side" = B ]; then
      binary=$b
      # shellcheck disable=SC2206  # words on purpose: NAME=VALUE pairs
      [ -n "${ORDERS_AB_ENV_B:-}" ] && extra=(${ORDERS_AB_ENV_B})
    fi
    echo "pair $pair/$pairs: $side" >&2
    env "${extra[@]}" "$here/orders_wrk.sh" "$binary" "$seconds" "$connections" > "$work/$side-$pair" 2>&1 || {
      echo "run $side-$pair failed:" >&2; cat "$work/$side-$pair" >&2; exit 1; }
  done
done

python3 - "$work" "$pairs" <<'PY'
import re, statistics, sys
work, pairs = sys.argv[1], int(sys.argv[2])
# Each figure: a label and a pattern on orders_wrk.sh's output whose first group is the number.
figures = [
    ("new orders accepted/s", r"orders accepted/s ([\d,]+)"),
    ("queue empty after the load, s", r"runs finished ([\d.]+) s after"),
    ("backlog drained, orders/s", r"drained at ([\d,]+) orders/s"),
    ("server CPU per order, µs", r"server CPU per order (\d+) µs"),
    ("CPU per order drained, µs", r"(\d+) µs of server CPU per order drained"),
    ("end to end, orders/s", r"end to end ([\d,]+) orders/s"),
    ("with analytics, µs per order", r"with them, per order: (\d+) µs"),
    ("journal records per order", r"([\d.]+) journal records \("),
]
def read(side):
    texts = [open(f"{work}/{side}-{pair}").read() for pair in range(1, pairs + 1)]
    out = []
    for label, pattern in figures:
        values = []
        for text in texts:
            match = re.search(pattern, text)
            values.append(float(match.group(1).replace(",", "")) if match else None)
        out.append(values)
    return out
a, b = read("A"), read("B")
def show(values):
    known = [v for v in values if v is not None]
    if not known:
        return "—"
    runs = " / ".join(f"{v:,.0f}" if v >= 100 else f"{v:g}" for v in known)
    return f"{runs} (median {statistics.median(known):,.4g})"
width = max(len(label) for label, _ in figures)
print(f"{'figure':<{width}}  A  |  B")
for (label, _), va, vb in zip(figures, a, b):
    ka, kb = [v for v in va if v is not None], [v for v in vb if v is not None]
    overlap = ka and kb and max(min(ka), min(kb)) <= min(max(ka), max(kb))
    print(f"{label:<{width}}  {show(va)}  |  {show(vb)}{'   (ranges overlap)' if overlap else ''}")
PY
