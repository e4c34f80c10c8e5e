"""Where the bundled ontology, shapes, graph data and saved queries live, and which files a run uses.

The data folders sit at the top of the repository (``ontology/``, ``graph_data/``, ``queries/``) and are copied
into the wheel as ``tppo_graph/_data/...``; this module is the only place that knows both layouts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

from .errors import DataSelectionError

__all__ = [
    "BUNDLED",
    "DATA_ENV",
    "RDF_EXTENSIONS",
    "GraphFiles",
    "bundled_root",
    "fingerprint",
    "graph_files",
    "rdf_format_name",
    "shape_files",
    "user_cache_dir",
]

#: the special ``--data`` value that stands for the bundled graph data
BUNDLED = "bundled"
#: environment variable equivalent to ``--data`` (paths separated by os.pathsep)
DATA_ENV = "TPPO_GRAPH_DATA"
#: file extension -> format name (pyoxigraph / rdflib agree on these media types)
RDF_EXTENSIONS: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "ntriples",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
}
ONTOLOGY_FILES = ("tppo.ttl", "vocabularies.ttl")
SHAPES_FILES = ("shapes.ttl", "prefixes.ttl")


@cache
def bundled_root() -> Path:
    """The folder holding ``ontology/``, ``graph_data/`` and ``queries/``.

    In an installed wheel that is ``tppo_graph/_data``; in a checkout or an editable install (where hatch maps
    only the package folder) it is the repository root, one level above this package.
    """
    here = Path(__file__).resolve().parent
    packaged = here / "_data"
    if (packaged / "ontology").is_dir():
        return packaged
    return here.parent


class GraphFiles(NamedTuple):
    """The files one run reads: the ontology (always bundled), the data, and the shapes (tuples of paths)."""

    ontology: tuple[Path, ...]
    data: tuple[Path, ...]
    shapes: tuple[Path, ...]

    @property
    def graph(self) -> tuple[Path, ...]:
        """Ontology and data: what ``export``, ``stats`` and queries see as the graph."""
        return self.ontology + self.data


def rdf_format_name(path: Path) -> str:
    """The RDF format of ``path`` by its extension; a clear error for anything else."""
    fmt = RDF_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(RDF_EXTENSIONS))
        raise DataSelectionError(path, f"not an RDF file by its extension (known: {known})")
    return fmt


def _expand(entry: str | Path) -> list[Path]:
    if str(entry) == BUNDLED:
        entry = bundled_root() / "graph_data"
    path = Path(entry).expanduser()
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in RDF_EXTENSIONS and p.is_file())
        if not found:
            raise DataSelectionError(path, "directory holds no RDF files (.ttl, .nt, .nq, .trig, .jsonld, .rdf)")
        return found
    if not path.exists():
        raise DataSelectionError(path, "no such file or directory")
    rdf_format_name(path)
    return [path]


def fingerprint(data: bytes) -> str:
    """A 128-bit BLAKE2b hex digest of ``data``: the name of a cache entry made from it.

    From hashlib's own BLAKE2 module: importing hashlib loads OpenSSL, about 4 ms, a tenth of a cached query.
    """
    from _blake2 import blake2b

    return blake2b(data, digest_size=16).hexdigest()


def user_cache_dir() -> Path | None:
    """Where tppo-graph keeps caches it can always rebuild, or None when this user has no home to keep them in.

    ``$XDG_CACHE_HOME/tppo-graph`` when set, else the platform's user cache folder: ``~/.cache`` on Linux (worked
    out here: importing platformdirs costs half a cached query), platformdirs' answer elsewhere
    (``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows).
    """
    import sys

    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():  # the XDG spec: a relative value is invalid and is ignored
        return Path(xdg) / "tppo-graph"
    if sys.platform.startswith("linux"):
        home = Path(os.path.expanduser("~"))  # noqa: PTH111 - ~ stays unexpanded (no HOME, no passwd entry)
        return home / ".cache" / "tppo-graph" if home.is_absolute() and str(home) != "/" else None
    import platformdirs  # type: ignore[import-not-found,unused-ignore]  # a dependency on macOS and Windows only

    found = platformdirs.user_cache_path("tppo-graph", appauthor=False)
    return found if found.is_absolute() else None


def shape_files() -> tuple[Path, ...]:
    """The SHACL shapes and the prefix declarations their SPARQL constraints use."""
    root = bundled_root() / "ontology"
    return tuple(root / name for name in SHAPES_FILES)


def graph_files(data: Sequence[str | Path] | None = None) -> GraphFiles:
    """Resolve a data selection to files.

    ``data`` lists files or directories (``"bundled"`` is the bundled graph data); ``None`` means the
    ``TPPO_GRAPH_DATA`` environment variable if set, else the bundled data. The ontology and shapes are always the
    bundled ones: a user's extension is data written against them.
    """
    if data is None:
        env = os.environ.get(DATA_ENV)
        data = [p for p in env.split(os.pathsep) if p] if env else [BUNDLED]
        if not data:  # ':' names no path: not a silent run on no data
            raise DataSelectionError(f"${DATA_ENV}={env}", "names no file or folder (paths separated by ':')")
    files: list[Path] = []
    for entry in data:
        for path in _expand(entry):
            if path not in files:  # the same file twice would only double-count in stats
                files.append(path)
    root = bundled_root()
    return GraphFiles(
        ontology=tuple(root / "ontology" / name for name in ONTOLOGY_FILES),
        data=tuple(files),
        shapes=shape_files(),
    )
