"""The validation runs shared by the shape tests and the engine-parity tests, computed once per session.

Every case (the bundled graph, the test context, the context plus each negative fixture) is validated with both
pySHACL (the reference: every fixture, on every run of the suite) and pyshacl-turbo. The runs are independent and
CPU-bound: a helper process (``python -m tests.shacl_runs``) starts them on a process pool, one worker per core,
at a lower priority, as soon as the session knows it will need them (``conftest.py``), so that they run while
the rest of the suite does and while its store tests wait on their servers. The test process itself runs no
thread for this: it waits for the helper's pickle when the first report is asked for.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
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
Key = tuple[tuple[Path, ...] | None, str]

_helper: tuple[subprocess.Popen[bytes] | None, Path] | None = None


def _validate(job: Key) -> ValidationReport:
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


def run(files: tuple[Path, ...] | None, validator: str) -> ValidationReport:
    """``validate_graph`` of the ontology plus ``files`` (None: the bundled graph) with one validator."""
    known = _all()
    return known[files, validator] if (files, validator) in known else _validate((files, validator))


def reference(files: tuple[Path, ...] | None) -> ValidationReport:
    """The reference report: pySHACL's."""
    return run(files, "pyshacl")


def _worker_setup() -> None:
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
    jobs: list[Key] = [(case, validator) for case in CASES for validator in VALIDATORS]
    workers = max(1, min(len(os.sched_getaffinity(0)), 4))
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_setup) as pool:
        reports = dict(zip(jobs, pool.map(_validate, jobs, chunksize=4), strict=True))
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(reports))
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(_main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None))
