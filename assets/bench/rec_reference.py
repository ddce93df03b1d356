#!/usr/bin/env python3
"""A reference for `shopdeck rec-eval`: popularity, item-kNN and EASE in NumPy, on the same split and metrics.

Reads `user,item,timestamp[,weight]` (an optional header; timestamps in seconds, or milliseconds when too large
for seconds; weight 1 when absent; every row a purchase), splits it leave-last-out — each user with at least
two distinct items holds out the item first bought latest, ties to the larger identifier as text, and every
interaction of that user with that item leaves the training data — and ranks the full catalogue of the
training data for each held-out user, leaving out what the user already has. Printed as JSON with the keys
`rec-eval --json` prints: HR@10, NDCG@10, Recall@20, coverage@10 per model.

The models are the textbook ones, with each of shopdeck's departures an option set alike on both sides:
  popularity  items by distinct buyers
  item-knn    cosine between items' buyer sets, times co / (co + shrinkage) (0: plain cosine), each item's
              `neighbours` best kept; a user's score for j sums weight(i) x sim(i, j) over i in the history
  ease        B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1 (Steck 2019); scores x_u B
X holds each user's summed weights per item, each decayed by 0.5^(age / half-life) back from the newest
interaction when a half-life is given, or 1 per item seen with --binary. Items without a positive score are
ranked after the scored ones by popularity; ties go to the item seen first in the training data.
"""
import argparse
import json
import math
import sys

import numpy as np


def read(path):
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            fields = [field.strip() for field in line.rstrip("\r\n").split(",")]
            if fields == [""]:
                continue
            try:
                timestamp = float(fields[2])
            except (ValueError, IndexError):
                if number == 1 and not rows:
                    continue  # a header
                sys.exit(f"line {number}: not user,item,timestamp[,weight]")
            if timestamp > 100_000_000_000:
                timestamp /= 1000
            weight = float(fields[3]) if len(fields) == 4 else 1.0
            rows.append((fields[0], fields[1], timestamp, weight))
    return rows


def leave_last_out(rows):
    first = {}
    for user, item, timestamp, _ in rows:
        items = first.setdefault(user, {})
        if item not in items or timestamp < items[item]:
            items[item] = timestamp
    held = {}
    for user, items in first.items():
        if len(items) >= 2:
            held[user] = max(items.items(), key=lambda pair: (pair[1], pair[0]))[0]
    train = [row for row in rows if held.get(row[0]) != row[1]]
    return train, held


def matrix(train, half_life_days, binary):
    items, users = {}, {}
    for user, item, _, _ in train:
        items.setdefault(item, len(items))
        users.setdefault(user, len(users))
    reference = max(row[2] for row in train)
    x = np.zeros((len(users), len(items)), dtype=np.float64)
    bought = np.zeros((len(users), len(items)), dtype=bool)
    for user, item, timestamp, weight in train:
        factor = 1.0
        if half_life_days is not None and reference - timestamp > 0:
            factor = 2.0 ** (-(reference - timestamp) / (half_life_days * 86_400))
        x[users[user], items[item]] += weight * factor
        bought[users[user], items[item]] = True
    if binary:
        x = bought.astype(np.float64)
    return x, bought, users, items


def item_knn(bought, neighbours, shrinkage):
    b = bought.astype(np.float64)
    buyers = b.sum(axis=0)
    co = b.T @ b
    np.fill_diagonal(co, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = co / np.sqrt(np.outer(buyers, buyers)) * (co / (co + shrinkage) if shrinkage > 0 else 1.0)
    sim = np.nan_to_num(sim)
    sim[co == 0] = 0
    # Each item keeps its `neighbours` best: row i holds what i passes on to the items similar to it.
    n = sim.shape[0]
    if n > neighbours:
        for i in range(n):
            row = sim[i]
            # Ties to the lower index, as the model's top-k keeps them.
            order = np.lexsort((np.arange(n), -row))
            row[order[neighbours:]] = 0
    return sim


def ease(x, lam):
    gram = x.T @ x
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0)
    return b


def evaluate(scores_of, popularity, x, held, users, items):
    n = x.shape[1]
    order_key = np.arange(n)
    hits = ndcg = recall = 0.0
    shown = set()
    evaluated = 0
    for user, item in sorted(held.items()):
        if user not in users:
            continue
        evaluated += 1
        u = users[user]
        had = x[u] > 0
        scores = scores_of(u)
        scored = (scores > 0) & ~had
        candidates = np.flatnonzero(scored)
        ranked = list(candidates[np.lexsort((order_key[candidates], -scores[candidates]))][:20])
        if len(ranked) < 20:
            rest = np.flatnonzero(~scored & ~had)
            ranked += list(rest[np.lexsort((order_key[rest], -popularity[rest]))][: 20 - len(ranked)])
        target = items.get(item, -1)
        top10 = ranked[:10]
        if target in top10:
            hits += 1
            ndcg += 1 / math.log2(top10.index(target) + 2)
        if target in ranked[:20]:
            recall += 1
        shown.update(int(i) for i in top10)
    count = max(evaluated, 1)
    return {"HR@10": hits / count, "NDCG@10": ndcg / count, "Recall@20": recall / count, "coverage@10": len(shown) / max(n, 1)}, evaluated


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--model", default="popularity,item-knn,ease")
    parser.add_argument("--decay", default="none", help="half-life in days, or none")
    parser.add_argument("--binary", action="store_true", help="1 per item a user has, not summed weights")
    parser.add_argument("--neighbours", type=int, default=100)
    parser.add_argument("--shrinkage", type=float, default=0.0)
    parser.add_argument("--lambda", dest="lam", type=float, default=200.0)
    args = parser.parse_args()

    rows = read(args.file)
    train, held = leave_last_out(rows)
    x, bought, users, items = matrix(train, None if args.decay == "none" else float(args.decay), args.binary)
    popularity = bought.sum(axis=0).astype(np.float64)
    result = {"split": "leave-last-out", "rows": []}
    for model in args.model.split(","):
        if model == "popularity":
            scores_of = lambda u: popularity
        elif model == "item-knn":
            sim = item_knn(bought, args.neighbours, args.shrinkage)
            scores_of = lambda u, sim=sim: x[u] @ sim
        elif model == "ease":
            weights = ease(x, args.lam)
            scores_of = lambda u, weights=weights: x[u] @ weights
        else:
            sys.exit(f"unknown model {model}")
        metrics, evaluated = evaluate(scores_of, popularity, x, held, users, items)
        result["users"] = evaluated
        result["rows"].append({"model": model, **metrics})
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
