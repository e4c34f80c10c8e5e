"""Write a file so that readers see the old content or the new one, never a partial one (``-o`` of every verb)."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import OutputError

__all__ = ["write_atomic"]


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


#: paths that name a descriptor this process already holds: written through, whatever file type they are
_DESCRIPTOR_PATHS = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new one, never a partial one.

    Atomic (a temporary file beside the target, then one rename) onto a regular file or a new path. What is not a
    regular file is never replaced: a device (``/dev/null``) or a descriptor of this process (``/dev/stdout``) is
    written through; a symbolic link is followed and its target written by the same rules (the link stays); a
    FIFO, a socket or a directory is refused (a FIFO would block until a reader came).
    """
    path = Path(path)
    if str(path).startswith(_DESCRIPTOR_PATHS):
        _write_through(path, content)
        return
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            _write_through(path, content)
            return
        kinds = {stat.S_ISDIR: "a directory", stat.S_ISFIFO: "a FIFO", stat.S_ISSOCK: "a socket"}
        kind = next((name for test, name in kinds.items() if test(mode)), "a special file")
        raise OutputError(path, f"it is {kind}, not a regular file; give a file path")
    directory = target.parent if str(target.parent) else Path()
    if not directory.is_dir():
        raise OutputError(path, f"directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
    # mkstemp creates the file 0600; give it the mode a plain open() would (or keep the replaced file's mode)
    with contextlib.suppress(OSError):
        Path(tmp).chmod(mode & 0o777 if mode is not None else 0o666 & ~_umask())
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(path, exc.strerror or str(exc)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_through(path: Path, content: bytes) -> None:
    """Write into an existing device or descriptor without creating or replacing anything."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
