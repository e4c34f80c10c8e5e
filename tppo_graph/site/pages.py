"""The pages of the static site: one per resource and language, the ontology documentation, one per saved query,
the home page and the search index. Every link is relative, so the folder reads the same offline and published."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple

import pyoxigraph as ox
from markupsafe import Markup, escape

from ..namespaces import PREFIXES, TPPO, TPSH
from ..namespaces import compact as _compact
from ..sitepaths import page_path, query_path, relative
from ..tables import natural_key
from ..templating import render, strings
from .collect import RDF_TYPE, GraphIndex, Resource, key

__all__ = ["Pages"]

_STATUS = TPPO + "verificationStatus"
_SOURCE = PREFIXES["dcterms"] + "source"
_NOTE = TPPO + "verificationNote"
_QUALIFIED = TPPO + "qualifiedProvenance"
_LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel", PREFIXES["skos"] + "altLabel")
_PROVENANCE = (_STATUS, _SOURCE, _NOTE, _QUALIFIED)
_XSD_STRING = PREFIXES["xsd"] + "string"
compact = cache(_compact)  # the same few thousand IRIs, compacted hundreds of thousands of times
#: rows of a query result shown on its page; the rest are counted
MAX_RESULT_ROWS = 500


class Value(NamedTuple):
    """A value shown on a page: its HTML, its text (for sorting) and its language."""

    html: Markup | str
    text: str
    lang: str | None = None

    def __html__(self) -> str:  # Jinja2 prints it as it is
        return str(self.html)


class Pages:
    """Renders the site's pages from a :class:`GraphIndex` (``shapes``: the SHACL shapes, indexed the same way)."""

    def __init__(self, graph: GraphIndex, shapes: GraphIndex, langs: Sequence[str]) -> None:
        self.graph = graph
        self.shapes = shapes
        self.langs = tuple(langs)
        self.resources = {r.iri: r for r in graph.resources()}
        self.shape_iris = {s for s in shapes.out if s.startswith(TPSH) and len(s) > len(TPSH)}
        self.words = {lang: strings(lang) for lang in self.langs}

    # -- links and values ---------------------------------------------------------------------------------------

    def href(self, iri: str, lang: str, depth: int) -> str:
        """A link to ``iri``: its page in the site when it has one, else the IRI itself."""
        if iri in self.resources or iri in self.shape_iris or iri.rstrip("/#") == TPPO.rstrip("/"):
            page = page_path(iri, lang)
            if page is not None:
                return relative(page, depth)
        return iri

    def label(self, iri: str, lang: str) -> str:
        return self.shapes.label(iri, lang) if iri in self.shape_iris else self.graph.label(iri, lang)

    def value(self, term: ox.NamedNode | ox.BlankNode | ox.Literal, lang: str, depth: int, graph: GraphIndex) -> Value:
        """A value as HTML: a link with its label, a literal with its language or datatype, or a nested blank node
        (escaped here rather than by template macros: a page has hundreds of values, and macro calls are slow)."""
        if isinstance(term, ox.NamedNode):
            text = self.label(term.value, lang)
            href = self.href(term.value, lang, depth)
            return Value(f'<a href="{escape(href)}" title="{escape(term.value)}">{escape(text)}</a>', text)
        if isinstance(term, ox.BlankNode):
            return Value(self.table(self.properties(graph, "_:" + term.value, lang, depth)), "")
        if term.language:
            html = f'<span lang="{escape(term.language)}">{escape(term.value)}</span> <span class="alt">@{escape(term.language)}</span>'
            return Value(html, term.value, term.language)
        if term.datatype.value != _XSD_STRING:
            return Value(
                f'{escape(term.value)} <span class="alt">{escape(compact(term.datatype.value))}</span>', term.value
            )
        return Value(str(escape(term.value)), term.value)

    @staticmethod
    def table(rows: Sequence[Mapping[str, Any]]) -> str:
        """Property rows as a table."""
        body = "".join(
            f'<tr><th scope="row">{r["prop"].html}</th><td>{"<br>".join(v.html for v in r["values"])}</td></tr>\n'
            for r in rows
        )
        return f'<table class="props"><tbody>\n{body}</tbody></table>'

    def properties(
        self, graph: GraphIndex, subject: str, lang: str, depth: int, skip: Iterable[str] = ()
    ) -> list[dict[str, Any]]:
        """The properties of ``subject`` grouped by predicate (type first, then by label), with their values."""
        skipped = set(skip)
        grouped: dict[str, list[Any]] = {}
        for p, o in graph.out.get(subject, ()):
            if p not in skipped:
                grouped.setdefault(p, []).append(o)
        rows: list[dict[str, Any]] = []
        for p, values in grouped.items():
            shown = [self.value(v, lang, depth, graph) for v in values]
            shown.sort(key=lambda v: (v.lang not in (None, lang), natural_key(v.text)))
            rows.append({"prop": self.value(ox.NamedNode(p), lang, depth, graph), "values": shown, "p": p})
        rows.sort(key=lambda r: (r["p"] != RDF_TYPE, natural_key(r["prop"].text)))
        return rows

    def links(self, items: Iterable[str], lang: str, depth: int) -> list[Value]:
        """Links to ``items``, each once, sorted by label."""
        shown = [self.value(ox.NamedNode(i), lang, depth, self.graph) for i in dict.fromkeys(items)]
        return sorted(shown, key=lambda v: natural_key(v.text))

    def _common(self, lang: str, depth: int, path: str, title: str) -> dict[str, Any]:
        other = next((x for x in self.langs if x != lang), None)
        return {
            "w": self.words[lang],
            "lang": lang,
            "root": "../" * depth,
            "title": title,
            "table": self.table,
            "other": other,
            "other_href": path.rsplit("/", 1)[-1] + f".{other}.html" if other else None,
        }

    # -- pages --------------------------------------------------------------------------------------------------

    def resource_page(self, resource: Resource, lang: str) -> str:
        iri, g = resource.iri, self.graph
        subject = key(ox.NamedNode(iri))
        labels = [
            {"prop": self.value(ox.NamedNode(p), lang, 1, g), "text": o.value, "lang": o.language, "p": p}
            for p, o in g.out.get(subject, ())
            if p in _LABELS and isinstance(o, ox.Literal)
        ]
        order = {p: i for i, p in enumerate(_LABELS)}
        labels.sort(key=lambda x: (order[str(x["p"])], x["lang"] != lang, str(x["lang"] or "")))
        provenance = {
            "status": self.links(
                (o.value for p, o in g.out[subject] if p == _STATUS and isinstance(o, ox.NamedNode)), lang, 1
            ),
            "sources": self.links(
                (o.value for p, o in g.out[subject] if p == _SOURCE and isinstance(o, ox.NamedNode)), lang, 1
            ),
            "notes": [
                o.value
                for p, o in g.out[subject]
                if p == _NOTE and isinstance(o, ox.Literal) and o.language in (lang, "", None)
            ]
            or [o.value for p, o in g.out[subject] if p == _NOTE and isinstance(o, ox.Literal)],
            "qualified": [
                self.properties(g, "_:" + o.value, lang, 1)
                for p, o in g.out[subject]
                if p == _QUALIFIED and isinstance(o, ox.BlankNode)
            ],
        }
        incoming: dict[tuple[str, str], None] = {}
        for s, p in g.incoming.get(iri, ()):
            if not (resource.kind == "class" and p == RDF_TYPE) and not s.startswith("_:"):
                incoming.setdefault((s, p), None)
        linked = [
            {"from": self.value(ox.NamedNode(s), lang, 1, g), "prop": self.value(ox.NamedNode(p), lang, 1, g)}
            for s, p in incoming
        ]
        linked.sort(key=lambda r: (natural_key(r["prop"].text), natural_key(r["from"].text)))
        name = resource.path.rsplit("/", 1)[-1]
        context = {
            **self._common(lang, 1, resource.path, self.label(iri, lang)),
            "iri": iri,
            "curie": compact(iri),
            "kind": resource.kind,
            "labels": labels,
            "provenance": provenance,
            "rows": self.properties(g, subject, lang, 1, skip=(*_LABELS, *_PROVENANCE)),
            "linked": linked,
            "members": self.links(g.members(iri), lang, 1) if resource.kind == "class" else [],
            "ttl": name + ".ttl",
            "jsonld": name + ".jsonld",
        }
        return render("site-resource.html.j2", **context)

    def ontology_page(self, lang: str) -> str:
        g = self.graph
        by_kind: dict[str, list[Resource]] = {}
        for r in self.resources.values():
            by_kind.setdefault(r.kind, []).append(r)

        def described(items: Iterable[Resource]) -> list[dict[str, Any]]:
            out = []
            for r in items:
                definition = next(
                    (
                        o.value
                        for p, o in g.out[r.iri]
                        if p in (PREFIXES["skos"] + "definition", PREFIXES["rdfs"] + "comment")
                        and isinstance(o, ox.Literal)
                        and o.language == lang
                    ),
                    "",
                )
                out.append(
                    {
                        "link": self.value(ox.NamedNode(r.iri), lang, 0, g),
                        "curie": compact(r.iri),
                        "definition": definition,
                        "iri": r.iri,
                    }
                )
            return sorted(out, key=lambda x: natural_key(x["link"].text))

        def objects(iri: str, p: str) -> list[Value]:
            return self.links(
                (o.value for q, o in g.out.get(iri, ()) if q == p and isinstance(o, ox.NamedNode)), lang, 0
            )

        properties = described(r for r in by_kind.get("property", ()) if r.iri.startswith(TPPO))
        for row in properties:
            row["domain"] = objects(row["iri"], PREFIXES["rdfs"] + "domain")
            row["range"] = objects(row["iri"], PREFIXES["rdfs"] + "range")
        schemes = described(by_kind.get("scheme", ()))
        concepts_of: dict[str, list[str]] = {}
        for r in by_kind.get("concept", ()):
            for p, o in g.out[r.iri]:
                if p == PREFIXES["skos"] + "inScheme" and isinstance(o, ox.NamedNode):
                    concepts_of.setdefault(o.value, []).append(r.iri)
        for row in schemes:
            row["concepts"] = described(
                self.resources[c] for c in concepts_of.get(row["iri"], ()) if c in self.resources
            )
        shapes = [
            {
                "anchor": "shape-" + page_path(s, lang).split("#shape-", 1)[1],  # type: ignore[union-attr]
                "curie": compact(s),
                "rows": self.properties(self.shapes, s, lang, 0),
            }
            for s in sorted(self.shape_iris)
        ]
        context = {
            **self._common(lang, 0, "ontology", self.words[lang]["ontology"]),
            "classes": described(r for r in by_kind.get("class", ()) if r.iri.startswith(TPPO)),
            "properties": properties,
            "schemes": schemes,
            "shapes": shapes,
        }
        return render("site-ontology.html.j2", **context)

    def query_page(self, saved: Any, lang: str, result: Any, sparql: str, params: Mapping[str, str]) -> str:
        rows = []
        for row in result.rows[:MAX_RESULT_ROWS]:
            cells = []
            for v in result.variables:
                term = row.get(v)
                if (
                    isinstance(term, ox.Literal)
                    and term.value.startswith(("http://", "https://"))
                    and " " in term.value
                ):
                    cells.append([self.value(ox.NamedNode(t), lang, 1, self.graph) for t in term.value.split()])
                else:
                    cells.append([] if term is None else [self.value(term, lang, 1, self.graph)])
            rows.append(cells)
        context = {
            **self._common(lang, 1, query_path(saved.name, lang).removesuffix(f".{lang}.html"), saved.summary),
            "q": saved,
            "params": params,
            "sparql": sparql,
            "variables": result.variables,
            "rows": rows,
            "total": len(result.rows),
        }
        return render("site-query.html.j2", **context)

    def index_page(self, lang: str, queries: Sequence[Any], entities: int) -> str:
        g = self.graph
        classes: list[dict[str, Any]] = []
        for r in self.resources.values():
            if r.kind == "class" and r.iri.startswith(TPPO):
                n = len(g.members(r.iri))
                if n:
                    classes.append({"link": self.value(ox.NamedNode(r.iri), lang, 0, g), "count": n})
        classes.sort(key=lambda c: natural_key(c["link"].text))
        context = {
            **self._common(lang, 0, "index", self.words[lang]["site_title"]),
            "classes": classes,
            "queries": [{"name": q.name, "summary": q.summary, "href": query_path(q.name, lang)} for q in queries],
            "entities": entities,
            "triples": g.count,
        }
        return render("site-index.html.j2", **context)

    def search_index(self) -> str:
        """The labels of every page in both languages, as a script (a page opened from a folder cannot fetch JSON)."""
        entries = [
            [r.path, self.graph.label(r.iri, "id"), self.graph.label(r.iri, "en"), compact(r.iri)]
            for r in self.resources.values()
        ]
        return "window.TPPO_SEARCH = " + json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + ";\n"
