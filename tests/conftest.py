"""Shared fixtures: the bundled graph (loaded once), paths, and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tppo_graph.resources import bundled_root, graph_files

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def bundled_graph():
    """The bundled graph (ontology + data) as an rdflib Graph."""
    from tppo_graph.graph import load_graph

    return load_graph()


@pytest.fixture(scope="session")
def bundled_store():
    """The bundled graph in an in-memory pyoxigraph store."""
    from tppo_graph.graph import load_store

    return load_store()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def data_files() -> list[Path]:
    """Every bundled data file, for tests parametrised over the data."""
    return list(graph_files().data)


def ontology_files() -> list[Path]:
    return sorted((bundled_root() / "ontology").glob("*.ttl"))
