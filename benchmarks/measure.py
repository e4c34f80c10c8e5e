"""Shared helpers of the benchmark scripts: whole-process timing with peak memory, medians, Markdown tables."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def own_cli() -> str | None:
    """The ``tppo-graph`` entry point of the Python running the benchmark (None if it has none): the first one on
    PATH may be another install, or a pyenv shim, a shell script that would be timed too."""
    return shutil.which("tppo-graph", path=str(Path(sys.executable).parent))


def env_without_bytecode_block() -> dict[str, str]:
    """The environment with bytecode caching, as on a user's machine: some sandboxes set PYTHONDONTWRITEBYTECODE,
    which makes every process compile the package from source again (pip-installed packages ship their .pyc)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.peak_kib) / 1024 if self.peak_kib else 0.0


def run_measured(
    command: Sequence[str], env: dict[str, str] | None = None, timeout: float | None = None
) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (KiB) of one whole process (``os.wait4`` gives that child's own
    resource usage, so no wrapper process adds to the time). Past ``timeout`` seconds the process is killed and
    ``subprocess.TimeoutExpired`` raised."""
    import os
    import tempfile
    import threading

    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=subprocess.DEVNULL, stderr=err, env=env)
        timer = threading.Timer(timeout, process.kill) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            if timer:
                timer.cancel()
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if timeout and elapsed >= timeout:
            raise subprocess.TimeoutExpired(list(command), timeout)
        if process.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed: {err.read().decode(errors='replace').strip()[-500:]}")
    return elapsed, int(usage.ru_maxrss)


class Launcher:
    """Starts measured commands from a small process of its own.

    Linux counts the parent's resident memory at fork into the child's peak (``ru_maxrss`` keeps the old address
    space's high-water mark across ``exec``), so a harness holding a million-triple store would lend every command
    it starts its own half a gigabyte. A launcher started before the harness grows keeps peaks honest.
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(
        self, command: Sequence[str], env: dict[str, str] | None = None, timeout: float | None = None
    ) -> tuple[float, int]:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(json.dumps({"command": list(command), "env": env, "timeout": timeout}) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        if "timeout" in answer:
            raise subprocess.TimeoutExpired(list(command), answer["timeout"])
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["seconds"], answer["peak_kib"]

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait()


def _serve() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        try:
            seconds, peak = run_measured(request["command"], request["env"], request["timeout"])
            answer: dict[str, object] = {"seconds": seconds, "peak_kib": peak}
        except subprocess.TimeoutExpired as exc:
            answer = {"timeout": exc.timeout}
        except (RuntimeError, OSError) as exc:
            answer = {"error": str(exc)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    _serve()
