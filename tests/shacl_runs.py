"""The validation runs shared by the shape tests and the engine-parity tests, computed once per session.

Every case (the bundled graph, the test context, the context plus each negative fixture) is validated with both
pySHACL (the reference: every fixture, on every run of the suite) and pyshacl-turbo. The runs are independent and
CPU-bound: a helper process (``python -m tests.shacl_runs``) starts them on a process pool, one worker per core,
at a lower priority, as soon as the session knows it will need them (``conftest.py``), so that they run while
the rest of the suite does and while its store tests wait on their servers. The test process itself runs no
thread for this: it waits for the helper's pickle when the first report is asked for.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
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
    process = subprocess.Popen([sys.executable, "-m", "tests.shacl_runs", str(out)], cwd=ROOT)
    if shared is not None:
        (shared / "pid").write_text(str(process.pid))
    _helper = (process, out)


def stop(interrupted: bool) -> None:
    """Stop the helper if it is still running and the session was interrupted; otherwise let it finish, since
    other xdist workers may still be waiting for its reports."""
    if _helper is None or _helper[0] is None or _helper[0].poll() is not None:
        return
    if interrupted or _shared() is None:
        _helper[0].kill()
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


def _main(out: Path) -> int:
    # The foreground tests first (their servers have timings to keep), but not starved by other users: nice 3 is
    # half the CPU share of nice 0. The pool's workers inherit it.
    os.nice(3)
    jobs: list[Key] = [(case, validator) for case in CASES for validator in VALIDATORS]
    workers = max(1, min(len(os.sched_getaffinity(0)), 4))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        reports = dict(zip(jobs, pool.map(_validate, jobs, chunksize=4), strict=True))
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(reports))
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(_main(Path(sys.argv[1])))
