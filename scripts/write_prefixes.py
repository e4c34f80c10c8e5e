"""Write the PREFIX lines each saved query uses at its top, from ontology/prefixes.ttl, so that every
`queries/*.rq` is a complete SPARQL 1.1 query that grlc, Jena, Comunica or a YASGUI page reads as it is.

A file is: its `#+` YAML header, then the PREFIX block this script writes (one line per prefix the query uses, in
the order of ontology/prefixes.ttl), then the query. Running it again rewrites only the PREFIX block.

    python scripts/write_prefixes.py            # rewrite every queries/*.rq that needs it
    python scripts/write_prefixes.py --check    # exit 1 and name the files whose PREFIX block is missing or stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
PREFIXES_TTL = ROOT / "ontology" / "prefixes.ttl"

_DECLARE = re.compile(r'sh:prefix\s+"([\w-]*)"\s*;\s*sh:namespace\s+"([^"]+)"')
_PREFIX_LINE = re.compile(r"^\s*PREFIX\s+[\w-]*:\s*<[^>]*>\s*$", re.IGNORECASE)
#: what can hide a `p:` that is not a prefixed name: comments, strings and IRIs
_NOT_CODE = re.compile(
    r'#[^\n]*|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>'
)


def declared_prefixes(path: Path = PREFIXES_TTL) -> dict[str, str]:
    """prefix -> namespace, in the order of ontology/prefixes.ttl (the one list of the project's prefixes)."""
    return dict(_DECLARE.findall(path.read_text(encoding="utf-8")))


def split(text: str) -> tuple[list[str], list[str], list[str]]:
    """(header lines, PREFIX lines, the rest) of a saved query's text."""
    lines = text.splitlines()
    i = 0
    while i < len(lines) and lines[i].startswith("#+"):
        i += 1
    j = i
    while j < len(lines) and (_PREFIX_LINE.match(lines[j]) or not lines[j].strip()):
        j += 1
    return lines[:i], [line for line in lines[i:j] if line.strip()], lines[j:]


def used_prefixes(body: str, prefixes: dict[str, str]) -> list[str]:
    """The declared prefixes that ``body`` uses as prefixed names, in declaration order."""
    code = _NOT_CODE.sub(" ", body)
    return [p for p in prefixes if re.search(rf"(?<![\w\-.:?$]){re.escape(p)}:", code)]


def with_prefixes(text: str, prefixes: dict[str, str]) -> str:
    """The query text with its PREFIX block rewritten from ``prefixes``."""
    header, _old, rest = split(text)
    body = "\n".join(rest)
    block = [f"PREFIX {p}: <{prefixes[p]}>" for p in used_prefixes(body, prefixes)]
    return "\n".join([*header, *block, *rest]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    parser.add_argument("files", nargs="*", type=Path, help="query files (default: every queries/*.rq)")
    args = parser.parse_args(argv)
    prefixes = declared_prefixes()
    stale = []
    for path in args.files or sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        new = with_prefixes(text, prefixes)
        if new != text:
            stale.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        names = ", ".join(p.name for p in stale)
        print(f"PREFIX block missing or stale in: {names} (run python scripts/write_prefixes.py)", file=sys.stderr)
        return 1
    if not args.check:
        print(f"rewrote {len(stale)} file(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
