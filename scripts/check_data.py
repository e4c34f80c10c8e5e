"""Developer check of the bundled graph files: parse, dangling IRIs, undefined terms, labels, sources.

Run from the repository root: ``python scripts/check_data.py [FILE ...]``. It complements the SHACL shapes
(which check one graph) by reporting references between files that point nowhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

ROOT = Path(__file__).resolve().parent.parent
TPPO = "https://w3id.org/tppo/def/"
TPD = "https://w3id.org/tppo/id/"
TPV = "https://w3id.org/tppo/vocab/"


def main(argv: list[str]) -> int:
    files = sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "graph_data").glob("*.ttl"))
    files = [f for f in files if f.name != "shapes.ttl"]
    g = rdflib.Graph()
    problems: list[str] = []
    for f in files:
        try:
            g.parse(f, format="turtle")
        except Exception as exc:  # noqa: BLE001 - report every file, not just the first
            problems.append(f"{f.relative_to(ROOT)}: parse error: {exc}")
    if problems:
        print("\n".join(problems))
        return 1
    typed = set(g.subjects(RDF.type, None))
    defined_terms = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith((TPPO, TPV))}
    for s, p, o in g:
        for term in (s, p, o):
            if not isinstance(term, URIRef):
                continue
            t = str(term)
            if t.startswith(TPD) and term not in typed:
                problems.append(
                    f"dangling: {term.n3(g.namespace_manager)} is used but has no rdf:type (in {s.n3(g.namespace_manager)} {p.n3(g.namespace_manager)})"
                )
            if (
                t.startswith((TPPO, TPV))
                and term not in defined_terms
                and not t[len(TPPO) :][:1].isdigit()
                and t != TPPO
            ):
                problems.append(f"undefined term: {term.n3(g.namespace_manager)}")
    entity_classes = {c for c in g.transitive_subjects(RDFS.subClassOf, URIRef(TPPO + "Entity"))}
    for s in sorted(typed, key=str):
        if not str(s).startswith(TPD):
            continue
        types = set(g.objects(s, RDF.type))
        if not types & entity_classes:
            continue
        name = s.n3(g.namespace_manager)
        langs = [o.language for o in g.objects(s, RDFS.label) if isinstance(o, Literal)]
        for lang in ("id", "en"):
            if langs.count(lang) != 1:
                problems.append(f"{name}: needs exactly one rdfs:label@{lang} (has {langs.count(lang)})")
        if not list(g.objects(s, DCTERMS.source)):
            problems.append(f"{name}: no dcterms:source")
        if len(list(g.objects(s, URIRef(TPPO + "verificationStatus")))) != 1:
            problems.append(f"{name}: needs exactly one tppo:verificationStatus")
    for c in g.subjects(RDF.type, SKOS.Concept):
        langs = [o.language for o in g.objects(c, SKOS.prefLabel)]
        if sorted(langs) != ["en", "id"]:
            problems.append(f"{c.n3(g.namespace_manager)}: concept needs one skos:prefLabel in id and en")
    seen = set()
    unique = [p for p in problems if not (p in seen or seen.add(p))]
    print("\n".join(unique) if unique else f"ok: {len(g)} triples, {len(files)} files")
    return 1 if unique else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
