"""Property test: hostile strings bound to string parameters can never change the shape of a query."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tppo_graph.binding import bind_params, with_values
from tppo_graph.catalogue import list_queries
from tppo_graph.engines import LocalEngine, RdflibEngine

HOSTILE_FRAGMENTS = [
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "\\n",
    "\n",
    "\r",
    "\t",
    "{",
    "}",
    "} UNION { ?s ?p ?o }",
    " . } #",
    "#",
    "<",
    ">",
    "<http://evil.example/>",
    "^^",
    "@en",
    "?x",
    "$x",
    "FILTER(true)",
    "DROP ALL",
    ";",
    ")",
    "\u0000",
    "\u2028",
    "é",
    "perdagangan orang",
    "🙂",
    "ᄀ",
]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(max_size=8)), max_size=6).map("".join)

STRING_PARAMS = [(q, p) for q in list_queries() for p in q.params if p.type in ("string", "lang-string")]
PLACEHOLDER = "\u0001PARAM\u0001"


def test_the_catalogue_has_string_parameters_to_attack():
    assert STRING_PARAMS, "no saved query declares a string parameter: the property test below would test nothing"


def _value(param, text: str) -> str:
    return f"{text}@id" if param.type == "lang-string" else text


@pytest.mark.parametrize(("query", "param"), STRING_PARAMS, ids=lambda x: getattr(x, "name", ""))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text)
def test_query_shape_never_changes(local, query, param, text):
    hostile = bind_params(query, {param.name: _value(param, text)})
    plain = bind_params(query, {param.name: _value(param, "x")})
    hostile_text_ = with_values(query.body, hostile).replace(str(hostile[param.name]), PLACEHOLDER, 1)
    plain_text = with_values(query.body, plain).replace(str(plain[param.name]), PLACEHOLDER, 1)
    assert hostile_text_ == plain_text  # the only difference is the one escaped literal token
    local.query(query.body, hostile)  # and the engine accepts it as that literal


@settings(max_examples=200, deadline=None)
@given(text=hostile_text)
def test_bound_strings_arrive_intact_on_both_engines(text):
    from rdflib import Graph

    probe = "SELECT ?value WHERE { }"
    bindings = {"value": ox.Literal(text)}
    assert LocalEngine(ox.Store()).select(probe, bindings).rows == ({"value": ox.Literal(text)},)
    assert RdflibEngine(Graph()).select(probe, bindings).rows[0]["value"].value == text
