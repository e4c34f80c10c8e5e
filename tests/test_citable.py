"""Citable and reusable: licences, the dataset's DCAT/VoID description, one version everywhere, CITATION.cff."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from importlib.metadata import version as package_version

import pytest
import yaml
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef

from tppo_graph.cli import main
from tppo_graph.describe import describe as stats
from tppo_graph.engines import connect
from tppo_graph.export import EXPORT_FORMATS, export_graph
from tppo_graph.namespaces import DATASET
from tppo_graph.server import serve

from .conftest import ROOT

DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml", "trig": "trig", "nq": "nquads"}


def _bundled() -> Graph:
    g = Graph()
    g.parse(ROOT / "graph_data" / "dataset.ttl")
    g.parse(ROOT / "ontology" / "tppo.ttl")
    return g


def test_licence_files_name_the_two_licences():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "CC BY 4.0" in licence
    assert (ROOT / "LICENSES" / "MIT.txt").read_text(encoding="utf-8").startswith("MIT License")
    cc = (ROOT / "LICENSES" / "CC-BY-4.0.txt").read_text(encoding="utf-8")
    assert cc.startswith("Creative Commons Attribution 4.0 International") and "Section 8" in cc


def test_every_file_declares_its_licence():
    """`reuse lint`: every file of the repository is covered by REUSE.toml, and every licence used has its text."""
    done = subprocess.run(
        [sys.executable, "-m", "reuse", "--root", str(ROOT), "lint"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_one_version_for_package_ontology_dataset_and_citation():
    g = _bundled()
    ontology = URIRef("https://w3id.org/tppo/def/")
    version = package_version("tppo-graph")
    assert str(g.value(ontology, OWL.versionInfo)) == version
    assert g.value(ontology, OWL.versionIRI) == URIRef(f"https://w3id.org/tppo/def/{version}/")
    assert str(g.value(URIRef(DATASET), DCAT.version)) == version
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation["version"]) == version
    assert {str(r.get("version")) for r in citation["references"] if r["type"] == "data"} == {version}


def test_citation_file_is_valid_cff():
    done = subprocess.run(
        ["cffconvert", "--validate", "-i", str(ROOT / "CITATION.cff")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["license"] == ["MIT", "CC-BY-4.0"]
    paper = next(r for r in citation["references"] if r["type"] == "article")
    assert paper["authors"][0]["family-names"] == "Frahma" and paper["year"] == 2025


def test_ontology_and_dataset_carry_the_data_licence():
    g = _bundled()
    assert g.value(URIRef("https://w3id.org/tppo/def/"), DCTERMS.license) == CC_BY
    assert g.value(URIRef(DATASET), DCTERMS.license) == CC_BY


def test_distributions_are_the_export_formats_with_their_media_types():
    g = _bundled()
    found = {}
    for dist in g.objects(URIRef(DATASET), DCAT.distribution):
        command = re.fullmatch(
            r"Written by `tppo-graph export --format (\w+)`\.", str(g.value(dist, DCTERMS.description))
        )
        assert command, dist
        found[command[1]] = str(g.value(dist, DCAT.mediaType))
        assert g.value(dist, DCTERMS.license) == CC_BY
    expected = {
        name: f"https://www.iana.org/assignments/media-types/{fmt.media_type}"
        for name, (fmt, _dataset) in EXPORT_FORMATS.items()
    }
    assert found == expected


def test_the_sparql_endpoint_is_the_one_serve_offers():
    g = _bundled()
    port = inspect.signature(serve).parameters["port"].default
    endpoint = URIRef(f"http://127.0.0.1:{port}/query")
    assert g.value(URIRef(DATASET), VOID.sparqlEndpoint) == endpoint
    service = g.value(predicate=DCAT.servesDataset, object=URIRef(DATASET))
    assert g.value(service, DCAT.endpointURL) == endpoint


def _independent_counts(graph: Graph) -> dict[str, object]:
    """VoID figures of ``graph`` counted by rdflib, without the statistics triples the export added."""
    stats_predicates = {
        VOID[n]
        for n in (
            "triples",
            "entities",
            "distinctSubjects",
            "distinctObjects",
            "classes",
            "properties",
            "classPartition",
            "propertyPartition",
        )
    }
    partitions = set(graph.objects(URIRef(DATASET), VOID.classPartition)) | set(
        graph.objects(URIRef(DATASET), VOID.propertyPartition)
    )
    kept = Graph()
    for s, p, o in graph:
        if s in partitions or (s == URIRef(DATASET) and p in stats_predicates):
            continue
        kept.add((s, p, o))
    classes: dict[str, int] = {}
    for c in set(kept.objects(None, RDF.type)):
        classes[str(c)] = len(set(kept.subjects(RDF.type, c)))
    properties: dict[str, int] = {}
    for _s, p, _o in kept:
        properties[str(p)] = properties.get(str(p), 0) + 1
    return {
        "triples": len(kept),
        "distinct_subjects": len(set(kept.subjects())),
        "distinct_objects": len(set(kept.objects())),
        "classes": classes,
        "properties": properties,
    }


def _exported_void(graph: Graph) -> dict[str, object]:
    d = URIRef(DATASET)

    def number(p: URIRef, s: URIRef = d) -> int:
        value = graph.value(s, p)
        assert isinstance(value, Literal), (s, p)
        return int(value)

    return {
        "triples": number(VOID.triples),
        "entities": number(VOID.entities),
        "distinct_subjects": number(VOID.distinctSubjects),
        "distinct_objects": number(VOID.distinctObjects),
        "classes": {
            str(graph.value(p, VOID["class"])): number(VOID.entities, p) for p in graph.objects(d, VOID.classPartition)
        },
        "properties": {
            str(graph.value(p, VOID.property)): number(VOID.triples, p)
            for p in graph.objects(d, VOID.propertyPartition)
        },
        "n_classes": number(VOID.classes),
        "n_properties": number(VOID.properties),
    }


@pytest.fixture(scope="module")
def described():
    return stats().void


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
def test_exported_void_statistics_are_computed_from_the_graph(fmt, described):
    content = export_graph(fmt).content
    assert content is not None
    if EXPORT_FORMATS[fmt][1]:
        ds = Dataset()
        ds.parse(data=content, format=RDFLIB_FORMATS[fmt])
        graph = Graph()
        for s, p, o, _g in ds.quads():
            graph.add((s, p, o))
    else:
        graph = Graph().parse(data=content, format=RDFLIB_FORMATS[fmt])
    exported = _exported_void(graph)
    independent = _independent_counts(graph)
    for key in ("triples", "distinct_subjects", "distinct_objects", "classes", "properties"):
        assert exported[key] == independent[key], key
    assert exported["n_classes"] == len(independent["classes"])
    assert exported["n_properties"] == len(independent["properties"])
    # ... and equal to what `stats` reports
    assert described is not None
    assert exported["triples"] == described.triples
    assert exported["entities"] == described.entities == stats().entities
    assert exported["classes"] == described.classes
    assert exported["properties"] == described.properties


def test_stats_shows_the_void_figures(runner):
    result = runner.invoke(main, ["stats"])
    assert result.exit_code == 0
    assert "VoID statistics of tpd:tppo-graph" in result.stdout


def test_data_without_a_dataset_description_gets_no_void(tmp_path):
    mine = tmp_path / "mine.ttl"
    mine.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    content = export_graph("nt", engine=connect([mine])).content
    assert content is not None and b"rdfs.org/ns/void#triples" not in content
    assert stats(connect([mine])).void is None


def test_version_shows_package_and_data_versions(runner):
    result = runner.invoke(main, ["--version"])
    version = package_version("tppo-graph")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        f"tppo-graph {version} (bundled data {version}, ontology https://w3id.org/tppo/def/{version}/)"
    )


def test_changelog_has_a_data_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased = text.split("## [Unreleased]", 1)[1].split("\n## ", 1)[0]
    assert "### Data" in unreleased, "record what facts changed under ### Data"


@pytest.mark.parametrize("path", ["LICENSE", "LICENSES", "CITATION.cff", "REUSE.toml"])
def test_sdist_ships_the_licence_and_citation(path):
    sdist = (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("[tool.hatch.build.targets.sdist]", 1)[1]
    assert f'"{path}"' in sdist.split("\n[", 1)[0]
