"""Loading the graph: every file parses, parse errors name file:line, the data keeps its promises."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from tppo_graph.errors import DataSelectionError, GraphParseError
from tppo_graph.namespaces import PREFIXES, TPD, TPPO
from tppo_graph.parsing import load_graph, load_store, parse_file

from .conftest import data_files, ontology_files

ENTITY = URIRef(TPPO + "Entity")
VERIFICATION = URIRef(TPPO + "verificationStatus")
DATE_PROPERTIES = [
    "dateTextAdopted",
    "datePassed",
    "dateSecondChamberApproved",
    "dateOpenedForSignature",
    "dateSigned",
    "datePromulgated",
    "date",
    "depositDate",
    "entryIntoForceForState",
    "dateEarliest",
    "dateLatest",
]
PERIOD_PROPERTIES = ["periodStart", "periodEnd", "dateFounded", "dateDissolved"]


@pytest.mark.parametrize("path", ontology_files() + data_files(), ids=lambda p: p.name)
def test_every_file_parses(path: Path):
    assert list(parse_file(path)), f"{path.name} holds no triples"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated\n', 3),
        ("@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c ;\n   ex:d .\nex:e ex:f ex:g .\n", 4),
        ("@prefix ex: <http://example.org/> .\nex:a ex:b undeclared:c .\n", 2),
    ],
)
def test_parse_error_names_file_and_line(tmp_path: Path, text: str, line: int):
    bad = tmp_path / "broken.ttl"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(GraphParseError) as info:
        load_store([bad])
    err = info.value
    assert err.line == line
    assert str(err).startswith(f"{bad}:{line}:") or str(err).startswith(f"broken.ttl:{line}:")
    assert "\n" not in str(err)


def test_missing_data_path_is_a_clear_error(tmp_path: Path):
    with pytest.raises(DataSelectionError, match="no such file or directory"):
        load_store([tmp_path / "nope.ttl"])
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DataSelectionError, match="holds no RDF files"):
        load_store([tmp_path])
    with pytest.raises(DataSelectionError, match="not an RDF file"):
        load_store([tmp_path / "notes.txt"])


def test_pyoxigraph_parse_agrees_with_rdflibs_own_parser(bundled_graph):
    """load_graph builds rdflib terms from pyoxigraph's parse; rdflib's own Turtle parser must read the same graph."""
    from rdflib import BNode, Graph

    from tppo_graph.resources import graph_files

    own = Graph()
    for path in graph_files().graph:
        own.parse(path, format="turtle")
    assert len(own) == len(bundled_graph) > 0

    def ground(graph):
        return {t for t in graph if not any(isinstance(x, BNode) for x in t)}

    assert ground(own) == ground(bundled_graph)


def test_extension_data_is_added_with_bundled(tmp_path: Path):
    extra = tmp_path / "extra.ttl"
    extra.write_text(f'<{TPD}x> <{RDFS}label> "x"@en .\n', encoding="utf-8")
    assert len(load_store(["bundled", extra])) == len(load_store()) + 1


def _entities_in(graph, path: Path):
    """Entities (instances of tppo:Entity subclasses) whose rdf:type is asserted in ``path``.

    ``graph`` is the whole bundled graph (the session fixture): only the one file is parsed here.
    """
    file_graph = load_graph([path], include_ontology=False)
    classes = set(graph.transitive_subjects(RDFS.subClassOf, ENTITY))
    return sorted(
        {s for s, _, c in file_graph.triples((None, RDF.type, None)) if c in classes and str(s).startswith(TPD)}
    )


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.name)
def test_every_entity_has_one_label_per_language(path: Path, bundled_graph):
    graph, entities = bundled_graph, _entities_in(bundled_graph, path)
    problems = []
    for s in entities:
        langs = [o.language for o in graph.objects(s, RDFS.label) if isinstance(o, Literal)]
        for lang in ("id", "en"):
            if langs.count(lang) != 1:
                problems.append(f"{s}: {langs.count(lang)} rdfs:label@{lang}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.name)
def test_every_fact_has_a_source_and_a_status(path: Path, bundled_graph):
    graph, entities = bundled_graph, _entities_in(bundled_graph, path)
    problems = []
    for s in entities:
        if not list(graph.objects(s, DCTERMS.source)):
            problems.append(f"{s}: no dcterms:source")
        if len(list(graph.objects(s, VERIFICATION))) != 1:
            problems.append(f"{s}: not exactly one tppo:verificationStatus")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.name)
def test_no_date_is_a_plain_string(path: Path):
    graph = load_graph([path], include_ontology=False)
    problems = []
    for name in DATE_PROPERTIES:
        for s, o in graph.subject_objects(URIRef(TPPO + name)):
            if not (isinstance(o, Literal) and o.datatype == XSD.date):
                problems.append(f"{s} tppo:{name} {o!r} is not an xsd:date")
    for name in PERIOD_PROPERTIES:
        for s, o in graph.subject_objects(URIRef(TPPO + name)):
            if not (isinstance(o, Literal) and o.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear)):
                problems.append(f"{s} tppo:{name} {o!r} is not an xsd:date, gYearMonth or gYear")
    assert not problems, "\n".join(problems)


def test_concepts_have_bilingual_labels(bundled_graph):
    problems = []
    for c in bundled_graph.subjects(RDF.type, SKOS.Concept):
        langs = sorted(o.language for o in bundled_graph.objects(c, SKOS.prefLabel))
        if langs != ["en", "id"]:
            problems.append(f"{c}: prefLabel languages {langs}")
    assert not problems, "\n".join(problems)


def test_no_dangling_references(bundled_graph):
    """Every tpd: IRI used anywhere is described (has a type) somewhere in the graph."""
    typed = set(bundled_graph.subjects(RDF.type, None))
    dangling = sorted(
        {str(o) for _, _, o in bundled_graph if isinstance(o, URIRef) and str(o).startswith(TPD) and o not in typed}
    )
    assert not dangling, "\n".join(dangling)


def test_prefixes_file_matches_namespaces_module():
    from tppo_graph.resources import bundled_root

    graph = load_graph([bundled_root() / "ontology" / "prefixes.ttl"], include_ontology=False)
    sh = "http://www.w3.org/ns/shacl#"
    declared = {
        str(graph.value(d, URIRef(sh + "prefix"))): str(graph.value(d, URIRef(sh + "namespace")))
        for d in graph.objects(None, URIRef(sh + "declare"))
    }
    assert declared == PREFIXES
