#!/usr/bin/env python3
"""Writes a purchase history built to be unlike what the recommender's models assume, as `user,item,timestamp`.

The shop's own generator (`DemoHistory`) has stable tastes tied to categories, steady popularity and items bought
in a sensible order: the very patterns item-kNN, EASE and bought-next look for. This one breaks each on purpose:

  drift       every item is launched on some day and fades with its own half-life (5-40 days), so what sold
              best over the whole history is not what sells at the end, when the test purchases happen
  cold items  items launched in the last days of the history, with few purchases before the split
  noise       30 % of purchases follow current popularity alone, not the shopper's taste
  tastes      20 latent tastes, each item in one or two, unrelated to any category or identifier order
  no order    within a shopper, purchases follow no item-to-item sequence; a third come in same-second baskets
  repeats     10 % of purchases buy again something the shopper already has
  bots        1.5 % of shoppers are scrapers buying 100-400 items uniformly at random within minutes, and 1 %
              are scalpers buying whatever is hottest that day, over and over

    python3 assets/bench/rec_adversarial.py --seed 7 > /tmp/adversarial.csv

The seed is printed on standard error, chosen at random when not given.
"""
import argparse
import bisect
import itertools
import math
import random
import sys

DAY = 86_400
START = 1_760_000_000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--users", type=int, default=6_000)
    parser.add_argument("--items", type=int, default=1_500)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--tastes", type=int, default=20)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1, 2**32)
    print(f"rec_adversarial: seed {seed}", file=sys.stderr)
    rng = random.Random(seed)
    days, n = args.days, args.items

    launch = [rng.uniform(-60, days) for _ in range(n)]
    half_life = [rng.uniform(5, 40) for _ in range(n)]
    appeal = [rng.paretovariate(1.2) for _ in range(n)]
    tastes_of = [rng.sample(range(args.tastes), rng.choice((1, 1, 2))) for _ in range(n)]
    members = [[i for i in range(n) if taste in tastes_of[i]] for taste in range(args.tastes)]

    def weight(item, day):
        age = day - launch[item]
        return 0.0 if age < 0 else appeal[item] * 0.5 ** (age / half_life[item])

    # Cumulative weights per day, over all items and within each taste, for sampling by bisection.
    everything, by_taste, hottest = [], [], []
    for day in range(days):
        weights = [weight(i, day + 0.5) for i in range(n)]
        everything.append(list(itertools.accumulate(weights)))
        by_taste.append([list(itertools.accumulate(weights[i] for i in group)) for group in members])
        hottest.append(sorted(range(n), key=lambda i: -weights[i])[:5])

    def pick(cumulative, population=None):
        if not cumulative or cumulative[-1] <= 0:
            return rng.randrange(n)
        index = bisect.bisect_right(cumulative, rng.uniform(0, cumulative[-1]))
        index = min(index, len(cumulative) - 1)
        return population[index] if population is not None else index

    out = sys.stdout
    out.write("user,item,timestamp\n")
    for user in range(args.users):
        kind = rng.random()
        arrival = rng.uniform(0, days - 1)
        if kind < 0.015:  # a scraper
            time = START + int(arrival * DAY)
            for _ in range(rng.randint(100, 400)):
                out.write(f"bot{user},i{rng.randrange(n)},{time}\n")
                time += rng.randint(0, 3)
            continue
        if kind < 0.025:  # a scalper
            for _ in range(rng.randint(20, 80)):
                day = min(days - 1, int(arrival + rng.expovariate(0.3)))
                out.write(f"bot{user},i{rng.choice(hottest[day])},{START + day * DAY + rng.randrange(DAY)}\n")
            continue
        tastes = rng.sample(range(args.tastes), 2)
        mix = rng.random()
        count = min(60, 1 + int(rng.expovariate(1 / 7)))
        day_float = arrival
        bought = []
        time = START + int(day_float * DAY)
        for _ in range(count):
            day = min(days - 1, int(day_float))
            if bought and rng.random() < 0.10:
                item = rng.choice(bought)
            elif rng.random() < 0.30:
                item = pick(everything[day])
            else:
                taste = tastes[0] if rng.random() < 0.5 + mix / 2 else tastes[1]
                item = pick(by_taste[day][taste], members[taste])
            bought.append(item)
            out.write(f"u{user},i{item},{time}\n")
            if rng.random() > 0.33:  # else the next one is in the same basket, the same second
                day_float = min(days - 0.001, day_float + rng.expovariate(1 / 6))
                time = max(time + 1, START + int(day_float * DAY))


if __name__ == "__main__":
    main()
