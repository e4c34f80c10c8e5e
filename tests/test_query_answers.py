"""The answers of the saved queries whose golden file was their only check (review D2), computed a second way.

Each expected answer is worked out here in plain Python over rdflib's triples (no SPARQL, nothing of the code under
test), from what the query's header says it returns; the query's result must match it. A changed query or changed
data then fails here for a reason a reader can check, not only because a snapshot moved.
"""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from tppo_graph.queries import run_query
from tppo_graph.results import SelectResult

TPPO = "https://w3id.org/tppo/def/"
TPD = "https://w3id.org/tppo/id/"
TPV = "https://w3id.org/tppo/vocab/"
IDN, KHM = URIRef(TPD + "IDN"), URIRef(TPD + "KHM")


def t(local: str) -> URIRef:
    return URIRef(TPPO + local)


@pytest.fixture(scope="module")
def ask(local):
    def run(name: str, params: dict[str, str] | None = None) -> SelectResult:
        result = run_query(name, params, engine=local)
        assert isinstance(result, SelectResult)
        return result

    return run


def column(result: SelectResult, *names: str) -> set[tuple[str | None, ...]]:
    return {tuple(None if r.get(n) is None else r[n].value for n in names) for r in result}  # type: ignore[union-attr]


def test_label_search_finds_every_label_containing_the_text(ask, bundled_graph):
    g = bundled_graph
    expected = {
        (str(s), str(label))
        for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
        for s, label in g.subject_objects(p)
        if "repatri" in str(label).lower()
    }
    assert expected and column(ask("label-search", {"text": "repatri"}), "entity", "label") == expected
    indonesian = column(ask("label-search", {"text": "repatri", "in_lang": "id"}), "label")
    assert indonesian and all(
        any(isinstance(o, Literal) and o.language == "id" and str(o) == label for o in g.objects(None, None))
        for (label,) in indonesian
    )


def test_mechanisms_between_two_states_have_both_as_parties(ask, bundled_graph):
    g = bundled_graph
    levels = {t("BilateralMechanism"), t("RegionalMechanism"), t("MultilateralMechanism")}
    expected = {}
    for level in levels:
        for m in g.subjects(RDF.type, level):
            parties = set(g.objects(m, t("stateParty")))
            if {IDN, KHM} <= parties and g.value(m, t("mechanismType")) and g.value(m, t("mechanismStatus")):
                served = {g.value(c, t("coveredObligation")) for c in g.subjects(t("coveringMechanism"), m)}
                expected[(str(m), str(level))] = len(served - {None})
    result = ask("mechanisms-between-states")
    assert expected and column(result, "mechanism", "level") == set(expected)
    for row in result:
        assert int(row["obligationsServed"].value) == expected[(row["mechanism"].value, row["level"].value)]


def _palermo_parts(g) -> set[URIRef]:
    parts, todo = set(), [URIRef(TPD + "palermo-protocol")]
    while todo:
        for child in g.subjects(URIRef("http://data.europa.eu/eli/ontology#is_part_of"), todo.pop()):
            if child not in parts:
                parts.add(child)
                todo.append(child)
    return parts


def test_palermo_coverage_matrix_counts_each_states_implementing_provisions(ask, bundled_graph):
    g = bundled_graph
    parts = _palermo_parts(g)

    def coverage(obligation: URIRef, state: URIRef) -> tuple[str, str | None]:
        extents, provisions = set(), set()
        for impl in g.subjects(t("implementsObligation"), obligation):
            if (impl, t("implementingState"), state) in g and g.value(impl, t("extent")) is not None:
                extents |= set(g.objects(impl, t("extent")))
                provisions |= set(g.objects(impl, t("implementingProvision")))
        if not provisions:
            return "none", None  # the query says which none: found in what was examined, or not examined
        return ("full" if URIRef(TPV + "full") in extents else "partial"), str(len(provisions))

    expected = set()
    for o in g.subjects(RDF.type, t("Obligation")):
        if (
            any(p in parts for p in g.objects(o, t("imposedBy")))
            and g.value(o, t("category"))
            and g.value(o, t("modality"))
        ):
            expected.add((str(o), *coverage(o, IDN), *coverage(o, KHM)))
    result = ask("palermo-coverage-matrix")
    nones = ("none found in what was examined", "not examined")
    got = {
        tuple("none" if v in nones else v for v in row)
        for row in column(result, "obligation", "coverageA", "countA", "coverageB", "countB")
    }
    assert expected and got == expected
    assert not any(v == "none" for row in column(result, "coverageA", "coverageB") for v in row)  # never bare


def test_ratification_timeline_lists_every_act_in_date_order(ask, bundled_graph):
    g = bundled_graph
    kinds = {t("Signature"), t("Ratification"), t("Accession")}
    expected = {
        (str(act), str(state), str(treaty))
        for kind in kinds
        for act in g.subjects(RDF.type, kind)
        if g.value(act, t("verificationStatus")) is not None
        for state in g.objects(act, t("participant"))
        for treaty in g.objects(act, t("treaty"))
    }
    result = ask("ratification-timeline")
    assert expected and column(result, "act", "state", "treaty") == expected
    dates = [r["when"].value for r in result if r.get("when") is not None]
    assert dates == sorted(dates)  # ISO dates (and years) sort as text


def test_sources_of_an_entity_are_its_own_and_its_qualified_properties(ask, bundled_graph):
    g = bundled_graph
    entity = URIRef(TPD + "idn-palermo-protocol-ratification")
    expected = {str(s) for s in g.objects(entity, DCTERMS.source)}
    for qualified in g.objects(entity, t("qualifiedProvenance")):
        expected |= {str(s) for s in g.objects(qualified, DCTERMS.source)}
    result = ask("sources-of-entity", {"entity": "tpd:idn-palermo-protocol-ratification"})
    assert expected and {s for (s,) in column(result, "source")} == expected


def test_unverified_facts_are_the_entities_not_verified_or_derived(ask, bundled_graph):
    g = bundled_graph
    entity_classes = set(g.transitive_subjects(RDFS.subClassOf, t("Entity")))
    settled = {URIRef(TPV + "verified"), URIRef(TPV + "derived")}
    expected = {
        str(e)
        for e, status in g.subject_objects(t("verificationStatus"))
        if status not in settled and any(c in entity_classes for c in g.objects(e, RDF.type))
    }
    assert expected and {e for (e,) in column(ask("unverified-facts"), "entity")} == expected


def test_known_absences_between_two_states(ask, bundled_graph):
    g = bundled_graph
    expected = {
        str(a)
        for a in g.subjects(RDF.type, t("KnownAbsence"))
        if {IDN, KHM} <= set(g.objects(a, t("between")))
        and g.value(a, t("absentMechanismType")) is not None
        and g.value(a, t("verificationStatus")) is not None
    }
    assert expected and {a for (a,) in column(ask("known-absences"), "absence")} == expected
