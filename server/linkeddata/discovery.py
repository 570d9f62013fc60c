"""How crawlers and linked-data clients find things: VoID, the sitemap, robots.txt.

- ``/.well-known/void`` and ``/data/void.ttl``: the DCAT/VoID description of what this server
  serves, computed from the store (class and property partitions counted by SPARQL, once
  per data version), with ``void:uriSpace`` from the ``PUBLIC_BASE`` setting and the
  endpoint, dumps and pages at the host the request came to;
- ``/sitemap.xml``: an index of one sitemap per class, each listing the documents of its
  instances (at most 50,000, the protocol's limit);
- ``/robots.txt``: points at the sitemap.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Response, current_app, request, url_for
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from coevidence.data import catalog
from coevidence.ontology import bind_prefixes
from coevidence.server import urls
from coevidence.server.backend import current_store, dataset_info
from coevidence.server.errors import Problem
from coevidence.server.home import DOWNLOADS, serves_bundled_data
from coevidence.server.linkeddata import bp
from coevidence.server.linkeddata.counts import counts
from coevidence.server.linkeddata.formats import BY_NAME, negotiate, serialize
from coevidence.server.linkeddata.model import run

SITEMAP_LIMIT = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _slug(iri: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1])


def description() -> Graph:
    """The VoID description of the dataset as this server serves it."""
    base = urls.base()
    d = URIRef(base + "id/dataset/cosie")
    out = bind_prefixes(Graph())
    out.add((d, RDF.type, DCAT.Dataset))
    out.add((d, RDF.type, VOID.Dataset))
    out.add((d, DCTERMS.title, Literal(catalog.TITLE, lang="en")))
    out.add((d, RDFS.label, Literal(catalog.TITLE, lang="en")))
    out.add((d, DCTERMS.description, Literal(catalog.DESCRIPTION, lang="en")))
    out.add((d, DCTERMS.license, catalog.LICENCE))
    out.add((d, DCTERMS.conformsTo, URIRef(urls.ontology_iri())))
    out.add((d, DCAT.landingPage, URIRef(urls.external("home.index"))))
    out.add((d, VOID.uriSpace, Literal(base + "id/")))
    out.add((d, VOID.rootResource, URIRef(base + "id/project/cosie")))
    out.add((d, VOID.triples, Literal(dataset_info().triples, datatype=XSD.integer)))
    for row in run("example_resources", max_rows=10)[0]:
        out.add((d, VOID.exampleResource, row["s"]))
    classes, properties = counts()
    out.add((d, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    out.add((d, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    for cls, n in sorted(classes.items()):
        partition = URIRef(f"{d}/class/{_slug(cls)}")
        out.add((d, VOID.classPartition, partition))
        out.add((partition, VOID["class"], URIRef(cls)))
        out.add((partition, VOID.entities, Literal(n, datatype=XSD.integer)))
    for prop, n in sorted(properties.items()):
        partition = URIRef(f"{d}/property/{_slug(prop)}")
        out.add((d, VOID.propertyPartition, partition))
        out.add((partition, VOID.property, URIRef(prop)))
        out.add((partition, VOID.triples, Literal(n, datatype=XSD.integer)))
    endpoint = URIRef(urls.external("sparql.sparql"))
    out.add((d, VOID.sparqlEndpoint, endpoint))
    service = URIRef(f"{d}/service/sparql")
    out.add((service, RDF.type, DCAT.DataService))
    out.add((service, DCAT.endpointURL, endpoint))
    out.add((service, DCAT.servesDataset, d))
    out.add((d, VOID.uriLookupEndpoint, URIRef(urls.external("linkeddata.describe") + "?iri=")))
    out.add((d, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    out.add((d, VOID.feature, URIRef("http://www.w3.org/ns/formats/JSON-LD")))
    if serves_bundled_data():
        for name in DOWNLOADS:
            if name in ("cosie.ttl",):
                dump = URIRef(urls.external("home.download", name=name))
                out.add((d, VOID.dataDump, dump))
                distribution = URIRef(f"{d}/distribution/turtle")
                out.add((d, DCAT.distribution, distribution))
                out.add((distribution, RDF.type, DCAT.Distribution))
                out.add((distribution, DCAT.downloadURL, dump))
                out.add((distribution, DCAT.mediaType, catalog.TURTLE))
    out.add((d, RDFS.seeAlso, URIRef(urls.external("linkeddata.sitemap"))))
    publisher = URIRef(base + "id/agent/coevidence")
    out.add((d, DCTERMS.publisher, publisher))
    out.add((publisher, RDF.type, FOAF.Organization))
    out.add((publisher, FOAF.name, Literal("The coevidence project")))
    return out


_VOID = "coevidence.linkeddata.void"


def void_response() -> Response:
    fmt, _ = negotiate(None) if request.args.get("format") else (BY_NAME["ttl"], False)
    if not fmt.rdflib:
        fmt = BY_NAME["ttl"]
    # written once per data version, host and format (building and serialising it took 40-60 ms)
    key = (current_store().data_version(), request.host_url, fmt.name)
    kept = current_app.extensions.get(_VOID)
    if kept is None or kept[0] != key[0]:
        kept = current_app.extensions[_VOID] = (key[0], {})
    bodies = kept[1]
    body = bodies.get(key)
    if body is None:
        body = serialize(description(), fmt)
        if len(bodies) < 50:  # hosts a request may name: a few are real
            bodies[key] = body
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Cache-Control"] = f"max-age={current_app.config['CACHE_MAX_AGE_S']}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/.well-known/void")
def well_known_void():
    return void_response()


@bp.route("/sitemap.xml")
def sitemap():
    cls = request.args.get("class")
    if cls is None:
        classes, _ = counts()
        lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">']
        for iri in sorted(classes):
            lines.append(f"<sitemap><loc>{escape(urls.external('linkeddata.sitemap', **{'class': iri}))}</loc></sitemap>")
        lines.append("</sitemapindex>\n")
        return _xml("\n".join(lines))
    if len(cls) > 2_000:
        raise Problem(400, "Not a class", "the class parameter must be one IRI.")
    rows, _ = run("class_entities", max_rows=SITEMAP_LIMIT * 2, **{"class": URIRef(cls), "prefix": Literal(urls.base())})
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">']
    written = 0
    for row in rows:
        iri = str(row["s"])
        if urls.doc_rest(iri) is None:
            continue
        lines.append(f"<url><loc>{escape(urls.doc_url(iri, external=True))}</loc></url>")
        written += 1
        if written >= SITEMAP_LIMIT:
            break
    lines.append("</urlset>\n")
    return _xml("\n".join(lines))


def _xml(body: str) -> Response:
    response = Response(body, mimetype="application/xml")
    response.headers["Cache-Control"] = f"max-age={current_app.config['CACHE_MAX_AGE_S']}"
    return response


@bp.route("/robots.txt")
def robots():
    body = (
        "User-agent: *\n"
        f"Disallow: {url_for('sparql.sparql')}\n"
        f"Disallow: {url_for('linkeddata.describe')}\n"
        f"Sitemap: {urls.external('linkeddata.sitemap')}\n"
    )
    return Response(body, mimetype="text/plain")
