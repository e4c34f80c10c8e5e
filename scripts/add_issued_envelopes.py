"""Give every dated source its xsd:date envelope: tppo:dateEarliest / tppo:dateLatest next to its dcterms:issued.

A publication date stays as precise as the source gives it (``"2023"^^xsd:gYear`` is never made a day); the
envelope is the first and the last day it can denote (``2023-01-01`` / ``2023-12-31``; a day is its own envelope),
which typed filters compare (docs/modelling.md, "Dates"; shape tpsh:IssuedEnvelope checks it). The two triples are
written on the line after the value, so the files keep their layout. Run once; running it again adds nothing.

The edit is checked before anything is written: each file, parsed after the edit, must be the file parsed before it
plus exactly the envelope triples that were missing, or the file is left as it was and the script fails.

Usage: python scripts/add_issued_envelopes.py [FILE.ttl ...]   (default: graph_data/*.ttl)
"""

from __future__ import annotations

import calendar
import re
import sys
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
XSD = "http://www.w3.org/2001/XMLSchema#"
TPD = "https://w3id.org/tppo/id/"
ISSUED = "http://purl.org/dc/terms/issued"
SOURCE = "https://w3id.org/tppo/def/Source"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: a subject at the start of a line, as every data file writes it
SUBJECT = re.compile(r"^tpd:(?P<local>[^\s;]+)")
#: a dcterms:issued value on an indented line that continues the statement (" ;" at its end), as the files write it
LINE = re.compile(
    r'^(?P<indent>[ \t]+)(?:.* ; )?dcterms:issued "(?P<value>[^"]+)"\^\^xsd:(?P<type>date|gYearMonth|gYear) ;$'
)


def envelope(value: str, datatype: str) -> tuple[str, str]:
    """The first and the last day a date of that precision can denote."""
    if datatype == "date":
        return value, value
    year = int(value[:4])
    if datatype == "gYear":
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    month = int(value[5:7])
    return f"{value[:7]}-01", f"{value[:7]}-{calendar.monthrange(year, month)[1]:02d}"


def pair(subject: str, value: str, datatype: str) -> set[str]:
    """The two envelope triples of ``subject``, as N-Triples (pyoxigraph terms built in Python and parsed ones do
    not always hash alike, so triples are compared as text)."""
    earliest, latest = envelope(value, datatype)
    return {
        f'<{subject}> <https://w3id.org/tppo/def/dateEarliest> "{earliest}"^^<{XSD}date>',
        f'<{subject}> <https://w3id.org/tppo/def/dateLatest> "{latest}"^^<{XSD}date>',
    }


def triples(path: Path) -> list[ox.Triple]:
    return list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))


def ground(found: list[ox.Triple]) -> set[str]:
    # blank nodes get new labels on every parse: compare the rest as text, and count all
    return {str(t) for t in found if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}


def missing(found: list[ox.Triple], sources: set[str]) -> set[str]:
    """The envelope triples ``found`` lacks, for every subject whose dcterms:issued needs one."""
    needed: set[str] = set()
    for t in found:
        if t.predicate.value != ISSUED or not isinstance(t.object, ox.Literal):
            continue
        kind = t.object.datatype.value.removeprefix(XSD)
        if kind not in ("date", "gYearMonth", "gYear"):
            continue  # not a date: tpsh:DocumentDate reports it
        # a day needs no envelope except on a source record, where every dated record carries one
        if kind == "date" and t.subject.value not in sources:
            continue
        needed |= pair(t.subject.value, t.object.value, kind)
    return needed - ground(found)


def edit(text: str, needed: set[str]) -> str:
    """The file's text with the envelope line after each dcterms:issued line whose subject lacks it."""
    out: list[str] = []
    subject = None
    for line in text.splitlines(keepends=True):
        out.append(line)
        if start := SUBJECT.match(line):
            subject = TPD + start["local"]
        match = LINE.match(line.rstrip("\n"))
        if match and subject and pair(subject, match["value"], match["type"]) & needed:
            earliest, latest = envelope(match["value"], match["type"])
            out.append(
                f'{match["indent"]}tppo:dateEarliest "{earliest}"^^xsd:date ; tppo:dateLatest "{latest}"^^xsd:date ;\n'
            )
    return "".join(out)


def main(paths: list[str]) -> int:
    files = [Path(p) for p in paths] or sorted((ROOT / "graph_data").glob("*.ttl"))
    # a subject's class may be stated in another file
    sources = {
        t.subject.value
        for f in {*sorted((ROOT / "graph_data").glob("*.ttl")), *files}
        for t in triples(f)
        if t.predicate.value == RDF_TYPE and t.object.value == SOURCE
    }
    for path in files:
        before = triples(path)
        needed = missing(before, sources)
        if not needed:
            continue
        tmp = path.with_suffix(".ttl.tmp")
        tmp.write_text(edit(path.read_text(encoding="utf-8"), needed), encoding="utf-8")
        after = triples(tmp)
        if ground(after) != ground(before) | needed or len(after) != len(before) + len(needed):
            tmp.unlink()
            print(f"{path}: the edit would not add exactly the missing envelopes; file left as it was", file=sys.stderr)
            return 1
        tmp.replace(path)
        print(f"{path}: {len(needed) // 2} envelope(s) added")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
