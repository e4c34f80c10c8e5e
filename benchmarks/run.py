"""The benchmark harness: whole-process time and peak memory of tppo-graph's verbs at three graph sizes, each next
to its baselines measured in the same run, and the per-query comparison with Apache Jena.

    python benchmarks/run.py                 # 10k (the bundled graph), 100k, 1M triples; 5 timed runs each
    python benchmarks/run.py --smoke         # the bundled graph only, 1 run, no Jena, no server: a CI check
    python benchmarks/run.py --sizes 1m --only headline,first-query   # re-measure some rows (remeasured.md)

Every figure is the median of ``--runs`` whole-process runs after one warm-up run, interleaved with its baselines
(A, B, C, A, B, C, ...) so that machine noise hits them alike. Baselines: a bare pyoxigraph script doing the same
work, the ``oxigraph`` CLI for loading, Apache Jena (Debian's ``libapache-jena-java`` through
``../shared/tools/jena-env.sh``) for SHACL and queries, and rdflib where it finishes within ten minutes (a figure
whose warm-up takes over a minute counts that one run; one that cannot finish in time at the next size is
skipped). Writes ``benchmarks/results/benchmarks.md`` (with its JSON twin), ``benchmarks/results/queries.md`` (the
per-query table alone, all that ``--queries-only`` writes) and ``benchmarks/results/time-vs-size.png``. A run
with ``--only`` re-measures some rows and merges them, each with its date, into ``benchmarks/results/remeasured.md``
(and its JSON twin) next to the figure of the last full run; the full run's files are left as they are.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from measure import Launcher, env_without_bytecode_block, own_cli, run_measured

HEADLINE = "palermo-obligations-without-bilateral-mechanism"
RDFLIB_TIMEOUT = 600.0
#: what --only can select: the rows of bench_size, in order
OPERATIONS = ("per-query", "headline", "heaviest", "first-query", "validate", "export", "load", "network")
SLOW_SECONDS = 60.0
JENA_ENV = ROOT.parent / "shared" / "tools" / "jena-env.sh"

# --------------------------------------------------------------------------------------------- bare baselines

BARE_PRELUDE = r"""
import sys, pyoxigraph as ox
from pathlib import Path
files = [Path(p) for p in sys.argv[1].split(",")]
store = ox.Store()
for f in files:
    store.bulk_load(path=f, format=ox.RdfFormat.from_extension(f.suffix[1:]))
"""
BARE_QUERY = (
    BARE_PRELUDE
    + r"""
result = store.query(Path(sys.argv[2]).read_text())
sys.stdout.buffer.write(result.serialize(format=ox.QueryResultsFormat.CSV))
"""
)
BARE_EXPORT = (
    BARE_PRELUDE
    + r"""
fmt = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}[sys.argv[2]]
prefixes = None if sys.argv[2] == "nt" else {"tppo": "https://w3id.org/tppo/def/", "tpd": "https://w3id.org/tppo/id/"}
ox.serialize((q.triple for q in store), Path(sys.argv[3]), format=fmt, prefixes=prefixes)
"""
)
BARE_NETWORK = (
    BARE_PRELUDE
    + r"""
import networkx as nx
result = store.query(Path(sys.argv[2]).read_text())
g = nx.Graph()
for row in result:
    g.add_edge(row["source"].value, row["target"].value)
k = 500 if g.number_of_nodes() > 5000 else None
bc = nx.betweenness_centrality(g, k=k, seed=42)
print(max(bc.values()))
"""
)
RDFLIB_QUERY = r"""
import sys, rdflib
g = rdflib.Graph()
for p in sys.argv[1].split(","):
    g.parse(p)
for row in g.query(open(sys.argv[2]).read()):
    pass
"""
RDFLIB_EXPORT = r"""
import sys, rdflib
g = rdflib.Graph()
for p in sys.argv[1].split(","):
    g.parse(p)
g.serialize(destination=sys.argv[3], format={"nt": "nt", "ttl": "turtle"}[sys.argv[2]])
"""


@dataclass
class Figure:
    label: str
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    failed: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def peak_mib(self) -> float | None:
        return max(self.peak_kib) / 1024 if self.peak_kib else None


@dataclass
class Row:
    size: str
    triples: int
    operation: str
    ours: Figure
    baselines: list[Figure]
    note: str = ""


#: (baseline label, operation) -> (triples, median seconds or None, why it did not finish)
HISTORY: dict[tuple[str, str], tuple[int, float | None, str | None]] = {}


def measure(
    figures: list[tuple[Figure, Callable[[], tuple[float, int]]]], runs: int, operation: str, triples: int
) -> None:
    """A warm-up round, then ``runs`` interleaved rounds (A, B, C, A, B, C, ...).

    A figure whose warm-up takes over ``SLOW_SECONDS`` keeps that run as its one measurement: at minutes per run,
    machine noise is small next to the figure and five more runs would cost an hour. A figure that did not finish at
    a smaller size, or whose time there, scaled linearly (a lower bound for every engine here), passes the timeout,
    is not run again.
    """
    for figure, _ in figures:
        previous = HISTORY.get((figure.label, operation))
        if previous and previous[0] < triples:
            before, seconds, failed = previous
            if failed:
                figure.failed = f"skipped: did not finish at {before:,} triples"
            elif seconds and seconds * triples / before > RDFLIB_TIMEOUT:
                figure.failed = f"skipped: {seconds:.0f} s at {before:,} triples, projected past {RDFLIB_TIMEOUT:.0f} s"
    slow: set[int] = set()
    for round_ in range(runs + 1):
        for figure, action in figures:
            if figure.failed or id(figure) in slow:
                continue
            try:
                seconds, peak = action()
            except subprocess.TimeoutExpired as exc:
                figure.failed = f"did not finish in {exc.timeout:.0f} s"
                continue
            except RuntimeError as exc:
                figure.failed = " ".join(str(exc).split())[:120]
                continue
            if round_ == 0 and seconds > SLOW_SECONDS:
                slow.add(id(figure))
            if round_ or id(figure) in slow:
                figure.seconds.append(seconds)
                figure.peak_kib.append(peak)
    for figure, _ in figures:
        HISTORY[(figure.label, operation)] = (triples, figure.median, figure.failed)


#: started first thing in main(), while this process is small (see Launcher)
LAUNCHER: Launcher | None = None


def wait_for_background_builds(timeout: float = 600.0) -> None:
    """Wait until no background store build (``tppo_graph.store._build_in_background``) is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = False
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if b"import build_store" in cmdline.read_bytes():
                    running = True
                    break
            except OSError:
                continue
        if not running:
            return
        time.sleep(0.2)


def timed(
    command: list[str], env: dict[str, str] | None = None, timeout: float = 3 * RDFLIB_TIMEOUT
) -> tuple[float, int]:
    if LAUNCHER is not None:
        return LAUNCHER.run(command, env, timeout)
    return run_measured(command, env=env, timeout=timeout)


# --------------------------------------------------------------------------------------------- Jena


def jena_classpath() -> str | None:
    if not JENA_ENV.exists() or not Path("/usr/share/java/jena-arq.jar").exists():
        return None
    command = ["bash", "-c", f'. {JENA_ENV} && printf %s "$JENA_CP"']
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.stdout or None


def jena_query_times(classpath: str, data: Path, query: Path, runs: int) -> list[float]:
    done = subprocess.run(
        [
            "java",
            "-Xmx8g",
            "-cp",
            classpath,
            "arq.sparql",
            "--data",
            str(data),
            "--query",
            str(query),
            "--results=csv",
            "--time",
            f"--repeat=1,{runs}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    times = [float(line.split()[1]) for line in (done.stdout + done.stderr).splitlines() if line.startswith("Time:")]
    return times[-runs:] if len(times) >= runs else []


# --------------------------------------------------------------------------------------------- the run


def bench_size(
    size: str,
    args: argparse.Namespace,
    work: Path,
    env: dict[str, str],
    cli: str,
    jena: str | None,
    rows: list[Row],
    per_query: list[dict[str, object]],
    largest: str,
) -> None:
    """All the measurements of one graph size."""
    import pyoxigraph as ox

    from tppo_graph.binding import bind_params
    from tppo_graph.catalogue import get_query, list_queries
    from tppo_graph.engines import LocalEngine
    from tppo_graph.parsing import load_store
    from tppo_graph.queries import query_text
    from tppo_graph.resources import graph_files

    def wanted(operation: str) -> bool:
        return not args.only or operation in args.only

    rdflib = not (args.smoke or args.no_rdflib)
    targets = {"10k": 0, "100k": 100_000, "1m": 1_000_000}
    data = ["bundled"]
    if targets[size]:
        generated = work / f"generated-{size}.nt"
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--total", str(targets[size]), "-o", str(generated)],
            check=True,
            env=env,
        )
        data.append(str(generated))
    # what queries see: the data and their entailed closure; the bare query baselines read it as one N-Triples file,
    # so that they give the same rows (the saved queries rely on the class hierarchy and the status groups)
    store = load_store(data)
    triples = len(load_store(data, entailed=False))  # the size of a graph is what its files assert
    files = list(graph_files(data).graph)
    file_list = ",".join(map(str, files))
    all_nt = work / f"all-{size}.nt"
    store.dump(all_nt, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    data_args = [a for d in data for a in ("--data", d)]
    print(f"== {size}: {triples:,} triples", file=sys.stderr)

    if args.loads_only:
        load_rows(size, triples, all_nt, files, data_args, work, env, cli, args, rows)
        return
    engine = LocalEngine(store, data)

    def standalone(name: str, params: dict[str, str] | None = None) -> Path:
        query = get_query(name)
        path = work / f"{name}.rq"
        path.write_text(query_text(query, params or dict(query.example), engine=engine), encoding="utf-8")
        return path

    # P5: every saved query in-process on pyoxigraph, next to Jena on the same data
    if size == largest and wanted("per-query"):
        for query in list_queries():
            bindings = bind_params(query, query.example, engine)
            engine.query(query.body, bindings)  # warm-up
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                engine.query(query.body, bindings)
                times.append(time.perf_counter() - start)
            jena_times = jena_query_times(jena, all_nt, standalone(query.name), args.runs) if jena else []
            per_query.append(
                {
                    "query": query.name,
                    "pyoxigraph": statistics.median(times),
                    "jena": statistics.median(jena_times) if jena_times else None,
                    "formulation": query.formulation.split(".")[0][:80],
                }
            )
        heaviest = max(per_query, key=lambda r: r["pyoxigraph"])["query"]
        if args.queries_only:
            return
    else:
        heaviest = "projection-instrument-citations"  # the heaviest at 1M in the last per-query run

    # cold query (store cached) of the headline and of the heaviest saved query; the store is built first (a
    # large graph's first query would leave it to a background build that the measured runs could overtake)
    if wanted("headline") or wanted("heaviest"):
        build = "import sys; from tppo_graph.store import build_store; build_store(sys.argv[1:])"
        subprocess.run([sys.executable, "-c", build, *data], check=True, env=env)
    for key, name in {"headline": HEADLINE, "heaviest": str(heaviest)}.items():
        if not wanted(key) or (key == "heaviest" and name == HEADLINE):
            continue
        query_file = standalone(name)
        ours = Figure("tppo-graph")
        figures = [
            (ours, lambda n=name: timed([cli, "query", n, "--format", "csv", *data_args], env)),
            (
                Figure("bare pyoxigraph"),
                lambda q=query_file: timed([sys.executable, "-c", BARE_QUERY, str(all_nt), str(q)], env),
            ),
        ]
        if rdflib:
            figures.append(
                (
                    Figure("rdflib"),
                    lambda q=query_file: timed(
                        [sys.executable, "-c", RDFLIB_QUERY, file_list, str(q)],
                        env,
                        RDFLIB_TIMEOUT,
                    ),
                )
            )
        op = f"query {name} (store cached)"
        measure(figures, args.runs, op, triples)
        rows.append(Row(size, triples, op, figures[0][0], [f for f, _ in figures[1:]]))

    # P2: the first query of a new graph, store not yet cached (a fresh cache directory per run)
    def first_query() -> tuple[float, int]:
        fresh = dict(env, XDG_CACHE_HOME=tempfile.mkdtemp(dir=work))
        figure = timed([cli, "query", HEADLINE, "--format", "csv", *data_args], fresh)
        # the store it leaves building in the background must not run beside the next runs (theirs or a baseline's)
        wait_for_background_builds()
        return figure

    if wanted("first-query"):
        headline_file = standalone(HEADLINE)
        figures = [
            (Figure("tppo-graph"), first_query),
            (
                Figure("bare pyoxigraph"),
                lambda: timed([sys.executable, "-c", BARE_QUERY, str(all_nt), str(headline_file)], env),
            ),
        ]
        op = f"first query {HEADLINE} (nothing cached)"
        measure(figures, args.runs, op, triples)
        rows.append(Row(size, triples, op, figures[0][0], [figures[1][0]]))

    if wanted("validate"):
        bench_validate(args, work, env, cli, jena, rdflib, data_args, all_nt, size, triples, rows)
    if wanted("export"):
        bench_export(args, work, env, cli, rdflib, data_args, file_list, size, triples, rows)
    if wanted("load") and not args.smoke:
        load_rows(size, triples, all_nt, files, data_args, work, env, cli, args, rows)
    if wanted("network"):
        bench_network(args, env, cli, data_args, all_nt, standalone("projection-actors"), size, triples, rows)


def bench_validate(
    args: argparse.Namespace,
    work: Path,
    env: dict[str, str],
    cli: str,
    jena: str | None,
    rdflib: bool,
    data_args: list[str],
    all_nt: Path,
    size: str,
    triples: int,
    rows: list[Row],
) -> None:
    """Validate: pyshacl-turbo (auto) next to Jena SHACL, and pySHACL where it finishes in time."""
    shapes_all = work / "shapes-all.ttl"
    shapes_all.write_text(
        (ROOT / "ontology" / "shapes.ttl").read_text() + (ROOT / "ontology" / "prefixes.ttl").read_text()
    )
    figures = [(Figure("tppo-graph (turbo)"), lambda: timed_ok([cli, "validate", *data_args], env))]
    if jena:
        figures.append(
            (
                Figure("Jena SHACL"),
                lambda: timed(
                    [
                        "java",
                        "-Xmx8g",
                        "-cp",
                        jena,
                        "shacl.shacl",
                        "validate",
                        "--shapes",
                        str(shapes_all),
                        "--data",
                        str(all_nt),
                    ],
                    env,
                ),
            )
        )
    if rdflib:
        figures.append(
            (
                Figure("rdflib"),
                lambda: timed_ok(
                    [cli, "validate", "--engine", "pyshacl", *data_args],
                    env,
                    RDFLIB_TIMEOUT,
                ),
            )
        )
    measure(figures, args.runs, "validate", triples)
    rows.append(Row(size, triples, "validate", figures[0][0], [f for f, _ in figures[1:]]))


def bench_export(
    args: argparse.Namespace,
    work: Path,
    env: dict[str, str],
    cli: str,
    rdflib: bool,
    data_args: list[str],
    file_list: str,
    size: str,
    triples: int,
    rows: list[Row],
) -> None:
    for fmt in ("nt", "ttl"):
        out = work / f"export.{fmt}"
        figures = [
            (
                Figure("tppo-graph"),
                lambda f=fmt, o=out: timed([cli, "export", "--format", f, "-o", str(o), *data_args], env),
            ),
            (
                Figure("bare pyoxigraph"),
                lambda f=fmt, o=out: timed([sys.executable, "-c", BARE_EXPORT, file_list, f, str(o)], env),
            ),
        ]
        if rdflib:
            figures.append(
                (
                    Figure("rdflib"),
                    lambda f=fmt, o=out: timed(
                        [sys.executable, "-c", RDFLIB_EXPORT, file_list, f, str(o)],
                        env,
                        RDFLIB_TIMEOUT,
                    ),
                )
            )
        measure(figures, args.runs, f"export {fmt}", triples)
        rows.append(Row(size, triples, f"export {fmt}", figures[0][0], [f for f, _ in figures[1:]]))


def bench_network(
    args: argparse.Namespace,
    env: dict[str, str],
    cli: str,
    data_args: list[str],
    all_nt: Path,
    projection_file: Path,
    size: str,
    triples: int,
    rows: list[Row],
) -> None:
    """Network actors with betweenness, next to a bare pyoxigraph + networkx script on the same projection."""
    figures = [
        (Figure("tppo-graph"), lambda: timed([cli, "network", "actors", "--top", "10", *data_args], env)),
        (
            Figure("bare pyoxigraph+networkx"),
            lambda: timed([sys.executable, "-c", BARE_NETWORK, str(all_nt), str(projection_file)], env),
        ),
    ]
    measure(figures, args.runs, "network actors", triples)
    rows.append(Row(size, triples, "network actors (all metrics)", figures[0][0], [figures[1][0]]))


def load_rows(
    size: str,
    triples: int,
    all_nt: Path,
    files: list[Path],
    data_args: list[str],
    work: Path,
    env: dict[str, str],
    cli: str,
    args: argparse.Namespace,
    rows: list[Row],
) -> None:
    from loads import bench_loads

    bench_loads(
        size,
        triples,
        all_nt,
        files,
        data_args,
        work,
        env,
        cli,
        args.runs,
        rows,
        Figure,
        Row,
        measure,
        timed,
        args.stores,
    )


def main() -> int:
    global LAUNCHER
    LAUNCHER = Launcher()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k (bundled), 100k, 1m")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure after one warm-up (default 5)")
    parser.add_argument("--smoke", action="store_true", help="bundled graph, 1 run, no Jena, no server, no rdflib")
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="only every saved query next to Jena, at the last size of --sizes (writes queries.md alone)",
    )
    parser.add_argument(
        "--only",
        type=lambda text: [op.strip() for op in text.split(",") if op.strip()],
        default=[],
        help=f"re-measure only these rows (comma-separated: {', '.join(OPERATIONS)}) and merge them into "
        "remeasured.md, leaving the full run's files alone",
    )
    parser.add_argument("--no-rdflib", action="store_true", help="leave out the rdflib baselines (minutes each at 1M)")
    parser.add_argument(
        "--loads-only",
        action="store_true",
        help="only the loads into each store next to its own loader (writes loads.md and loads.json alone)",
    )
    parser.add_argument(
        "--stores", default="all", choices=["all", "oxigraph", "virtuoso"], help="with --loads-only: which stores"
    )
    parser.add_argument(
        "--out", type=Path, help="output directory (default: benchmarks/results; with --smoke a temporary one)"
    )
    args = parser.parse_args()
    unknown = [op for op in args.only if op not in OPERATIONS]
    if unknown:
        parser.error(f"--only: unknown operation {unknown[0]!r} (choose from: {', '.join(OPERATIONS)})")
    if args.smoke:
        args.sizes, args.runs = "10k", 1
    if args.out is None:  # a smoke run's figures (one run, no baselines) must never replace the committed results
        args.out = Path(tempfile.mkdtemp(prefix="tppo-bench-smoke-")) if args.smoke else HERE / "results"
    if args.queries_only:  # only the per-query comparison, at the largest size given
        args.sizes = args.sizes.split(",")[-1]

    work = Path(tempfile.mkdtemp(prefix="tppo-bench-"))
    env = env_without_bytecode_block()
    env["XDG_CACHE_HOME"] = str(work / "cache")
    cli = own_cli() or shutil.which("tppo-graph") or "tppo-graph"
    jena = None if args.smoke else jena_classpath()
    rows: list[Row] = []
    per_query: list[dict[str, object]] = []
    largest = args.sizes.split(",")[-1]

    for size in args.sizes.split(","):
        bench_size(size, args, work, env, cli, jena, rows, per_query, largest)

    if args.only:
        write_remeasured(args, rows)
    else:
        write_report(args, rows, per_query, jena is not None)
    LAUNCHER.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


def timed_ok(command: list[str], env: dict[str, str], timeout: float = 3 * RDFLIB_TIMEOUT) -> tuple[float, int]:
    """Like ``timed`` but exit code 1 (SHACL findings) is a result, not a failure."""
    wrapper = [
        sys.executable,
        "-c",
        "import subprocess, sys; r = subprocess.run(sys.argv[1:]); sys.exit(0 if r.returncode in (0, 1) else r.returncode)",
        *command,
    ]
    return timed(wrapper, env, timeout)


def fmt_s(value: float | None) -> str:
    return "-" if value is None else (f"{value:.3f}" if value < 10 else f"{value:.1f}")


def per_query_table(args: argparse.Namespace, per_query: list[dict[str, object]], jena: bool) -> list[str]:
    """The P5 table: every saved query in-process on pyoxigraph next to Jena ARQ on the same data."""
    if not per_query:
        return []
    lines = [
        "",
        f"Every saved query at the largest size ({time.strftime('%Y-%m-%d')}), in-process (median of {args.runs} "
        "after a warm-up), next to Apache Jena ARQ's own query time on the same data"
        + ("" if jena else " (Jena not installed)")
        + ":",
        "",
        "| query | pyoxigraph (s) | Jena (s) | ratio | formulation |",
        "|---|---|---|---|---|",
    ]
    for r in per_query:
        ratio = f"{r['pyoxigraph'] / r['jena']:.2f}" if r["jena"] else "-"
        lines.append(f"| {r['query']} | {r['pyoxigraph']:.3f} | {fmt_s(r['jena'])} | {ratio} | {r['formulation']} |")
    return lines


def write_report(args: argparse.Namespace, rows: list[Row], per_query: list[dict[str, object]], jena: bool) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# tppo-graph benchmarks",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}. Whole-process medians of {args.runs} interleaved runs after a warm-up "
            "(a baseline taking minutes: its one run, marked); peak = peak resident memory of the process."
        ),
        "",
        "| size | triples | operation | tppo-graph (s) | peak MiB | baseline | baseline (s) | baseline peak MiB | ratio (ours / baseline) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        for i, base in enumerate(row.baselines or [Figure("-")]):
            ours = row.ours
            ratio = f"{ours.median / base.median:.2f}" if ours.median and base.median else "-"
            base_time = base.failed if base.failed else fmt_s(base.median)
            if len(base.seconds) == 1 and args.runs > 1:
                base_time += " (1 run)"
            lines.append(
                f"| {row.size if i == 0 else ''} | {row.triples:,} | {row.operation if i == 0 else ''} | "
                f"{(fmt_s(ours.median) if ours.median else ours.failed or '-') if i == 0 else ''} | {f'{ours.peak_mib:.0f}' if i == 0 and ours.peak_mib else ''} | "
                f"{base.label} | {base_time} | {f'{base.peak_mib:.0f}' if base.peak_mib else '-'} | {ratio} |"
            )
    sizes = sorted({(r.triples, r.size) for r in rows})
    if len(sizes) > 1:
        (n0, s0), (n1, s1) = sizes[0], sizes[-1]
        lines += [
            "",
            f"Growth exponent of tppo-graph's time from {s0} to {s1} (time ~ size^k):",
            "",
            "| operation | k |",
            "|---|---|",
        ]
        for op in dict.fromkeys(r.operation for r in rows):
            a = next((r for r in rows if r.operation == op and r.size == s0), None)
            b = next((r for r in rows if r.operation == op and r.size == s1), None)
            if a and b and a.ours.median and b.ours.median:
                k = math.log(b.ours.median / a.ours.median) / math.log(n1 / n0)
                lines.append(f"| {op} | {k:.2f} |")
    if args.loads_only:
        (args.out / "loads.md").write_text("\n".join(["# Loads into each store", *lines[1:]]) + "\n", encoding="utf-8")
        print("\n".join(lines))
        return
    query_lines = per_query_table(args, per_query, jena)
    (args.out / "queries.md").write_text(
        "\n".join(["# Saved queries next to Apache Jena", *query_lines]) + "\n", encoding="utf-8"
    )
    if args.queries_only:
        return
    lines += query_lines
    (args.out / "benchmarks.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "benchmarks.json").write_text(
        json.dumps(
            {
                "rows": [
                    {
                        "size": r.size,
                        "triples": r.triples,
                        "operation": r.operation,
                        "ours": {"median": r.ours.median, "peak_mib": r.ours.peak_mib},
                        "baselines": [
                            {"label": b.label, "median": b.median, "peak_mib": b.peak_mib, "failed": b.failed}
                            for b in r.baselines
                        ],
                    }
                    for r in rows
                ],
                "per_query": per_query,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    plot(rows, args.out / "time-vs-size.png")
    print("\n".join(lines))


def _row_json(row: Row, runs: int) -> dict[str, object]:
    def figure(f: Figure) -> dict[str, object]:
        return {
            "label": f.label,
            "median": f.median,
            "peak_mib": f.peak_mib,
            "failed": f.failed,
            "runs": len(f.seconds),
        }

    return {
        "size": row.size,
        "triples": row.triples,
        "operation": row.operation,
        "date": time.strftime("%Y-%m-%d"),
        "runs": runs,
        "ours": figure(row.ours),
        "baselines": [figure(b) for b in row.baselines],
    }


def _full_run_ratio(size: str, operation: str, label: str) -> str:
    """The same row's ratio in the last full run (benchmarks.json), for comparison."""
    path = HERE / "results" / "benchmarks.json"
    if not path.exists():
        return "-"
    for row in json.loads(path.read_text(encoding="utf-8"))["rows"]:
        if row["size"] == size and row["operation"] == operation:
            base = next((b for b in row["baselines"] if b["label"] == label), None)
            if base and base["median"] and row["ours"]["median"]:
                return (
                    f"{row['ours']['median']:.3f} / {base['median']:.3f} = {row['ours']['median'] / base['median']:.2f}"
                )
    return "-"


def write_remeasured(args: argparse.Namespace, rows: list[Row]) -> None:
    """Merge the rows of an ``--only`` run into remeasured.md / .json: a row replaces the same size and operation."""
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "remeasured.json"
    kept = json.loads(path.read_text(encoding="utf-8"))["rows"] if path.exists() else []
    new = [_row_json(r, args.runs) for r in rows]
    fresh = {(r["size"], r["operation"]) for r in new}
    merged = [r for r in kept if (r["size"], r["operation"]) not in fresh] + new
    order = {"10k": 0, "100k": 1, "1m": 2}
    merged.sort(key=lambda r: (order.get(str(r["size"]), 9), str(r["operation"])))
    path.write_text(json.dumps({"rows": merged}, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# Rows re-measured after the last full run",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. Each row comes from "
            "one `python benchmarks/run.py --only ...` run on the date shown: medians of that run's interleaved runs "
            "after a warm-up, next to its baselines measured in the same run. The last column is the same row in the "
            "last full run ([benchmarks.md](benchmarks.md)): ours / baseline = ratio."
        ),
        "",
        (
            "| measured | size | triples | operation | tppo-graph (s) | peak MiB | baseline | baseline (s) | baseline peak MiB "
            "| ratio (ours / baseline) | last full run |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in merged:
        ours = r["ours"]
        for i, base in enumerate(r["baselines"] or [{"label": "-", "median": None, "peak_mib": None, "failed": None}]):
            ratio = f"{ours['median'] / base['median']:.2f}" if ours["median"] and base["median"] else "-"
            first = i == 0
            peak = f"{ours['peak_mib']:.0f}" if first and ours["peak_mib"] else ""
            base_peak = f"{base['peak_mib']:.0f}" if base["peak_mib"] else "-"
            cells = [
                f"{r['date']} ({r['runs']} runs)" if first else "",
                r["size"] if first else "",
                f"{r['triples']:,}",
                r["operation"] if first else "",
                fmt_s(ours["median"]) if first else "",
                peak,
                base["label"],
                base["failed"] or fmt_s(base["median"]),
                base_peak,
                ratio,
                _full_run_ratio(str(r["size"]), str(r["operation"]), str(base["label"])),
            ]
            lines.append("| " + " | ".join(map(str, cells)) + " |")
    (args.out / "remeasured.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def plot(rows: list[Row], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    figure, axes = plt.subplots(figsize=(11, 7), dpi=110)
    for op in dict.fromkeys(r.operation for r in rows):
        points = sorted((r.triples, r.ours.median) for r in rows if r.operation == op and r.ours.median)
        if len(points) > 1:
            axes.plot(*zip(*points, strict=True), marker="o", label=f"tppo-graph: {op}")
    for label in ("bare pyoxigraph", "Jena SHACL", "oxigraph load"):
        for op in dict.fromkeys(r.operation for r in rows):
            points = sorted(
                (r.triples, b.median)
                for r in rows
                if r.operation == op
                for b in r.baselines
                if b.label == label and b.median
            )
            if len(points) > 1 and op.startswith(("query palermo", "validate", "load (atomic")):
                axes.plot(*zip(*points, strict=True), linestyle="--", marker="x", label=f"{label}: {op}")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("triples")
    axes.set_ylabel("whole-process seconds (median)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7)
    figure.savefig(path, bbox_inches="tight")
    plt.close(figure)


if __name__ == "__main__":
    sys.exit(main())
