"""The ``tppo-graph`` command line: each verb parses options, calls one library function, renders the result."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import TppoGraphError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class TppoGroup(click.Group):
    """Turns every :class:`TppoGraphError` into one line on stderr and its exit code (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TppoGraphError as exc:
            click.echo(f"tppo-graph: error: {exc}", err=True)
            sys.exit(exc.exit_code)


def data_option(func: F) -> F:
    """``--data PATH`` (repeatable): the graph data to use instead of the bundled data."""
    return click.option(
        "--data",
        "data",
        multiple=True,
        metavar="PATH",
        help="Data file or folder to use instead of the bundled graph data (repeatable; 'bundled' adds the "
        "bundled data). Default: $TPPO_GRAPH_DATA, else the bundled data.",
    )(func)


def _data(data: tuple[str, ...]) -> list[str] | None:
    return list(data) if data else None


def _emit(text: str | bytes, output: str | None = None) -> None:
    if isinstance(text, bytes):
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        click.echo(text, nl=False)
    del output


@click.group(cls=TppoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tppo-graph", prog_name="tppo-graph")  # looked up only when asked
def main() -> None:
    """Knowledge graph of trafficking-in-persons (TPPO) law between Indonesia and Cambodia and of IOM's role.

    Exit codes: 0 success (or the graph conforms), 1 findings (SHACL violations), 2 bad input or usage.
    """


@main.command()
@data_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--engine",
    type=click.Choice(["auto", "pyshacl", "turbo"]),
    default="auto",
    show_default=True,
    help="pySHACL is the reference; 'turbo' is pyshacl-turbo (Rust, the same report, much faster); 'auto' takes turbo when it is installed.",
)
def validate(data: tuple[str, ...], fmt: str, engine: str) -> None:
    """Check the graph against the SHACL shapes (exit 0 conforms, 1 violations, 2 bad input).

    Warnings are reported but do not make the graph non-conformant.

    Example: tppo-graph validate --format json
    """
    from .render import render_json, render_validation
    from .validate import validate as run

    report = run(_data(data), engine=engine)
    _emit(render_json(report.to_dict()) if fmt == "json" else render_validation(report))
    sys.exit(EXIT_OK if report.conforms else EXIT_FINDINGS)


@main.command()
@data_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(data: tuple[str, ...], fmt: str) -> None:
    """Triples, entities per class, label coverage per language, facts without a source.

    Example: tppo-graph stats
    """
    from .render import render_json, render_stats
    from .stats import stats as run

    result = run(_data(data))
    _emit(render_json(result.to_dict()) if fmt == "json" else render_stats(result))


@main.command()
@data_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "nt", "jsonld", "trig", "nq", "rdfxml"]),
    default="ttl",
    show_default=True,
    help="trig and nq keep ontology and data in two named graphs.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (atomically: never half-written). Default: standard output.",
)
def export(data: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Write the whole graph (ontology + data) in a standard RDF format.

    Example: tppo-graph export --format trig -o tppo-graph.trig
    """
    from .export import export as run

    result = run(fmt, output, _data(data))
    if result.content is not None:
        _emit(result.content)
    else:
        click.echo(f"Wrote {result.statements:,} statements ({result.format}) to {result.path}", err=True)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    from .errors import UsageError

    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param: expected NAME=VALUE, got {pair!r}")
        params[name.strip()] = value
    return params


def result_options(func: F) -> F:
    """Options shared by ``query`` and ``sparql``: output format, label language, sources, output file."""
    from .render import RESULT_FORMATS

    for option in reversed(
        [
            click.option(
                "--format",
                "fmt",
                type=click.Choice(RESULT_FORMATS),
                default="table",
                show_default=True,
                help="table/md: labels instead of IRIs; json: W3C SPARQL 1.1 Query Results JSON; "
                "csv/tsv: the W3C CSV and TSV formats.",
            ),
            click.option(
                "--lang",
                type=click.Choice(["id", "en"]),
                default="en",
                show_default=True,
                help="Language of labels in tables (and of a query's 'lang' parameter).",
            ),
            click.option("--with-sources", is_flag=True, help="Add the sources of each row's subject."),
            click.option(
                "-o",
                "--output",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help="Write to FILE (atomically) instead of standard output.",
            ),
            data_option,
        ]
    ):
        func = option(func)
    return func


def remote_options(func: F) -> F:
    """Options that point a verb at a remote SPARQL endpoint instead of the embedded engine."""
    for option in reversed(
        [
            click.option(
                "--endpoint",
                metavar="URL",
                default=None,
                help="Query this SPARQL endpoint instead of the bundled graph (e.g. http://127.0.0.1:7878/query).",
            ),
            click.option(
                "--graph",
                "graph",
                metavar="IRI",
                default=None,
                help="With --endpoint: use this named graph as the default graph of the query.",
            ),
            click.option(
                "--timeout",
                type=float,
                default=60.0,
                show_default=True,
                help="With --endpoint: seconds to wait; a timeout is an error, never an empty result.",
            ),
            credential_options,
        ]
    ):
        func = option(func)
    return func


def credential_options(func: F) -> F:
    func = click.option(
        "--password-env",
        metavar="VAR",
        default="TPPO_GRAPH_PASSWORD",
        show_default=True,
        help="Environment variable holding the password (never given on the command line).",
    )(func)
    return click.option(
        "--user", envvar="TPPO_GRAPH_USER", default=None, help="User for HTTP basic auth ($TPPO_GRAPH_USER)."
    )(func)


def _credentials(user: str | None, password_env: str) -> Any:
    import os

    from .errors import UsageError
    from .remote import Credentials

    if user is None:
        return None
    password = os.environ.get(password_env)
    if password is None:
        raise UsageError(f"--user {user}: the password variable ${password_env} is not set")
    return Credentials(user, password)


def _engine(
    endpoint: str | None, graph: str | None, timeout: float, user: str | None, password_env: str, data: tuple[str, ...]
) -> Any:
    from .engine import open_store
    from .queries import LocalEngine

    if endpoint is None:
        return LocalEngine(open_store(_data(data)))
    from .remote import RemoteEngine, endpoints_for

    return RemoteEngine(endpoints_for(endpoint).query, graph, timeout, _credentials(user, password_env))


def _emit_result(result: Any, fmt: str, lang: str, output: Path | None, store: Any) -> None:
    from .export import write_atomic
    from .queries import iter_iris, labels_for
    from .render import render_result

    labels = labels_for(store, iter_iris(result), lang) if fmt in ("table", "md") else None
    text = render_result(result, fmt, labels)
    if output is None:
        _emit(text)
        return
    write_atomic(output, text if isinstance(text, bytes) else text.encode("utf-8"))
    click.echo(f"Wrote {len(result)} result(s) ({fmt}) to {output}", err=True)


def _query_help(query: Any) -> str:
    from .render import render_table

    out = [f"Usage: tppo-graph query {query.name} [--param NAME=VALUE ...] [OPTIONS]\n\n", f"  {query.summary}\n\n"]
    out.extend(f"  {line}\n" for line in click.wrap_text(query.description, 76).splitlines())
    if query.tags:
        out.append(f"\n  Tags: {', '.join(query.tags)}\n")
    if query.params:
        rows = []
        for p in query.params:
            allowed = p.scheme or p.cls or (", ".join(p.values) if p.values else "")
            rows.append([p.name, p.type, "yes" if p.required else "no", p.default or "", allowed, p.description])
        out.append("\nParameters:\n")
        out.append(render_table(["name", "type", "required", "default", "allowed", "description"], rows))
    else:
        out.append("\nParameters: none\n")
    out.append(f"\nFile: {query.path}\n")
    return "".join(out)


@main.command("queries")
@click.option("--tag", default=None, help="Only queries with this tag.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def queries_command(tag: str | None, fmt: str) -> None:
    """List the saved queries with their titles and parameters.

    Example: tppo-graph queries --tag gaps
    """
    from .queries import list_queries
    from .render import render_json, render_table

    found = list_queries(tag)
    if fmt == "json":
        _emit(
            render_json(
                [
                    {
                        "name": q.name,
                        "summary": q.summary,
                        "description": q.description,
                        "tags": list(q.tags),
                        "params": [p.__dict__ for p in q.params],
                    }
                    for q in found
                ]
            )
        )
        return
    rows = [[q.name, q.summary, ", ".join(q.tags), ", ".join(p.name for p in q.params)] for q in found]
    _emit(render_table(["name", "summary", "tags", "params"], rows))


@main.command("query", add_help_option=False)
@click.argument("name", required=False)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A parameter value (repeatable).")
@result_options
@remote_options
@click.option("--show-sparql", is_flag=True, help="Print the query with its PREFIX block instead of running it.")
@click.option("-h", "--help", "show_help", is_flag=True, help="Show this message (with NAME: that query's help).")
@click.pass_context
def query_command(
    ctx: click.Context,
    name: str | None,
    params: tuple[str, ...],
    fmt: str,
    lang: str,
    with_sources: bool,
    output: Path | None,
    data: tuple[str, ...],
    endpoint: str | None,
    graph: str | None,
    timeout: float,
    user: str | None,
    password_env: str,
    show_sparql: bool,
    show_help: bool,
) -> None:
    """Run a saved query (see `tppo-graph queries`); `query NAME --help` explains that query.

    Example: tppo-graph query palermo-obligations-without-bilateral-mechanism --format csv
    """
    from .queries import get_query, run_query, standalone_text

    if name is None:
        click.echo(ctx.get_help())
        ctx.exit(0 if show_help else EXIT_BAD_INPUT)
    saved = get_query(name)
    if show_help:
        _emit(_query_help(saved))
        return
    if show_sparql:
        _emit(standalone_text(saved))
        return
    engine = _engine(endpoint, graph, timeout, user, password_env, data)
    result = run_query(name, engine=engine, lang=lang, with_sources=with_sources, **_parse_params(params))
    _emit_result(result, fmt, lang, output, engine)


@main.command("sparql")
@click.argument("text", metavar="QUERY|@FILE")
@result_options
@remote_options
def sparql_command(
    text: str,
    fmt: str,
    lang: str,
    with_sources: bool,
    output: Path | None,
    data: tuple[str, ...],
    endpoint: str | None,
    graph: str | None,
    timeout: float,
    user: str | None,
    password_env: str,
) -> None:
    """Run an ad-hoc SPARQL query (read-only); the catalogue prefixes are predeclared.

    Example: tppo-graph sparql 'SELECT ?s WHERE { ?s a tppo:State }'
    """
    from .errors import UsageError
    from .queries import sparql

    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot read query file: {exc.strerror or exc}") from None
    engine = _engine(endpoint, graph, timeout, user, password_env, data)
    result = sparql(text, engine=engine, with_sources=with_sources)
    _emit_result(result, fmt, lang, output, engine)


@main.command("network")
@click.argument("name", required=False, metavar="[PROJECTION]")
@click.option(
    "-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A projection parameter (repeatable)."
)
@click.option(
    "--metric",
    type=click.Choice(["degree", "betweenness", "closeness", "eigenvector", "community"]),
    default="betweenness",
    show_default=True,
    help="Sort the table by this metric.",
)
@click.option("--top", type=int, default=20, show_default=True, help="Rows of the table (0: all).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["id", "en"]), default="en", show_default=True, help="Language of labels.")
@click.option(
    "--brokers",
    "pair",
    nargs=2,
    metavar="A B",
    default=None,
    help="Also report the brokers between two nodes (e.g. tpd:IDN tpd:KHM) and the nodes that would cut them.",
)
@click.option(
    "--export",
    "export_fmt",
    type=click.Choice(["graphml", "gexf", "json"]),
    default=None,
    help="Write the network (with node and edge attributes) to -o FILE.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File for --export."
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Draw the network to FILE.png or FILE.svg (sizes by --metric, colours by class).",
)
@data_option
def network_command(
    name: str | None,
    params: tuple[str, ...],
    metric: str,
    top: int,
    fmt: str,
    lang: str,
    pair: tuple[str, str] | None,
    export_fmt: str | None,
    output: Path | None,
    plot: Path | None,
    data: tuple[str, ...],
) -> None:
    """Network analysis of a projection: centralities, articulation points, communities, brokers.

    Without PROJECTION, lists the projections (saved queries tagged 'projection').

    Example: tppo-graph network actors --metric betweenness --top 10 --brokers tpd:IDN tpd:KHM
    """
    from .errors import UsageError
    from .network import brokers, export_network, list_projections, metrics, plot_network, projection
    from .render import render_json, render_table

    if name is None:
        rows = [
            [q.name.removeprefix("projection-"), q.summary.removeprefix("Projection: ")] for q in list_projections()
        ]
        _emit(render_table(["projection", "summary"], rows))
        return
    if export_fmt and output is None:
        raise UsageError("--export: give the file with -o FILE")
    graph = projection(name, data=_data(data), **_parse_params(params))
    result = metrics(graph)
    label = "label_id" if lang == "id" else "label_en"
    report = brokers(graph, *pair) if pair else None
    if export_fmt and output is not None:
        export_network(graph, export_fmt, output)
        click.echo(
            f"Wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges ({export_fmt}) to {output}",
            err=True,
        )
    if plot is not None:
        sizes = {r["node"]: float(r[metric] or 0.0) for r in result.rows} if metric != "community" else None
        plot_network(graph, plot, sizes=sizes, lang=lang)
        click.echo(f"Drew the network to {plot}", err=True)
    rows = result.top(metric, top or None)
    if fmt == "json":
        payload: dict[str, Any] = {"projection": graph.graph["projection"], **result.to_dict()}
        payload["rows"] = rows
        if report is not None:
            payload["brokers"] = report.to_dict()
        _emit(render_json(payload))
        return
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
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["iri", *columns])
        writer.writerows([[r["node"], *cells] for r, cells in zip(rows, table_rows, strict=True)])
        _emit(buffer.getvalue())
        return
    out = [
        f"{graph.graph['summary']}\n",
        (
            f"{result.nodes} nodes, {result.edges} edges, {result.components} component(s), "
            f"{len(result.communities)} communities, {len(result.bridges)} bridges; sorted by {metric}\n"
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
            out.append(
                render_table(
                    ["broker", "class", "paths", "share"],
                    [[r[label], r["cls"], r["paths"], f"{r['share']:.3f}"] for r in report.brokers[: top or None]],
                )
            )
            cuts = ", ".join(graph.nodes[c][label] for c in report.cut_nodes) or "none"
            out.append(f"Single nodes whose removal disconnects them: {cuts}\n")
    _emit("".join(out))


@main.command("load")
@data_option
@click.option(
    "--endpoint", required=True, metavar="URL", help="The store's SPARQL query URL (Oxigraph: http://HOST:7878/query)."
)
@click.option("--graph", "graph", metavar="IRI", default=None, help="Target named graph.")
@click.option(
    "--default", "default_graph", is_flag=True, help="Load into the default graph (the default when no --graph)."
)
@click.option("--replace", is_flag=True, help="Replace the target graph's content (atomically) instead of adding.")
@click.option(
    "--update-endpoint", metavar="URL", default=None, help="SPARQL Update URL, when not derivable from --endpoint."
)
@click.option("--store-endpoint", metavar="URL", default=None, help="Graph Store Protocol URL, when not derivable.")
@click.option("--chunk-size", type=int, default=50_000, show_default=True, help="Triples per upload request.")
@click.option(
    "--no-staging",
    is_flag=True,
    help="Write straight into the target: faster for large graphs, but NOT atomic (a failed load leaves "
    "the target partly written).",
)
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait for each request.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@credential_options
def load_command(
    data: tuple[str, ...],
    endpoint: str,
    graph: str | None,
    default_graph: bool,
    replace: bool,
    update_endpoint: str | None,
    store_endpoint: str | None,
    chunk_size: int,
    no_staging: bool,
    timeout: float,
    fmt: str,
    user: str | None,
    password_env: str,
) -> None:
    """Upload the whole graph (ontology + data) into a SPARQL store, atomically.

    The graph goes to a staging named graph in chunks (Graph Store Protocol), is counted there, and is switched in
    with one SPARQL Update (MOVE with --replace, ADD otherwise): a failed load leaves the target graph unchanged.

    Example: tppo-graph load --endpoint http://127.0.0.1:7878/query --graph https://w3id.org/tppo/graph --replace
    """
    from .errors import UsageError
    from .remote import load_into
    from .render import render_json

    if graph and default_graph:
        raise UsageError("--graph and --default: choose one target")
    show = sys.stderr.isatty() and fmt == "text"

    def progress(sent: int, _total: int) -> None:
        if show:
            click.echo(f"\r  uploaded {sent:,} triples", nl=False, err=True)

    summary = load_into(
        endpoint,
        data=_data(data),
        graph=graph,
        replace=replace,
        update_endpoint=update_endpoint,
        store_endpoint=store_endpoint,
        credentials=_credentials(user, password_env),
        chunk_size=chunk_size,
        timeout=timeout,
        staging=not no_staging,
        progress=progress,
    )
    if show:
        click.echo("", err=True)
    if fmt == "json":
        _emit(render_json(summary.to_dict()))
        return
    target = f"<{summary.graph}>" if summary.graph else "the default graph"
    _emit(
        f"Loaded {summary.triples_sent:,} triples from {summary.files} files into {target} at {summary.endpoint} "
        f"({'replaced' if summary.replaced else 'added'}{'' if summary.atomic else ', not atomic'}, "
        f"{summary.chunks} chunks, {summary.seconds:.2f} s, "
        f"{summary.triples_per_second:,.0f} triples/s).\n"
        f"Counted in the store: {summary.triples_staged:,} staged, {summary.triples_in_target:,} in the target graph.\n"
    )


@main.command("serve")
@data_option
@click.option("--port", type=int, default=7878, show_default=True, help="TCP port (0: any free port).")
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--writable", is_flag=True, help="Accept SPARQL Update and Graph Store writes (read-only by default).")
@click.option(
    "--location",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the server's store in this directory (default: a temporary one, removed on exit).",
)
def serve_command(data: tuple[str, ...], port: int, bind: str, writable: bool, location: Path | None) -> None:
    """Serve the graph over SPARQL on this machine with the Oxigraph server, until Ctrl-C.

    Example: tppo-graph serve --port 7878
    """
    import signal
    import time

    from .server import serve

    server = serve(port=port, bind=bind, data=_data(data), writable=writable, location=location)
    click.echo(f"SPARQL endpoint: {server.query_endpoint}  ({'read-write' if writable else 'read-only'})")
    click.echo(f"Query page:      {server.query_page}")
    click.echo("Press Ctrl-C to stop.")
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
        click.echo("Stopped.", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
