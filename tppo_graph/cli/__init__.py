"""The ``tppo-graph`` command line: argparse wiring over the library, one verb per library call.

:data:`~tppo_graph.cli.verbs.VERBS` is the verb table. Only the parser of the verb being run is built, and each
verb imports what it needs: the query path must start fast (a whole ``tppo-graph query`` process stays within
1.5x of a bare pyoxigraph script). Library errors are worded in the library's terms; :func:`main` puts the
command line's flag in front of them (:data:`OPTION_FLAGS`).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import EXIT_BAD_INPUT, EXIT_OK, InvalidOption, OutputError, TppoGraphError, redact
from .options import PROG, emit
from .verbs import VERBS, Verb

__all__ = ["OPTION_FLAGS", "VERBS", "main", "run"]

#: a library option (:attr:`InvalidOption.option`) -> the flag that sets it
OPTION_FLAGS = {
    "fmt": "--format",
    "output": "-o",
    "validator": "--engine",
    "chunk_size": "--chunk-size",
    "endpoint": "--endpoint",
    "update_endpoint": "--update-endpoint",
    "store_endpoint": "--store-endpoint",
    "graph": "--graph",
    "timeout": "--timeout",
    "port": "--port",
    "metric": "--metric",
    "export": "--export",
    "plot": "--plot",
    "data": "--data",
    "credentials": "--user",
    "location": "--location",
}


def _main_help() -> str:
    verbs = "".join(f"  {name:<10} {verb.summary}\n" for name, verb in VERBS.items())
    return (
        f"usage: {PROG} [--version] [-h] VERB [OPTIONS]\n\n"
        "Knowledge graph of trafficking-in-persons (TPPO) law between Indonesia and Cambodia and of IOM's role.\n\n"
        f"verbs:\n{verbs}\nRun `{PROG} VERB --help` for a verb's options and an example.\n"
        "Exit codes: 0 success (or the graph conforms), 1 findings (SHACL violations, check errors), 2 bad input or usage.\n"
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tppo-graph")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0+unknown"


def _message(exc: TppoGraphError) -> str:
    """The error's one line, with the command line's flag for a library option."""
    if isinstance(exc, InvalidOption) and exc.option in OPTION_FLAGS:
        return redact(f"{OPTION_FLAGS[exc.option]}: {exc.reason}")
    return str(exc)


def _terminate_as_interrupt() -> object:
    """Make SIGTERM raise :class:`Interrupted` (as Ctrl-C raises KeyboardInterrupt), so that work in progress can
    stop cleanly (a load waits for its request in flight and cleans up); returns the previous handler."""
    import signal

    def interrupt(signum: int, _frame: object) -> None:
        from ..errors import Interrupted

        raise Interrupted(signum)

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (main() called from a thread): signal handlers live in the main one
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        emit(_main_help())
        return EXIT_OK if argv else EXIT_BAD_INPUT
    if argv[0] == "--version":
        from ..dataset import bundled_versions

        versions = ", ".join(f"{k} {v}" for k, v in bundled_versions().items())
        emit(f"{PROG} {_version()}" + (f" (bundled {versions})" if versions else "") + "\n")
        return EXIT_OK
    name, rest = argv[0], argv[1:]
    verb = VERBS.get(name)
    if verb is None:
        import difflib

        close = difflib.get_close_matches(name, list(VERBS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (verbs: {', '.join(VERBS)})"
        sys.stderr.write(f"{PROG}: error: unknown verb '{name}'{hint}\n")
        return EXIT_BAD_INPUT
    args = verb.build().parse_args(rest)
    if not args.verbose:
        return _run(verb, args)
    from .. import log
    from ..transport import safe_url

    with log.verbose():
        log.debug("%s %s", name, " ".join(safe_url(a) if "://" in a else a for a in rest))  # no user:password@
        return _run(verb, args)


def _run(verb: Verb, args: argparse.Namespace) -> int:
    previous = _terminate_as_interrupt()
    try:
        return verb.run(args)
    except TppoGraphError as exc:
        if args.verbose:
            import traceback

            traceback.print_exc(file=sys.stderr)
        sys.stderr.write(f"{PROG}: error: {_message(exc)}\n")
        if isinstance(exc, OutputError) and exc.path == "standard output":
            _silence_stdout()  # what is left in its buffer would fail again, as a traceback, at exit
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


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def run() -> None:
    """The console-script entry point."""
    from . import options

    options.ONE_SHOT = True
    code = main()
    # The process ends here: flush what it wrote, then leave without tearing the heap down object by object
    # (freeing an in-memory store of a million triples took 0.55 s, 7% of a first query at that size). Every verb
    # has closed its files, servers and temporary folders by now (``with`` blocks), and what exit handlers would
    # still do for it (logging's flush of its stream) is the flush below.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):  # a reader that went away (| head): what was lost was not wanted
        pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
