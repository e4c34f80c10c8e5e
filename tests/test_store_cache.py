"""A store cache that cannot lie: keyed on content, published whole under a lock, verified on open, rebuilt when
damaged, and replaced by an in-memory store (with a notice) where no cache can be kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tppo_graph.store import cache_dir

QUERY = "SELECT ?o WHERE { <urn:a> <urn:b> ?o }"


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tppo_graph", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TPPO_GRAPH_CACHE": "auto"}


def answer(data: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return cli("sparql", QUERY, "--data", str(data), "--format", "csv", env=env, cwd=data.parent)


def stores(env: dict[str, str]) -> list[Path]:
    folder = Path(env["XDG_CACHE_HOME"]) / "tppo-graph" / "stores"
    return [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.exists() else []


def test_a_file_rewritten_with_the_same_size_and_time_gets_new_answers(tmp_path, env):
    data = tmp_path / "d.ttl"
    data.write_text('<urn:a> <urn:b> "old" .\n', encoding="utf-8")
    first = answer(data, env)
    assert first.returncode == 0 and '"old"' not in first.stdout and "old" in first.stdout
    stat = data.stat()
    data.write_text('<urn:a> <urn:b> "new" .\n', encoding="utf-8")  # same size
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as cp -p, rsync -t or a checkout would leave it
    assert data.stat().st_size == stat.st_size and data.stat().st_mtime_ns == stat.st_mtime_ns
    second = answer(data, env)
    assert second.returncode == 0 and "new" in second.stdout and "old" not in second.stdout


def test_eight_processes_on_a_cold_cache_all_succeed_with_the_same_answer(tmp_path, env):
    name = "palermo-obligations-without-bilateral-mechanism"
    command = [sys.executable, "-m", "tppo_graph", "query", name, "--format", "csv"]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        for _ in range(8)
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0] * 8, [err for _, _, err in results]
    assert len({out for _, out, _ in results}) == 1 and results[0][1].count("\n") > 2
    assert all(err == "" for _, _, err in results)
    assert len(stores(env)) == 1
    leftovers = [p.name for p in stores(env)[0].parent.iterdir() if p.name.startswith((".building-", ".damaged-"))]
    assert leftovers == []


def _flip(path: Path) -> None:
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    stat = path.stat()
    path.write_bytes(bytes(content))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # no help from the time either


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("damage", ["truncated", "bit-flipped", "deleted", "key-deleted", "manifest-garbled"])
def test_a_damaged_cache_is_rebuilt_with_a_one_line_notice(tmp_path, env, damage):
    data = tmp_path / "d.ttl"
    data.write_text("".join(f'<urn:a> <urn:b> "value {i}" .\n' for i in range(2000)), encoding="utf-8")
    expected = answer(data, env)
    assert expected.returncode == 0 and expected.stderr == ""
    (store,) = stores(env)
    tables = sorted(store.glob("*.sst"), key=lambda p: p.stat().st_size)
    if damage == "truncated":
        _truncate(tables[-1])
    elif damage == "bit-flipped":
        _flip(tables[-1])
    elif damage == "deleted":
        tables[-1].unlink()
    elif damage == "key-deleted":
        (store / "tppo-graph-key").unlink()
    else:
        (store / "tppo-graph-manifest").write_bytes(b"\xff\xfe garbage")
    again = answer(data, env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == expected.stdout
    if damage != "key-deleted":  # a store without its key is one that was never finished: rebuilt silently
        assert again.stderr.count("\n") == 1 and "damaged" in again.stderr and "rebuilding" in again.stderr
    assert "Traceback" not in again.stderr
    third = answer(data, env)
    assert third.stdout == expected.stdout and third.stderr == ""  # repaired for good


def test_leftovers_of_killed_builds_are_removed(tmp_path, env):
    data = tmp_path / "d.ttl"
    data.write_text('<urn:a> <urn:b> "x" .\n', encoding="utf-8")
    folder = Path(env["XDG_CACHE_HOME"]) / "tppo-graph" / "stores"
    folder.mkdir(parents=True)
    dead = [folder / ".building-0123456789abcdef0123456789abcdef-k1ll3d", folder / ".damaged-fedcba-12345678"]
    for leftover in dead:
        leftover.mkdir()
        (leftover / "000001.sst").write_bytes(b"half a table")
    assert answer(data, env).returncode == 0
    assert not any(p.exists() for p in dead)


def test_a_build_killed_half_way_leaves_the_next_run_working(tmp_path, env):
    import signal
    import time

    data = tmp_path / "big.nt"
    data.write_text("".join(f'<urn:s{i}> <urn:p> "v{i}" .\n' for i in range(200_000)), encoding="utf-8")
    builder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tppo_graph.store import build_store; import sys; build_store([sys.argv[1]])",
            data,
        ],
        env=env,
        cwd=tmp_path,
    )
    folder = Path(env["XDG_CACHE_HOME"]) / "tppo-graph" / "stores"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (folder.exists() and any(folder.glob(".building-*"))):
        time.sleep(0.01)
    builder.send_signal(signal.SIGKILL)
    builder.wait()
    result = cli(
        "sparql",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:p> ?o }",
        "--data",
        str(data),
        "--format",
        "csv",
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0 and "200000" in result.stdout, result.stderr
    assert not list(folder.glob(".building-*"))


@pytest.mark.parametrize("where", ["a-file", "no-home"])
def test_no_usable_cache_folder_means_memory_and_a_notice(tmp_path, env, where):
    data = tmp_path / "d.ttl"
    data.write_text('<urn:a> <urn:b> "x" .\n', encoding="utf-8")
    if where == "a-file":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("", encoding="utf-8")
        env = {**env, "XDG_CACHE_HOME": str(blocker)}
    else:
        env = {k: v for k, v in env.items() if k != "XDG_CACHE_HOME"}
        env["HOME"] = ""
    result = answer(data, env)
    assert result.returncode == 0 and "x" in result.stdout, result.stderr
    assert result.stderr.count("\n") == 1 and "note:" in result.stderr and "into memory" in result.stderr
    forced = answer(data, {**env, "TPPO_GRAPH_CACHE": "always"})
    assert forced.returncode == 2 and forced.stderr.count("\n") == 1 and "TPPO_GRAPH_CACHE=always" in forced.stderr
    assert "Traceback" not in forced.stderr


def test_the_cache_folder_default_follows_the_platform(monkeypatch):
    from tppo_graph import resources

    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", "/home/someone")
    if sys.platform.startswith("linux"):
        assert resources.user_cache_dir() == Path("/home/someone/.cache/tppo-graph")
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/xdg")
    assert cache_dir() == Path("/tmp/xdg/tppo-graph/stores")


def test_a_remembered_digest_is_reused_only_while_the_file_is_untouched(tmp_path, monkeypatch):
    from tppo_graph import digests, store
    from tppo_graph.resources import graph_files

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(digests, "RACY_NS", 0)  # no waiting out the racy window in a test
    data = tmp_path / "d.nt"
    data.write_text('<urn:a> <urn:b> "old" .\n', encoding="utf-8")
    files = graph_files([data])
    reads: list[Path] = []
    real = digests.digest
    monkeypatch.setattr(
        digests, "digest", lambda path, algorithm="blake2b": reads.append(path) or real(path, algorithm)
    )
    first = store.cache_key(files)
    assert data in reads and (store.cache_dir() / digests.DIGESTS_FILE).exists()
    reads.clear()
    assert store.cache_key(files) == first and data not in reads  # untouched: not read again
    stat = data.stat()
    data.write_text('<urn:a> <urn:b> "new" .\n', encoding="utf-8")  # same size, and the old mtime put back
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert data.stat().st_ctime_ns != stat.st_ctime_ns
    assert store.cache_key(files) != first and data in reads  # the status-change time gave it away


def test_a_file_changed_within_the_racy_window_is_hashed_every_time(tmp_path, monkeypatch):
    from tppo_graph import digests, store
    from tppo_graph.resources import graph_files

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = tmp_path / "d.nt"
    data.write_text('<urn:a> <urn:b> "x" .\n', encoding="utf-8")  # just now: inside the window
    store.cache_key(graph_files([data]))
    assert str(data.resolve()) not in digests.known_digests(store.cache_dir())
