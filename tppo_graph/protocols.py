"""The types that several modules implement: kept apart so that the query path need not import typing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pyoxigraph as ox

    from .queries import QueryResult

__all__ = ["Engine"]


class Engine(Protocol):
    """Anything that answers SPARQL: the embedded store, rdflib, a remote endpoint."""

    name: str

    def select(
        self, text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None, *, name: str | None = None
    ) -> QueryResult: ...
