#!/usr/bin/env python3
"""The anchor for `shopdeck bench recommender`: the same item-to-item "bought together" model in NumPy/SciPy.

Reads `user,item` integer pairs (one purchase per line), builds the binary user x item matrix, and computes
for every item its top-100 neighbours by cosine over buyers, shrunk by co / (co + 10) - what shopdeck's
ItemSimilarity does. Prints {"seconds": ..., "items": ..., "pairs": ...} with --json; the time covers the
matrix, the co-occurrence product and the top-100 selection, not reading the file.
"""
import argparse
import json
import sys
import time

import numpy as np
import scipy.sparse as sp


def neighbours(users, items, n_items, k=100, shrinkage=10.0):
    n_users = int(users.max()) + 1
    x = sp.csr_matrix((np.ones(len(users), dtype=np.float32), (users, items)), shape=(n_users, n_items))
    x.data[:] = 1.0  # duplicates summed by the constructor: back to bought / not bought
    buyers = np.asarray(x.sum(axis=0)).ravel()
    co = (x.T @ x).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    result = []
    for i in range(n_items):
        start, end = co.indptr[i], co.indptr[i + 1]
        if start == end:
            result.append((np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)))
            continue
        cols = co.indices[start:end]
        c = co.data[start:end]
        scores = c / np.sqrt(buyers[i] * buyers[cols]) * (c / (c + shrinkage))
        if len(scores) > k:
            top = np.argpartition(-scores, k)[:k]
        else:
            top = np.arange(len(scores))
        order = top[np.argsort(-scores[top], kind="stable")]
        result.append((cols[order], scores[order]))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pairs = np.loadtxt(args.file, delimiter=",", dtype=np.int64)
    started = time.perf_counter()
    result = neighbours(pairs[:, 0], pairs[:, 1], args.items)
    seconds = time.perf_counter() - started
    kept = sum(len(cols) for cols, _ in result)
    if args.json:
        print(json.dumps({"seconds": seconds, "items": args.items, "pairs": int(len(pairs)), "neighbours": kept}))
    else:
        print(f"{seconds:.2f} s for {len(pairs)} purchases over {args.items} items ({kept} neighbours kept)")


if __name__ == "__main__":
    sys.exit(main())
