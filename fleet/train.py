#!/usr/bin/python3
"""train: trains a LambdaMART ranking model on collected fleet data with
XGBoost on a Dask cluster (xgboost.dask; README "Learning across a fleet").

    fleet/train.py --data DATA --model MODEL.json [--report REPORT.json]
                   [--scheduler ADDRESS | --workers W] [--objective rank:ndcg]
                   [--rounds R] [--early-stopping E] [--max-depth D] [--eta ETA]
                   [--holdout-share H] [--seed S]

The cluster: a LocalCluster of W worker processes (default 2, one thread
each) on this machine, or the running cluster whose scheduler is at
--scheduler (e.g. tcp://10.0.0.5:8786); the data directory must then be
readable by every worker under the same path (a shared file system; with
an object store, read the same layout through its Dask file system).

The split is by device: a share H of the devices (default 0.2, at least one
when there are two or more; chosen by a hash of the seed and the device id)
is held out for early stopping (on XGBoost's ndcg@10) and for the report;
the model never sees their queries. With a single device, its queries are
split instead (by the same hash of their ids), as the report says.

Each part file is one Dask partition (whole queries of one device); the
workers read their partitions themselves and XGBoost trains across them
(its Rabit allreduce of gradient histograms), so no process holds all the
data. The report (JSON, also printed): NDCG@10 on the held-out queries with
a click, of the model and of the order the devices showed (the logged
positions), the best round, training time, workers used, partitions per
worker, and each worker's peak resident memory (ru_maxrss of its process:
for a fresh LocalCluster, the peak of this run).
"""
import argparse
import json
import logging
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetlib  # noqa: E402


def worker_peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def partition_ndcg(df, names, booster_scores=None):
    """Per partition: [sum of NDCG@10, queries] of the logged order (rows of
    a query are in shown order: score = -position) or of given scores."""
    import pandas as pd
    qids = df["qid"].to_numpy()
    labels = df["label"].to_numpy()
    if booster_scores is None:
        scores = [0.0] * len(df)
        start = 0
        for i in range(len(df)):  # -position within each query
            if i > 0 and qids[i] != qids[i - 1]:
                start = i
            scores[i] = -(i - start)
    else:
        scores = df["score"].to_numpy()
    total, count = fleetlib.query_ndcg_sums(qids, labels, scores)
    return pd.DataFrame({"sum": [total], "count": [count]})


def shuffle_within_queries(df, seed):
    """The rows of each query in a pseudo-random order (keyed by seed, qid
    and the row's place), queries kept in order: the held-out set that
    early stopping and the model's NDCG read. In the logged order, a model
    that ties many results (the first rounds) would score the order the
    device showed, whose top results drew the clicks because they were on
    top (position bias), and early stopping would keep one tree."""
    import numpy as np
    pos = df.groupby("qid").cumcount().to_numpy()
    qid = df["qid"].to_numpy().astype(np.uint64)
    key = (qid * np.uint64(0x9E3779B97F4A7C15) +
           pos.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9) +
           np.uint64(seed)) * np.uint64(0x94D049BB133111EB)
    order = np.lexsort((key, df["qid"].to_numpy()))
    return df.iloc[order]


def in_partition_order(dmatrix):
    """XGBoost 1.7's Dask interface concatenates the partitions a worker
    holds in the order the scheduler lists them, and needs qid
    non-decreasing in what each worker gets; the partitions are in qid
    order (collect.py), so each worker's list is put back in partition
    order. (XGBoost 2 sorts by qid itself.)"""
    for parts in dmatrix.worker_map.values():
        parts.sort(key=lambda future: dmatrix.partition_order[future.key])
    return dmatrix


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="what collect.py wrote")
    p.add_argument("--model", required=True, help="where to save the XGBoost JSON model")
    p.add_argument("--report", help="where to write the report (JSON)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--scheduler", help="address of a running Dask scheduler")
    g.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    p.add_argument("--objective", default="rank:ndcg", choices=["rank:ndcg", "rank:pairwise"])
    p.add_argument("--rounds", type=int, default=200, help="most boosting rounds (default 200)")
    p.add_argument("--early-stopping", type=int, default=20,
                   help="stop after this many rounds without a better held-out ndcg@10 (20)")
    p.add_argument("--max-depth", type=int, default=6)
    p.add_argument("--eta", type=float, default=0.1)
    p.add_argument("--holdout-share", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    try:
        if not 0 < args.holdout_share < 1:
            raise fleetlib.FleetError("--holdout-share is between 0 and 1")
        if args.workers < 1 or args.rounds < 1 or args.early_stopping < 1:
            raise fleetlib.FleetError("--workers, --rounds and --early-stopping are 1 or more")
        summary = fleetlib.load_summary(args.data)
        report = train(args, summary)
    except fleetlib.FleetError as e:
        print("train: %s" % e, file=sys.stderr)
        return 2
    text = json.dumps(report, indent=1)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0


def split_devices(summary, share, seed):
    devices = [d for d in summary["devices"] if d["rows_kept"] > 0]
    if not devices:
        raise fleetlib.FleetError("%s: no device has any logged results to train on" %
                                  fleetlib.SUMMARY_FILE)
    if len(devices) == 1:
        return devices, [], "queries"
    ranked = sorted(devices, key=lambda d: fleetlib.keep_score(seed, d["id"], 0))
    n_hold = max(1, int(round(share * len(devices))))
    n_hold = min(n_hold, len(devices) - 1)
    held = {d["id"] for d in ranked[:n_hold]}
    # Both in collect order, so that partitions are in qid order.
    return ([d for d in devices if d["id"] not in held],
            [d for d in devices if d["id"] in held], "devices")


def train(args, summary):
    import dask.dataframe as dd
    import xgboost as xgb
    from dask.distributed import Client, LocalCluster, futures_of, wait

    names = summary["feature_names"]
    train_devs, hold_devs, split = split_devices(summary, args.holdout_share, args.seed)
    dtypes = {"device": "object", "qid": "int64", "label": "int32"}
    dtypes.update({n: "float32" for n in names})

    def frame(devs):
        files = [os.path.join(os.path.abspath(args.data), part)
                 for d in devs for part in d["parts"]]
        return dd.read_csv(files, blocksize=None, dtype=dtypes), len(files)

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.WARNING)
        client = Client(cluster)
    try:
        workers = sorted(client.scheduler_info()["workers"])
        rss_before = client.run(worker_peak_rss_mib)
        t0 = time.monotonic()
        df, n_parts = frame(train_devs)
        if split == "queries":
            # One device: hold out a share of its queries, by hash of the id.
            cut = int(args.holdout_share * 2 ** 64)
            dev_id = train_devs[0]["id"]

            def is_held(part):
                return part["qid"].map(lambda q: fleetlib.keep_score(args.seed, dev_id, q) < cut)
            hold_df = df[df.map_partitions(is_held, meta=("qid", "bool"))]
            df = df[~df.map_partitions(is_held, meta=("qid", "bool"))]
        else:
            hold_df, _ = frame(hold_devs)
        df = df.persist()
        # Logged order (for its NDCG) and shuffled within queries (for
        # early stopping and the model's NDCG).
        hold_df = hold_df.persist()
        hold_eval = hold_df.map_partitions(shuffle_within_queries, args.seed,
                                           meta=hold_df._meta).persist()
        wait([df, hold_df, hold_eval])
        load_seconds = time.monotonic() - t0
        # Where the training partitions went (what more workers would share).
        who = client.who_has(futures_of(df))
        per_worker = {w: 0 for w in workers}
        for holders in who.values():
            for w in holders:
                per_worker[w] = per_worker.get(w, 0) + 1
        dtrain = in_partition_order(
            xgb.dask.DaskDMatrix(client, df[names], df["label"], qid=df["qid"]))
        dhold = in_partition_order(
            xgb.dask.DaskDMatrix(client, hold_eval[names], hold_eval["label"],
                                 qid=hold_eval["qid"]))
        params = {"objective": args.objective, "eval_metric": "ndcg@10",
                  "tree_method": "hist", "max_depth": args.max_depth, "eta": args.eta,
                  "seed": args.seed}
        t1 = time.monotonic()
        out = xgb.dask.train(client, params, dtrain, num_boost_round=args.rounds,
                             evals=[(dhold, "holdout")],
                             early_stopping_rounds=args.early_stopping, verbose_eval=False)
        train_seconds = time.monotonic() - t1
        booster = out["booster"]
        history = out["history"]["holdout"]["ndcg@10"]
        best = booster.best_iteration if booster.attr("best_iteration") is not None \
            else len(history) - 1
        # Ship the best round's trees, not the rounds after it.
        booster = booster[: best + 1]
        booster.feature_names = names
        booster.save_model(args.model)

        # NDCG@10 on the held-out queries with a click: the model against
        # the order the devices showed.
        scores = xgb.dask.inplace_predict(client, booster, hold_eval[names])
        scored = hold_eval[["qid", "label"]].assign(score=scores)
        meta = {"sum": "float64", "count": "int64"}
        logged = hold_df.map_partitions(partition_ndcg, names, meta=meta).compute()
        model_q = scored.map_partitions(partition_ndcg, names, True, meta=meta).compute()
        rss_after = client.run(worker_peak_rss_mib)
        n_hold_rows = int(hold_df.shape[0].compute())
        n_train_rows = int(df.shape[0].compute())

        def mean(t):
            return float(t["sum"].sum() / t["count"].sum()) if t["count"].sum() else None
        return {
            "objective": args.objective, "params": params, "rounds_run": len(history),
            "best_round": best + 1, "trees": best + 1,
            "split": "by device" if split == "devices" else
                     "by query (one device: its queries split by a hash of their ids)",
            "train_devices": [d["id"] for d in train_devs],
            "holdout_devices": [d["id"] for d in hold_devs],
            "train_rows": n_train_rows, "holdout_rows": n_hold_rows,
            "holdout_queries_with_clicks": int(model_q["count"].sum()),
            "holdout_ndcg10_model": mean(model_q),
            "holdout_ndcg10_logged_order": mean(logged),
            "holdout_ndcg10_xgboost_best": float(history[best]),
            "load_seconds": round(load_seconds, 3), "train_seconds": round(train_seconds, 3),
            "workers": len(workers), "scheduler": args.scheduler or "LocalCluster",
            "partitions": n_parts, "partitions_per_worker": sorted(per_worker.values()),
            "worker_peak_rss_mib_before": sorted(round(v, 1) for v in rss_before.values()),
            "worker_peak_rss_mib": sorted(round(v, 1) for v in rss_after.values()),
            "xgboost": xgb.__version__, "model": os.path.abspath(args.model),
        }
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
