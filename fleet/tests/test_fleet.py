"""The fleet tools (fleet/): unit tests of collect, train's split, publish's
manifest, and one end-to-end run: three small simulated devices, collect,
train on a LocalCluster of 2 workers, publish, `saiki model import` on each
device (the manifest check and the device's promotion check).

Run by CTest (`ctest -R fleet_tools`) with Debian's python3, python3-pytest,
python3-dask, python3-distributed, python3-xgboost and python3-pandas;
SAIKI_CLI names the saiki binary, SAIKI_SOURCE_DIR the source tree.
"""
import json
import os
import subprocess
import sys

import pytest

FLEET = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, FLEET)
import collect  # noqa: E402
import fleetlib  # noqa: E402
import publish  # noqa: E402
import train  # noqa: E402

NAMES = ["f_a", "f_b", "f_c"]


def write_export(path, queries, names=NAMES):
    """queries: {qid: [(label, [values])...]} -> an export file and its names."""
    with open(path, "w") as f:
        for qid in sorted(queries):
            for i, (label, values) in enumerate(queries[qid]):
                f.write("%d qid:%d %s # %d P%d\n" % (
                    label, qid, " ".join("%d:%r" % (j + 1, v) for j, v in enumerate(values)),
                    qid, i))
    with open(path + ".features", "w") as f:
        f.write("\n".join(names) + "\n")


def read_parts(out):
    import csv
    summary = fleetlib.load_summary(str(out))
    rows = []
    for d in summary["devices"]:
        for part in d["parts"]:
            with open(os.path.join(str(out), part)) as f:
                rows.append((part, list(csv.DictReader(f))))
    return summary, rows


# ------------------------------------------------------------ fleetlib

def test_parse_export_line():
    assert fleetlib.parse_export_line("2 qid:7 1:0.5 2:0 3:1e-3 # 7 P1", 3, "x:1") == \
        (2, 7, [0.5, 0.0, 0.001])
    with pytest.raises(fleetlib.FleetError, match="x:1: 4 fields, expected label, qid and 3"):
        fleetlib.parse_export_line("2 qid:7 1:0.5 2:0", 3, "x:1")
    with pytest.raises(fleetlib.FleetError, match="feature 3 where 2 was expected"):
        fleetlib.parse_export_line("0 qid:7 1:0.5 3:0 2:1", 3, "x:1")
    with pytest.raises(fleetlib.FleetError, match="not an export line"):
        fleetlib.parse_export_line("0 7 1:0.5 2:0 3:1", 3, "x:1")
    with pytest.raises(fleetlib.FleetError, match="out of range"):
        fleetlib.parse_export_line("0 qid:-1 1:0 2:0 3:1", 3, "x:1")


def test_ndcg_at_k():
    # Perfect order: 1; reversed order of two graded results: below 1.
    assert fleetlib.ndcg_at_k([3, 1, 0], [3, 2, 1]) == pytest.approx(1.0)
    v = fleetlib.ndcg_at_k([0, 1], [2, 1])
    assert v == pytest.approx((1 / 2 ** 0.5 * 0 + 1 / 1.5849625007211563) / 1.0)
    assert fleetlib.ndcg_at_k([0, 0, 0], [1, 2, 3]) is None
    # Ties keep the logged order.
    assert fleetlib.ndcg_at_k([1, 0], [0, 0]) == pytest.approx(1.0)
    assert fleetlib.ndcg_at_k([0, 1], [0, 0]) < 1
    total, count = fleetlib.query_ndcg_sums([1, 1, 2, 2, 3], [1, 0, 0, 0, 1], [1, 0, 1, 0, 5])
    assert (total, count) == (pytest.approx(2.0), 2)


# ------------------------------------------------------------ collect

def test_collect_bounds_each_device_and_makes_query_ids_unique(tmp_path):
    busy = {q: [(1 if i == q % 3 else 0, [q, i, 0.5]) for i in range(3)] for q in range(1, 101)}
    quiet = {q: [(0, [q, 0, 0]), (2, [q, 1, 1])] for q in range(1, 6)}
    write_export(str(tmp_path / "busy.txt"), busy)
    write_export(str(tmp_path / "quiet.txt"), quiet)
    out = tmp_path / "data"
    assert collect.main(["--out", str(out), "--max-queries-per-device", "20",
                         "--rows-per-part", "10", "busy=" + str(tmp_path / "busy.txt"),
                         str(tmp_path / "quiet.txt")]) == 0
    summary, parts = read_parts(out)
    assert summary["feature_names"] == NAMES
    busy_s, quiet_s = summary["devices"]
    assert (busy_s["id"], busy_s["queries"], busy_s["queries_kept"]) == ("busy", 100, 20)
    assert busy_s["rows_kept"] == 60
    assert (quiet_s["id"], quiet_s["queries_kept"], quiet_s["rows_kept"]) == ("quiet", 5, 10)
    qids = {}
    for part, rows in parts:
        assert len(rows) <= 10
        part_qids = [int(r["qid"]) for r in rows]
        assert part_qids == sorted(part_qids)
        for r in rows:
            qids.setdefault(int(r["qid"]), set()).add(part)
            assert list(r)[:3] == ["device", "qid", "label"] and list(r)[3:] == NAMES
    # A query never spans parts; ids are unique across devices.
    assert all(len(p) == 1 for p in qids.values())
    assert len(qids) == 25
    assert sorted(qids) == list(range(25))  # a running number, device after device
    assert quiet_s["first_qid"] == 20
    # Deterministic: the same seed keeps the same queries, another seed others.
    again = tmp_path / "again"
    collect.main(["--out", str(again), "--max-queries-per-device", "20",
                  "busy=" + str(tmp_path / "busy.txt")])
    other = tmp_path / "other"
    collect.main(["--out", str(other), "--max-queries-per-device", "20", "--seed", "2",
                  "busy=" + str(tmp_path / "busy.txt")])
    kept = lambda d: {int(r["qid"]) for _, rows in read_parts(d)[1] for r in rows}  # noqa: E731
    kept_rows = lambda d: {tuple(r.values())[2:] for _, rows in read_parts(d)[1]  # noqa: E731
                           for r in rows}
    assert kept(again) == set(range(20))
    assert kept_rows(again) == {tuple(r.values())[2:] for _, rows in parts for r in rows
                                if r["device"] == "busy"}
    assert kept_rows(other) != kept_rows(again)


def test_collect_refuses_bad_input(tmp_path, capsys):
    write_export(str(tmp_path / "a.txt"), {1: [(1, [1, 2, 3])]})
    write_export(str(tmp_path / "b.txt"), {1: [(1, [1, 2])]}, names=["f_a", "f_b"])
    assert collect.main(["--out", str(tmp_path / "o1"), str(tmp_path / "a.txt"),
                         "b=" + str(tmp_path / "b.txt")]) == 2
    assert "device b" in capsys.readouterr().err
    assert collect.main(["--out", str(tmp_path / "o2"), str(tmp_path / "a.txt"),
                         str(tmp_path / "a.txt")]) == 2
    assert "device ids given twice: a" in capsys.readouterr().err
    assert collect.main(["--out", str(tmp_path / "o3"), str(tmp_path / "missing.txt")]) == 2
    assert "no such database or export" in capsys.readouterr().err
    with open(tmp_path / "c.txt", "w") as f:
        f.write("1 qid:1 1:0 2:0\n")
    with open(tmp_path / "c.txt.features", "w") as f:
        f.write("f_a f_b f_c\n")
    assert collect.main(["--out", str(tmp_path / "o4"), str(tmp_path / "c.txt")]) == 2
    assert "c.txt:1: 4 fields" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    assert collect.main(["--out", str(tmp_path / "full"), str(tmp_path / "a.txt")]) == 2
    assert "not empty" in capsys.readouterr().err


# ------------------------------------------------------------ train's split

def test_split_by_device():
    summary = {"devices": [{"id": "d%d" % i, "rows_kept": 10} for i in range(10)] +
               [{"id": "empty", "rows_kept": 0}]}
    tr, hold, how = train.split_devices(summary, 0.2, 1)
    assert how == "devices" and len(hold) == 2 and len(tr) == 8
    assert not {d["id"] for d in tr} & {d["id"] for d in hold}
    assert "empty" not in {d["id"] for d in tr + hold}
    # In collect order (the parts' qid order), both of them.
    assert [d["id"] for d in hold] == sorted(d["id"] for d in hold)
    assert [d["id"] for d in tr] == sorted(d["id"] for d in tr)
    assert train.split_devices(summary, 0.2, 1) == (tr, hold, how)
    one = {"devices": [{"id": "solo", "rows_kept": 5}]}
    assert train.split_devices(one, 0.2, 1)[2] == "queries"
    two = {"devices": [{"id": "a", "rows_kept": 5}, {"id": "b", "rows_kept": 5}]}
    assert [len(x) for x in train.split_devices(two, 0.9, 1)[:2]] == [1, 1]
    with pytest.raises(fleetlib.FleetError, match="no device has any logged results"):
        train.split_devices({"devices": [{"id": "e", "rows_kept": 0}]}, 0.2, 1)


# ------------------------------------------------------------ publish

def tiny_model(path, names):
    import numpy as np
    import xgboost as xgb
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(40, len(names))).astype(np.float32)
    d = xgb.DMatrix(x, label=(x[:, 0] > 0.5).astype(np.float32), feature_names=names)
    d.set_group([10] * 4)
    xgb.train({"objective": "rank:pairwise", "max_depth": 2}, d, 3).save_model(path)


def test_publish_writes_the_manifest_saiki_checks(tmp_path):
    write_export(str(tmp_path / "a.txt"), {1: [(1, [1, 2, 3]), (0, [0, 0, 0])]})
    data = tmp_path / "data"
    assert collect.main(["--out", str(data), str(tmp_path / "a.txt")]) == 0
    tiny_model(str(tmp_path / "m.json"), NAMES)
    (tmp_path / "r.json").write_text(json.dumps({"holdout_ndcg10_model": 0.7, "xgboost": "x",
                                                 "holdout_devices": []}))
    out = tmp_path / "pub"
    assert publish.main(["--model", str(tmp_path / "m.json"), "--data", str(data),
                         "--report", str(tmp_path / "r.json"), "--out", str(out)]) == 0
    m = json.loads((out / "model.json.manifest").read_text())
    assert m["format"] == "saiki-model-manifest" and m["format_version"] == 1
    assert m["feature_set"] == {"version": 3, "names": NAMES}
    assert m["model"]["bytes"] == os.path.getsize(out / "model.json")
    assert m["model"]["num_trees"] == 3 and m["model"]["objective"] == "rank:pairwise"
    assert m["model"]["sha256"] == fleetlib.sha256_file(str(out / "model.json"))
    assert m["training_data"]["devices"] == 1 and m["metrics"]["holdout_ndcg10_model"] == 0.7
    # A model trained on other features than the data's is refused.
    tiny_model(str(tmp_path / "other.json"), ["x", "y", "z"])
    assert publish.main(["--model", str(tmp_path / "other.json"), "--data", str(data),
                         "--report", str(tmp_path / "r.json"), "--out",
                         str(tmp_path / "pub2")]) == 2


# ------------------------------------------------------------ end to end

def saiki(*args, ok=(0,)):
    cli = os.environ["SAIKI_CLI"]
    r = subprocess.run([cli] + list(args), capture_output=True, text=True)
    assert r.returncode in ok, (args, r.returncode, r.stderr)
    return r


def tool(name, *args):
    r = subprocess.run([sys.executable, os.path.join(FLEET, name)] + list(args),
                       capture_output=True, text=True)
    assert r.returncode == 0, (name, r.stderr)
    return r


@pytest.mark.skipif("SAIKI_CLI" not in os.environ, reason="needs SAIKI_CLI (ctest sets it)")
def test_end_to_end_collect_train_on_dask_publish_import(tmp_path):
    source = os.environ.get("SAIKI_SOURCE_DIR", os.path.dirname(FLEET))
    dev = tmp_path / "devices"
    saiki("simulate", "--catalog", os.path.join(source, "datasets", "catalog.csv"),
          "--seed", "5001", "--seeds", "3", "--users", "4", "--sessions", "4",
          "--bot-sessions", "0", "--no-global-arms", "--quiet", "--keep-db", str(dev))
    devices = [str(dev / ("seed%d-personalised.saiki" % s)) for s in (5001, 5002, 5003)]
    data, pub = tmp_path / "data", tmp_path / "pub"
    # Small parts: more partitions than workers, several per worker.
    tool("collect.py", "--saiki", os.environ["SAIKI_CLI"], "--out", str(data),
         "--rows-per-part", "300",
         *["d%d=%s" % (i, d) for i, d in enumerate(devices)])
    report = json.loads(tool("train.py", "--data", str(data), "--model", str(tmp_path / "m.json"),
                             "--report", str(tmp_path / "r.json"), "--workers", "2",
                             "--rounds", "10").stdout)
    assert report["workers"] == 2 and report["split"] == "by device"
    assert len(report["holdout_devices"]) == 1 and len(report["train_devices"]) == 2
    assert sum(report["partitions_per_worker"]) == report["partitions"] > 2
    assert 0 < report["holdout_ndcg10_model"] <= 1
    assert len(report["worker_peak_rss_mib"]) == 2
    tool("publish.py", "--model", str(tmp_path / "m.json"), "--data", str(data),
         "--report", str(tmp_path / "r.json"), "--out", str(pub))
    model = str(pub / "model.json")
    manifest = json.loads((pub / "model.json.manifest").read_text())
    assert manifest["feature_set"]["version"] == len(manifest["feature_set"]["names"])

    # A manifest naming another feature set: refused, nothing stored.
    bad = dict(manifest, feature_set={"version": 24, "names": manifest["feature_set"]["names"][:24]})
    (tmp_path / "bad.manifest").write_text(json.dumps(bad))
    before = saiki("--db", devices[0], "model", "history").stdout
    r = saiki("--db", devices[0], "model", "import", model, "--manifest",
              str(tmp_path / "bad.manifest"), ok=(3,))
    assert "trained on feature set version 24" in r.stderr
    assert saiki("--db", devices[0], "model", "history").stdout == before

    # Every device imports it: the manifest beside it matches; the device's
    # promotion check decides (active, or stored as rejected with exit 3).
    for d in devices:
        r = saiki("--db", d, "model", "import", model, ok=(0, 3))
        out = json.loads(r.stdout)
        assert out["kind"] == "trees"
        assert out["status"] in ("active", "rejected")
        assert ("off-policy" in out["reason"]) or ("fewer than 2" in out["reason"])
        ranker = saiki("--db", d, "settings", "get", "ranker").stdout.strip()
        assert ranker == ("trees" if out["status"] == "active" else "linear")
    # Forced on the first device: the fleet model serves, personal learning on top.
    saiki("--db", devices[0], "model", "import", model, "--force")
    assert saiki("--db", devices[0], "settings", "get", "ranker").stdout.strip() == "trees"
