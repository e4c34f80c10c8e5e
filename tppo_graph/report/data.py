"""The report's content, computed by saved queries when the report is made: nothing in it is written in.

Each section is plain data (:class:`Cell`, :class:`Table`, dicts of counts) for the templates; every value that is
an entity carries its IRI, and the queries each section ran are listed with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import pyoxigraph as ox

from ..engines import Engine
from ..queries import labels_for, run_query, sources_of
from ..results import SelectResult, Term, iter_iris
from ..tables import natural_key

__all__ = ["Cell", "Runner", "Sources", "Table", "gap_table", "network_sources", "qc_findings", "questions"]


class Cell(NamedTuple):
    """One value shown: its text and, for an entity or concept, its IRI (the report links it)."""

    text: str
    iri: str | None = None


class Table(NamedTuple):
    """A table of the report: column keys (worded by the templates' strings) and rows of cells with many values."""

    columns: tuple[str, ...]
    rows: tuple[tuple[tuple[Cell, ...], ...], ...]
    query: str


class Sources(NamedTuple):
    """The sources a figure or table rests on: the saved queries and the ``dcterms:source`` of its facts."""

    queries: tuple[str, ...]
    sources: tuple[Cell, ...]


class Runner:
    """Runs saved queries on one engine in one language, remembering which ran and labelling what they return."""

    def __init__(self, engine: Engine, lang: str) -> None:
        self.engine = engine
        self.lang = lang
        self.ran: list[str] = []
        self._labels: dict[str, str] = {}

    def run(self, name: str, params: Mapping[str, str] | None = None) -> SelectResult:
        result = run_query(name, params, engine=self.engine, language=self.lang)
        if not isinstance(result, SelectResult):
            raise TypeError(f"{name}: the report needs a SELECT query")
        if name not in self.ran:
            self.ran.append(name)
        self.label(iter_iris(result))
        return result

    def label(self, iris: Iterable[str]) -> None:
        missing = {i for i in iris if i not in self._labels}
        if missing:
            found = labels_for(self.engine, missing, self.lang)
            self._labels.update({i: found.get(i, _short(i)) for i in missing})

    def cell(self, term: Term | None) -> Cell | None:
        """The cell of a term: a label and the IRI for an IRI, the text for a literal, None when unbound."""
        if term is None or (isinstance(term, ox.Literal) and not term.value):
            return None
        if isinstance(term, ox.NamedNode):
            self.label([term.value])
            return Cell(self._labels[term.value], term.value)
        return Cell(term.value)

    def cells(self, term: Term | None) -> tuple[Cell, ...]:
        """A term that may list IRIs (GROUP_CONCAT): one cell per IRI, else one cell (or none)."""
        if isinstance(term, ox.Literal) and term.value.startswith(("http://", "https://")):
            iris = term.value.split()
            self.label(iris)
            return tuple(Cell(self._labels[i], i) for i in iris)
        found = self.cell(term)
        return () if found is None else (found,)

    def sources(self, of: Iterable[str], queries: Sequence[str]) -> Sources:
        """The distinct sources of the facts ``of``, labelled and sorted."""
        found = sorted({s for lists in sources_of(self.engine, set(of)).values() for s in lists})
        self.label(found)
        cells = sorted((Cell(self._labels[s], s) for s in found), key=lambda c: natural_key(c.text))
        return Sources(tuple(queries), tuple(cells))


def _short(iri: str) -> str:
    from ..namespaces import compact

    return compact(iri)


def _distinct(cells: Iterable[Cell]) -> tuple[Cell, ...]:
    seen: dict[Cell, None] = {}
    for c in cells:
        seen.setdefault(c, None)
    return tuple(seen)


def _group(runner: Runner, result: SelectResult, key: str, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``result`` merged by ``key``: each column gathers its distinct cells, in the order met."""
    groups: dict[str, dict[str, list[Cell]]] = {}
    for row in result.rows:
        k = row.get(key)
        if k is None:
            continue
        into = groups.setdefault(k.value, {c: [] for c in columns})
        for c in columns:
            into[c].extend(runner.cells(row.get(c)))
    return [{"key": k, **{c: _distinct(v) for c, v in g.items()}} for k, g in groups.items()]


def _text(cells: Sequence[Cell]) -> str:
    return cells[0].text if cells else ""


def gap_table(runner: Runner) -> tuple[list[dict[str, Any]], Sources]:
    """The headline: one entry per Palermo obligation that no bilateral mechanism fully covers, with its bilateral
    cover and extent, what covers it instead (how reached, extent, since when, how sure), the open-world marker and
    the examinations consulted, sorted by the provision's number."""
    name = "palermo-obligations-without-bilateral-mechanism"
    result = runner.run(name)
    entries: dict[str, dict[str, Any]] = {}
    facts: set[str] = set()
    for row in result.rows:
        obligation = runner.cell(row.get("obligation"))
        if obligation is None or obligation.iri is None:
            continue
        facts.add(obligation.iri)
        entry = entries.setdefault(
            obligation.iri,
            {
                "obligation": obligation,
                "provision": runner.cell(row.get("provision")),
                "category": runner.cell(row.get("category")),
                "scope": [],
                "bilateral": [],
                "covers": [],
                "bilateral_none": _text(runner.cells(row.get("bilateralNone"))),
                "cover_none": _text(runner.cells(row.get("coverNone"))),
                "examined": [],
                "reservation": [],
            },
        )
        entry["scope"].extend(runner.cells(row.get("scope")))
        entry["examined"].extend(runner.cells(row.get("examined")))
        entry["reservation"].extend(runner.cells(row.get("reservation")))
        if row.get("bilateral") is not None:
            entry["bilateral"].append(
                {
                    "mechanism": runner.cell(row.get("bilateral")),
                    "extent": runner.cell(row.get("bilateralExtent")),
                    "status": runner.cell(row.get("bilateralStatus")),
                }
            )
        if row.get("cover") is not None:
            since = runner.cell(row.get("since"))
            entry["covers"].append(
                {
                    "mechanism": runner.cell(row.get("cover")),
                    "provision": runner.cell(row.get("coverProvision")),
                    "reach": runner.cell(row.get("reach")),
                    "extent": runner.cell(row.get("coverExtent")),
                    "status": runner.cell(row.get("coverStatus")),
                    "since": since,
                    "not_before": None if since is not None else runner.cell(row.get("notBefore")),
                }
            )
        for term in (row.get("bilateral"), row.get("cover")):
            if isinstance(term, ox.NamedNode):
                facts.add(term.value)
    out = []
    for entry in entries.values():
        for key in ("scope", "examined", "reservation"):
            entry[key] = _distinct(entry[key])
        for key in ("bilateral", "covers"):
            unique: dict[str, dict[str, Any]] = {}
            for item in entry[key]:
                unique.setdefault(repr(sorted(item.items())), item)
            entry[key] = list(unique.values())
        out.append(entry)
    out.sort(key=lambda e: natural_key(e["provision"].text if e["provision"] else ""))
    return out, runner.sources(facts, [name])


def heatmap_data(runner: Runner) -> tuple[list[dict[str, Any]], tuple[Cell, Cell], Sources]:
    """The coverage matrix: per Palermo obligation (with its provision), the state of implementation in each of the
    two states (``full``, ``partial``, ``none found in what was examined``, ``not examined``), sorted by provision."""
    name = "palermo-coverage-matrix"
    matrix = runner.run(name)
    provisions = runner.run("obligations-by-category", {"instrument": "tpd:palermo-protocol"})
    provision_of: dict[str, Cell] = {}
    for row in provisions.rows:
        imposing, provision = row.get("obligation"), runner.cell(row.get("provision"))
        if imposing is not None and provision is not None:
            provision_of.setdefault(imposing.value, provision)
    states = (runner.cell(ox.NamedNode(_expand("tpd:IDN"))), runner.cell(ox.NamedNode(_expand("tpd:KHM"))))
    rows: list[dict[str, Any]] = []
    facts: set[str] = set()
    for row in matrix.rows:
        obligation = runner.cell(row.get("obligation"))
        if obligation is None or obligation.iri is None:
            continue
        facts.add(obligation.iri)
        for column in ("provisionsA", "provisionsB", "examinedA", "examinedB"):
            facts.update(c.iri for c in runner.cells(row.get(column)) if c.iri)
        rows.append(
            {
                "obligation": obligation,
                "provision": provision_of.get(obligation.iri),
                "a": _text(runner.cells(row.get("coverageA"))),
                "b": _text(runner.cells(row.get("coverageB"))),
            }
        )
    rows.sort(key=lambda r: natural_key(r["provision"].text if r["provision"] else r["obligation"].text))
    assert states[0] is not None and states[1] is not None
    return rows, (states[0], states[1]), runner.sources(facts, [name, "obligations-by-category"])


def _expand(curie: str) -> str:
    from ..binding import expand_curie

    return expand_curie(curie) or curie


def questions(runner: Runner) -> list[dict[str, Any]]:
    """The paper's three research questions and what the graph answers to each (tables and counts)."""
    bases = runner.run("iom-legal-basis-by-state")
    basis_rows = _group(runner, bases, "basis", ("state", "basis", "kind", "via", "basisStatus"))
    activities = runner.run("iom-activities-by-function")
    activity_rows = _group(runner, activities, "activity", ("function", "activity", "country", "partner", "status"))
    activity_rows.sort(key=lambda r: (natural_key(_text(r["function"])), natural_key(_text(r["activity"]))))
    obstacles = runner.run("obstacles-hindrances-and-recommendations")
    recs: dict[str, dict[str, Any]] = {}
    for row in obstacles.rows:
        obstacle = runner.cell(row.get("obstacle"))
        if obstacle is None or obstacle.iri is None:
            continue
        entry = recs.setdefault(
            obstacle.iri, {"obstacle": (obstacle,), "category": runner.cells(row.get("category")), "addresses": []}
        )
        link = row.get("link")
        if link is not None and link.value.endswith("/addresses"):
            entry["addresses"].extend(runner.cells(row.get("item")))
    unanswered = runner.run("obstacles-without-recommendation")
    without = _distinct(c for row in unanswered.rows for c in runner.cells(row.get("obstacle")))
    for entry in recs.values():
        entry["addresses"] = _distinct(entry["addresses"])
    counts: dict[str, dict[str, int]] = {}
    for row in basis_rows:
        for state in row["state"]:
            counts.setdefault(state.text, {}).setdefault(_text(row["basisStatus"]), 0)
            counts[state.text][_text(row["basisStatus"])] += 1
    by_function: dict[str, int] = {}
    for row in activity_rows:
        for f in row["function"]:
            by_function[f.text] = by_function.get(f.text, 0) + 1
    return [
        {
            "key": "rq1",
            "queries": ("iom-legal-basis-by-state",),
            "columns": ("state", "basis", "kind", "via", "basisStatus"),
            "rows": basis_rows,
            "counts": counts,
        },
        {
            "key": "rq2",
            "queries": ("iom-activities-by-function",),
            "columns": ("function", "activity", "country", "partner", "status"),
            "rows": activity_rows,
            "counts": {"": by_function},
        },
        {
            "key": "rq3",
            "queries": ("obstacles-hindrances-and-recommendations", "obstacles-without-recommendation"),
            "columns": ("obstacle", "category", "addresses"),
            "rows": sorted(recs.values(), key=lambda r: natural_key(r["obstacle"][0].text)),
            "without": without,
            "counts": {},
        },
    ]


def claims(runner: Runner) -> list[dict[str, Any]]:
    """The paper's claims the fact base contradicts or could not verify, one entry per claim with its evidence."""
    result = runner.run("paper-claims-contradicted-or-unverified")
    rows = _group(runner, result, "claim", ("claim", "claimStatus", "kind", "madeIn", "assessment", "evidence"))
    return sorted(rows, key=lambda r: (_text(r["claimStatus"]), natural_key(_text(r["claim"]))))


def qc_findings(runner: Runner) -> list[dict[str, Any]]:
    """The findings of every saved query tagged ``qc``, one group per query, with counts by severity."""
    from ..catalogue import list_queries

    groups = []
    for query in list_queries("qc"):
        result = runner.run(query.name)
        # two families share ?kind ?severity: the citation checks, and the checks of the facts (subject, message)
        if "citation" in result.variables:
            columns: tuple[str, ...] = ("kind", "severity", "citation", "reference", "inText", "inList")
        else:
            columns = ("kind", "severity", "subject", "message")
        rows = [{c: runner.cells(row.get(c)) for c in columns} for row in result.rows]
        severity: dict[str, int] = {}
        for r in rows:
            severity[_text(r["severity"])] = severity.get(_text(r["severity"]), 0) + 1
        groups.append(
            {"query": query.name, "summary": query.summary, "columns": columns, "rows": rows, "severity": severity}
        )
    return groups


def network_sources(runner: Runner, facts: Iterable[str]) -> Sources:
    """The sources of the facts behind the highlighted network edges."""
    return runner.sources(facts, ["projection-actors"])
