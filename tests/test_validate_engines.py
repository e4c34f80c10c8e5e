"""pyshacl-turbo gives exactly pySHACL's report: on the bundled graph, the test context and every negative fixture."""

from __future__ import annotations

import re

import pytest

from tppo_graph.validation import ValidationReport, resolve_validator

from .shacl_runs import CASES, case_id, run

_BNODE = re.compile(r"_:[A-Za-z0-9]+")

pytest.importorskip("pyshacl_turbo")


def comparable(report: ValidationReport) -> list[tuple]:
    """Results with blank-node labels erased: each engine names blank nodes its own way."""
    rows = [
        tuple(
            _BNODE.sub("_:b", v) if isinstance(v, str) else v
            for v in (r.severity, r.source_shape, r.focus_node, r.path, r.value, r.constraint, r.message)
        )
        for r in report.results
    ]
    return sorted(rows, key=lambda t: tuple("" if v is None else v for v in t))  # a count result has no value


def test_auto_prefers_the_fast_engine():
    assert resolve_validator("auto") == "turbo"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_turbo_report_equals_pyshacl_report(case):
    reference, fast = run(case, "pyshacl"), run(case, "turbo")
    assert fast.engine == "turbo" and reference.engine == "pyshacl"
    assert fast.triples == reference.triples
    assert fast.conforms == reference.conforms
    assert comparable(fast) == comparable(reference)
