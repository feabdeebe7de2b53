#!/usr/bin/python3
"""simulate: the fleet simulation (README "Learning across a fleet").

    fleet/simulate.py --saiki BIN --out DIR [--devices N] [--eval-devices M]
                      [--users U] [--sessions S] [--workers W] [--plot FILE.svg]
                      [--catalog CSV] [--max-queries-per-device Q] [--objective OBJ]

1. The fleet's logs: N simulated devices, each a `saiki simulate` seed
   (1001..1000+N) with its own U users and S sessions per user in its own
   database (its personalised arm: the engine's defaults, learning alone).
2. collect.py gathers the N devices' exports (at most Q queries each),
   train.py trains LambdaMART on a LocalCluster of W workers (default 2)
   with a held-out share of the devices, publish.py writes the model and
   its manifest.
3. `saiki model import` on every one of the N devices: the manifest check,
   then the device's own promotion check (the off-policy comparison on its
   logged sessions); the verdicts are counted.
4. The comparison at equal sessions per device: M devices (default N) with
   new users (seeds 2001..2000+M, shoppers no training log holds) run, on
   the same users, queries and click draws, (a) the personalised arm: the
   device learning alone from its first session, and (b) the arm
   imported+personalised: the same device with the fleet model imported
   before its first session (forced: a fresh database has no sessions to
   check it on) and its personal learning on top. NDCG@10 against the
   simulated users' true utility, per session and over all sessions, mean
   and 95% interval over the devices, and the paired difference per device.

Writes DIR/fleet_report.json, DIR/fleet_table.md and the plot (default
DIR/fleet_simulation.svg).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fleetlib  # noqa: E402

PY = sys.executable


def run(cmd, what, ok=(0,)):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in ok:
        raise fleetlib.FleetError("%s failed (exit %d): %s\n%s" %
                                  (what, r.returncode, " ".join(cmd), r.stderr.strip()[-2000:]))
    return r


def simulate_devices(args, first_seed, count, extra, keep_db=None):
    """`saiki simulate` over seeds first_seed.. (at most 100 per call)."""
    results = []
    seed = first_seed
    while seed < first_seed + count:
        n = min(100, first_seed + count - seed)
        cmd = [args.saiki, "simulate", "--seed", str(seed), "--seeds", str(n),
               "--users", str(args.users), "--sessions", str(args.sessions),
               "--bot-sessions", "0", "--no-global-arms", "--quiet", "--json"] + extra
        if args.catalog:
            cmd += ["--catalog", args.catalog]
        if keep_db:
            cmd += ["--keep-db", keep_db]
        results.append(json.loads(run(cmd, "saiki simulate").stdout))
        seed += n
    return results


def mean_ci(xs):
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, 0.0
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    return m, 1.96 * sd / math.sqrt(n)


def arm(results, name):
    """The per-device NDCG@10 curves of one arm, over every simulate call."""
    per_device = []
    for r in results:
        for a in r["arms"]:
            if a["arm"] == name:
                per_device += a["ndcg10"]["per_seed"]
    return per_device


def svg_plot(curves, title, subtitle, path):
    """NDCG@10 by session: one line per arm, its 95% band shaded."""
    w, h, left, right, top, bottom = 760, 420, 64, 200, 56, 48
    sessions = len(next(iter(curves.values()))["mean"])
    lo = min(min(c["mean"][i] - c["ci"][i] for i in range(sessions)) for c in curves.values())
    hi = max(max(c["mean"][i] + c["ci"][i] for i in range(sessions)) for c in curves.values())
    lo, hi = math.floor(lo * 20) / 20, math.ceil(hi * 20) / 20

    def x(i):
        return left + (w - left - right) * (i / max(1, sessions - 1))

    def y(v):
        return top + (h - top - bottom) * (1 - (v - lo) / (hi - lo))
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (w, h),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>' % (left, title),
           '<text x="%d" y="40" fill="#555">%s</text>' % (left, subtitle)]
    v = lo
    while v <= hi + 1e-9:
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' %
                   (left, w - right, y(v), y(v)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%.2f</text>' % (left - 6, y(v) + 4, v))
        v += 0.05
    for i in range(sessions):
        if sessions <= 20 or (i + 1) % 5 == 0 or i == 0:
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' %
                       (x(i), h - bottom + 16, i + 1))
    out.append('<text x="%d" y="%d" text-anchor="middle">session (per user of a device)</text>' %
               ((left + w - right) // 2, h - 8))
    out.append('<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle">'
               'NDCG@10 (true utility)</text>' % ((top + h - bottom) // 2, (top + h - bottom) // 2))
    for k, (name, c) in enumerate(curves.items()):
        band = " ".join("%.1f,%.1f" % (x(i), y(c["mean"][i] + c["ci"][i])) for i in range(sessions))
        band += " " + " ".join("%.1f,%.1f" % (x(i), y(c["mean"][i] - c["ci"][i]))
                               for i in reversed(range(sessions)))
        out.append('<polygon points="%s" fill="%s" fill-opacity="0.15" stroke="none"/>' %
                   (band, c["color"]))
        line = " ".join("%.1f,%.1f" % (x(i), y(c["mean"][i])) for i in range(sessions))
        out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>' %
                   (line, c["color"], ' stroke-dasharray="5,4"' if c.get("dashed") else ""))
        ly = top + 14 + 20 * k
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>' %
                   (w - right + 12, w - right + 36, ly, ly, c["color"],
                    ' stroke-dasharray="5,4"' if c.get("dashed") else ""))
        out.append('<text x="%d" y="%d">%s</text>' % (w - right + 42, ly + 4, name))
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--saiki", required=True, help="the saiki CLI")
    p.add_argument("--out", required=True, help="working directory (created)")
    p.add_argument("--devices", type=int, default=16, help="devices whose logs train (16)")
    p.add_argument("--eval-devices", type=int, help="devices compared (default --devices)")
    p.add_argument("--users", type=int, default=20, help="users per device (20)")
    p.add_argument("--sessions", type=int, default=20, help="sessions per user (20)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers (2)")
    p.add_argument("--max-queries-per-device", type=int, default=2000)
    p.add_argument("--objective", default="rank:ndcg", choices=["rank:ndcg", "rank:pairwise"])
    p.add_argument("--catalog", help="catalogue CSV for saiki simulate (default: its own)")
    p.add_argument("--plot", help="the SVG to write (default OUT/fleet_simulation.svg)")
    args = p.parse_args(argv)
    args.eval_devices = args.eval_devices or args.devices
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    say = lambda m: print("fleet simulate: %s" % m, file=sys.stderr, flush=True)  # noqa: E731
    try:
        t0 = time.monotonic()
        dev_dir = os.path.join(out, "devices")
        if os.path.isdir(dev_dir) and os.listdir(dev_dir):
            raise fleetlib.FleetError("%s: exists and is not empty" % dev_dir)
        say("1. %d devices x %d users x %d sessions log their searches" %
            (args.devices, args.users, args.sessions))
        simulate_devices(args, 1001, args.devices, [], keep_db=dev_dir)
        devices = [os.path.join(dev_dir, "seed%d-personalised.saiki" % (1000 + i))
                   for i in range(1, args.devices + 1)]
        t_logs = time.monotonic() - t0

        say("2. collect, train on Dask (%d workers), publish" % args.workers)
        data = os.path.join(out, "data")
        run([PY, os.path.join(HERE, "collect.py"), "--saiki", args.saiki, "--out", data,
             "--max-queries-per-device", str(args.max_queries_per_device)] +
            ["device%03d=%s" % (i + 1, d) for i, d in enumerate(devices)], "collect")
        report_path = os.path.join(out, "train_report.json")
        run([PY, os.path.join(HERE, "train.py"), "--data", data, "--model",
             os.path.join(out, "trained.json"), "--report", report_path,
             "--workers", str(args.workers), "--objective", args.objective], "train")
        published = os.path.join(out, "published")
        run([PY, os.path.join(HERE, "publish.py"), "--model", os.path.join(out, "trained.json"),
             "--data", data, "--report", report_path, "--out", published], "publish")
        model = os.path.join(published, "model.json")
        with open(report_path) as f:
            train_report = json.load(f)

        say("3. model import on each of the %d devices" % len(devices))
        verdicts = {}
        for d in devices:
            r = run([args.saiki, "--db", d, "model", "import", model], "model import", ok=(0, 3))
            try:
                status = json.loads(r.stdout)["status"]
            except (ValueError, KeyError):
                raise fleetlib.FleetError("model import on %s: %s" % (d, r.stderr.strip()))
            verdicts[status] = verdicts.get(status, 0) + 1

        say("4. %d devices with new users: learning alone vs with the fleet model" %
            args.eval_devices)
        results = simulate_devices(args, 2001, args.eval_devices, ["--imported-model", model])
        with open(os.path.join(out, "eval_results.json"), "w") as f:
            json.dump(results, f)
        alone, fleet = arm(results, "personalised"), arm(results, "imported+personalised")
        bm25 = arm(results, "bm25")
        sessions = len(alone[0])

        def curve(per_device, color, dashed=False):
            ms = [mean_ci([d[s] for d in per_device]) for s in range(sessions)]
            overall = mean_ci([sum(d) / len(d) for d in per_device])
            return {"mean": [m for m, _ in ms], "ci": [c for _, c in ms],
                    "overall": overall[0], "overall_ci": overall[1], "color": color,
                    "dashed": dashed}
        curves = {"with the fleet model": curve(fleet, "#17becf"),
                  "device alone": curve(alone, "#d62728"),
                  "bm25 (no learning)": curve(bm25, "#7f7f7f", True)}
        diff_overall = mean_ci([sum(f) / len(f) - sum(a) / len(a) for f, a in zip(fleet, alone)])
        diff_by_session = [mean_ci([f[s] - a[s] for f, a in zip(fleet, alone)])
                           for s in range(sessions)]
        fc, ac = curves["with the fleet model"], curves["device alone"]
        apart = [s + 1 for s in range(sessions)
                 if fc["mean"][s] - fc["ci"][s] > ac["mean"][s] + ac["ci"][s]]
        report = {
            "devices": args.devices, "eval_devices": args.eval_devices, "users": args.users,
            "sessions": sessions, "train": train_report,
            "import_verdicts": verdicts, "curves": curves,
            "overall_apart": fc["overall"] - fc["overall_ci"] > ac["overall"] + ac["overall_ci"],
            "sessions_apart": apart,
            "paired_difference_overall": {"mean": diff_overall[0], "ci": diff_overall[1]},
            "paired_difference_by_session": [{"mean": m, "ci": c} for m, c in diff_by_session],
            "seconds": {"device_logs": round(t_logs, 1),
                        "total": round(time.monotonic() - t0, 1)},
        }
        with open(os.path.join(out, "fleet_report.json"), "w") as f:
            json.dump(report, f, indent=1)
        cols = [s for s in (1, 2, 3, 5, 10, 20) if s <= sessions]
        if cols[-1] != sessions:
            cols.append(sessions)
        lines = ["| arm | " + " | ".join("session %d" % s for s in cols) + " | all sessions |",
                 "|---|" + "---|" * (len(cols) + 1)]
        for name, c in curves.items():
            lines.append("| %s | " % name + " | ".join(
                "%.3f ±%.3f" % (c["mean"][s - 1], c["ci"][s - 1]) for s in cols) +
                " | %.3f ±%.3f |" % (c["overall"], c["overall_ci"]))
        lines.append("| difference, paired per device | " + " | ".join(
            "%+.3f ±%.3f" % (diff_by_session[s - 1][0], diff_by_session[s - 1][1])
            for s in cols) + " | %+.3f ±%.3f |" % diff_overall)
        table = "\n".join(lines) + "\n"
        with open(os.path.join(out, "fleet_table.md"), "w") as f:
            f.write(table)
        svg_plot({k: v for k, v in curves.items()},
                 "Fleet model vs devices learning alone: NDCG@10 by session",
                 "%d devices x %d users (model: %d devices' logs, other users); "
                 "mean, 95%% interval" % (args.eval_devices, args.users, args.devices),
                 args.plot or os.path.join(out, "fleet_simulation.svg"))
        print(table)
        print("import verdicts on the %d training devices: %s" %
              (len(devices), ", ".join("%s %d" % kv for kv in sorted(verdicts.items()))))
        print("held-out devices' NDCG@10 on logged clicks: model %.3f, logged order %.3f" %
              (train_report["holdout_ndcg10_model"], train_report["holdout_ndcg10_logged_order"]))
        print("sessions where the intervals are apart: %s; over all sessions: %s" %
              (apart or "none", "apart" if report["overall_apart"] else "overlapping"))
        say("done in %.0f s (%s)" % (time.monotonic() - t0, out))
        return 0
    except fleetlib.FleetError as e:
        print("fleet simulate: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
