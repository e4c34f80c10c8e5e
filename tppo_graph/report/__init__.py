"""``tppo-graph report``: one self-contained document for readers who do not write SPARQL.

:func:`build_report` runs the saved queries and returns a :class:`Report` (the document's text and its pictures,
plain values); :func:`write_report` writes it atomically (HTML with its stylesheet and pictures inlined as data
URIs; Markdown with the pictures beside it). Everything the report shows is computed when it is made.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..catalogue import LANGUAGES
from ..engines import Engine, LocalEngine, connect
from ..errors import InvalidOption
from ..namespaces import DATASET, compact
from . import data

__all__ = ["REPORT_FORMATS", "Report", "build_report", "write_report"]

#: the report's formats
REPORT_FORMATS = ("html", "md")
#: the brokers of the actor network that get a label
TOP_BROKERS = 10


@dataclass(frozen=True)
class Report:
    """A report: its text, its pictures (file name -> PNG bytes), and what it was made from."""

    text: str
    pictures: dict[str, bytes]
    fmt: str
    lang: str
    made: str
    data: tuple[str, ...]
    version: str | None
    queries: tuple[str, ...]
    #: the labels drawn on the network picture with their boxes (pixels), for checks that none overlap
    network_labels: tuple[tuple[str, tuple[float, float, float, float]], ...] = field(default=())


def _made(now: datetime | None) -> str:
    if now is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")  # reproducible builds
        now = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%d %H:%M UTC")


def _provenance(engine: Engine) -> tuple[tuple[str, ...], str | None]:
    """The files (or the endpoint) the graph came from, and the dataset's version as the graph states it."""
    from ..queries import sparql

    if isinstance(engine, LocalEngine):
        from ..resources import bundled_root

        root = bundled_root()
        files = tuple(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in engine.files().graph)
    else:
        from ..transport import safe_url

        files = (safe_url(getattr(engine, "endpoint", engine.name)),)
    result = sparql(f"SELECT ?v WHERE {{ <{DATASET}> dcat:version ?v }}", engine=engine)
    rows = getattr(result, "rows", ())
    version = next((r["v"].value for r in rows if r.get("v") is not None), None)
    return files, version


def _network(
    runner: data.Runner, lang: str, words: dict[str, str], shared: dict[str, Any]
) -> tuple[Any, data.Sources, list[dict[str, Any]]]:
    from ..binding import expand_curie
    from ..network import brokers, metrics, projection
    from .figures import draw_network

    a, b = (expand_curie(c) or c for c in ("tpd:IDN", "tpd:KHM"))
    if "graph" not in shared:  # the projection and its metrics do not depend on the language
        graph = projection("projection-actors", engine=runner.engine)
        shared.update(graph=graph, metrics=metrics(graph), brokers=brokers(graph, a, b), layout={})
    graph, measured, between = shared["graph"], shared["metrics"], shared["brokers"]
    runner.ran.append("projection-actors")
    ranked = [r["node"] for r in measured.top("betweenness", TOP_BROKERS)]
    labelled = [a, b, *[n for n in ranked if n not in (a, b)]]
    sizes = {r["node"]: float(r["betweenness"]) for r in measured.rows}
    classes = {c for n in graph.nodes if (c := graph.nodes[n].get("cls", ""))}
    runner.label(expand_curie(c) or c for c in classes)
    class_words = {c: (runner.cell(_iri(expand_curie(c) or c)) or data.Cell(c)).text for c in classes}
    picture, on_path = draw_network(
        graph,
        labelled,
        (a, b),
        {**class_words, "path": words["net_path"], "title": words["net_title"]},
        lang=lang,
        sizes=sizes,
        layout=shared["layout"],
    )
    facts = {f for u, v in on_path for f in graph.edges[u, v].get("facts", "").split()}
    sources = data.network_sources(runner, {expand_curie(f) or f for f in facts})
    label = "label_id" if lang == "id" else "label_en"
    table = [
        {
            "node": data.Cell(r[label], r["node"]),
            "cls": r["cls"],
            "betweenness": f"{r['betweenness']:.3f}",
            "paths": next((x["paths"] for x in between.brokers if x["node"] == r["node"]), 0),
        }
        for r in measured.top("betweenness", TOP_BROKERS)
    ]
    info = {
        "table": table,
        "shortest": between.shortest_paths,
        "distance": between.distance,
        "drawn": picture.drawn,
        "nodes": graph.number_of_nodes(),
    }
    return picture, sources, [info]


def _iri(value: str) -> Any:
    import pyoxigraph as ox

    return ox.NamedNode(value)


def build_report(
    engine: Engine | None = None,
    lang: str = "en",
    fmt: str = "html",
    *,
    link: Callable[[str], str] | None = None,
    query_link: Callable[[str], str | None] | None = None,
    stylesheet: str | None = None,
    now: datetime | None = None,
    picture_prefix: str = "report",
    shared: dict[str, Any] | None = None,
) -> Report:
    """Make the report from the graph of ``engine`` (default: the bundled graph).

    :param lang: the language of labels and wording (``id`` or ``en``).
    :param fmt: ``html`` (one self-contained file) or ``md`` (pictures beside it, named ``PREFIX-*.png``).
    :param link: where an entity links to (default: its IRI); the static site links its own pages.
    :param query_link: where a saved query's name links to (default: nowhere).
    :param stylesheet: link this stylesheet instead of inlining the report's own (HTML).
    :param shared: a dictionary kept between reports of the same graph in several languages: the network's
        projection, metrics and layout are then computed once (and the pictures are the same).
    """
    from ..templating import render, resource, strings
    from .figures import coverage_key, draw_heatmap

    if fmt not in REPORT_FORMATS:
        raise InvalidOption(
            "fmt", "report format", f"unknown format {fmt!r} (choose from: {', '.join(REPORT_FORMATS)})"
        )
    if lang not in LANGUAGES:
        raise InvalidOption("lang", "language", f"unknown language {lang!r} (choose from: {', '.join(LANGUAGES)})")
    engine = engine if engine is not None else connect()
    words = strings(lang)
    runner = data.Runner(engine, lang)
    questions = data.questions(runner)
    gaps, gap_sources = data.gap_table(runner)
    matrix, states, matrix_sources = data.heatmap_data(runner)
    prefix = _common_prefix([r["provision"].text for r in matrix if r["provision"]])
    heat_rows = [(_heat_label(r, prefix), r["a"], r["b"]) for r in matrix]
    coverage_words = {k: words["cov_" + k.replace("-", "_")] for k in ("full", "partial", "none-found", "not-examined")}
    heatmap = draw_heatmap(heat_rows, (states[0].text, states[1].text), coverage_words, words["heat_title"])
    network, network_sources, network_info = _network(runner, lang, words, shared if shared is not None else {})
    claims = data.claims(runner)
    qc = data.qc_findings(runner)
    files, version = _provenance(engine)
    names = {"heatmap": f"{picture_prefix}-heatmap.png", "network": f"{picture_prefix}-network.png"}
    pictures = {names["heatmap"]: heatmap.png, names["network"]: network.png}
    if fmt == "html":
        sources = {
            k: "data:image/png;base64," + base64.b64encode(pictures[v]).decode("ascii") for k, v in names.items()
        }
    else:
        sources = dict(names)

    made = _made(now)
    context = {
        "w": words,
        "lang": lang,
        "made": made,
        "files": files,
        "version": version,
        "questions": questions,
        "gaps": gaps,
        "gap_sources": gap_sources,
        "matrix": matrix,
        "matrix_counts": _counts(matrix, coverage_key),
        "coverage_words": coverage_words,
        "coverage_key": coverage_key,
        "states": states,
        "matrix_sources": matrix_sources,
        "network": network_info[0],
        "network_sources": network_sources,
        "claims": claims,
        "qc": qc,
        "pictures": sources,
        "link": link or (lambda iri: iri),
        "query_link": query_link or (lambda name: None),
        "compact": compact,
        "queries": tuple(runner.ran),
        "css": resource("report.css") if fmt == "html" and stylesheet is None else "",
        "stylesheet": stylesheet,
    }
    text = render(f"report.{fmt}.j2" if fmt == "md" else "report.html.j2", **context)
    return Report(
        text=text,
        pictures=pictures if fmt == "md" else {},
        fmt=fmt,
        lang=lang,
        made=made,
        data=files,
        version=version,
        queries=tuple(runner.ran),
        network_labels=network.labels,
    )


def _counts(matrix: list[dict[str, Any]], key: Any) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {"a": {}, "b": {}}
    for row in matrix:
        for side in ("a", "b"):
            k = key(row[side])
            out[side][k] = out[side].get(k, 0) + 1
    return out


def _common_prefix(labels: list[str]) -> str:
    """The longest start shared by every label that ends at ', ' (``Palermo Protocol, ``), or ''."""
    if not labels:
        return ""
    prefix = labels[0]
    for label in labels[1:]:
        while not label.startswith(prefix):
            prefix = prefix[:-1]
    cut = prefix.rfind(", ")
    return prefix[: cut + 2] if cut >= 0 else ""


def _heat_label(row: dict[str, Any], prefix: str) -> str:
    obligation = row["obligation"].text
    obligation = obligation if len(obligation) <= 70 else obligation[:69] + "…"
    provision = row["provision"].text.removeprefix(prefix) if row["provision"] else ""
    return f"{provision}  {obligation}" if provision else obligation


def write_report(report: Report, path: str | Path) -> list[Path]:
    """Write the report to ``path`` atomically, and a Markdown report's pictures beside it; the files written."""
    from ..atomic import write_atomic

    target = Path(path)
    written = []
    for name, png in report.pictures.items():
        picture = target.parent / name
        write_atomic(picture, png)
        written.append(picture)
    write_atomic(target, report.text.encode("utf-8"))
    return [target, *written]
