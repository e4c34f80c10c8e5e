"""The suite's background validation helper (tests/shacl_runs.py) never outlives the pytest process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .shacl_runs import ROOT


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_helper_and_its_workers_end_when_their_parent_is_killed(tmp_path: Path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    helper = subprocess.Popen(
        [sys.executable, "-m", "tests.shacl_runs", str(tmp_path / "reports.pickle"), str(parent.pid)],
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # its pool is up and validating
        assert helper.poll() is None and _alive(helper.pid)
        parent.send_signal(signal.SIGKILL)  # no stop() will come
        parent.wait()
        deadline = time.monotonic() + 20
        while _alive(helper.pid) and time.monotonic() < deadline:
            helper.poll()  # reaps the helper itself; its workers are in the group too
            time.sleep(0.2)
        assert not _alive(helper.pid), "the helper's process group outlived its parent"
        assert not (tmp_path / "reports.pickle").exists()
    finally:
        if _alive(helper.pid):
            os.killpg(helper.pid, signal.SIGKILL)
        helper.wait()
        parent.kill()
        parent.wait()
