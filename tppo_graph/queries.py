"""Saved SPARQL queries: the catalogue in ``queries/*.rq``, typed parameters, and running them.

A saved query is plain SPARQL with a metadata header of ``#+ `` comment lines (grlc's convention; YAML once the
prefix is stripped): ``summary``, ``description``, ``tags``, ``params``. Prefixes are declared once for the whole
catalogue (``ontology/prefixes.ttl``) and supplied by the engine, so files do not repeat them;
:func:`standalone_text` gives a copy with the PREFIX block for any other engine.

Parameter values are parsed into RDF terms and bound by a ``VALUES`` row built from those terms (see
:func:`with_values`), never by formatting strings into the query text.

This module is on the query hot path: it imports pyoxigraph and PyYAML only (no rdflib, pySHACL or networkx).
"""

from __future__ import annotations

import os
import re
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import MappingProxyType

import pyoxigraph as ox

from .errors import QueryDefinitionError, QueryError, UnknownQueryError, UsageError
from .namespaces import PREFIXES, compact
from .resources import bundled_root

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms on the query path)
if TYPE_CHECKING:
    from typing import Any

    from .protocols import Engine

__all__ = [
    "PARAM_TYPES",
    "QueryParam",
    "QueryResult",
    "SavedQuery",
    "bind_params",
    "expand_curie",
    "get_query",
    "list_queries",
    "parse_query_file",
    "standalone_text",
    "with_values",
]

#: the parameter types a saved query may declare
PARAM_TYPES = ("iri", "string", "lang-string", "integer", "date", "enumeration", "language")
#: languages labels and lang-string parameters may use
LANGUAGES = ("id", "en")
HEADER_PREFIX = "#+"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_QUERY_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_UPDATE_KEYWORDS = re.compile(
    r"^\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE | re.MULTILINE
)


# namedtuples and plain classes rather than dataclasses or typing.NamedTuple: this module is on the query path,
# where importing dataclasses, inspect or typing and generating their methods costs more than the query itself.
_QueryParam = namedtuple(
    "QueryParam",
    ("name", "type", "description", "default", "required", "scheme", "cls", "values"),
    defaults=("", None, False, None, None, None),
)
_SavedQuery = namedtuple(
    "SavedQuery",
    ("name", "path", "summary", "description", "tags", "params", "body", "form", "header"),
    defaults=(MappingProxyType({}),),
)


class QueryParam(_QueryParam):
    """One declared parameter: it binds the query variable of the same name."""

    __slots__ = ()

    name: str
    type: str
    description: str
    default: str | None
    required: bool
    #: for ``enumeration``: the SKOS concept scheme whose concepts are the allowed values (CURIE or IRI)
    scheme: str | None
    #: for ``iri`` or ``enumeration``: the class whose instances are the allowed values
    cls: str | None
    #: a fixed list of allowed values (``language`` defaults to id, en)
    values: tuple[str, ...] | None


class SavedQuery(_SavedQuery):
    """A query of the catalogue, parsed from its file."""

    __slots__ = ()

    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[QueryParam, ...]
    body: str
    form: str
    header: Mapping[str, Any]

    @property
    def ordered(self) -> bool:
        """Whether the result order is part of the answer (the query has ORDER BY)."""
        return is_ordered(self.body)

    def param(self, name: str) -> QueryParam | None:
        return next((p for p in self.params if p.name == name), None)


class QueryResult:
    """The answer to a query, whichever engine ran it.

    SELECT: ``variables`` and ``rows`` (dicts of variable -> pyoxigraph term, or None when unbound); ASK: ``boolean``;
    CONSTRUCT/DESCRIBE: ``triples``.
    """

    __slots__ = ("boolean", "engine", "ordered", "query", "rows", "triples", "variables")

    def __init__(
        self,
        variables: list[str] | None = None,
        rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]] | None = None,
        boolean: bool | None = None,
        triples: list[ox.Triple] | None = None,
        query: str | None = None,
        ordered: bool = False,
        engine: str = "pyoxigraph",
    ) -> None:
        self.variables = variables if variables is not None else []
        self.rows = rows if rows is not None else []
        self.boolean = boolean
        self.triples = triples
        self.query = query
        self.ordered = ordered
        self.engine = engine

    def __repr__(self) -> str:
        return f"QueryResult(query={self.query!r}, engine={self.engine!r}, variables={self.variables!r}, rows={len(self.rows)})"

    @property
    def form(self) -> str:
        if self.boolean is not None:
            return "ASK"
        return "CONSTRUCT" if self.triples is not None else "SELECT"

    def values(self) -> list[dict[str, Any]]:
        """Rows as plain Python values: IRIs and strings as str, numbers, booleans and dates as such."""
        return [{k: to_python(v) for k, v in row.items()} for row in self.rows]

    def to_dataframe(self) -> Any:
        """A pandas DataFrame of :meth:`values` (pandas is optional: ``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError:
            raise UsageError("to_dataframe() needs pandas (pip install pandas)") from None
        return pd.DataFrame(self.values(), columns=self.variables)

    def __len__(self) -> int:
        return len(self.rows) if self.triples is None else len(self.triples)


def to_python(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Any:
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


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


def queries_dir() -> Path:
    return bundled_root() / "queries"


def _strip_comments(text: str) -> str:
    # good enough to find keywords: drops '#' comments that are not inside an IRI or a string
    return "\n".join(re.sub(r"(^|\s)#.*$", r"\1", line) for line in text.splitlines())


def _param_from(path: Path, name: str, spec: Any) -> QueryParam:
    if not isinstance(spec, Mapping):
        raise QueryDefinitionError(path, None, f"params.{name}: expected a mapping of type, description, ...")
    unknown = set(spec) - {"type", "description", "default", "required", "scheme", "class", "values"}
    if unknown:
        raise QueryDefinitionError(path, None, f"params.{name}: unknown key(s) {', '.join(sorted(unknown))}")
    ptype = str(spec.get("type", "string"))
    if ptype not in PARAM_TYPES:
        raise QueryDefinitionError(
            path, None, f"params.{name}: unknown type {ptype!r} (known: {', '.join(PARAM_TYPES)})"
        )
    values = spec.get("values")
    if ptype == "language" and values is None:
        values = list(LANGUAGES)
    if ptype == "enumeration" and not (spec.get("scheme") or spec.get("class") or values):
        raise QueryDefinitionError(path, None, f"params.{name}: an enumeration needs a scheme, a class or values")
    default = spec.get("default")
    return QueryParam(
        name=name,
        type=ptype,
        description=str(spec.get("description", "")),
        default=None if default is None else str(default),
        required=bool(spec.get("required", False)),
        scheme=spec.get("scheme"),
        cls=spec.get("class"),
        values=tuple(str(v) for v in values) if values is not None else None,
    )


def _header_cache(path: Path) -> Path:
    """Where the parsed header of ``path`` is cached, keyed by the file's path, size and modification time."""
    from .resources import user_cache_dir

    stat = path.stat()
    flat = str(path.resolve()).replace(os.sep, "%")
    return user_cache_dir() / "query-headers" / f"{flat}@{stat.st_size}-{stat.st_mtime_ns}.json"


def _parse_header(path: Path, header_lines: list[str]) -> Any:
    """The YAML header as Python data, from the JSON cache when the file has not changed since.

    Importing PyYAML costs more than a small query: the cache keeps it off the query path.
    """
    import json

    use_cache = os.environ.get("TPPO_GRAPH_CACHE", "auto") != "never"
    cache = _header_cache(path) if use_cache else None
    if cache is not None:
        try:
            return json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: several times faster
    try:
        header = yaml.load("\n".join(header_lines), Loader=loader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise QueryDefinitionError(path, line, f"header is not valid YAML: {problem}") from None
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(header, default=str), encoding="utf-8")
            tmp.replace(cache)
        except OSError:
            pass  # a read-only cache directory only costs speed
    return header


def parse_query_file(path: Path) -> SavedQuery:
    """Parse one ``.rq`` file: its ``#+`` YAML header and its SPARQL body.

    A malformed header is a :class:`QueryDefinitionError` naming the file and line.
    """
    text = path.read_text(encoding="utf-8")
    header_lines: list[str] = []
    body_start = 0
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(HEADER_PREFIX):
            header_lines.append(line[len(HEADER_PREFIX) :].removeprefix(" "))
            body_start = i + 1
        elif line.strip() == "" and not header_lines:
            continue
        else:
            break
    if not header_lines:
        raise QueryDefinitionError(path, 1, "no '#+' metadata header (summary, description, params)")
    header = _parse_header(path, header_lines)
    if not isinstance(header, Mapping):
        raise QueryDefinitionError(path, 1, "header must be a YAML mapping (summary: ..., description: ...)")
    for key in ("summary", "description"):
        if not header.get(key):
            raise QueryDefinitionError(path, 1, f"header has no '{key}'")
    raw_params = header.get("params") or {}
    if not isinstance(raw_params, Mapping):
        raise QueryDefinitionError(path, None, "params: expected a mapping of parameter name -> spec")
    params = tuple(_param_from(path, str(n), s) for n, s in raw_params.items())
    body = "\n".join(lines[body_start:]).strip() + "\n"
    stripped = _strip_comments(body)
    for p in params:
        if not re.search(rf"[?$]{re.escape(p.name)}\b", stripped):
            raise QueryDefinitionError(path, None, f"params.{p.name}: variable ?{p.name} is not used in the query")
    match = _QUERY_FORM.search(stripped)
    if match is None:
        raise QueryDefinitionError(path, body_start + 1, "no SELECT, ASK, CONSTRUCT or DESCRIBE in the query")
    tags = header.get("tags") or []
    return SavedQuery(
        name=path.stem,
        path=path,
        summary=" ".join(str(header["summary"]).split()),
        description=" ".join(str(header["description"]).split()),
        tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
        params=params,
        body=body,
        form=match.group(1).upper(),
        header=header,
    )


@cache
def _parse_cached(path: Path) -> SavedQuery:
    return parse_query_file(path)


@cache
def _catalogue(directory: Path) -> dict[str, SavedQuery]:
    return {p.stem: _parse_cached(p) for p in sorted(directory.glob("*.rq"))}


def list_queries(tag: str | None = None, directory: Path | None = None) -> list[SavedQuery]:
    """The saved queries (discovered at run time), optionally those with ``tag``."""
    queries = _catalogue(directory or queries_dir()).values()
    return [q for q in queries if tag is None or tag in q.tags]


def get_query(name: str, directory: Path | None = None) -> SavedQuery:
    """The saved query ``name``; an unknown name is an error that suggests the closest names."""
    directory = directory or queries_dir()
    path = directory / f"{name}.rq"
    if "/" not in name and path.is_file():
        return _parse_cached(path)  # only this file: the CLI must not parse the whole catalogue to run one query
    catalogue = _catalogue(directory)
    import difflib

    close = difflib.get_close_matches(name, list(catalogue), n=3, cutoff=0.5)
    if not close:  # substring matches catch 'palermo' -> every palermo-* query
        close = [q for q in catalogue if name.lower() in q][:3]
    raise UnknownQueryError(name, close)


def standalone_text(query: SavedQuery | str) -> str:
    """The query with the PREFIX declarations it uses, runnable by any SPARQL engine."""
    body = query.body if isinstance(query, SavedQuery) else query
    used = [p for p in PREFIXES if re.search(rf"(?<![\w-]){re.escape(p)}:", _strip_comments(body))]
    declared = {m.lower() for m in re.findall(r"PREFIX\s+([\w-]*):", body, re.IGNORECASE)}
    block = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used if p.lower() not in declared)
    return block + body


def is_update(text: str) -> bool:
    """Whether ``text`` looks like a SPARQL Update (refused: the toolkit is read-only)."""
    return _UPDATE_KEYWORDS.search(_strip_comments(text)) is not None and not _QUERY_FORM.search(_strip_comments(text))


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


def expand_curie(value: str) -> str | None:
    """``tpd:IDN`` -> full IRI; ``<http://...>`` or ``http(s)://...`` -> as is; anything else None."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    if re.match(r"^https?://\S+$", value) or value.startswith("urn:"):
        return value
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and re.match(r"^[\w.\-/%]*$", local):
        return PREFIXES[prefix] + local
    return None


def _allowed(engine: Engine, param: QueryParam) -> list[str]:
    """The allowed IRIs of an enumeration or class-restricted parameter, from the graph itself."""
    if param.scheme:
        scheme = expand_curie(param.scheme) or param.scheme
        query = "SELECT DISTINCT ?v WHERE { ?v <http://www.w3.org/2004/02/skos/core#inScheme> ?scheme }"
        bindings = {"scheme": ox.NamedNode(scheme)}
    else:
        cls = expand_curie(param.cls or "") or str(param.cls)
        query = (
            "SELECT DISTINCT ?v WHERE { ?v a ?t . "
            "?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls FILTER(isIRI(?v)) }"
        )
        bindings = {"cls": ox.NamedNode(cls)}
    rows = engine.select(query, bindings).rows
    return sorted(row["v"].value for row in rows if isinstance(row["v"], ox.NamedNode))


def _choices(allowed: Sequence[str], limit: int = 12) -> str:
    shown = [compact(a) for a in allowed[:limit]]
    more = f", ... ({len(allowed)} in all)" if len(allowed) > limit else ""
    return ", ".join(shown) + more


def _parse_value(query: SavedQuery, param: QueryParam, raw: str, engine: Engine | None) -> ox.NamedNode | ox.Literal:
    where = f"parameter '{param.name}' of query '{query.name}'"
    if param.values is not None and param.type in ("language", "enumeration") and not (param.scheme or param.cls):
        if raw not in param.values:
            raise UsageError(f"{where}: {raw!r} is not allowed (allowed: {', '.join(param.values)})")
        return ox.Literal(raw)
    if param.type in ("iri", "enumeration"):
        iri = expand_curie(raw)
        allowed = _allowed(engine, param) if engine is not None and (param.scheme or param.cls) else None
        if iri is None and allowed is not None:
            # a bare local name ('repatriation', 'IDN') is accepted when it picks out exactly one allowed value
            matches = [a for a in allowed if re.split(r"[/#]", a)[-1].lower() == raw.lower()]
            iri = matches[0] if len(matches) == 1 else None
        if iri is None:
            hint = f" (allowed: {_choices(allowed)})" if allowed else " (use a CURIE like tpd:IDN or a full IRI)"
            raise UsageError(f"{where}: {raw!r} is not an IRI{hint}")
        if allowed is not None and iri not in allowed:
            raise UsageError(f"{where}: {compact(iri)} is not allowed (allowed: {_choices(allowed)})")
        return ox.NamedNode(iri)
    if param.type == "string":
        return ox.Literal(raw)
    if param.type == "lang-string":
        text, sep, lang = raw.rpartition("@")
        if not sep or not _LANG_TAG.match(lang):
            raise UsageError(f"{where}: {raw!r} needs a language tag, like 'perdagangan@id'")
        return ox.Literal(text, language=lang.lower())
    if param.type == "integer":
        try:
            return ox.Literal(str(int(raw.strip())), datatype=ox.NamedNode(_XSD + "integer"))
        except ValueError:
            raise UsageError(f"{where}: {raw!r} is not an integer") from None
    if param.type == "date":
        from datetime import date

        try:
            return ox.Literal(date.fromisoformat(raw.strip()).isoformat(), datatype=ox.NamedNode(_XSD + "date"))
        except ValueError:
            raise UsageError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)") from None
    if param.type == "language":
        if raw not in LANGUAGES:
            raise UsageError(f"{where}: {raw!r} is not allowed (allowed: {', '.join(LANGUAGES)})")
        return ox.Literal(raw)
    raise QueryError(f"{where}: unsupported parameter type {param.type!r}")  # guarded by parse_query_file


def bind_params(
    query: SavedQuery,
    given: Mapping[str, str | None],
    engine: Engine | ox.Store | None = None,
    *,
    lang: str | None = None,
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check and parse parameter values into RDF terms, keyed by variable name.

    Unknown names, missing required values, values of the wrong type and enumeration values outside their scheme
    or class are :class:`UsageError` naming the parameter and listing what is allowed. ``engine`` answers for the
    graph the allowed values are read from; ``lang`` fills a declared ``language`` parameter that was not given.
    """
    engine = as_engine(engine) if engine is not None else None
    known = {p.name for p in query.params}
    for name in given:
        if name not in known:
            listing = ", ".join(sorted(known)) or "none"
            raise UsageError(f"query '{query.name}': unknown parameter '{name}' (parameters: {listing})")
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        raw = given.get(param.name)
        if raw is None and param.type == "language" and lang is not None:
            raw = lang
        if raw is None:
            raw = param.default
        if raw is None:
            if param.required:
                raise UsageError(f"query '{query.name}': parameter '{param.name}' is required ({param.description})")
            continue  # left unbound: the query answers for every value
        bound[param.name] = _parse_value(query, param, str(raw), engine)
    return bound


_IRI_REF = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_WHERE = re.compile(r"WHERE\b", re.IGNORECASE)
_TRIPLE_QUOTES = ("'''", '"""')


def _where_brace(text: str) -> int | None:
    """Offset of the ``{`` that opens the outermost WHERE clause, skipping strings, IRIs and comments."""
    i, depth, after_where = 0, 0, False
    while i < len(text):
        c = text[i]
        if c == "#":
            i = text.find("\n", i)
            if i < 0:
                return None
            continue
        if c in ("'", '"'):
            quote = text[i : i + 3] if text[i : i + 3] in _TRIPLE_QUOTES else c
            j = i + len(quote)
            while j < len(text) and text[j : j + len(quote)] != quote:
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<" and (m := _IRI_REF.match(text, i)):
            i = m.end()
            continue
        if c == "{":
            if depth == 0 and after_where:
                return i
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c in "Ww" and _WHERE.match(text, i) and (i == 0 or not text[i - 1].isalnum()):
            after_where = True
        i += 1
    return None


def _long_unicode_escapes(term_text: str) -> str:
    """Rewrite ``\\uXXXX`` escapes as ``\\U0000XXXX`` (same meaning).

    rdflib's SPARQL parser reads ``\\u0000`` followed by hex digits as an 8-digit escape (its
    expandUnicodeEscapes prefers 8 digits), so a string such as NUL + "0000" would reach it altered.
    """
    out, i = [], 0
    while i < len(term_text):
        c = term_text[i]
        if c == "\\" and i + 1 < len(term_text):
            if term_text[i + 1] == "u":
                out.append("\\U0000" + term_text[i + 2 : i + 6])
                i += 6
            else:
                out.append(term_text[i : i + 2])
                i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def with_values(
    text: str,
    bindings: Mapping[str, ox.NamedNode | ox.Literal],
    *,
    term_text: Callable[[ox.NamedNode | ox.Literal], str] = str,
) -> str:
    """Bind variables with a ``VALUES`` row placed first in the outermost WHERE clause.

    The row is built from RDF terms (their N-Triples form escapes quotes, braces and newlines), so a parameter
    value can never change the shape of the query. Being first in the group, the row is joined before anything
    else and is visible to BIND, FILTER, OPTIONAL, MINUS and EXISTS, as pre-binding would be; the same text runs
    on pyoxigraph, rdflib and any remote endpoint.
    """
    if not bindings:
        return text
    brace = _where_brace(text)
    if brace is None:
        raise QueryError("parameters need the query pattern written as WHERE { ... }")
    names = list(bindings)
    variables = " ".join("?" + n for n in names)
    terms = " ".join(term_text(bindings[n]) for n in names)
    return f"{text[: brace + 1]}\n  VALUES ({variables}) {{ ({terms}) }}{text[brace + 1 :]}"


def run_on_store(
    store: ox.Store,
    text: str,
    bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    *,
    name: str | None = None,
) -> QueryResult:
    """Run SPARQL ``text`` on a pyoxigraph store with the catalogue prefixes and pre-bound variables."""
    try:
        answer = store.query(with_values(text, bindings or {}), prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"{name or 'query'}: SPARQL syntax {_syntax_message(exc)}") from None
    ordered = is_ordered(text)
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(boolean=bool(answer), query=name, ordered=ordered)
    if isinstance(answer, ox.QueryTriples):
        return QueryResult(triples=list(answer), query=name, ordered=ordered)
    variables = [v.value for v in answer.variables]
    rows = [{v: solution[v] for v in variables} for solution in answer]
    return QueryResult(variables=variables, rows=rows, query=name, ordered=ordered)


def is_ordered(text: str) -> bool:
    """Whether the result order of ``text`` is part of its answer (it has ORDER BY)."""
    return re.search(r"\bORDER\s+BY\b", _strip_comments(text), re.IGNORECASE) is not None


def _syntax_message(exc: SyntaxError) -> str:
    message = " ".join(str(exc.msg if exc.msg else exc).split())
    return message if message.startswith("error") else f"error: {message}"


def iter_iris(result: QueryResult) -> Iterable[str]:
    """Every IRI in a result, including those listed inside aggregated literals (for label look-up)."""
    for row in result.rows:
        for term in row.values():
            if isinstance(term, ox.NamedNode):
                yield term.value
            elif isinstance(term, ox.Literal) and term.value.startswith(("http://", "https://")):
                yield from (t for t in term.value.split() if t.startswith(("http://", "https://")))


# ---------------------------------------------------------------------------------------------
# Running queries: the library entry points
# ---------------------------------------------------------------------------------------------

_LABEL_QUERY = """SELECT ?s ?label WHERE {
  VALUES ?s { %s }
  ?s <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>|<http://purl.org/dc/terms/title> ?label
}"""
_SOURCE_QUERY = """SELECT ?s ?source WHERE {
  VALUES ?s { %s }
  ?s <http://purl.org/dc/terms/source> ?source
} ORDER BY ?s ?source"""


def _values_of(iris: Iterable[str]) -> str:
    return " ".join(str(ox.NamedNode(i)) for i in sorted(set(iris)))


def labels_for(engine: Engine | ox.Store, iris: Iterable[str], lang: str = "en") -> dict[str, str]:
    """The label of each IRI in ``lang``, falling back to the other language, then to a plain title."""
    iris = set(iris)
    if not iris:
        return {}
    ranked: dict[str, tuple[int, str]] = {}
    for row in as_engine(engine).select(_LABEL_QUERY % _values_of(iris)).rows:
        label = row["label"]
        assert isinstance(label, ox.Literal)
        rank = 0 if label.language == lang else 1 if label.language else 2
        iri = row["s"].value
        if iri not in ranked or (rank, label.value) < ranked[iri]:
            ranked[iri] = (rank, label.value)
    return {iri: label for iri, (_, label) in ranked.items()}


def add_sources(engine: Engine | ox.Store, result: QueryResult) -> QueryResult:
    """Add a ``sources`` column: the ``dcterms:source`` IRIs of each row's subject (its first IRI value)."""
    subjects = [next((t.value for t in row.values() if isinstance(t, ox.NamedNode)), None) for row in result.rows]
    found: dict[str, list[str]] = {}
    wanted = {s for s in subjects if s}
    if wanted:
        for row in as_engine(engine).select(_SOURCE_QUERY % _values_of(wanted)).rows:
            found.setdefault(row["s"].value, []).append(row["source"].value)
    for row, subject in zip(result.rows, subjects, strict=True):
        sources = found.get(subject or "", [])
        row["sources"] = ox.Literal(" ".join(sources)) if sources else None
    if "sources" not in result.variables:
        result.variables.append("sources")
    return result


class LocalEngine:
    """The embedded pyoxigraph store (the fast path)."""

    name = "pyoxigraph"

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def select(
        self, text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None, *, name: str | None = None
    ) -> QueryResult:
        return run_on_store(self.store, text, bindings, name=name)


class RdflibEngine:
    """rdflib's own SPARQL engine over an ``rdflib.Graph`` (slow; for cross-checks)."""

    name = "rdflib"

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def select(
        self, text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None, *, name: str | None = None
    ) -> QueryResult:
        return run_on_rdflib(self.graph, text, bindings, name=name)


def __getattr__(name: str) -> Any:
    # the Engine protocol lives in .protocols, which imports typing: only those who ask for it pay for that
    if name == "Engine":
        from .protocols import Engine

        return Engine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def as_engine(engine: Engine | ox.Store) -> Engine:
    return LocalEngine(engine) if isinstance(engine, ox.Store) else engine


def _engine_for(engine: Engine | ox.Store | None, data: Sequence[str | Path] | None) -> Engine:
    if engine is not None:
        return as_engine(engine)
    from .engine import open_store

    return LocalEngine(open_store(data))


def run_query(
    name: str,
    *,
    data: Sequence[str | Path] | None = None,
    store: ox.Store | None = None,
    engine: Engine | None = None,
    lang: str | None = None,
    with_sources: bool = False,
    **params: str | None,
) -> QueryResult:
    """Run the saved query ``name`` with typed parameters.

    :param data: graph data to use instead of the bundled data (like ``--data``).
    :param store: an already opened store (from :func:`tppo_graph.engine.open_store`), reused across calls.
    :param engine: another engine, e.g. :class:`tppo_graph.remote.RemoteEngine` for a SPARQL endpoint.
    :param lang: fills a declared ``language`` parameter (``id`` or ``en``).
    :param with_sources: add a ``sources`` column with the sources of each row's subject.
    :param params: parameter values as strings, parsed by their declared types.
    """
    query = get_query(name)
    runner = _engine_for(engine if engine is not None else store, data)
    bindings = bind_params(query, params, runner, lang=lang)
    result = runner.select(query.body, bindings, name=name)
    result.ordered = query.ordered
    if with_sources and result.triples is None and result.boolean is None:
        add_sources(runner, result)
    return result


def sparql(
    text: str,
    *,
    data: Sequence[str | Path] | None = None,
    store: ox.Store | None = None,
    engine: Engine | None = None,
    with_sources: bool = False,
) -> QueryResult:
    """Run an ad-hoc SPARQL query (read-only: an update is refused)."""
    if is_update(text):
        raise QueryError("SPARQL Update is not allowed: tppo-graph runs read-only queries")
    runner = _engine_for(engine if engine is not None else store, data)
    result = runner.select(text, name="query")
    if with_sources and result.triples is None and result.boolean is None:
        add_sources(runner, result)
    return result


def _from_rdflib(term: Any) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def run_on_rdflib(
    graph: Any,
    text: str,
    bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    *,
    name: str | None = None,
) -> QueryResult:
    """Run the same query text on rdflib's own SPARQL engine (slow; for cross-checks and rdflib users)."""
    full = standalone_text(with_values(text, bindings or {}, term_text=lambda t: _long_unicode_escapes(str(t))))
    try:
        answer = graph.query(full)
    except Exception as exc:  # noqa: BLE001 - rdflib raises pyparsing and other errors; report as query errors
        raise QueryError(f"{name or 'query'}: rdflib could not run the query: {' '.join(str(exc).split())}") from None
    ordered = is_ordered(text)
    if answer.type == "ASK":
        return QueryResult(boolean=bool(answer.askAnswer), query=name, ordered=ordered, engine="rdflib")
    if answer.type in ("CONSTRUCT", "DESCRIBE"):
        triples = [ox.Triple(*(_from_rdflib(t) for t in triple)) for triple in answer]  # type: ignore[misc]
        return QueryResult(triples=triples, query=name, ordered=ordered, engine="rdflib")
    variables = [str(v) for v in answer.vars]
    rows = [{v: _from_rdflib(row[v]) for v in variables} for row in answer]
    return QueryResult(variables=variables, rows=rows, query=name, ordered=ordered, engine="rdflib")
