"""Write a file or a folder so that readers see the old content or the new one, never a partial one (``-o`` of
every verb; the folders of ``site`` and ``export-queries``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError

__all__ = ["check_folder_target", "folder_atomic", "write_atomic"]


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


def check_folder_target(target: Path, marker: str, what: str) -> None:
    """Refuse a target folder that may hold someone's files: only a new or empty folder, or one holding
    ``marker`` (an earlier output of the same verb, ``what``), is ever replaced."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputError(target, "it exists and is not a folder; give a new or empty folder")
    if target.is_dir() and any(target.iterdir()) and not (target / marker).is_file():
        raise OutputError(target, f"the folder is not empty and holds no {what} ({marker}); give a new or empty folder")
    if not target.parent.is_dir():
        raise OutputError(target, f"directory {target.parent} does not exist")


@contextlib.contextmanager
def folder_atomic(target: Path) -> Iterator[Path]:
    """A private folder beside ``target`` to write into; on a clean exit it replaces ``target`` whole (one
    rename, the older folder moved aside first and removed afterwards); on any error it is removed."""
    try:
        build = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise OutputError(target, exc.strerror or str(exc)) from None
    try:
        yield build
        build.chmod(0o777 & ~_umask())  # mkdtemp makes it 0700; give it a plain mkdir's mode
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            old.rmdir()
            target.rename(old)
        try:
            build.rename(target)
        except OSError as exc:
            if old is not None:
                old.rename(target)
            raise OutputError(target, exc.strerror or str(exc)) from None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
