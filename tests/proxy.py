"""A small reverse proxy on 127.0.0.1 in front of a real Oxigraph server, for fault and auth tests.

It forwards every request unchanged, and can require basic-auth credentials, answer the n-th Graph Store upload
with an error, corrupt it, or delay answers (to provoke client timeouts).
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
    fail_upload: int | None = None  # answer the n-th upload (1-based) with HTTP 500
    corrupt_upload: int | None = None  # forward the n-th upload with a syntax error in it
    delay: float = 0.0
    uploads: int = 0
    requests: list[str] = field(default_factory=list)


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
                faults.requests.append(f"{self.command} {self.path}")
                if faults.credentials is not None:
                    expected = "Basic " + base64.b64encode(":".join(faults.credentials).encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        self._answer(401, b"authentication required", {"WWW-Authenticate": 'Basic realm="tppo"'})
                        return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command == "POST" and self.path.startswith("/store"):
                    faults.uploads += 1
                    if faults.fail_upload == faults.uploads:
                        self._answer(500, b"injected failure")
                        return
                    if faults.corrupt_upload == faults.uploads and body:
                        body = body[: len(body) // 2] + b" <not-a-triple"
                if faults.delay:
                    time.sleep(faults.delay)
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command)
                for name in ("Content-Type", "Accept"):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        self._answer(
                            response.status, response.read(), {"Content-Type": response.headers.get("Content-Type", "")}
                        )
                except urllib.error.HTTPError as exc:
                    self._answer(exc.code, exc.read())

            def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        if value:
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            do_GET = _forward
            do_POST = _forward

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
