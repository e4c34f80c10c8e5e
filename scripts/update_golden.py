"""Regenerate tests/golden/NAME.srj (W3C SPARQL JSON) for every saved query from the bundled graph.

Golden files are reviewed by hand against the paper and the fact base before they are committed; run this only
after a deliberate change to the data or a query, then read `git diff tests/golden`.
Usage: python scripts/update_golden.py [NAME ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from tppo_graph import connect, list_queries, run_query
from tppo_graph.render import render_json

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"


def main(names: list[str]) -> int:
    engine = connect()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for query in list_queries():
        if names and query.name not in names:
            continue
        result = run_query(query.name, query.example, engine=engine)
        (GOLDEN / f"{query.name}.srj").write_text(render_json(result.to_json()), encoding="utf-8")
        print(f"{query.name}: {len(result)} row(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
