"""The quality check a reviewer runs first (:func:`run_checks`): the SHACL report and every saved query tagged
``qc``, joined into one list of findings on one severity scale.

The scale (README "Quality checks", docs/modelling.md): SHACL ``sh:Violation`` / ``sh:Warning`` / ``sh:Info`` are
error / warning / info; a qc query's ``error`` / ``warning`` / ``info`` stay as they are; the citation checks'
``tpv:substantive`` is a warning and ``tpv:minor`` an info (a citation mismatch misleads a reader of the paper, but
does not break the graph's contract). The qc queries are taken from the catalogue when the check runs and their rows
are mapped without knowing the query (:func:`qc_findings`), so a new qc query needs no code change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .catalogue import LANGUAGES, SavedQuery, list_queries
from .engines import Engine, LocalEngine, RemoteEngine, connect
from .errors import EXIT_FINDINGS, EXIT_OK, InvalidOption, QueryDefinitionError
from .namespaces import compact
from .render import display_term
from .results import SelectResult, Term
from .tables import natural_key

if TYPE_CHECKING:
    from .validation import ValidationReport

__all__ = [
    "QC_TAG",
    "SEVERITIES",
    "SEVERITY_SCALE",
    "SHACL_CHECK",
    "SHACL_SEVERITY",
    "CheckReport",
    "CheckRun",
    "Finding",
    "qc_findings",
    "run_checks",
    "shacl_findings",
]

#: the one scale, most severe first
SEVERITIES = ("error", "warning", "info")
#: a qc query's severity (a literal, or a concept IRI by its local name) -> the scale
SEVERITY_SCALE = {"error": "error", "warning": "warning", "info": "info", "substantive": "warning", "minor": "info"}
#: a SHACL result's severity -> the scale
SHACL_SEVERITY = {"Violation": "error", "Warning": "warning", "Info": "info"}
#: the tag of the saved queries that are checks
QC_TAG = "qc"
#: the check name of SHACL findings
SHACL_CHECK = "shacl"
#: where a qc row names what it is about, in order of preference (the fact checks, then the citation checks)
SUBJECT_COLUMNS = ("subject", "citation", "reference")
_SHACL_SUMMARY = "SHACL shapes (ontology/shapes.ttl) on the asserted graph"


@dataclass(frozen=True)
class Finding:
    """One finding on the one scale.

    :param severity: ``error``, ``warning`` or ``info``.
    :param kind: what is wrong: a qc query's ``?kind`` (a concept IRI by its local name), or the SHACL shape
        (``tpsh:...``).
    :param check: where it comes from: ``shacl`` or the saved query's name.
    :param subject: the IRI (or blank node ``_:x``) the finding is about, if any.
    :param message: one sentence: the check's own (``?message``, ``sh:resultMessage``), else the row's other
        columns with their labels.
    :param kind_iri: the kind as an IRI: the concept of a qc query's kind, or the SHACL shape.
    :param given_severity: the severity as the check gave it (``sh:Violation``, ``substantive``, ``error``).
    :param details: the rest of the row (column -> value; IRIs in full), or the SHACL result's shape, path, value
        and constraint.
    """

    severity: str
    kind: str
    check: str
    subject: str | None
    message: str
    subject_label: str | None = None
    kind_label: str | None = None
    kind_iri: str | None = None
    given_severity: str = ""
    details: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "details": dict(self.details)}


@dataclass(frozen=True)
class CheckRun:
    """One check: SHACL or a qc query; ``ran`` is False (with the reason in ``note``) when it could not run."""

    name: str
    summary: str
    ran: bool
    findings: int = 0
    note: str = ""


@dataclass(frozen=True)
class CheckReport:
    """The findings of every check, most severe first, with what was checked and how."""

    findings: tuple[Finding, ...]
    checks: tuple[CheckRun, ...]
    #: what was checked: the local files or the endpoint
    graph: str
    lang: str = "en"
    #: whether the graph conforms to the shapes; None when SHACL did not run
    shacl_conforms: bool | None = None
    shacl_engine: str | None = None

    def count(self, severity: str) -> int:
        """How many findings have ``severity`` (``error``, ``warning`` or ``info``)."""
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in SEVERITIES}

    @property
    def exit_code(self) -> int:
        """1 when any finding is an error, else 0 (what ``tppo-graph check`` exits with)."""
        return EXIT_FINDINGS if self.count("error") else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON structure (README, "Quality checks"): ``summary`` and ``findings``."""
        shacl = next((c for c in self.checks if c.name == SHACL_CHECK), None)
        return {
            "summary": {
                "graph": self.graph,
                "lang": self.lang,
                "findings": len(self.findings),
                "counts": self.counts,
                "exit_code": self.exit_code,
                "shacl": {
                    "ran": bool(shacl and shacl.ran),
                    "conforms": self.shacl_conforms,
                    "engine": self.shacl_engine,
                    "note": shacl.note if shacl else "",
                },
                "checks": [asdict(c) for c in self.checks],
            },
            "findings": [f.to_dict() for f in self.findings],
        }


def _local(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _iris(term: Term | None) -> list[str]:
    if isinstance(term, ox.NamedNode):
        return [term.value]
    tokens = term.value.split() if isinstance(term, ox.Literal) else []
    if tokens and all(t.startswith(("http://", "https://")) for t in tokens):
        return tokens  # a list of IRIs (GROUP_CONCAT)
    return []


def _built(columns: Sequence[tuple[str, Term]], labels: Mapping[str, str]) -> str:
    """``column: value; ...`` for a row without a message, each value shown once (an entry's title is often both
    the reference's label and what the list prints)."""
    parts, seen = [], set()
    for name, term in columns:
        iris = _iris(term) if isinstance(term, ox.Literal) else []
        items = [labels.get(i) or compact(i) for i in iris] if iris else [display_term(term, labels)]
        fresh = [item for item in items if item and item not in seen]
        if name != "message" and fresh:
            seen.update(fresh)
            parts.append(f"{name}: {', '.join(fresh)}")
    return "; ".join(parts)


def _subject_column(variables: Sequence[str], row: Mapping[str, Term | None]) -> str | None:
    """The column naming what a row is about: ?subject, ?citation or ?reference, else its first IRI."""
    for name in (*SUBJECT_COLUMNS, *variables[2:]):
        term = row.get(name)
        if isinstance(term, ox.NamedNode | ox.BlankNode):
            return name
    return None


def qc_findings(query: SavedQuery, result: SelectResult, labels: Mapping[str, str] | None = None) -> list[Finding]:
    """The rows of a qc query as findings: ``?kind ?severity`` first (the contract of docs/modelling.md), the
    subject from ``?subject``, ``?citation`` or ``?reference``, the message from ``?message`` or else built from the
    other columns with their labels. A row outside the contract is a :class:`QueryDefinitionError` naming the file."""
    labels = labels or {}
    variables = list(result.variables)
    if variables[:2] != ["kind", "severity"]:
        got = " ".join(f"?{v}" for v in variables[:2]) or "no columns"
        raise QueryDefinitionError(
            query.path, None, f"a qc query's first columns are ?kind ?severity (docs/modelling.md), not {got}"
        )
    out = []
    for number, row in enumerate(result.rows, start=1):
        kind, severity = row.get("kind"), row.get("severity")
        if kind is None or severity is None:
            raise QueryDefinitionError(query.path, None, f"row {number} has no ?kind or no ?severity")
        given = _local(severity.value) if isinstance(severity, ox.NamedNode) else severity.value
        if given not in SEVERITY_SCALE:
            known = ", ".join(SEVERITY_SCALE)
            raise QueryDefinitionError(query.path, None, f"row {number}: severity {given!r} is not one of {known}")
        subject_column = _subject_column(variables, row)
        subject = row.get(subject_column) if subject_column else None
        rest = [(v, t) for v in variables[2:] if (t := row.get(v)) is not None and v != subject_column]
        message_term = row.get("message")
        if message_term is not None and message_term.value.strip():
            message = " ".join(message_term.value.split())
        else:
            message = _built(rest, labels)
        kind_iri = kind.value if isinstance(kind, ox.NamedNode) else None
        subject_text = None if subject is None else ("_:" if isinstance(subject, ox.BlankNode) else "") + subject.value
        out.append(
            Finding(
                severity=SEVERITY_SCALE[given],
                kind=_local(kind.value) if kind_iri else kind.value,
                check=query.name,
                subject=subject_text,
                message=message,
                subject_label=labels.get(subject.value) if isinstance(subject, ox.NamedNode) else None,
                kind_label=labels.get(kind_iri) if kind_iri else None,
                kind_iri=kind_iri,
                given_severity=given,
                details={v: t.value for v, t in rest if v != "message"},
            )
        )
    return out


def shacl_findings(report: ValidationReport, labels: Mapping[str, str] | None = None) -> list[Finding]:
    """The results of a SHACL report (:func:`~tppo_graph.validation.validate_graph`) as findings."""
    labels = labels or {}
    out = []
    for r in report.results:
        details = {"shape": r.source_shape, "constraint": r.constraint}
        details.update({k: v for k, v in (("path", r.path), ("value", r.value)) if v is not None})
        out.append(
            Finding(
                severity=SHACL_SEVERITY.get(r.severity, "error"),
                kind=compact(r.source_shape),
                kind_iri=r.source_shape or None,
                check=SHACL_CHECK,
                subject=r.focus_node or None,
                message=r.message or r.constraint,
                subject_label=labels.get(r.focus_node),
                given_severity="sh:" + r.severity,
                details=details,
            )
        )
    return out


def _order(finding: Finding) -> tuple[Any, ...]:
    return (
        SEVERITIES.index(finding.severity),
        finding.kind,
        finding.check,
        natural_key(finding.subject_label or finding.subject or ""),
        finding.subject or "",
        finding.message,
    )


def _graph_of(engine: Engine) -> str:
    if isinstance(engine, RemoteEngine):
        from .transport import safe_url

        return safe_url(engine.endpoint) + (f" (graph <{engine.graph}>)" if engine.graph else "")
    if isinstance(engine, LocalEngine):
        return f"{len(engine.files().graph)} files"
    return engine.name


def run_checks(
    engine: Engine | None = None,
    *,
    data: Sequence[str | Path] | None = None,
    lang: str = "en",
    validator: str = "auto",
    directory: Path | None = None,
) -> CheckReport:
    """Run every check on the graph: the SHACL shapes and each saved query tagged ``qc``.

    :param engine: where the qc queries run (default: :func:`tppo_graph.connect` of ``data``). SHACL runs on the
        engine's files only: on a remote endpoint (or an engine without files) it is not run, and the report says
        so (the store holds the entailed closure beside the graph, and validating means downloading it).
    :param data: the data files (``"bundled"`` adds the bundled data), as ``--data``; with ``engine``, the files
        SHACL validates (default: the engine's own).
    :param lang: language of the labels (``id`` or ``en``) and of a qc query's ``lang`` parameter.
    :param validator: the SHACL engine (:data:`tppo_graph.validation.VALIDATORS`).
    :param directory: a catalogue folder other than the bundled ``queries/`` (its queries tagged ``qc`` run).
    """
    from .queries import labels_for, run_query
    from .validation import validate_graph

    if lang not in LANGUAGES:
        raise InvalidOption("lang", "language", f"unknown language {lang!r} (choose from: {', '.join(LANGUAGES)})")
    if engine is None:
        engine = connect(data)
    elif isinstance(engine, RemoteEngine) and data is not None:
        raise InvalidOption("data", "data", "give either data files or an endpoint, not both")
    report = None
    if isinstance(engine, LocalEngine):
        report = validate_graph(data if data is not None else engine.data, validator=validator)
        shacl = CheckRun(SHACL_CHECK, _SHACL_SUMMARY, True, len(report.results), note=f"validator {report.engine}")
    else:
        where = "a SPARQL endpoint" if isinstance(engine, RemoteEngine) else "an engine without files"
        shacl = CheckRun(
            SHACL_CHECK,
            _SHACL_SUMMARY,
            False,
            note=f"not run: the graph is at {where}; SHACL validates files (tppo-graph validate --data FILES)",
        )
    answers: list[tuple[SavedQuery, SelectResult]] = []
    for query in list_queries(QC_TAG, directory):
        result = run_query(query.name, engine=engine, language=lang, directory=directory)
        if not isinstance(result, SelectResult):
            raise QueryDefinitionError(query.path, None, "a qc query is a SELECT query (docs/modelling.md)")
        answers.append((query, result))
    wanted: set[str] = set()
    for _, result in answers:
        for row in result.rows:
            for term in row.values():
                wanted.update(_iris(term))
    if report is not None:
        wanted.update(r.focus_node for r in report.results if r.focus_node.startswith(("http://", "https://")))
    labels = labels_for(engine, wanted, lang)
    findings = shacl_findings(report, labels) if report is not None else []
    runs = [shacl]
    for query, result in answers:
        found = qc_findings(query, result, labels)
        findings.extend(found)
        runs.append(CheckRun(query.name, query.summary, True, len(found)))
    return CheckReport(
        findings=tuple(sorted(findings, key=_order)),
        checks=tuple(runs),
        graph=_graph_of(engine),
        lang=lang,
        shacl_conforms=None if report is None else report.conforms,
        shacl_engine=None if report is None else report.engine,
    )
