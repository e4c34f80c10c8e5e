"""Record pySHACL's report on every case of the shape tests in tests/pyshacl_reports/, with its inputs' digest.

    python scripts/update_pyshacl_reports.py          # the cases whose inputs changed (or that have no report)
    python scripts/update_pyshacl_reports.py --all    # every case

The suite uses a recorded report only while the digest of its inputs is unchanged (tests/shacl_runs.py), and runs
pySHACL live otherwise; recording keeps the suite fast. Review the diff: a changed report is a changed answer.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.shacl_runs import CASES, RECORDED, case_id, record, recorded, validate_job, worker_setup


def main(argv: list[str]) -> int:
    todo = [case for case in CASES if "--all" in argv or recorded(case) is None]
    workers = max(1, min(len(os.sched_getaffinity(0)), 4))
    with ProcessPoolExecutor(max_workers=workers, initializer=worker_setup) as pool:
        for case, report in zip(todo, pool.map(validate_job, [(c, "pyshacl") for c in todo], chunksize=4), strict=True):
            record(case, report)
    names = {f"{case_id(case)}.json" for case in CASES}
    gone = [path for path in RECORDED.glob("*.json") if path.name not in names]  # fixtures since removed
    for path in gone:
        path.unlink()
    print(f"recorded {len(todo)} of {len(CASES)} pySHACL reports in {RECORDED.relative_to(ROOT)}; removed {len(gone)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
