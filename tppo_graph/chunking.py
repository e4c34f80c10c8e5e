"""A graph in chunks for uploads that a store receives one request at a time (used by loads)."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

__all__ = ["chunk_triples"]


def chunk_triples(store: ox.Store, size: int) -> Iterator[list[ox.Triple]]:
    """The store's triples in chunks of about ``size``, each blank node's triples together in one chunk.

    A store gives the blank nodes of each request fresh identities, so every triple that mentions a blank node
    travels with all the others that mention it, or any blank node connected to it (one component: a chunk may
    exceed ``size`` to hold it whole). The triples come from one store holding every file and the entailed
    closure, so blank nodes are those of the store: two files' ``_:b0`` are two nodes (as the local engine has
    them), and an entailed triple about a blank node names the same node as the data.
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
    for component in components.values():
        if chunk and len(chunk) + len(component) > size:
            yield chunk
            chunk = []
        chunk.extend(component)
    if chunk:
        yield chunk
