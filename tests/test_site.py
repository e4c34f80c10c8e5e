"""``tppo-graph site``: a static linked-data site readable offline (issue #14), checked as a reader and a crawler
would: every entity has a page in both languages, no internal link is broken, pages are valid HTML, the Turtle and
JSON-LD beside each page say the same, and headless Chromium opens them with no console error and no request that
leaves 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pytest

from tppo_graph.cli import main
from tppo_graph.describe import describe
from tppo_graph.site import MARKER, build_site

from .conftest import LEAN_JVM

BROWSER = Path(__file__).resolve().parent / "browser"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def site(tmp_path_factory, local):
    out = tmp_path_factory.mktemp("site") / "site"
    cpu = time.process_time()
    result = build_site(out, local)
    return result, time.process_time() - cpu


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """Collects links, ids and the alternates of a page, and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.alternates: list[tuple[str | None, str]] = []
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for name in ("href", "src"):
            if a.get(name):
                self.links.append(a[name])
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates.append((a.get("type"), a["href"]))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
            return
        self.stack.pop()


@functools.cache
def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def test_one_page_per_entity_in_each_language(site, local):
    result, _ = site
    entities = describe(local).entities
    assert result.entity_pages == entities
    for lang in ("id", "en"):
        marked = [
            p
            for p in (result.path / "id").glob(f"*.{lang}.html")
            if '<span class="status">entity</span>' in p.read_text(encoding="utf-8")
        ]
        assert len(marked) == entities


def test_no_broken_internal_link_and_every_page_well_formed(site):
    result, _ = site
    root = result.path.resolve()
    # every file of the site, by its normalised path: links are resolved as strings (Path.resolve per link took half
    # the test's time), so a symbolic link is left out, and a link to one counts as broken
    files = {os.fspath(p) for p in root.rglob("*") if p.is_file() and not p.is_symlink()}
    broken, problems = [], []
    parsed = {os.fspath(path): _parse(path) for path in _pages(root)}  # each page once: fragments look up their ids
    for name, page in parsed.items():
        path = Path(name)
        if page.problems or page.stack:
            problems.append((path.relative_to(root), page.problems[:2], page.stack[-2:]))
        for link in page.links:
            if link.startswith(("http://", "https://", "data:", "mailto:")):
                continue
            target, fragment = urldefrag(link)
            file = os.path.normpath(path.parent / unquote(target)) if target else name
            if file not in files or (fragment and file.endswith(".html") and fragment not in parsed[file].ids):
                broken.append((str(path.relative_to(root)), link))
    assert problems == []
    assert broken == []


def test_site_holds_every_kind_of_page(site, local):
    result, _ = site
    root = result.path
    for name in ("index.html", "index.en.html", "index.id.html", "ontology.en.html", "report.id.html", "search.js",
                 "search-index.js", "style.css", MARKER, ".htaccess", "def/Obligation.en.html", "vocab/verified.id.html",
                 "query/palermo-obligations-without-bilateral-mechanism.en.html"):  # fmt: skip
        assert (root / name).is_file(), name
    assert result.query_pages == len(list((root / "query").glob("*.en.html")))
    obligation = (root / "def/Obligation.en.html").read_text(encoding="utf-8")
    members = local.select("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a tppo:Obligation }").rows[0]["n"]
    assert f"Members ({members.value})" in obligation and "obl-palermo-protocol-art-8-1.en.html" in obligation
    ontology = (root / "ontology.en.html").read_text(encoding="utf-8")
    assert 'id="shape-' in ontology and "Concept schemes" in ontology and "Domain" in ontology
    query = (root / "query/palermo-obligations-without-bilateral-mechanism.en.html").read_text(encoding="utf-8")
    assert "VALUES" in query and "none found in what was examined" in query


def test_entity_page_shows_labels_sources_status_and_links_here(site):
    root = site[0].path
    page = (root / "id/IDN.id.html").read_text(encoding="utf-8")
    assert "<h1>Republik Indonesia</h1>" in page and "Republic of Indonesia" in page
    assert "Status verifikasi" in page and "Terverifikasi" in page and "Sumber" in page
    assert "Yang menautkan ke sini" in page
    parsed = _parse(root / "id/IDN.id.html")
    assert ("text/turtle", "IDN.ttl") in parsed.alternates and (
        "application/ld+json",
        "IDN.jsonld",
    ) in parsed.alternates


def test_a_value_labelled_only_in_a_third_language_shows_that_label(site):
    """A source titled in German (or Dutch) is linked by its title on the Indonesian and English pages."""
    for lang in ("id", "en"):
        page = (site[0].path / f"id/KHM.{lang}.html").read_text(encoding="utf-8")
        assert "Präsident Jokowi traf den kambodschanischen Premierminister" in page
        assert ">tpd:src-voinews-idn-khm-relations-65-years<" not in page


@pytest.mark.parametrize("name", ["IDN", "idn-palermo-protocol-ratification", "obl-palermo-protocol-art-8-1"])
def test_turtle_and_json_ld_beside_the_page_say_the_same(site, bundled_graph, name):
    from rdflib import BNode, Graph, URIRef
    from rdflib.compare import isomorphic

    root = site[0].path
    ttl = Graph().parse(root / f"id/{name}.ttl", format="turtle")
    jsonld = Graph().parse(root / f"id/{name}.jsonld", format="json-ld")
    assert len(ttl) > 5 and isomorphic(ttl, jsonld)
    subject = URIRef(f"https://w3id.org/tppo/id/{name}")

    def named(graph):
        return {(p, o) for p, o in graph.predicate_objects(subject) if not isinstance(o, BNode)}

    assert named(ttl) == named(bundled_graph)
    assert len(list(ttl.predicate_objects(subject))) == len(list(bundled_graph.predicate_objects(subject)))


def test_builds_in_under_30_seconds_of_cpu(site):
    result, cpu = site
    assert cpu < 30, f"{cpu:.1f} s of CPU ({result.seconds:.1f} s wall)"


def test_pages_pass_the_nu_html_checker(site):
    """The Nu Html Checker (vnu.jar, from npm) on every root page, every query page and a page of each kind."""
    jar = BROWSER / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    java = shutil.which("java")
    if not jar.is_file() or java is None:
        if IN_CI:
            pytest.fail("vnu.jar or java is missing: .ci/run installs them")
        pytest.skip("vnu.jar (npm ci in tests/browser) or java is not installed")
    root = site[0].path
    chosen = [*root.glob("*.html"), *root.glob("query/*.html")]
    for folder in ("id", "def", "vocab"):
        chosen += sorted((root / folder).glob("*.html"))[:6]
    chosen += [root / "id/IDN.en.html", root / "id/IDN.id.html", root / "def/Obligation.en.html"]
    done = subprocess.run(
        [java, *LEAN_JVM, "-jar", str(jar), "--errors-only", "--format", "gnu", *map(str, chosen)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[:3000]


def test_site_replaces_only_a_site(tmp_path, local, runner):
    stranger = tmp_path / "notes"
    stranger.mkdir()
    (stranger / "mine.txt").write_text("keep me", encoding="utf-8")
    done = runner.invoke(main, ["site", "-o", str(stranger)])
    assert done.exit_code == 2 and "holds no tppo-graph site" in done.stderr and "Traceback" not in done.stderr
    assert (stranger / "mine.txt").read_text(encoding="utf-8") == "keep me"
    file = tmp_path / "file"
    file.write_text("x", encoding="utf-8")
    done = runner.invoke(main, ["site", "-o", str(file)])
    assert done.exit_code == 2 and "is not a folder" in done.stderr
    assert runner.invoke(main, ["site", "-o", str(tmp_path / "no" / "such")]).exit_code == 2


# -------------------------------------------------------------------------------------------------------------
# Headless Chromium
# -------------------------------------------------------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def served(site):
    """The site's folder over HTTP on 127.0.0.1 (a free port), for the browser."""
    handler = functools.partial(_Quiet, directory=str(site[0].path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_chromium_opens_the_report_and_three_pages_cleanly(site, served, tmp_path_factory, local):
    chromium, node = _chromium(), shutil.which("node")
    if chromium is None or node is None or not (BROWSER / "node_modules" / "playwright-core").is_dir():
        if IN_CI:
            pytest.fail("chromium, node or playwright-core is missing: .ci/run installs them")
        pytest.skip("needs Debian's chromium, node and `npm ci` in tests/browser")
    from tppo_graph.report import build_report, write_report

    shots = tmp_path_factory.mktemp("screenshots")
    report_dir = site[0].path.parent / "standalone"
    report_dir.mkdir(exist_ok=True)
    write_report(build_report(local, "en", "html"), report_dir / "report.html")
    jobs = [
        {"url": f"{served}/../standalone/report.html", "screenshot": str(shots / "report.png")},
        {"url": f"{served}/id/obl-palermo-protocol-art-8-1.en.html", "screenshot": str(shots / "obligation.png")},
        {"url": f"{served}/id/KHM.id.html", "screenshot": str(shots / "state.png"), "type": "repatriasi"},
        {"url": f"{served}/query/palermo-obligations-without-bilateral-mechanism.en.html", "screenshot": str(shots / "query.png")},
    ]  # fmt: skip
    # the standalone report is served by its own folder's server: put it inside the site's folder for the test
    shutil.copy(report_dir / "report.html", site[0].path / "standalone-report.html")
    jobs[0]["url"] = f"{served}/standalone-report.html"
    jobs_file = shots / "jobs.json"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    profile = tmp_path_factory.mktemp("chromium-profile")
    done = subprocess.run(
        [node, str(BROWSER / "visit.cjs"), chromium, str(profile), str(jobs_file)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    visits = json.loads(done.stdout)
    for visit in visits:
        assert visit["status"] == 200, visit
        assert visit["console"] == [] and visit["errors"] == [], visit
        assert visit["outside"] == [] and visit["failed"] == [], visit
    assert any("repatri" in hit.lower() for hit in visits[2]["search"]), visits[2]["search"]
    for job in jobs:
        assert Path(job["screenshot"]).stat().st_size > 10_000
    print("screenshots:", shots)


def test_an_earlier_site_is_replaced_whole_in_one_rename(tmp_path):
    from tppo_graph.atomic import check_folder_target, folder_atomic

    target = tmp_path / "public"
    target.mkdir()
    (target / MARKER).write_text("old", encoding="utf-8")
    (target / "stale.html").write_text("old page", encoding="utf-8")
    check_folder_target(target, MARKER, "tppo-graph site")  # an earlier site may be replaced
    with folder_atomic(target) as build:
        (build / MARKER).write_text("new", encoding="utf-8")
        (build / "index.html").write_text("new page", encoding="utf-8")
        assert (target / "stale.html").is_file()  # the earlier site stays whole until the rename
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]  # nothing left beside it
    empty = tmp_path / "empty"
    empty.mkdir()
    check_folder_target(empty, MARKER, "tppo-graph site")
