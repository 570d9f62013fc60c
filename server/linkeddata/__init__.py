"""Linked-data publishing: every IRI of the dataset dereferences, every resource reads as a page.

Routes (blueprint ``linkeddata``), each in the module named for what it serves:

- :mod:`.views`: ``/id/<rest>`` and ``/vocab/<rest>`` (303 to the document),
  ``/doc/<rest>`` (HTML, JSON twin, Turtle, JSON-LD, N-Triples, RDF/XML by negotiation or
  suffix), ``/describe?iri=`` (any IRI in the store);
- :mod:`.ontology`: ``/ontology`` (the ontology documented, or its Turtle);
- :mod:`.discovery`: ``/.well-known/void``, ``/sitemap.xml``, ``/robots.txt``.

What a page says is built once by :mod:`.model` (the same model for HTML, JSON and RDF);
claims are written as sentences by :mod:`.sentences`; the SHACL state comes from
:mod:`.report`. Links come from :mod:`coevidence.server.urls`.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("linkeddata", __name__)


@bp.app_template_global("local_url")
def _local_url(iri) -> str:
    """For every template (the /sparql results too): where a link to *iri* goes here."""
    from coevidence.server import urls

    return urls.local_url(str(iri))


@bp.app_template_filter("compact_iri")
def _compact_iri(iri) -> str:
    """*iri* with the project's prefixes (``coe:Pilot``), else in full."""
    from coevidence.ontology import PREFIXES

    text = str(iri)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return text

from coevidence.server.linkeddata import discovery, ontology, views  # noqa: E402,F401  (routes)

__all__ = ["bp"]
