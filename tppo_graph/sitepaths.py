"""Where a resource's page lives in the static site (``tppo-graph site``), relative to the site's root.

The site mirrors the IRIs: ``https://w3id.org/tppo/id/IDN`` is ``id/IDN.en.html`` and ``id/IDN.id.html``, with
``id/IDN.ttl`` and ``id/IDN.jsonld`` beside them, so that the w3id redirects and content negotiation of a host can
map one onto the other. SHACL shapes are documented on the ontology page. Nothing else has a page.
"""

from __future__ import annotations

import re

from .namespaces import BASE, TPSH

__all__ = ["FOLDERS", "local_path", "page_path", "query_path", "relative"]

#: the namespaces under BASE whose resources get a page: def/ (ontology), id/ (individuals), vocab/ (concepts)
FOLDERS = ("def", "id", "vocab")
_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]")


def local_path(iri: str) -> str | None:
    """``id/IDN`` for ``https://w3id.org/tppo/id/IDN`` (unsafe characters %-encoded); None outside the site."""
    if not iri.startswith(BASE):
        return None
    folder, _, local = iri[len(BASE) :].partition("/")
    if folder not in FOLDERS or not local:
        return None
    return f"{folder}/" + _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), local)


def page_path(iri: str, lang: str) -> str | None:
    """The page of ``iri`` in ``lang`` (``id/IDN.en.html``), the ontology page's anchor for a shape, or None."""
    if iri.startswith(TPSH) and len(iri) > len(TPSH):
        return f"ontology.{lang}.html#shape-{_UNSAFE.sub('-', iri[len(TPSH) :])}"
    if iri.rstrip("/#") == BASE + "def":
        return f"ontology.{lang}.html"
    local = local_path(iri)
    return None if local is None else f"{local}.{lang}.html"


def query_path(name: str, lang: str) -> str:
    """The page of a saved query."""
    return f"query/{name}.{lang}.html"


def relative(target: str, depth: int) -> str:
    """``target`` (a path from the site's root) as seen from a page ``depth`` folders below the root.

    A %-encoded file name is encoded once more in the link, since a browser decodes a link before it opens a file.
    """
    return "../" * depth + target.replace("%", "%25")
