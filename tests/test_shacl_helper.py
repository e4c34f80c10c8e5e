"""The suite's background validation helper (tests/shacl_runs.py) never outlives the pytest process that started it,
and uses pySHACL's recorded reports only for exactly the inputs they were recorded from."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


# ---------------------------------------------------------------------------------------------------------------
# pySHACL's recorded reports (tests/pyshacl_reports): used only for exactly the inputs they were recorded from


def test_every_recorded_report_belongs_to_a_case():
    from .shacl_runs import CASES, RECORDED, case_id

    names = {f"{case_id(case)}.json" for case in CASES}
    assert {p.name for p in RECORDED.glob("*.json")} <= names, "run scripts/update_pyshacl_reports.py"


@pytest.mark.parametrize("change", ["a byte of the fixture", "the pySHACL version", "a shape"])
def test_a_recorded_report_is_not_used_once_an_input_changes(tmp_path, monkeypatch, change):
    from tppo_graph import validation

    from . import shacl_runs

    fixture = tmp_path / "copy.ttl"
    fixture.write_bytes(shacl_runs.FIXTURES[0].read_bytes())
    case = (*shacl_runs.CONTEXT, fixture)
    monkeypatch.setattr(shacl_runs, "RECORDED", tmp_path / "reports")
    report = validation.ValidationReport(conforms=True, engine="pyshacl", files=[str(f) for f in case[:-1]])
    shacl_runs.record(case, report)
    assert shacl_runs.recorded(case) == report  # the same inputs: the recorded report is the answer
    if change == "a byte of the fixture":
        fixture.write_bytes(fixture.read_bytes() + b"\n# changed\n")
    elif change == "the pySHACL version":
        monkeypatch.setattr(shacl_runs, "_versions", lambda: "python=3;pyshacl=0.0.0;rdflib=0;owlrl=0")
    else:
        shapes = tmp_path / "shapes.ttl"
        shapes.write_bytes(validation.shape_files()[0].read_bytes() + b"\n# changed\n")
        monkeypatch.setattr(shacl_runs, "shape_files", lambda: (shapes, *validation.shape_files()[1:]))
    assert shacl_runs.recorded(case) is None  # pySHACL runs on the case again
