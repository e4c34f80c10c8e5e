"""The graph as the site needs it: every triple by subject and by object, labels in both languages, the class
hierarchy, and what kind of page each resource gets (entity, class, property, concept, scheme, other)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

import pyoxigraph as ox

from ..namespaces import PREFIXES, TPPO
from ..sitepaths import local_path

__all__ = ["GraphIndex", "Resource", "index_graph", "key"]

RDF_TYPE = PREFIXES["rdf"] + "type"
SUBCLASS = PREFIXES["rdfs"] + "subClassOf"
LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel", PREFIXES["dcterms"] + "title")
OWL, RDFS, SKOS = PREFIXES["owl"], PREFIXES["rdfs"], PREFIXES["skos"]
CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    OWL + "AnnotationProperty",
    PREFIXES["rdf"] + "Property",
}
ENTITY = TPPO + "Entity"

Subject = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal


def key(term: Subject) -> str:
    """A subject as a dictionary key: the IRI, or ``_:`` and the blank node's id."""
    return term.value if isinstance(term, ox.NamedNode) else "_:" + term.value


class Resource(NamedTuple):
    """A resource that gets a page: its IRI, its kind and its path from the site's root (without language)."""

    iri: str
    kind: str  # entity, class, property, concept, scheme, resource
    path: str


class GraphIndex:
    """The triples of a graph indexed for pages."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.out: dict[str, list[tuple[str, Term]]] = defaultdict(list)
        self.incoming: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)
        self.types: dict[str, set[str]] = defaultdict(set)
        self.parents: dict[str, set[str]] = defaultdict(set)
        self.owner: dict[str, str] = {}
        self.count = 0
        pending: list[tuple[str, str, str]] = []
        ranked: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
        for t in triples:
            self.count += 1
            if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
                continue  # RDF-star: not in this graph
            s, p, o = key(t.subject), t.predicate.value, t.object
            self.out[s].append((p, o))
            if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                self.types[s].add(o.value)
            elif p == SUBCLASS and isinstance(o, ox.NamedNode):
                self.parents[s].add(o.value)
            if p in LABELS and isinstance(o, ox.Literal):
                lang, rank = o.language or "", (LABELS.index(p), o.value)
                if rank < ranked[s].get(lang, (9, "")):
                    ranked[s][lang] = rank
            if isinstance(o, ox.BlankNode):
                self.owner.setdefault("_:" + o.value, s)
            elif isinstance(o, ox.NamedNode):
                pending.append((o.value, s, p))
        for subject, by_lang in ranked.items():  # rdfs:label before skos:prefLabel before dcterms:title
            self.labels[subject] = {lang: value for lang, (_, value) in by_lang.items()}
        for target, s, p in pending:  # a blank node's links count as its owner's
            self.incoming[target].append((self.root(s), p))
        self._ancestors: dict[str, set[str]] = {}
        self._memo: dict[tuple[str, str], str] = {}
        self._members: dict[str, list[str]] | None = None

    def root(self, subject: str) -> str:
        """The IRI a blank node hangs from (itself for an IRI)."""
        seen = set()
        while subject.startswith("_:") and subject in self.owner and subject not in seen:
            seen.add(subject)
            subject = self.owner[subject]
        return subject

    def label(self, iri: str, lang: str) -> str:
        """The label in ``lang``, else the other language, else an untagged title, else a title in its own
        language (a source's German or Dutch headline), else the compact IRI."""
        memo = self._memo.get((iri, lang))
        if memo is None:
            memo = self._memo[(iri, lang)] = self._label(iri, lang)
        return memo

    def _label(self, iri: str, lang: str) -> str:
        found = self.labels.get(iri, {})
        for candidate in (lang, "en" if lang == "id" else "id", ""):
            if candidate in found:
                return found[candidate]
        if found:
            return found[min(found)]  # one of several other languages, the same on every run
        from ..namespaces import compact

        return compact(iri)

    def ancestors(self, cls: str) -> set[str]:
        """The class and every class above it (rdfs:subClassOf, transitively)."""
        if cls not in self._ancestors:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self._ancestors[cls] = seen
        return self._ancestors[cls]

    def kind(self, iri: str) -> str:
        types = self.types.get(iri, set())
        if any(ENTITY in self.ancestors(t) for t in types):
            return "entity"
        if types & CLASS_TYPES:
            return "class"
        if types & PROPERTY_TYPES:
            return "property"
        if SKOS + "ConceptScheme" in types:
            return "scheme"
        if any(SKOS + "Concept" in self.ancestors(t) for t in types):
            return "concept"
        return "resource"

    def resources(self) -> list[Resource]:
        """Every IRI subject that gets a page (under def/, id/ or vocab/), sorted by path."""
        found = []
        for s in self.out:
            path = None if s.startswith("_:") else local_path(s)
            if path is not None:
                found.append(Resource(s, self.kind(s), path))
        return sorted(found, key=lambda r: r.path)

    def members(self, cls: str) -> list[str]:
        """The subjects typed ``cls`` directly."""
        if self._members is None:
            by_class: dict[str, list[str]] = defaultdict(list)
            for s, types in self.types.items():
                if not s.startswith("_:"):
                    for t in types:
                        by_class[t].append(s)
            self._members = {c: sorted(m) for c, m in by_class.items()}
        return self._members.get(cls, [])

    def closure(self, subject: str) -> list[ox.Triple]:
        """The triples of ``subject`` and of the blank nodes it reaches (for its Turtle and JSON-LD)."""
        out: list[ox.Triple] = []
        todo, seen = [subject], set()
        while todo:
            s = todo.pop()
            if s in seen:
                continue
            seen.add(s)
            node: Subject = ox.BlankNode(s[2:]) if s.startswith("_:") else ox.NamedNode(s)
            for p, o in self.out.get(s, ()):
                out.append(ox.Triple(node, ox.NamedNode(p), o))
                if isinstance(o, ox.BlankNode):
                    todo.append("_:" + o.value)
        return out


def index_graph(triples: Iterable[ox.Triple]) -> GraphIndex:
    """Index ``triples`` for the site."""
    return GraphIndex(triples)
