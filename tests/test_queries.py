"""The saved-query catalogue: every query parses, runs, matches its golden result and agrees across engines."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from tppo_graph.binding import bind_params, standalone_text, with_values
from tppo_graph.catalogue import get_query, list_queries, parse_query_file
from tppo_graph.engines import LocalEngine
from tppo_graph.errors import QueryDefinitionError, QueryError, UnknownQueryError, UsageError
from tppo_graph.queries import run_query, sparql
from tppo_graph.resources import bundled_root
from tppo_graph.results import AskResult, QueryResult, SelectResult

GOLDEN = Path(__file__).resolve().parent / "golden"
QUERIES = list_queries()
NAMES = [q.name for q in QUERIES]


def example_params(query) -> dict[str, str]:
    return dict(query.example)


def aggregated_separators(text: str) -> dict[str, str]:
    """Variables bound by GROUP_CONCAT and their separators: their order inside the string is engine-defined."""
    pattern = r'GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)'
    return {var: sep for sep, var in re.findall(pattern, text, flags=re.IGNORECASE | re.DOTALL)}


def order_keys(text: str) -> list[str]:
    match = re.search(r"ORDER\s+BY\s+(.+?)\s*(?:LIMIT|OFFSET|$)", text, flags=re.IGNORECASE | re.DOTALL)
    return re.findall(r"\?(\w+)", match.group(1)) if match else []


def normalised(result: QueryResult, text: str) -> tuple[list[tuple], Counter]:
    """(sequence of ORDER BY key tuples, multiset of rows), with GROUP_CONCAT lists sorted."""
    seps = aggregated_separators(text)

    def value(var: str, term) -> str | None:
        if term is None:
            return None
        if var in seps and isinstance(term, ox.Literal):
            parts = term.value.split(seps[var]) if seps[var] else list(term.value)
            return "AGG:" + seps[var].join(sorted(parts))
        return str(term)

    if isinstance(result, AskResult):
        return [], Counter([(("boolean", str(result.boolean)),)])
    rows = [tuple((v, value(v, row.get(v))) for v in result.variables) for row in result.rows]
    keys = order_keys(text) if result.ordered else []
    sequence = [tuple(dict(r)[k] for k in keys if k in result.variables) for r in rows] if keys else []
    return sequence, Counter(rows)


def parsed_results(
    data: bytes | Path, ordered: bool = False, fmt: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON
) -> QueryResult:
    """SPARQL results (bytes or a file; JSON unless ``fmt`` says) read by pyoxigraph, independently of the
    toolkit's own reader.

    pyoxigraph's result iterator is dropped here, in the thread that made it: left in a test's frame it could be
    freed by a garbage collection in a query's worker thread, which pyoxigraph refuses ("unsendable")."""
    where = {"path": data} if isinstance(data, Path) else {"input": data}
    parsed = ox.parse_query_results(**where, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return AskResult(bool(parsed))
    variables = [v.value for v in parsed.variables]
    return SelectResult(variables, [{v: s[v] for v in variables} for s in parsed], ordered=ordered)


def golden(name: str, ordered: bool) -> QueryResult:
    path = GOLDEN / f"{name}.srj"
    assert path.exists(), f"no golden result for {name}: run scripts/update_golden.py {name} and review it"
    return parsed_results(path, ordered)


def test_every_file_of_the_catalogue_folder_is_a_query():
    """Discovery skips nothing: every file in queries/ is a .rq file, and each is in the catalogue."""
    entries = sorted(p.name for p in (bundled_root() / "queries").iterdir())
    assert [name for name in entries if not name.endswith(".rq")] == []
    assert sorted(q.path.name for q in QUERIES) == entries
    assert len(QUERIES) == len(set(NAMES)) > 0


def test_every_golden_file_belongs_to_a_query():
    assert {p.stem for p in GOLDEN.glob("*.srj")} == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_header_is_complete(name):
    query = get_query(name)
    assert query.summary and query.description
    assert query.tags, f"{name}: no tags"
    for param in query.params:
        assert param.description, f"{name}: parameter {param.name} has no description"
        if param.required:
            assert param.name in example_params(query), f"{name}: required {param.name} has no example value"


@pytest.mark.parametrize("name", NAMES)
def test_standalone_text_parses_in_rdflib(name):
    prepareQuery(standalone_text(get_query(name).body))


@pytest.mark.parametrize("name", NAMES)
def test_result_matches_golden(name, local):
    query = get_query(name)
    result = run_query(name, example_params(query), engine=local)
    expected = golden(name, query.ordered)
    assert getattr(result, "variables", None) == getattr(expected, "variables", None)
    got_seq, got_rows = normalised(result, query.body)
    exp_seq, exp_rows = normalised(expected, query.body)
    assert got_rows == exp_rows
    assert got_seq == exp_seq


@pytest.mark.parametrize("name", NAMES)
def test_rdflib_answers_the_printed_text_as_pyoxigraph_and_the_cli_do(name, local, rdflib_engine, runner):
    """`query NAME --show-sparql`, run as printed by another engine (rdflib), answers as `query NAME` does, and
    as pyoxigraph does through the library: one rdflib run (the slow engine) serves both comparisons.

    (rdflib's own binding of parameters, the other path into it, is held to hostile values in
    test_hostile_parameters.py.)"""
    from tppo_graph.cli import main

    query = get_query(name)
    args = ["query", name] + [a for k, v in example_params(query).items() for a in ("-p", f"{k}={v}")]
    shown = runner.invoke(main, [*args, "--show-sparql"])
    assert shown.exit_code == 0, shown.output
    assert standalone_text(shown.stdout) == shown.stdout, "the printed text lacks a PREFIX it uses"
    # rdflib's engine is given the text exactly as printed: it declares every prefix and binds every parameter
    answer = rdflib_engine.query(shown.stdout)
    printed = (
        SelectResult(answer.variables, answer.rows, ordered=query.ordered)
        if isinstance(answer, SelectResult)
        else answer
    )
    ran = runner.invoke(main, [*args, "--format", "json"])
    assert ran.exit_code == 0, ran.output
    expected = parsed_results(ran.stdout_bytes, query.ordered)
    assert normalised(printed, query.body) == normalised(expected, query.body)
    oxi = local.query(query.body, bind_params(query, example_params(query), local, language="en"))  # as the CLI
    assert getattr(oxi, "variables", None) == getattr(printed, "variables", None)
    assert normalised(oxi, query.body) == normalised(printed, query.body)


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("obligations-by-category", {"categry": "repatriation"}, "unknown parameter 'categry' (parameters: category,"),
        ("sources-of-entity", {}, "parameter 'entity' is required"),
        ("obligations-by-category", {"category": "tpv:mandatory"}, "tpv:mandatory is not allowed (allowed: tpv:"),
        ("obligations-by-category", {"category": "cooking"}, "'cooking' is not an IRI (allowed: tpv:"),
        ("palermo-obligations-without-bilateral-mechanism", {"state_a": "tpd:iom"}, "tpd:iom is not allowed"),
        ("iom-activities-by-function", {"function": "archer-arena"}, None),  # a bare local name picks its concept
        ("obligations-by-category", {"category": "repatriation"}, None),
    ],
)
def test_parameter_checks(local, name, params, message):
    if message is None:
        assert len(run_query(name, params, engine=local)) > 0
        return
    with pytest.raises(UsageError) as info:
        run_query(name, params, engine=local)
    assert message in str(info.value)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_filtering_parameters_change_the_answer(local):
    everything = run_query("obligations-by-category", engine=local)
    repatriation = run_query("obligations-by-category", {"category": "tpv:repatriation"}, engine=local)
    assert isinstance(repatriation, SelectResult)
    assert 0 < len(repatriation) < len(everything)
    assert {r["category"] for r in repatriation.values()} == {"https://w3id.org/tppo/vocab/repatriation"}
    khm = run_query("state-treaty-participation", {"state": "tpd:KHM"}, engine=local)
    assert isinstance(khm, SelectResult)
    assert {r["state"] for r in khm.values()} == {"https://w3id.org/tppo/id/KHM"}


@pytest.fixture
def typed_catalogue(tmp_path: Path) -> Path:
    (tmp_path / "typed.rq").write_text(
        "#+ summary: Typed parameters\n#+ description: Echoes its parameters.\n#+ tags: [test]\n"
        "#+ params:\n"
        "#+   n: {type: integer, description: a number}\n"
        "#+   d: {type: date, description: a date}\n"
        "#+   s: {type: string, description: a string}\n"
        "#+   ls: {type: lang-string, description: a tagged string}\n"
        "SELECT ?n ?d ?s ?ls WHERE { }\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n": "twelve"}, "'twelve' is not an integer"),
        ({"d": "2023-02-30"}, "is not a date (YYYY-MM-DD)"),
        ({"ls": "no tag"}, "needs a language tag"),
    ],
)
def test_wrong_types_are_rejected(typed_catalogue, params, message):
    query = list_queries(directory=typed_catalogue)[0]
    with pytest.raises(UsageError, match=re.escape(message)):
        bind_params(query, params)


def test_typed_values_become_rdf_terms(typed_catalogue):
    query = list_queries(directory=typed_catalogue)[0]
    bound = bind_params(query, {"n": "12", "d": "2009-09-28", "s": "x", "ls": "perdagangan@id"})
    result = LocalEngine(ox.Store()).select(query.body, bound)
    assert result.values() == [{"n": 12, "d": __import__("datetime").date(2009, 9, 28), "s": "x", "ls": "perdagangan"}]
    assert result.rows[0]["ls"].language == "id"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT ?x WHERE { }\n", "no '#+' metadata header"),
        ("#+ summary: [unclosed\n#+ description: x\nSELECT * WHERE { }\n", "header is not valid YAML"),
        ("#+ summary: s\nSELECT * WHERE { }\n", "header has no 'description'"),
        ("#+ summary: s\n#+ description: d\n#+ params:\n#+   x: {type: colour}\nSELECT ?x WHERE { }\n", "unknown type"),
        (
            "#+ summary: s\n#+ description: d\n#+ params:\n#+   y: {type: string}\nSELECT ?x WHERE { }\n",
            "?y is not used",
        ),
    ],
)
def test_malformed_query_files_name_the_file(tmp_path: Path, text, message):
    path = tmp_path / "broken.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QueryDefinitionError) as info:
        parse_query_file(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_unknown_query_suggests_close_names():
    with pytest.raises(UnknownQueryError) as info:
        get_query("palermo-obligations-without-bilateral")
    assert "palermo-obligations-without-bilateral-mechanism" in str(info.value)


def test_malformed_sparql_reports_the_position(local):
    with pytest.raises(QueryError, match=r"error at \d+:\d+"):
        sparql("SELECT ?s WHERE { ?s ?p }", engine=local)


@pytest.mark.parametrize(
    "update",
    ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }", "# c\nDROP ALL", "CLEAR DEFAULT"],
)
def test_updates_are_refused(local, bundled_store, update):
    before = len(bundled_store)
    with pytest.raises(QueryError, match="read-only"):
        sparql(update, engine=local)
    assert len(bundled_store) == before


def test_with_sources_adds_the_sources_of_each_row(local):
    result = run_query("obstacles-without-recommendation", engine=local, with_sources=True)
    assert isinstance(result, SelectResult)
    assert result.variables[-1] == "sources"
    for row in result.rows:
        assert row["sources"] is not None
        assert all(s.startswith("https://w3id.org/tppo/id/") for s in row["sources"].value.split())


def test_values_row_goes_into_the_outer_where():
    text = 'CONSTRUCT { ?s <urn:p> "}" } WHERE { ?s <urn:q> ?o { SELECT ?o WHERE { ?o ?p ?x } } }'
    bound = with_values(text, {"o": ox.Literal("v")})
    assert bound.startswith('CONSTRUCT { ?s <urn:p> "}" } WHERE {\n  VALUES (?o) { ("v") }')
