"""`tppo-graph serve` shows our own page (issue #14, item 4): YASGUI (vendored from npm, no CDN) with the catalogue's
prefixes predeclared and the saved queries to open, the static site under /site/, and the SPARQL endpoint, on one
port; the Oxigraph server listens behind it on another loopback port."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tppo_graph.catalogue import list_queries
from tppo_graph.front import serve_front, vendor_dir

pytestmark = pytest.mark.server

BROWSER = Path(__file__).resolve().parent / "browser"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    site = tmp_path_factory.mktemp("served-site")
    (site / "index.html").write_text("<!DOCTYPE html><title>x</title><p>site</p>", encoding="utf-8")
    (site / "id").mkdir()
    (site / "id" / "IDN.ttl").write_text("<https://w3id.org/tppo/id/IDN> a <https://w3id.org/tppo/def/State> .\n")
    server = serve_front(port=0, site=site)
    yield server
    server.stop()


def _get(url: str, **headers: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def test_page_predeclares_the_prefixes_and_offers_every_saved_query(front):
    status, kind, body = _get(front.query_page)
    page = body.decode("utf-8")
    assert status == 200 and kind.startswith("text/html")
    assert "PREFIX tppo: <https://w3id.org/tppo/def/>" in page and "PREFIX tpd: <https://w3id.org/tppo/id/>" in page
    for saved in list_queries():
        assert f'"name": "{saved.name}"' in page
    assert "VALUES" in page  # the saved queries come with their parameters bound, ready to run
    assert "https://" not in page.split("<script", 1)[0].replace("https://w3id.org", "")  # no CDN in the head


def test_one_port_for_endpoint_site_and_assets(front):
    full = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/tppo/def/State> }"})
    status, _, body = _get(f"{front.query_endpoint}?{full}", Accept="application/sparql-results+json")
    assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 0
    assert _get(front.base + "/site/id/IDN.ttl")[1].startswith("text/turtle")
    assert _get(front.base + "/site/")[0] == 200
    assert _get(front.base + "/site/../../etc/passwd")[0] == 404
    assert _get(front.base + "/style.css")[0] == 200
    update = urllib.request.Request(
        front.base + "/update", data=b"update=CLEAR ALL", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with pytest.raises(urllib.error.HTTPError):  # read-only, as Oxigraph says
        urllib.request.urlopen(update, timeout=30)
    if vendor_dir() is not None or IN_CI:
        assert _get(front.base + "/yasgui/yasgui.min.js")[0] == 200


def test_chromium_runs_a_saved_query_in_the_page(front, tmp_path):
    chromium, node = shutil.which("chromium"), shutil.which("node")
    if (
        chromium is None
        or node is None
        or not (BROWSER / "node_modules" / "playwright-core").is_dir()
        or vendor_dir() is None
    ):
        if IN_CI:
            pytest.fail("chromium, node, playwright-core or YASGUI (npm ci in web/) is missing: .ci/run installs them")
        pytest.skip("needs Debian's chromium, node, `npm ci` in tests/browser and in web/")
    names = [q.name for q in list_queries()]
    index = names.index("known-absences")
    script = (
        f"(() => {{ const s = document.getElementById('examples'); s.value = '{index}';"
        " s.dispatchEvent(new Event('change')); window.tppoYasgui.getTab().getYasqe().query(); })()"
    )
    jobs = [
        {
            "url": front.query_page,
            "screenshot": str(tmp_path / "serve.png"),
            "wait": ".yasqe .CodeMirror",
            "script": script,
            "waitAfter": ".yasr table tbody tr a[href^='/site/id/absence-']",
        }
    ]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    done = subprocess.run(
        [node, str(BROWSER / "visit.cjs"), chromium, str(tmp_path / "profile"), str(tmp_path / "jobs.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (visit,) = json.loads(done.stdout)
    assert visit["console"] == [] and visit["errors"] == [] and visit["outside"] == [], visit
    assert len(visit["found"]) >= 1 and any("absence" in row for row in visit["found"]), visit["found"][:3]
    print("screenshot:", tmp_path / "serve.png")
