"""One exception family for tppo-graph: every user error is a one-line message with a known exit code."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DataSelectionError",
    "GraphParseError",
    "Interrupted",
    "OutputError",
    "QueryDefinitionError",
    "QueryError",
    "StoreError",
    "StoreTimeout",
    "TppoGraphError",
    "UnknownQueryError",
    "UsageError",
]


class TppoGraphError(Exception):
    """Base class; ``str()`` is the one-line message shown to users, ``exit_code`` the process status."""

    #: exit status of the CLI for this error (2 = bad input or usage, as in pySHACL's table)
    exit_code: int = 2


class UsageError(TppoGraphError):
    """A parameter or option value the toolkit cannot use; the message names the parameter."""


class DataSelectionError(TppoGraphError):
    """A ``--data`` path that does not exist or holds no RDF files."""

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
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class OutputError(TppoGraphError):
    """An output file that cannot be written."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        super().__init__(f"{self.path}: cannot write: {reason}")


class QueryError(TppoGraphError):
    """A query that cannot run: malformed SPARQL (with its position), an update where only queries are allowed."""


class QueryDefinitionError(TppoGraphError):
    """A saved query file whose header or body is malformed, located as ``file:line``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class UnknownQueryError(TppoGraphError):
    """A saved-query name that is not in the catalogue; suggests the closest names."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else " (tppo-graph queries lists them)"
        super().__init__(f"unknown query '{name}'{hint}")


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
