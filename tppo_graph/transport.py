"""The one HTTP layer to SPARQL stores: every request to an endpoint, and every error it can give, goes through here.

- SPARQL 1.1 Protocol queries and updates go through SPARQLWrapper, with an explicit ``Accept`` header
  (:data:`QUERY_ACCEPT`: the W3C result formats, JSON first, and the RDF formats for CONSTRUCT) and content
  negotiation only (no ``format=`` parameter, which some servers answer in their own dialect).
- SPARQL 1.1 Graph Store Protocol uploads (which SPARQLWrapper does not speak) go through urllib.
- :meth:`Transport.send` is the one place where a failure of either becomes a one-line
  :class:`~tppo_graph.errors.StoreError`, where URLs are shown without credentials (:func:`safe_url`), where
  a request's time limit is applied, and :meth:`Transport.query` the one place that refuses an update sent as
  a query.
"""

from __future__ import annotations

import base64
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from . import log
from .errors import QueryError, StoreError, StoreTimeout, UsageError

__all__ = [
    "QUERY_ACCEPT",
    "Credentials",
    "Endpoints",
    "Response",
    "Transport",
    "endpoints_for",
    "safe_url",
]

T = TypeVar("T")
#: what a query asks for: SPARQL results JSON, then XML, TSV and CSV; N-Triples, Turtle, RDF/XML, JSON-LD for graphs
QUERY_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, text/tab-separated-values;q=0.8, "
    "text/csv;q=0.5, application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8, application/ld+json;q=0.7"
)
#: an update's answer carries nothing we read
UPDATE_ACCEPT = "*/*"
#: a query longer than this many bytes is sent by POST (GET URLs have length limits)
POST_THRESHOLD = 1800


@dataclass(frozen=True)
class Credentials:
    """HTTP basic-auth credentials; the password never appears in ``repr``, output, logs or errors."""

    user: str
    password: str = field(repr=False)

    def header(self) -> str:
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"


@dataclass(frozen=True)
class Endpoints:
    """The three URLs of a store: SPARQL query, SPARQL update and Graph Store Protocol."""

    query: str
    update: str
    store: str


def endpoints_for(endpoint: str, update: str | None = None, store: str | None = None) -> Endpoints:
    """Derive update and Graph Store URLs from a query URL, for Oxigraph's and Fuseki's usual layouts.

    ``http://host:7878`` or ``.../query`` (Oxigraph): ``/query``, ``/update``, ``/store``;
    ``.../ds/sparql`` or ``.../ds/query`` on Fuseki (``/ds/update``, ``/ds/data``) when the path has a dataset.
    Explicit ``update`` and ``store`` URLs win.
    """
    parsed = urllib.parse.urlparse(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        from .errors import InvalidOption

        raise InvalidOption("endpoint", "endpoint", f"{safe_url(endpoint)!r} is not an http(s) URL")
    path = parsed.path.rstrip("/")
    base = endpoint[: len(endpoint) - len(parsed.path)] if parsed.path else endpoint.rstrip("/")
    if path in ("", "/query"):  # Oxigraph
        derived = Endpoints(f"{base}/query", f"{base}/update", f"{base}/store")
    elif path.endswith(("/sparql", "/query")):  # Fuseki: /dataset/sparql
        dataset = path.rsplit("/", 1)[0]
        derived = Endpoints(f"{base}{path}", f"{base}{dataset}/update", f"{base}{dataset}/data")
    else:
        derived = Endpoints(endpoint, f"{endpoint}/update", f"{endpoint}/store")
    return Endpoints(derived.query, update or derived.update, store or derived.store)


def safe_url(url: str) -> str:
    """The URL without any user:password part and without its query string (which may hold a query or a key)."""
    parsed = urllib.parse.urlparse(url)
    if parsed.password or parsed.username:
        netloc = parsed.hostname or ""
        if parsed.port:
            netloc += f":{parsed.port}"
        parsed = parsed._replace(netloc=netloc)
    return urllib.parse.urlunparse(parsed._replace(query=""))


class Response(NamedTuple):
    """An endpoint's answer: the body, its media type, and the ``Server`` header (lower-cased)."""

    body: bytes
    media_type: str
    server: str


#: SPARQLWrapper's exception classes and the HTTP status each stands for
_WRAPPER_STATUS = {
    "QueryBadFormed": "HTTP 400 Bad Request",
    "Unauthorized": "HTTP 401 Unauthorized",
    "EndPointNotFound": "HTTP 404 Not Found",
    "URITooLong": "HTTP 414 URI Too Long",
    "EndPointInternalError": "HTTP 500 Internal Server Error",
}


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _http_message(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read().decode("utf-8", errors="replace")
    except OSError:
        body = ""
    text = _one_line(body)
    return f"HTTP {exc.code} {exc.reason}" + (f": {text}" if text else "")


def _wrapper_message(exc: Exception) -> str:
    """SPARQLWrapper's exception as 'HTTP status: the server's own message' on one line."""
    status = _WRAPPER_STATUS.get(type(exc).__name__, type(exc).__name__)
    text = str(exc)
    if "Response:" in text:  # SPARQLWrapper appends the server's body after this marker
        text = text.split("Response:", 1)[1].strip()
        if text.startswith(("b'", 'b"')):
            text = text[2:-1].encode("latin-1", errors="replace").decode("unicode_escape", errors="replace")
    return f"{status}: {_one_line(text)}"


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or (
        isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, TimeoutError)
    )


class Transport:
    """Requests to one store with one set of credentials and one time limit per request (seconds)."""

    def __init__(self, *, credentials: Credentials | None = None, timeout: float = 60.0) -> None:
        if timeout <= 0:
            from .errors import InvalidOption

            raise InvalidOption("timeout", "timeout", f"{timeout:g} s: must be more than 0")
        self.credentials = credentials
        self.timeout = timeout

    def send(self, what: str, url: str, call: Callable[[], T], *, after_timeout: str = "") -> T:
        """Run one request ``call`` to ``url``; every failure becomes a one-line :class:`StoreError`.

        :param what: what the request is for, the start of any error message.
        :param after_timeout: appended to the message of a timeout (what the timeout means for the caller).
        """
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        start = time.perf_counter()
        hint = ""
        try:
            value = call()
        except urllib.error.HTTPError as exc:
            hint = " (check the user and password)" if exc.code in (401, 403) else ""
            raise StoreError(f"{what}: {_http_message(exc)}{hint}") from None
        except SPARQLWrapperException as exc:
            hint = " (check the user and password)" if type(exc).__name__ == "Unauthorized" else ""
            raise StoreError(f"{what}: {_wrapper_message(exc)}{hint}") from None
        except http.client.HTTPException as exc:  # the connection broke mid-answer (IncompleteRead, BadStatusLine)
            raise StoreError(
                f"{what}: the endpoint {safe_url(url)} broke off its answer ({type(exc).__name__})"
            ) from None
        except (OSError, urllib.error.URLError) as exc:
            if _is_timeout(exc):
                raise StoreTimeout(f"{what}: no answer within {self.timeout:g} s (timeout){after_timeout}") from None
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise StoreError(f"{what}: cannot reach the endpoint {safe_url(url)}: {reason}") from None
        finally:
            log.debug("%s: %s in %.3f s", what, safe_url(url), time.perf_counter() - start)
        return value

    def _client(self, url: str, text: str, accept: str, *, update_url: str | None = None, post: bool = False) -> Any:
        from SPARQLWrapper import GET, POST, POSTDIRECTLY, SPARQLWrapper

        client = SPARQLWrapper(url, updateEndpoint=update_url)
        client.setQuery(text)
        client.setOnlyConneg(True)  # the Accept header alone says what we want; no format= parameter
        client.addCustomHttpHeader("Accept", accept)
        client.setTimeout(self.timeout)  # type: ignore[arg-type]  # annotated int; urlopen takes float seconds
        if update_url is not None:
            client.setMethod(POST)
            client.setRequestMethod(POSTDIRECTLY)  # the update as the body: application/sparql-update
        else:
            client.setMethod(POST if post or len(text.encode("utf-8")) > POST_THRESHOLD else GET)
        if self.credentials is not None:
            client.setCredentials(self.credentials.user, self.credentials.password)
        return client

    def query(
        self,
        url: str,
        text: str,
        *,
        what: str,
        graph: str | None = None,
        accept: str = QUERY_ACCEPT,
        post: bool = False,
    ) -> Response:
        """A SPARQL 1.1 Protocol query (never an update: that is refused before anything is sent).

        :param graph: the named graph to query as the default graph (``default-graph-uri``).
        :param post: send by POST whatever the length (a load's requests: never served from a cache).
        """
        client = self._client(url, text, accept, post=post)
        if client.isSparqlUpdateRequest():
            raise QueryError(f"{what}: SPARQL Update is not allowed on the query path")
        if graph:
            client.addDefaultGraph(graph)

        def call() -> Response:
            response = client.query().response
            media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            return Response(bytes(response.read()), media_type, (response.headers.get("Server") or "").lower())

        return self.send(what, url, call, after_timeout="; not an empty result")

    def update(self, url: str, text: str, *, what: str) -> None:
        """A SPARQL 1.1 Update, sent as ``application/sparql-update`` to the update URL."""
        client = self._client(url, text, UPDATE_ACCEPT, update_url=url)
        if not client.isSparqlUpdateRequest():
            raise UsageError(f"{what}: not a SPARQL Update")
        self.send(what, url, lambda: client.query().response.read())

    def upload(self, url: str, payload: bytes, media_type: str, *, what: str) -> None:
        """POST RDF to a Graph Store Protocol URL (adds to the graph the URL names)."""
        request = urllib.request.Request(url, data=payload, method="POST")
        request.add_header("Content-Type", media_type)
        request.add_header("Accept", UPDATE_ACCEPT)
        if self.credentials is not None:
            request.add_header("Authorization", self.credentials.header())

        def call() -> None:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()

        self.send(what, url, call)
