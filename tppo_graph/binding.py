"""Binding parameters: typed values to RDF terms, and the one text every engine runs.

Parameter values are parsed into RDF terms and bound by a ``VALUES`` row built from those terms (their N-Triples
form), placed first in the outermost WHERE clause, never by formatting strings into the query text.
:func:`prepare` gives the complete text (the PREFIX lines the query uses, then the query with its ``VALUES``
row): that is what the engines run and what ``--show-sparql`` prints, so any SPARQL 1.1 engine given it returns
the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .catalogue import LANGUAGES, QueryParam, SavedQuery, strip_comments
from .errors import QueryError, UsageError
from .namespaces import PREFIXES, compact

if TYPE_CHECKING:
    from .engines import Engine

__all__ = [
    "Bindings",
    "allowed_values",
    "bind_params",
    "expand_curie",
    "is_update",
    "long_unicode_escapes",
    "parse_value",
    "prepare",
    "standalone_text",
    "where_brace",
    "with_values",
]

Bindings = Mapping[str, ox.NamedNode | ox.Literal]
_XSD = "http://www.w3.org/2001/XMLSchema#"
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_DECLARED = re.compile(r"PREFIX\s+([\w.-]*):", re.IGNORECASE)


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


def is_update(text: str) -> bool:
    """Whether ``text`` is a SPARQL Update by its first keyword after the prologue (refused: the toolkit's queries
    are read-only). A quick test only: every engine refuses whatever its query parser does not read as a query."""
    from .guard import code_only
    from .guard import is_update as starts_as_update

    return starts_as_update(code_only(text))


# ---------------------------------------------------------------------------------------------
# Typed parameters
# ---------------------------------------------------------------------------------------------


def allowed_values(engine: Engine, param: QueryParam) -> list[str]:
    """The allowed IRIs of an enumeration or class-restricted parameter (``scheme`` or ``cls``), from the graph
    itself, sorted."""
    if param.scheme:
        scheme = expand_curie(param.scheme) or param.scheme
        text = "SELECT DISTINCT ?v WHERE { ?v <http://www.w3.org/2004/02/skos/core#inScheme> ?scheme }"
        bindings: Bindings = {"scheme": ox.NamedNode(scheme)}
    else:
        cls = expand_curie(param.cls or "") or str(param.cls)
        text = (
            "SELECT DISTINCT ?v WHERE { ?v a ?t . "
            "?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls FILTER(isIRI(?v)) }"
        )
        bindings = {"cls": ox.NamedNode(cls)}
    return sorted(row["v"].value for row in engine.select(text, bindings) if isinstance(row["v"], ox.NamedNode))


def _choices(allowed: Sequence[str], limit: int = 12) -> str:
    shown = [compact(a) for a in allowed[:limit]]
    more = f", ... ({len(allowed)} in all)" if len(allowed) > limit else ""
    return ", ".join(shown) + more


def _parse_iri(
    where: str, param: QueryParam, raw: str, engine: Engine | None, seen: dict[tuple[str | None, str | None], list[str]]
) -> ox.NamedNode:
    iri = expand_curie(raw)
    allowed = None
    if engine is not None and (param.scheme or param.cls):
        # parameters of one scheme or class (state_a, state_b) share one read of the graph
        key = (param.scheme, param.cls)
        allowed = seen[key] if key in seen else seen.setdefault(key, allowed_values(engine, param))
    if iri is None and allowed is not None:
        # a bare local name ('repatriation', 'IDN') is accepted when it picks out exactly one allowed value
        matches = [a for a in allowed if re.split(r"[/#]", a)[-1].lower() == raw.lower()]
        iri = matches[0] if len(matches) == 1 else None
    if iri is None:
        hint = f" (allowed: {_choices(allowed)})" if allowed else " (use a CURIE like tpd:IDN or a full IRI)"
        raise UsageError(f"{where}: {raw!r} is not an IRI{hint}")
    if allowed is not None and iri not in allowed:
        raise UsageError(f"{where}: {compact(iri)} is not allowed (allowed: {_choices(allowed)})")
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:  # '>', a space, a NUL...: not an IRI, whatever expand_curie let through
        raise UsageError(f"{where}: {raw!r} is not a valid IRI ({' '.join(str(exc).split())})") from None


def parse_value(
    query: SavedQuery,
    param: QueryParam,
    raw: str,
    engine: Engine | None,
    *,
    seen: dict[tuple[str | None, str | None], list[str]] | None = None,
) -> ox.NamedNode | ox.Literal:
    """One value of ``param`` parsed into its RDF term (checked against the graph of ``engine`` when given).

    ``seen`` keeps the allowed values already read from the graph, by scheme and class, across the parameters of
    one call.
    """
    where = f"parameter '{param.name}' of query '{query.name}'"
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:  # bytes of the command line that are not UTF-8 (surrogate escapes)
        raise UsageError(f"{where}: {raw!r} is not valid UTF-8 text") from None
    if param.values is not None and param.type in ("language", "enumeration") and not (param.scheme or param.cls):
        if raw not in param.values:
            raise UsageError(f"{where}: {raw!r} is not allowed (allowed: {', '.join(param.values)})")
        return ox.Literal(raw)
    if param.type in ("iri", "enumeration"):
        return _parse_iri(where, param, raw, engine, {} if seen is None else seen)
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
    params: Mapping[str, str] | None = None,
    engine: Engine | None = None,
    *,
    language: str | None = None,
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check and parse parameter values into RDF terms, keyed by variable name.

    Unknown names, missing required values, values of the wrong type and enumeration values outside their scheme
    or class are :class:`UsageError` naming the parameter and listing what is allowed. ``engine`` answers for the
    graph the allowed values are read from (without one they are not checked); ``language`` fills a declared
    ``language`` parameter that was not given.
    """
    given = dict(params or {})
    known = {p.name for p in query.params}
    for name in given:
        if name not in known:
            listing = ", ".join(sorted(known)) or "none"
            raise UsageError(f"query '{query.name}': unknown parameter '{name}' (parameters: {listing})")
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    seen: dict[tuple[str | None, str | None], list[str]] = {}
    for param in query.params:
        raw = given.get(param.name)
        if raw is None and param.type == "language" and language is not None:
            raw = language
        if raw is None:
            raw = param.default
        if raw is None:
            if param.required:
                raise UsageError(f"query '{query.name}': parameter '{param.name}' is required ({param.description})")
            continue  # left unbound: the query answers for every value
        bound[param.name] = parse_value(query, param, str(raw), engine, seen=seen)
    return bound


# ---------------------------------------------------------------------------------------------
# The text that runs
# ---------------------------------------------------------------------------------------------

_IRI_REF = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_WHERE = re.compile(r"WHERE\s*\{", re.IGNORECASE)
_TRIPLE_QUOTES = ("'''", '"""')


def where_brace(text: str) -> int | None:
    """Offset of the ``{`` that opens the outermost WHERE clause, skipping strings, IRIs and comments."""
    i, depth = 0, 0
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
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c in "Ww" and (i == 0 or not text[i - 1].isalnum()) and (m := _WHERE.match(text, i)):
            return m.end() - 1
        i += 1
    return None


def long_unicode_escapes(term_text: str) -> str:
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


def with_values(text: str, bindings: Bindings, *, term_text: Callable[[ox.NamedNode | ox.Literal], str] = str) -> str:
    """Bind variables with a ``VALUES`` row placed first in the outermost WHERE clause.

    The row is built from RDF terms (their N-Triples form escapes quotes, braces and newlines), so a parameter
    value can never change the shape of the query. Being first in the group, the row is joined before anything
    else and is visible to BIND, FILTER, OPTIONAL, MINUS and EXISTS, as pre-binding would be.
    """
    if not bindings:
        return text
    brace = where_brace(text)
    if brace is None:
        raise QueryError("parameters need the query pattern written as WHERE { ... }")
    names = list(bindings)
    variables = " ".join("?" + n for n in names)
    terms = " ".join(term_text(bindings[n]) for n in names)
    return f"{text[: brace + 1]}\n  VALUES ({variables}) {{ ({terms}) }}{text[brace + 1 :]}"


def standalone_text(text: str) -> str:
    """``text`` with the catalogue PREFIX declarations it uses and does not declare itself, placed first."""
    stripped = strip_comments(text)
    declared = {m.lower() for m in _DECLARED.findall(stripped)}
    used = [
        p
        for p in PREFIXES
        if p.lower() not in declared and re.search(rf"(?<![\w\-.:<]){re.escape(p)}:", stripped) is not None
    ]
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used) + text


def prepare(
    text: str, bindings: Bindings | None = None, *, term_text: Callable[[ox.NamedNode | ox.Literal], str] = str
) -> str:
    """The complete text an engine runs: the PREFIX lines ``text`` needs, then ``text`` with its ``VALUES`` row."""
    return standalone_text(with_values(text, bindings or {}, term_text=term_text))
