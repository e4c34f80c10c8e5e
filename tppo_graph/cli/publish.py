"""The publishing verbs: ``report`` (one document for readers) and ``site`` (the static linked-data site)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EXIT_OK
from .options import (
    PROG,
    Parser,
    data_option,
    emit,
    lang_option,
    note,
    open_engine,
    output_option,
    parser,
    remote_options,
)

__all__ = [
    "EXPORT_QUERIES_SUMMARY",
    "REPORT_SUMMARY",
    "SITE_SUMMARY",
    "build_export_queries",
    "build_report",
    "build_site",
    "run_export_queries",
    "run_report",
    "run_site",
]

REPORT_SUMMARY = (
    "Write a report for readers: research questions, gaps, coverage heatmap, network, claims, citation checks."
)


def build_report() -> Parser:
    from ..report import REPORT_FORMATS

    extra = (
        "\n\nOne document for readers who do not write SPARQL, computed by the saved queries when it is made: the\n"
        "paper's research questions, the gap table, the coverage heatmap, the actor network, the assessed claims\n"
        "and the citation checks. HTML carries its stylesheet and pictures inside; Markdown writes its pictures\n"
        "beside the -o file."
    )
    p = parser("report", REPORT_SUMMARY + extra, f"{PROG} report --lang id --format html -o laporan.html")
    lang_option(p, "Language of the labels and wording (default: en).")
    p.add_argument("--format", dest="fmt", choices=REPORT_FORMATS, default="html", help="html or md (default: html).")
    output_option(p, "File to write, atomically (Markdown: the pictures go beside it; default: standard output).")
    data_option(p)
    remote_options(p)
    return p


def run_report(args: argparse.Namespace) -> int:
    from ..report import build_report, write_report

    if args.output is not None and not args.output.parent.is_dir():  # before the work, not after it
        from ..errors import OutputError

        raise OutputError(args.output, f"directory {args.output.parent} does not exist")
    stem = args.output.stem if args.output is not None else "report"
    report = build_report(open_engine(args), args.lang, args.fmt, picture_prefix=stem)
    if args.output is None:
        emit(report.text)
        if report.pictures:
            note(f"The pictures ({', '.join(report.pictures)}) are written only with -o FILE.")
        return EXIT_OK
    written = write_report(report, args.output)
    note(f"Wrote the report ({args.fmt}, {args.lang}) to " + ", ".join(str(p) for p in written))
    return EXIT_OK


SITE_SUMMARY = "Write the graph as a static linked-data site (pages in Indonesian and English, Turtle, JSON-LD)."


def build_site() -> Parser:
    extra = (
        "\n\nOne page per entity, class, property and concept in both languages, with its Turtle and JSON-LD\n"
        "beside it; the ontology documentation; a page per saved query with its current result; the report; a\n"
        "search box that needs no server. Open DIR/index.html from the folder, or publish the folder as it is.\n"
        "DIR is built beside itself and renamed into place; only a new or empty folder, or an earlier site, is\n"
        "replaced."
    )
    p = parser("site", SITE_SUMMARY + extra, f"{PROG} site -o public")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="The folder of the site.")
    p.add_argument("--no-report", action="store_true", help="Leave the report out (faster).")
    data_option(p)
    remote_options(p)
    return p


def run_site(args: argparse.Namespace) -> int:
    from ..site import build_site

    result = build_site(args.output, open_engine(args), report=not args.no_report)
    note(
        f"Wrote the site to {result.path}: {len(result.files):,} files, {result.entity_pages:,} entity pages and "
        f"{result.resource_pages - result.entity_pages:,} other resource pages per language, {result.query_pages} "
        f"query pages ({result.seconds:.1f} s). Open {result.path / 'index.html'}"
    )
    return EXIT_OK


EXPORT_QUERIES_SUMMARY = "Write the saved queries as a folder grlc serves as a web API, with their parameters."


def build_export_queries() -> Parser:
    extra = (
        "\n\nEach query's typed parameters become grlc's ?_name variables (required) and ?__name ones (optional),\n"
        "bound first in the query so that defaults and unbound parameters mean what they mean here; the allowed\n"
        "values of enumerations are read from the graph (--data). DIR is built beside itself and renamed into\n"
        "place; only a new or empty folder, or an earlier export, is replaced."
    )
    example = f"{PROG} export-queries --grlc api --endpoint http://127.0.0.1:7878/query"
    p = parser("export-queries", EXPORT_QUERIES_SUMMARY + extra, example)
    p.add_argument("--grlc", type=Path, required=True, metavar="DIR", help="The folder to write, for grlc.")
    p.add_argument(
        "--endpoint",
        dest="grlc_endpoint",  # not the store this verb reads (other verbs' --endpoint): the one grlc will query
        metavar="URL",
        help="The SPARQL endpoint grlc is to query, written into each query's header (not contacted now).",
    )
    data_option(p)
    return p


def run_export_queries(args: argparse.Namespace) -> int:
    from ..grlc import export_for_grlc
    from ..render import render_grlc_export

    note(render_grlc_export(export_for_grlc(args.grlc, engine=open_engine(args), endpoint=args.grlc_endpoint)))
    return EXIT_OK
