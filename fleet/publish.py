#!/usr/bin/python3
"""publish: writes a trained fleet model and its manifest, the pair every
device imports with `saiki model import` (README "Learning across a fleet").

    fleet/publish.py --model MODEL.json --data DATA --report REPORT.json --out DIR

Writes DIR/model.json (the model, byte for byte) and DIR/model.json.manifest:

  {"format": "saiki-model-manifest", "format_version": 1,
   "feature_set": {"version": N, "names": [...]},   the features, in column order
   "model": {"file", "bytes", "sha256", "num_trees", "objective", "xgboost"},
   "training_data": {devices, holdout devices, rows, queries, share bound},
   "metrics": {held-out NDCG@10 of the model and of the logged order, ...},
   "published_at": UTC time}

saiki's feature list only grows at its end, so its length is the feature
set's version. `saiki model import DIR/model.json` finds the manifest beside
the model and refuses the model, storing nothing, when the manifest names
another feature set than the device's saiki or describes another file
(engine/model_manifest.h); then the model still has to pass the device's
promotion check (the off-policy comparison against its active model on its
logged sessions) unless imported with --force.
"""
import argparse
import datetime
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetlib  # noqa: E402


def model_facts(path):
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
        learner = m["learner"]
        trees = learner["gradient_booster"]["model"]["trees"]
        objective = learner["objective"]["name"]
        names = learner.get("feature_names") or []
        num_feature = int(learner["learner_model_param"]["num_feature"])
    except OSError as e:
        raise fleetlib.FleetError("%s: cannot read (%s)" % (path, e.strerror))
    except (ValueError, KeyError, TypeError) as e:
        raise fleetlib.FleetError("%s: not an XGBoost JSON model (%s)" % (path, e))
    return {"num_trees": len(trees), "objective": objective, "feature_names": names,
            "num_feature": num_feature}


def build_manifest(model_path, summary, report):
    facts = model_facts(model_path)
    names = summary["feature_names"]
    if facts["feature_names"] and facts["feature_names"] != names:
        raise fleetlib.FleetError("%s: trained on features %s..., the data has %s..." %
                                  (model_path, facts["feature_names"][:3], names[:3]))
    if facts["num_feature"] != len(names):
        raise fleetlib.FleetError("%s: %d features, the data %d" %
                                  (model_path, facts["num_feature"], len(names)))
    devices = summary["devices"]
    return {
        "format": fleetlib.MANIFEST_FORMAT,
        "format_version": fleetlib.MANIFEST_VERSION,
        "feature_set": {"version": len(names), "names": names},
        "model": {"file": "model.json", "bytes": os.path.getsize(model_path),
                  "sha256": fleetlib.sha256_file(model_path), "num_trees": facts["num_trees"],
                  "objective": facts["objective"], "xgboost": report.get("xgboost")},
        "training_data": {
            "devices": len(devices),
            "train_devices": len(report.get("train_devices", [])),
            "holdout_devices": report.get("holdout_devices", []),
            "split": report.get("split"),
            "rows": summary["rows"], "queries": summary["queries"],
            "max_queries_per_device": summary["max_queries_per_device"],
            "largest_device_share": round(max((d["queries_kept"] for d in devices), default=0) /
                                          max(1, summary["queries"]), 4),
        },
        "metrics": {k: report.get(k) for k in (
            "holdout_ndcg10_model", "holdout_ndcg10_logged_order", "holdout_ndcg10_xgboost_best",
            "holdout_queries_with_clicks", "best_round", "train_seconds", "workers")},
        "published_at": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the model train.py saved")
    p.add_argument("--data", required=True, help="the data directory it was trained on")
    p.add_argument("--report", required=True, help="train.py's report")
    p.add_argument("--out", required=True, help="the directory to publish into")
    args = p.parse_args(argv)
    try:
        summary = fleetlib.load_summary(args.data)
        try:
            with open(args.report, encoding="utf-8") as f:
                report = json.load(f)
        except (OSError, ValueError) as e:
            raise fleetlib.FleetError("%s: cannot read the training report (%s)" %
                                      (args.report, e))
        os.makedirs(args.out, exist_ok=True)
        target = os.path.join(args.out, "model.json")
        if os.path.abspath(target) != os.path.abspath(args.model):
            shutil.copyfile(args.model, target + ".part")
            os.replace(target + ".part", target)
        manifest = build_manifest(target, summary, report)
        path = target + fleetlib.MANIFEST_SUFFIX
        with open(path + ".part", "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        os.replace(path + ".part", path)
    except fleetlib.FleetError as e:
        print("publish: %s" % e, file=sys.stderr)
        return 2
    print("publish: %s (%d trees, feature set version %d) and %s" %
          (target, manifest["model"]["num_trees"], manifest["feature_set"]["version"], path),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
