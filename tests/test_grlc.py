"""`export-queries --grlc`: a folder grlc serves with parameters, read and rewritten by grlc's own code.

For every saved query, grlc's metadata parser (`gquery.get_metadata`) finds exactly the parameters the query
declares (names, required, defaults, allowed values), and the text grlc's rewriting (`gquery.rewrite_query`) makes
from parameter values, run on the embedded engine, gives the rows `tppo-graph query NAME -p ...` gives: with the
defaults, and with every parameter given. One query goes the whole way: grlc's Flask app (its test client) asks a
real Oxigraph server on 127.0.0.1 and answers with the toolkit's rows. Skipped where grlc is not installed.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from tppo_graph.binding import expand_curie
from tppo_graph.catalogue import get_query, list_queries
from tppo_graph.cli import main
from tppo_graph.errors import OutputError
from tppo_graph.grlc import MARKER, export_for_grlc, grlc_query
from tppo_graph.queries import run_query
from tppo_graph.results import SelectResult

from .conftest import ROOT
from .test_queries import normalised

gquery = pytest.importorskip("grlc.gquery", reason="grlc is not installed")
logging.getLogger("grlc").setLevel(logging.CRITICAL)

QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
WITH_PARAMS = [p for p in QUERY_FILES if get_query(p.stem).params]
#: no request is made: every enumeration is a list in the header
NOWHERE = "http://127.0.0.1:9/sparql"
#: values tried for an IRI parameter without an example, first that is allowed (the graph's focus states first)
PREFERRED = ("https://w3id.org/tppo/id/IDN", "https://w3id.org/tppo/id/KHM")


@pytest.fixture(scope="module")
def exported(local, tmp_path_factory):
    out = tmp_path_factory.mktemp("grlc") / "api"
    return export_for_grlc(out, engine=local)


def _spec(summary, name):
    return next(q for q in summary.queries if q.name == name)


def _metadata(summary, name) -> dict:
    return gquery.get_metadata((summary.path / f"{name}.rq").read_text(encoding="utf-8"), NOWHERE)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_grlc_finds_the_declared_parameters(exported, path):
    query = get_query(path.stem)
    metadata = _metadata(exported, path.stem)
    assert metadata["type"] == "SelectQuery" and metadata["summary"] == query.summary
    found = metadata["parameters"]
    spec = _spec(exported, path.stem)
    assert sorted(found) == sorted(p.grlc_name for p in spec.params) and len(found) == len(query.params)
    for ours, p in zip(query.params, spec.params, strict=True):
        grlc = found[p.grlc_name]
        assert grlc["required"] == ours.required, p.name
        assert grlc.get("default") == p.default, p.name
        assert (grlc.get("format") == "iri") == (ours.type == "iri" or bool(ours.scheme or ours.cls)), p.name
        if ours.scheme or ours.cls or ours.values:
            assert grlc["enum"] and set(grlc["enum"]) == set(p.enum), p.name


def _cases(name: str, local) -> dict[str, dict[str, str]]:
    """Parameter values (the toolkit's names) for the defaults case and the every-parameter case."""
    query = get_query(name)
    spec = {p.name: p for p in grlc_query(query, local).params}
    required = {p.name: query.example[p.name] for p in query.params if p.required}
    given = {}
    for p in query.params:
        if p.name in query.example:
            given[p.name] = query.example[p.name]
        elif p.values:  # a fixed list: the value that is not the default changes the answer
            given[p.name] = next(v for v in reversed(p.values) if v != p.default)
        elif p.default is not None:
            given[p.name] = spec[p.name].default
        else:
            allowed = spec[p.name].enum
            given[p.name] = next((v for v in PREFERRED if v in allowed), allowed[0] if allowed else "")
    return {"defaults": required, "given": given}


@pytest.mark.parametrize("case", ["defaults", "given"])
@pytest.mark.parametrize("path", WITH_PARAMS, ids=lambda p: p.stem)
def test_grlc_rewritten_query_gives_the_toolkit_rows(exported, local, path, case):
    name = path.stem
    values = _cases(name, local)[case]
    spec = _spec(exported, name)
    # grlc takes full IRIs only: a CURIE of an example is written out, as a grlc user would
    grlc_args = {
        p.grlc_name: expand_curie(values[p.name]) if p.variable.endswith("_iri") else values[p.name]
        for p in spec.params
        if p.name in values
    }
    metadata = _metadata(exported, name)
    rewritten = gquery.rewrite_query(metadata["original_query"], metadata["parameters"], grlc_args)
    if case == "given":  # every grlc variable was substituted
        assert not [p.variable for p in spec.params if p.variable in rewritten]
    theirs = local.query(rewritten, name=name)
    ours = run_query(name, values, engine=local)
    assert isinstance(theirs, SelectResult) and isinstance(ours, SelectResult)
    assert theirs.variables == ours.variables
    assert len(theirs) == len(ours)
    assert normalised(theirs, rewritten) == normalised(ours, rewritten)


@pytest.mark.parametrize("path", WITH_PARAMS, ids=lambda p: p.stem)
def test_every_parameter_is_bound_once_first_in_the_where_clause(exported, path):
    text = (exported.path / path.name).read_text(encoding="utf-8")
    spec = _spec(exported, path.stem)
    for p in spec.params:
        assert text.count(p.variable) == 1 and f"AS ?{p.name})" in text
    after_where = text.split("WHERE {", 1)[1].lstrip("\n").splitlines()
    assert [line.strip().startswith("BIND(") for line in after_where[: len(spec.params)]] == [True] * len(spec.params)


def test_the_folder_holds_every_query_a_readme_and_grlc_config(exported):
    assert not exported.skipped
    names = {p.name for p in exported.path.iterdir()}
    assert names == {MARKER, "README.md", "local-api-config.ini", *(p.name for p in QUERY_FILES)}
    readme = (exported.path / "README.md").read_text(encoding="utf-8")
    assert "| known-absences | `stateA` | `state_a` | iri | no | https://w3id.org/tppo/id/IDN |" in readme
    for path in QUERY_FILES:  # a query without parameters is its file with grlc's header
        if path not in WITH_PARAMS:
            body = get_query(path.stem).body
            assert (exported.path / path.name).read_text(encoding="utf-8").endswith(body)


def test_queries_without_defaults_or_required_parameters_work_as_they_are_on_disk(local):
    """What the README says a grlc user gets from `queries/` as it is: grlc finds no parameters there and sends
    the text unchanged; for these queries that gives the toolkit's rows (their parameters left unbound)."""
    as_they_are = [q for q in list_queries() if all(p.default is None and not p.required for p in q.params)]
    # the README's figures are these counts (a query added changes them: the README must follow)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    without = sum(1 for q in as_they_are if not q.params)
    assert f"accepts all {len(QUERY_FILES)} files" in readme
    assert f"rows for the {without} queries without parameters and for the {len(as_they_are) - without} whose" in readme
    assert f"The other {len(QUERY_FILES) - len(as_they_are)} answer differently" in readme
    for query in as_they_are:
        text = query.path.read_text(encoding="utf-8")
        metadata = gquery.get_metadata(text, NOWHERE)
        assert metadata["parameters"] == {}
        sent = gquery.rewrite_query(metadata["original_query"], {}, {})
        assert normalised(local.query(sent, name=query.name), text) == normalised(run_query(query.name), text)


def test_endpoint_is_written_into_every_header(local, tmp_path):
    summary = export_for_grlc(tmp_path / "api", engine=local, endpoint="http://127.0.0.1:7878/query")
    for q in summary.queries:
        assert "#+ endpoint: http://127.0.0.1:7878/query\n" in q.text
        assert _metadata(summary, q.name)["endpoint"] == "http://127.0.0.1:7878/query"


def test_only_an_empty_folder_or_an_earlier_export_is_replaced(local, tmp_path):
    stranger = tmp_path / "notes"
    stranger.mkdir()
    (stranger / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="holds no grlc export"):
        export_for_grlc(stranger, engine=local)
    assert [p.name for p in stranger.iterdir()] == ["mine.txt"]
    target = tmp_path / "api"
    export_for_grlc(target, engine=local)
    (target / "stale.rq").write_text("#+ summary: gone\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    export_for_grlc(target, engine=local)  # an earlier export is replaced whole
    assert not (target / "stale.rq").exists() and (target / "known-absences.rq").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no build folder left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grlc", "{tmp}/notes"], "holds no grlc export of tppo-graph"),
        (["--grlc", "{tmp}/no/such"], "does not exist"),
        (["--grlc", "{tmp}/api", "--endpoint", "ftp://x"], "is not an http(s) URL"),
        (["--grlc", "{tmp}/api", "--endpoint", "http://u:pw@127.0.0.1/q"], "user name or password"),
        ([], "--grlc"),
    ],
)
def test_cli_errors_are_one_line(runner, tmp_path, args, message):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("x", encoding="utf-8")
    done = runner.invoke(main, ["export-queries", *(a.format(tmp=tmp_path) for a in args)])
    assert done.exit_code == 2, done.output
    assert message in done.stderr and len(done.stderr.strip().splitlines()) <= 2 and "Traceback" not in done.stderr
    assert not (tmp_path / "api").exists()


def test_cli_writes_the_folder(runner, tmp_path):
    done = runner.invoke(main, ["export-queries", "--grlc", str(tmp_path / "api")])
    assert done.exit_code == 0, done.stderr
    assert f"{len(QUERY_FILES)} queries" in done.stderr and (tmp_path / "api" / "README.md").is_file()


_THROUGH_GRLC = """
import json, sys
from grlc.server import app
args = json.loads(sys.argv[1])
answer = app.test_client().get("/api-local/" + args["name"], query_string=args["values"],
                               headers={"Accept": "application/json"})
sys.stdout.write(json.dumps({"status": answer.status_code, "body": answer.get_data(as_text=True)}))
"""


def test_grlc_app_answers_through_a_real_oxigraph_server(local, tmp_path):
    """grlc's own web app, its local-folder API, sends the rewritten query to Oxigraph on 127.0.0.1."""
    from tppo_graph.server import serve

    name = "known-absences"
    values = {"state_a": "tpd:KHM", "state_b": "tpd:IDN"}  # swapped: not the defaults
    with serve(port=0) as server:
        summary = export_for_grlc(tmp_path / "api", engine=local, endpoint=server.query_endpoint)
        (tmp_path / "config.ini").write_text(f"[local]\nlocal_sparql_dir = {summary.path}\n", encoding="utf-8")
        grlc_values = {"stateA": "https://w3id.org/tppo/id/KHM", "stateB": "https://w3id.org/tppo/id/IDN"}
        done = subprocess.run(
            [sys.executable, "-c", _THROUGH_GRLC, json.dumps({"name": name, "values": grlc_values})],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    answer = json.loads(done.stdout.splitlines()[-1])  # grlc prints which config.ini it read first
    assert answer["status"] == 200, answer["body"][:500]
    rows = json.loads(answer["body"])["results"]["bindings"]
    ours = run_query(name, values, engine=local)
    assert len(rows) == len(ours) > 0
    assert sorted(r["absence"]["value"] for r in rows) == sorted(row["absence"].value for row in ours.rows)


TYPED = """#+ summary: Typed parameters
#+ description: Every type that has a grlc form.
#+ params:
#+   min_count: {type: integer, default: 1, description: "At least"}
#+   since: {type: date, description: "Not before"}
#+   name: {type: lang-string, default: "Republic of Indonesia@en", description: "The label"}
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?name ?since ?min_count WHERE {
  ?s rdfs:label ?name .
  FILTER(?min_count >= 0 && (!BOUND(?since) || ?since > "2000-01-01"^^<http://www.w3.org/2001/XMLSchema#date>))
}
"""
UNMAPPABLE = {
    "free-language": ("#+   name: {type: lang-string, description: x}", "a lang-string needs a default"),
    "accented": ("#+   état: {type: string, description: x}", "ASCII letters and digits"),
    "underscored": ('#+   n: {type: string, description: "not ?_n"}', "header holds '?_'"),
}


def test_integer_date_and_lang_string_parameters_through_grlc(local, tmp_path):
    catalogue = tmp_path / "queries"
    catalogue.mkdir()
    (catalogue / "typed.rq").write_text(TYPED, encoding="utf-8")
    for name, (line, _) in UNMAPPABLE.items():
        variable = line.split(":", 1)[0].removeprefix("#+").strip()
        text = f"#+ summary: x\n#+ description: x\n#+ params:\n{line}\nSELECT * WHERE {{ ?s ?p ?{variable} }}\n"
        (catalogue / f"{name}.rq").write_text(text, encoding="utf-8")
    summary = export_for_grlc(tmp_path / "api", engine=local, directory=catalogue)
    assert {name: why for name, why in summary.skipped}.keys() == UNMAPPABLE.keys()
    for name, why in summary.skipped:
        assert UNMAPPABLE[name][1] in why
    [typed] = summary.queries
    assert [p.variable for p in typed.params] == ["?__minCount_integer", "?__since_xsd_date", "?__name_en"]
    assert "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>" in typed.text  # else grlc adds one before every SELECT
    metadata = _metadata(summary, "typed")
    for values, grlc_args in [
        ({}, {}),
        (
            {"min_count": "3", "since": "2017-10-04", "name": "Republic of Indonesia@en"},
            {"minCount": "3", "since": "2017-10-04"},
        ),
        ({"name": "Kingdom of Cambodia@en"}, {"name": "Kingdom of Cambodia"}),
    ]:
        rewritten = gquery.rewrite_query(metadata["original_query"], metadata["parameters"], grlc_args)
        ours = run_query("typed", values, engine=local, directory=catalogue)
        assert len(ours) > 0 and normalised(local.query(rewritten, name="typed"), TYPED) == normalised(ours, TYPED)
