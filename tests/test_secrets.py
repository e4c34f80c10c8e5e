"""Secrets never leave: no failing remote case prints the password or its base64 form, whatever the server echoes;
credentials are not forwarded on a redirect to another origin; URLs with credentials in them are refused."""

from __future__ import annotations

import base64
import urllib.parse

import pytest

from tppo_graph.cli import main
from tppo_graph.errors import InvalidOption
from tppo_graph.server import free_port
from tppo_graph.transport import Credentials, Transport, endpoints_for, safe_url

from .proxy import Faults, Proxy

USER = "tppo-user"
PASSWORD = "s3cr3t-Pa55:w/rd"  # a colon and a slash: the forms a URL or a header would take differ
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
EMPTY_SELECT = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
DEAD = "http://127.0.0.1:9"  # nothing listens there: a proxy that answers by itself never forwards


def leaked(text: str) -> list[str]:
    forms = {PASSWORD, TOKEN, urllib.parse.quote(PASSWORD), urllib.parse.quote(TOKEN), f"{USER}:{PASSWORD}"}
    return [form for form in forms if form in text]


@pytest.fixture
def secret_env(monkeypatch):
    monkeypatch.setenv("TPPO_GRAPH_PASSWORD", PASSWORD)


ECHOING = [
    Faults(status=401, body=b"authentication failed", echo_auth=True),
    Faults(status=403, body=b"forbidden", echo_auth=True),
    Faults(status=500, body=b"internal error", echo_auth=True),
    Faults(status=400, body=("bad request from " + PASSWORD).encode(), echo_auth=False),
    Faults(status=200, body=b"not json, but: " + TOKEN.encode(), content_type="application/sparql-results+json"),
]


@pytest.mark.parametrize("verbose", [[], ["-v"]])
@pytest.mark.parametrize("verb", ["sparql", "load"])
@pytest.mark.parametrize("faults", ECHOING, ids=lambda f: f"status-{f.status}")
def test_no_failing_remote_case_prints_the_password(secret_env, runner, faults, verb, verbose):
    with Proxy(DEAD, faults) as proxy:
        if verb == "sparql":
            args = ["sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", proxy.url + "/query"]
        else:
            args = ["load", "--endpoint", proxy.url + "/query", "--graph", "urn:x:g"]
        result = runner.invoke(main, [*args, "--user", USER, *verbose])
        assert proxy.faults.authorizations[0] == f"Basic {TOKEN}"  # the credentials were sent, to this origin
    assert result.exit_code == 2, result.output
    assert leaked(result.output) == [], result.output
    if not verbose:
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_credentials_are_not_forwarded_to_another_origin(secret_env, runner):
    answer = Faults(status=200, body=EMPTY_SELECT, content_type="application/sparql-results+json")
    with Proxy(DEAD, answer) as other, Proxy(DEAD, Faults(redirect_to=other.url)) as first:
        result = runner.invoke(
            main, ["sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", first.url + "/query", "--user", USER]
        )
        assert first.faults.authorizations == [f"Basic {TOKEN}"]
        assert other.faults.requests and other.faults.authorizations == [None]  # followed, without credentials
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("new", "kept"),
    [
        ("http://127.0.0.1:7878/elsewhere", True),
        ("http://127.0.0.1:7879/query", False),  # another port
        ("https://127.0.0.1:7878/query", False),  # another scheme
        ("http://localhost:7878/query", False),  # another host name
    ],
)
def test_credentials_follow_a_redirect_only_within_their_origin(new, kept):
    import urllib.request

    from tppo_graph.transport import _Redirects

    request = urllib.request.Request("http://127.0.0.1:7878/query")
    request.add_unredirected_header("Authorization", f"Basic {TOKEN}")
    redirected = _Redirects().redirect_request(request, None, 307, "Temporary Redirect", {}, new)
    assert redirected is not None
    assert (redirected.get_header("Authorization") == f"Basic {TOKEN}") is kept


@pytest.mark.parametrize(
    "url",
    [
        f"http://{USER}:{urllib.parse.quote(PASSWORD, safe='')}@127.0.0.1:{free_port()}/query",
        f"http://{USER}@127.0.0.1:{free_port()}/query",
        f"https://:{urllib.parse.quote(PASSWORD, safe='')}@127.0.0.1/sparql",
    ],
    ids=["user-and-password", "user-only", "password-only"],  # the ports differ per process (pytest-xdist workers)
)
@pytest.mark.parametrize("verb", ["sparql", "load", "stats"])
def test_urls_with_credentials_in_them_are_refused(runner, url, verb):
    args = {"sparql": ["sparql", "ASK {}"], "load": ["load", "--default"], "stats": ["stats"]}[verb]
    result = runner.invoke(main, [*args, "--endpoint", url])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "user name or password" in result.stderr and "--user" in result.stderr
    assert leaked(result.output) == [] and urllib.parse.quote(PASSWORD, safe="") not in result.output


def test_update_and_store_urls_are_checked_too():
    with pytest.raises(InvalidOption, match="user name or password"):
        endpoints_for("http://127.0.0.1:1/query", update=f"http://u:{urllib.parse.quote(PASSWORD)}@127.0.0.1:1/up")
    with pytest.raises(InvalidOption) as raw:  # not even a URL, but the password must not show
        endpoints_for("http://127.0.0.1:1/query", store=f"http://u:{PASSWORD}@127.0.0.1:1/store")
    assert leaked(str(raw.value)) == [] and "w/rd" not in str(raw.value)


def test_safe_url_never_shows_credentials_or_the_query_string():
    assert safe_url(f"http://{USER}:{PASSWORD}@h:1/q?key=abc") == "http://h:1/q"
    assert safe_url(f"http://{USER}:{PASSWORD}@h:1/q#frag") == "http://h:1/q"
    assert safe_url("127.0.0.1:7878/query") == "<a URL without a scheme>"


def test_redaction_scrubs_every_form():
    transport = Transport(credentials=Credentials(USER, PASSWORD))
    text = f"a {TOKEN} b {PASSWORD} c {urllib.parse.quote(PASSWORD)} d {USER}:{PASSWORD}"
    assert leaked(transport.redact(text)) == []


def test_digest_auth_answers_the_challenge_once_then_at_once(tmp_path, oxigraph):
    """A store behind digest auth (as Virtuoso's -auth endpoints are): the unasked basic credentials are refused
    without a challenge, asked again bare, the challenge answered; later requests to the origin answer it at once."""
    from tppo_graph.loading import load_into

    with Proxy(oxigraph.base, Faults(digest=(USER, PASSWORD))) as proxy:
        summary = load_into(
            f"{proxy.url}/query",
            graph="urn:x:g",
            chunk_size=4000,
            credentials=Credentials(USER, PASSWORD),
            route="staging",  # several uploads: each answers the challenge at once
        )
        sent = proxy.faults.authorizations
    assert summary.triples_in_target == oxigraph.count("urn:x:g") > 0 and summary.chunks > 2
    assert sent[:3] == [f"Basic {TOKEN}", None, sent[2]] and sent[2].startswith("Digest ")
    # the first request alone meets the challenge: every later one answers it at once, each chunk sent once
    assert all(a.startswith("Digest ") for a in sent[2:])
    assert len(proxy.faults.requests) == len(sent) == 2 + 1 + 1 + summary.chunks + 3  # counts, check, switch


def test_wrong_digest_credentials_are_one_clear_line_and_never_retried_in_a_loop(secret_env, runner, oxigraph):
    with Proxy(oxigraph.base, Faults(digest=(USER, "the-right-one"))) as proxy:
        result = runner.invoke(main, ["load", "--endpoint", proxy.url + "/query", "--graph", "urn:x:g", "--user", USER])
        requests = list(proxy.faults.requests)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "HTTP 401" in result.stderr and "check the user and password" in result.stderr
    assert leaked(result.output) == []
    assert len(requests) == 3  # basic (refused), bare (challenged), digest (refused): then the error
    assert oxigraph.graphs() == set()


def test_a_digest_challenge_from_another_origin_gets_no_credentials(secret_env, runner):
    from .proxy import CHALLENGE

    other_faults = Faults(status=401, body=b"who are you", challenge=CHALLENGE)
    with Proxy(DEAD, other_faults) as other, Proxy(DEAD, Faults(redirect_to=other.url)) as first:
        result = runner.invoke(
            main, ["sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", first.url + "/query", "--user", USER]
        )
        assert first.faults.authorizations == [f"Basic {TOKEN}"]
        assert other.faults.authorizations == [None]  # challenged, and not answered: not its credentials
    assert result.exit_code == 2 and "HTTP 401" in result.stderr
    assert leaked(result.output) == []


@pytest.mark.parametrize(
    ("endpoint", "update", "store"),
    [
        ("http://h:7878", "http://h:7878/update", "http://h:7878/store"),  # Oxigraph
        ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
        ("http://h:8890/sparql", "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth"),  # Virtuoso
        ("http://h:8890/sparql-auth", "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth"),
        ("http://h:3030/ds/sparql", "http://h:3030/ds/update", "http://h:3030/ds/data"),  # Fuseki
        ("http://h:3030/ds/query", "http://h:3030/ds/update", "http://h:3030/ds/data"),
        ("http://h/repositories/r", "http://h/repositories/r/update", "http://h/repositories/r/store"),  # other
    ],
)
def test_endpoint_derivation_per_store_layout(endpoint, update, store):
    derived = endpoints_for(endpoint)
    assert (derived.update, derived.store) == (update, store)
    given = endpoints_for(endpoint, update="http://h/u", store="http://h/s")
    assert (given.update, given.store) == ("http://h/u", "http://h/s")
