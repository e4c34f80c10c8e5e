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
    "refuse_input_as_output",
    "remote_options",
    "result_options",
    "seconds",
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


def seconds(text: str) -> float:
    """argparse type of a time limit: a finite number of seconds above 0 (``inf``, ``nan``, ``-1`` are errors)."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value


def remote_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", metavar="URL", help="Query this SPARQL endpoint instead of the bundled graph.")
    p.add_argument("--graph", metavar="IRI", help="With --endpoint: use this named graph as the query's default graph.")
    p.add_argument(
        "--timeout",
        type=seconds,
        metavar="S",
        help="Seconds each query may take in all, however slowly the answer comes; a timeout is an error, never "
        "an empty result (default: 60 with --endpoint, 300 on the local graph).",
    )
    p.add_argument(
        "--allow-service",
        action="store_true",
        help="Let a query on the local graph run SERVICE clauses, which send requests to the hosts they name "
        "(refused by default).",
    )
    credential_options(p)


def emit(text: str | bytes) -> None:
    from ..errors import OutputError

    if sys.stdout is None:  # started with standard output closed (>&-)
        raise OutputError("standard output", "it is closed")
    try:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:  # a full device, an I/O error
        raise OutputError("standard output", exc.strerror or str(exc)) from None


def note(text: str) -> None:
    sys.stderr.write(text + "\n")


def write(args: argparse.Namespace, text: str | bytes, done: str) -> None:
    """Standard output, or the -o file (atomically) with the note ``done`` on standard error."""
    if args.output is None:
        emit(text)
        return
    from ..atomic import write_atomic

    refuse_input_as_output(args, args.output)
    write_atomic(args.output, text if isinstance(text, bytes) else text.encode("utf-8"))
    note(f"{done} to {args.output}")


def refuse_input_as_output(args: argparse.Namespace, output: Path) -> None:
    """An output path that is one of the data files read (it would be overwritten by what was read from it)."""
    from ..resources import graph_files

    if not Path(output).exists():
        return
    for path in graph_files(data_of(args)).graph:
        try:
            same = Path(output).samefile(path)
        except OSError:
            continue
        if same:
            raise UsageError(f"-o {output}: it is one of the input data files; give another path")


def data_of(args: argparse.Namespace) -> list[str] | None:
    """The --data selection, or None for the default."""
    return list(args.data) if args.data else None


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param: expected NAME=VALUE, got {pair!r}")
        if name.strip() in params:  # not silently the last one: a parameter takes one value
            raise UsageError(f"--param: {name.strip()!r} is given more than once (a parameter takes one value)")
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


#: set by the console script (:func:`tppo_graph.cli.run`), whose process ends after one command; not by
#: :func:`tppo_graph.cli.main` called from a longer-lived process (a test, a notebook)
ONE_SHOT = False


def open_engine(args: argparse.Namespace) -> Engine:
    from ..engines import connect

    if getattr(args, "endpoint", None) is None:
        if getattr(args, "graph", None) is not None:
            raise UsageError("--graph: only with --endpoint (a remote store's named graph)")
        if ONE_SHOT:  # one command, then the process ends: its background build can wait for that
            from .. import store

            store.BUILD_AFTER_EXIT = True
        return connect(
            data_of(args), timeout=getattr(args, "timeout", None), allow_service=getattr(args, "allow_service", False)
        )
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
