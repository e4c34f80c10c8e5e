"""The validation runs shared by the shape tests and the engine-parity tests, computed once per session.

Every case (the bundled graph, the test context, the context plus each negative fixture) is validated with both
pySHACL (the reference: every fixture) and pyshacl-turbo. The runs are independent and CPU-bound: a helper process
(``python -m tests.shacl_runs``) starts them on a process pool, one worker per core, at a lower priority, as soon
as the session knows it will need them (``conftest.py``), so that they run while the rest of the suite does and
while its store tests wait on their servers. The test process itself runs no thread for this: it waits for the
helper's pickle when the first report is asked for.

pySHACL's report on a case is recorded in ``tests/pyshacl_reports/`` with the SHA-256 of everything it depends on
(see :func:`inputs_digest`: the shapes, the case's files, the code that reads them and turns pySHACL's graph into
a report, and the versions of pySHACL, rdflib and Python). A recorded report is used only while that digest is
unchanged; any change to an input, or another pySHACL or rdflib, makes the helper run pySHACL on the case again,
so every fixture is always compared with pySHACL's report on exactly its inputs (about 290 s of CPU saved when
nothing changed). ``python scripts/update_pyshacl_reports.py`` records the reports anew.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

from tppo_graph.resources import graph_files, shape_files
from tppo_graph.validation import ValidationReport, ValidationResult, validate_graph

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "tests" / "data"
#: the small valid world each fixture is added to
CONTEXT = (ROOT / "graph_data" / "paper.ttl", ROOT / "graph_data" / "sources.ttl", DATA_DIR / "context.ttl")
INVALID_DIR = DATA_DIR / "invalid"
FIXTURES = sorted(INVALID_DIR.glob("*.ttl"))
#: None is the bundled graph
CASES: list[tuple[Path, ...] | None] = [None, CONTEXT, *((*CONTEXT, f) for f in FIXTURES)]
VALIDATORS = ("pyshacl", "turbo")
Key = tuple[tuple[Path, ...] | None, str]
#: pySHACL's recorded reports, one JSON file per case, each with the digest of its inputs
RECORDED = ROOT / "tests" / "pyshacl_reports"
#: the code between pySHACL and a report: what reads the files and what turns pySHACL's graph into results
_CODE = (
    ROOT / "tppo_graph" / "validation.py",
    ROOT / "tppo_graph" / "parsing.py",
    ROOT / "tppo_graph" / "resources.py",
)
_DISTRIBUTIONS = ("pyshacl", "rdflib", "owlrl")


def case_id(case: tuple[Path, ...] | None) -> str:
    """The case's name: the bundled graph, the context, or the fixture's file name."""
    return "bundled-graph" if case is None else "context" if case == CONTEXT else case[-1].stem


@cache
def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def one(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return ";".join([f"python={platform.python_version()}", *(f"{d}={one(d)}" for d in _DISTRIBUTIONS)])


def inputs_digest(case: tuple[Path, ...] | None) -> str:
    """SHA-256 of everything pySHACL's report on ``case`` depends on: the library versions, the shapes, the
    ontology and data files read (each by its path from the project root and its bytes), and the code between."""
    digest = hashlib.sha256(_versions().encode())
    files = (*shape_files(), *graph_files(list(case) if case is not None else ["bundled"]).graph, *_CODE)
    for path in files:
        where = path.resolve()
        digest.update(f"\n{where.relative_to(ROOT) if where.is_relative_to(ROOT) else where}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def recorded(case: tuple[Path, ...] | None) -> ValidationReport | None:
    """pySHACL's recorded report on ``case``, if it was recorded from exactly today's inputs; else None."""
    path = RECORDED / f"{case_id(case)}.json"
    if not path.exists():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    if saved.get("inputs") != inputs_digest(case):
        return None
    report = saved["report"]
    return ValidationReport(
        conforms=report["conforms"],
        results=[ValidationResult(**r) for r in report["results"]],
        engine=report["engine"],
        triples=report["triples"],
        files=[str(ROOT / f) for f in report["files"]],
    )


def record(case: tuple[Path, ...] | None, report: ValidationReport) -> Path:
    """Write pySHACL's report on ``case`` with the digest of its inputs (paths relative to the project root)."""
    assert report.engine == "pyshacl"
    data = report.to_dict()
    data["files"] = [str(Path(f).resolve().relative_to(ROOT)) for f in report.files]
    RECORDED.mkdir(exist_ok=True)
    path = RECORDED / f"{case_id(case)}.json"
    text = json.dumps({"inputs": inputs_digest(case), "report": data}, indent=1, ensure_ascii=False, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path


_helper: tuple[subprocess.Popen[bytes] | None, Path] | None = None


def validate_job(job: Key) -> ValidationReport:
    files, validator = job
    return validate_graph(list(files) if files is not None else None, validator=validator)


def _shared() -> Path | None:
    """Under pytest-xdist, the folder every worker of this run shares (one helper for all of them)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    return Path(tempfile.gettempdir()) / f"tppo-shacl-runs-{run}" if run else None


def start() -> None:
    """Start the helper that computes every report (once per run, however many xdist workers; later calls do
    nothing)."""
    global _helper
    if _helper is not None:
        return
    shared = _shared()
    if shared is None:
        out = Path(tempfile.mkdtemp(prefix="tppo-shacl-runs-")) / "reports.pickle"
    else:
        shared.mkdir(exist_ok=True)
        out = shared / "reports.pickle"
        try:
            os.close(os.open(shared / "owner", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:  # another worker runs the helper: wait for its pickle
            _helper = (None, out)
            return
    # Its own process group: a Ctrl-C at the terminal reaches pytest alone, and stop() ends the helper and its
    # pool workers together (killing the helper alone left the workers running).
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.shacl_runs", str(out), str(os.getpid())], cwd=ROOT, start_new_session=True
    )
    if shared is not None:
        (shared / "pid").write_text(str(process.pid))
    _helper = (process, out)


def stop(interrupted: bool) -> None:
    """Stop the helper if it is still running and the session was interrupted; otherwise let it finish, since
    other xdist workers may still be waiting for its reports."""
    if _helper is None or _helper[0] is None or _helper[0].poll() is not None:
        return
    if interrupted or _shared() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(_helper[0].pid, signal.SIGKILL)
    _helper[0].wait()


def _wait_for_other_worker(out: Path) -> None:
    pid_file = out.parent / "pid"
    while not out.exists():
        time.sleep(0.2)
        if pid_file.exists() and not out.exists():
            try:
                os.kill(int(pid_file.read_text()), 0)
            except ProcessLookupError:
                assert out.exists(), "the validation helper of another xdist worker died without its reports"


@cache
def _all() -> dict[Key, ValidationReport]:
    start()
    assert _helper is not None
    process, out = _helper
    if process is None:
        _wait_for_other_worker(out)
    else:
        assert process.wait() == 0, f"the validation helper failed (exit {process.returncode}); see its output above"
    with out.open("rb") as handle:
        reports: dict[Key, ValidationReport] = pickle.load(handle)
    return reports


def summary() -> str | None:
    """What the helper took from the recorded reports and what it ran live, once it has finished."""
    if _helper is None:
        return None
    path = _helper[1].parent / "summary"
    return path.read_text() if path.exists() else None


def run(files: tuple[Path, ...] | None, validator: str) -> ValidationReport:
    """``validate_graph`` of the ontology plus ``files`` (None: the bundled graph) with one validator."""
    known = _all()
    return known[files, validator] if (files, validator) in known else validate_job((files, validator))


def reference(files: tuple[Path, ...] | None) -> ValidationReport:
    """The reference report: pySHACL's."""
    return run(files, "pyshacl")


def worker_setup() -> None:
    """Make each pool worker's pySHACL runs cheaper without changing what they compute.

    pySHACL's fixed cost per run (about 1.5 s of a run on a fixture) is mostly work that does not depend on the data:
    parsing the shapes, and rdflib parsing each SPARQL constraint's text again for every run (16 parses, 0.4 s).
    A worker parses the shapes once (pySHACL only reads the shapes graph) and keeps each SPARQL text's parsed
    and translated query, which rdflib evaluates afresh against each graph and its bindings (what
    ``prepareQuery`` is for). The reports are those of separate runs, blank-node labels aside (about 30% faster).
    """
    from rdflib.plugins.sparql import processor

    from tppo_graph import validation

    validation.shapes_graph = cache(validation.shapes_graph)  # type: ignore[method-assign]
    original = processor.SPARQLProcessor.query
    prepared: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], object] = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(strOrQuery, str):
            # with one shapes graph, pySHACL writes each constraint's text (its PREFIX lines too) the same way
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            if key not in prepared:
                prepared[key] = processor.translateQuery(processor.parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]


def _watch_parent(parent: int) -> None:
    """End this helper's whole group when the pytest process that started it is gone (killed, say, with no chance
    to call stop()): its reports would go unread."""
    while True:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os.killpg(0, signal.SIGKILL)
        time.sleep(1.0)


def _main(out: Path, parent: int | None = None) -> int:
    # The foreground tests first (their servers have timings to keep), but not starved by other users: nice 3 is
    # half the CPU share of nice 0. The pool's workers inherit it.
    os.nice(3)
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    reports: dict[Key, ValidationReport] = {}
    for case in CASES:  # pySHACL's report, where it was recorded from exactly these inputs
        known = recorded(case)
        if known is not None:
            reports[case, "pyshacl"] = known
    jobs: list[Key] = [(c, v) for c in CASES for v in VALIDATORS if (c, v) not in reports]
    workers = max(1, min(len(os.sched_getaffinity(0)), 4))
    with ProcessPoolExecutor(max_workers=workers, initializer=worker_setup) as pool:
        reports.update(zip(jobs, pool.map(validate_job, jobs, chunksize=4), strict=True))
    live = sum(1 for _, v in jobs if v == "pyshacl")
    (out.parent / "summary").write_text(
        f"pySHACL reports: {len(CASES) - live} recorded for today's inputs (tests/pyshacl_reports), {live} run live"
        + ("; record them with scripts/update_pyshacl_reports.py" if live else "")
    )
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(reports))
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(_main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None))
