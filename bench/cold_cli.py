#!/usr/bin/env python3
"""Cold `saiki search` latency: a new process per query, like the peer
harness's cold runs (its 10 picks of the query mix: queries.tsv rows 0, 100,
..., 900, column 7), with several saiki binaries interleaved on the same
query so that they share the machine's load. Wall = fork to exit, CPU = the
child's user + system time (wait4). Prints the medians and p90.

  bench/cold_cli.py --db DB --queries WORK/100k/queries.tsv [--runs 50] CLI [CLI ...]

A CLI given as BINARY=DB searches DB instead of --db (e.g. an old binary on a
file in the old format against a new one on the same catalogue re-encoded).
"""
import argparse
import os
import statistics
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db")
    ap.add_argument("--queries", required=True, help="queries.tsv of saiki_peers prepare")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("clis", nargs="+")
    a = ap.parse_args()
    rows = [l.rstrip("\n").split("\t") for l in open(a.queries, encoding="utf-8")]
    picks = [rows[i * len(rows) // 10][6] for i in range(10)]
    res = {c: ([], []) for c in a.clis}
    db_of = {c: (c.split("=", 1)[1] if "=" in c else a.db) for c in a.clis}
    if None in db_of.values():
        raise SystemExit("--db is needed for a CLI given without =DB")

    def one(cli, q):
        binary = cli.split("=", 1)[0]
        t0 = time.perf_counter_ns()
        pid = os.fork()
        if pid == 0:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.execv(binary, [binary, "--db", db_of[cli], "search", q, "-k", "10"])
        _, status, ru = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
        if status != 0:
            raise SystemExit(f"{cli} search {q!r}: status {status}")
        return (t1 - t0) / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3

    load0 = open("/proc/loadavg").read().split()[:3]
    for i in range(-3, a.runs):  # 3 untimed rounds warm the page cache
        q = picks[(i + 3) % len(picks)]
        for cli in a.clis if i % 2 == 0 else a.clis[::-1]:
            wall, cpu = one(cli, q)
            if i >= 0:
                res[cli][0].append(wall)
                res[cli][1].append(cpu)
    load1 = open("/proc/loadavg").read().split()[:3]
    for cli in a.clis:
        wall, cpu = sorted(res[cli][0]), sorted(res[cli][1])
        p90 = wall[int(0.9 * len(wall))]
        print(f"{cli}: {a.runs} runs, wall median {statistics.median(wall):.2f} ms, "
              f"p90 {p90:.2f} ms, CPU median {statistics.median(cpu):.2f} ms")
    print("load average at the start", " ".join(load0), "at the end", " ".join(load1))


if __name__ == "__main__":
    main()
