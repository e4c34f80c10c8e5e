"""The ten competency questions, answered by saved queries over the bundled graph.

Each test states what the paper and the fact base say the answer contains; the answer itself is computed by the
query from the data (no answer is written into the graph or into the code under test).
"""

from __future__ import annotations

import pytest

from tppo_graph.queries import run_query
from tppo_graph.results import SelectResult

TPD = "https://w3id.org/tppo/id/"
TPV = "https://w3id.org/tppo/vocab/"


@pytest.fixture(scope="module")
def ask(local):
    def run(name: str, **params: str) -> list[dict]:
        result = run_query(name, params, engine=local)
        assert isinstance(result, SelectResult)
        return result.values()

    return run


def ids(rows: list[dict], key: str) -> set[str]:
    return {r[key].removeprefix(TPD).removeprefix(TPV) for r in rows if r.get(key)}


def test_cq1_palermo_inter_state_obligations_without_a_bilateral_mechanism(ask):
    rows = ask("palermo-obligations-without-bilateral-mechanism")
    gaps = ids(rows, "obligation")
    # Fact base §1.3: the inter-state articles are 8(1)-(4), 10(1), 10(3), 11(6), 13, 15 and 9(4)-(5); §8.1: no
    # bilateral return, labour or extradition instrument exists.
    lacking = {f"obl-palermo-protocol-art-8-{p}" for p in (1, 2, 3, 4)} | {
        "obl-palermo-protocol-art-13",
        "obl-palermo-protocol-art-15-1",
        "obl-palermo-protocol-art-15-2",
    }
    assert lacking <= gaps
    for row in rows:
        if row["obligation"].removeprefix(TPD) in lacking:
            assert row["bilateral"] is None and row["bilateralNone"] == "none found in what was examined"
    assert {"obl-palermo-protocol-art-10-3", "obl-palermo-protocol-art-11-6"} <= gaps
    assert {"obl-palermo-protocol-art-9-4", "obl-palermo-protocol-art-9-5"} <= gaps
    assert all(r["scope"] in (TPV + "interstate-inherent", TPV + "interstate-encouraged") for r in rows)
    # §8.1, §13.6: the 2023 memorandum is at most partial cover for Art. 10(1), so the duty stays, with it
    art_10_1 = [r for r in rows if r["obligation"] == TPD + "obl-palermo-protocol-art-10-1"]
    assert art_10_1 and {(r["bilateral"], r["bilateralExtent"]) for r in art_10_1} == {
        (TPD + "mech-idn-khm-police-mou-2023", TPV + "coverage-partial")
    }
    # a duty is not machinery: no row names the Protocol itself (or a channel based on it) as cover
    assert not any("palermo-protocol" in (r["cover"] or "") for r in rows)
    # Art. 11(6) refers to UNTOC Art. 27 (§1.2): the channel UNTOC founds covers it through that cross-reference
    art_11_6 = [r for r in rows if r["obligation"].endswith("art-11-6")]
    assert {(r["cover"], r["coverProvision"], r["reach"]) for r in art_11_6} == {
        (TPD + "mech-untoc", TPD + "untoc-art-27", "express cross-reference")
    }
    # ACTIP Art. 15 mirrors the State-of-origin duties of Art. 8(1), (3), (4), not the returning State's 8(2) (§3.4)
    by_actip = {r["obligation"].removeprefix(TPD) for r in rows if r["cover"] == TPD + "mech-actip"}
    assert by_actip == {f"obl-palermo-protocol-art-8-{p}" for p in (1, 3, 4)}
    assert all(r["notBefore"].isoformat() >= "2017-10-04" for r in rows if r["cover"] == TPD + "mech-actip")
    # Art. 9(4)-(5): ACTIP's prevention article was not examined, and nothing else covers them
    for row in rows:
        if row["obligation"].endswith(("art-9-4", "art-9-5")):
            assert row["cover"] is None and row["coverNone"] == "not examined"
    # Art. 15(2): Indonesia's reservation, believed to concern it (§13.1, unverified)
    assert any(
        r["reservation"] == TPD + "idn-palermo-protocol-reservation" for r in rows if r["obligation"].endswith("15-2")
    )


def test_cq1_answer_follows_the_data_not_the_query(bundled_store, tmp_path):
    """A full bilateral coverage of Art. 8(1) removes it from the gaps; a partial one would not."""
    from tppo_graph.engines import connect

    extra = tmp_path / "return-agreement.ttl"
    extra.write_text(
        f"""@prefix tppo: <https://w3id.org/tppo/def/> . @prefix tpv: <{TPV}> . @prefix tpd: <{TPD}> .
        tpd:mech-test-return-mou a tppo:BilateralMechanism ; tppo:stateParty tpd:IDN, tpd:KHM ;
            tppo:mechanismStatus tpv:signed .
        tpd:cov-test-return-mou-8-1 a tppo:Coverage ; tppo:coveringMechanism tpd:mech-test-return-mou ;
            tppo:coveredObligation tpd:obl-palermo-protocol-art-8-1 ; tppo:coverageExtent tpv:coverage-full ;
            tppo:verificationStatus tpv:derived .
        tpd:cov-test-return-mou-8-2 a tppo:Coverage ; tppo:coveringMechanism tpd:mech-test-return-mou ;
            tppo:coveredObligation tpd:obl-palermo-protocol-art-8-2 ; tppo:coverageExtent tpv:coverage-partial ;
            tppo:verificationStatus tpv:derived .""",
        encoding="utf-8",
    )
    result = run_query("palermo-obligations-without-bilateral-mechanism", engine=connect(["bundled", extra]))
    assert isinstance(result, SelectResult)
    rows = result.values()
    gaps = ids(rows, "obligation")
    assert "obl-palermo-protocol-art-8-1" not in gaps
    assert {r["bilateral"] for r in rows if r["obligation"].endswith("art-8-2")} == {TPD + "mech-test-return-mou"}


def test_coverage_matrix_says_not_examined_where_nothing_was(ask):
    rows = {r["obligation"].removeprefix(TPD): r for r in ask("palermo-coverage-matrix")}
    # §13.5: only Arts 1, 2 (heading), 8 and 10 of Cambodia's 2008 law were obtained
    assert rows["obl-palermo-protocol-art-8-1"]["coverageB"] == "not examined"
    assert rows["obl-palermo-protocol-art-6-6"]["coverageB"] == "not examined"
    assert rows["obl-palermo-protocol-art-5-1"]["coverageB"] == "partial"
    assert rows["obl-palermo-protocol-art-6-6"]["coverageA"] == "full"  # UU 21/2007 Art. 48 (§4.1)
    assert rows["obl-palermo-protocol-art-8-3"]["coverageA"] == "none found in what was examined"
    assert all(r["coverageA"] != "none" and r["coverageB"] != "none" for r in rows.values())


def test_cq2_iom_legal_basis_in_each_state(ask):
    rows = ask("iom-legal-basis-by-state")
    by_state = {s: [r for r in rows if r["state"] == TPD + s] for s in ("IDN", "KHM")}
    # Cambodia is an IOM Member State (fact base §6): the constitutional mandate reaches it through membership.
    khm_vias = ids(by_state["KHM"], "via")
    assert "membership-khm-iom" in khm_vias
    assert "khm-actip-ratification" in khm_vias  # ACTIP Art. 15 repatriation programmes (§3.4)
    # Indonesia's IOM status is only an observer seat from 1991 (weakly sourced); the graph must say so.
    idn_membership = [r for r in by_state["IDN"] if "membership" in r["via"]]
    assert idn_membership and all(r["viaStatus"] != TPV + "verified" for r in idn_membership)
    assert "idn-actip-ratification" in ids(by_state["IDN"], "via")
    # The 2016 UN-IOM Agreement is a basis in both states.
    for rows_of_state in by_state.values():
        assert "basis-un-iom-agreement-2016" in ids(rows_of_state, "basis")


def test_cq3_iom_activities_by_archer_function(ask):
    rows = ask("iom-activities-by-function")
    assert ids(rows, "function") == {"archer-instrument", "archer-arena", "archer-actor"}
    arena = ids([r for r in rows if r["function"].endswith("archer-arena")], "activity")
    assert any("bali-process" in a for a in arena)  # IOM in the Bali Process (fact base §6)
    cambodia = ids([r for r in rows if r.get("country") == TPD + "KHM"], "activity")
    assert any("border-management" in a for a in cambodia)
    myanmar = [r for r in rows if "myanmar" in r["activity"]]
    assert TPD + "idn-kemlu" in {r["partner"] for r in myanmar}


def test_cq4_obstacles_what_they_hinder_and_what_addresses_them(ask):
    rows = ask("obstacles-hindrances-and-recommendations")
    obstacles = ids(rows, "obstacle")
    assert {
        "obstacle-definition-disharmony",
        "obstacle-data-exchange-transparency",
        "obstacle-victim-protection-gaps",
    } <= obstacles
    addressed = {r["obstacle"] for r in rows if r["link"].endswith("addresses")}
    hindering = {r["obstacle"] for r in rows if r["link"].endswith("hinders")}
    assert TPD + "obstacle-definition-disharmony" in addressed & hindering


def test_cq5_obstacles_no_recommendation_addresses(ask):
    gaps = ids(ask("obstacles-without-recommendation"), "obstacle")
    # The paper's recommendations say nothing about official complicity or the prevention-heavy collaboration.
    assert gaps == {"obstacle-official-complicity-corruption", "obstacle-prevention-heavy-collaboration"}


def test_cq6_palermo_implementation_by_state(ask):
    rows = ask("palermo-implementation-by-state")
    # every Palermo obligation appears, implemented or not (with Art. 15(1) and 15(2), and the qualified attempt
    # limb of Art. 5(2) as a duty of its own)
    assert len({r["obligation"] for r in rows}) == 31
    idn_6_6 = [r for r in rows if r["state"] == TPD + "IDN" and r["obligation"].endswith("art-6-6")]
    assert [(r["provision"], r["extent"]) for r in idn_6_6] == [(TPD + "idn-uu-21-2007-art-48", TPV + "full")]
    khm_5_1 = {r["provision"] for r in rows if r["state"] == TPD + "KHM" and r["obligation"].endswith("art-5-1")}
    assert TPD + "khm-law-2008-trafficking-art-10" in khm_5_1
    khm_8_1 = [r for r in rows if r["state"] == TPD + "KHM" and r["obligation"].endswith("art-8-1")]
    # none recorded, and Cambodia's repatriation provisions were never obtained (§13.5): not examined, not absent
    assert khm_8_1 and all(r["provision"] is None and r["none"] == "not examined" for r in khm_8_1)
    idn_8_3 = [r for r in rows if r["state"] == TPD + "IDN" and r["obligation"].endswith("art-8-3")]
    assert idn_8_3 and all(r["none"] == "none found in what was examined" for r in idn_8_3)


def test_cq7_treaties_each_state_is_party_to(ask):
    from datetime import date

    rows = {(r["state"].removeprefix(TPD), r["treaty"].removeprefix(TPD)): r for r in ask("state-treaty-participation")}
    assert rows[("KHM", "palermo-protocol")]["since"] == date(2007, 8, 1)  # §13.1
    assert rows[("IDN", "palermo-protocol")]["ratifyingAct"] == TPD + "idn-uu-14-2009"
    # in force for Indonesia 30 days after its (weakly sourced) deposit of 28 Sep 2009, Art. 17(2) (§3.2, §13.1)
    assert rows[("IDN", "palermo-protocol")]["since"] == date(2009, 10, 28)
    assert rows[("IDN", "untoc")]["since"] == date(2009, 5, 20)  # deposit 20 Apr 2009 + 30 days, Art. 38(2)
    assert rows[("IDN", "untoc")]["ratifyingAct"] == TPD + "idn-uu-5-2009"
    assert rows[("IDN", "actip")]["ratifyingAct"] == TPD + "idn-uu-12-2017"
    assert rows[("KHM", "actip")]["latest"] == date(2016, 1, 25)  # deposited on or before (§13.7)


def test_cq8_claims_contradicted_or_unverified(ask):
    rows = ask("paper-claims-contradicted-or-unverified")
    status = {r["claim"].removeprefix(TPD): r["claimStatus"].removeprefix(TPV) for r in rows}
    assert status["claim-ratification-chronology"] == "claim-contradicted"  # §11.1
    assert status["claim-iom-cambodia-repatriation"] == "claim-unverified"  # §11.3
    assert set(status.values()) <= {"claim-contradicted", "claim-unverified"}
    assert all(r["evidence"] for r in rows if r["claim"].endswith("ratification-chronology"))


def test_cq9_where_the_definitions_differ(ask):
    rows = {r["element"].removeprefix(TPV): r for r in ask("trafficking-definition-differences")}
    # Fact base §10: Indonesia adds sending, confinement, forgery, debt bondage, the result-based alternative and
    # domestic cases; Cambodia fragments trafficking into several offences; only the Protocol states the child rule.
    for element in ("act-sending", "means-confinement", "means-forgery", "means-debt-bondage", "rule-result-based"):
        assert rows[element]["inB"] and not rows[element]["inA"], element
    assert rows["rule-fragmented-offences"]["inC"] and not rows["rule-fragmented-offences"]["inB"]
    assert rows["rule-child-no-means"]["inA"]


def test_cq10_modus_operandi_and_responses(ask):
    rows = ask("modus-operandi-responses")
    responses = {}
    for r in rows:
        responses.setdefault(r["modus"].removeprefix(TPD), set()).add((r["response"] or "").removeprefix(TPD))
    assert {"idn-uu-21-2007-art-1-1", "khm-law-2008-trafficking-art-10"} <= responses["modus-debt-bondage"]
    assert "rec-online-monitoring" in responses["modus-online-scam-recruitment"]
    assert "modus-non-procedural-migration" in responses
