"""The verbs: ``build_<verb>()`` declares a verb's options, ``run_<verb>(args)`` makes one library call, hands
its report to :mod:`tppo_graph.render` and returns the exit code; :data:`VERBS` is the table of them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from ..errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, UsageError
from . import publish
from .checking import CHECK_SUMMARY, build_check, run_check
from .options import (
    PROG,
    Parser,
    credential_options,
    credentials_of,
    data_of,
    data_option,
    emit,
    emit_result,
    lang_option,
    note,
    open_engine,
    output_option,
    param_option,
    parse_params,
    parser,
    refuse_input_as_output,
    remote_options,
    result_options,
    seconds,
)

__all__ = ["VERBS", "Verb"]


def _parser(verb: str, example: str, extra: str = "", *, add_help: bool = True) -> Parser:
    return parser(verb, VERBS[verb].summary + extra, example, add_help=add_help)


def build_queries() -> Parser:
    p = _parser("queries", f"{PROG} queries --tag gaps")
    p.add_argument("--tag", help="Only queries with this tag.")
    p.add_argument("--format", dest="fmt", choices=("table", "json"), default="table")
    return p


def run_queries(args: argparse.Namespace) -> int:
    from ..catalogue import list_queries
    from ..render import render_queries

    emit(render_queries(list_queries(args.tag), args.fmt))
    return EXIT_OK


def build_query() -> Parser:
    example = f"{PROG} query palermo-obligations-without-bilateral-mechanism --format csv"
    p = _parser("query", example, "\n\nThe catalogue: `tppo-graph queries`.", add_help=False)
    p.add_argument("name", nargs="?", metavar="NAME", help="The saved query.")
    param_option(p, "A parameter value (repeatable).")
    result_options(p)
    remote_options(p)
    p.add_argument(
        "--show-sparql", action="store_true", help="Print the query as it runs (PREFIX lines, parameters bound)."
    )
    p.add_argument(
        "-h", "--help", dest="show_help", action="store_true", help="Show this help (with NAME: the query's)."
    )
    return p


def run_query(args: argparse.Namespace) -> int:
    from .. import queries
    from ..catalogue import get_query
    from ..render import render_query_help

    if args.name is None:
        emit(build_query().format_help())
        return EXIT_OK if args.show_help else EXIT_BAD_INPUT
    saved = get_query(args.name)
    if args.show_help:
        emit(render_query_help(saved, PROG))
        return EXIT_OK
    params = parse_params(args.params)
    engine = open_engine(args)
    if args.show_sparql:
        emit(queries.query_text(saved, params, engine=engine, language=args.lang))
        return EXIT_OK
    result = queries.run_query(args.name, params, engine=engine, language=args.lang, with_sources=args.with_sources)
    emit_result(result, args, engine, text=saved.body, heading=saved.summary)
    return EXIT_OK


def build_sparql() -> Parser:
    extra = " The catalogue prefixes (tppo:, tpd:, tpv:, eli:, ...) are predeclared."
    p = _parser("sparql", f"{PROG} sparql 'SELECT ?s WHERE {{ ?s a tppo:State }}'", extra)
    p.add_argument("text", metavar="QUERY|@FILE", help="The query, or @ and a file holding it.")
    result_options(p)
    remote_options(p)
    return p


def run_sparql(args: argparse.Namespace) -> int:
    from ..queries import sparql

    text = args.text
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot read query file: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path}: the query file is not UTF-8 text (byte {exc.start})") from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes of the command line that are not UTF-8 (surrogate escapes)
        raise UsageError("QUERY: the query is not valid UTF-8 text") from None
    engine = open_engine(args)
    emit_result(sparql(text, engine=engine, with_sources=args.with_sources), args, engine, text=text)
    return EXIT_OK


def build_validate() -> Parser:
    from ..validation import VALIDATORS

    extra = "\n\nWarnings are reported but do not make the graph non-conformant."
    p = _parser("validate", f"{PROG} validate --format json", extra)
    data_option(p)
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    p.add_argument(
        "--engine",
        choices=VALIDATORS,
        default="auto",
        help="pySHACL is the reference; turbo is pyshacl-turbo (Rust: the same report, much faster); auto takes "
        "turbo when it is installed (default).",
    )
    return p


def run_validate(args: argparse.Namespace) -> int:
    from ..render import render_validation
    from ..validation import validate_graph

    report = validate_graph(data_of(args), validator=args.engine)
    emit(render_validation(report, args.fmt))
    return EXIT_OK if report.conforms else EXIT_FINDINGS


def build_stats() -> Parser:
    p = _parser("stats", f"{PROG} stats")
    data_option(p)
    remote_options(p)
    p.add_argument("--format", dest="fmt", choices=("table", "json"), default="table")
    return p


def run_stats(args: argparse.Namespace) -> int:
    from ..describe import describe
    from ..render import render_stats

    emit(render_stats(describe(open_engine(args)), args.fmt))
    return EXIT_OK


def build_export() -> Parser:
    from ..export import EXPORT_FORMATS

    p = _parser("export", f"{PROG} export --format trig -o tppo-graph.trig")
    data_option(p)
    p.add_argument(
        "--format",
        dest="fmt",
        choices=list(EXPORT_FORMATS),
        default="ttl",
        help="trig and nq keep ontology and data in two named graphs (default: ttl).",
    )
    output_option(p, "File to write, atomically (default: standard output).")
    p.add_argument(
        "--entailed",
        action="store_true",
        help="Also write the entailed triples (class and property hierarchy, status groups) that queries see; "
        "trig and nq put them in their own named graph (default: the asserted graph only).",
    )
    return p


def run_export(args: argparse.Namespace) -> int:
    from ..export import export_graph
    from ..render import render_export

    if args.output is not None:
        refuse_input_as_output(args, args.output)
    result = export_graph(args.fmt, args.output, engine=open_engine(args), entailed=args.entailed)
    if result.content is not None:
        emit(result.content)
    else:
        note(render_export(result))
    return EXIT_OK


def build_network() -> Parser:
    from ..network import EXPORT_FORMATS, METRICS
    from ..render_network import NETWORK_FORMATS

    example = f"{PROG} network actors --metric betweenness --top 10 --brokers tpd:IDN tpd:KHM"
    p = _parser(
        "network", example, "\n\nWithout PROJECTION, lists the projections (saved queries tagged 'projection')."
    )
    p.add_argument("name", nargs="?", metavar="PROJECTION")
    param_option(p, "A projection parameter (repeatable).")
    p.add_argument("--metric", choices=METRICS, default="betweenness", help="Sort the table by this metric.")
    p.add_argument("--top", type=int, default=20, help="Rows of the table (0: all; default 20).")
    p.add_argument("--format", dest="fmt", choices=NETWORK_FORMATS, default="table")
    lang_option(p, "Language of labels.")
    p.add_argument(
        "--brokers", nargs=2, metavar=("A", "B"), help="Report the brokers between two nodes (tpd:IDN tpd:KHM)."
    )
    p.add_argument("--export", dest="export_fmt", choices=EXPORT_FORMATS, help="Write the network to -o FILE.")
    output_option(p, "File for --export.")
    p.add_argument("--plot", type=Path, help="Draw the network to FILE.png or FILE.svg (sizes by --metric).")
    data_option(p)
    return p


def run_network(args: argparse.Namespace) -> int:
    from ..network import analyse, export_network, list_projections, plot_network
    from ..render_network import render_network, render_network_export, render_projections

    if args.name is None:
        emit(render_projections(list_projections()))
        return EXIT_OK
    if args.export_fmt and args.output is None:
        raise UsageError("--export: give the file with -o FILE")
    for target in (args.output, args.plot):
        if target is not None:
            refuse_input_as_output(args, target)
    report = analyse(args.name, parse_params(args.params), engine=open_engine(args), between=args.brokers)
    graph = report.graph
    if args.export_fmt:
        export_network(graph, args.export_fmt, args.output)
        note(render_network_export(graph.number_of_nodes(), graph.number_of_edges(), args.export_fmt, args.output))
    if args.plot is not None:
        sizes = (
            None
            if args.metric == "community"
            else {r["node"]: float(r[args.metric] or 0.0) for r in report.metrics.rows}
        )
        plot_network(graph, args.plot, sizes=sizes, lang=args.lang)
        note(f"Drew the network to {args.plot}")
    emit(render_network(report, metric=args.metric, top=args.top or None, lang=args.lang, fmt=args.fmt))
    return EXIT_OK


def build_load() -> Parser:
    from ..loading import ROUTES

    extra = (
        "\n\nRoutes: auto (the default) takes the fastest atomic route for the store: put on Oxigraph, staging\n"
        "elsewhere. put sends the whole graph in one Graph Store Protocol request (PUT with --replace, POST\n"
        "otherwise), atomic only where the store runs it as one transaction (Oxigraph does, Virtuoso does not).\n"
        "staging uploads it in chunks into a staging named graph, counts it there and switches it in with one SPARQL\n"
        "Update (MOVE with --replace, ADD otherwise): atomic wherever an update request is. Either atomic route\n"
        "leaves the target unchanged when a load fails. direct (--no-staging) writes the chunks straight into the\n"
        "target: fast, but not atomic."
    )
    example = f"{PROG} load --endpoint http://127.0.0.1:7878/query --graph https://w3id.org/tppo/graph --replace"
    p = _parser("load", example, extra)
    data_option(p)
    p.add_argument("--endpoint", required=True, metavar="URL", help="The store's SPARQL query URL.")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--graph", metavar="IRI", help="Target named graph.")
    target.add_argument("--default", dest="default_graph", action="store_true", help="Load into the default graph.")
    p.add_argument("--replace", action="store_true", help="Replace the target graph's content instead of adding.")
    p.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update URL, when not derivable from --endpoint.")
    p.add_argument("--store-endpoint", metavar="URL", help="Graph Store Protocol URL, when not derivable.")
    route = p.add_mutually_exclusive_group()
    route.add_argument(
        "--route", choices=ROUTES, default="auto", help="How the graph goes in (default auto; see below)."
    )
    route.add_argument(
        "--no-staging", dest="route", action="store_const", const="direct", help="The same as --route direct."
    )
    p.add_argument(
        "--chunk-size", type=int, default=50_000, help="Triples per request of the staging and direct routes."
    )
    p.add_argument("--timeout", type=seconds, default=300.0, help="Seconds each request may take in all (default 300).")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    credential_options(p)
    return p


def run_load(args: argparse.Namespace) -> int:
    from ..loading import load_into
    from ..render import render_load

    show = sys.stderr.isatty() and args.fmt == "text"

    def progress(sent: int, _total: int) -> None:
        if show:
            sys.stderr.write(f"\r  uploaded {sent:,} triples")
            sys.stderr.flush()

    summary = load_into(
        args.endpoint,
        data=data_of(args),
        graph=args.graph,
        replace=args.replace,
        update_endpoint=args.update_endpoint,
        store_endpoint=args.store_endpoint,
        credentials=credentials_of(args),
        chunk_size=args.chunk_size,
        timeout=args.timeout,
        route=args.route,
        progress=progress,
        notice=lambda text: note(("\n" if show else "") + text),
    )
    if show:
        sys.stderr.write("\n")
    emit(render_load(summary, args.fmt))
    return EXIT_OK


def build_serve() -> Parser:
    p = _parser("serve", f"{PROG} serve --port 7878")
    data_option(p)
    p.add_argument("--port", type=int, default=7878, help="TCP port (0: any free port; default 7878).")
    p.add_argument("--bind", default="127.0.0.1", help="Address to listen on (default: loopback only).")
    p.add_argument("--writable", action="store_true", help="Accept SPARQL Update and Graph Store writes.")
    p.add_argument(
        "--location", type=Path, help="Keep the server's store in this directory (default: a temporary one)."
    )
    site = p.add_mutually_exclusive_group()
    site.add_argument("--site", type=Path, metavar="DIR", help="Serve this `tppo-graph site` folder under /site/.")
    site.add_argument("--no-site", action="store_true", help="No site under /site/ (default: one built at start).")
    return p


def run_serve(args: argparse.Namespace) -> int:
    import signal
    import time

    from ..front import serve_front
    from ..render import render_serve

    server = serve_front(
        port=args.port,
        bind=args.bind,
        data=data_of(args),
        writable=args.writable,
        location=args.location,
        site=args.site,
        build_site=not args.no_site,
    )
    emit(render_serve(server.query_endpoint, server.query_page, args.writable, server.site_page))
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
        note("Stopped.")
    return EXIT_OK


class Verb(NamedTuple):
    """One verb of the command line: its summary, its parser and what it runs."""

    summary: str
    build: Callable[[], Parser]
    run: Callable[[argparse.Namespace], int]


#: verb -> (summary, parser, runner), in the order of `tppo-graph --help`
VERBS: dict[str, Verb] = {
    "queries": Verb("List the saved queries with their titles and parameters.", build_queries, run_queries),
    "query": Verb("Run a saved query; `query NAME --help` explains that query.", build_query, run_query),
    "sparql": Verb("Run an ad-hoc SPARQL query (read-only) on the graph or an endpoint.", build_sparql, run_sparql),
    "validate": Verb(
        "Check the graph against the SHACL shapes (exit 0 conforms, 1 violations, 2 bad input).",
        build_validate,
        run_validate,
    ),
    "check": Verb(CHECK_SUMMARY, build_check, run_check),
    "stats": Verb(
        "Triples, entities per class, label coverage per language, facts without a source.", build_stats, run_stats
    ),
    "export": Verb("Write the whole graph (ontology + data) in a standard RDF format.", build_export, run_export),
    "export-queries": Verb(publish.EXPORT_QUERIES_SUMMARY, publish.build_export_queries, publish.run_export_queries),
    "network": Verb(
        "Network analysis of a projection: centralities, articulation points, communities, brokers.",
        build_network,
        run_network,
    ),
    "load": Verb("Upload the whole graph into a SPARQL store, atomically.", build_load, run_load),
    "report": Verb(publish.REPORT_SUMMARY, publish.build_report, publish.run_report),
    "site": Verb(publish.SITE_SUMMARY, publish.build_site, publish.run_site),
    "serve": Verb(
        "Serve the graph over SPARQL on this machine, with a query page and the site, until Ctrl-C.",
        build_serve,
        run_serve,
    ),
}
