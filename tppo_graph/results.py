"""Query results, one type per query form: :class:`SelectResult`, :class:`AskResult`, :class:`GraphResult`.

Each is iterable (rows, or triples), converts to plain Python values and to a pandas DataFrame, and serialises in
the W3C formats (SPARQL 1.1 Query Results JSON, XML, CSV and TSV; N-Triples, Turtle or JSON-LD for graphs).
Results are never changed after they are made: enrichment (labels, sources) returns a new result.

They are plain classes with ``__slots__`` rather than dataclasses: importing :mod:`dataclasses` (and
:mod:`inspect` with it) costs a quarter of a cached query's whole run, and this module is on the query path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .errors import UsageError

if TYPE_CHECKING:
    import pandas

__all__ = [
    "RESULTS_FORMATS",
    "AskResult",
    "GraphResult",
    "QueryResult",
    "Row",
    "SelectResult",
    "Term",
    "iter_iris",
    "to_python",
]

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = Mapping[str, Term | None]
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: the W3C result formats :meth:`SelectResult.serialize` writes
RESULTS_FORMATS = ("json", "xml", "csv", "tsv")


def to_python(term: Term | None) -> Any:
    """A Python value for a term: str for IRIs, plain and language-tagged strings; int, float, bool, date."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    datatype = term.datatype.value
    try:
        if datatype in (_XSD + "integer", _XSD + "int", _XSD + "long", _XSD + "nonNegativeInteger"):
            return int(term.value)
        if datatype in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
            return float(term.value)
        if datatype == _XSD + "boolean":
            return term.value in ("true", "1")
        if datatype == _XSD + "date":
            from datetime import date

            return date.fromisoformat(term.value)
    except ValueError:
        return term.value
    return term.value


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD + "string":
        out["datatype"] = term.datatype.value
    return out


def _xml_term(term: Term) -> str:
    from xml.sax.saxutils import escape, quoteattr

    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != _XSD + "string":
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    return "_:" + term.value if isinstance(term, ox.BlankNode) else term.value


def _unknown_format(fmt: str, known: Sequence[str]) -> UsageError:
    from .errors import InvalidOption

    return InvalidOption("fmt", "result format", f"unknown format {fmt!r} (choose from: {', '.join(known)})")


class SelectResult:
    """The rows of a SELECT: ``variables`` and ``rows`` (mappings of variable -> term, None when unbound)."""

    __slots__ = ("engine", "ordered", "query", "rows", "variables")

    def __init__(
        self,
        variables: Sequence[str],
        rows: Iterable[Row],
        *,
        query: str | None = None,
        ordered: bool = False,
        engine: str = "pyoxigraph",
    ) -> None:
        self.variables: tuple[str, ...] = tuple(variables)
        self.rows: tuple[Row, ...] = tuple(rows)
        self.query = query
        #: whether the row order is part of the answer (ORDER BY)
        self.ordered = ordered
        self.engine = engine

    def __repr__(self) -> str:
        return f"SelectResult(query={self.query!r}, engine={self.engine!r}, variables={list(self.variables)!r}, rows={len(self.rows)})"

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def replace(self, variables: Sequence[str], rows: Iterable[Row]) -> SelectResult:
        """A new result with other variables and rows, the rest kept."""
        return SelectResult(variables, rows, query=self.query, ordered=self.ordered, engine=self.engine)

    def values(self) -> list[dict[str, Any]]:
        """Rows as plain Python values: IRIs and strings as str, numbers, booleans and dates as such."""
        return [{k: to_python(row.get(k)) for k in self.variables} for row in self.rows]

    def to_dataframe(self) -> pandas.DataFrame:
        """A pandas DataFrame of :meth:`values` (pandas is optional: ``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError:
            raise UsageError("to_dataframe() needs pandas (pip install pandas)") from None
        return pd.DataFrame(self.values(), columns=list(self.variables))

    def to_json(self) -> dict[str, Any]:
        """The W3C SPARQL 1.1 Query Results JSON document, as Python data."""
        bindings = [{v: _json_term(t) for v in self.variables if (t := row.get(v)) is not None} for row in self.rows]
        return {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}

    def serialize(self, fmt: str = "json") -> bytes:
        """The result in a W3C format: ``json``, ``xml``, ``csv`` (plain values, CRLF) or ``tsv`` (terms)."""
        if fmt == "json":
            return json.dumps(self.to_json(), ensure_ascii=False).encode("utf-8")
        if fmt == "csv":
            import csv
            import io

            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(self.variables)
            writer.writerows([_csv_value(row.get(v)) for v in self.variables] for row in self.rows)
            return buffer.getvalue().encode("utf-8")
        if fmt == "tsv":
            lines = ["\t".join("?" + v for v in self.variables)]
            lines += [
                "\t".join("" if (t := row.get(v)) is None else str(t) for v in self.variables) for row in self.rows
            ]
            return ("\n".join(lines) + "\n").encode("utf-8")
        if fmt == "xml":
            head = "".join(f'<variable name="{v}"/>' for v in self.variables)
            body = "".join(
                "<result>"
                + "".join(f'<binding name="{v}">{_xml_term(t)}</binding>' for v in self.variables if (t := row.get(v)))
                + "</result>"
                for row in self.rows
            )
            return _xml_document(f"<head>{head}</head><results>{body}</results>")
        raise _unknown_format(fmt, RESULTS_FORMATS)


def _xml_document(content: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">' + content + "</sparql>\n"
    ).encode("utf-8")


class AskResult:
    """The answer to an ASK: ``boolean`` (also the result's truth value)."""

    __slots__ = ("boolean", "engine", "query")

    def __init__(self, boolean: bool, *, query: str | None = None, engine: str = "pyoxigraph") -> None:
        self.boolean = boolean
        self.query = query
        self.engine = engine

    def __repr__(self) -> str:
        return f"AskResult(query={self.query!r}, engine={self.engine!r}, boolean={self.boolean})"

    def __bool__(self) -> bool:
        return self.boolean

    def __len__(self) -> int:
        return 1

    def to_json(self) -> dict[str, Any]:
        """The W3C SPARQL 1.1 Query Results JSON document, as Python data."""
        return {"head": {}, "boolean": self.boolean}

    def serialize(self, fmt: str = "json") -> bytes:
        """The answer in a W3C format: ``json``, ``xml``, ``csv`` or ``tsv``."""
        word = "true" if self.boolean else "false"
        if fmt == "json":
            return json.dumps(self.to_json()).encode("utf-8")
        if fmt == "csv":
            return f"boolean\r\n{word}\r\n".encode()
        if fmt == "tsv":
            return f"?boolean\n{word}\n".encode()
        if fmt == "xml":
            return _xml_document(f"<head/><boolean>{word}</boolean>")
        raise _unknown_format(fmt, RESULTS_FORMATS)


#: RDF formats :meth:`GraphResult.serialize` writes
GRAPH_FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}


class GraphResult:
    """The triples of a CONSTRUCT or DESCRIBE."""

    __slots__ = ("engine", "query", "triples")

    def __init__(self, triples: Iterable[ox.Triple], *, query: str | None = None, engine: str = "pyoxigraph") -> None:
        self.triples: tuple[ox.Triple, ...] = tuple(triples)
        self.query = query
        self.engine = engine

    def __repr__(self) -> str:
        return f"GraphResult(query={self.query!r}, engine={self.engine!r}, triples={len(self.triples)})"

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)

    def __len__(self) -> int:
        return len(self.triples)

    def as_rows(self) -> SelectResult:
        """The triples as a SELECT-like result with ``s``, ``p``, ``o`` columns (for tables and CSV)."""
        rows = [{"s": t.subject, "p": t.predicate, "o": t.object} for t in self.triples]
        return SelectResult(("s", "p", "o"), rows, query=self.query, engine=self.engine)  # type: ignore[arg-type]

    def serialize(self, fmt: str = "nt") -> bytes:
        """The triples as N-Triples (``nt``), Turtle (``ttl``) or JSON-LD (``jsonld``)."""
        if fmt not in GRAPH_FORMATS:
            raise _unknown_format(fmt, list(GRAPH_FORMATS))
        return ox.serialize(self.triples, format=GRAPH_FORMATS[fmt]) or b""


#: the result of any query: one type per query form
QueryResult = SelectResult | AskResult | GraphResult


def iter_iris(result: SelectResult) -> Iterator[str]:
    """Every IRI in a result, including those listed inside aggregated literals (for label look-up)."""
    for row in result.rows:
        for term in row.values():
            if isinstance(term, ox.NamedNode):
                yield term.value
            elif isinstance(term, ox.Literal) and term.value.startswith(("http://", "https://")):
                yield from (t for t in term.value.split() if t.startswith(("http://", "https://")))
