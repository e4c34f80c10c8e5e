"""Tables for people in the terminal (issue #14, item 3): natural order, a heading, cells wrapped to the width,
and a note on what an empty cell means."""

from __future__ import annotations

import re

import pytest

from tppo_graph.cli import main
from tppo_graph.tables import blank_note, natural_key, order_keys, sort_rows, wrap_table

HEADLINE = "palermo-obligations-without-bilateral-mechanism"


def test_natural_key_puts_article_8_before_10():
    labels = ["Art. 10(3)", "Art. 8(1)", "Art. 15(2)", "Art. 9(5)", "Art. 10(1)", "Art. 13", "Art. 8(4)"]
    assert sorted(labels, key=natural_key) == [
        "Art. 8(1)", "Art. 8(4)", "Art. 9(5)", "Art. 10(1)", "Art. 10(3)", "Art. 13", "Art. 15(2)",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text, keys",
    [
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?provision ?scope", [("provision", False), ("scope", False)]),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY DESC(?n) ?class LIMIT 5", [("n", True), ("class", False)]),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY STR(?s)", []),  # an expression: keep the engine's order
        ("SELECT * WHERE { ?s ?p ?o }", []),
    ],
)
def test_order_keys(text, keys):
    assert order_keys(text) == keys


def test_sort_rows_is_natural_stable_and_puts_blanks_last():
    rows = [["Art. 10(1)", "b"], ["", "a"], ["Art. 8(1)", "z"], ["Art. 8(1)", "a"]]
    assert sort_rows(rows, ["provision", "x"], [("provision", False)]) == [
        ["Art. 8(1)", "z"], ["Art. 8(1)", "a"], ["Art. 10(1)", "b"], ["", "a"],
    ]  # fmt: skip


def test_wrap_table_fits_the_width():
    rows = [["a long value " * 6, "short", "another long value " * 4]] * 3
    text = wrap_table(["one", "two", "three"], rows, 60)
    assert text is not None and max(len(line) for line in text.splitlines()) <= 60
    assert (
        wrap_table([f"c{i}" for i in range(12)], [["x" * 30] * 12], 60) is None
    )  # cannot fit: the caller goes vertical


def test_blank_note_names_the_columns_that_explain_an_absence():
    headers = ["obligation", "bilateral", "bilateralNone", "cover", "coverNone"]
    rows = [["Duty", "", "not examined", "ACTIP", ""]]
    note = blank_note(headers, rows)
    assert note is not None and "bilateral: see bilateralNone" in note
    assert blank_note(["a"], [["x"]]) is None


def test_headline_table_for_a_100_column_terminal(runner, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    done = runner.invoke(main, ["query", HEADLINE])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Palermo obligations needing inter-state cooperation")  # the query's summary
    assert max(len(line) for line in lines) <= 100
    provisions = [m.group(1) for line in lines if (m := re.match(r"provision\s+(.+)$", line))]
    assert provisions.index("Palermo Protocol, Art. 8(1)") < provisions.index("Palermo Protocol, Art. 10(1)")
    assert provisions == sorted(provisions, key=natural_key)
    assert "that is not evidence that nothing exists" in done.stdout and "see bilateralNone" in done.stdout


def test_narrow_table_wraps_its_cells(runner, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    done = runner.invoke(main, ["query", "obstacles-without-recommendation"])
    assert done.exit_code == 0
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    assert "obstacle" in done.stdout.splitlines()[2]  # heading, blank line, the column names


def test_piped_table_is_not_wrapped_and_markdown_keeps_its_rows(runner, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    table = runner.invoke(main, ["query", HEADLINE]).stdout
    assert max(len(line) for line in table.splitlines()) > 200  # a pipe or a file gets whole lines
    md = runner.invoke(main, ["query", HEADLINE, "--format", "md"]).stdout.splitlines()
    assert md[0].startswith("**Palermo obligations") and md[2].startswith("| obligation | provision |")
    body = [line for line in md if line.startswith("| Duty")]
    cells = [line.split(" | ")[1] for line in body]
    assert cells == sorted(cells, key=natural_key)
    assert md[-1].startswith("Empty cells")


def test_the_query_path_stays_light(tmp_path):
    """Tables for people add no library to the query path: no Jinja2, MarkupSafe, matplotlib or networkx."""
    import json
    import os
    import subprocess
    import sys

    probe = (
        "import sys, json\n"
        "from tppo_graph.cli import main\n"
        "code = main(['query', 'palermo-obligations-without-bilateral-mechanism', '--format', 'md'])\n"
        "heavy = ('jinja2', 'markupsafe', 'matplotlib', 'networkx', 'rdflib')\n"
        "sys.stderr.write(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "100"}
    for _ in range(2):  # the second run has its store and header caches
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
