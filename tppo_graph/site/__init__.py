"""``tppo-graph site``: the graph as a static linked-data site, readable offline from its folder.

:func:`build_site` writes one page per resource under ``def/``, ``id/`` and ``vocab/`` in Indonesian and English,
with its Turtle and JSON-LD beside it (``rel="alternate"``), a page per class listing its members, the ontology
documentation (classes, properties, SKOS schemes, SHACL shapes), a page per saved query with its current result, the
report, and a search box over the labels of both languages that needs no server. The site is built in a temporary
folder beside the target and renamed into place, so a failed build leaves the previous site as it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..atomic import check_folder_target, folder_atomic
from ..catalogue import LANGUAGES, list_queries
from ..engines import Engine, LocalEngine, connect
from ..errors import InvalidOption
from ..sitepaths import query_path, relative

__all__ = ["MARKER", "SiteResult", "build_site"]

#: the file that marks a folder as a tppo-graph site (only such a folder, or an empty one, is ever replaced)
MARKER = ".tppo-graph-site"


@dataclass(frozen=True)
class SiteResult:
    """What :func:`build_site` wrote: the folder, its files (relative paths), the page counts and the time taken."""

    path: Path
    files: tuple[str, ...]
    entity_pages: int
    resource_pages: int
    query_pages: int
    seconds: float


def _triples(engine: Engine) -> list:  # type: ignore[type-arg]
    """The asserted triples (a local engine's store also holds the entailed closure, which pages do not show)."""
    import pyoxigraph as ox

    if isinstance(engine, LocalEngine):
        from ..parsing import load_store

        store = load_store(engine.data, entailed=False)
        return [q.triple for q in store.quads_for_pattern(None, None, None, None)]
    result = engine.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", name="site")
    return [t for t in result if isinstance(t, ox.Triple)]  # type: ignore[union-attr]


def build_site(
    out: str | Path, engine: Engine | None = None, *, langs: tuple[str, ...] = LANGUAGES, report: bool = True
) -> SiteResult:
    """Write the static site of the graph of ``engine`` (default: the bundled graph) into the folder ``out``.

    ``out`` must be new, empty, or a site this function wrote before (it is replaced whole, atomically).
    """
    import pyoxigraph as ox

    from ..queries import query_text, run_query
    from ..resources import shape_files
    from ..templating import render, resource
    from .collect import index_graph
    from .pages import Pages
    from .rdf import jsonld, turtle

    started = time.monotonic()
    for lang in langs:
        if lang not in LANGUAGES:
            raise InvalidOption("lang", "language", f"unknown language {lang!r} (choose from: {', '.join(LANGUAGES)})")
    target = Path(out)
    check_folder_target(target, MARKER, "tppo-graph site")
    engine = engine if engine is not None else connect()
    graph = index_graph(_triples(engine))
    shapes = index_graph(q.triple for path in shape_files() for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE))
    pages = Pages(graph, shapes, langs)
    files: list[str] = []

    def put(rel: str, content: str | bytes) -> None:
        path = build / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        files.append(rel)

    with folder_atomic(target) as build:  # replaces an earlier site whole, or leaves it as it was
        put(
            MARKER, "A static site written by `tppo-graph site`; the folder is replaced whole when it is built again.\n"
        )
        put("style.css", resource("report.css"))
        put(".htaccess", resource("htaccess.txt"))
        put("search.js", resource("search.js"))
        put("search-index.js", pages.search_index())
        put("index.html", render("site-chooser.html.j2"))
        entities = 0
        for res in pages.resources.values():
            triples = graph.closure(res.iri)
            put(res.path + ".ttl", turtle(triples))
            put(res.path + ".jsonld", jsonld(res.iri, triples))
            entities += res.kind == "entity"
            for lang in langs:
                put(f"{res.path}.{lang}.html", pages.resource_page(res, lang))
        queries = list_queries()
        for saved in queries:
            params = dict(saved.example)
            for lang in langs:
                result = run_query(saved.name, params, engine=engine, language=lang)
                text = query_text(saved, params, engine=engine, language=lang)
                if hasattr(result, "rows"):
                    put(query_path(saved.name, lang), pages.query_page(saved, lang, result, text, params))
        shared: dict[str, object] = {}
        for lang in langs:
            put(f"ontology.{lang}.html", pages.ontology_page(lang))
            put(f"index.{lang}.html", pages.index_page(lang, queries, entities))
            if report:
                from ..report import build_report

                def link(iri: str, lang: str = lang) -> str:
                    return pages.href(iri, lang, 0)

                def query_link(name: str, lang: str = lang) -> str | None:
                    return relative(query_path(name, lang), 0)

                made = build_report(
                    engine, lang, "html", link=link, query_link=query_link, stylesheet="style.css", shared=shared
                )
                put(f"report.{lang}.html", made.text)
    return SiteResult(
        path=target,
        files=tuple(files),
        entity_pages=entities,
        resource_pages=len(pages.resources),
        query_pages=len(queries),
        seconds=time.monotonic() - started,
    )
