#!/usr/bin/python3
"""scale: training time and peak memory per worker for the pooled logs of
1, 8, 32 and 128 simulated devices on a LocalCluster (README "Learning
across a fleet: scale").

    fleet/scale.py --saiki BIN --out DIR [--sizes 1,8,32,128] [--users 10]
                   [--sessions 10] [--workers 2] [--rounds 100] [--catalog CSV]

Device logs are made cheaply: one `saiki simulate` process runs many seeds
(`--no-global-arms --bot-sessions 0`, at most 32 seeds per call, the
catalogue indexed once per call), each seed a device of U users with S
sessions; each device's personalised database is exported
(`saiki export-features`) and deleted, so only the exports stay. Then, for
each size n, the first n devices' exports go through collect.py (no
per-device bound, so the rows grow with n) and train.py on a fresh
LocalCluster of W workers with a fixed number of rounds (early stopping
off: the same work per row at every size), and the report's figures are
tabulated: rows, partitions per worker, load and training time, each
worker's peak resident memory (and its size before the run: the Python,
Dask and XGBoost baseline).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fleetlib  # noqa: E402

PY = sys.executable


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise fleetlib.FleetError("failed (exit %d): %s\n%s" %
                                  (r.returncode, " ".join(cmd), r.stderr.strip()[-2000:]))
    return r


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--saiki", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--sizes", default="1,8,32,128")
    p.add_argument("--users", type=int, default=10)
    p.add_argument("--sessions", type=int, default=10)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=100)
    p.add_argument("--catalog")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    out = os.path.abspath(args.out)
    exports = os.path.join(out, "exports")
    os.makedirs(exports, exist_ok=True)
    say = lambda m: print("fleet scale: %s" % m, file=sys.stderr, flush=True)  # noqa: E731
    try:
        need = max(sizes)
        t0 = time.monotonic()
        have = len([f for f in os.listdir(exports) if f.endswith(".txt")])
        seed = 3001 + have
        while have < need:
            n = min(32, need - have)
            tmp = os.path.join(out, "tmp-devices")
            shutil.rmtree(tmp, ignore_errors=True)
            cmd = [args.saiki, "simulate", "--seed", str(seed), "--seeds", str(n),
                   "--users", str(args.users), "--sessions", str(args.sessions),
                   "--bot-sessions", "0", "--no-global-arms", "--quiet", "--keep-db", tmp]
            if args.catalog:
                cmd += ["--catalog", args.catalog]
            run(cmd)
            for s in range(seed, seed + n):
                run([args.saiki, "--db", os.path.join(tmp, "seed%d-personalised.saiki" % s),
                     "export-features", "--out", os.path.join(exports, "dev%03d.txt" % (s - 3000))])
            shutil.rmtree(tmp)
            have += n
            seed += n
            say("%d device logs (%.0f s)" % (have, time.monotonic() - t0))
        gen_seconds = time.monotonic() - t0
        rows = []
        for n in sizes:
            data = os.path.join(out, "data-%d" % n)
            shutil.rmtree(data, ignore_errors=True)
            devs = [os.path.join(exports, "dev%03d.txt" % i) for i in range(1, n + 1)]
            run([PY, os.path.join(HERE, "collect.py"), "--out", data,
                 "--max-queries-per-device", "0"] + devs)
            report_path = os.path.join(out, "train-%d.json" % n)
            run([PY, os.path.join(HERE, "train.py"), "--data", data, "--model",
                 os.path.join(out, "model-%d.json" % n), "--report", report_path,
                 "--workers", str(args.workers), "--rounds", str(args.rounds),
                 "--early-stopping", str(args.rounds)])
            with open(report_path) as f:
                r = json.load(f)
            data_mib = sum(os.path.getsize(os.path.join(data, x)) for x in os.listdir(data)) / 2**20
            rows.append({"devices": n, "train_rows": r["train_rows"],
                         "holdout_rows": r["holdout_rows"], "partitions": r["partitions"],
                         "partitions_per_worker": r["partitions_per_worker"],
                         "data_mib": round(data_mib, 1), "load_seconds": r["load_seconds"],
                         "train_seconds": r["train_seconds"], "rounds": r["rounds_run"],
                         "worker_peak_rss_mib": r["worker_peak_rss_mib"],
                         "worker_rss_mib_before": r["worker_peak_rss_mib_before"],
                         "holdout_ndcg10_model": r["holdout_ndcg10_model"]})
            shutil.rmtree(data)
            say("%d devices: %d rows, %.1f s training, peak %s MiB per worker" %
                (n, r["train_rows"], r["train_seconds"], r["worker_peak_rss_mib"]))
        with open(os.path.join(out, "scale.json"), "w") as f:
            json.dump({"users": args.users, "sessions": args.sessions, "workers": args.workers,
                       "rounds": args.rounds, "generate_seconds": round(gen_seconds, 1),
                       "sizes": rows}, f, indent=1)
        lines = ["| devices | training rows | partitions per worker | CSV MiB | load s | "
                 "training s | peak RSS per worker MiB (before) |", "|---|---|---|---|---|---|---|"]
        for r in rows:
            lines.append("| %d | %d | %s | %.1f | %.1f | %.1f | %s (%s) |" % (
                r["devices"], r["train_rows"], "/".join(map(str, r["partitions_per_worker"])),
                r["data_mib"], r["load_seconds"], r["train_seconds"],
                " / ".join("%.0f" % v for v in r["worker_peak_rss_mib"]),
                " / ".join("%.0f" % v for v in r["worker_rss_mib_before"])))
        table = "\n".join(lines) + "\n"
        with open(os.path.join(out, "scale.md"), "w") as f:
            f.write(table)
        print(table)
        return 0
    except fleetlib.FleetError as e:
        print("fleet scale: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
