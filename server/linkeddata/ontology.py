"""``/ontology``: the ontology documented at its namespace, or as RDF.

HTML by default for browsers; Turtle, JSON-LD, N-Triples and RDF/XML by negotiation or
suffix (``/ontology.ttl``); a JSON twin of the page's model. Every class and property has
an anchor (``/ontology#Pilot``) with its label, definition, place in the hierarchy, domain
and range, alignments to other vocabularies, the SHACL constraints that apply to it (in the
words of their messages) and its live count of use, linked to its instances.

The terms are read from the store (so a remote endpoint's ontology is the one documented);
the shapes from the package's shapes graph, which the store does not hold.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from flask import Response, current_app, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from coevidence.ontology import bind_prefixes
from coevidence.server import urls
from coevidence.server.backend import current_store
from coevidence.server.errors import Problem
from coevidence.server.linkeddata import bp
from coevidence.server.linkeddata.counts import counts
from coevidence.server.linkeddata.footer import footer
from coevidence.server.linkeddata.formats import FORMATS, Format, negotiate, serialize
from coevidence.server.linkeddata.model import Value, make_value, run, terms
from coevidence.server.linkeddata.values import local_name, pick_literal

#: namespaces an alignment points into, by name
ALIGNED = {
    "http://www.w3.org/ns/prov#": "PROV-O",
    "http://www.w3.org/ns/org#": "W3C ORG",
    "http://www.w3.org/2004/02/skos/core#": "SKOS",
    "http://purl.org/vocab/cpsv#": "CPSV-AP",
    "http://data.europa.eu/m8g/": "CPSV-AP / Core Vocabularies",
    "http://xmlns.com/foaf/0.1/": "FOAF",
    "http://purl.org/dc/terms/": "DCTERMS",
    "http://www.w3.org/ns/oa#": "Web Annotation",
    "https://ontology.commonapproach.org/": "CIDS",
}
KINDS = ((OWL.Class, "class", "Classes"), (OWL.ObjectProperty, "object property", "Object properties"),
         (OWL.DatatypeProperty, "datatype property", "Datatype properties"))


@dataclass
class Term:
    iri: str
    anchor: str
    kind: str
    label: str
    definition: str | None
    parents: list[Value] = field(default_factory=list)
    children: list[Value] = field(default_factory=list)
    domain: list[Value] = field(default_factory=list)
    range: list[Value] = field(default_factory=list)
    alignments: list[tuple[str, Value]] = field(default_factory=list)
    constraints: list[dict] = field(default_factory=list)
    count: int = 0
    count_with_subclasses: int = 0  # a class: its instances and those of its subclasses
    instances_href: str | None = None


@bp.route("/ontology")
def ontology():
    return _respond(None)


@bp.route("/ontology.<fmt>")
def ontology_format(fmt: str):
    if fmt not in {f.name for f in FORMATS}:
        raise Problem(404, "Not found", f"/ontology.{fmt}: no such form of the ontology.")
    return _respond(fmt)


def _respond(suffix: str | None) -> Response:
    fmt, _ = negotiate(suffix)
    lang = request.args.get("lang") or "en"
    graph = ontology_graph()
    if not len(graph):
        raise Problem(404, "Not found", "this store holds no ontology.")
    if fmt.rdflib:
        response = Response(serialize(graph, fmt), mimetype=fmt.media_type)
    else:
        document = page_model(graph, lang)
        if fmt.name == "json":
            body = {"iri": urls.ontology_iri(), **document, "terms": [asdict(t) for t in document["terms"]]}
            response = current_app.response_class(json.dumps(body, ensure_ascii=False, indent=1), mimetype=fmt.media_type)
        else:
            alternates = [(f, urls.doc_url(urls.ontology_iri(), f.name)) for f in FORMATS]
            body = render_template("linkeddata/ontology.html", doc=document, alternates=alternates,
                                   jsonld=None, footer=footer(), kinds=KINDS)
            response = Response(body, mimetype="text/html")
    response.headers["Content-Location"] = urls.doc_url(urls.ontology_iri(), fmt.name)
    response.headers["Link"] = ", ".join(
        f'<{urls.doc_url(urls.ontology_iri(), f.name)}>; rel="alternate"; type="{f.media_type}"' for f in FORMATS if f != fmt
    )
    response.headers["Cache-Control"] = f"max-age={current_app.config['CACHE_MAX_AGE_S']}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response


_CACHE = "coevidence.linkeddata.ontology"
_LOCK = threading.Lock()


def ontology_graph() -> Graph:
    """The ontology's statements, from the store (once per data version)."""
    version = current_store().data_version()
    cached = current_app.extensions.get(_CACHE)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _LOCK:
        rows, _ = run("ontology_terms", max_rows=100_000, namespace=Literal(urls.ontology_iri()))
        graph = bind_prefixes(Graph())
        for row in rows:
            graph.add((row["term"], row["p"], row["o"]))
        current_app.extensions[_CACHE] = (version, graph)
        return graph


_MODELS = "coevidence.linkeddata.ontology.models"


def page_model(graph: Graph, lang: str) -> dict:
    """:func:`build`, kept per data version and language (the terms, their constraints and
    counts do not change between requests; at 1,000 pilots building it took 40-100 ms)."""
    version = current_store().data_version()
    kept = current_app.extensions.get(_MODELS)
    if kept is None or kept[0] != version:
        kept = current_app.extensions[_MODELS] = (version, {})
    models = kept[1]
    if lang not in models:
        if len(models) >= 20:  # languages asked for: a few are real, the rest are not kept
            return build(graph, lang)
        models[lang] = build(graph, lang)
    return models[lang]


def _shapes():
    from coevidence.shapes import shapes_graph  # imports pyshacl: only when the page is asked for

    key = "coevidence.linkeddata.shapes"
    if key not in current_app.extensions:
        current_app.extensions[key] = shapes_graph()
    return current_app.extensions[key]


def _path_text(shapes: Graph, path) -> tuple[str, str | None]:
    """(the path in words, the property IRI it runs along)."""
    if isinstance(path, URIRef):
        return local_name(str(path)), str(path)
    inverse = shapes.value(path, SH.inversePath)
    if isinstance(inverse, URIRef):
        return f"pointed at by {local_name(str(inverse))}", str(inverse)
    return "a property path", None


def constraints_by_term(shapes: Graph) -> dict[str, list[dict]]:
    """Class or property IRI -> the constraints on it, in words."""
    found: dict[str, list[dict]] = defaultdict(list)
    for node_shape, cls in shapes.subject_objects(SH.targetClass):
        for prop_shape in shapes.objects(node_shape, SH.property):
            path = shapes.value(prop_shape, SH.path)
            if path is None:
                continue
            path_words, prop = _path_text(shapes, path)
            parts = []
            low = shapes.value(prop_shape, SH.minCount)
            high = shapes.value(prop_shape, SH.maxCount)
            if low is not None and int(low) > 0:
                parts.append(f"at least {int(low)}")
            if high is not None:
                parts.append(f"at most {int(high)}")
            for term, words in ((SH["class"], "each a"), (SH.datatype, "each of type")):
                target = shapes.value(prop_shape, term)
                if isinstance(target, URIRef):
                    parts.append(f"{words} {local_name(str(target))}")
            allowed = shapes.value(prop_shape, SH["in"])
            if allowed is not None:
                parts.append("one of " + ", ".join(local_name(str(v)) for v in Collection(shapes, allowed)))
            severity = shapes.value(prop_shape, SH.severity)
            message = pick_literal(list(shapes.objects(prop_shape, SH.message)), "en")
            entry = {
                "shape": local_name(str(node_shape)),
                "class": str(cls),
                "path": path_words,
                "property": prop,
                "rule": "; ".join(parts) or None,
                "severity": "warning" if severity == SH.Warning else "violation",
                "message": str(message) if message is not None else None,
            }
            found[str(cls)].append(entry)
            if prop is not None:
                found[prop].append(entry)
    return found


def build(graph: Graph, lang: str) -> dict:
    known = terms()
    classes, properties = counts()
    constraints = constraints_by_term(_shapes())
    onto = URIRef(urls.ontology_iri())

    def value(term) -> Value:
        return make_value(term, list(graph.objects(term, RDFS.label)) + known.labels.get(str(term), []), lang)

    out: list[Term] = []
    children: dict = defaultdict(list)
    for kind, _, _ in KINDS:
        for term in graph.subjects(RDF.type, kind):
            for parent in graph.objects(term, RDFS.subPropertyOf if kind != OWL.Class else RDFS.subClassOf):
                children[parent].append(term)
    for kind, kind_name, _ in KINDS:
        for term in sorted(graph.subjects(RDF.type, kind), key=lambda t: local_name(str(t)).lower()):
            if not isinstance(term, URIRef):
                continue
            label = pick_literal(list(graph.objects(term, RDFS.label)), lang)
            definition = pick_literal(list(graph.objects(term, RDFS.comment)) + list(graph.objects(term, URIRef("http://www.w3.org/2004/02/skos/core#definition"))), lang)
            parent_property = RDFS.subClassOf if kind == OWL.Class else RDFS.subPropertyOf
            parents = [value(p) for p in sorted(graph.objects(term, parent_property)) if isinstance(p, URIRef)]
            alignments = []
            for predicate in (parent_property, OWL.equivalentClass, OWL.equivalentProperty, RDFS.seeAlso):
                for target in sorted(graph.objects(term, predicate)):
                    for namespace, name in ALIGNED.items():
                        if str(target).startswith(namespace):
                            alignments.append((name, value(target)))
            use = classes.get(str(term), 0) if kind == OWL.Class else properties.get(str(term), 0)
            out.append(Term(
                iri=str(term), anchor=local_name(str(term)), kind=kind_name,
                label=str(label) if label is not None else local_name(str(term)),
                definition=str(definition) if definition is not None else None,
                parents=parents,
                children=[value(c) for c in sorted(children.get(term, []))],
                domain=[value(d) for d in sorted(graph.objects(term, RDFS.domain))],
                range=[value(r) for r in sorted(graph.objects(term, RDFS.range))],
                alignments=alignments,
                constraints=constraints.get(str(term), []),
                count=use,
                instances_href=urls.describe_url(str(term)) if kind == OWL.Class else None,
            ))
    title = pick_literal(list(graph.objects(onto, URIRef("http://purl.org/dc/terms/title"))), lang)
    description = pick_literal(list(graph.objects(onto, URIRef("http://purl.org/dc/terms/description"))), lang)
    version = graph.value(onto, OWL.versionInfo)
    by_iri = {t.iri: t for t in out}

    def total(term: Term, seen: frozenset = frozenset()) -> int:
        kids = [by_iri[c.value] for c in term.children if c.value in by_iri and c.value not in seen]
        return term.count + sum(total(k, seen | {term.iri}) for k in kids)

    for term in out:
        if term.kind == "class":
            term.count_with_subclasses = total(term)
    return {
        "title": str(title) if title is not None else "Ontology",
        "description": str(description) if description is not None else None,
        "version": str(version) if version is not None else None,
        "namespace": urls.ontology_iri() + "#",
        "terms": out,
    }
