"""Whole-process latency of the headline query, next to `python -c pass` and a bare pyoxigraph process.

All commands run interleaved (A/B/C, A/B/C, ...) so that machine noise hits them alike; the first round is a
warm-up and is discarded. Reports medians and ratios as a Markdown table.

    python benchmarks/bench_query_latency.py [--rounds 21] [--out benchmarks/results/query-latency.md]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from measure import env_without_bytecode_block, own_cli

HEADLINE = "palermo-obligations-without-bilateral-mechanism"

BARE_PYOXIGRAPH = r"""
import sys, pyoxigraph as ox
from pathlib import Path
root = Path(sys.argv[1])
files = [root / "ontology" / "tppo.ttl", root / "ontology" / "vocabularies.ttl", *sorted((root / "graph_data").glob("*.ttl"))]
store = ox.Store()
for f in files:
    store.bulk_load(path=f, format=ox.RdfFormat.TURTLE)
text = (root / "queries" / (sys.argv[2] + ".rq")).read_text()
body = "\n".join(line for line in text.splitlines() if not line.startswith("#+"))
prefixes = {"tppo": "https://w3id.org/tppo/def/", "tpd": "https://w3id.org/tppo/id/", "tpv": "https://w3id.org/tppo/vocab/",
            "eli": "http://data.europa.eu/eli/ontology#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "org": "http://www.w3.org/ns/org#", "skos": "http://www.w3.org/2004/02/skos/core#",
            "dcterms": "http://purl.org/dc/terms/"}
body = body.replace("WHERE {", "WHERE {\n VALUES (?state_a ?state_b) { (<https://w3id.org/tppo/id/IDN> <https://w3id.org/tppo/id/KHM>) }", 1)
result = store.query(body, prefixes=prefixes)
sys.stdout.buffer.write(result.serialize(format=ox.QueryResultsFormat.CSV))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "query-latency.md")
    args = parser.parse_args()
    from tppo_graph.resources import bundled_root

    root = bundled_root()
    cli = own_cli()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "bare pyoxigraph process (parse + query + CSV)": [sys.executable, "-c", BARE_PYOXIGRAPH, str(root), HEADLINE],
        f"tppo-graph query {HEADLINE} --format csv": (
            [cli, "query", HEADLINE, "--format", "csv"]
            if cli
            else [sys.executable, "-m", "tppo_graph", "query", HEADLINE, "--format", "csv"]
        ),
    }
    env = env_without_bytecode_block()
    times: dict[str, list[float]] = {name: [] for name in commands}
    outputs: dict[str, bytes] = {}
    for round_ in range(args.rounds + 1):
        for name, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, check=True, env=env)
            elapsed = time.perf_counter() - start
            if round_:  # round 0 warms caches and is discarded
                times[name].append(elapsed)
            outputs[name] = done.stdout
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["python -c pass"]
    bare = medians["bare pyoxigraph process (parse + query + CSV)"]
    lines = [
        f"# Whole-process latency of the headline query ({args.rounds} interleaved rounds, warm-up excluded)",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}",
        "",
        "| command | median (s) | min (s) | x python -c pass | x bare pyoxigraph |",
        "|---|---|---|---|---|",
    ]
    for name, values in times.items():
        lines.append(
            f"| `{name}` | {medians[name]:.3f} | {min(values):.3f} | {medians[name] / base:.2f} | {medians[name] / bare:.2f} |"
        )
    rows = outputs[commands and f"tppo-graph query {HEADLINE} --format csv"].count(b"\n") - 1
    lines += ["", f"The tppo-graph command returned {rows} result rows (CSV)."]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
