#!/usr/bin/python3
"""collect: gathers many devices' feature exports into partitioned training
data for `train` (README "Learning across a fleet").

    fleet/collect.py --out DATA [--saiki BIN] [--max-queries-per-device N]
                     [--seed S] [--rows-per-part R] DEVICE...

A DEVICE is `[ID=]PATH`: a saiki database (PATH ends in .saiki: exported
with `saiki --db PATH export-features`) or an export file (PATH written by
`saiki export-features --out PATH`, with PATH.features beside it). ID names
the device (default: the file name without its extension); ids are unique.

What it writes in DATA (an existing DATA is refused unless empty):
  part-DDDDD-PPP.csv  one device's queries (a query never spans parts, at
                      most R rows per part): columns device, qid, label and
                      the features under saiki's names. qid is made unique
                      across the fleet: a running number over every kept
                      query, device after device (each device's queries in
                      their order), so it increases through the parts in
                      order (XGBoost wants qid non-decreasing within what a
                      worker holds, and reads it as a 32-bit number).
  collect.json        the feature names (all devices must agree), each
                      device's counts (queries and rows exported, kept,
                      with at least one click) and its parts.

Bounding one device's share: a device contributes at most N queries
(--max-queries-per-device, default 2000; 0: no bound), a uniform sample
without replacement chosen by a hash of (seed, device id, query id), so
the choice is deterministic and a busy device cannot outweigh the others
by more than N against their counts. Rows of a kept query are all kept
(ranking learns from whole result lists).

One device at a time is read, streamed twice (count, then write), so memory
is one device's kept rows at most, whatever the fleet's size; the parts are
what the Dask cluster reads, each worker its own share.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetlib  # noqa: E402


def parse_device(spec):
    if "=" in spec and not os.path.exists(spec):
        device, path = spec.split("=", 1)
    else:
        device, path = os.path.splitext(os.path.basename(spec))[0], spec
    if not device or any(c in device for c in "/\n,\""):
        raise fleetlib.FleetError("%s: bad device id %r (no '/', ',', '\"' or newline)" %
                                  (spec, device))
    return device, path


def export_database(saiki, db, tmp):
    out = os.path.join(tmp, "export.txt")
    r = subprocess.run([saiki, "--db", db, "export-features", "--out", out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise fleetlib.FleetError("%s: saiki export-features failed (exit %d): %s" %
                                  (db, r.returncode, r.stderr.strip()))
    return out


def collect_device(index, device, export, names, args, out_dir, first_qid):
    """Subsamples and writes one device's export, numbering its kept queries
    from first_qid; returns its summary."""
    n = len(names)
    queries, clicked = {}, set()
    with open(export, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            label, qid, _ = fleetlib.parse_export_line(line, n, "%s:%d" % (export, line_no))
            queries[qid] = queries.get(qid, 0) + 1
            if label > 0:
                clicked.add(qid)
    order = sorted(queries)
    if args.max_queries_per_device and len(order) > args.max_queries_per_device:
        ranked = sorted(order, key=lambda q: fleetlib.keep_score(args.seed, device, q))
        kept = set(ranked[:args.max_queries_per_device])
    else:
        kept = set(order)
    fleet_qid = {q: first_qid + i for i, q in enumerate(q for q in order if q in kept)}
    if fleet_qid and max(fleet_qid.values()) > fleetlib.MAX_FLEET_QID:
        raise fleetlib.FleetError("%s: more than 2^32 queries in the fleet's data; split the "
                                  "training run" % export)
    parts, rows_kept = [], 0
    writer, handle, part_rows, last_qid = None, None, 0, None

    def open_part():
        nonlocal writer, handle, part_rows
        if handle is not None:
            handle.close()
        name = "part-%05d-%03d.csv" % (index, len(parts))
        parts.append(name)
        handle = open(os.path.join(out_dir, name), "w", newline="", encoding="utf-8")
        writer = csv.writer(handle)
        writer.writerow(["device", "qid", "label"] + names)
        part_rows = 0

    with open(export, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            label, qid, values = fleetlib.parse_export_line(line, n, "%s:%d" % (export, line_no))
            if qid not in kept:
                continue
            if last_qid is not None and qid < last_qid:
                raise fleetlib.FleetError("%s:%d: query ids out of order (%d after %d)" %
                                          (export, line_no, qid, last_qid))
            # A new part only at a query boundary.
            if handle is None or (qid != last_qid and part_rows + queries[qid] > args.rows_per_part
                                  and part_rows > 0):
                open_part()
            last_qid = qid
            writer.writerow([device, fleet_qid[qid], label] + ["%r" % v for v in values])
            part_rows += 1
            rows_kept += 1
    if handle is not None:
        handle.close()
    return {"id": device, "index": index, "queries": len(queries),
            "rows": sum(queries.values()), "queries_with_clicks": len(clicked),
            "queries_kept": len(kept), "rows_kept": rows_kept, "parts": parts,
            "first_qid": first_qid}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("devices", nargs="+", metavar="DEVICE")
    p.add_argument("--out", required=True, help="the data directory to write")
    p.add_argument("--saiki", default="saiki", help="the saiki CLI (for .saiki databases)")
    p.add_argument("--max-queries-per-device", type=int, default=2000,
                   help="queries one device may contribute (default 2000; 0: no bound)")
    p.add_argument("--seed", type=int, default=1, help="seed of the subsample (default 1)")
    p.add_argument("--rows-per-part", type=int, default=200000,
                   help="largest part file, in rows (default 200000)")
    args = p.parse_args(argv)
    try:
        if args.max_queries_per_device < 0 or args.rows_per_part < 1:
            raise fleetlib.FleetError("--max-queries-per-device is 0 or more, "
                                      "--rows-per-part 1 or more")
        devices = [parse_device(s) for s in args.devices]
        ids = [d for d, _ in devices]
        dup = sorted({d for d in ids if ids.count(d) > 1})
        if dup:
            raise fleetlib.FleetError("device ids given twice: %s (name them ID=PATH)" %
                                      ", ".join(dup))
        if os.path.isdir(args.out) and os.listdir(args.out):
            raise fleetlib.FleetError("%s: exists and is not empty" % args.out)
        os.makedirs(args.out, exist_ok=True)
        names, summaries, next_qid = None, [], 0
        with tempfile.TemporaryDirectory() as tmp:
            for index, (device, path) in enumerate(devices):
                if not os.path.exists(path):
                    raise fleetlib.FleetError("%s: no such database or export (device %s)" %
                                              (path, device))
                export = export_database(args.saiki, path, tmp) if path.endswith(".saiki") \
                    else path
                these = fleetlib.read_feature_names(export + ".features")
                if names is None:
                    names = these
                elif these != names:
                    raise fleetlib.FleetError(
                        "device %s (%s) exports %d features (%s...), the first device %d: "
                        "devices of one training run must run the same feature set" %
                        (device, path, len(these), " ".join(these[:3]), len(names)))
                s = collect_device(index, device, export, names, args, args.out, next_qid)
                next_qid += s["queries_kept"]
                summaries.append(s)
                print("collect: %s: %d of %d queries kept (%d rows), %d part(s)" %
                      (device, s["queries_kept"], s["queries"], s["rows_kept"], len(s["parts"])),
                      file=sys.stderr)
        summary = {"format": fleetlib.SUMMARY_FORMAT, "feature_names": names,
                   "max_queries_per_device": args.max_queries_per_device, "seed": args.seed,
                   "rows_per_part": args.rows_per_part, "devices": summaries,
                   "rows": sum(s["rows_kept"] for s in summaries),
                   "queries": sum(s["queries_kept"] for s in summaries)}
        with open(os.path.join(args.out, fleetlib.SUMMARY_FILE), "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
        print("collect: %d devices, %d queries, %d rows in %s" %
              (len(summaries), summary["queries"], summary["rows"], args.out), file=sys.stderr)
        return 0
    except fleetlib.FleetError as e:
        print("collect: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
