"""All output formatting of the CLI: tables, JSON, and the reports of each verb. Nothing else prints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .stats import GraphStats, compact
from .validate import ValidationReport

__all__ = ["render_json", "render_stats", "render_table", "render_validation"]


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
