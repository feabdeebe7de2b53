#!/usr/bin/python3
"""Trains an XGBoost LambdaMART ranker (objective rank:ndcg) on features that
`saiki export-features` wrote, and saves it as the JSON model `saiki model
import` reads, with the exported feature names (so saiki checks them).

    xgb_train_logs.py TRAIN.txt OUT.json

Parameters are fixed in advance, as in xgb_letor.py: eta 0.1, max_depth 6,
min_child_weight 0.1, gamma 1, up to 500 rounds with early stopping (20
rounds) on ndcg@10 of 20% of the queries held out (fixed seed); the saved
model is cut at the best iteration. Reads TRAIN.txt.features for the names.
"""
import sys

import numpy as np
import xgboost as xgb


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: xgb_train_logs.py TRAIN.txt OUT.json")
    train, out = sys.argv[1], sys.argv[2]
    names = open(train + ".features").read().split()
    x, y = [], []
    bounds = []
    last = None
    for line in open(train):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        row = np.full(len(names), np.nan, dtype=np.float32)
        qid = None
        for tok in fields[1:]:
            k, v = tok.split(":", 1)
            if k == "qid":
                qid = v
            else:
                row[int(k) - 1] = float(v)
        if qid != last:
            bounds.append(len(y))
            last = qid
        y.append(float(fields[0]))
        x.append(row)
    if not y:
        sys.exit("xgb_train_logs.py: %s holds no rows" % train)
    bounds.append(len(y))
    x, y = np.vstack(x), np.array(y, dtype=np.float32)
    nq = len(bounds) - 1
    perm = np.random.default_rng(42).permutation(nq)
    held, fit = sorted(perm[: nq // 5]), sorted(perm[nq // 5:])

    def dmatrix(queries):
        idx = np.concatenate([np.arange(bounds[q], bounds[q + 1]) for q in queries])
        d = xgb.DMatrix(x[idx], label=y[idx], feature_names=names)
        d.set_group([bounds[q + 1] - bounds[q] for q in queries])
        return d

    params = {"objective": "rank:ndcg", "eta": 0.1, "max_depth": 6, "min_child_weight": 0.1,
              "gamma": 1.0, "eval_metric": "ndcg@10", "seed": 1, "nthread": 2}
    bst = xgb.train(params, dmatrix(fit), num_boost_round=500,
                    evals=[(dmatrix(held), "held")], early_stopping_rounds=20,
                    verbose_eval=False)
    best = bst[: bst.best_iteration + 1]
    best.save_model(out)
    print("xgb_train_logs.py: %d impressions, %d rows; %d rounds, held-out ndcg@10 %.4f -> %s"
          % (nq, len(y), bst.best_iteration + 1, bst.best_score, out))


if __name__ == "__main__":
    main()
