"""Tables for people: a natural sort (Art. 8 before Art. 10), the ORDER BY keys of a query, and cells wrapped to a
terminal's width (standard library only: this is on the query path)."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["natural_key", "order_keys", "sort_rows", "wrap_table"]

_DIGITS = re.compile(r"(\d+)")
_ORDER_BY = re.compile(r"\bORDER\s+BY\b(.*?)(?:\bLIMIT\b|\bOFFSET\b|\}|$)", re.IGNORECASE | re.DOTALL)
_KEY = re.compile(r"(DESC|ASC)\s*\(\s*\?(\w+)\s*\)|\?(\w+)", re.IGNORECASE)


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that compares runs of digits as numbers: ``Art. 8(1)`` < ``Art. 10(1)`` < ``Art. 10(3)``."""
    parts = _DIGITS.split(text.casefold())
    return tuple((1, int(p)) if i % 2 else (0, p) for i, p in enumerate(parts) if p)


def order_keys(text: str) -> list[tuple[str, bool]]:
    """The variables of the outermost ORDER BY of a query, each with whether it is descending (``[]`` if none, or
    if it orders by an expression other than a variable)."""
    from .catalogue import strip_comments

    matches = list(_ORDER_BY.finditer(strip_comments(text)))
    if not matches:
        return []
    clause = matches[-1].group(1).strip()
    keys: list[tuple[str, bool]] = []
    rest = clause
    for m in _KEY.finditer(clause):
        if m.group(1):
            keys.append((m.group(2), m.group(1).upper() == "DESC"))
        else:
            keys.append((m.group(3), False))
        rest = rest.replace(m.group(0), "", 1)
    return keys if not rest.strip() else []


def sort_rows(rows: list[list[str]], variables: Sequence[str], keys: Sequence[tuple[str, bool]]) -> list[list[str]]:
    """The displayed rows sorted by the query's ORDER BY variables, comparing the labels shown naturally (a stable
    sort per key, last key first)."""
    ordered = list(rows)
    for name, descending in reversed(keys):
        if name in variables:
            column = list(variables).index(name)

            def key(row: list[str], i: int = column) -> tuple[bool, tuple[tuple[int, int | str], ...]]:
                return (row[i] == "", natural_key(row[i]))

            ordered.sort(key=key, reverse=descending)
    return ordered


def _fit(widths: Sequence[int], available: int, minimum: int) -> list[int] | None:
    """Column widths that fit ``available`` columns: the widest are cut to a common cap; None if even
    ``minimum`` per column does not fit."""
    gaps = 2 * (len(widths) - 1)
    if sum(widths) + gaps <= available:
        return list(widths)
    floor = [min(w, minimum) for w in widths]
    if sum(floor) + gaps > available:
        return None
    low, high = minimum, max(widths)
    while low < high:  # the largest cap that fits
        mid = (low + high + 1) // 2
        if sum(min(w, mid) for w in widths) + gaps <= available:
            low = mid
        else:
            high = mid - 1
    capped = [min(w, low) for w in widths]
    spare = available - gaps - sum(capped)
    for i, w in enumerate(widths):  # hand out what is left to the columns that were cut, left to right
        if spare <= 0:
            break
        extra = min(spare, w - capped[i])
        capped[i] += extra
        spare -= extra
    return capped


def wrap_table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, *, minimum: int = 10) -> str | None:
    """The table with its cells wrapped to fit ``width`` columns (rows separated by a blank line when they wrap),
    or None when the columns cannot fit at ``minimum`` characters each."""
    import textwrap

    natural = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    widths = _fit(natural, width, minimum)
    if widths is None:
        return None

    def block(cells: Sequence[str]) -> list[str]:
        wrapped = [
            textwrap.wrap(c, w, break_long_words=True, break_on_hyphens=False) or [""]
            for c, w in zip(cells, widths, strict=True)
        ]
        height = max(len(w) for w in wrapped)
        return [
            "  ".join((w[k] if k < len(w) else "").ljust(widths[j]) for j, w in enumerate(wrapped)).rstrip()
            for k in range(height)
        ]

    lines = block(list(headers))
    lines.append("  ".join("-" * w for w in widths))
    wraps = widths != natural
    for row in rows:
        lines.extend(block(row))
        if wraps:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def terminal_width(stream: object, writing_to_file: bool = False) -> int | None:
    """The width to wrap a table to: the terminal's when ``stream`` is one, else ``$COLUMNS`` when set, else None
    (piped or written to a file: no wrapping)."""
    import os
    import shutil

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    if not writing_to_file and callable(isatty) and isatty():
        return shutil.get_terminal_size().columns
    return None


def vertical(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str:
    """Rows as records, one ``column  value`` line each (values wrapped), for tables too wide to wrap."""
    import textwrap

    key = max(len(h) for h in headers)
    room = max(20, width - key - 2)
    out: list[str] = []
    for number, row in enumerate(rows, start=1):
        out.append(f"-- {number} " + "-" * max(0, min(width, 60) - len(str(number)) - 4))
        for header, cell in zip(headers, row, strict=True):
            lines = textwrap.wrap(cell, room, break_on_hyphens=False) or [""]
            out.append(f"{header.ljust(key)}  {lines[0]}".rstrip())
            out.extend(" " * (key + 2) + line for line in lines[1:])
    return "\n".join(out) + "\n"


_ABSENCE = ("none found in what was examined", "not examined")


def blank_note(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str | None:
    """What an empty cell means for this result, or None when no cell is empty.

    An empty cell is a value the graph does not record (an OPTIONAL part found nothing): not evidence that none
    exists. Columns that word an absence ("none found in what was examined" / "not examined") explain the empty
    cells of the columns that share their stem (``bilateralNone`` explains ``bilateral``, ``bilateralExtent``).
    """
    empty = [h for i, h in enumerate(headers) if any(r[i] == "" for r in rows)]
    if not empty:
        return None
    explainers = [h for i, h in enumerate(headers) if any(r[i] in _ABSENCE for r in rows)]
    explained: dict[str, list[str]] = {}
    for column in empty:
        for explainer in explainers:
            stem = explainer.removesuffix("None")
            if column != explainer and stem and column.startswith(stem):
                explained.setdefault(explainer, []).append(column)
                break
    note = (
        f"Empty cells ({', '.join(empty)}): the graph records nothing there; that is not evidence that nothing exists."
    )
    if explained:
        parts = [f"{', '.join(cols)}: see {explainer}" for explainer, cols in explained.items()]
        note += (
            " Whether the graph looked: " + "; ".join(parts) + " ('none found in what was examined' or 'not examined')."
        )
    elif explainers:
        note += f" {', '.join(explainers)} say whether the graph looked ('none found in what was examined' or 'not examined')."
    return note
