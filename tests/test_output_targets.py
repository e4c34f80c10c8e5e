"""`-o` never replaces what is not a regular file: devices are written through, links followed, the rest refused.

Run as root (CI is), where a rename onto /dev/null would succeed and replace the device for every program.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tppo_graph.cli import main

# verbs that write with -o, each with its arguments
WRITERS = {
    "export": ["export", "--format", "nt"],
    "query": ["query", "known-absences", "--format", "csv"],
    "check": ["check", "--format", "json"],
}


def _one_line_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr


@pytest.mark.parametrize("verb", WRITERS)
def test_dev_null_is_written_through_and_stays_a_device(runner, verb):
    before = Path("/dev/null").stat()
    result = runner.invoke(main, [*WRITERS[verb], "-o", "/dev/null"])
    assert result.exit_code == 0, result.output
    after = Path("/dev/null").stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("verb", WRITERS)
def test_dev_full_is_a_one_line_error_and_stays_a_device(runner, verb):
    result = runner.invoke(main, [*WRITERS[verb], "-o", "/dev/full"])
    _one_line_error(result, "/dev/full: cannot write: No space left on device")
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)


def test_dev_stdout_writes_to_the_standard_output():
    done = subprocess.run(
        [sys.executable, "-m", "tppo_graph", "export", "--format", "nt", "-o", "/dev/stdout"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(b"\n") > 10_000  # the graph, one triple a line
    assert Path("/dev/stdout").is_symlink() or stat.S_ISCHR(Path("/dev/stdout").stat().st_mode)


@pytest.mark.parametrize("verb", WRITERS)
def test_a_symlink_is_followed_and_kept(runner, tmp_path, verb):
    target = tmp_path / "real.out"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.out"
    link.symlink_to(target)
    result = runner.invoke(main, [*WRITERS[verb], "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text(encoding="utf-8") not in ("", "old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.out", "real.out"]  # no temporary file left


def test_a_dangling_symlink_creates_its_target(runner, tmp_path):
    link = tmp_path / "link.nt"
    link.symlink_to(tmp_path / "new.nt")
    result = runner.invoke(main, [*WRITERS["export"], "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and (tmp_path / "new.nt").stat().st_size > 0


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))  # the socket file stays after the test's socket object is collected
    sock.close()
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


SPECIAL = {
    "fifo": (_fifo, "is a FIFO"),
    "socket": (_socket, "is a socket"),
    "directory": (_directory, "is a directory"),
}


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("verb", WRITERS)
def test_fifo_socket_and_directory_are_refused_untouched(runner, tmp_path, kind, verb):
    make, says = SPECIAL[kind]
    path = make(tmp_path / "target")
    mode = path.lstat().st_mode
    result = runner.invoke(main, [*WRITERS[verb], "-o", str(path)])  # a FIFO must not block: it is never opened
    _one_line_error(result, str(path), says)
    assert path.lstat().st_mode == mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_a_symlink_to_a_fifo_is_refused(runner, tmp_path):
    fifo = _fifo(tmp_path / "fifo")
    link = tmp_path / "link"
    link.symlink_to(fifo)
    result = runner.invoke(main, [*WRITERS["export"], "-o", str(link)])
    _one_line_error(result, "is a FIFO")
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)
