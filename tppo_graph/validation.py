"""SHACL validation of the graph against ``ontology/shapes.ttl``, as a typed report.

pySHACL is the reference validator. The data graph always includes the ontology, so ``sh:targetClass`` reaches
instances of subclasses (SHACL follows ``rdfs:subClassOf`` in the data graph) and no inference is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidOption, ValidationEngineError
from .resources import graph_files, shape_files

if TYPE_CHECKING:
    import rdflib

__all__ = ["VALIDATORS", "ValidationReport", "ValidationResult", "resolve_validator", "shapes_graph", "validate_graph"]

#: SHACL validators: pySHACL (the reference) and the Rust engine pyshacl-turbo (pySHACL's API, identical reports,
#: proved by tests/test_validate_engines.py); "auto" takes turbo when it is installed
VALIDATORS = ("auto", "pyshacl", "turbo")
SH = "http://www.w3.org/ns/shacl#"
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True, order=True)
class ValidationResult:
    """One SHACL validation result; terms are full IRIs or N-Triples-style literals."""

    severity: str
    source_shape: str
    focus_node: str
    path: str | None
    value: str | None
    constraint: str
    message: str


@dataclass
class ValidationReport:
    """The outcome of a validation run. ``conforms`` is False iff some result has severity Violation."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    engine: str = "pyshacl"
    triples: int = 0
    files: list[str] = field(default_factory=list)

    def count(self, severity: str) -> int:
        """How many results have ``severity`` (Violation, Warning or Info)."""
        return sum(1 for r in self.results if r.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "engine": self.engine,
            "triples": self.triples,
            "files": self.files,
            "counts": {s: self.count(s) for s in _SEVERITY_ORDER},
            "results": [asdict(r) for r in self.results],
        }


def _term(graph: rdflib.Graph, node: object) -> str | None:
    from rdflib import BNode, Literal, URIRef

    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, Literal):
        if node.datatype is not None and str(node.datatype) == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(str(node)).n3()  # RDF 1.1: "x" and "x"^^xsd:string are one term; engines differ in how
        return node.n3()
    if isinstance(node, BNode):
        return _path(graph, node)
    return str(node)


def _path(graph: rdflib.Graph, node: object) -> str:
    """Render a SHACL property path (possibly a blank-node structure) in SPARQL path syntax."""
    from rdflib import RDF, BNode, URIRef
    from rdflib.collection import Collection

    if isinstance(node, URIRef):
        return f"<{node}>"
    if not isinstance(node, BNode):
        return str(node)
    sh = {
        k: URIRef(SH + k)
        for k in ("inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath")
    }
    if (inner := graph.value(node, sh["inversePath"])) is not None:
        return "^" + _path(graph, inner)
    if (inner := graph.value(node, sh["alternativePath"])) is not None:
        return "(" + "|".join(_path(graph, p) for p in Collection(graph, inner)) + ")"
    for key, suffix in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
        if (inner := graph.value(node, sh[key])) is not None:
            return _path(graph, inner) + suffix
    if graph.value(node, RDF.first) is not None:
        return "/".join(_path(graph, p) for p in Collection(graph, node))
    return f"_:{node}"


def _results(report_graph: rdflib.Graph) -> list[ValidationResult]:
    from rdflib import RDF, URIRef

    out = []
    for result in report_graph.subjects(RDF.type, URIRef(SH + "ValidationResult")):

        def one(prop: str, result: Any = result) -> Any:
            return report_graph.value(result, URIRef(SH + prop))

        severity = str(one("resultSeverity") or SH + "Violation").removeprefix(SH)
        messages = sorted(str(m) for m in report_graph.objects(result, URIRef(SH + "resultMessage")))
        path = one("resultPath")
        out.append(
            ValidationResult(
                severity=severity,
                source_shape=_term(report_graph, one("sourceShape")) or "",
                focus_node=_term(report_graph, one("focusNode")) or "",
                path=(str(path) if isinstance(path, URIRef) else _path(report_graph, path))
                if path is not None
                else None,
                value=_term(report_graph, one("value")),
                constraint=str(one("sourceConstraintComponent") or "").removeprefix(SH),
                message=messages[0] if messages else "",
            )
        )
    out.sort(
        key=lambda r: (_SEVERITY_ORDER.get(r.severity, 9), r.source_shape, r.focus_node, r.path or "", r.value or "")
    )
    return out


def shapes_graph() -> rdflib.Graph:
    """The SHACL shapes (``shapes.ttl``) with the prefix declarations they use (``prefixes.ttl``)."""
    from .parsing import load_rdflib_files

    return load_rdflib_files(list(shape_files()))


def resolve_validator(validator: str) -> str:
    """``auto`` -> ``turbo`` when pyshacl-turbo imports, else ``pyshacl``; unknown names are a usage error."""
    if validator not in VALIDATORS:
        known = ", ".join(VALIDATORS)
        raise InvalidOption("validator", "validator", f"unknown validator {validator!r} (choose from: {known})")
    if validator != "auto":
        return validator
    try:
        import pyshacl_turbo  # noqa: F401
    except ImportError:
        return "pyshacl"
    return "turbo"


def validate_graph(data: Sequence[str | Path] | None = None, *, validator: str = "auto") -> ValidationReport:
    """Validate the ontology plus ``data`` (default: the bundled graph) against the bundled shapes.

    :param data: data files or directories (``"bundled"`` for the bundled data); the ontology is always added.
    :param validator: ``"pyshacl"`` (reference), ``"turbo"`` (pyshacl-turbo on the files' N-Quads: the same
        report, an order of magnitude faster on large graphs) or ``"auto"`` (turbo when installed).
    """
    engine = resolve_validator(validator)
    files = graph_files(data)
    shapes = shapes_graph()
    data_graph: Any
    if engine == "turbo":
        try:
            import pyshacl_turbo
        except ImportError:
            raise InvalidOption(
                "validator", "validator", "turbo: pyshacl-turbo is not installed (pip install pyshacl-turbo)"
            ) from None
        from .parsing import nquads_text

        # The Rust engine parses RDF text itself: handing it N-Quads skips both an rdflib graph and a store dump.
        text, triples = nquads_text(files)
        data_graph = pyshacl_turbo.Input(text, "nquads", None, {}, preserve_ids=True)  # type: ignore[attr-defined]
        run = pyshacl_turbo.validate
    else:
        import pyshacl

        from .parsing import load_graph

        data_graph = load_graph(data)
        triples = len(data_graph)
        run = pyshacl.validate
    _, report_graph, text = run(
        data_graph,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        abort_on_first=False,
        advanced=False,
    )
    if not hasattr(report_graph, "subjects"):  # the engine could not run the shapes at all
        detail = " ".join(str(text or report_graph).split())[:300]
        raise ValidationEngineError(f"validator {engine}: the shapes could not be evaluated: {detail}")
    results = _results(report_graph)
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in results),
        results=results,
        engine=engine,
        triples=triples,
        files=[str(p) for p in files.graph],
    )
