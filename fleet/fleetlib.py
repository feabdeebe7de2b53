"""Shared pieces of the fleet tools (collect.py, train.py, publish.py,
simulate.py): reading saiki's feature exports, the partitioned training
data's layout, NDCG@10, and the manifest saiki's `model import` checks.

Everything here runs on Debian 12's python3 with python3-dask,
python3-distributed, python3-xgboost and python3-pandas (README "Learning
across a fleet"; scripts/install-deps.sh).
"""
import hashlib
import json
import math
import os

# The layout `collect` writes and `train` reads (DIR/collect.json describes
# it): CSV parts, one device's queries per part (a query never spans parts,
# so a Dask partition holds whole queries, as XGBoost's ranking needs), rows
# of a query together and queries in increasing qid order.
SUMMARY_FILE = "collect.json"
SUMMARY_FORMAT = "saiki-fleet-data"
# Fleet-wide query ids are a running number over the devices' kept queries
# in collect order (device by device, each in its own query id order):
# unique across devices and increasing through the parts, as XGBoost needs
# within a worker's partitions; XGBoost reads qid as uint32, hence the bound.
MAX_FLEET_QID = (1 << 32) - 1
MAX_DEVICE_QID = (1 << 63) - 1

MANIFEST_FORMAT = "saiki-model-manifest"
MANIFEST_VERSION = 1
MANIFEST_SUFFIX = ".manifest"  # MODEL.manifest, where `saiki model import MODEL` looks


class FleetError(Exception):
    """Bad input: the message names the problem and where it is."""


def read_feature_names(path):
    """The names file `saiki export-features --out FILE` writes (FILE.features)."""
    try:
        with open(path, encoding="utf-8") as f:
            names = f.read().split()
    except OSError as e:
        raise FleetError("%s: cannot read the feature names (%s)" % (path, e.strerror))
    if not names:
        raise FleetError("%s: no feature names" % path)
    return names


def parse_export_line(line, num_features, where):
    """One line of `saiki export-features`: 'label qid:Q 1:v ... N:v # Q product'.
    Returns (label, qid, [N floats]). Raises FleetError naming `where`."""
    body = line.split("#", 1)[0].split()
    if len(body) != num_features + 2:
        raise FleetError("%s: %d fields, expected label, qid and %d features" %
                         (where, len(body), num_features))
    try:
        label = int(body[0])
        if not body[1].startswith("qid:"):
            raise ValueError("no qid")
        qid = int(body[1][4:])
        values = []
        for i, field in enumerate(body[2:]):
            index, value = field.split(":", 1)
            if int(index) != i + 1:
                raise ValueError("feature %s where %d was expected" % (index, i + 1))
            values.append(float(value))
    except ValueError as e:
        raise FleetError("%s: not an export line (%s)" % (where, e))
    if qid < 0 or qid > MAX_DEVICE_QID:
        raise FleetError("%s: query id %d out of range 0..%d" % (where, qid, MAX_DEVICE_QID))
    return label, qid, values


def keep_score(seed, device, qid):
    """The deterministic pseudo-random rank of a query in a device's
    subsample: the queries with the smallest scores are kept."""
    h = hashlib.blake2b(("%d/%s/%d" % (seed, device, qid)).encode(), digest_size=8)
    return int.from_bytes(h.digest(), "big")


def ndcg_at_k(labels, scores, k=10):
    """NDCG@k of one query (exponential gain 2^label - 1, log2 discount);
    None when no result has a label above 0 (undefined: skipped)."""
    ideal = sorted(labels, reverse=True)[:k]
    idcg = sum((2 ** l - 1) / math.log2(i + 2) for i, l in enumerate(ideal))
    if idcg <= 0:
        return None
    # Ties in the score keep the logged order (a stable sort).
    order = sorted(range(len(labels)), key=lambda i: -scores[i])[:k]
    dcg = sum((2 ** labels[j] - 1) / math.log2(r + 2) for r, j in enumerate(order))
    return dcg / idcg


def query_ndcg_sums(qids, labels, scores, k=10):
    """(sum of NDCG@k, queries with a click) over rows grouped by qid (rows
    of a query together)."""
    total, count = 0.0, 0
    start = 0
    n = len(qids)
    while start < n:
        end = start
        while end < n and qids[end] == qids[start]:
            end += 1
        v = ndcg_at_k(list(labels[start:end]), list(scores[start:end]), k)
        if v is not None:
            total += v
            count += 1
        start = end
    return total, count


def load_summary(data_dir):
    path = os.path.join(data_dir, SUMMARY_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            summary = json.load(f)
    except OSError as e:
        raise FleetError("%s: cannot read (%s); run collect first" % (path, e.strerror))
    except json.JSONDecodeError as e:
        raise FleetError("%s: not JSON (%s)" % (path, e))
    if summary.get("format") != SUMMARY_FORMAT:
        raise FleetError("%s: not a collect summary (format %r)" % (path, summary.get("format")))
    return summary


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
