#!/usr/bin/env bash
# The recommender on data it was not built around, beside the NumPy reference in the same run:
# MovieLens 100k (from RecBole's wheel on PyPI, assets/bench/fetch_movielens.py) and a history made to break
# the models' assumptions (assets/bench/rec_adversarial.py, seeded).
#
#   assets/bench/rec_compare.sh [--quick] [SHOPDECK] [PYTHON]
#
# For each file: the reference (textbook popularity, item-kNN, EASE λ 200, bought-next and EASE+bought-next at
# the shop's bought-next settings), `rec-eval` configured alike, `rec-eval` with the shop's settings, and
# `rec-eval --tune` (settings chosen on the validation split only). Exits non-zero when rec-eval configured
# alike leaves the reference by more than 1 % on a model. --quick, the outside check CI runs with the debug
# build (~2 minutes), does MovieLens alone and only the runs configured alike.
set -euo pipefail
cd "$(dirname "$0")/../.."
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
shopdeck=${1:-.build/release/shopdeck}
python=${2:-${SHOPDECK_PYTHON:-python3}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" assets/bench/fetch_movielens.py "$work/ml-100k.csv"
[ "$quick" = 1 ] || "$python" assets/bench/rec_adversarial.py --seed 7 > "$work/adversarial.csv"
date -u +"measured %Y-%m-%d %H:%M UTC"

ndcg() {  # JSON from rec-eval or the reference → "model=NDCG@10 …"
  "$python" -c 'import json,sys; print(" ".join("%s=%.4f" % (r["model"], r["NDCG@10"]) for r in json.load(sys.stdin)["rows"]))'
}

status=0
files="ml-100k adversarial"
[ "$quick" = 1 ] && files=ml-100k
for name in $files; do
  file="$work/$name.csv"
  echo "== $name"
  reference=$("$python" assets/bench/rec_reference.py "$file" --binary --lambda 200 \
    --model popularity,item-knn,ease,bought-next,ease+next | ndcg)
  alike=$("$shopdeck" rec-eval "$file" --textbook --lambda 200 --json | ndcg)
  alike_next=$("$shopdeck" rec-eval "$file" --textbook --lambda 200 --next-weight 0.5 --model bought-next,ease --json | ndcg)
  echo "reference (NumPy, textbook, λ 200):  $reference"
  echo "rec-eval --textbook --lambda 200:    $alike"
  echo "  … with --next-weight 0.5:          $alike_next"
  if [ "$quick" = 0 ]; then
    echo "rec-eval, the shop's settings:       $("$shopdeck" rec-eval "$file" --json | ndcg)"
    "$shopdeck" rec-eval "$file" --tune | grep -E "settings, tuned|^(item|ease|bought)"
  fi
  "$python" - "$reference" "$alike $alike_next" <<'PY' || status=1
import sys
def parse(text):
    return dict((k, float(v)) for k, v in (pair.split("=") for pair in text.split()))
theirs, ours = parse(sys.argv[1]), parse(sys.argv[2])
pairs = {"popularity": "popularity", "item-knn": "item-knn", "ease": "ease", "bought-next": "bought-next", "ease+next": "ease+next"}
for model, mine in pairs.items():
    a, b = ours.get(mine), theirs.get(model)
    if a is None or b is None or b == 0 or abs(a - b) / b > 0.01:
        print(f"DISAGREES: {model}: rec-eval {a} against the reference's {b}")
        sys.exit(1)
print("rec-eval agrees with the reference within 1 % on every model")
PY
done
exit $status
