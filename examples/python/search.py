#!/usr/bin/env python3
"""A Python app on the saiki package: imports a CSV, searches as a user,
clicks the first result and ends the session (the personal model learns then).

    python3 search.py DB_FILE CSV_FILE QUERY
"""
import sys

import saiki


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: search.py DB_FILE CSV_FILE QUERY", file=sys.stderr)
        return 2
    db_file, csv_file, query = argv[1:]
    print(f"saiki {saiki.version()}")
    try:
        with saiki.open(db_file) as db:
            report = db.import_csv(
                csv_file, on_row_error=lambda line, why: print(f"{csv_file} line {line}: {why}",
                                                               file=sys.stderr))
            print(f"imported {report.inserted + report.updated} products")
            results = db.search(query, user="alice")
            print(f"{results.total} results for {query}")
            for hit in results:
                price = f" ¥{hit.price:.0f}" if hit.price is not None else ""
                print(f"{hit.rank}. {hit.title} ({hit.brand}){price}")
            if results.hits:
                db.click(results.query_id, results[0].id)
                session = db.end_session("alice")
                print(f"session closed: {session['clicks']} click(s), "
                      f"personal model {session['personal']['outcome']}")
    except saiki.SaikiError as e:
        print(f"saiki: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
