"""The command line's shared pieces: the parser class, the option groups every verb reuses, and the helpers
that turn options into library arguments and write output."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..errors import EXIT_BAD_INPUT, UsageError

if TYPE_CHECKING:
    from ..engines import Engine
    from ..results import QueryResult
    from ..transport import Credentials

__all__ = [
    "PROG",
    "Parser",
    "credentials_of",
    "data_of",
    "data_option",
    "emit",
    "emit_result",
    "lang_option",
    "note",
    "open_engine",
    "output_option",
    "param_option",
    "parse_params",
    "parser",
    "remote_options",
    "result_options",
    "write",
]

PROG = "tppo-graph"


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (naming the option at fault) and our exit code for usage errors."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_BAD_INPUT)


def parser(verb: str, summary: str, example: str, *, add_help: bool = True) -> Parser:
    """The parser of one verb: its summary, an example, and the options every verb has (--verbose)."""
    p = Parser(
        prog=f"{PROG} {verb}",
        description=summary,
        epilog=f"Example: {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=add_help,
        allow_abbrev=False,
    )
    p.add_argument("-v", "--verbose", action="store_true", help="Log what is done to standard error (and tracebacks).")
    return p


def data_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        action="append",
        metavar="PATH",
        help="Data file or folder to use instead of the bundled graph data (repeatable; 'bundled' adds the "
        "bundled data). Default: $TPPO_GRAPH_DATA, else the bundled data.",
    )


def param_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-p", "--param", dest="params", action="append", default=[], metavar="NAME=VALUE", help=what)


def output_option(
    p: argparse.ArgumentParser, what: str = "Write to FILE (atomically) instead of standard output."
) -> None:
    p.add_argument("-o", "--output", type=Path, help=what)


def lang_option(p: argparse.ArgumentParser, what: str) -> None:
    from ..catalogue import LANGUAGES

    p.add_argument("--lang", choices=LANGUAGES, default="en", help=what)


def result_options(p: argparse.ArgumentParser) -> None:
    from ..render import RESULT_FORMATS

    p.add_argument(
        "--format",
        dest="fmt",
        choices=RESULT_FORMATS,
        default="table",
        help="table/md: labels instead of IRIs; json, xml, csv, tsv: the W3C SPARQL 1.1 Query Results formats "
        "(default: table).",
    )
    lang_option(p, "Language of labels in tables and of a 'lang' parameter.")
    p.add_argument("--with-sources", action="store_true", help="Add the sources of each row's subject.")
    output_option(p)
    data_option(p)


def credential_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default=os.environ.get("TPPO_GRAPH_USER"), help="HTTP basic auth user ($TPPO_GRAPH_USER).")
    p.add_argument(
        "--password-env",
        default="TPPO_GRAPH_PASSWORD",
        metavar="VAR",
        help="Environment variable holding the password, never given on the command line (default: TPPO_GRAPH_PASSWORD).",
    )


def remote_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", metavar="URL", help="Query this SPARQL endpoint instead of the bundled graph.")
    p.add_argument("--graph", metavar="IRI", help="With --endpoint: use this named graph as the query's default graph.")
    p.add_argument(
        "--timeout", type=float, default=60.0, help="With --endpoint: seconds to wait; a timeout is an error (60)."
    )
    credential_options(p)


def emit(text: str | bytes) -> None:
    if isinstance(text, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def note(text: str) -> None:
    sys.stderr.write(text + "\n")


def write(args: argparse.Namespace, text: str | bytes, done: str) -> None:
    """Standard output, or the -o file (atomically) with the note ``done`` on standard error."""
    if args.output is None:
        emit(text)
        return
    from ..atomic import write_atomic

    write_atomic(args.output, text if isinstance(text, bytes) else text.encode("utf-8"))
    note(f"{done} to {args.output}")


def data_of(args: argparse.Namespace) -> list[str] | None:
    """The --data selection, or None for the default."""
    return list(args.data) if args.data else None


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param: expected NAME=VALUE, got {pair!r}")
        params[name.strip()] = value
    return params


def credentials_of(args: argparse.Namespace) -> Credentials | None:
    from ..transport import Credentials

    if args.user is None:
        return None
    password = os.environ.get(args.password_env)
    if password is None:
        raise UsageError(f"--user {args.user}: the password variable ${args.password_env} is not set")
    return Credentials(args.user, password)


def open_engine(args: argparse.Namespace) -> Engine:
    from ..engines import connect

    if getattr(args, "endpoint", None) is None:
        return connect(data_of(args))
    return connect(
        data_of(args), endpoint=args.endpoint, graph=args.graph, credentials=credentials_of(args), timeout=args.timeout
    )


def emit_result(
    result: QueryResult, args: argparse.Namespace, engine: Engine, *, text: str = "", heading: str | None = None
) -> None:
    """Write a result; for people (table, md) with labels, ``heading``, the natural order of the ORDER BY of the
    query ``text``, and cells wrapped to the terminal."""
    from ..queries import labels_of
    from ..render import render_result
    from ..results import GraphResult, SelectResult

    if args.fmt not in ("table", "md") or not isinstance(result, SelectResult | GraphResult):
        write(args, render_result(result, args.fmt), f"Wrote {len(result)} result(s) ({args.fmt})")
        return
    from ..tables import order_keys, terminal_width

    rows = result.as_rows() if isinstance(result, GraphResult) else result
    shown = render_result(
        result,
        args.fmt,
        labels_of(engine, rows, args.lang),
        heading=heading,
        order_by=order_keys(text) if text else (),
        width=terminal_width(sys.stdout, args.output is not None),
    )
    write(args, shown, f"Wrote {len(result)} result(s) ({args.fmt})")
