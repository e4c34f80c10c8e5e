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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tppo-graph")
    except PackageNotFoundError:  # running from a checkout without installation
        return "0+unknown"


@click.group(cls=TppoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), prog_name="tppo-graph")
def main() -> None:
    """Knowledge graph of trafficking-in-persons (TPPO) law between Indonesia and Cambodia and of IOM's role.

    Exit codes: 0 success (or the graph conforms), 1 findings (SHACL violations), 2 bad input or usage.
    """


@main.command()
@data_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--engine",
    type=click.Choice(["pyshacl", "turbo"]),
    default="pyshacl",
    show_default=True,
    help="pySHACL is the reference; 'turbo' uses pyshacl-turbo (Rust) if installed.",
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


if __name__ == "__main__":  # pragma: no cover
    main()
