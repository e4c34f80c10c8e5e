"""All output formatting: tables, JSON, query results, and the report of every verb. Nothing else formats output.

Each ``render_*`` takes a verb's report object and returns the text (or bytes) to print; the command line only
writes it out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .namespaces import DATASET, compact
from .results import AskResult, GraphResult, QueryResult, SelectResult, Term

if TYPE_CHECKING:  # only types: keep the verbs' modules (and what they import) off the query path
    from .catalogue import SavedQuery
    from .describe import GraphStats
    from .export import ExportResult
    from .grlc import ExportSummary
    from .loading import LoadSummary
    from .validation import ValidationReport

__all__ = [
    "RESULT_FORMATS",
    "display_term",
    "printable",
    "render_csv",
    "render_export",
    "render_grlc_export",
    "render_json",
    "render_load",
    "render_queries",
    "render_query_help",
    "render_result",
    "render_serve",
    "render_stats",
    "render_table",
    "render_validation",
]

#: formats of query results: tables with labels (table, md) and the W3C formats (json, xml, csv, tsv)
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml", "md")
#: formats of a network report


def render_json(obj: object) -> str:
    """Indented JSON (UTF-8 kept as is)."""
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _is_number(text: str) -> bool:
    try:
        float(text.replace("%", ""))
    except ValueError:
        return False
    return True


def printable(text: str) -> str:
    """``text`` with control and format characters shown as escapes (``\\x1b``, ``\\u202e``): a label holding a
    terminal escape sequence (a title change, a screen clear) or a bidirectional override must not act on the
    terminal or reorder what is shown."""
    import unicodedata

    if text.isprintable():
        return text
    return "".join(
        c
        if c == " " or unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp")
        else c.encode("unicode_escape").decode()
        for c in text
    )


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned text table (no colours: output is often piped or pasted into reports)."""
    cells = [[printable("" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    numeric = [all(_is_number(row[i]) for row in cells) and bool(cells) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"


def render_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Query results
# ---------------------------------------------------------------------------------------------


def display_term(term: Term | None, labels: Mapping[str, str]) -> str:
    """A value as a reader sees it: an IRI by its label, a list of IRIs (GROUP_CONCAT) by theirs."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return labels.get(term.value) or compact(term.value)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    tokens = term.value.split()
    if tokens and all(t.startswith(("http://", "https://")) for t in tokens):
        # an aggregated list of IRIs (GROUP_CONCAT, --with-sources): show each as its label
        return ", ".join(labels.get(t) or compact(t) for t in tokens)
    return " ".join(tokens)


def _display_rows(result: SelectResult, labels: dict[str, str]) -> list[list[str]]:
    return [[display_term(row.get(v), labels) for v in result.variables] for row in result.rows]


def _people_rows(result: SelectResult, labels: dict[str, str], order_by: Sequence[tuple[str, bool]]) -> list[list[str]]:
    from .tables import sort_rows

    rows = _display_rows(result, labels)
    return sort_rows(rows, result.variables, order_by) if order_by else rows


def _table(
    result: SelectResult,
    labels: dict[str, str],
    heading: str | None = None,
    order_by: Sequence[tuple[str, bool]] = (),
    width: int | None = None,
) -> str:
    import textwrap

    from .tables import blank_note, vertical, wrap_table

    top = "".join(line + "\n" for line in textwrap.wrap(heading, width or 10_000)) + "\n" if heading else ""
    if not result.rows:
        return top + render_table(result.variables, []) + "(no results)\n"
    # escaped before any layout: a wrapped or one-record-per-row table must not let a label act on the terminal
    rows = [[printable(cell) for cell in row] for row in _people_rows(result, labels, order_by)]
    body = None
    if width is not None:
        body = wrap_table(result.variables, rows, width)
        if body is None:  # too many columns to wrap readably: one record per row
            body = vertical(result.variables, rows, width)
    out = top + (body or render_table(result.variables, rows)) + f"({len(result.rows)} rows)\n"
    note = blank_note(result.variables, rows)
    if note:
        out += "".join(line + "\n" for line in textwrap.wrap(note, width or 10_000))
    return out


def _markdown(
    result: SelectResult, labels: dict[str, str], heading: str | None = None, order_by: Sequence[tuple[str, bool]] = ()
) -> str:
    from .tables import blank_note

    def cell(text: str) -> str:
        return printable(text).replace("|", "\\|")

    rows = _people_rows(result, labels, order_by)
    out = [f"**{heading}**", ""] if heading else []
    out += ["| " + " | ".join(result.variables) + " |", "|" + "---|" * len(result.variables)]
    out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    note = blank_note(result.variables, rows) if rows else None
    if note:
        out += ["", note]
    return "\n".join(out) + "\n"


def render_result(
    result: QueryResult,
    fmt: str,
    labels: dict[str, str] | None = None,
    *,
    heading: str | None = None,
    order_by: Sequence[tuple[str, bool]] = (),
    width: int | None = None,
) -> str | bytes:
    """A query result in one of :data:`RESULT_FORMATS`. Tables show ``labels`` for IRIs; graphs (CONSTRUCT) are
    JSON-LD for ``json``, N-Triples for ``xml`` and s/p/o rows otherwise.

    For people (``table``, ``md``): ``heading`` (a saved query's summary) goes first; rows are sorted by the
    query's ``order_by`` variables comparing the labels shown naturally (Art. 8 before Art. 10); a ``table`` wraps
    its cells to ``width`` columns (or shows one record per row when the columns cannot fit); a note says what an
    empty cell means."""
    if isinstance(result, GraphResult):
        if fmt in ("json", "xml"):
            return result.serialize("jsonld" if fmt == "json" else "nt")
        result = result.as_rows()
    if isinstance(result, AskResult):
        if fmt in ("table", "md"):
            return ("yes" if result.boolean else "no") + "\n"
        return render_json(result.to_json()) if fmt == "json" else result.serialize(fmt)
    if fmt == "json":
        return render_json(result.to_json())
    if fmt in ("csv", "tsv", "xml"):
        return result.serialize(fmt)
    if fmt == "md":
        return _markdown(result, labels or {}, heading, order_by)
    return _table(result, labels or {}, heading, order_by, width)


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


def render_queries(queries: Sequence[SavedQuery], fmt: str = "table") -> str:
    """The catalogue: a table of name, summary, tags and parameters, or JSON records."""
    if fmt == "json":
        records = [
            {
                "name": q.name,
                "summary": q.summary,
                "description": q.description,
                "tags": list(q.tags),
                "params": [p.to_dict() for p in q.params],
            }
            for q in queries
        ]
        return render_json(records)
    rows = [[q.name, q.summary, ", ".join(q.tags), ", ".join(p.name for p in q.params)] for q in queries]
    return render_table(["name", "summary", "tags", "params"], rows)


def render_query_help(query: SavedQuery, prog: str = "tppo-graph") -> str:
    """What one saved query asks, its parameters (types, defaults, allowed values) and its file."""
    import textwrap

    out = [
        f"usage: {prog} query {query.name} [-p NAME=VALUE ...] [OPTIONS]\n\n",
        f"  {query.summary}\n\n",
        *(f"  {line}\n" for line in textwrap.wrap(query.description, 96)),
    ]
    if query.tags:
        out.append(f"\n  Tags: {', '.join(query.tags)}\n")
    if query.params:
        rows = [
            [
                p.name,
                p.type,
                "yes" if p.required else "no",
                p.default or "",
                p.scheme or p.cls or ", ".join(p.values or ()),
                p.description,
            ]
            for p in query.params
        ]
        out += [
            "\nParameters:\n",
            render_table(["name", "type", "required", "default", "allowed", "description"], rows),
        ]
    else:
        out.append("\nParameters: none\n")
    out.append(f"\nFile: {query.path}\n")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Verbs' reports
# ---------------------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def render_stats(result: GraphStats, fmt: str = "table") -> str:
    """What ``describe`` found, as tables or JSON."""
    if fmt == "json":
        return render_json(result.to_dict())
    files = f"  Files: {result.files}" if result.files is not None else ""
    out = [
        f"Triples: {result.triples:,}{files}  Entities (tppo:Entity): {result.entities:,}\n",
        "\nEntities per class\n",
        render_table(
            ["class", "count"], [[c, n] for c, n in sorted(result.classes.items(), key=lambda kv: (-kv[1], kv[0]))]
        ),
        "\nLabel coverage per language\n",
        render_table(
            ["resources", "total", "id", "en", "both"],
            [
                [c.kind, c.total, _pct(c.with_id, c.total), _pct(c.with_en, c.total), _pct(c.with_both, c.total)]
                for c in result.labels
            ],
        ),
        "\nVerification status of entities\n",
        render_table(["status", "entities"], list(result.verification.items())),
        f"\nFacts without a source: {len(result.without_source)}\n",
    ]
    out.extend(f"  {iri}\n" for iri in result.without_source)
    if result.void is not None:
        v = result.void
        out.append(
            f"\nVoID statistics of {compact(DATASET)} (written by `export`): {v.triples:,} triples, "
            f"{v.entities:,} entities, {v.distinct_subjects:,} distinct subjects, {v.distinct_objects:,} distinct "
            f"objects, {len(v.classes)} classes, {len(v.properties)} properties\n"
        )
    return "".join(out)


def render_validation(report: ValidationReport, fmt: str = "text") -> str:
    """A SHACL report: verdict, counts and one line per result; or JSON."""
    if fmt == "json":
        return render_json(report.to_dict())
    violations, warnings, infos = (report.count(s) for s in ("Violation", "Warning", "Info"))
    verdict = "conforms" if report.conforms else "does NOT conform"
    out = [
        f"Validated {report.triples:,} triples ({len(report.files)} files) with {report.engine}: {verdict}.\n",
        f"{violations} violation(s), {warnings} warning(s), {infos} info(s)\n",
    ]
    for r in report.results:
        where = compact(r.focus_node)
        if r.path:
            where += f" {compact(r.path)}"
        value = f" = {compact(r.value)}" if r.value else ""
        out.append(f"{r.severity.upper()} {compact(r.source_shape)}: {where}{value}: {r.message}\n")
    return "".join(out)


def render_export(result: ExportResult) -> str:
    """The note an export to a file leaves on standard error."""
    return f"Wrote {result.statements:,} statements ({result.format}) to {result.path}"


def render_grlc_export(summary: ExportSummary) -> str:
    """The note ``export-queries --grlc`` leaves on standard error (and why a query has no grlc form)."""
    with_params = sum(1 for q in summary.queries if q.params)
    where = f"; endpoint {summary.endpoint}" if summary.endpoint else "; no endpoint named (see its README.md)"
    lines = [
        f"Wrote {len(summary.queries)} queries for grlc ({with_params} with parameters) to {summary.path}{where}",
        *(f"  not written: {name}: {why}" for name, why in summary.skipped),
    ]
    return "\n".join(lines)


def render_load(summary: LoadSummary, fmt: str = "text") -> str:
    """What a load did: triples, files, target, route, requests, time, and the counts in the store."""
    if fmt == "json":
        return render_json(summary.to_dict())
    target = f"<{summary.graph}>" if summary.graph else "the default graph"
    route = {
        "put": "route put: one request" + ("" if summary.atomic else ", not atomic on this store"),
        "staging": f"route staging: {summary.chunks} chunks, then the switch",
        "direct": f"route direct: {summary.chunks} chunks, not atomic",
    }[summary.route]
    staged = f"{summary.triples_staged:,} staged, " if summary.route == "staging" else ""
    return (
        f"Loaded {summary.triples_sent:,} triples from {summary.files} files into {target} at {summary.endpoint} "
        f"({'replaced' if summary.replaced else 'added'}, {route}, {summary.seconds:.2f} s, "
        f"{summary.triples_per_second:,.0f} triples/s).\n"
        f"Counted in the store: {staged}{summary.triples_in_target:,} in the target graph.\n"
    )


def render_serve(query_endpoint: str, query_page: str, writable: bool, site_page: str | None = None) -> str:
    """The banner ``serve`` prints once the server answers."""
    mode = "read-write" if writable else "read-only"
    site = f"Site:            {site_page}  (built in the background at start)\n" if site_page else ""
    return f"SPARQL endpoint: {query_endpoint}  ({mode})\nQuery page:      {query_page}\n{site}Press Ctrl-C to stop.\n"
