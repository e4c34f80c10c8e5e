"""Loading the graph: every file parses, parse errors name file:line, the data keeps its promises."""

from __future__ import annotations

import calendar
from datetime import date
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


# --------------------------------------------------------------------------------------------- dates of sources

ISSUED_FROM = date(2023, 6, 1)
TYPED_FILTER = """PREFIX tppo: <https://w3id.org/tppo/def/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT DISTINCT ?source WHERE {
  ?source a tppo:Source ; dcterms:issued ?issued ; tppo:dateLatest ?latest .
  FILTER(?latest >= "2023-06-01"^^xsd:date)
}"""


def _last_day(value: Literal) -> date:
    """The last day a publication date can denote, worked out here and not read from the data's envelope."""
    text = str(value)
    if value.datatype == XSD.gYear:
        return date(int(text), 12, 31)
    if value.datatype == XSD.gYearMonth:
        year, month = int(text[:4]), int(text[5:7])
        return date(year, month, calendar.monthrange(year, month)[1])
    return date.fromisoformat(text[:10])


def _typed_filter_rows(view: str, bundled_graph) -> set[str]:
    if view == "rdflib, the files as asserted":
        return {str(row[0]) for row in bundled_graph.query(TYPED_FILTER)}
    import pyoxigraph as ox

    if view == "embedded engine":
        from tppo_graph import connect

        return {row["source"].value for row in connect().select(TYPED_FILTER)}  # type: ignore[union-attr]
    from tppo_graph.export import export_graph

    store = ox.Store()  # the default export (no entailment) read by a bare pyoxigraph
    store.load(export_graph("nt").content or b"", format=ox.RdfFormat.N_TRIPLES)
    return {row["source"].value for row in store.query(TYPED_FILTER)}  # type: ignore[union-attr]


@pytest.mark.parametrize("view", ["embedded engine", "rdflib, the files as asserted", "bare pyoxigraph on the export"])
def test_typed_filter_on_sources_keeps_coarse_dates(view: str, bundled_graph):
    """A filter on the envelope finds every source whose date can fall on or after the day, gYear ones included."""
    dated = {
        s: o
        for s, o in bundled_graph.subject_objects(DCTERMS.issued)
        if (s, RDF.type, URIRef(TPPO + "Source")) in bundled_graph
    }
    expected = {str(s) for s, o in dated.items() if _last_day(o) >= ISSUED_FROM}
    assert {dated[URIRef(s)].datatype for s in expected} >= {XSD.gYear, XSD.gYearMonth, XSD.date}
    assert _typed_filter_rows(view, bundled_graph) == expected


def test_a_filter_on_the_coarse_value_itself_drops_rows(local):
    """Why the envelope exists: an xsd:gYear is not comparable with an xsd:date, so the filter drops it silently."""
    naive = TYPED_FILTER.replace("?latest >=", "?issued >=")
    assert len(local.select(naive)) < len(local.select(TYPED_FILTER))
