"""The output of ``tppo-graph check`` (:class:`~tppo_graph.check.CheckReport`): text grouped by severity and kind,
the documented JSON, and Markdown for an issue or a review. Beside :mod:`tppo_graph.render`, which it reuses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .namespaces import compact
from .render import printable, render_json, render_table
from .tables import wrap_table

if TYPE_CHECKING:
    from .check import CheckReport, Finding

__all__ = ["CHECK_FORMATS", "render_check"]

#: formats of a check report
CHECK_FORMATS = ("text", "json", "md")
#: the width text output wraps to (a terminal's usual, so that the output does not depend on who runs it)
TEXT_WIDTH = 110


def _subject(finding: Finding) -> str:
    if finding.subject is None:
        return ""
    short = compact(finding.subject)
    return f"{finding.subject_label} ({short})" if finding.subject_label else short


def _kind(finding: Finding) -> str:
    return f"{finding.kind} ({finding.kind_label})" if finding.kind_label else finding.kind


def _groups(findings: Sequence[Finding]) -> list[tuple[str, str, str, list[Finding]]]:
    """(severity, kind, check, findings) in the report's order (most severe first, then by kind and check)."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.severity, f.kind, f.check), []).append(f)
    return [(s, k, c, items) for (s, k, c), items in groups.items()]


def _head(report: CheckReport, words: dict[str, str]) -> tuple[str, str]:
    queries = sum(1 for c in report.checks if c.name != "shacl")
    ran_shacl = report.shacl_conforms is not None
    checks = words["check_checks" if ran_shacl else "check_checks_no_shacl"].format(queries=queries)
    return words["check_heading"].format(graph=report.graph, checks=checks), words["check_counts"].format(
        **report.counts
    )


def _text(report: CheckReport, words: dict[str, str], width: int) -> str:
    heading, counts = _head(report, words)
    out = [printable(heading) + "\n", counts + "\n"]
    out += [f"{words['check_shacl_not_run']}: {c.note}\n" for c in report.checks if not c.ran]
    if not report.findings:
        out.append("\n" + words["check_none"] + "\n")
    groups = _groups(report.findings)
    headers = [words["check_col_subject"], words["check_col_message"]]
    for severity in ("error", "warning", "info"):
        mine = [g for g in groups if g[0] == severity]
        if not mine:
            continue
        out.append(f"\n{words['check_' + severity].upper()} ({report.count(severity)})\n")
        for _, _, check, items in mine:
            out.append(f"\n  {printable(_kind(items[0]))} [{check}]: {len(items)}\n")
            rows = [[_subject(f), f.message] for f in items]
            table = wrap_table(headers, [[printable(c) for c in r] for r in rows], width - 4) or render_table(
                headers, rows
            )
            out.extend("    " + line + "\n" if line else "\n" for line in table.rstrip("\n").split("\n"))
    out.append("\n" + _summary(report, words) + "\n")
    return "".join(out)


def _summary(report: CheckReport, words: dict[str, str]) -> str:
    return words["check_summary"].format(
        counts=words["check_counts"].format(**report.counts), total=len(report.findings), code=report.exit_code
    )


def _cell(text: str) -> str:
    return printable(" ".join(text.split())).replace("|", "\\|")


def _markdown(report: CheckReport, words: dict[str, str]) -> str:
    heading, counts = _head(report, words)
    col = {k: words[f"check_col_{k}"] for k in ("severity", "kind", "check", "count", "subject", "message")}
    out = [f"# {words['check_title']}\n\n", f"{_cell(heading)}\n\n", f"**{counts}**\n\n"]
    out += [f"> {words['check_shacl_not_run']}: {_cell(c.note)}\n\n" for c in report.checks if not c.ran]
    if not report.findings:
        return "".join(out) + words["check_none"] + "\n"
    out += [
        f"## {words['check_by_kind']}\n\n",
        f"| {col['severity']} | {col['kind']} | {col['check']} | {col['count']} |\n|---|---|---|---|\n",
    ]
    out += [f"| {s} | {_cell(_kind(items[0]))} | {c} | {len(items)} |\n" for s, _, c, items in _groups(report.findings)]
    out += [
        f"\n## {words['check_findings']}\n\n",
        f"| {col['severity']} | {col['kind']} | {col['subject']} | {col['message']} | {col['check']} |\n",
        "|---|---|---|---|---|\n",
    ]
    out += [
        f"| {f.severity} | {_cell(f.kind)} | {_cell(_subject(f))} | {_cell(f.message)} | {f.check} |\n"
        for f in report.findings
    ]
    return "".join(out) + "\n" + _summary(report, words) + "\n"


def render_check(report: CheckReport, fmt: str = "text", *, width: int = TEXT_WIDTH) -> str:
    """A check report as ``text`` (grouped by severity, then kind; counts; a summary line), ``json`` (the
    documented structure, :meth:`CheckReport.to_dict`) or ``md`` (a table per view, for an issue or a review).
    Headings are in the report's language."""
    from .errors import InvalidOption
    from .templating import strings

    if fmt == "json":
        return render_json(report.to_dict())
    if fmt not in CHECK_FORMATS:
        raise InvalidOption("fmt", "check format", f"unknown format {fmt!r} (choose from: {', '.join(CHECK_FORMATS)})")
    words = strings(report.lang)
    return _markdown(report, words) if fmt == "md" else _text(report, words, width)
