"""One exception family for tppo-graph: every user error is a one-line message with a known exit code.

Messages speak of the library (``output path``, ``export format``, ``validator``); the command line maps the
option names they carry (:attr:`InvalidOption.option`) to its own flags.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "DataSelectionError",
    "GraphParseError",
    "Interrupted",
    "InvalidOption",
    "OutputError",
    "QueryDefinitionError",
    "QueryError",
    "QueryTimeout",
    "StoreError",
    "StoreTimeout",
    "TppoGraphError",
    "UnknownQueryError",
    "UsageError",
    "ValidationEngineError",
    "keep_secret",
    "redact",
]

#: exit status: success, or the graph conforms
EXIT_OK = 0
#: exit status: findings (SHACL violations)
EXIT_FINDINGS = 1
#: exit status: bad input or usage (pySHACL's table)
EXIT_BAD_INPUT = 2


#: every form of every credential this process was given (password, user:password, base64, URL-quoted)
_SECRETS: set[str] = set()


def keep_secret(*forms: str) -> None:
    """Register forms of a credential that no message may show (:func:`redact` replaces them)."""
    _SECRETS.update(form for form in forms if len(form) >= 3)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***`` (longest first, so no part of one survives)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class TppoGraphError(Exception):
    """Base class; ``str()`` is the one-line message shown to users, ``exit_code`` the process status.

    ``str()`` never shows a credential (:func:`redact`): a server that echoes the request into its error body, a
    library message that quotes a URL, whatever reached the message on the way.
    """

    exit_code: int = EXIT_BAD_INPUT

    def __str__(self) -> str:
        return redact(super().__str__())


class UsageError(TppoGraphError):
    """A value the toolkit cannot use; the message names the parameter or option."""


class InvalidOption(UsageError):
    """A library option with a value it cannot take.

    :param option: the library's name for the option (``fmt``, ``output``, ``validator``, ...).
    :param what: how a reader calls it (``export format``, ``output path``).
    """

    def __init__(self, option: str, what: str, reason: str) -> None:
        self.option = option
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: {reason}")


class DataSelectionError(TppoGraphError):
    """A data path that does not exist or holds no RDF files."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class GraphParseError(TppoGraphError):
    """A syntax error in a data file, located as ``file:line:column``."""

    def __init__(self, path: str | Path, line: int | None, column: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = " ".join(message.split())  # one line, whatever the parser produced
        where = self.path
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {self.message}")


class OutputError(TppoGraphError):
    """An output file that cannot be written."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: cannot write: {reason}")


class QueryError(TppoGraphError):
    """A query that cannot run: malformed SPARQL (with its position), an update where only queries are allowed."""

    def __init__(self, message: str, *, query: str | None = None) -> None:
        self.query = query
        super().__init__(message)


class QueryTimeout(QueryError):
    """A local query that ran past its time limit (``--timeout``)."""


class QueryDefinitionError(TppoGraphError):
    """A saved query file whose header or body is malformed, located as ``file:line``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class UnknownQueryError(TppoGraphError):
    """A saved-query or projection name that is not in the catalogue; suggests the closest names."""

    def __init__(self, name: str, suggestions: list[str], *, kind: str = "query") -> None:
        self.name = name
        self.suggestions = suggestions
        if kind == "projection":
            hint = f" (projections: {', '.join(suggestions)})"
        elif suggestions:
            hint = f" (did you mean: {', '.join(suggestions)}?)"
        else:
            hint = " (tppo-graph queries lists them)"
        super().__init__(f"unknown {kind} '{name}'{hint}")


class ValidationEngineError(TppoGraphError):
    """The SHACL engine could not evaluate the shapes (a construct it does not support, for example)."""


class StoreError(TppoGraphError):
    """A remote store that cannot be reached, refuses a request, times out, or holds the wrong count."""


class StoreTimeout(StoreError):
    """A request to a store that got no answer in time: the store may still carry it out."""


class Interrupted(TppoGraphError):
    """The work was stopped by a signal (Ctrl-C is SIGINT, 2; SIGTERM is 15); the message says what state it left.

    The exit code follows the shell's convention for a process ended by a signal: 128 + the signal number.
    ``completed`` is true when the work had already finished (the interrupt came too late to cancel it).
    """

    def __init__(self, signum: int, message: str = "interrupted", *, completed: bool = False) -> None:
        self.signum = signum
        self.completed = completed
        self.exit_code = 128 + signum
        super().__init__(message)
