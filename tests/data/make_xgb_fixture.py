#!/usr/bin/python3
"""Makes the committed XGBoost fixtures of tests/trees_test.cc, and shows the
offline training step of the export -> XGBoost -> import workflow.

Not run by CI (CI has no XGBoost); run by hand with Debian's XGBoost:

    apt-get install -y python3-xgboost
    /usr/bin/python3 tests/data/make_xgb_fixture.py fixture tests/data
        writes tests/data/xgb_small.json: 4 trees of depth <= 4, trained with
        rank:pairwise on random data named with saiki's 24 feature names;
        and tests/data/xgb_small_vectors.txt: 50 feature vectors (some with
        values equal to split thresholds, some with NaN) and what XGBoost
        itself predicts for them: the margin (output_margin=True) and the
        path attributions (pred_contribs=True, approx_contribs=True).

    /usr/bin/python3 tests/data/make_xgb_fixture.py train FEATURES.txt MODEL.json [--objective rank:ndcg]
        trains on the output of `saiki export-features --out FEATURES.txt`
        (reads FEATURES.txt and FEATURES.txt.features) and saves MODEL.json
        for `saiki model import MODEL.json`.

The feature names must be saiki's, in its order (saiki checks them on import):
they are copied from ranker/features.h here and from the .features side file
in `train`. The SVMlight files saiki writes are dense and 1-based, with qid:
XGBoost reads them with "FILE?format=libsvm&indexing_mode=1" (without
indexing_mode=1 it takes the indices as 0-based and adds an empty column 0,
which saiki refuses on import: num_feature is 25).
"""
import json
import math
import sys

import numpy as np
import xgboost as xgb

FEATURE_NAMES = [
    "bm25f", "bm25f_title", "bm25f_brand", "bm25f_category", "bm25f_tags",
    "bm25f_description", "bm25f_word_bonus", "title_term_share", "title_phrase",
    "query_brand", "query_category", "log_reviews", "rating", "rating_missing",
    "log_price", "price_vs_category", "user_clicks_product", "user_clicks_brand",
    "user_clicks_cat1", "user_clicks_cat2", "user_clicks_cat3", "user_price_distance",
    "user_text_similarity", "user_has_history"]


def random_features(rng, n):
    """Rows shaped roughly like saiki's features (scores, shares, flags, logs)."""
    x = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    x[:, 0:7] = rng.gamma(2.0, 2.0, size=(n, 7))
    x[:, 7] = rng.choice([0, 0.5, 1], size=n)
    x[:, 8:11] = rng.integers(0, 2, size=(n, 3))
    x[:, 11] = np.log1p(rng.integers(0, 500, size=n))
    x[:, 12] = rng.uniform(0, 5, size=n).round(1)
    x[:, 13] = (x[:, 12] == 0).astype(np.float32)
    x[:, 14] = np.log1p(rng.uniform(100, 20000, size=n))
    x[:, 15] = rng.normal(0, 0.5, size=n)
    x[:, 16:21] = np.log1p(rng.exponential(0.5, size=(n, 5)) * rng.integers(0, 2, size=(n, 5)))
    x[:, 21] = np.abs(rng.normal(0, 1, size=n))
    x[:, 22] = rng.uniform(0, 1, size=n)
    x[:, 23] = rng.integers(0, 2, size=n)
    return x


def fixture(out_dir):
    rng = np.random.default_rng(20240601)
    queries, per_query = 60, 12
    x = random_features(rng, queries * per_query)
    utility = (0.6 * x[:, 1] + 1.5 * x[:, 8] + 0.8 * x[:, 17] - 0.4 * x[:, 15] +
               0.3 * x[:, 12] + rng.normal(0, 0.7, size=len(x)))
    y = np.digitize(utility, np.quantile(utility, [0.6, 0.8, 0.93])).astype(np.float32)
    # A few missing values, so that some splits learn a default direction.
    mask = rng.uniform(size=x.shape) < 0.03
    x[mask] = np.nan
    dtrain = xgb.DMatrix(x, label=y, feature_names=FEATURE_NAMES)
    dtrain.set_group([per_query] * queries)
    params = {"objective": "rank:pairwise", "max_depth": 4, "eta": 0.3, "seed": 7,
              "tree_method": "exact", "base_score": 0.5}
    bst = xgb.train(params, dtrain, num_boost_round=4)
    bst.save_model(f"{out_dir}/xgb_small.json")

    # Test vectors: fresh rows, rows whose values sit exactly on the model's
    # thresholds, and rows with NaN (missing -> default direction).
    model = json.load(open(f"{out_dir}/xgb_small.json"))
    splits = []
    for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
        for i, left in enumerate(tree["left_children"]):
            if left != -1:
                splits.append((tree["split_indices"][i], tree["split_conditions"][i]))
    v = random_features(rng, 50)
    for r in range(20):
        for f, threshold in splits[r % len(splits):r % len(splits) + 3]:
            v[r, f] = np.float32(threshold)
    v[40:45, rng.integers(0, len(FEATURE_NAMES), size=5)] = np.nan
    dtest = xgb.DMatrix(v, feature_names=FEATURE_NAMES)
    margin = bst.predict(dtest, output_margin=True)
    contribs = bst.predict(dtest, pred_contribs=True, approx_contribs=True)
    with open(f"{out_dir}/xgb_small_vectors.txt", "w") as out:
        out.write("# made by tests/data/make_xgb_fixture.py with XGBoost %s\n" % xgb.__version__)
        out.write("# per line: margin (output_margin=True), then the 24 features in saiki's order\n")
        out.write("# (nan = missing), then the 24 approx_contribs and the bias\n")
        for r in range(len(v)):
            fields = ["%.9g" % margin[r]]
            fields += ["nan" if math.isnan(a) else "%.9g" % a for a in v[r]]
            fields += ["%.9g" % c for c in contribs[r]]
            out.write(" ".join(fields) + "\n")


def train(features_path, model_path, objective):
    # Labels, qid groups and the 1-based features from the file; the '#'
    # comments (query id, product id) are ignored.
    dtrain = xgb.DMatrix(features_path + "?format=libsvm&indexing_mode=1")
    dtrain.feature_names = open(features_path + ".features").read().split()
    params = {"objective": objective, "max_depth": 6, "eta": 0.1, "seed": 1}
    bst = xgb.train(params, dtrain, num_boost_round=100)
    bst.save_model(model_path)
    print("trained %s on %d rows, %d queries: %s" % (
        objective, dtrain.num_row(), len(dtrain.get_uint_info("group_ptr")) - 1, model_path))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fixture":
        fixture(sys.argv[2])
    elif len(sys.argv) in (4, 6) and sys.argv[1] == "train":
        objective = sys.argv[5] if len(sys.argv) == 6 else "rank:pairwise"
        train(sys.argv[2], sys.argv[3], objective)
    else:
        sys.exit(__doc__)
