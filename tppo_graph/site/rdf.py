"""Each page's machine-readable twins: Turtle (pyoxigraph) and compact JSON-LD with the project's prefixes as its
context (written here: pyoxigraph writes expanded JSON-LD only). Blank nodes nest inside their owner."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox

from ..namespaces import PREFIXES, compact

__all__ = ["jsonld", "turtle"]

_XSD_STRING = PREFIXES["xsd"] + "string"
_RDF_TYPE = PREFIXES["rdf"] + "type"


def turtle(triples: Sequence[ox.Triple]) -> bytes:
    """The triples as Turtle with the project's prefixes."""
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""


def _name(iri: str) -> str:
    short = compact(iri)
    return iri if short.startswith("<") else short


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal, nodes: dict[str, list[ox.Triple]], seen: set[str]) -> Any:
    if isinstance(term, ox.NamedNode):
        return {"@id": _name(term.value)}
    if isinstance(term, ox.BlankNode):
        return _node(term, nodes, seen)
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value != _XSD_STRING:
        return {"@value": term.value, "@type": _name(term.datatype.value)}
    return {"@value": term.value}


def _node(subject: ox.NamedNode | ox.BlankNode, nodes: dict[str, list[ox.Triple]], seen: set[str]) -> dict[str, Any]:
    label = ("_:" + subject.value) if isinstance(subject, ox.BlankNode) else subject.value
    out: dict[str, Any] = {"@id": label if isinstance(subject, ox.BlankNode) else _name(subject.value)}
    if label in seen:
        return out
    seen.add(label)
    for t in nodes.get(label, ()):
        if t.predicate.value == _RDF_TYPE and isinstance(t.object, ox.NamedNode):
            out.setdefault("@type", []).append(_name(t.object.value))
        elif not isinstance(t.object, ox.Triple):  # RDF-star: not in this graph
            out.setdefault(_name(t.predicate.value), []).append(_value(t.object, nodes, seen))
    return out


def jsonld(subject: str, triples: Sequence[ox.Triple]) -> bytes:
    """The triples about ``subject`` (and the blank nodes it reaches) as one compact JSON-LD node."""
    nodes: dict[str, list[ox.Triple]] = {}
    for t in triples:
        s = t.subject
        if isinstance(s, ox.NamedNode | ox.BlankNode):
            nodes.setdefault(("_:" + s.value) if isinstance(s, ox.BlankNode) else s.value, []).append(t)
    document = {"@context": dict(PREFIXES), **_node(ox.NamedNode(subject), nodes, set())}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
