#!/usr/bin/env python3
"""Pairwise precision/recall/F1 of a pairs.csv (left_id,right_id,...) against
a Febrl truth file (rec_id_l,rec_id_r). Pairs are unordered for dedupe."""
import csv, json, sys

pairs_csv, truth_csv, dedupe = sys.argv[1], sys.argv[2], sys.argv[3] == "dedupe"
key = (lambda a, b: tuple(sorted((a, b)))) if dedupe else (lambda a, b: (a, b))
truth = {key(r["rec_id_l"], r["rec_id_r"]) for r in csv.DictReader(open(truth_csv))}
pred = {key(r["left_id"], r["right_id"]) for r in csv.DictReader(open(pairs_csv))}
tp = len(pred & truth)
p = tp / len(pred) if pred else 0.0
r = tp / len(truth)
f1 = 2 * p * r / (p + r) if p + r else 0.0
print(json.dumps({"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "predicted": len(pred), "true": len(truth)}))
