"""The QC queries (tag `qc`): one output shape for the later `check` verb, and findings computed from the data.

docs/modelling.md ("Quality checks") is the contract: every query tagged `qc` returns `?kind ?severity ?subject
?message` as its first four columns, severity is one of error / warning / info, and a finding is computed from the
data, never written into it.
"""

from __future__ import annotations

import pytest

from tppo_graph.catalogue import get_query, list_queries
from tppo_graph.engines import LocalEngine
from tppo_graph.queries import run_query

TPD = "https://w3id.org/tppo/id/"
TPV = "https://w3id.org/tppo/vocab/"
#: the qc queries on the facts; the citation checks (qc-citation-*, qc-reference-entries) are tests/test_citation_qc.py
QC = ["qc-open-items", "qc-paper-only", "qc-unsourced-undated", "qc-weak-sources"]
LEADING = ["kind", "severity", "subject", "message"]


def short(value: str | None) -> str | None:
    return None if value is None else value.removeprefix(TPD).removeprefix(TPV)


@pytest.fixture(scope="module")
def ask(bundled_store):
    def run(name: str, store=None, **params: str) -> list[dict]:
        return run_query(name, params, engine=LocalEngine(store or bundled_store)).values()

    return run


def findings(rows: list[dict]) -> set[tuple[str, str, str]]:
    return {(r["kind"], r["severity"], short(r["subject"])) for r in rows}


def test_the_qc_catalogue():
    tagged = sorted(q.name for q in list_queries() if "qc" in (q.tags or []))
    facts = [n for n in tagged if not n.startswith(("qc-citation-", "qc-reference-"))]
    assert facts == QC, "a new qc query on the facts belongs in QC (and its tests here)"


@pytest.mark.parametrize("name", QC)
def test_qc_output_shape(name, bundled_store):
    result = run_query(name, engine=LocalEngine(bundled_store))
    assert list(result.variables[:4]) == LEADING, f"{name}: the QC contract's leading columns are {LEADING}"
    assert "qc" in get_query(name).tags
    for row in result.values():
        assert row["severity"] in ("error", "warning", "info"), row
        assert row["kind"] and row["message"] and row["subject"], row


def test_the_bundled_graph_has_no_qc_error(ask):
    errors = [r for name in QC for r in ask(name) if r["severity"] == "error"]
    assert not errors, errors


def test_weak_sources(ask):
    rows = ask("qc-weak-sources")
    # no fact cites a re-post or a mirror copy any more (audit of December 2026, §1.2)
    assert not [r for r in rows if r["kind"] in ("cites-copy", "verified-on-copies-alone")]
    found = findings(rows)
    # UNTOC Art. 27 is known only from the Verdragenbank text reproduced on inview.nl (fact base §2)
    assert ("rests-on-reproduction", "warning", "untoc-art-27") in found
    # UU 15/2009 now rests on Antara and the statute; the machine-translated gazette copy is only a side source
    assert ("cites-reproduction", "info", "idn-uu-15-2009") in found
    assert not any(s == "idn-uu-15-2009" and k == "rests-on-reproduction" for k, _, s in found)


def test_paper_only(ask):
    rows = ask("qc-paper-only")
    found = findings(rows)
    # the paper's own assertions are marked as such (fact base §11): info, not warning
    assert ("paper-only-assertion", "info", "act-iom-indonesia-police-training") in found
    assert ("paper-only-assertion", "info", "rec-online-monitoring") in found
    assert {severity for _, severity, _ in found} == {"info"}
    # claims are left out: they are sourced to the paper by design
    assert not any(subject.startswith("claim-") for _, _, subject in found)


def test_unsourced_and_undated(ask):
    rows = ask("qc-unsourced-undated")
    found = findings(rows)
    # two statistics carry no date at all: a warning, since a count without its period cannot be compared
    assert ("undated-fact", "warning", "stat-un-khm-online-fraud-workers") in found
    # truncated addresses that could not be completed stay visible (audit §1.4)
    assert ("source-url-truncated", "warning", "src-disway-wni-kamboja-2026") in found
    assert ("source-url-not-recorded", "info", "src-ditjen-imigrasi-se-imi-0603-2022") in found
    # the three sources the audit found defined but uncited (§1.1) are cited or removed
    for source in ("src-medcom-internasional-asia-8n0g1rdk-australia", "src-traju-category-issue-interns-research"):
        assert ("source-uncited", "info", source) not in found


def test_open_items(ask):
    rows = ask("qc-open-items")
    found = findings(rows)
    # fact base §11.1: the paper's ratification chronology is contradicted
    assert ("claim-contradicted", "warning", "claim-ratification-chronology") in found
    # citation claims belong to the citation checks
    assert not any(subject.startswith("claim-citation-") for _, _, subject in found)
    assert ("unverified-weak-source", "info", "stat-kemlu-khm-2023-repatriated") in found
    # a property recorded from memory is reported under its entity, with the property
    memory = [r for r in rows if r["kind"] == "unverified-from-memory" and r["property"]]
    assert memory and all(r["severity"] == "warning" for r in memory)


def test_qc_findings_follow_the_data(tmp_path):
    """A verified fact on a re-post alone, an unsourced fact and an undated statistic are found once they are data."""
    from tppo_graph.parsing import load_store

    extra = tmp_path / "planted.ttl"
    extra.write_text(
        f"""@prefix tppo: <https://w3id.org/tppo/def/> . @prefix tpv: <{TPV}> . @prefix tpd: <{TPD}> .
        @prefix dcterms: <http://purl.org/dc/terms/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        tpd:src-test-repost a tppo:Source ; dcterms:title "A re-post"@en ; tppo:sourceKind tpv:re-post .
        tpd:test-body a tppo:GovernmentBody ; rdfs:label "Badan uji"@id , "Test body"@en ;
            dcterms:source tpd:src-test-repost ; tppo:verificationStatus tpv:verified .
        tpd:test-unsourced a tppo:GovernmentBody ; rdfs:label "Badan tanpa sumber"@id , "Unsourced body"@en ;
            tppo:verificationStatus tpv:verified .
        tpd:stat-test-undated a tppo:CaseStatistic ; rdfs:label "Statistik uji"@id , "Test statistic"@en ;
            dcterms:source tpd:fact-base-s8 ; tppo:verificationStatus tpv:verified .""",
        encoding="utf-8",
    )
    store = load_store(["bundled", extra])
    weak = findings(run_query("qc-weak-sources", engine=LocalEngine(store)).values())
    assert ("verified-on-copies-alone", "error", "test-body") in weak
    unsourced = findings(run_query("qc-unsourced-undated", engine=LocalEngine(store)).values())
    assert ("fact-without-source", "error", "test-unsourced") in unsourced
    assert ("undated-fact", "warning", "stat-test-undated") in unsourced
    assert ("source-undated", "info", "src-test-repost") in unsourced
