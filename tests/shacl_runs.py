"""The validation runs shared by the shape tests and the engine-parity tests, computed once per session.

Every case (the bundled graph, the test context, the context plus each negative fixture) is validated with both
pySHACL (the reference: every fixture, every run of the suite) and pyshacl-turbo. The runs are independent and
CPU-bound, so they are spread over a process pool, one worker per core; nothing else of the suite runs meanwhile
(the store tests' timings are left alone).
"""

from __future__ import annotations

import gc
import os
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from multiprocessing import get_context
from pathlib import Path

from tppo_graph.validation import ValidationReport, validate_graph

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "tests" / "data"
#: the small valid world each fixture is added to
CONTEXT = (ROOT / "graph_data" / "paper.ttl", ROOT / "graph_data" / "sources.ttl", DATA_DIR / "context.ttl")
INVALID_DIR = DATA_DIR / "invalid"
FIXTURES = sorted(INVALID_DIR.glob("*.ttl"))
#: None is the bundled graph
CASES: list[tuple[Path, ...] | None] = [None, CONTEXT, *((*CONTEXT, f) for f in FIXTURES)]
VALIDATORS = ("pyshacl", "turbo")


def _validate(job: tuple[tuple[Path, ...] | None, str]) -> ValidationReport:
    files, validator = job
    return validate_graph(list(files) if files is not None else None, validator=validator)


@cache
def _all() -> dict[tuple[tuple[Path, ...] | None, str], ValidationReport]:
    jobs = [(case, validator) for case in CASES for validator in VALIDATORS]
    workers = max(1, min(len(os.sched_getaffinity(0)), 4))
    # Collected here, not by the pool's helper thread: pyoxigraph objects must be dropped on the thread that made them.
    gc.collect()
    # spawn, not fork: the test process may hold threads (servers, proxies) that a fork would copy half-way
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        reports = list(pool.map(_validate, jobs, chunksize=4))
    return dict(zip(jobs, reports, strict=True))


def run(files: tuple[Path, ...] | None, validator: str) -> ValidationReport:
    """``validate_graph`` of the ontology plus ``files`` (None: the bundled graph) with one validator."""
    known = _all()
    if (files, validator) in known:
        return known[files, validator]
    return _validate((files, validator))


def reference(files: tuple[Path, ...] | None) -> ValidationReport:
    """The reference report: pySHACL's."""
    return run(files, "pyshacl")
