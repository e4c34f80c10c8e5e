"""Scale generator: synthetic states around the real bundled graph, in the project's own ontology.

Each synthetic state (user-assigned ISO codes QAA..QZZ, XAA..XZZ) gets what a real one has: government bodies, a
statute with articles and paragraphs, implementations of real Palermo obligations, signatures and ratifications
of the real treaties, IOM activities with Archer functions and partners, obstacles and recommendations, a
bilateral mechanism with another state, case statistics and its own sources; every entity has Indonesian and
English labels, a source and a verification status, so the result conforms to the shapes. The output is
N-Triples holding only the additions: use it with the bundled data (``--data bundled --data FILE``).
Seeded and deterministic: the same arguments give the same bytes.

    python benchmarks/generate.py --total 1000000 -o /tmp/tppo-1m.nt
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections.abc import Iterator
from pathlib import Path

TPPO = "https://w3id.org/tppo/def/"
TPD = "https://w3id.org/tppo/id/"
TPV = "https://w3id.org/tppo/vocab/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT = "http://purl.org/dc/terms/"
ELI = "http://data.europa.eu/eli/ontology#"
ORG = "http://www.w3.org/ns/org#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA_URL = "https://schema.org/url"

#: real obligations of the bundled graph that synthetic statutes implement and mechanisms serve
PALERMO = [
    f"obl-palermo-protocol-art-{a}"
    for a in (
        "5-1",
        "5-2",
        "6-1",
        "6-2",
        "6-3",
        "6-4",
        "6-5",
        "6-6",
        "7-1",
        "9-1",
        "9-2",
        "9-3",
        "10-2",
        "11-1",
        "11-2",
        "12",
    )
]
INTERSTATE = [f"obl-palermo-protocol-art-{a}" for a in ("8-1", "8-2", "8-3", "8-4", "10-1", "10-3", "11-6", "13")]
TREATIES = ["untoc", "palermo-protocol", "actip"]
ARCHER = ["archer-instrument", "archer-arena", "archer-actor"]
ACTIVITY_TYPES = ["capacity-building", "awareness-campaign", "return-reintegration", "border-management"]
OBSTACLE_CATEGORIES = ["institutional-capacity", "information-gap", "coordination", "victim-protection-gap"]
#: approximate triples one synthetic state adds (measured on the output; used to pick the number of states)
TRIPLES_PER_STATE = 1452


def state_codes() -> Iterator[str]:
    for first in "QX":
        for second, third in itertools.product("ABCDEFGHIJKLMNOPQRSTUVWXYZ", repeat=2):
            if first == "Q" and second < "M":  # QAA-QLZ are not user-assigned
                continue
            yield first + second + third


def iri(local: str) -> str:
    return f"<{TPD}{local}>"


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


class Writer:
    def __init__(self, out) -> None:  # noqa: ANN001 - a text stream
        self.out = out
        self.count = 0

    def t(self, s: str, p: str, o: str) -> None:
        self.out.write(f"{s} <{p}> {o} .\n")
        self.count += 1

    def entity(
        self,
        node: str,
        cls: str,
        label_id: str,
        label_en: str,
        source: str,
        status: str = "verified",
        note: str | None = None,
    ) -> None:
        self.t(node, RDF_TYPE, f"<{TPPO}{cls}>")
        self.t(node, RDFS_LABEL, lit(label_id, "id"))
        self.t(node, RDFS_LABEL, lit(label_en, "en"))
        self.t(node, DCT + "source", source)
        self.t(node, TPPO + "verificationStatus", f"<{TPV}{status}>")
        self.t(node, DCT + "description", lit(f"Synthetic benchmark entity: {label_en}.", "en"))
        if note or status != "verified":
            self.t(
                node, TPPO + "verificationNote", lit(note or "Generated for benchmarks; derived by construction.", "en")
            )


def date(rng: random.Random, start: int = 2000, end: int = 2024) -> str:
    return f"{rng.randint(start, end)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def write_state(w: Writer, code: str, partner: str, rng: random.Random) -> None:
    lc = code.lower()
    state = iri(code)
    src = iri(f"src-syn-{lc}-gazette")
    w.t(src, RDF_TYPE, f"<{TPPO}Source>")
    w.t(src, DCT + "title", lit(f"Official gazette of synthetic state {code}", "en"))
    w.t(src, DCT + "publisher", lit(f"Government of synthetic state {code}"))
    w.t(src, TPPO + "sourceKind", f"<{TPV}official-record>")
    w.t(src, SCHEMA_URL, lit(f"https://example.org/synthetic/{lc}/gazette", datatype=XSD + "anyURI"))
    w.entity(state, "State", f"Negara Sintetis {code}", f"Synthetic State {code}", src)
    w.t(state, TPPO + "isoCode", lit(code))

    bodies = []
    for key, name_id, name_en in (
        ("ministry-justice", "Kementerian Hukum", "Ministry of Justice"),
        ("police", "Kepolisian Nasional", "National Police"),
        ("immigration", "Direktorat Imigrasi", "Immigration Directorate"),
        ("task-force", "Gugus Tugas Anti-Perdagangan Orang", "Anti-Trafficking Task Force"),
        ("parliament", "Parlemen", "Parliament"),
    ):
        body = iri(f"{lc}-{key}")
        w.entity(body, "GovernmentBody", f"{name_id} {code}", f"{name_en} of {code}", src)
        w.t(body, TPPO + "jurisdiction", state)
        bodies.append(body)

    law = f"{lc}-law-trafficking"
    law_iri = iri(law)
    w.entity(
        law_iri,
        "NationalLegislation",
        f"Undang-Undang Anti-Perdagangan Orang {code}",
        f"Anti-Trafficking Law of {code}",
        src,
    )
    w.t(law_iri, TPPO + "jurisdiction", state)
    w.t(law_iri, TPPO + "documentType", f"<{TPV}undang-undang>")
    w.t(law_iri, TPPO + "officialNumber", lit(f"Law {rng.randint(1, 99)}/{rng.randint(2001, 2020)}"))
    w.t(law_iri, ELI + "title_short", lit(f"UU TPPO {code}", "id"))
    w.t(law_iri, ELI + "title_short", lit(f"{code} trafficking law", "en"))
    w.t(law_iri, TPPO + "datePassed", lit(date(rng, 2001, 2012), datatype=XSD + "date"))
    w.t(law_iri, ELI + "passed_by", bodies[4])
    paragraphs = []
    for article in range(1, 41):
        art = iri(f"{law}-art-{article}")
        w.entity(art, "Article", f"UU TPPO {code}, Pasal {article}", f"{code} trafficking law, Art. {article}", law_iri)
        w.t(art, ELI + "is_part_of", law_iri)
        w.t(art, ELI + "number", lit(str(article)))
        w.t(art, TPPO + "paraphrase", lit(f"Synthetic article {article} of the {code} trafficking law.", "en"))
        for para in (1, 2):
            par = iri(f"{law}-art-{article}-{para}")
            w.entity(
                par,
                "Paragraph",
                f"UU TPPO {code}, Pasal {article} ayat ({para})",
                f"{code} trafficking law, Art. {article}({para})",
                law_iri,
            )
            w.t(par, ELI + "is_part_of", art)
            w.t(par, ELI + "number", lit(str(para)))
            w.t(par, TPPO + "paraphrase", lit(f"Paragraph {para} of synthetic article {article}.", "en"))
            paragraphs.append(par)

    for obligation in rng.sample(PALERMO, 10):
        impl = iri(f"impl-{lc}-{obligation.removeprefix('obl-')}")
        w.entity(
            impl,
            "Implementation",
            f"Implementasi {obligation} oleh {code}",
            f"{code}'s implementation of {obligation}",
            law_iri,
            "derived",
            "Generated: the synthetic law is constructed to implement this obligation.",
        )
        w.t(impl, TPPO + "implementingProvision", rng.choice(paragraphs))
        w.t(impl, TPPO + "implementsObligation", iri(obligation))
        w.t(impl, TPPO + "implementingState", state)
        w.t(impl, TPPO + "extent", f"<{TPV}{rng.choice(('full', 'partial'))}>")

    for treaty in TREATIES:
        signed = date(rng, 2000, 2006)
        sig = iri(f"{lc}-{treaty}-signature")
        w.entity(sig, "Signature", f"Penandatanganan {treaty} oleh {code}", f"{code}'s signature of {treaty}", src)
        w.t(sig, TPPO + "participant", state)
        w.t(sig, TPPO + "treaty", iri(treaty))
        w.t(sig, TPPO + "date", lit(signed, datatype=XSD + "date"))
        rat = iri(f"{lc}-{treaty}-ratification")
        w.entity(rat, "Ratification", f"Ratifikasi {treaty} oleh {code}", f"{code}'s ratification of {treaty}", src)
        w.t(rat, TPPO + "participant", state)
        w.t(rat, TPPO + "treaty", iri(treaty))
        w.t(rat, TPPO + "depositDate", lit(date(rng, 2007, 2019), datatype=XSD + "date"))
        w.t(rat, TPPO + "ratifyingAct", law_iri)

    for n in range(3):
        act = iri(f"act-iom-{lc}-{n}")
        w.entity(act, "Activity", f"Kegiatan IOM {n} di {code}", f"IOM activity {n} in {code}", src)
        w.t(act, TPPO + "performedBy", iri("iom"))
        w.t(act, TPPO + "archerFunction", f"<{TPV}{ARCHER[n % 3]}>")
        w.t(act, TPPO + "activityType", f"<{TPV}{rng.choice(ACTIVITY_TYPES)}>")
        w.t(act, TPPO + "country", state)
        w.t(act, TPPO + "partner", rng.choice(bodies[:4]))
        w.t(act, TPPO + "supportsObligation", iri(rng.choice(PALERMO)))
        started = rng.randint(2010, 2024)
        w.t(act, TPPO + "periodStart", lit(str(started), datatype=XSD + "gYear"))
        w.t(act, TPPO + "dateEarliest", lit(f"{started}-01-01", datatype=XSD + "date"))

    for n in range(2):
        obstacle = iri(f"obstacle-{lc}-{n}")
        w.entity(obstacle, "Obstacle", f"Kendala {n} di {code}", f"Obstacle {n} in {code}", src)
        w.t(obstacle, TPPO + "obstacleCategory", f"<{TPV}{rng.choice(OBSTACLE_CATEGORIES)}>")
        w.t(obstacle, TPPO + "affectsState", state)
        w.t(obstacle, TPPO + "hinders", iri(rng.choice(INTERSTATE)))
        rec = iri(f"rec-{lc}-{n}")
        w.entity(rec, "Recommendation", f"Rekomendasi {n} untuk {code}", f"Recommendation {n} for {code}", src)
        w.t(rec, TPPO + "addresses", obstacle)
        w.t(rec, TPPO + "addressee", state)

    mech = iri(f"mech-{lc}-{partner.lower()}-police-mou")
    w.entity(
        mech,
        "BilateralMechanism",
        f"Nota kesepahaman kepolisian {code}-{partner}",
        f"{code}-{partner} police memorandum",
        src,
    )
    w.t(mech, TPPO + "stateParty", state)
    w.t(mech, TPPO + "stateParty", iri(partner))
    w.t(mech, TPPO + "mechanismType", f"<{TPV}police-mou>")
    w.t(mech, TPPO + "mechanismStatus", f"<{TPV}signed>")
    for k, obligation in enumerate(rng.sample(INTERSTATE, 2)):
        cov = iri(f"cov-{lc}-{partner.lower()}-police-mou-{k}")
        note = "Generated coverage: the project's reading of the memorandum."
        w.entity(
            cov,
            "Coverage",
            f"Cakupan MoU {code}-{partner} {k}",
            f"{code}-{partner} MoU coverage {k}",
            src,
            "derived",
            note,
        )
        w.t(cov, TPPO + "coveringMechanism", mech)
        w.t(cov, TPPO + "coveredObligation", iri(obligation))
        w.t(cov, TPPO + "coverageExtent", f"<{TPV}coverage-partial>")

    for n in range(5):
        stat = iri(f"stat-{lc}-{n}")
        w.entity(stat, "CaseStatistic", f"Kasus tercatat {n} di {code}", f"Recorded cases {n} in {code}", src)
        w.t(stat, TPPO + "count", lit(str(rng.randint(1, 5000)), datatype=XSD + "integer"))
        w.t(stat, TPPO + "countQualifier", f"<{TPV}exact>")
        w.t(stat, TPPO + "measure", lit("Trafficking cases recorded", "en"))
        w.t(stat, TPPO + "measure", lit("Kasus perdagangan orang yang tercatat", "id"))
        w.t(stat, TPPO + "statisticMeasure", f"<{TPV}measure-cases-handled>")
        w.t(stat, TPPO + "country", state)
        year = rng.randint(2015, 2024)
        w.t(stat, TPPO + "periodStart", lit(str(year), datatype=XSD + "gYear"))
        w.t(stat, TPPO + "dateEarliest", lit(f"{year}-01-01", datatype=XSD + "date"))


def generate(triples: int, out, seed: int = 20261128) -> int:  # noqa: ANN001 - a text stream
    """Write about ``triples`` triples of synthetic states to ``out``; returns the number written."""
    rng = random.Random(seed)
    codes = list(state_codes())
    states = max(0, round(triples / TRIPLES_PER_STATE))
    if states > len(codes):
        raise SystemExit(f"--triples {triples}: at most {len(codes) * TRIPLES_PER_STATE} triples can be generated")
    writer = Writer(out)
    for index in range(states):
        partner = codes[index - 1] if index else "IDN"  # a chain of bilateral links back to a real state
        write_state(writer, codes[index], partner, rng)
    return writer.count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--total", type=int, required=True, help="approximate size of bundled graph + additions, in triples"
    )
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("-o", "--output", type=Path, required=True, help="N-Triples file to write")
    args = parser.parse_args(argv)
    tmp = args.output.with_name(args.output.name + ".part")
    from tppo_graph.parsing import load_store

    bundled = len(load_store(entailed=False))  # what the bundled files assert, not their entailed closure
    with tmp.open("w", encoding="utf-8") as out:
        count = generate(max(0, args.total - bundled), out, args.seed)
    tmp.replace(args.output)
    print(
        f"wrote {count:,} triples to {args.output} (with the bundled {bundled:,}: {bundled + count:,})", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
