"""The page ``tppo-graph serve`` shows: one port for the SPARQL endpoint, our own query page and the static site.

A small HTTP server on the public port answers ``/`` with a YASGUI page (the catalogue's prefixes predeclared, the
saved queries to open as tabs, YASGUI vendored from npm: no CDN), ``/site/`` with the static site of
``tppo-graph site``, and passes ``/query``, ``/update`` and ``/store`` on to the Oxigraph server, which listens on
another port of the loopback interface only.
"""

from __future__ import annotations

import json
import mimetypes
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .errors import InvalidOption
from .server import Endpoints

__all__ = ["Front", "serve_front", "vendor_dir", "workbench_page"]

#: the Oxigraph server's paths, passed on as they are
UPSTREAM_PATHS = ("/query", "/update", "/store")
_TYPES = {".jsonld": "application/ld+json", ".ttl": "text/turtle; charset=utf-8", ".js": "text/javascript"}


def vendor_dir() -> Path | None:
    """Where YASGUI is: vendored into the wheel, or in a checkout's ``web/node_modules`` (None: not installed)."""
    here = Path(__file__).resolve().parent
    for folder in (here / "_vendor" / "yasgui", here.parent / "web" / "node_modules" / "@zazuko" / "yasgui" / "build"):
        if (folder / "yasgui.min.js").is_file() and (folder / "yasgui.min.css").is_file():
            return folder
    return None


def workbench_page(lang: str = "en") -> str:
    """The query page: YASGUI with the catalogue's prefixes in its first tab and the saved queries to open."""
    from .catalogue import list_queries
    from .namespaces import PREFIXES
    from .queries import query_text
    from .templating import render, strings

    queries = []
    for saved in list_queries():
        try:
            text = query_text(saved, dict(saved.example))
        except Exception:  # noqa: BLE001 - a query whose defaults need the graph: offer its file as it is
            text = saved.body
        queries.append({"name": saved.name, "summary": saved.summary, "text": text})
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    start = (
        prefixes
        + '\nSELECT ?state ?label WHERE {\n  ?state a tppo:State ; rdfs:label ?label .\n  FILTER(LANG(?label) = "'
        + lang
        + '")\n}\n'
    )
    payload = {"queries": queries, "start": start, "prefixes": PREFIXES, "lang": lang}
    data = json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")
    return render(
        "serve-workbench.html.j2",
        w=strings(lang),
        lang=lang,
        data=data,
        yasgui=vendor_dir() is not None,
        queries=queries,
    )


class _SiteState:
    """The site served under /site/: built in the background at start-up, ready once ``ready`` is set."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.ready = threading.Event()
        self.error: str | None = None


class _Handler(BaseHTTPRequestHandler):
    upstream = ""
    site = _SiteState(None)
    page = b""
    timeout_s = 300.0

    def log_message(self, *args: Any) -> None:  # quiet: the CLI prints what matters
        pass

    def _send(self, status: int, body: bytes, content_type: str, extra: Sequence[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k in ("Content-Type", "Accept", "Authorization") if (v := self.headers.get(k))}
        request = urllib.request.Request(self.upstream + self.path, data=body, method=self.command, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                status, content, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "text/plain")
        except urllib.error.HTTPError as exc:
            status, content, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "text/plain")
        except (urllib.error.URLError, OSError) as exc:
            status, content, kind = 502, f"the SPARQL server did not answer: {exc}".encode(), "text/plain"
        self._send(status, content, kind)

    def _static(self, path: str) -> None:
        from urllib.parse import unquote

        if self.site.folder is None:
            self._send(404, b"no site: serve was started without one", "text/plain")
            return
        if not self.site.ready.is_set():
            self._send(503, b"The site is being built; reload in a few seconds.", "text/plain", [("Retry-After", "5")])
            return
        if self.site.error is not None:
            self._send(500, f"the site could not be built: {self.site.error}".encode(), "text/plain; charset=utf-8")
            return
        root = self.site.folder.resolve()
        target = (root / unquote(path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            self._send(404, b"not found", "text/plain")
            return
        kind = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") and "charset" not in kind:
            kind += "; charset=utf-8"
        self._send(200, target.read_bytes(), kind)

    def _route(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith(UPSTREAM_PATHS):
            self._proxy()
        elif path in ("/", "/index.html"):
            self._send(200, self.page, "text/html; charset=utf-8")
        elif path == "/style.css":
            from .templating import resource

            self._send(200, resource("report.css").encode("utf-8"), "text/css; charset=utf-8")
        elif path.startswith("/yasgui/"):
            folder = vendor_dir()
            name = path.removeprefix("/yasgui/")
            if folder is None or name not in ("yasgui.min.js", "yasgui.min.css"):
                self._send(404, b"not found", "text/plain")
            else:
                kind = "text/javascript" if name.endswith(".js") else "text/css"
                self._send(
                    200, (folder / name).read_bytes(), kind + "; charset=utf-8", [("Cache-Control", "max-age=3600")]
                )
        elif path == "/site":
            self._send(301, b"", "text/plain", [("Location", "/site/")])
        elif path.startswith("/site/"):
            self._static(path.removeprefix("/site/"))
        else:
            self._send(404, b"not found", "text/plain")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _route


class Front(Endpoints):
    """The public server: our page, the site and the endpoint on one port, in front of an Oxigraph server."""

    def __init__(self, upstream: Any, httpd: ThreadingHTTPServer, site: _SiteState, owns_site: bool) -> None:
        self.upstream = upstream
        self.httpd = httpd
        self.site_state = site
        self.site = site.folder
        self.owns_site = owns_site
        self.process = upstream.process
        self.thread = threading.Thread(target=httpd.serve_forever, name="tppo-graph-front", daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        shown = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{shown}:{port}"

    @property
    def site_page(self) -> str | None:
        return f"{self.base}/site/index.html" if self.site is not None else None

    def stop(self) -> None:
        """Stop the public server, the Oxigraph server, and remove a site built for this run."""
        import shutil

        self.httpd.shutdown()
        self.httpd.server_close()
        self.upstream.stop()
        if self.owns_site and self.site is not None:
            shutil.rmtree(self.site.parent, ignore_errors=True)

    def __enter__(self) -> Front:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_front(
    *,
    port: int = 7878,
    bind: str = "127.0.0.1",
    data: Sequence[str | Path] | None = None,
    writable: bool = False,
    location: str | Path | None = None,
    site: str | Path | None = None,
    build_site: bool = True,
    lang: str = "en",
) -> Front:
    """Serve the graph with our page on ``port``: the Oxigraph server runs on a free loopback port behind it.

    :param site: a folder written by ``tppo-graph site`` to serve under ``/site/``; default: one is built for this
        run (``build_site=False``: none).
    """
    import tempfile

    from .server import refuse_port_in_use, serve

    if port:  # before the Oxigraph server behind it starts, and before anything is announced
        refuse_port_in_use(bind, port)
    upstream = serve(port=0, bind="127.0.0.1", data=data, writable=writable, location=location)
    owns = site is None and build_site
    folder = (
        Path(site)
        if site is not None
        else (Path(tempfile.mkdtemp(prefix="tppo-graph-site-")) / "site" if owns else None)
    )
    state = _SiteState(folder)
    try:
        page = workbench_page(lang).encode("utf-8")
        handler = type("Handler", (_Handler,), {"upstream": upstream.base, "site": state, "page": page})
        try:
            httpd = ThreadingHTTPServer((bind, port), handler)
        except OSError as exc:  # taken since the check above, or not ours to bind
            raise InvalidOption("port", "port", f"{port} on {bind}: {exc.strerror or exc}; give another") from None
        if owns:
            threading.Thread(target=_build, args=(state, data), name="tppo-graph-site", daemon=True).start()
        else:
            state.ready.set()
        return Front(upstream, httpd, state, owns)
    except BaseException:
        upstream.stop()
        if owns and folder is not None:
            import shutil

            shutil.rmtree(folder.parent, ignore_errors=True)
        raise


def _build(state: _SiteState, data: Sequence[str | Path] | None) -> None:
    """Build the site for this run (in the background: the endpoint and the page answer meanwhile)."""
    from .engines import connect
    from .errors import TppoGraphError
    from .site import build_site

    try:
        assert state.folder is not None
        build_site(state.folder, connect(data))
    except TppoGraphError as exc:
        state.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a background thread: report on /site/, never a traceback
        state.error = f"{type(exc).__name__}: {exc}"
    finally:
        state.ready.set()
