"""``tppo-graph report``: one self-contained document, computed by saved queries when it is made (issue #14)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from itertools import combinations

import pytest

from tppo_graph.cli import main
from tppo_graph.queries import run_query
from tppo_graph.report import build_report, write_report
from tppo_graph.tables import natural_key

WHEN = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def html_en(local):
    return build_report(local, "en", "html", now=WHEN)


@pytest.fixture(scope="module")
def md_id(local):
    return build_report(local, "id", "md", now=WHEN)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []  # what a browser would load to show the page
        self.links: list[str] = []
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("img", "script", "iframe", "source") and attrs.get("src"):
            self.fetched.append(attrs["src"])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.fetched.append(attrs.get("href", ""))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def test_html_report_is_self_contained(html_en):
    parser = _Refs()
    parser.feed(html_en.text)
    assert parser.fetched and all(src.startswith("data:image/png;base64,") for src in parser.fetched)
    assert "<style>" in html_en.text and "@import" not in html_en.text and "url(" not in html_en.text
    assert '"Segoe UI"' in html_en.text  # the stylesheet is inlined as it is, not escaped
    assert html_en.pictures == {}  # inlined


def test_report_says_when_and_from_which_data(html_en):
    assert "2026-12-01 12:00 UTC" in html_en.text
    assert "graph_data/coverage.ttl" in html_en.text and html_en.version and html_en.version in html_en.text
    assert {"palermo-obligations-without-bilateral-mechanism", "palermo-coverage-matrix", "projection-actors"} <= set(
        html_en.queries
    )
    assert {q for q in html_en.queries if q.startswith("qc-")} == {
        "qc-citation-assessed", "qc-citation-author-count", "qc-citation-form", "qc-citation-name",
        "qc-citation-unmatched", "qc-citation-venue", "qc-citation-year", "qc-reference-entries",
        "qc-open-items", "qc-paper-only", "qc-unsourced-undated", "qc-weak-sources",
    }  # fmt: skip


def _gap_section(text: str) -> str:
    return text.split('<section id="gaps">', 1)[1].split("</section>", 1)[0]


def test_gap_table_is_the_headline_query_sorted_by_article(html_en, local):
    result = run_query("palermo-obligations-without-bilateral-mechanism", engine=local)
    expected = {row["obligation"].value for row in result.rows}
    section = _gap_section(html_en.text)
    rows = section.split("<tbody>", 1)[1].split("<tr>")[1:]
    shown = [re.search(r'href="([^"]+)"', row).group(1) for row in rows]
    assert len(shown) == len(expected) and set(shown) == expected  # one row per obligation, each with its IRI
    provisions = [re.findall(r"<td>(?:<a [^>]*>)?([^<]+)", row)[1] for row in rows]
    assert provisions == sorted(provisions, key=natural_key)
    assert provisions.index("Palermo Protocol, Art. 8(1)") < provisions.index("Palermo Protocol, Art. 10(1)")
    assert "none found in what was examined" in section and "not examined" in section
    assert "Partial" in section and "Framework only" in section  # extents of the bilateral and the other covers


def test_every_table_row_carries_an_iri(html_en):
    body = html_en.text.split("<main>", 1)[1]
    for table in re.findall(r"<tbody>(.*?)</tbody>", body, re.DOTALL):
        for row in table.split("<tr>")[1:]:
            assert "https://w3id.org/tppo/" in row, row[:300]


def test_figures_carry_their_sources(html_en):
    for section in ("heatmap", "network"):
        part = html_en.text.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
        assert "<img " in part and 'class="sources"' in part
        assert len(re.findall(r"<li><a href=", part)) > 0


def test_network_labels_do_not_overlap(html_en):
    boxes = [box for _, box in html_en.network_labels]
    assert len(boxes) >= 8
    for a, b in combinations(boxes, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    labelled = {node.rsplit("/", 1)[1] for node, _ in html_en.network_labels}
    assert {"IDN", "KHM", "iom"} <= labelled


def test_markdown_report_in_indonesian_with_pictures_beside(md_id, tmp_path):
    assert "Republik Indonesia" in md_id.text and "Kerajaan Kamboja" in md_id.text
    assert "tidak diperiksa" in md_id.text and "## Tiga rumusan masalah makalah" in md_id.text
    assert set(md_id.pictures) == {"report-heatmap.png", "report-network.png"}
    for name in md_id.pictures:
        assert f"]({name})" in md_id.text
    written = write_report(md_id, tmp_path / "report.md")
    assert sorted(p.name for p in written) == ["report-heatmap.png", "report-network.png", "report.md"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in written if p.suffix == ".png")


def test_report_is_reproducible(local, html_en):
    again = build_report(local, "en", "html", now=WHEN)
    assert again.text == html_en.text


def test_cli_writes_the_report_atomically(runner, tmp_path):
    target = tmp_path / "laporan.md"
    done = runner.invoke(main, ["report", "--lang", "id", "--format", "md", "-o", str(target)])
    assert done.exit_code == 0, done.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"laporan.md", "laporan-heatmap.png", "laporan-network.png"}
    assert "](laporan-heatmap.png)" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "pdf"], "invalid choice: 'pdf'"),
        (["--lang", "fr"], "invalid choice: 'fr'"),
        (["-o", "/nonexistent-dir/r.html"], "/nonexistent-dir/r.html: cannot write: directory /nonexistent-dir"),
    ],
)
def test_cli_bad_input_is_one_line(runner, args, message):
    done = runner.invoke(main, ["report", *args])
    assert done.exit_code == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.server
def test_report_runs_on_an_endpoint_like_on_the_embedded_store(md_id):
    from tppo_graph import connect
    from tppo_graph.server import serve

    with serve(port=0) as server:
        remote = build_report(connect(endpoint=server.query_endpoint), "id", "md", now=WHEN)
    assert remote.data == (server.query_endpoint,) and remote.version == md_id.version
    strip = re.compile(r"^Dibuat .*$", re.MULTILINE)  # the data line names the endpoint instead of the files
    same = re.compile(r"^\*Kueri tersimpan: .*$", re.MULTILINE)
    assert (
        same.sub("", strip.sub("", remote.text)).split("## Jaringan aktor")[0]
        == same.sub("", strip.sub("", md_id.text)).split("## Jaringan aktor")[0]
    )
