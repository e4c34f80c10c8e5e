"""The ``check`` verb: the SHACL report and every saved query tagged ``qc`` as one list of findings."""

from __future__ import annotations

import argparse

from .options import (
    PROG,
    Parser,
    data_of,
    data_option,
    lang_option,
    open_engine,
    output_option,
    parser,
    refuse_input_as_output,
    remote_options,
)
from .options import write as write_output

__all__ = ["CHECK_SUMMARY", "build_check", "run_check"]

CHECK_SUMMARY = "Quality check: SHACL and every qc query as one list of findings (exit 1 on any error)."


def build_check() -> Parser:
    from ..render_check import CHECK_FORMATS
    from ..validation import VALIDATORS

    extra = (
        "\n\nWhat a reviewer of the paper or of the graph runs first. Severities on one scale: SHACL violations,\n"
        "warnings and infos are error, warning and info; a qc query's error, warning and info stay; the citation\n"
        "checks' substantive is a warning and minor an info. With --endpoint the qc queries run on the store and\n"
        "SHACL is not run (it validates files: run `tppo-graph validate --data FILES`). Exit 0 without an error\n"
        "finding, 1 with one, 2 on bad input."
    )
    p = parser("check", CHECK_SUMMARY + extra, f"{PROG} check --format md -o review.md")
    p.add_argument("--format", dest="fmt", choices=CHECK_FORMATS, default="text", help="text, json or md.")
    output_option(p)
    lang_option(p, "Language of the labels and headings (default: en).")
    p.add_argument(
        "--engine", choices=VALIDATORS, default="auto", help="The SHACL validator, as for validate (default: auto)."
    )
    data_option(p)
    remote_options(p)
    return p


def run_check(args: argparse.Namespace) -> int:
    from ..check import run_checks
    from ..render_check import render_check

    if args.output is not None:  # before the work, not after it
        from ..errors import OutputError

        if not args.output.parent.is_dir():
            raise OutputError(args.output, f"directory {args.output.parent} does not exist")
        refuse_input_as_output(args, args.output)
    engine = open_engine(args)
    report = run_checks(engine, data=data_of(args), lang=args.lang, validator=args.engine)
    total = len(report.findings)
    write_output(args, render_check(report, args.fmt), f"Wrote {total} finding(s) ({args.fmt})")
    return report.exit_code
