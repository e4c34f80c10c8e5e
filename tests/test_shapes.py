"""SHACL shapes: the test context conforms, each negative fixture trips exactly its shape, every shape is covered.

The context (``tests/data/context.ttl``) is a small valid world validated with the paper and the sources it cites.
Each fixture ``tests/data/invalid/<ShapeLocalName>__<case>.ttl`` is added to it and must produce results from that
shape only. Value shapes (no target, used inside ``sh:or``, ``sh:node``, ``sh:not`` or ``sh:qualifiedValueShape``)
never report on their own: their fixtures must trip the shapes that use them, through that construct.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from tppo_graph.validation import ValidationReport, ValidationResult

from .conftest import ROOT
from .shacl_runs import CONTEXT, FIXTURES, INVALID_DIR, reference

SH = Namespace("http://www.w3.org/ns/shacl#")
TPSH = "https://w3id.org/tppo/shapes/"
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
FIXTURE_NAME = re.compile(r"^(?P<shape>[A-Za-z][A-Za-z0-9-]*)__(?P<case>[a-z0-9]+(?:-[a-z0-9]+)*)\.ttl$")

TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)
#: how a value shape can be used, and the constraint component that then reports what it finds
SINGLE_REFERENCES = {
    SH.node: "NodeConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.qualifiedValueShape: "QualifiedMinCountConstraintComponent",
}
LIST_REFERENCES = {
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH.xone: "XoneConstraintComponent",
}


@cache
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@cache
def named_shapes() -> frozenset[URIRef]:
    g = shapes()
    found = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    return frozenset(s for s in found if isinstance(s, URIRef) and str(s).startswith(TPSH))


def _has_target(shape: URIRef) -> bool:
    return any(shapes().value(shape, t) is not None for t in TARGETS)


def _users(shape: URIRef) -> list[tuple[URIRef, str]]:
    """Shapes that use ``shape`` as a value shape, with the constraint component that reports for them."""
    g = shapes()
    users = [(user, component) for prop, component in SINGLE_REFERENCES.items() for user in g.subjects(prop, shape)]
    for prop, component in LIST_REFERENCES.items():
        for user, head in g.subject_objects(prop):
            if shape in Collection(g, head):
                users.append((user, component))
    return users


@cache
def reporters(shape: URIRef) -> frozenset[tuple[str, str | None]]:
    """(source shape, constraint component or None for any) pairs under which results about ``shape`` appear."""
    g = shapes()
    if _has_target(shape) or any(_has_target(owner) for owner in g.subjects(SH.property, shape)):
        return frozenset({(str(shape), None)})
    found: set[tuple[str, str | None]] = set()
    for user, component in _users(shape):
        for source, _ in reporters(user):
            found.add((source, component))
    return frozenset(found)


def severity(shape: str) -> str:
    value = shapes().value(URIRef(shape), SH.severity)
    return str(value or SH.Violation).removeprefix(str(SH))


def _key(result: ValidationResult) -> tuple[str, str, str | None, str | None, str]:
    return (result.source_shape, result.focus_node, result.path, result.value, result.constraint)


@cache
def baseline() -> ValidationReport:
    return reference(CONTEXT)


def _show(results: list[ValidationResult]) -> str:
    return "\n".join(
        f"  {r.severity} {r.source_shape.removeprefix(TPSH)} focus={r.focus_node} path={r.path} value={r.value} "
        f"[{r.constraint}] {r.message}"
        for r in results
    )


def test_context_conforms_with_no_results():
    report = baseline()
    assert report.results == [], "the test context must validate without any result:\n" + _show(report.results)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_trips_exactly_its_shape(fixture: Path):
    match = FIXTURE_NAME.match(fixture.name)
    assert match, f"{fixture.name} is not named <ShapeLocalName>__<case>.ttl"
    shape = URIRef(TPSH + match["shape"])
    assert shape in named_shapes(), f"{fixture.name}: tpsh:{match['shape']} is not a shape in shapes.ttl"
    expected = reporters(shape)
    assert expected, f"tpsh:{match['shape']} has no target and no shape uses it, so it can never report"

    report = reference((*CONTEXT, fixture))
    known = {_key(r) for r in baseline().results}
    new = [r for r in report.results if _key(r) not in known]
    assert new, f"{fixture.name} trips no shape"
    stray = [
        r
        for r in new
        if not any(r.source_shape == source and component in (None, r.constraint) for source, component in expected)
    ]
    wanted = ", ".join(sorted(f"{s.removeprefix(TPSH)}{f' via {c}' if c else ''}" for s, c in expected))
    assert not stray, f"{fixture.name} must trip only {wanted}; also got:\n" + _show(stray)
    severities = {severity(source) for source, _ in expected}
    assert {r.severity for r in new} <= severities, _show(new)
    if severities == {"Violation"}:
        assert not report.conforms


def test_every_fixture_file_is_collected():
    entries = sorted(INVALID_DIR.iterdir())
    misnamed = [p.name for p in entries if not FIXTURE_NAME.match(p.name)]
    assert not misnamed, f"files in {INVALID_DIR} not named <ShapeLocalName>__<case>.ttl: {misnamed}"
    assert len(FIXTURES) == len(entries), "some files in tests/data/invalid are not collected as fixtures"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_says_what_it_breaks(fixture: Path):
    first = fixture.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Breaks tpsh:"), f"{fixture.name} must start with a comment saying what it breaks"


def test_every_shape_has_a_fixture():
    covered = {URIRef(TPSH + m["shape"]) for p in FIXTURES if (m := FIXTURE_NAME.match(p.name))}
    missing = sorted(str(s).removeprefix(TPSH) for s in named_shapes() - covered)
    assert not missing, f"shapes without a fixture in tests/data/invalid: {missing}"


def test_every_shape_is_documented():
    g = shapes()
    undocumented = []
    for shape in sorted(named_shapes()):
        comments = [c for c in g.objects(shape, RDFS.comment) if isinstance(c, Literal) and c.language == "en"]
        if not comments or g.value(shape, SH.message) is None:
            undocumented.append(str(shape).removeprefix(TPSH))
    assert not undocumented, f"shapes without an rdfs:comment@en or sh:message: {undocumented}"


def test_sparql_constraints_declare_prefixes():
    g = shapes()
    for constraint in g.objects(None, SH.sparql):
        assert g.value(constraint, SH.prefixes) == URIRef(TPSH + "prefixes"), constraint


def test_bundled_graph_conforms():
    report = reference(None)
    violations = [r for r in report.results if r.severity == "Violation"]
    assert not violations, f"{len(violations)} violations in the bundled graph:\n" + _show(violations[:50])
