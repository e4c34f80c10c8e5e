"""Load throughput into a real Oxigraph server: `tppo-graph load` next to the Oxigraph CLI's own `oxigraph load`.

For each size (the bundled graph, and the bundled graph plus generated states, at least 100x larger), both
commands load the same files, interleaved round by round (warm-up round discarded): `tppo-graph load --replace`
into a fresh `oxigraph serve` (started before the clock starts), and `oxigraph load` into a fresh on-disk store.
Reports median whole-process time, throughput, the ratio of throughputs, and the client's peak memory.

    python benchmarks/bench_load.py [--rounds 3] [--large 1150000]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Sample, ratio, run_measured, table

from tppo_graph.graph import load_store
from tppo_graph.resources import graph_files
from tppo_graph.server import free_port, oxigraph_binary, wait_until_ready


def tppo_load(data: list[str], extra: tuple[str, ...] = ()) -> tuple[float, int]:
    location = Path(tempfile.mkdtemp(prefix="bench-server-"))
    port = free_port()
    server = subprocess.Popen(
        [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/query", server)
        command = [
            shutil.which("tppo-graph") or "tppo-graph",
            "load",
            "--endpoint",
            f"http://127.0.0.1:{port}/query",
            "--replace",
            "--format",
            "json",
            *extra,
        ]
        for entry in data:
            command += ["--data", entry]
        return run_measured(command)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(location, ignore_errors=True)


def oxigraph_load(files: list[Path]) -> tuple[float, int]:
    location = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    try:
        return run_measured([oxigraph_binary(), "load", "--location", str(location), "--file", *map(str, files)])
    finally:
        shutil.rmtree(location, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large", type=int, default=1_150_000, help="total triples of the large graph")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "load-throughput.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    generated = work / "generated.nt"
    subprocess.run(
        [sys.executable, str(Path(__file__).parent / "generate.py"), "--total", str(args.large), "-o", str(generated)],
        check=True,
    )
    sizes = {"bundled": ["bundled"], "bundled + generated": ["bundled", str(generated)]}
    rows = []
    for label, data in sizes.items():
        triples = len(load_store(data))
        files = list(graph_files(data).graph)
        atomic, direct, theirs = Sample(), Sample(), Sample()
        for round_ in range(args.rounds + 1):
            results = [
                (atomic, tppo_load(data)),
                (direct, tppo_load(data, ("--no-staging",))),
                (theirs, oxigraph_load(files)),
            ]
            if round_:  # round 0 is a warm-up
                for sample, (seconds, peak) in results:
                    sample.seconds.append(seconds)
                    sample.peak_kib.append(peak)
        for mode, sample in (("atomic (default)", atomic), ("--no-staging", direct)):
            rows.append(
                [
                    label,
                    f"{triples:,}",
                    mode,
                    f"{sample.median:.2f}",
                    f"{triples / sample.median:,.0f}",
                    f"{sample.peak_mib:.0f}",
                    f"{theirs.median:.2f}",
                    f"{triples / theirs.median:,.0f}",
                    f"{theirs.peak_mib:.0f}",
                    ratio(theirs.median, sample.median),
                ]
            )
    shutil.rmtree(work, ignore_errors=True)
    text = (
        f"# Load throughput into Oxigraph ({args.rounds} interleaved rounds, medians, warm-up excluded)\n\n"
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}\n\n"
        + table(
            [
                "graph",
                "triples",
                "tppo-graph load mode",
                "tppo-graph load (s)",
                "triples/s",
                "peak MiB",
                "oxigraph load (s)",
                "triples/s",
                "peak MiB",
                "throughput ratio (tppo / oxigraph)",
            ],
            rows,
        )
        + "\nBy default `tppo-graph load` stages the graph over HTTP (Graph Store Protocol, chunks of 50,000 triples, "
        "Oxigraph's bulk writer for the staging graph), counts it, and switches it in with one SPARQL Update (`MOVE`), "
        "which the server executes as a transactional copy and delete; `--no-staging` writes straight into the "
        "target (not atomic). `oxigraph load` writes the files straight into a local store with its bulk loader. "
        "Peak memory is the client process's (the server's is not counted for tppo-graph).\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
