"""Every saved query is a complete SPARQL 1.1 query as it is on disk: other tools read the folder as it is.

Each file declares the prefixes it uses (written by scripts/write_prefixes.py from ontology/prefixes.ttl, with the
declared namespaces), and parses with two independent parsers given no predeclared prefixes (rdflib's
prepareQuery, pyoxigraph), and with grlc's own metadata parser (grlc turns such a folder into a web API).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import write_prefixes  # the script is the one generator of the PREFIX block

QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
DECLARED = write_prefixes.declared_prefixes()


@pytest.fixture(scope="module", params=QUERY_FILES, ids=lambda p: p.stem)
def query_file(request) -> Path:
    return request.param


def test_prefix_block_is_the_generated_one(query_file):
    text = query_file.read_text(encoding="utf-8")
    assert write_prefixes.with_prefixes(text, DECLARED) == text, (
        f"{query_file.name}: PREFIX lines missing or stale; run python scripts/write_prefixes.py"
    )


def test_declared_namespaces_are_the_projects(query_file):
    _header, block, _rest = write_prefixes.split(query_file.read_text(encoding="utf-8"))
    assert block, f"{query_file.name} declares no prefix"
    for line in block:
        prefix, namespace = re.match(r"PREFIX\s+([\w-]*):\s*<([^>]*)>", line).groups()
        assert DECLARED.get(prefix) == namespace, f"{query_file.name}: {prefix}: is <{namespace}>"


def test_rdflib_parses_it_without_initial_namespaces(query_file):
    from rdflib.plugins.sparql import prepareQuery

    prepareQuery(query_file.read_text(encoding="utf-8"))  # raises on an unknown prefix


def test_pyoxigraph_parses_it_without_predeclared_prefixes(query_file):
    ox.Store().query(query_file.read_text(encoding="utf-8"))  # an empty store: only the parse is tested


@pytest.mark.skipif(importlib.util.find_spec("grlc") is None, reason="grlc is not installed")
def test_grlc_reads_its_metadata(query_file):
    import logging

    logging.getLogger("grlc").setLevel(logging.ERROR)
    from grlc.gquery import get_metadata

    text = query_file.read_text(encoding="utf-8")
    metadata = get_metadata(text, "http://127.0.0.1:9/sparql")  # no request is made for a query without enumerations
    assert metadata["type"] == "SelectQuery", f"grlc did not parse {query_file.name}"
    header = {line[3:].split(":", 1)[0] for line in text.splitlines() if line.startswith("#+ ") and line[3] != " "}
    assert metadata["summary"] and "summary" in header and "tags" in metadata


def test_the_check_mode_finds_a_stale_file(tmp_path):
    stale = tmp_path / "q.rq"
    stale.write_text("#+ summary: x\nSELECT ?s WHERE { ?s a tppo:State }\n", encoding="utf-8")
    assert write_prefixes.main(["--check", str(stale)]) == 1
    assert write_prefixes.main([str(stale)]) == 0
    assert stale.read_text(encoding="utf-8").splitlines()[1] == "PREFIX tppo: <https://w3id.org/tppo/def/>"
    assert write_prefixes.main(["--check", str(stale)]) == 0
