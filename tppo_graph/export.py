"""Serialise the whole graph (ontology + data) in a standard format, written atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .dataset import described, statistics, void_triples
from .errors import OutputError, UsageError
from .graph import load_store
from .namespaces import DATA_GRAPH, PREFIXES

__all__ = ["EXPORT_FORMATS", "ExportResult", "export", "write_atomic"]

#: format name -> (pyoxigraph format, whether the output is a dataset with named graphs)
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "ttl": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
    "rdfxml": (ox.RdfFormat.RDF_XML, False),
    "trig": (ox.RdfFormat.TRIG, True),
    "nq": (ox.RdfFormat.N_QUADS, True),
}
# rdf:type etc. are written in full by serialisers without a binding; sh: and vann: are not used by the data.
_EXPORT_PREFIXES = {p: ns for p, ns in PREFIXES.items() if p not in ("sh", "tpsh")}


@dataclass(frozen=True)
class ExportResult:
    """What was exported: the format, the number of statements, and where (``path`` None = returned bytes)."""

    format: str
    statements: int
    path: str | None
    content: bytes | None = None


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


def export(
    fmt: str = "ttl",
    output: str | Path | None = None,
    data: Sequence[str | Path] | None = None,
    *,
    entailed: bool = False,
) -> ExportResult:
    """Serialise ontology + data. ``trig``/``nq`` keep the ontology and the data in two named graphs.

    :param fmt: one of :data:`EXPORT_FORMATS`.
    :param output: file to write atomically; ``None`` returns the bytes in the result.
    :param entailed: add the entailed triples (:mod:`tppo_graph.entailment`); by default only what the data
        assert is written, so that an export reloaded as ``--data`` and validated is the graph itself.
    """
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format: unknown export format {fmt!r} (choose from: {', '.join(EXPORT_FORMATS)})")
    rdf_format, dataset = EXPORT_FORMATS[fmt]
    store = load_store(data, named_graphs=dataset, entailed=entailed)
    if dataset:
        statements: list[ox.Quad] | list[ox.Triple] = list(store)
    else:
        statements = [q.triple for q in store]
    if described(store):  # the dataset's VoID statistics, counted from what is written (never written by hand)
        void = void_triples(statistics(store))
        if dataset:
            graph = ox.NamedNode(DATA_GRAPH)
            statements = [*statements, *(ox.Quad(t.subject, t.predicate, t.object, graph) for t in void)]
        else:
            statements = [*statements, *void]
    prefixes = None if fmt in ("nt", "nq") else _EXPORT_PREFIXES  # line formats have no prefixes
    content = ox.serialize(statements, format=rdf_format, prefixes=prefixes)
    assert content is not None
    if output is None:
        return ExportResult(fmt, len(statements), None, content)
    write_atomic(Path(output), content)
    return ExportResult(fmt, len(statements), str(output))
