"""A graph in chunks for uploads that a store receives one request at a time (used by loads), its blank nodes
skolemised: each replaced by an IRI that depends only on the graph around it, so that loading the same graph twice
sends the same triples twice (a store keeps one copy) instead of new blank nodes each time.

The skolem IRI of a blank node is ``https://w3id.org/tppo/.well-known/genid/`` + a SHA-256 (hex) of
``signature/copy/colour/tie``: ``colour`` describes the node by colour refinement (the 1-dimensional
Weisfeiler-Lehman test) over its component (the blank nodes linked to it, with every triple mentioning them):
each round hashes a node's colour with the sorted triples around it, every other blank node written as its colour,
until the colours stop splitting (at most 16 rounds); ``signature`` hashes the component's sorted colours and
``copy`` numbers identical components (two files' identical ``_:b0`` stay two nodes); ``tie`` numbers nodes whose
colours are equal (nodes no neighbourhood tells apart). The same graph, parsed again, gives the same IRIs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pyoxigraph as ox

__all__ = ["GENID", "chunk_triples", "skolemise"]

#: the prefix of skolem IRIs (RDF 1.1 Concepts 3.5: a well-known IRI under the graph's own authority)
GENID = "https://w3id.org/tppo/.well-known/genid/"
_ROUNDS = 16


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _colours(component: list[ox.Triple]) -> dict[str, str]:
    """Each blank node's colour after refinement over its component."""
    nodes = {t.value for tr in component for t in (tr.subject, tr.object) if isinstance(t, ox.BlankNode)}
    colour = dict.fromkeys(nodes, "")
    distinct = 1
    for _ in range(_ROUNDS):

        def term(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, colour: dict[str, str] = colour) -> str:
            return f"_:{colour[t.value]}" if isinstance(t, ox.BlankNode) else str(t)

        around: dict[str, list[str]] = {n: [] for n in nodes}
        for tr in component:
            if isinstance(tr.subject, ox.BlankNode):
                around[tr.subject.value].append(f"> {tr.predicate} {term(tr.object)}")
            if isinstance(tr.object, ox.BlankNode):
                around[tr.object.value].append(f"< {term(tr.subject)} {tr.predicate}")
        colour = {n: _sha(colour[n] + "\n" + "\n".join(sorted(lines))) for n, lines in around.items()}
        split = len(set(colour.values()))
        if split == distinct and _ > 0:
            break
        distinct = split
    return colour


def skolemise(component: list[ox.Triple], copies: dict[str, int]) -> list[ox.Triple]:
    """The component with its blank nodes replaced by their skolem IRIs (``copies`` counts signatures seen)."""
    colour = _colours(component)
    signature = _sha("\n".join(sorted(colour.values())))
    copy = copies.get(signature, 0)
    copies[signature] = copy + 1
    ties: dict[str, int] = {}
    iri: dict[str, ox.NamedNode] = {}
    for node, value in colour.items():
        tie = ties.get(value, 0)
        ties[value] = tie + 1
        iri[node] = ox.NamedNode(GENID + _sha(f"{signature}/{copy}/{value}/{tie}"))

    def named(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> ox.NamedNode | ox.Literal | ox.Triple:
        return iri[t.value] if isinstance(t, ox.BlankNode) else t

    return [ox.Triple(named(t.subject), t.predicate, named(t.object)) for t in component]  # type: ignore[arg-type]


def chunk_triples(store: ox.Store, size: int, *, skolem: bool = False) -> Iterator[list[ox.Triple]]:
    """The store's triples in chunks of about ``size``, each blank node's triples together in one chunk.

    A store gives the blank nodes of each request fresh identities, so every triple that mentions a blank node
    travels with all the others that mention it, or any blank node connected to it (one component: a chunk may
    exceed ``size`` to hold it whole). The triples come from one store holding every file and the entailed
    closure, so blank nodes are those of the store: two files' ``_:b0`` are two nodes (as the local engine has
    them), and an entailed triple about a blank node names the same node as the data. With ``skolem``, each
    component's blank nodes are replaced by their skolem IRIs (see the module's documentation).
    """
    chunk: list[ox.Triple] = []
    parent: dict[str, str] = {}  # union-find over blank-node labels: which component each belongs to

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    linked: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        triple = quad.triple
        labels = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            chunk.append(triple)
            if len(chunk) >= size:
                yield chunk
                chunk = []
            continue
        linked.append(triple)
        if len(labels) == 2:
            parent[root(labels[0])] = root(labels[1])
        else:
            root(labels[0])
    components: dict[str, list[ox.Triple]] = {}
    for triple in linked:
        node = triple.subject if isinstance(triple.subject, ox.BlankNode) else triple.object
        assert isinstance(node, ox.BlankNode)
        components.setdefault(root(node.value), []).append(triple)
    copies: dict[str, int] = {}
    for component in components.values():
        if skolem:
            component = skolemise(component, copies)
        if chunk and len(chunk) + len(component) > size:
            yield chunk
            chunk = []
        chunk.extend(component)
    if chunk:
        yield chunk
