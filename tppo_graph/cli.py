"""The ``tppo-graph`` command line: each verb parses options, calls one library function, renders the result.

Built on the standard library's argparse, and only the parser of the verb being run is built: the query path
must start fast (a whole ``tppo-graph query`` process stays within 1.5x of a bare pyoxigraph script), and every
import is deferred to the verb that needs it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import TppoGraphError, UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms on the query path)
if TYPE_CHECKING:
    from .protocols import Engine
    from .queries import QueryResult, SavedQuery
    from .remote import Credentials

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
PROG = "tppo-graph"

#: verb -> one-line summary (the order of `tppo-graph --help`)
VERBS = {
    "queries": "List the saved queries with their titles and parameters.",
    "query": "Run a saved query; `query NAME --help` explains that query.",
    "sparql": "Run an ad-hoc SPARQL query (read-only) on the graph or an endpoint.",
    "validate": "Check the graph against the SHACL shapes (exit 0 conforms, 1 violations, 2 bad input).",
    "stats": "Triples, entities per class, label coverage per language, facts without a source.",
    "export": "Write the whole graph (ontology + data) in a standard RDF format.",
    "network": "Network analysis of a projection: centralities, articulation points, communities, brokers.",
    "load": "Upload the whole graph into a SPARQL store, atomically.",
    "serve": "Serve the graph over SPARQL on this machine (the Oxigraph server) until Ctrl-C.",
}
MAIN_HELP = f"""usage: {PROG} [--version] [-h] VERB [OPTIONS]

Knowledge graph of trafficking-in-persons (TPPO) law between Indonesia and Cambodia and of IOM's role.

verbs:
{"".join(f"  {verb:<10} {summary}{chr(10)}" for verb, summary in VERBS.items())}
Run `{PROG} VERB --help` for a verb's options and an example.
Exit codes: 0 success (or the graph conforms), 1 findings (SHACL violations), 2 bad input or usage.
"""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (naming the option at fault) and our exit code for usage errors."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_BAD_INPUT)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, sized to the terminal without importing shutil (2 ms on every start)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        if width is None:
            try:
                width = int(os.environ["COLUMNS"])
            except (KeyError, ValueError):
                try:
                    width = os.get_terminal_size(sys.__stdout__.fileno()).columns
                except (AttributeError, ValueError, OSError):
                    width = 80
            width -= 2  # as argparse does
        super().__init__(prog, indent_increment, max_help_position, width)


def _parser(verb: str, description: str, example: str, *, add_help: bool = True) -> Parser:
    return Parser(
        prog=f"{PROG} {verb}",
        description=description,
        epilog=f"Example: {example}",
        formatter_class=_Formatter,
        add_help=add_help,
        allow_abbrev=False,
    )


def _data_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        action="append",
        metavar="PATH",
        help="Data file or folder to use instead of the bundled graph data (repeatable; 'bundled' adds the "
        "bundled data). Default: $TPPO_GRAPH_DATA, else the bundled data.",
    )


def _param_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-p", "--param", dest="params", action="append", default=[], metavar="NAME=VALUE", help=what)


def _result_options(p: argparse.ArgumentParser) -> None:
    from .render import RESULT_FORMATS

    p.add_argument(
        "--format",
        dest="fmt",
        choices=RESULT_FORMATS,
        default="table",
        help="table/md: labels instead of IRIs; json: W3C SPARQL 1.1 Query Results JSON; csv/tsv: the W3C CSV and "
        "TSV formats (default: table).",
    )
    p.add_argument(
        "--lang", choices=("id", "en"), default="en", help="Language of labels in tables and of a 'lang' parameter."
    )
    p.add_argument("--with-sources", action="store_true", help="Add the sources of each row's subject.")
    p.add_argument("-o", "--output", type=Path, help="Write to FILE (atomically) instead of standard output.")
    _data_option(p)


def _credential_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--user", default=os.environ.get("TPPO_GRAPH_USER"), help="User for HTTP basic auth ($TPPO_GRAPH_USER)."
    )
    p.add_argument(
        "--password-env",
        default="TPPO_GRAPH_PASSWORD",
        metavar="VAR",
        help="Environment variable holding the password, never given on the command line (default: TPPO_GRAPH_PASSWORD).",
    )


def _remote_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", metavar="URL", help="Query this SPARQL endpoint instead of the bundled graph.")
    p.add_argument("--graph", metavar="IRI", help="With --endpoint: use this named graph as the query's default graph.")
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="With --endpoint: seconds to wait; a timeout is an error (default 60).",
    )
    _credential_options(p)


# ---------------------------------------------------------------------------------------------
# Output helpers (the only writers of standard output)
# ---------------------------------------------------------------------------------------------


def _emit(text: str | bytes) -> None:
    if isinstance(text, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _note(text: str) -> None:
    sys.stderr.write(text + "\n")


def _data(args: argparse.Namespace) -> list[str] | None:
    return list(args.data) if args.data else None


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param: expected NAME=VALUE, got {pair!r}")
        params[name.strip()] = value
    return params


def _credentials(user: str | None, password_env: str) -> Credentials | None:
    from .remote import Credentials

    if user is None:
        return None
    password = os.environ.get(password_env)
    if password is None:
        raise UsageError(f"--user {user}: the password variable ${password_env} is not set")
    return Credentials(user, password)


def _engine(args: argparse.Namespace) -> Engine:
    if args.endpoint is None:
        from .engine import open_store
        from .queries import LocalEngine

        return LocalEngine(open_store(_data(args)))
    from .remote import RemoteEngine, endpoints_for

    return RemoteEngine(
        endpoints_for(args.endpoint).query, args.graph, args.timeout, _credentials(args.user, args.password_env)
    )


def _emit_result(result: QueryResult, args: argparse.Namespace, engine: Engine) -> None:
    from .queries import iter_iris, labels_for
    from .render import render_result

    labels = labels_for(engine, iter_iris(result), args.lang) if args.fmt in ("table", "md") else None
    text = render_result(result, args.fmt, labels)
    if args.output is None:
        _emit(text)
        return
    from .export import write_atomic

    write_atomic(args.output, text if isinstance(text, bytes) else text.encode("utf-8"))
    _note(f"Wrote {len(result)} result(s) ({args.fmt}) to {args.output}")


# ---------------------------------------------------------------------------------------------
# Verbs: build_<verb>(parser) declares options, run_<verb>(args) does the work and returns the exit code
# ---------------------------------------------------------------------------------------------


def build_queries() -> Parser:
    p = _parser("queries", VERBS["queries"], f"{PROG} queries --tag gaps")
    p.add_argument("--tag", help="Only queries with this tag.")
    p.add_argument("--format", dest="fmt", choices=("table", "json"), default="table")
    return p


def run_queries(args: argparse.Namespace) -> int:
    from .queries import list_queries
    from .render import render_json, render_table

    found = list_queries(args.tag)
    if args.fmt == "json":
        _emit(
            render_json(
                [
                    {
                        "name": q.name,
                        "summary": q.summary,
                        "description": q.description,
                        "tags": list(q.tags),
                        "params": [p._asdict() for p in q.params],
                    }
                    for q in found
                ]
            )
        )
    else:
        rows = [[q.name, q.summary, ", ".join(q.tags), ", ".join(p.name for p in q.params)] for q in found]
        _emit(render_table(["name", "summary", "tags", "params"], rows))
    return EXIT_OK


def build_query() -> Parser:
    p = _parser(
        "query",
        VERBS["query"] + "\n\nThe catalogue: `tppo-graph queries`.",
        f"{PROG} query palermo-obligations-without-bilateral-mechanism --format csv",
        add_help=False,
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="The saved query.")
    _param_option(p, "A parameter value (repeatable).")
    _result_options(p)
    _remote_options(p)
    p.add_argument("--show-sparql", action="store_true", help="Print the query with its PREFIX block instead.")
    p.add_argument(
        "-h", "--help", dest="show_help", action="store_true", help="Show this help (with NAME: that query's)."
    )
    return p


def _query_help(q: SavedQuery) -> str:
    import textwrap

    from .render import render_table

    out = [
        f"usage: {PROG} query {q.name} [-p NAME=VALUE ...] [OPTIONS]\n\n",
        f"  {q.summary}\n\n",
        *(f"  {line}\n" for line in textwrap.wrap(q.description, 96)),
    ]
    if q.tags:
        out.append(f"\n  Tags: {', '.join(q.tags)}\n")
    if q.params:
        rows = [
            [
                p.name,
                p.type,
                "yes" if p.required else "no",
                p.default or "",
                p.scheme or p.cls or ", ".join(p.values or ()),
                p.description,
            ]
            for p in q.params
        ]
        out += [
            "\nParameters:\n",
            render_table(["name", "type", "required", "default", "allowed", "description"], rows),
        ]
    else:
        out.append("\nParameters: none\n")
    out.append(f"\nFile: {q.path}\n")
    return "".join(out)


def run_query(args: argparse.Namespace) -> int:
    from .queries import get_query, standalone_text
    from .queries import run_query as run

    if args.name is None:
        _emit(build_query().format_help())
        return EXIT_OK if args.show_help else EXIT_BAD_INPUT
    saved = get_query(args.name)
    if args.show_help:
        _emit(_query_help(saved))
        return EXIT_OK
    if args.show_sparql:
        _emit(standalone_text(saved))
        return EXIT_OK
    engine = _engine(args)
    result = run(args.name, engine=engine, lang=args.lang, with_sources=args.with_sources, **_parse_params(args.params))
    _emit_result(result, args, engine)
    return EXIT_OK


def build_sparql() -> Parser:
    p = _parser(
        "sparql",
        VERBS["sparql"] + " The catalogue prefixes (tppo:, tpd:, tpv:, eli:, ...) are predeclared.",
        f"{PROG} sparql 'SELECT ?s WHERE {{ ?s a tppo:State }}'",
    )
    p.add_argument("text", metavar="QUERY|@FILE", help="The query, or @ and a file holding it.")
    _result_options(p)
    _remote_options(p)
    return p


def run_sparql(args: argparse.Namespace) -> int:
    from .queries import sparql

    text = args.text
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot read query file: {exc.strerror or exc}") from None
    engine = _engine(args)
    result = sparql(text, engine=engine, with_sources=args.with_sources)
    _emit_result(result, args, engine)
    return EXIT_OK


def build_validate() -> Parser:
    p = _parser(
        "validate",
        VERBS["validate"] + "\n\nWarnings are reported but do not make the graph non-conformant.",
        f"{PROG} validate --format json",
    )
    _data_option(p)
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    p.add_argument(
        "--engine",
        choices=("auto", "pyshacl", "turbo"),
        default="auto",
        help="pySHACL is the reference; turbo is pyshacl-turbo (Rust: the same report, much faster); auto takes "
        "turbo when it is installed (default).",
    )
    return p


def run_validate(args: argparse.Namespace) -> int:
    from .render import render_json, render_validation
    from .validate import validate

    report = validate(_data(args), engine=args.engine)
    _emit(render_json(report.to_dict()) if args.fmt == "json" else render_validation(report))
    return EXIT_OK if report.conforms else EXIT_FINDINGS


def build_stats() -> Parser:
    p = _parser("stats", VERBS["stats"], f"{PROG} stats")
    _data_option(p)
    p.add_argument("--format", dest="fmt", choices=("table", "json"), default="table")
    return p


def run_stats(args: argparse.Namespace) -> int:
    from .render import render_json, render_stats
    from .stats import stats

    result = stats(_data(args))
    _emit(render_json(result.to_dict()) if args.fmt == "json" else render_stats(result))
    return EXIT_OK


def build_export() -> Parser:
    p = _parser("export", VERBS["export"], f"{PROG} export --format trig -o tppo-graph.trig")
    _data_option(p)
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("ttl", "nt", "jsonld", "trig", "nq", "rdfxml"),
        default="ttl",
        help="trig and nq keep ontology and data in two named graphs (default: ttl).",
    )
    p.add_argument("-o", "--output", type=Path, help="File to write, atomically (default: standard output).")
    p.add_argument(
        "--entailed",
        action="store_true",
        help="Also write the entailed triples (class and property hierarchy, status groups) that queries see; "
        "trig and nq put them in their own named graph (default: the asserted graph only).",
    )
    return p


def run_export(args: argparse.Namespace) -> int:
    from .export import export

    result = export(args.fmt, args.output, _data(args), entailed=args.entailed)
    if result.content is not None:
        _emit(result.content)
    else:
        _note(f"Wrote {result.statements:,} statements ({result.format}) to {result.path}")
    return EXIT_OK


def build_network() -> Parser:
    p = _parser(
        "network",
        VERBS["network"] + "\n\nWithout PROJECTION, lists the projections (saved queries tagged 'projection').",
        f"{PROG} network actors --metric betweenness --top 10 --brokers tpd:IDN tpd:KHM",
    )
    p.add_argument("name", nargs="?", metavar="PROJECTION")
    _param_option(p, "A projection parameter (repeatable).")
    from .network import METRICS

    p.add_argument("--metric", choices=METRICS, default="betweenness", help="Sort the table by this metric.")
    p.add_argument("--top", type=int, default=20, help="Rows of the table (0: all; default 20).")
    p.add_argument("--format", dest="fmt", choices=("table", "csv", "json"), default="table")
    p.add_argument("--lang", choices=("id", "en"), default="en", help="Language of labels.")
    p.add_argument(
        "--brokers", nargs=2, metavar=("A", "B"), help="Report the brokers between two nodes (tpd:IDN tpd:KHM)."
    )
    p.add_argument(
        "--export", dest="export_fmt", choices=("graphml", "gexf", "json"), help="Write the network to -o FILE."
    )
    p.add_argument("-o", "--output", type=Path, help="File for --export.")
    p.add_argument("--plot", type=Path, help="Draw the network to FILE.png or FILE.svg (sizes by --metric).")
    _data_option(p)
    return p


def run_network(args: argparse.Namespace) -> int:
    from .network import brokers, export_network, list_projections, metrics, plot_network, projection
    from .render import render_json, render_table

    if args.name is None:
        rows = [
            [q.name.removeprefix("projection-"), q.summary.removeprefix("Projection: ")] for q in list_projections()
        ]
        _emit(render_table(["projection", "summary"], rows))
        return EXIT_OK
    if args.export_fmt and args.output is None:
        raise UsageError("--export: give the file with -o FILE")
    graph = projection(args.name, data=_data(args), **_parse_params(args.params))
    result = metrics(graph)
    label = "label_id" if args.lang == "id" else "label_en"
    report = brokers(graph, *args.brokers) if args.brokers else None
    if args.export_fmt:
        export_network(graph, args.export_fmt, args.output)
        _note(
            f"Wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges ({args.export_fmt}) to {args.output}"
        )
    if args.plot is not None:
        sizes = {r["node"]: float(r[args.metric] or 0.0) for r in result.rows} if args.metric != "community" else None
        plot_network(graph, args.plot, sizes=sizes, lang=args.lang)
        _note(f"Drew the network to {args.plot}")
    rows = result.top(args.metric, args.top or None)
    if args.fmt == "json":
        payload = {"projection": graph.graph["projection"], **result.to_dict(), "rows": rows}
        if report is not None:
            payload["brokers"] = report.to_dict()
        _emit(render_json(payload))
        return EXIT_OK
    columns = ["node", "class", "degree", "betweenness", "closeness", "eigenvector", "articulation", "community"]
    table_rows = [
        [
            r[label],
            r["cls"],
            r["degree"],
            f"{r['betweenness']:.4f}",
            f"{r['closeness']:.4f}",
            "" if r["eigenvector"] is None else f"{r['eigenvector']:.4f}",
            "yes" if r["articulation_point"] else "",
            r["community"],
        ]
        for r in rows
    ]
    if args.fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["iri", *columns])
        writer.writerows([[r["node"], *cells] for r, cells in zip(rows, table_rows, strict=True)])
        _emit(buffer.getvalue())
        return EXIT_OK
    out = [
        f"{graph.graph['summary']}\n",
        (
            f"{result.nodes} nodes, {result.edges} edges, {result.components} component(s), "
            f"{len(result.communities)} communities, {len(result.bridges)} bridges; sorted by {args.metric}\n"
        ),
        *(f"Note: {n}\n" for n in result.notes),
        "\n",
        render_table(columns, table_rows),
    ]
    if report is not None:
        out.append(f"\nBrokers between {report.a} and {report.b}: ")
        if not report.connected:
            out.append("not connected\n")
        else:
            out.append(f"distance {report.distance}, {report.shortest_paths} shortest path(s)\n")
            brokers_rows = [
                [r[label], r["cls"], r["paths"], f"{r['share']:.3f}"] for r in report.brokers[: args.top or None]
            ]
            out.append(render_table(["broker", "class", "paths", "share"], brokers_rows))
            cuts = ", ".join(graph.nodes[c][label] for c in report.cut_nodes) or "none"
            out.append(f"Single nodes whose removal disconnects them: {cuts}\n")
    _emit("".join(out))
    return EXIT_OK


def build_load() -> Parser:
    p = _parser(
        "load",
        VERBS["load"]
        + "\n\nThe graph goes to a staging named graph in chunks (Graph Store Protocol), is counted there, and is\n"
        "switched in with one SPARQL Update (MOVE with --replace, ADD otherwise): a failed load leaves the target\n"
        "graph unchanged. --no-staging writes straight into the target: faster, but not atomic.",
        f"{PROG} load --endpoint http://127.0.0.1:7878/query --graph https://w3id.org/tppo/graph --replace",
    )
    _data_option(p)
    p.add_argument("--endpoint", required=True, metavar="URL", help="The store's SPARQL query URL.")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--graph", metavar="IRI", help="Target named graph.")
    target.add_argument(
        "--default", dest="default_graph", action="store_true", help="Load into the default graph (the default)."
    )
    p.add_argument("--replace", action="store_true", help="Replace the target graph's content instead of adding.")
    p.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update URL, when not derivable from --endpoint.")
    p.add_argument("--store-endpoint", metavar="URL", help="Graph Store Protocol URL, when not derivable.")
    p.add_argument("--chunk-size", type=int, default=50_000, help="Triples per upload request (default 50000).")
    p.add_argument("--no-staging", action="store_true", help="Write straight into the target (not atomic).")
    p.add_argument("--timeout", type=float, default=300.0, help="Seconds to wait for each request (default 300).")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    _credential_options(p)
    return p


def run_load(args: argparse.Namespace) -> int:
    from .remote import load_into
    from .render import render_json

    show = sys.stderr.isatty() and args.fmt == "text"

    def progress(sent: int, _total: int) -> None:
        if show:
            sys.stderr.write(f"\r  uploaded {sent:,} triples")
            sys.stderr.flush()

    summary = load_into(
        args.endpoint,
        data=_data(args),
        graph=args.graph,
        replace=args.replace,
        update_endpoint=args.update_endpoint,
        store_endpoint=args.store_endpoint,
        credentials=_credentials(args.user, args.password_env),
        chunk_size=args.chunk_size,
        timeout=args.timeout,
        staging=not args.no_staging,
        progress=progress,
        notice=lambda text: _note(("\n" if show else "") + text),
    )
    if show:
        sys.stderr.write("\n")
    if args.fmt == "json":
        _emit(render_json(summary.to_dict()))
        return EXIT_OK
    target = f"<{summary.graph}>" if summary.graph else "the default graph"
    mode = ("replaced" if summary.replaced else "added") + ("" if summary.atomic else ", not atomic")
    _emit(
        f"Loaded {summary.triples_sent:,} triples from {summary.files} files into {target} at {summary.endpoint} "
        f"({mode}, {summary.chunks} chunks, {summary.seconds:.2f} s, {summary.triples_per_second:,.0f} triples/s).\n"
        f"Counted in the store: {summary.triples_staged:,} staged, {summary.triples_in_target:,} in the target graph.\n"
    )
    return EXIT_OK


def build_serve() -> Parser:
    p = _parser("serve", VERBS["serve"], f"{PROG} serve --port 7878")
    _data_option(p)
    p.add_argument("--port", type=int, default=7878, help="TCP port (0: any free port; default 7878).")
    p.add_argument("--bind", default="127.0.0.1", help="Address to listen on (default: loopback only).")
    p.add_argument(
        "--writable", action="store_true", help="Accept SPARQL Update and Graph Store writes (read-only by default)."
    )
    p.add_argument(
        "--location", type=Path, help="Keep the server's store in this directory (default: a temporary one)."
    )
    return p


def run_serve(args: argparse.Namespace) -> int:
    import signal
    import time

    from .server import serve

    server = serve(port=args.port, bind=args.bind, data=_data(args), writable=args.writable, location=args.location)
    _emit(
        f"SPARQL endpoint: {server.query_endpoint}  ({'read-write' if args.writable else 'read-only'})\n"
        f"Query page:      {server.query_page}\nPress Ctrl-C to stop.\n"
    )
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    # Handled explicitly: a shell that starts us in the background makes SIGINT ignored, not KeyboardInterrupt.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and server.process.poll() is None:
            time.sleep(0.2)
    finally:
        server.stop()
        _note("Stopped.")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tppo-graph")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0+unknown"


def _terminate_as_interrupt() -> object:
    """Make SIGTERM raise :class:`Interrupted` (as Ctrl-C raises KeyboardInterrupt), so that work in progress can
    stop cleanly (a load waits for its request in flight and cleans up); returns the previous handler."""
    import signal

    def interrupt(signum: int, _frame: object) -> None:
        from .errors import Interrupted

        raise Interrupted(signum)

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (main() called from a thread): signal handlers live in the main one
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        _emit(MAIN_HELP)
        return EXIT_OK if argv else EXIT_BAD_INPUT
    if argv[0] == "--version":
        from .dataset import bundled_versions

        versions = bundled_versions()
        data = ", ".join(f"{k} {v}" for k, v in versions.items())
        _emit(f"{PROG} {_version()}" + (f" (bundled {data})" if data else "") + "\n")
        return EXIT_OK
    verb, rest = argv[0], argv[1:]
    if verb not in VERBS:
        import difflib

        close = difflib.get_close_matches(verb, list(VERBS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (verbs: {', '.join(VERBS)})"
        sys.stderr.write(f"{PROG}: error: unknown verb '{verb}'{hint}\n")
        return EXIT_BAD_INPUT
    module = sys.modules[__name__]
    parser = getattr(module, f"build_{verb}")()
    args = parser.parse_args(rest)
    previous = _terminate_as_interrupt()
    try:
        return int(getattr(module, f"run_{verb}")(args))
    except TppoGraphError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 128 + 2
    except BrokenPipeError:  # `tppo-graph query ... | head`: the reader left; not an error of ours
        return EXIT_OK
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


def run() -> None:
    """The console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
