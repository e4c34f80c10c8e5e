"""The on-disk store cache: a pyoxigraph store of the selected graph, built once and reopened read-only.

The first run over a set of files bulk-loads them into an on-disk store under the user cache folder; later runs
reopen it read-only, which is faster than parsing the files again (a few milliseconds for the bundled graph, a
tenth of a second against seconds at a million triples).

A cache that cannot lie:

- **Keyed on content.** The key holds a cryptographic hash of each file's bytes (BLAKE2b-256 up to 8 MB of input,
  SHA-256 above), with its RDF format, in order, and the versions of pyoxigraph and of the entailment rules; the
  store's folder is named by a hash of the key. A file rewritten with the same size and modification time
  (``cp -p``, ``rsync -t``, a checkout) gets a new store. A file's digest is remembered with
  its device, inode, size, modification and status-change times (``.digests.json``), and reused while all five
  are unchanged and older than two seconds: the status-change time cannot be set back, so a rewrite always shows,
  and a million triples are not hashed again on every run (0.3 s).
- **Published whole.** A store is built in a private ``.building-*`` folder and published by one rename, under an
  exclusive lock (``fcntl.flock`` on ``.NAME.lock``; the kernel releases it when its holder dies), so that
  concurrent builders wait for the first and reuse its store. Leftovers of killed builds are removed by the next
  build.
- **Verified on open.** Beside the key, a manifest lists every file of the store with its size and CRC-32; a
  store that does not match (truncated, a bit flipped, a file gone) is rebuilt, with a one-line notice. Above
  :data:`VERIFY_MAX_BYTES` of store only the sizes are checked (hashing would cost more than the query).

``TPPO_GRAPH_CACHE`` = ``auto`` (default) | ``always`` | ``never``: ``never`` parses the files into memory on every
run; ``auto`` does so too, with a notice, when the cache folder cannot be written or there is no home folder, and
answers a large graph's first query from memory while a detached process builds its store; ``always`` makes an
unusable cache an error.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import pyoxigraph as ox

from . import log
from .errors import GraphParseError, UsageError
from .parsing import fill_store, load_file, parse_file
from .resources import GraphFiles, fingerprint, graph_files, rdf_format_name, user_cache_dir

__all__ = ["CACHE_ENV", "build_store", "cache_dir", "cache_key", "open_store"]

CACHE_ENV = "TPPO_GRAPH_CACHE"
#: stores kept in the cache; the least recently used are removed beyond this
CACHE_KEEP = 8
#: up to this many bytes of input, a missing store is built before answering (it takes well under a second);
#: above, the first run answers from memory (as fast as parsing allows) while a detached process builds the store
SYNC_BUILD_MAX_BYTES = 32 * 1024 * 1024
#: set by a short-lived process (the CLI, one command each): the background build of a large graph's store then
#: starts once the process has ended, instead of beside the query it answers from memory
BUILD_AFTER_EXIT = False
#: up to this many bytes of store, every file is checksummed on open (about 1 ms for the bundled graph's 3.4 MB);
#: above, only the sizes are checked
VERIFY_MAX_BYTES = 64 * 1024 * 1024
_KEY_FILE = "tppo-graph-key"
_MANIFEST = "tppo-graph-manifest"
#: files RocksDB itself may rewrite or that hold no data (its text log, its lock): not in the manifest
_UNLISTED = ("LOG", "LOCK", _KEY_FILE, _MANIFEST)


class _NoCache(Exception):
    """The cache cannot be used here (no home, a folder that cannot be written)."""


def cache_dir() -> Path:
    """Where the cached stores live (``$XDG_CACHE_HOME/tppo-graph/stores`` or the platform's cache folder)."""
    base = user_cache_dir()
    if base is None:
        raise _NoCache("there is no home folder to keep a cache in (set XDG_CACHE_HOME)")
    return base / "stores"


def _checksum(path: Path) -> str:
    """CRC-32 of a store file: catches accidental damage (any flipped bit, a truncation) at a fifth of SHA-256's
    cost; it is no defence against tampering, but whoever can write the cache folder can write anything there."""
    crc = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def cache_key(files: GraphFiles) -> str:
    """What a cached store must match: each file's content hash and format, in order, and the versions."""
    from .digests import file_digests
    from .entailment import ENTAILMENT_VERSION

    try:
        folder: Path | None = cache_dir()
    except _NoCache:
        folder = None  # nowhere to remember digests: each file is hashed
    # the entailment rules are part of what a store holds: a new rule set must not reuse an old store
    lines = [f"pyoxigraph {getattr(ox, '__version__', '?')}", f"entailment {ENTAILMENT_VERSION}"]
    for path, digest in zip(files.graph, file_digests(files.graph, folder), strict=True):
        lines.append(f"{digest}\t{rdf_format_name(path)}")
    return "\n".join(lines) + "\n"


def _mode() -> str:
    mode = os.environ.get(CACHE_ENV, "auto")
    if mode not in ("auto", "always", "never"):
        raise UsageError(f"{CACHE_ENV}: unknown value {mode!r} (choose from: auto, always, never)")
    return mode


def _target(key: str) -> Path:
    return cache_dir() / fingerprint(key.encode("utf-8"))


def _listed(store: Path) -> list[Path]:
    return sorted(p for p in store.iterdir() if p.is_file() and not p.name.startswith(_UNLISTED))


def _manifest(store: Path) -> str:
    return "".join(f"{p.name}\t{p.stat().st_size}\t{_checksum(p)}\n" for p in _listed(store))


def _problem(target: Path, key: str) -> str | None:
    """Why the store in ``target`` cannot be used for ``key`` ('missing' when there is none), or None if it can."""
    try:
        if (target / _KEY_FILE).read_text(encoding="utf-8") != key:
            return "missing"  # not ours (only a hash collision could do this): built anew
        expected = (target / _MANIFEST).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return "missing"
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read ({exc.strerror if isinstance(exc, OSError) else exc})"
    entries = [line.split("\t") for line in expected]
    sizes = {name: int(size) for name, size, _ in entries}
    try:
        for name, size in sizes.items():
            actual = (target / name).stat().st_size
            if actual != size:
                return f"{name} is {actual} bytes, not {size}"
        present = {p.name for p in _listed(target)}
        if present != set(sizes):
            return f"its files changed ({', '.join(sorted(present ^ set(sizes)))})"
        if sum(sizes.values()) <= VERIFY_MAX_BYTES:
            for name, _, digest in entries:
                if _checksum(target / name) != digest:
                    return f"{name} does not match its checksum"
    except FileNotFoundError as exc:
        return f"{Path(str(exc.filename)).name} is missing"
    return None


@contextmanager
def _locked(name: Path) -> Iterator[None]:
    """Hold the exclusive build lock of one store (blocking until it is free)."""
    name.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(name.parent / f".{name.name}.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; a builder that loses the rename discards its copy
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _is_held(lock: Path) -> bool:
    """Whether some process holds the build lock ``lock`` now."""
    try:
        import fcntl
    except ImportError:
        return True  # cannot tell: leave the folder alone
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _clean_leftovers(directory: Path, mine: str) -> None:
    """Remove the private folders of builds that died (their lock is free) and stores set aside as damaged."""
    import shutil

    for entry in directory.iterdir():
        if not entry.name.startswith((".building-", ".damaged-")) or not entry.is_dir():
            continue
        name = entry.name.split("-", 2)[1] if entry.name.count("-") >= 2 else ""
        if name == mine or not _is_held(directory / f".{name}.lock"):
            shutil.rmtree(entry, ignore_errors=True)


def _prune(directory: Path, keep: int) -> None:
    import shutil

    stores = sorted((p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")), key=os.path.getmtime)
    for old in stores[:-keep]:
        if not _is_held(directory / f".{old.name}.lock"):
            shutil.rmtree(old, ignore_errors=True)
            (directory / f".{old.name}.lock").unlink(missing_ok=True)


def _build(files: GraphFiles, target: Path, key: str) -> None:
    """Bulk-load the files into a private folder, then publish it as ``target`` in one rename (lock held)."""
    import shutil
    import tempfile
    import uuid

    _clean_leftovers(target.parent, target.name)
    staging = Path(tempfile.mkdtemp(prefix=f".building-{target.name}-", dir=target.parent))
    try:
        store = ox.Store(str(staging))
        for path in files.graph:
            try:
                load_file(store, path, ox.DefaultGraph(), bulk=True)
            except GraphParseError:
                # the bulk loader's messages carry no position: parse again for file:line:column
                list(parse_file(path))
                raise
        from .entailment import materialise

        materialise(store)  # ENTAILMENT HOOK (#10): the closure is stored with the graph, computed once per build
        # Compact into few files: a read-only open then reads a handful of tables instead of dozens (8 ms against
        # 19 ms for the bundled graph), which is most of a cached query's cost.
        store.optimize()
        store.flush()
        del store
        (staging / _MANIFEST).write_text(_manifest(staging), encoding="utf-8")
        (staging / _KEY_FILE).write_text(key, encoding="utf-8")
        if target.exists():  # a damaged store: set it aside in one rename, then remove it
            aside = target.parent / f".damaged-{target.name}-{uuid.uuid4().hex[:8]}"
            target.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:  # no lock on this platform and another process won the race: its store is as good
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(target.parent, CACHE_KEEP)


def _ensure_built(files: GraphFiles, target: Path, key: str, unopenable: str | None = None) -> None:
    """Make ``target`` a good store for ``key``: wait for a concurrent builder or build it (under the lock).

    :param unopenable: why a store that passed the checks could not be opened: rebuilt whatever the checks say.
    """
    with _locked(target):
        problem = _problem(target, key)
        if problem is None and unopenable is None:
            return  # another process built it while we waited
        problem = problem or unopenable
        if problem != "missing":
            log.notice(f"the cached store {target} is damaged ({problem}); rebuilding it")
        log.debug("store: building the cached store %s", target)
        _build(files, target, key)


def _open(target: Path) -> ox.Store:
    store = ox.Store.read_only(str(target))
    with suppress(OSError):  # mark it used (the least recently used are pruned); a read-only folder only costs that
        os.utime(target)
    return store


def _build_in_background(data: Sequence[str | Path] | None, target: Path) -> None:
    """Start a detached process that builds the store, unless one is already building it."""
    import subprocess
    import sys

    if _is_held(target.parent / f".{target.name}.lock"):
        return
    entries = [str(Path(d).resolve()) if str(d) != "bundled" else "bundled" for d in (data or [])]
    # With BUILD_AFTER_EXIT it waits for this process to end (at most a minute); either way it builds at a lower
    # priority: on a small machine the two would otherwise share the cores while this one answers from memory (at a
    # million triples the first query took 1.9x a bare parse, 1.5x without the build beside it).
    code = (
        "import os, sys, time\n"
        "parent, until = int(sys.argv[1]), time.monotonic() + 60\n"
        "while parent and os.getppid() == parent and time.monotonic() < until:\n"
        "    time.sleep(0.05)\n"
        "os.nice(10)\n"
        "from tppo_graph.store import build_store\n"
        "build_store(sys.argv[2:] or None)\n"
    )
    with suppress(OSError):  # no background build: the next run tries again
        subprocess.Popen(
            [sys.executable, "-c", code, str(os.getpid() if BUILD_AFTER_EXIT else 0), *entries],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # survives this process, does not get its Ctrl-C
        )


def build_store(data: Sequence[str | Path] | None = None) -> Path:
    """Build (or confirm) the cached on-disk store of a selection; returns its folder."""
    files = graph_files(data)
    key = cache_key(files)
    target = _target(key)
    if _problem(target, key) is not None:
        _ensure_built(files, target, key)
    return target


def _in_memory(files: GraphFiles) -> ox.Store:
    return fill_store(ox.Store(), files, entailed=True)


def open_store(data: Sequence[str | Path] | None = None) -> ox.Store:
    """A store holding the ontology and the selected data, ready for queries."""
    files = graph_files(data)
    mode = _mode()
    if mode == "never":
        log.debug("store: parsing %d files into memory (%s=never)", len(files.graph), CACHE_ENV)
        return _in_memory(files)
    key = cache_key(files)
    unopenable: str | None = None
    try:
        target = _target(key)
        if _problem(target, key) is None:
            log.debug("store: reopening the cached store %s", target)
            try:
                return _open(target)
            except (OSError, RuntimeError) as exc:  # RocksDB found what the checks did not: rebuild it
                unopenable = f"it cannot be opened: {' '.join(str(exc).split())[:200]}"
        if mode == "auto" and sum(p.stat().st_size for p in files.graph) > SYNC_BUILD_MAX_BYTES:
            log.debug("store: large graph, answering from memory while a background process builds %s", target)
            target.parent.mkdir(parents=True, exist_ok=True)
            _build_in_background(data, target)
            return _in_memory(files)
        _ensure_built(files, target, key, unopenable)
        return _open(target)
    except (OSError, RuntimeError, _NoCache) as exc:
        reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.strerror else str(exc)
        if mode == "always":
            raise UsageError(f"{CACHE_ENV}=always: the store cache cannot be used ({reason})") from None
        log.notice(f"the store cache cannot be used ({reason}); reading the graph into memory")
        return _in_memory(files)
