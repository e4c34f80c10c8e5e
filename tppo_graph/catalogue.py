"""The saved-query catalogue: ``queries/*.rq`` files, their ``#+`` YAML headers, discovery by name and tag.

A saved query is plain SPARQL with a metadata header of ``#+ `` comment lines (grlc's convention; YAML once the
prefix is stripped): ``summary``, ``description``, ``tags``, ``params`` and a few optional keys. PREFIX and BASE
lines may stand above the header; the catalogue's prefixes (``ontology/prefixes.ttl``) need not be declared, the
engines supply them (:func:`tppo_graph.binding.standalone_text`).

Parsing the YAML needs PyYAML, which costs more than a small query; the parsed header of each file is cached as
JSON under the user cache directory, keyed by the file's path, size and modification time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from .errors import QueryDefinitionError, UnknownQueryError
from .resources import bundled_root

__all__ = [
    "HEADER_KEYS",
    "LANGUAGES",
    "PARAM_TYPES",
    "PROJECTION_TAG",
    "QueryParam",
    "SavedQuery",
    "get_projection",
    "get_query",
    "is_ordered",
    "list_projections",
    "list_queries",
    "parse_query_file",
    "queries_dir",
    "strip_comments",
]

#: the parameter types a saved query may declare
PARAM_TYPES = ("iri", "string", "lang-string", "integer", "date", "enumeration", "language")
#: languages labels and lang-string parameters may use
LANGUAGES = ("id", "en")
#: the header keys a saved query may have (grlc's, plus ours: example, projection, formulation)
HEADER_KEYS = frozenset(
    {"summary", "description", "tags", "params", "example", "projection", "formulation", "endpoint", "method"}
)
_PARAM_KEYS = frozenset({"type", "description", "default", "required", "scheme", "class", "values"})
#: saved queries with this tag are the network projections
PROJECTION_TAG = "projection"
HEADER_PREFIX = "#+"
_PROLOGUE_LINE = re.compile(r"^\s*(PREFIX|BASE)\b", re.IGNORECASE)
_QUERY_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


class QueryParam(NamedTuple):
    """One declared parameter: it binds the query variable of the same name."""

    name: str
    type: str
    description: str = ""
    default: str | None = None
    required: bool = False
    #: for ``enumeration``: the SKOS concept scheme whose concepts are the allowed values (CURIE or IRI)
    scheme: str | None = None
    #: for ``iri`` or ``enumeration``: the class whose instances are the allowed values
    cls: str | None = None
    #: a fixed list of allowed values (``language`` defaults to id, en)
    values: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, object]:
        """The parameter as plain data (JSON-ready)."""
        return {**self._asdict(), "values": list(self.values) if self.values is not None else None}


class SavedQuery(NamedTuple):
    """A query of the catalogue, parsed from its file."""

    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[QueryParam, ...]
    #: the SPARQL text: the file without its header (PREFIX lines kept where they stand)
    body: str
    #: whether the result order is part of the answer (the query has ORDER BY)
    ordered: bool = False
    #: example parameter values (header ``example``), used by tests and documentation
    example: Mapping[str, str] = MappingProxyType({})
    #: projection options (header ``projection``), e.g. ``{"directed": True}``
    projection: Mapping[str, object] = MappingProxyType({})
    #: why the query is written as it is (header ``formulation``)
    formulation: str = ""


def strip_comments(text: str) -> str:
    """The text without ``#`` comments that are not inside an IRI or a string (good enough to find keywords)."""
    return "\n".join(re.sub(r"(^|\s)#.*$", r"\1", line) for line in text.splitlines())


def is_ordered(text: str) -> bool:
    """Whether the result order of ``text`` is part of its answer (it has ORDER BY)."""
    return _ORDER_BY.search(strip_comments(text)) is not None


def queries_dir() -> Path:
    """The bundled catalogue's folder."""
    return bundled_root() / "queries"


def _param_from(path: Path, name: str, spec: object) -> QueryParam:
    if not isinstance(spec, Mapping):
        raise QueryDefinitionError(path, None, f"params.{name}: expected a mapping of type, description, ...")
    unknown = set(spec) - _PARAM_KEYS
    if unknown:
        raise QueryDefinitionError(path, None, f"params.{name}: unknown key(s) {', '.join(sorted(unknown))}")
    ptype = str(spec.get("type", "string"))
    if ptype not in PARAM_TYPES:
        known = ", ".join(PARAM_TYPES)
        raise QueryDefinitionError(path, None, f"params.{name}: unknown type {ptype!r} (known: {known})")
    values = spec.get("values")
    if ptype == "language" and values is None:
        values = list(LANGUAGES)
    if ptype == "enumeration" and not (spec.get("scheme") or spec.get("class") or values):
        raise QueryDefinitionError(path, None, f"params.{name}: an enumeration needs a scheme, a class or values")
    if values is not None and not isinstance(values, list):
        raise QueryDefinitionError(path, None, f"params.{name}: values must be a list")
    default = spec.get("default")
    scheme, cls = spec.get("scheme"), spec.get("class")
    return QueryParam(
        name=name,
        type=ptype,
        description=str(spec.get("description", "")),
        default=None if default is None else str(default),
        required=bool(spec.get("required", False)),
        scheme=None if scheme is None else str(scheme),
        cls=None if cls is None else str(cls),
        values=tuple(str(v) for v in values) if values is not None else None,
    )


def _header_cache(header_lines: list[str]) -> Path | None:
    """Where a parsed header is cached, keyed by a hash of its text (a file rewritten with the same size and
    modification time must not get the old header); None without a cache folder."""
    from .resources import fingerprint, user_cache_dir

    folder = user_cache_dir()
    return (
        None
        if folder is None
        else folder / "query-headers" / f"{fingerprint(chr(10).join(header_lines).encode())}.json"
    )


def _parse_header(path: Path, header_lines: list[str], first_line: int) -> object:
    """The YAML header as Python data, from the JSON cache when the file has not changed since."""
    import json

    use_cache = os.environ.get("TPPO_GRAPH_CACHE", "auto") != "never"
    cached = _header_cache(header_lines) if use_cache else None
    if cached is not None:
        try:
            return json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: several times faster
    try:
        header = yaml.load("\n".join(header_lines), Loader=loader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise QueryDefinitionError(path, line, f"header is not valid YAML: {problem}") from None
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(header, default=str), encoding="utf-8")
            tmp.replace(cached)
        except OSError:
            pass  # a read-only cache directory only costs speed
    return header


def _split(path: Path, text: str) -> tuple[list[str], int, str]:
    """(header lines with ``#+`` stripped, the header's first line number, the body)."""
    header: list[str] = []
    body: list[str] = []
    first = 0
    in_header = True
    for number, line in enumerate(text.splitlines(), start=1):
        if in_header and line.startswith(HEADER_PREFIX):
            first = first or number
            header.append(line[len(HEADER_PREFIX) :].removeprefix(" "))
            continue
        if in_header and (not line.strip() or _PROLOGUE_LINE.match(line)):
            body.append(line)  # PREFIX and BASE lines above the header belong to the query
            continue
        in_header = False
        body.append(line)
    if not header:
        raise QueryDefinitionError(path, 1, "no '#+' metadata header (summary, description, params)")
    return header, first, "\n".join(body).strip() + "\n"


def _mapping(path: Path, header: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = header.get(key) or {}
    if not isinstance(value, Mapping):
        raise QueryDefinitionError(path, None, f"{key}: expected a mapping")
    return MappingProxyType(dict(value))


def parse_query_file(path: Path) -> SavedQuery:
    """Parse one ``.rq`` file: its ``#+`` YAML header and its SPARQL body.

    A malformed header (unknown keys included: a misspelt ``projection:`` must not be ignored) is a
    :class:`QueryDefinitionError` naming the file and line.
    """
    header_lines, first, body = _split(path, path.read_text(encoding="utf-8"))
    header = _parse_header(path, header_lines, first)
    if not isinstance(header, Mapping):
        raise QueryDefinitionError(path, first, "header must be a YAML mapping (summary: ..., description: ...)")
    unknown = sorted(str(k) for k in header if k not in HEADER_KEYS)
    if unknown:
        raise QueryDefinitionError(
            path, first, f"unknown header key(s) {', '.join(unknown)} (known: {', '.join(sorted(HEADER_KEYS))})"
        )
    for key in ("summary", "description"):
        if not header.get(key):
            raise QueryDefinitionError(path, first, f"header has no '{key}'")
    params = tuple(_param_from(path, str(n), s) for n, s in _mapping(path, header, "params").items())
    stripped = strip_comments(body)
    for p in params:
        if not re.search(rf"[?$]{re.escape(p.name)}\b", stripped):
            raise QueryDefinitionError(path, None, f"params.{p.name}: variable ?{p.name} is not used in the query")
    if _QUERY_FORM.search(stripped) is None:
        raise QueryDefinitionError(path, None, "no SELECT, ASK, CONSTRUCT or DESCRIBE in the query")
    tags = header.get("tags") or []
    return SavedQuery(
        name=path.stem,
        path=path,
        summary=" ".join(str(header["summary"]).split()),
        description=" ".join(str(header["description"]).split()),
        tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
        params=params,
        body=body,
        ordered=_ORDER_BY.search(stripped) is not None,
        example=MappingProxyType({str(k): str(v) for k, v in _mapping(path, header, "example").items()}),
        projection=_mapping(path, header, "projection"),
        formulation=" ".join(str(header.get("formulation") or "").split()),
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


def list_projections(directory: Path | None = None) -> list[SavedQuery]:
    """The saved queries tagged ``projection``: the network projections."""
    return list_queries(PROJECTION_TAG, directory)


def get_projection(name: str, directory: Path | None = None) -> SavedQuery:
    """A projection by name, with or without its ``projection-`` prefix; unknown names list the valid ones."""
    known = {q.name: q for q in list_projections(directory)}
    for candidate in (name, f"projection-{name}"):
        if candidate in known:
            return known[candidate]
    raise UnknownQueryError(name, [q.name.removeprefix("projection-") for q in known.values()], kind="projection")
