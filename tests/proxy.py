"""A small reverse proxy on 127.0.0.1 in front of a real Oxigraph server, for fault and auth tests.

It forwards every request unchanged (its Authorization header too, and the store's challenge back), and can
require basic-auth credentials, or digest-auth ones as Virtuoso does (refusing basic without a challenge), answer the n-th Graph Store upload
with an error, corrupt it, delay answers (to provoke client timeouts), or hold one chosen request (an upload, the
count of the staging graph, the switch) before or after forwarding it, while other requests pass: the reordering
that two connections allow, made deterministic.
"""

from __future__ import annotations

import base64
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Faults:
    credentials: tuple[str, str] | None = None
    digest: tuple[str, str] | None = None  # require HTTP digest auth (MD5, qop=auth) with these credentials
    challenge: str | None = None  # with `status` 401: the WWW-Authenticate header to answer with
    fail_upload: int | None = None  # answer the n-th upload (1-based) with HTTP 500
    corrupt_upload: int | None = None  # forward the n-th upload with a syntax error in it
    delay: float = 0.0
    hold: str | None = None  # the kind of request to hold (see `kind`): "upload:2", "count-staging", "switch"
    hold_after: bool = False  # hold the answer after forwarding instead of the request before forwarding
    hold_seconds: float = 2.0  # at most: a test that has seen what it waited for ends the hold with `release`
    fail_held: bool = False  # answer the held request with HTTP 500 after the hold instead of forwarding it
    holding: threading.Event = field(default_factory=threading.Event)  # set when the hold begins
    release: threading.Event = field(default_factory=threading.Event)  # set by the test: the hold ends at once
    status: int | None = None  # answer every request with this status and `body` instead of forwarding it
    body: bytes = b""
    content_type: str = "text/plain"
    echo_auth: bool = False  # with `status`: the body repeats the request's Authorization header, as some servers do
    redirect_to: str | None = None  # answer with 307 to this base URL + /redirected + the path (once: see below)
    dribble: float = 0.0  # send the answer one byte every `dribble` seconds
    authorizations: list[str | None] = field(default_factory=list)  # the Authorization header of each request
    uploads: int = 0
    active: int = 0  # requests being handled (forwarded, held or answered)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until no request is being handled (a held one has reached the server and been answered)."""
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.active, "the proxy is still handling a request"


#: the Graph Store, update and query paths of the stores tested (Oxigraph's, Virtuoso's)
STORE_PATHS = ("/store", "/sparql-graph-crud")
UPDATE_PATHS = ("/update", "/sparql-auth")
QUERY_PATHS = ("/query", "/sparql")


def is_upload(command: str, path: str) -> bool:
    return command in ("POST", "PUT") and path.startswith(STORE_PATHS)


def kind(command: str, path: str, body: bytes | None, uploads: int) -> str:
    """What a load's request is: upload:N, count-staging, count, switch, drop, or other."""
    text = (body or b"").decode("utf-8", errors="replace")
    if is_upload(command, path):
        return f"upload:{uploads}"
    update = path.startswith(UPDATE_PATHS)
    query = path.startswith(QUERY_PATHS) and not update
    if query and "COUNT" in text and "staging" in text:
        return "count-staging"
    if query and "COUNT" in text:
        return "count"
    if update and (text.lstrip().startswith("MOVE") or "ADD GRAPH" in text):
        return "switch"
    if update and "DROP" in text:
        return "drop"
    return "other"


NONCE = "c0ffee0123456789"
CHALLENGE = f'Digest realm="SPARQL", nonce="{NONCE}", opaque="5ebe", stale="false", qop="auth", algorithm="MD5"'


def digest_ok(method: str, headers: object, credentials: tuple[str, str]) -> bool:
    """Whether the request's Authorization is a right RFC 2617 digest (MD5, qop=auth) for ``credentials``."""
    import hashlib
    import urllib.request

    sent = headers.get("Authorization") or ""  # type: ignore[attr-defined]
    if not sent.startswith("Digest "):
        return False
    fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(sent[7:]))

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    user, password = credentials
    ha1, ha2 = md5(f"{user}:SPARQL:{password}"), md5(f"{method}:{fields.get('uri', '')}")
    expected = md5(f"{ha1}:{NONCE}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
    return fields.get("username") == user and fields.get("response") == expected


class Proxy:
    def __init__(self, upstream: str, faults: Faults | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults = faults or Faults()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _forward(self) -> None:
                faults = proxy.faults
                with faults.lock:
                    faults.active += 1
                try:
                    self._handle(faults)
                finally:
                    with faults.lock:
                        faults.active -= 1

            def _handle(self, faults: Faults) -> None:
                faults.requests.append(f"{self.command} {self.path}")
                faults.authorizations.append(self.headers.get("Authorization"))
                if self.path.startswith("/redirected/"):  # a request some proxy redirected here
                    self.path = self.path[len("/redirected") :]
                elif faults.redirect_to is not None:
                    self._answer(307, b"", {"Location": faults.redirect_to + "/redirected" + self.path})
                    return
                if faults.status is not None:
                    body = faults.body
                    if faults.echo_auth:
                        body += b" (you sent Authorization: " + self.headers.get("Authorization", "").encode() + b")"
                    extra = {"WWW-Authenticate": faults.challenge} if faults.challenge else {}
                    self._answer(faults.status, body, {"Content-Type": faults.content_type, **extra})
                    return
                if faults.digest is not None and not digest_ok(self.command, self.headers, faults.digest):
                    length = int(self.headers.get("Content-Length") or 0)
                    self.rfile.read(length)
                    basic = (self.headers.get("Authorization") or "").startswith("Basic ")
                    self._answer(401, b"", {} if basic else {"WWW-Authenticate": CHALLENGE})  # as Virtuoso does
                    return
                if faults.credentials is not None:
                    expected = "Basic " + base64.b64encode(":".join(faults.credentials).encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        self._answer(401, b"authentication required", {"WWW-Authenticate": 'Basic realm="tppo"'})
                        return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if is_upload(self.command, self.path):
                    faults.uploads += 1
                    if faults.fail_upload == faults.uploads:
                        self._answer(500, b"injected failure")
                        return
                    if faults.corrupt_upload == faults.uploads and body:
                        body = body[: len(body) // 2] + b" <not-a-triple"
                if faults.delay:
                    time.sleep(faults.delay)
                held = faults.hold is not None and kind(self.command, self.path, body, faults.uploads) == faults.hold
                if held and not faults.hold_after:
                    faults.holding.set()
                    faults.release.wait(faults.hold_seconds)
                    if faults.fail_held:
                        self._answer(500, b"injected failure of the held request")
                        return
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command)
                for name in ("Content-Type", "Accept", "Authorization"):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, answer = response.status, response.read()
                        headers = {k: response.headers.get(k, "") for k in ("Content-Type", "Server")}
                except urllib.error.HTTPError as exc:
                    status, answer = exc.code, exc.read()
                    headers = {"WWW-Authenticate": exc.headers.get("WWW-Authenticate", "")}
                if held and faults.hold_after:
                    # Only now: the store has carried the request out (a slow MOVE must not still be running when
                    # the test's signals arrive, or the case would be "switch in progress", not "answer held").
                    faults.holding.set()
                    faults.release.wait(faults.hold_seconds)
                self._answer(status, answer, headers)

            def version_string(self) -> str:
                # the store's own Server header, passed on as the one Server header: a load tells stores apart by it
                return getattr(self, "upstream_server", "") or super().version_string()

            def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.upstream_server = (headers or {}).get("Server", "")
                try:
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        if value and key != "Server":
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if proxy.faults.dribble:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(proxy.faults.dribble)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            do_GET = _forward
            do_POST = _forward
            do_PUT = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
