"""Content digests of the graph's files, for the store cache's key: computed, or remembered while a file is untouched.

A file's digest is remembered in the cache folder (``.digests.json``) with its device, inode, size, modification
and status-change times, and reused while all five are unchanged and older than :data:`RACY_NS`: the status-change
time cannot be set from user space, so a file rewritten in place with its old size and mtime put back (``cp -p``,
``rsync -t``, ``touch -r``) still shows, and a replaced file has a new inode. A million triples are then not hashed
again on every cached query (0.3 s of a 0.43 s query).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

__all__ = ["DIGESTS_FILE", "RACY_NS", "digest", "file_digests", "known_digests"]

#: up to this many bytes of input, files are hashed with BLAKE2b (its module loads in no time); above, with
#: OpenSSL's SHA-256 (three times faster per byte, but loading OpenSSL costs about 4 ms, a tenth of a cached query)
SMALL_INPUT = 8 * 1024 * 1024


def digest(path: Path, algorithm: str = "blake2b") -> str:
    """A cryptographic hash of a file's bytes: what a cache key is made of (collisions must be out of reach)."""
    if algorithm == "blake2b":
        from _blake2 import blake2b  # hashlib's own BLAKE2b, without the OpenSSL that importing hashlib loads

        hasher: Any = blake2b(digest_size=32)
    else:
        import hashlib

        hasher = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return f"{algorithm}:{hasher.hexdigest()}"


#: a file whose modification or status change is more recent than this is hashed again on every run: a change in
#: the same clock tick as the remembered one would not show in its times (git's "racily clean" entries)
RACY_NS = 2_000_000_000
DIGESTS_FILE = ".digests.json"  # a dot file: not a store


def signature(path: Path, algorithm: str) -> list[int | str]:
    # ctime cannot be set from user space: a file rewritten in place with its old size and mtime restored (cp -p,
    # rsync -t, touch -r) still gets a new one, and a replaced file a new inode
    st = path.stat()
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, algorithm]


def remembered_digest(path: Path, algorithm: str, remembered: dict[str, list[int | str]]) -> str:
    """The digest of ``path``, read from ``remembered`` when the file's identity and times are those it was
    computed for; else computed and (unless the file changed within :data:`RACY_NS`) remembered."""
    name = str(path.resolve())
    before = signature(path, algorithm)
    entry = remembered.get(name)
    if entry is not None and entry[:-1] == before:
        return str(entry[-1])
    value = digest(path, algorithm)
    if before == signature(path, algorithm):  # not changed while it was read
        mtime, ctime = int(before[3]), int(before[4])
        if time.time_ns() - max(mtime, ctime) > RACY_NS:
            remembered[name] = [*before, value]
        else:
            remembered.pop(name, None)
    return value


def known_digests(folder: Path) -> dict[str, list[int | str]]:
    """The digests remembered in ``folder`` (none when they cannot be read)."""
    try:
        known = json.loads((folder / DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def remember_digests(folder: Path, remembered: dict[str, list[int | str]]) -> None:
    """Write the remembered digests into ``folder`` (whole, by a rename; a folder that cannot be written keeps
    none)."""
    with suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{DIGESTS_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(remembered), encoding="utf-8")
        tmp.replace(folder / DIGESTS_FILE)


def file_digests(paths: Sequence[Path], folder: Path | None) -> list[str]:
    """The digest of each file, in order, remembered in ``folder`` (None: computed every time)."""
    # one algorithm for the whole selection, by its size: BLAKE2b loads in no time, SHA-256 is faster per byte
    algorithm = "blake2b" if sum(p.stat().st_size for p in paths) <= SMALL_INPUT else "sha256"
    known = known_digests(folder) if folder is not None else {}
    remembered = dict(known)
    digests = [remembered_digest(path, algorithm, remembered) for path in paths]
    if folder is not None and remembered != known:
        if len(remembered) > 1000:  # files of selections long gone: keep this selection's
            current = {str(p.resolve()) for p in paths}
            remembered = {k: v for k, v in remembered.items() if k in current}
        remember_digests(folder, remembered)
    return digests
