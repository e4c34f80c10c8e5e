"""All output formatting of the CLI: tables, JSON, and the reports of each verb. Nothing else prints."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .namespaces import DATASET, compact

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms on the query path)
if TYPE_CHECKING:  # only types: keep stats/validate (and what they import) off the query path
    from typing import Any

    from .queries import QueryResult
    from .stats import GraphStats
    from .validate import ValidationReport

__all__ = [
    "RESULT_FORMATS",
    "render_json",
    "render_result",
    "render_stats",
    "render_table",
    "render_validation",
    "result_to_csv",
    "result_to_json",
    "result_to_tsv",
]


def render_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table (no colours: output is often piped or pasted into reports)."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
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


def _is_number(text: str) -> bool:
    try:
        float(text.replace("%", ""))
    except ValueError:
        return False
    return True


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def render_stats(result: GraphStats) -> str:
    out = [
        f"Triples: {result.triples:,}  Files: {result.files}  Entities (tppo:Entity): {result.entities:,}\n",
        "\nEntities per class\n",
        render_table(["class", "count"], sorted(result.classes.items(), key=lambda kv: (-kv[1], kv[0]))),
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


def render_validation(report: ValidationReport) -> str:
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


# ---------------------------------------------------------------------------------------------
# Query results: W3C SPARQL 1.1 Query Results JSON, CSV and TSV; readable tables with labels
# ---------------------------------------------------------------------------------------------

RESULT_FORMATS = ("table", "csv", "tsv", "json", "md")


def _json_term(term: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def result_to_json(result: QueryResult) -> dict[str, Any]:
    """The W3C SPARQL 1.1 Query Results JSON document for a SELECT or ASK result."""
    if result.boolean is not None:
        return {"head": {}, "boolean": result.boolean}
    return {
        "head": {"vars": list(result.variables)},
        "results": {
            "bindings": [
                {v: _json_term(t) for v in result.variables if (t := row.get(v)) is not None} for row in result.rows
            ]
        },
    }


def _csv_value(term: Any) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value)


def result_to_csv(result: QueryResult, delimiter: str = ",") -> str:
    """W3C SPARQL 1.1 Query Results CSV (``delimiter=','``): plain values, CRLF line ends."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.boolean is not None:
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return buffer.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_csv_value(row.get(v)) for v in result.variables])
    return buffer.getvalue()


def result_to_tsv(result: QueryResult) -> str:
    """W3C SPARQL 1.1 Query Results TSV: ``?var`` headers and terms in N-Triples syntax."""
    if result.boolean is not None:
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if (t := row.get(v)) is None else str(t) for v in result.variables))
    return "\n".join(lines) + "\n"


def _display(term: Any, labels: dict[str, str]) -> str:
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


def _display_rows(result: QueryResult, labels: dict[str, str]) -> list[list[str]]:
    return [[_display(row.get(v), labels) for v in result.variables] for row in result.rows]


def result_to_table(result: QueryResult, labels: dict[str, str]) -> str:
    if result.boolean is not None:
        return ("yes" if result.boolean else "no") + "\n"
    if not result.rows:
        return render_table(result.variables, []) + "(no results)\n"
    return render_table(result.variables, _display_rows(result, labels)) + f"({len(result.rows)} rows)\n"


def result_to_markdown(result: QueryResult, labels: dict[str, str]) -> str:
    if result.boolean is not None:
        return ("yes" if result.boolean else "no") + "\n"

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    out = ["| " + " | ".join(result.variables) + " |", "|" + "---|" * len(result.variables)]
    out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in _display_rows(result, labels))
    return "\n".join(out) + "\n"


def triples_to_rows(result: QueryResult) -> QueryResult:
    """A CONSTRUCT result as a SELECT-like result with s, p, o columns (for tables and CSV)."""
    from .queries import QueryResult as Result

    rows = [{"s": t.subject, "p": t.predicate, "o": t.object} for t in result.triples or []]
    return Result(variables=["s", "p", "o"], rows=rows, query=result.query, engine=result.engine)  # type: ignore[misc]


def render_result(result: QueryResult, fmt: str, labels: dict[str, str] | None = None) -> str | bytes:
    """Render a query result in one of :data:`RESULT_FORMATS` (CONSTRUCT results: N-Triples for json)."""
    if result.triples is not None:
        if fmt == "json":
            import pyoxigraph as ox

            data = ox.serialize(result.triples, format=ox.RdfFormat.JSON_LD)
            return data or b"[]"
        result = triples_to_rows(result)
    if fmt == "json":
        return render_json(result_to_json(result))
    if fmt == "csv":
        return result_to_csv(result)
    if fmt == "tsv":
        return result_to_tsv(result)
    if fmt == "md":
        return result_to_markdown(result, labels or {})
    return result_to_table(result, labels or {})
