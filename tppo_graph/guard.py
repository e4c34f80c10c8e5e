"""Checks on input before any engine or store sees it: a query's text (read-only, no ``SERVICE`` unless allowed,
bounded nesting), a time limit, a graph IRI.

The query path is read-only everywhere. Locally, pyoxigraph's ``Store.query`` only runs queries, so an update is
a syntax error there; for a remote store the text is first parsed by pyoxigraph's own parser (on an empty
in-memory store, with nothing evaluated that could reach out) and only a text that parses as a query is sent, by
the SPARQL 1.1 Protocol's query operation. ``SERVICE`` makes the engine that runs the query send requests to any
host the text names (a server-side request forgery for anyone who exposes the command line), so the local
engines refuse it unless the caller allows it. Deep nesting is refused before a parser recurses into it: at a
few thousand levels pyoxigraph's recursive-descent parser overflows its stack and the process dies (SIGSEGV).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from .errors import QueryError

__all__ = [
    "MAX_NESTING",
    "check_query",
    "check_timeout",
    "code_only",
    "graph_iri",
    "is_update",
    "query_form",
    "syntax_error",
]

#: the deepest nesting of ( [ { a query may have (pyoxigraph's parser crashes at a few thousand)
MAX_NESTING = 200
_IRI_REF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_SERVICE = re.compile(r"(?<![\w?$:.\-])SERVICE(?![\w:\-])", re.IGNORECASE)
_FIRST_KEYWORD = re.compile(r"(?:\s*(?:BASE\s*<\s*>|PREFIX\s*[\w.\-]*:\s*<\s*>))*\s*([A-Za-z]+)", re.IGNORECASE)
_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_FORMS = {ox.QuerySolutions: "SELECT", ox.QueryBoolean: "ASK", ox.QueryTriples: "CONSTRUCT"}


def code_only(text: str) -> str:
    """``text`` with the insides of its comments, strings and IRIs blanked out (spaces, same length): only
    keywords, names, variables and punctuation are left, at their offsets (a keyword inside a string or an IRI is
    never taken for one)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
            continue
        if c in ("'", '"'):
            quote = text[i : i + 3] if text[i : i + 3] in ("'''", '"""') else c
            j = i + len(quote)
            while j < n and text[j : j + len(quote)] != quote:
                j += 2 if text[j] == "\\" else 1
            j = min(j, n)
            out.append(quote + " " * (j - i - len(quote)) + text[j : j + len(quote)])
            i = j + len(quote)
            continue
        if c == "<" and (m := _IRI_REF.match(text, i)):
            out.append("<" + " " * (m.end() - i - 2) + ">")
            i = m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _nesting(code: str) -> int:
    depth = deepest = 0
    for c in code:
        if c in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in ")]}":
            depth -= 1
    return deepest


def is_update(code: str) -> bool:
    """Whether ``code`` (from :func:`code_only`) starts, after its prologue, with an update keyword."""
    m = _FIRST_KEYWORD.match(code)
    return m is not None and m.group(1).upper() in _UPDATE_KEYWORDS


def query_form(text: str, prefixes: Mapping[str, str] | None = None, *, what: str = "query") -> str:
    """Parse ``text`` with pyoxigraph's parser and give its form (SELECT, ASK, CONSTRUCT); an update or a syntax
    error is a :class:`QueryError`. Nothing is evaluated that could reach out (``SERVICE`` is parsed as ``GRAPH``,
    its exact syntactic twin, over an empty in-memory store)."""
    code = code_only(text)
    if _SERVICE.search(code):
        text = _replace_service(text)
    try:
        answer = ox.Store().query(text, prefixes=dict(prefixes) if prefixes else None)
    except SyntaxError as exc:
        raise syntax_error(exc, code, what) from None
    return next((form for kind, form in _FORMS.items() if isinstance(answer, kind)), "SELECT")


def _replace_service(text: str) -> str:
    # SERVICE SILENT? VarOrIri GroupGraphPattern is GRAPH VarOrIri GroupGraphPattern by syntax; outside strings,
    # IRIs and comments only (code_only keeps every offset, so its matches are places in the text)
    out, i = [], 0
    code = code_only(text)
    for m in _SERVICE.finditer(code):
        out.append(text[i : m.start()])
        rest = re.match(r"\s+SILENT(?![\w:\-])", code[m.end() :], re.IGNORECASE)
        out.append("GRAPH")
        i = m.end() + (rest.end() if rest else 0)
    out.append(text[i:])
    return "".join(out)


def syntax_error(exc: SyntaxError, code: str, what: str) -> QueryError:
    """The one-line error for a text pyoxigraph's query parser refused: an update, or a syntax error."""
    if is_update(code):
        return QueryError(f"{what}: SPARQL Update is not allowed: tppo-graph runs read-only queries", query=what)
    message = " ".join(str(exc.msg if exc.msg else exc).split())
    message = message if message.startswith("error") else f"error: {message}"
    return QueryError(f"{what}: SPARQL syntax {message}", query=what)


def check_query(text: str, *, what: str = "query", allow_service: bool = False) -> str:
    """Refuse what no engine may be given: nesting deeper than :data:`MAX_NESTING`, ``SERVICE`` (unless allowed),
    a NUL; returns the text with comments, strings and IRIs blanked (for further checks)."""
    if "\x00" in text:
        raise QueryError(f"{what}: the query holds a NUL character", query=what)
    code = code_only(text)
    depth = _nesting(code)
    if depth > MAX_NESTING:
        raise QueryError(f"{what}: nested {depth} levels deep (at most {MAX_NESTING} allowed)", query=what)
    if not allow_service and _SERVICE.search(code):
        raise QueryError(
            f"{what}: SERVICE is not allowed: it would make this machine send requests to other hosts "
            "(allow it with --allow-service)",
            query=what,
        )
    return code


def check_timeout(seconds: float, option: str = "timeout") -> float:
    """``seconds`` if it is a finite number above 0; else :class:`~tppo_graph.errors.InvalidOption`."""
    import math

    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds <= 0:
        from .errors import InvalidOption

        raise InvalidOption(option, option, f"{seconds!r}: give a number of seconds above 0 (not inf or nan)")
    return float(seconds)


def graph_iri(value: str, option: str = "graph") -> ox.NamedNode:
    """A named graph's IRI as an RDF term (never text pasted into a query): absolute, with no character an IRI
    cannot hold; ``''`` and relative IRIs (which a server would resolve against its own base) are refused."""
    from .errors import InvalidOption

    if not value.strip():
        raise InvalidOption(option, "graph IRI", f"{value!r} is empty: give an absolute IRI (https://...)")
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        reason = "no scheme: a relative IRI" if "No scheme" in str(exc) else " ".join(str(exc).split())
        raise InvalidOption(option, "graph IRI", f"{value!r} is not an absolute IRI ({reason})") from None
