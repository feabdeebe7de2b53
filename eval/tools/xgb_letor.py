#!/usr/bin/python3
"""XGBoost's side of eval/run_letor.sh: trains a LambdaMART-style ranker on a
LETOR/SVMlight training file and writes its scores for the test rows, one per
line in file order, for letor_eval to score with the same NDCG code as saiki.

    xgb_letor.py --train F [--train-groups G] --test F [--test-groups G]
                 --objective rank:pairwise|rank:ndcg --out PREDS

Parameters are fixed in advance, nothing is tuned on the test file: eta 0.1,
max_depth 6, min_child_weight 0.1, gamma 1 (XGBoost's LETOR rank demo), up to
500 rounds with early stopping (20 rounds) on ndcg@10 of 20% of the training
queries held out (chosen with a fixed seed); the final model is the best
iteration. Absent features are missing values, as XGBoost reads SVMlight.
"""
import argparse

import numpy as np
import xgboost as xgb


def read(path, groups_path, width=None):
    labels, qids, rows = [], [], []
    for line in open(path):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        labels.append(float(fields[0]))
        row, qid = {}, None
        for tok in fields[1:]:
            k, v = tok.split(":", 1)
            if k == "qid":
                qid = v
            else:
                row[int(k) - 1] = float(v)
        qids.append(qid)
        rows.append(row)
    if qids[0] is None:
        sizes = [int(s) for s in open(groups_path).read().split()]
        qids = [g for g, n in enumerate(sizes) for _ in range(n)]
    w = width or 1 + max(max(r) if r else 0 for r in rows)
    x = np.full((len(rows), w), np.nan, dtype=np.float32)
    for i, r in enumerate(rows):
        for k, v in r.items():
            if k < w:
                x[i, k] = v
    starts = [i for i in range(len(qids)) if i == 0 or qids[i] != qids[i - 1]]
    return x, np.array(labels, dtype=np.float32), starts + [len(qids)], w


def dmatrix(x, y, bounds, queries):
    idx = np.concatenate([np.arange(bounds[q], bounds[q + 1]) for q in queries])
    d = xgb.DMatrix(x[idx], label=y[idx])
    d.set_group([bounds[q + 1] - bounds[q] for q in queries])
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--train-groups")
    ap.add_argument("--test", required=True)
    ap.add_argument("--test-groups")
    ap.add_argument("--objective", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    xtr, ytr, btr, w1 = read(a.train, a.train_groups)
    xte, yte, bte, w2 = read(a.test, a.test_groups)
    width = max(w1, w2)
    if xtr.shape[1] < width:
        xtr, ytr, btr, _ = read(a.train, a.train_groups, width)
    if xte.shape[1] < width:
        xte, yte, bte, _ = read(a.test, a.test_groups, width)
    nq = len(btr) - 1
    rng = np.random.default_rng(42)
    perm = rng.permutation(nq)
    held = sorted(perm[: nq // 5])
    fit = sorted(perm[nq // 5:])
    dfit, dheld = dmatrix(xtr, ytr, btr, fit), dmatrix(xtr, ytr, btr, held)
    params = {"objective": a.objective, "eta": 0.1, "max_depth": 6, "min_child_weight": 0.1,
              "gamma": 1.0, "eval_metric": "ndcg@10", "seed": 1, "nthread": 2}
    bst = xgb.train(params, dfit, num_boost_round=500, evals=[(dheld, "held")],
                    early_stopping_rounds=20, verbose_eval=False)
    dtest = xgb.DMatrix(xte)
    pred = bst.predict(dtest, output_margin=True, iteration_range=(0, bst.best_iteration + 1))
    np.savetxt(a.out, pred, fmt="%.9g")
    print("%s: %d rounds (best %d), held-out ndcg@10 %.4f -> %s" % (
        a.objective, bst.num_boosted_rounds(), bst.best_iteration + 1, bst.best_score, a.out))


if __name__ == "__main__":
    main()
