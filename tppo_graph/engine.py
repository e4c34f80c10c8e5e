"""The embedded query engine: a pyoxigraph store of the selected graph, in memory or from an on-disk cache.

Small graphs (the bundled one) are parsed into memory on every run: that takes milliseconds. Large graphs are
bulk-loaded once into an on-disk store under the user cache directory, keyed by the paths, sizes and modification
times of the files, and reopened read-only by later runs; a changed file gives a new key, so a stale cache is
never used. ``TPPO_GRAPH_CACHE`` = ``auto`` (default) | ``always`` | ``never`` overrides the choice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from .errors import UsageError
from .graph import fill_store, ox_format, parse_file
from .resources import GraphFiles, graph_files

__all__ = ["CACHE_ENV", "cache_dir", "fingerprint", "open_store"]

CACHE_ENV = "TPPO_GRAPH_CACHE"
#: above this many bytes of input files, ``auto`` uses the on-disk cache
CACHE_THRESHOLD_BYTES = 32 * 1024 * 1024
_COMPLETE = "tppo-graph-complete"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tppo-graph" / "stores"


def fingerprint(files: GraphFiles) -> str:
    """A key that changes whenever a file of the selection is added, removed, moved or modified."""
    digest = hashlib.sha256()
    for path in files.graph:
        stat = path.stat()
        digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    digest.update(ox.__version__.encode() if hasattr(ox, "__version__") else b"")
    return digest.hexdigest()[:24]


def _mode() -> str:
    mode = os.environ.get(CACHE_ENV, "auto")
    if mode not in ("auto", "always", "never"):
        raise UsageError(f"{CACHE_ENV}: unknown value {mode!r} (choose from: auto, always, never)")
    return mode


def _build_cache(files: GraphFiles, target: Path) -> None:
    """Bulk-load the files into a fresh on-disk store, then move it into place in one rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        store = ox.Store(str(staging))
        for path in files.graph:
            # parse first: a syntax error must be reported with its line, and must not leave a half-built cache
            try:
                store.bulk_load(path=path, format=ox_format(path))
            except SyntaxError:
                list(parse_file(path))  # re-raises as GraphParseError with file:line:column
                raise
        store.flush()
        del store
        (staging / _COMPLETE).touch()
        try:
            staging.rename(target)
        except OSError:  # another process won the race: its store is as good as ours
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def open_store(data: Sequence[str | Path] | None = None) -> ox.Store:
    """A store holding the ontology and the selected data, ready for queries."""
    files = graph_files(data)
    mode = _mode()
    size = sum(p.stat().st_size for p in files.graph)
    if mode == "never" or (mode == "auto" and size < CACHE_THRESHOLD_BYTES):
        return fill_store(ox.Store(), files)
    target = cache_dir() / fingerprint(files)
    if not (target / _COMPLETE).exists():
        _build_cache(files, target)
    return ox.Store.read_only(str(target))
