#!/usr/bin/env python3
"""Scores an `unmask link` output folder (pairs.csv, clusters.csv) against
the truth, the way ../shared/bench/run_splink.py scores Splink: pairwise
precision/recall/F1 of the pairs called matches, of the clusters (every pair
inside a cluster counts; for linkage only cross pairs), and — as an oracle
upper bound, not a deployable number — of the best threshold over the kept
pairs' probabilities.

  score_link.py OUT --truth-pairs febrl3_pairs.csv [--link]
  score_link.py OUT --records people.csv --entity entity_id
Prints one JSON object.
"""
import argparse, csv, json, sys
from collections import defaultdict

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--truth-pairs")
ap.add_argument("--link", action="store_true", help="pairs are (left, right), not unordered")
ap.add_argument("--records")
ap.add_argument("--entity", default="entity_id")
a = ap.parse_args()
csv.field_size_limit(sys.maxsize)
key = (lambda x, y: (x, y)) if a.link else (lambda x, y: (x, y) if x < y else (y, x))

entity = None
if a.truth_pairs:
    truth = {key(r["rec_id_l"], r["rec_id_r"]) for r in csv.DictReader(open(a.truth_pairs))}
    is_true = lambda x, y: key(x, y) in truth
    n_true = len(truth)
else:
    entity = {}
    sizes = defaultdict(int)
    with open(a.records) as f:
        r = csv.reader(f)
        h = next(r)
        ic, ie = 0, h.index(a.entity)
        for row in r:
            entity[row[ic]] = row[ie]
            sizes[row[ie]] += 1
    is_true = lambda x, y: entity[x] == entity[y]
    n_true = sum(n * (n - 1) // 2 for n in sizes.values())

def prf(tp, pred):
    p = tp / pred if pred else 0.0
    r = tp / n_true if n_true else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}

scored = []
with open(f"{a.out}/pairs.csv") as f:
    for row in csv.DictReader(f):
        scored.append((float(row["match_probability"]), row["match"] == "1",
                       is_true(row["left_id"], row["right_id"])))
tp = sum(1 for _, m, t in scored if m and t)
pred = sum(1 for _, m, _ in scored if m)
out = {"pairwise": prf(tp, pred)}

scored.sort(key=lambda s: -s[0])
best, tp_run = (0.0, None), 0
for k, (p, _, t) in enumerate(scored):
    tp_run += t
    r = prf(tp_run, k + 1)
    if r["f1"] > best[0]:
        best = (r["f1"], dict(r, threshold=p))
out["best_threshold_oracle"] = best[1]

# Clusters: every pair inside a predicted cluster is predicted.
members = defaultdict(list)
with open(f"{a.out}/clusters.csv") as f:
    for row in csv.DictReader(f):
        members[row["cluster"]].append((row["id"], row["side"]))
tp = pred = 0
for ids in members.values():
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            (x, sx), (y, sy) = ids[i], ids[j]
            if a.link:
                if sx == sy:
                    continue  # linkage scores only pairs across the two sides
                if sx == "right":
                    x, y = y, x
            pred += 1
            tp += is_true(x, y)
out["clusters"] = prf(tp, pred)
print(json.dumps(out))
