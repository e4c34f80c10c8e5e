"""Running queries: the saved queries of the catalogue (:func:`run_query`) and ad-hoc SPARQL (:func:`sparql`).

Both take the graph as an :class:`~tppo_graph.engines.Engine` (default: :func:`tppo_graph.connect`, the bundled
graph in the cached embedded store) and a saved query's parameters as one mapping of name -> value string, parsed
by the types the query declares (never as keyword arguments, which would share a namespace with the options).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from .binding import bind_params, is_update, prepare
from .catalogue import SavedQuery, get_query
from .engines import Engine, connect
from .errors import QueryError
from .results import QueryResult, SelectResult, iter_iris

__all__ = ["add_sources", "labels_for", "labels_of", "query_text", "run_query", "sources_of", "sparql", "values_block"]

_LABEL_QUERY = """SELECT ?s ?label WHERE {
  VALUES ?s { %s }
  ?s <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>|<http://purl.org/dc/terms/title> ?label
}"""
_SOURCE_QUERY = """SELECT ?s ?source WHERE {
  VALUES ?s { %s }
  ?s <http://purl.org/dc/terms/source> ?source
} ORDER BY ?s ?source"""


def values_block(iris: Iterable[str]) -> str:
    """The IRIs as the terms of a ``VALUES`` block (sorted, each once)."""
    return " ".join(str(ox.NamedNode(i)) for i in sorted(set(iris)))


def run_query(
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    engine: Engine | None = None,
    language: str | None = None,
    with_sources: bool = False,
    directory: Path | None = None,
) -> QueryResult:
    """Run the saved query ``name``.

    :param params: parameter values as strings (``{"state_a": "tpd:IDN"}``), parsed by their declared types;
        an unknown name, a missing required value or a value of the wrong type is a
        :class:`~tppo_graph.errors.UsageError` naming the parameter.
    :param engine: where to run it (default: :func:`tppo_graph.connect`).
    :param language: fills a declared ``language`` parameter that was not given (``id`` or ``en``).
    :param with_sources: add a ``sources`` column with the sources of each row's subject (SELECT only).
    :param directory: a catalogue folder other than the bundled ``queries/``.
    """
    query = get_query(name, directory)
    engine = engine if engine is not None else connect()
    bindings = bind_params(query, params, engine, language=language)
    result = engine.query(query.body, bindings, name=name)
    if with_sources and isinstance(result, SelectResult):
        result = add_sources(engine, result)
    return result


def query_text(
    query: SavedQuery,
    params: Mapping[str, str] | None = None,
    *,
    engine: Engine | None = None,
    language: str | None = None,
) -> str:
    """The exact text :func:`run_query` sends to the engine: every PREFIX it needs and its ``VALUES`` row.

    Run on any SPARQL 1.1 engine over the same graph, it returns the same rows. ``engine`` checks the values
    against the graph (enumerations, classes); without one they are only parsed.
    """
    return prepare(query.body, bind_params(query, params, engine, language=language))


def sparql(text: str, *, engine: Engine | None = None, with_sources: bool = False) -> QueryResult:
    """Run an ad-hoc SPARQL query (read-only: an update is refused). The catalogue prefixes are predeclared."""
    if is_update(text):
        raise QueryError("SPARQL Update is not allowed: tppo-graph runs read-only queries", query="query")
    engine = engine if engine is not None else connect()
    result = engine.query(text, name="query")
    if with_sources and isinstance(result, SelectResult):
        result = add_sources(engine, result)
    return result


def labels_for(engine: Engine, iris: Iterable[str], lang: str = "en") -> dict[str, str]:
    """The label of each IRI in ``lang``, falling back to the other language, then to a plain title."""
    wanted = set(iris)
    if not wanted:
        return {}
    ranked: dict[str, tuple[int, str]] = {}
    for row in engine.select(_LABEL_QUERY % values_block(wanted), name="labels"):
        subject, label = row["s"], row["label"]
        if not isinstance(label, ox.Literal) or subject is None:
            continue
        rank = 0 if label.language == lang else 1 if label.language else 2
        if subject.value not in ranked or (rank, label.value) < ranked[subject.value]:
            ranked[subject.value] = (rank, label.value)
    return {iri: label for iri, (_, label) in ranked.items()}


def labels_of(engine: Engine, result: SelectResult, lang: str = "en") -> dict[str, str]:
    """The labels of every IRI in ``result`` (for tables)."""
    return labels_for(engine, iter_iris(result), lang)


def sources_of(engine: Engine, iris: Iterable[str]) -> dict[str, list[str]]:
    """The ``dcterms:source`` IRIs of each IRI that has any, sorted."""
    wanted = set(iris)
    found: dict[str, list[str]] = {}
    if wanted:
        for row in engine.select(_SOURCE_QUERY % values_block(wanted), name="sources"):
            of, source = row["s"], row["source"]
            if of is not None and source is not None:
                found.setdefault(of.value, []).append(source.value)
    return found


def add_sources(engine: Engine, result: SelectResult) -> SelectResult:
    """A copy of ``result`` with a ``sources`` column: the ``dcterms:source`` IRIs of each row's first IRI."""
    subjects = [next((t.value for t in row.values() if isinstance(t, ox.NamedNode)), None) for row in result.rows]
    found = sources_of(engine, (s for s in subjects if s))
    rows = []
    for row, subject in zip(result.rows, subjects, strict=True):
        sources = found.get(subject or "", [])
        rows.append({**row, "sources": ox.Literal(" ".join(sources)) if sources else None})
    variables = [*result.variables, "sources"] if "sources" not in result.variables else list(result.variables)
    return result.replace(variables, rows)
