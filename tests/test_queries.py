"""The saved-query catalogue: every query parses, runs, matches its golden result and agrees across engines."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from tppo_graph.errors import QueryDefinitionError, QueryError, UnknownQueryError, UsageError
from tppo_graph.queries import (
    QueryResult,
    bind_params,
    get_query,
    list_queries,
    parse_query_file,
    run_on_rdflib,
    run_on_store,
    run_query,
    sparql,
    standalone_text,
    with_values,
)
from tppo_graph.resources import bundled_root

GOLDEN = Path(__file__).resolve().parent / "golden"
#: the catalogue's size: a discovery filter that skipped a file would change it
EXPECTED_QUERY_COUNT = 26
QUERIES = list_queries()
NAMES = [q.name for q in QUERIES]


def example_params(query) -> dict[str, str]:
    return {k: str(v) for k, v in (query.header.get("example") or {}).items()}


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

    rows = [tuple((v, value(v, row.get(v))) for v in result.variables) for row in result.rows]
    keys = order_keys(text) if result.ordered else []
    sequence = [tuple(dict(r)[k] for k in keys if k in result.variables) for r in rows] if keys else []
    return sequence, Counter(rows)


def golden(name: str) -> QueryResult:
    path = GOLDEN / f"{name}.srj"
    assert path.exists(), f"no golden result for {name}: run scripts/update_golden.py {name} and review it"
    parsed = ox.parse_query_results(path=path, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return QueryResult(boolean=bool(parsed))
    variables = [v.value for v in parsed.variables]
    return QueryResult(variables=variables, rows=[{v: s[v] for v in variables} for s in parsed])


def test_catalogue_size_is_known():
    files = sorted((bundled_root() / "queries").glob("*.rq"))
    assert len(QUERIES) == len(files) == EXPECTED_QUERY_COUNT
    assert {p.stem for p in files} == set(NAMES)


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
    prepareQuery(standalone_text(get_query(name)))


@pytest.mark.parametrize("name", NAMES)
def test_result_matches_golden(name, bundled_store):
    query = get_query(name)
    result = run_query(name, store=bundled_store, **example_params(query))
    expected = golden(name)
    assert result.variables == expected.variables
    got_seq, got_rows = normalised(result, query.body)
    expected.ordered = result.ordered
    exp_seq, exp_rows = normalised(expected, query.body)
    assert got_rows == exp_rows
    assert got_seq == exp_seq


@pytest.mark.parametrize("name", NAMES)
def test_pyoxigraph_and_rdflib_agree(name, bundled_store, bundled_graph):
    query = get_query(name)
    bindings = bind_params(query, example_params(query), bundled_store)
    oxi = run_on_store(bundled_store, query.body, bindings)
    rdf = run_on_rdflib(bundled_graph, query.body, bindings)
    assert oxi.variables == rdf.variables
    assert normalised(oxi, query.body) == normalised(rdf, query.body)


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
def test_parameter_checks(bundled_store, name, params, message):
    if message is None:
        assert run_query(name, store=bundled_store, **params).rows
        return
    with pytest.raises(UsageError) as info:
        run_query(name, store=bundled_store, **params)
    assert message in str(info.value)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_filtering_parameters_change_the_answer(bundled_store):
    everything = run_query("obligations-by-category", store=bundled_store)
    repatriation = run_query("obligations-by-category", store=bundled_store, category="tpv:repatriation")
    assert 0 < len(repatriation) < len(everything)
    assert {r["category"] for r in repatriation.values()} == {"https://w3id.org/tppo/vocab/repatriation"}
    khm = run_query("state-treaty-participation", store=bundled_store, state="tpd:KHM")
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
    result = run_on_store(ox.Store(), query.body, bound)
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


def test_malformed_sparql_reports_the_position(bundled_store):
    with pytest.raises(QueryError, match=r"error at 1:\d+"):
        sparql("SELECT ?s WHERE { ?s ?p }", store=bundled_store)


@pytest.mark.parametrize(
    "update",
    ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }", "# c\nDROP ALL", "CLEAR DEFAULT"],
)
def test_updates_are_refused(bundled_store, update):
    before = len(bundled_store)
    with pytest.raises(QueryError, match="read-only"):
        sparql(update, store=bundled_store)
    assert len(bundled_store) == before


def test_with_sources_adds_the_sources_of_each_row(bundled_store):
    result = run_query("obstacles-without-recommendation", store=bundled_store, with_sources=True)
    assert result.variables[-1] == "sources"
    for row in result.rows:
        assert row["sources"] is not None
        assert all(s.startswith("https://w3id.org/tppo/id/") for s in row["sources"].value.split())


def test_values_row_goes_into_the_outer_where():
    text = 'CONSTRUCT { ?s <urn:p> "}" } WHERE { ?s <urn:q> ?o { SELECT ?o WHERE { ?o ?p ?x } } }'
    bound = with_values(text, {"o": ox.Literal("v")})
    assert bound.startswith('CONSTRUCT { ?s <urn:p> "}" } WHERE {\n  VALUES (?o) { ("v") }')
