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
  bought-next transitions T[i, j]: over each user's items in order of first purchase (ties by first appearance
              in the training data), i leads to each of the `window` items after it, the d-th weighing
              step_decay^(d-1), or half that both ways when both were first bought in the same second; each
              row divided by its total^normalisation and cut to its 200 largest. A user's score for j sums
              recent_decay^r x T[i, j] over their `recent` latest items i (r counts earlier seconds).
  item-knn+next, ease+next  (1 - w) max(s, 0) / max(s) + w t / max(t) for the model's scores s and
              bought-next's t, each max over that user's scores (a part with no positive score adds 0)
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


def first_purchases(train, items):
    first = {}
    for user, item, timestamp, _ in train:
        seen = first.setdefault(user, {})
        if items[item] not in seen or timestamp < seen[items[item]]:
            seen[items[item]] = timestamp
    return {user: sorted((t, i) for i, t in seen.items()) for user, seen in first.items()}


def transitions(sequences, n, window, step_decay, normalisation, keep=200):
    t = np.zeros((n, n))
    for sequence in sequences.values():
        for p, (at, i) in enumerate(sequence):
            step = 1.0
            for later_at, j in sequence[p + 1 : p + 1 + window]:
                if later_at > at:
                    t[i, j] += step
                else:
                    t[i, j] += step / 2
                    t[j, i] += step / 2
                step *= step_decay
    totals = t.sum(axis=1)
    with np.errstate(divide="ignore"):
        scale = np.where(totals > 0, 1 / totals**normalisation, 0)
    t *= scale[:, None]
    if n > keep:
        for row in t:
            order = np.lexsort((np.arange(n), -row))
            row[order[keep:]] = 0
    return t


def recent_weights(sequence, count, decay):
    chosen, weight, previous = [], 1.0, None
    for at, i in reversed(sequence):
        if len(chosen) >= count:
            break
        if previous is not None and at < previous:
            weight *= decay
        previous = at
        chosen.append((i, weight))
    return chosen


def blend(base, nxt, w):
    base = np.maximum(base, 0)
    parts = []
    for scores, share in ((base, 1 - w), (nxt, w)):
        best = scores.max()
        parts.append(scores * (share / best) if best > 0 else np.zeros_like(scores))
    return parts[0] + parts[1]


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
    parser.add_argument("--next-weight", type=float, default=0.5)
    parser.add_argument("--next-window", type=int, default=5)
    parser.add_argument("--next-step-decay", type=float, default=0.7)
    parser.add_argument("--next-normalisation", type=float, default=0.5)
    parser.add_argument("--next-recent", type=int, default=5)
    parser.add_argument("--next-recent-decay", type=float, default=0.7)
    args = parser.parse_args()

    rows = read(args.file)
    train, held = leave_last_out(rows)
    x, bought, users, items = matrix(train, None if args.decay == "none" else float(args.decay), args.binary)
    popularity = bought.sum(axis=0).astype(np.float64)
    next_scores = None
    if any(model.endswith("next") for model in args.model.split(",")):
        sequences = first_purchases(train, items)
        t = transitions(sequences, x.shape[1], args.next_window, args.next_step_decay, args.next_normalisation)
        by_index = {users[user]: sequence for user, sequence in sequences.items()}

        def next_scores(u):
            scores = np.zeros(x.shape[1])
            for i, weight in recent_weights(by_index.get(u, []), args.next_recent, args.next_recent_decay):
                scores += weight * t[i]
            return scores
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
        elif model == "bought-next":
            scores_of = next_scores
        elif model == "item-knn+next":
            sim = item_knn(bought, args.neighbours, args.shrinkage)
            scores_of = lambda u, sim=sim: blend(x[u] @ sim, next_scores(u), args.next_weight)
        elif model == "ease+next":
            weights = ease(x, args.lam)
            scores_of = lambda u, weights=weights: blend(x[u] @ weights, next_scores(u), args.next_weight)
        else:
            sys.exit(f"unknown model {model}")
        metrics, evaluated = evaluate(scores_of, popularity, x, held, users, items)
        result["users"] = evaluated
        result["rows"].append({"model": model, **metrics})
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
