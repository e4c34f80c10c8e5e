"""Validation runs shared by the shape tests and the engine-parity tests: each is computed once per session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tppo_graph.validate import ValidationReport, validate


@cache
def run(files: tuple[Path, ...] | None, engine: str) -> ValidationReport:
    """``validate`` of the ontology plus ``files`` (None: the bundled graph) with one engine."""
    return validate(list(files) if files is not None else None, engine=engine)


def reference(files: tuple[Path, ...] | None) -> ValidationReport:
    """The reference report: pySHACL's."""
    return run(files, "pyshacl")
