"""The saved queries in grlc's parameter convention: :func:`export_for_grlc` writes a folder grlc serves as a web API.

grlc 1.3 finds parameters in variable names, not in a header: ``?_name`` is a required parameter, ``?__name`` an
optional one, and a suffix says how the value is written into the query (``_iri``: ``<value>``; ``_integer``:
``"value"^^xsd:integer``; ``_xsd_date``: ``"value"^^xsd:date``; a language, ``_en``: ``"value"@en``; none: a plain
literal). Names are ASCII letters and digits. grlc substitutes the value *textually* for every occurrence of the
variable, and ``#+ enumerate`` and ``#+ defaults`` only fill its Swagger page: it applies no default and checks no
value.

So each query keeps its text and gains one BIND per parameter, first in its outermost WHERE clause, where the
toolkit puts its VALUES row: ``BIND(COALESCE(?__stateA_iri, <default>) AS ?state_a)``. Substituted, that is the
VALUES row (a one-row binding joined before anything else); left unsubstituted (an optional parameter not given), the
grlc variable is unbound, so the query's variable takes the default or stays unbound, as in the toolkit. The query's
own variables never reach grlc's substitution, which would break every query that projects its parameter
(``SELECT <iri>`` is not SPARQL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .atomic import check_folder_target, folder_atomic
from .binding import allowed_values, parse_value, where_brace
from .catalogue import QueryParam, SavedQuery, list_queries
from .engines import Engine, connect
from .errors import OutputError, QueryError

__all__ = ["ENUM_LIMIT", "MARKER", "ExportSummary", "GrlcParam", "GrlcQuery", "export_for_grlc", "grlc_query"]

#: the file that marks a folder as an export of this module (only such a folder, or an empty one, is replaced)
MARKER = ".tppo-graph-grlc"
#: at most this many allowed values are listed for grlc's form (a longer list is left out: any value is taken)
ENUM_LIMIT = 200
#: grlc adds its own xsd PREFIX line before every "SELECT" (subqueries too) unless the text holds exactly this one
XSD_PREFIX = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>"
_GRLC_NAME = re.compile(r"^[A-Za-z0-9]+$")
_SUFFIX = {"integer": "_integer", "date": "_xsd_date"}


@dataclass(frozen=True)
class GrlcParam:
    """How one parameter of a saved query reaches grlc."""

    #: the toolkit's name (``-p state_a=...``) and grlc's (``?stateA=...`` on the API)
    name: str
    grlc_name: str
    #: the variable grlc substitutes, e.g. ``?__stateA_iri``
    variable: str
    #: the toolkit's type (iri, string, enumeration, ...)
    type: str
    required: bool
    #: the default as grlc's form shows it (a full IRI, or the literal's text); applied by the query itself
    default: str | None
    #: the allowed values offered by grlc's form (empty: any value)
    enum: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class GrlcQuery:
    """One saved query as grlc reads it: its file's text and its parameters."""

    name: str
    text: str
    params: tuple[GrlcParam, ...]


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`export_for_grlc` wrote: the folder, its files, the queries and those it could not map."""

    path: Path
    files: tuple[str, ...]
    queries: tuple[GrlcQuery, ...]
    #: (query name, why it has no grlc form)
    skipped: tuple[tuple[str, str], ...]
    endpoint: str | None


def _camel(name: str) -> str:
    """``state_a`` -> ``stateA``: grlc's names have no underscore (it reads one as the start of a type)."""
    return re.sub(r"_+([A-Za-z0-9])", lambda m: m.group(1).upper(), name).strip("_")


def _grlc_param(query: SavedQuery, param: QueryParam, engine: Engine) -> tuple[GrlcParam, str]:
    """The parameter's grlc form and its BIND line; a QueryError says why it has none."""
    where = f"query '{query.name}': parameter '{param.name}'"
    grlc_name = _camel(param.name)
    if not _GRLC_NAME.match(grlc_name):
        raise QueryError(f"{where}: grlc names are ASCII letters and digits, and {grlc_name!r} is not")
    default = None if param.default is None else parse_value(query, param, param.default, engine)
    if param.type == "lang-string":
        # grlc fixes the language in the variable's name: only a default can say which one
        lang = default.language if isinstance(default, ox.Literal) else None
        if lang is None or not _GRLC_NAME.match(lang):
            raise QueryError(f"{where}: a lang-string needs a default with a plain language tag to fix grlc's language")
        suffix = "_" + lang
    elif param.type == "iri" or (param.type == "enumeration" and (param.scheme or param.cls)):
        suffix = "_iri"
    else:
        suffix = _SUFFIX.get(param.type, "")
    variable = ("?_" if param.required else "?__") + grlc_name + suffix
    if param.scheme or param.cls:
        allowed = allowed_values(engine, param)
        enum = tuple(allowed) if len(allowed) <= ENUM_LIMIT else ()
    else:
        enum = param.values or ()
    value = variable if default is None else f"COALESCE({variable}, {default})"
    shown = None if default is None else default.value
    spec = GrlcParam(param.name, grlc_name, variable, param.type, param.required, shown, enum, param.description)
    return spec, f"  BIND({value} AS ?{param.name})\n"


def _header(query: SavedQuery, params: tuple[GrlcParam, ...], endpoint: str | None) -> str:
    """The ``#+`` header in grlc's YAML keys (ours that grlc does not read are left out)."""
    import yaml

    description = query.description
    if params:
        described = []
        for p in params:
            default = f"; default {p.default}" if p.default is not None else ""
            needed = "required" if p.required else "optional"
            described.append(f"{p.grlc_name} ({needed}{default}): {p.description}".rstrip(": "))
        description += " Parameters: " + "; ".join(described) + "."
    header: dict[str, object] = {"summary": query.summary, "description": description, "tags": list(query.tags)}
    if endpoint is not None:
        header["endpoint"] = endpoint
    enumerate_ = [{p.grlc_name: list(p.enum)} for p in params if p.enum]
    if enumerate_:
        header["enumerate"] = enumerate_
    defaults = [{p.grlc_name: p.default} for p in params if p.default is not None]
    if defaults:
        header["defaults"] = defaults
    text = yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    return "".join(f"#+ {line}\n" for line in text.splitlines())


def grlc_query(query: SavedQuery, engine: Engine | None = None, *, endpoint: str | None = None) -> GrlcQuery:
    """The text of ``query`` as grlc reads it, parameters as grlc variables; a :class:`QueryError` says why a
    query has no grlc form. ``engine`` answers for the allowed values of enumerations (default: the bundled graph)."""
    engine = engine if engine is not None else connect()
    body = query.body
    if re.search(r"[?$]_", body):
        raise QueryError(f"query '{query.name}': a variable beginning with '_' would be read by grlc as a parameter")
    mapped = [_grlc_param(query, p, engine) for p in query.params]
    params = tuple(spec for spec, _ in mapped)
    names = [p.grlc_name for p in params]
    if len(set(names)) < len(names):
        raise QueryError(f"query '{query.name}': two parameters share the grlc name (one of {', '.join(names)})")
    for a in params:  # grlc replaces text: a variable that begins another would be replaced inside it
        for b in params:
            if a is not b and b.variable.startswith(a.variable):
                raise QueryError(f"query '{query.name}': grlc would read {a.variable} inside {b.variable}")
    if params:
        brace = where_brace(body)
        if brace is None:
            raise QueryError(f"query '{query.name}': parameters need the query pattern written as WHERE {{ ... }}")
        body = body[: brace + 1] + "\n" + "".join(line for _, line in mapped) + body[brace + 1 :].lstrip("\n")
    if any(p.type in _SUFFIX for p in params) and XSD_PREFIX not in body:
        body = XSD_PREFIX + "\n" + body
    text = _header(query, params, endpoint) + body
    if text.count("?_") != len(params):  # grlc reads the header too: '?_x' in a description would be a parameter
        raise QueryError(f"query '{query.name}': its header holds '?_', which grlc would read as a parameter")
    return GrlcQuery(query.name, text, params)


def _readme(summary: list[GrlcQuery], skipped: list[tuple[str, str]], endpoint: str | None) -> str:
    rows = []
    for q in summary:
        for p in q.params:
            default = p.default if p.default is not None else ""
            rows.append(
                f"| {q.name} | `{p.grlc_name}` | `{p.name}` | {p.type} | {'yes' if p.required else 'no'} | {default} |"
            )
    where = (
        f"Every query's header names the endpoint `{endpoint}`."
        if endpoint
        else "No endpoint is named: put its URL in `endpoint.txt` here, or run `tppo-graph export-queries --grlc "
        "DIR --endpoint URL`."
    )
    lines = [
        "# tppo-graph saved queries for grlc",
        "",
        "Written by `tppo-graph export-queries --grlc`; the folder is replaced whole when it is written again.",
        "Serve it with grlc 1.3 (https://github.com/CLARIAH/grlc): a `config.ini` in grlc's working folder with",
        "`[local]` `local_sparql_dir = <this folder>`, then `python -m grlc.server`; the API is at `/api-local/`.",
        where,
        "",
        "The store must hold the graph with its entailed closure, as `tppo-graph serve` and `tppo-graph load`",
        "give it (or `tppo-graph export --entailed`), for the answers to be the toolkit's.",
        "",
        "Each parameter is a grlc variable bound first in the query (`BIND`), so that a default is applied by the",
        "query itself and an optional parameter left out is unbound, as with `tppo-graph query NAME -p ...`.",
        "What grlc does not do: it pastes values into the text unescaped (a quote in a value breaks the query);",
        "IRIs are full IRIs (no CURIEs, no bare local names); values are not checked against the listed allowed",
        "values; an empty value counts as not given.",
        "",
        "| query | grlc parameter | tppo-graph parameter | type | required | default |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    if skipped:
        lines += ["", "Not written (no grlc form):", "", *(f"- `{name}`: {why}" for name, why in skipped)]
    return "\n".join(lines) + "\n"


_API_CONFIG = """[repo_info]
repo_title = tppo-graph saved queries
api_description = The saved queries of tppo-graph: trafficking in persons law between Indonesia and Cambodia
licence_url = https://creativecommons.org/licenses/by/4.0/
"""


def export_for_grlc(
    out: str | Path,
    *,
    engine: Engine | None = None,
    endpoint: str | None = None,
    directory: Path | None = None,
) -> ExportSummary:
    """Write every saved query (of ``directory``, default the bundled catalogue) into the folder ``out`` in grlc's
    convention, with a README and grlc's ``local-api-config.ini``.

    ``out`` must be new, empty, or an earlier export (it is replaced whole, atomically). ``endpoint`` is written
    into each query's header (the store grlc is to query; it is not contacted here); ``engine`` answers for the
    allowed values of enumerations (default: the bundled graph). A query that has no grlc form is left out and
    named in the summary with the reason.
    """
    target = Path(out)
    if endpoint is not None:
        from .transport import check_url

        check_url(endpoint)
    check_folder_target(target, MARKER, "grlc export of tppo-graph")
    engine = engine if engine is not None else connect()
    written: list[GrlcQuery] = []
    skipped: list[tuple[str, str]] = []
    for query in list_queries(directory=directory):
        try:
            written.append(grlc_query(query, engine, endpoint=endpoint))
        except QueryError as exc:
            skipped.append((query.name, str(exc).removeprefix(f"query '{query.name}': ")))
    files = {
        MARKER: "A folder written by `tppo-graph export-queries --grlc`; it is replaced whole when written again.\n",
        "README.md": _readme(written, skipped, endpoint),
        "local-api-config.ini": _API_CONFIG,
        **{f"{q.name}.rq": q.text for q in written},
    }
    with folder_atomic(target) as build:
        for rel, text in files.items():
            try:
                (build / rel).write_text(text, encoding="utf-8")
            except OSError as exc:  # a full device: the half-written folder is removed, the old one kept
                raise OutputError(target, exc.strerror or str(exc)) from None
    return ExportSummary(target, tuple(sorted(files)), tuple(written), tuple(skipped), endpoint)
