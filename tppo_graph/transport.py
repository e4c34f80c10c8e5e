"""The one HTTP layer to SPARQL stores: every request to an endpoint, and every error it can give, goes through here.

- SPARQL 1.1 Protocol queries are built by SPARQLWrapper (the query operation only, with an explicit ``Accept``
  header, :data:`QUERY_ACCEPT`: the W3C result formats, JSON first, and the RDF formats for CONSTRUCT) and content
  negotiation only (no ``format=`` parameter, which some servers answer in their own dialect); so are the updates
  (a load's own ``MOVE``/``DROP``, ``application/sparql-update``). Graph Store Protocol uploads, which SPARQLWrapper
  does not speak, are plain POSTs.
- Every request is sent by :meth:`Transport.send`, through one urllib opener: the one place where a failure
  becomes a one-line :class:`~tppo_graph.errors.StoreError` with the credentials scrubbed from it (server bodies
  included, :meth:`Transport.redact`), where URLs are shown without credentials or query string
  (:func:`safe_url`), where the time limit bounds the whole request, and where credentials are kept from a
  redirect to another origin. :meth:`Transport.query` sends only what pyoxigraph's parser reads as a query.
- Credentials go as HTTP basic auth with every request to the origin they were given for, and as HTTP digest
  auth where that origin challenges for it (Virtuoso's ``-auth`` endpoints): after one challenge, later requests
  to the origin answer it at once (no body is sent twice). Neither kind is ever sent to another origin.
- URLs with a user name or password in them are refused (:func:`check_url`): credentials have their own options.
"""

from __future__ import annotations

import base64
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import log
from .errors import StoreError, StoreTimeout, UsageError, keep_secret, redact

__all__ = [
    "QUERY_ACCEPT",
    "Credentials",
    "Endpoints",
    "Response",
    "Transport",
    "add_params",
    "check_url",
    "endpoints_for",
    "safe_url",
]

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
    """HTTP credentials (basic auth, or digest where the server asks for it); the password never appears in
    ``repr``, output, logs or errors."""

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


def add_params(url: str, params: str) -> str:
    """``url`` with the encoded ``params`` added to its own query string (an endpoint may carry a key in it)."""
    if not params:
        return url
    base, _, fragment = url.partition("#")
    joined = f"{base}&{params}" if "?" in base else f"{base}?{params}"
    return joined + (f"#{fragment}" if fragment else "")


def check_url(url: str, option: str = "endpoint") -> urllib.parse.SplitResult:
    """An http(s) URL without user:password in it (credentials have their own options: a URL gets printed)."""
    from .errors import InvalidOption

    if "@" in url.split("?", 1)[0].split("#", 1)[0]:  # checked first: a password may hold a / or a :
        raise InvalidOption(
            option,
            option,
            f"{safe_url(url)!r}: the URL holds a user name or password; give them with --user and the "
            "password variable (--password-env) instead",
        )
    try:
        parsed = urllib.parse.urlsplit(url)
        parsed.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidOption(option, option, f"{safe_url(url)!r} is not a URL (its host or port is malformed)") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidOption(option, option, f"{safe_url(url)!r} is not an http(s) URL")
    if any(ord(c) < 33 or c in '<>"{}|\\^`' for c in url):
        raise InvalidOption(option, option, f"{safe_url(url)!r} holds spaces or characters a URL cannot hold")
    return parsed


def endpoints_for(endpoint: str, update: str | None = None, store: str | None = None) -> Endpoints:
    """Derive update and Graph Store URLs from a query URL, for Oxigraph's, Virtuoso's and Fuseki's usual layouts.

    ``http://host:7878`` or ``.../query`` (Oxigraph): ``/query``, ``/update``, ``/store``;
    ``http://host:8890/sparql`` or ``/sparql-auth`` (Virtuoso, no dataset in the path): queries ``/sparql``,
    updates ``/sparql-auth`` and the Graph Store ``/sparql-graph-crud-auth`` (both behind digest auth);
    ``.../ds/sparql`` or ``.../ds/query`` on Fuseki (``/ds/update``, ``/ds/data``) when the path has a dataset.
    A query string (an API key, say) is kept on every derived URL. Explicit ``update`` and ``store`` URLs win.
    """
    parsed = check_url(endpoint)
    for option, given in (("update_endpoint", update), ("store_endpoint", store)):
        if given is not None:
            check_url(given, option)
    path = parsed.path.rstrip("/")

    def url(at: str) -> str:
        return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, at, parsed.query, ""))

    if path in ("", "/query"):  # Oxigraph
        derived = Endpoints(url("/query"), url("/update"), url("/store"))
    elif path in ("/sparql", "/sparql-auth"):  # Virtuoso: one endpoint per server, no dataset
        derived = Endpoints(url(path), url("/sparql-auth"), url("/sparql-graph-crud-auth"))
    elif path.endswith(("/sparql", "/query")):  # Fuseki: /dataset/sparql
        dataset = path.rsplit("/", 1)[0]
        derived = Endpoints(url(path), url(f"{dataset}/update"), url(f"{dataset}/data"))
    else:
        derived = Endpoints(url(parsed.path), url(f"{path}/update"), url(f"{path}/store"))
    return Endpoints(derived.query, update or derived.update, store or derived.store)


def safe_url(url: str) -> str:
    """The URL without any user:password part and without its query string (which may hold a query or a key)."""
    scheme, sep, rest = url.partition("://")
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    if "@" in rest:  # up to the last @: a password may hold a / that would end the host part early
        rest = rest.rpartition("@")[2]
    return f"{scheme}{sep}{rest}" if sep else "<a URL without a scheme>"


class Response(NamedTuple):
    """An endpoint's answer: the body, its media type, and the ``Server`` header (lower-cased)."""

    body: bytes
    media_type: str
    server: str


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _http_message(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(64 * 1024).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        body = ""
    text = _one_line(body)
    return f"HTTP {exc.code} {exc.reason}" + (f": {text}" if text else "")


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or (
        isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, TimeoutError)
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parsed.scheme)
    return parsed.scheme, (parsed.hostname or "").lower(), parsed.port or default


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but carry the credentials only to the origin they were given for.

    The ``Authorization`` header is added as an unredirected header (urllib drops those on every redirect); it is
    put back here when the new URL has the same scheme, host and port, never for another origin.
    """

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        auth = req.get_header("Authorization")
        if new is not None and auth and _origin(newurl) == _origin(req.full_url):
            new.add_unredirected_header("Authorization", auth)
        return new


class _Digest(urllib.request.HTTPDigestAuthHandler):
    """HTTP digest auth with one set of credentials, for the origins :meth:`allow` was given only.

    A redirect to another origin finds no password (urllib's password manager matches scheme, host and port), so
    it is answered without credentials. A challenge is kept per origin, and later requests there answer it at
    once (a large upload is not sent first to be refused; a load's first update meets the challenge). A digest that the server refuses once, when it
    does not say the nonce was stale, is wrong credentials: no retry, the 401 is the answer. A 401 without any
    challenge to the basic credentials sent unasked (Virtuoso's answer) is asked once more without them, to learn
    the scheme the server wants.
    """

    def __init__(self, credentials: Credentials) -> None:
        self.manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        super().__init__(self.manager)
        self.credentials = credentials
        self.challenges: dict[tuple[str, str, int | None], dict[str, str]] = {}
        self.preemptive: weakref.WeakSet[urllib.request.Request] = weakref.WeakSet()
        self.bare: weakref.WeakSet[urllib.request.Request] = weakref.WeakSet()
        self.answered: weakref.WeakSet[urllib.request.Request] = weakref.WeakSet()  # answering a fresh challenge

    def allow(self, url: str) -> None:
        scheme, host, port = _origin(url)
        self.manager.add_password(None, f"{scheme}://{host}:{port}/", self.credentials.user, self.credentials.password)

    def _key(self, req: urllib.request.Request) -> tuple[str, str, int | None]:
        return _origin(req.full_url)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        challenge = self.challenges.get(self._key(req))
        if challenge is not None and req not in self.answered:
            answer = self.get_authorization(req, challenge)
            if answer:
                req.add_unredirected_header("Authorization", f"Digest {answer}")
                self.preemptive.add(req)
        return req

    https_request = http_request

    def http_error_401(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any) -> Any:
        sent = req.get_header("Authorization") or ""
        if not headers.get("WWW-Authenticate") and sent.startswith("Basic ") and req not in self.bare:
            fp.read()
            fp.close()
            req.remove_header("Authorization")
            self.bare.add(req)
            return self.parent.open(req, timeout=req.timeout)
        return super().http_error_401(req, fp, code, msg, headers)

    def retry_http_digest_auth(self, req: urllib.request.Request, auth: str) -> Any:
        challenge = urllib.request.parse_keqv_list(
            [part for part in urllib.request.parse_http_list(auth.split(" ", 1)[1]) if part]
        )
        sent = req.get_header("Authorization") or ""
        stale = challenge.get("stale", "false").lower() == "true"
        if sent.startswith("Digest ") and req not in self.preemptive and not stale:
            return None  # the server refused the credentials themselves
        self.preemptive.discard(req)
        self.answered.add(req)
        self.challenges[self._key(req)] = challenge
        return super().retry_http_digest_auth(req, auth)


_OPENER = urllib.request.build_opener(_Redirects)


class Transport:
    """Requests to one store with one set of credentials and one time limit per request (seconds, in all: from the
    request's start to the last byte of its answer, however slowly the answer comes)."""

    def __init__(self, *, credentials: Credentials | None = None, timeout: float = 60.0) -> None:
        from .guard import check_timeout

        self.credentials = credentials
        self.timeout = check_timeout(timeout)
        self._digest = _Digest(credentials) if credentials is not None else None
        self._opener = _OPENER if self._digest is None else urllib.request.build_opener(_Redirects, self._digest)
        if credentials is not None:
            # every form a server or a library could echo them in; no message of the error family shows them
            user, password = credentials.user, credentials.password
            token = credentials.header().split(" ", 1)[1]
            quoted = [urllib.parse.quote(s, safe="") for s in (token, password)]
            keep_secret(token, f"{user}:{password}", password, *quoted, urllib.parse.quote(password))

    def redact(self, text: str) -> str:
        """``text`` without any credential this process was given, in any form (see :func:`errors.redact`)."""
        return redact(text)

    def send(self, what: str, request: urllib.request.Request, *, after_timeout: str = "") -> Response:
        """Send one request and read its whole answer; every failure becomes a one-line :class:`StoreError`.

        :param what: what the request is for, the start of any error message.
        :param after_timeout: appended to the message of a timeout (what the timeout means for the caller).
        """
        from .inflight import Overdue, bounded

        url = request.full_url
        if self.credentials is not None and self._digest is not None:
            # unredirected: never sent on to another origin by a redirect (see _Redirects); digest likewise only
            # answers challenges from the origins this process was asked to send to
            request.add_unredirected_header("Authorization", self.credentials.header())
            self._digest.allow(url)
        start = time.perf_counter()

        def call() -> Response:
            # the socket timeout bounds each read; bounded() bounds the whole request
            with self._opener.open(request, timeout=self.timeout) as answer:
                body = bytes(answer.read())
                media_type = (answer.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                return Response(body, media_type, (answer.headers.get("Server") or "").lower())

        try:
            return bounded(call, self.timeout, what)  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            hint = " (check the user and password)" if exc.code in (401, 403) else ""
            raise StoreError(self.redact(f"{what}: {_http_message(exc)}{hint}")) from None
        except Overdue:
            raise StoreTimeout(f"{what}: no answer within {self.timeout:g} s (timeout){after_timeout}") from None
        except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as exc:
            if _is_timeout(exc):
                raise StoreTimeout(f"{what}: no answer within {self.timeout:g} s (timeout){after_timeout}") from None
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            message = f"{what}: cannot reach the endpoint {safe_url(url)}: {_one_line(str(reason))}"
            raise StoreError(self.redact(message)) from None
        finally:
            log.debug("%s: %s in %.3f s", what, safe_url(url), time.perf_counter() - start)

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
        """A SPARQL 1.1 Protocol query operation to the query URL (never an update: the text must parse as a
        query with pyoxigraph's parser, or nothing is sent).

        :param graph: the named graph to query as the default graph (``default-graph-uri``).
        :param post: send by POST whatever the length (a load's requests: never served from a cache).
        """
        from SPARQLWrapper import GET, POST, SPARQLWrapper

        from .guard import check_query, query_form

        check_query(text, what=what, allow_service=True)  # the remote store runs SERVICE; our parser must not crash
        form = query_form(text, what=what)
        own = urllib.parse.urlsplit(url)
        client = SPARQLWrapper(urllib.parse.urlunsplit(own._replace(query="", fragment="")))
        client.setQuery(text)
        client.queryType = form  # what our parser found, not SPARQLWrapper's guess: a query, so the query operation
        client.setOnlyConneg(True)  # the Accept header alone says what we want; no format= parameter
        client.addCustomHttpHeader("Accept", accept)
        client.setMethod(POST if post or len(text.encode("utf-8")) > POST_THRESHOLD else GET)
        if graph:
            client.addDefaultGraph(graph)
        assert not client.isSparqlUpdateRequest()
        request = client._createRequest()
        if own.query:  # the endpoint's own parameters (a key) first, then the protocol's
            base, _, params = request.full_url.partition("?")
            request.full_url = add_params(f"{base}?{own.query}", params)
        return self.send(what, request, after_timeout="; not an empty result")

    def update(self, url: str, text: str, *, what: str) -> None:
        """A SPARQL 1.1 Update, sent as ``application/sparql-update`` to the update URL."""
        from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper

        from .guard import code_only, is_update

        if not is_update(code_only(text)):
            raise UsageError(f"{what}: not a SPARQL Update")
        # SPARQLWrapper builds the SPARQL 1.1 Protocol update request (the update as the body); send() sends it
        own = urllib.parse.urlsplit(url)
        bare = urllib.parse.urlunsplit(own._replace(query="", fragment=""))
        client = SPARQLWrapper(bare, updateEndpoint=bare)
        client.setQuery(text)
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)  # application/sparql-update
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", UPDATE_ACCEPT)
        assert client.isSparqlUpdateRequest()
        request = client._createRequest()
        # SPARQLWrapper appends "?" and its (empty) parameters to the URL; the endpoint's own query string stays
        base, _, params = request.full_url.partition("?")
        request.full_url = add_params(f"{base}?{own.query}" if own.query else base, params)
        self.send(what, request)

    def upload(
        self, url: str, payload: bytes | memoryview, media_type: str, *, what: str, replace: bool = False
    ) -> None:
        """RDF to a Graph Store Protocol URL: ``POST`` adds to the graph the URL names, ``PUT`` (``replace``)
        replaces it. A memoryview is sent as it is, by its length (not chunked, which some stores refuse)."""
        request = urllib.request.Request(url, data=payload, method="PUT" if replace else "POST")
        request.add_header("Content-Type", media_type)
        request.add_header("Content-Length", str(len(payload) if isinstance(payload, bytes) else payload.nbytes))
        request.add_header("Accept", UPDATE_ACCEPT)
        self.send(what, request)
