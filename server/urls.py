"""The one URL builder: every route and template gets its links from here.

The dataset's IRIs start with the ``PUBLIC_BASE`` setting (``https://w3id.org/coevidence/``);
this server answers for them under its own host:

==========================================  ===========================  =====================
IRI                                         thing (303 to the document)  document (negotiated)
==========================================  ===========================  =====================
``<base>id/pilot/x``                        ``/id/pilot/x``              ``/doc/pilot/x``
``<base>vocab/stage/co-design``             ``/vocab/stage/co-design``   ``/doc/vocab/stage/co-design``
``<base>ontology#Pilot``                    ``/ontology#Pilot``          ``/ontology``
anything else (countries, COFOG, terms)     --                           ``/describe?iri=...``
==========================================  ===========================  =====================

Absolute URLs (``external=True``) follow the host the request came to, never a fixed address.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app, g, url_for

__all__ = ["base", "ontology_iri", "iri_for_doc", "thing_path", "local_url", "doc_url", "external"]

#: data IRIs: <base>id/<rest>; SKOS: <base>vocab/<rest>
ID_PART = "id/"
VOCAB_PART = "vocab/"
ONTOLOGY_PART = "ontology"


def base() -> str:
    return current_app.config["PUBLIC_BASE"]


def ontology_iri() -> str:
    return base() + ONTOLOGY_PART


def iri_for_doc(rest: str) -> str:
    """The IRI a ``/doc/<rest>`` document is about."""
    if rest.startswith(VOCAB_PART):
        return base() + rest
    return base() + ID_PART + rest


def doc_rest(iri: str) -> str | None:
    """``rest`` of the ``/doc/<rest>`` document about *iri*, or None when it has none."""
    root = base()
    if iri.startswith(root + ID_PART) and len(iri) > len(root + ID_PART):
        rest = iri[len(root + ID_PART):]
    elif iri.startswith(root + VOCAB_PART) and len(iri) > len(root + VOCAB_PART):
        rest = iri[len(root):]
    else:
        return None
    if "#" in rest or "?" in rest or rest.startswith(VOCAB_PART + "vocab/"):
        return None
    return rest


def ontology_fragment(iri: str) -> str | None:
    """``Pilot`` for ``<base>ontology#Pilot``, ``""`` for the ontology itself, else None."""
    onto = ontology_iri()
    if iri == onto:
        return ""
    if iri.startswith(onto + "#") and len(iri) > len(onto) + 1:
        return iri[len(onto) + 1:]
    return None


def url_for_doc(rest: str, external: bool = False) -> str:
    """The ``/doc/<rest>`` URL (``rest`` as in :func:`doc_rest`)."""
    return url_for("linkeddata.doc", rest=rest, _external=external)


def _doc_prefix() -> str:
    """``/doc/`` under this app's root, as url_for writes it (asked once per request: pages
    link hundreds of resources)."""
    prefix = g.get("_coevidence_doc_prefix")
    if prefix is None:
        prefix = g._coevidence_doc_prefix = url_for("linkeddata.doc", rest="x")[:-1]
    return prefix


def doc_url(iri: str, fmt: str | None = None, external: bool = False) -> str:
    """The document about *iri* on this server, optionally in one format (``ttl``, ``json``...)."""
    rest = doc_rest(iri)
    if rest is not None:
        if external:
            return url_for("linkeddata.doc", rest=rest + (f".{fmt}" if fmt else ""), _external=True)
        return _doc_prefix() + quote(rest + (f".{fmt}" if fmt else ""), safe="/:@!$&'()*+,;=-._~")
    if ontology_fragment(iri) is not None:
        if fmt:
            return url_for("linkeddata.ontology_format", fmt=fmt, _external=external)
        return url_for("linkeddata.ontology", _external=external)
    if fmt:
        return url_for("linkeddata.describe", iri=iri, format=fmt, _external=external)
    return url_for("linkeddata.describe", iri=iri, _external=external)


def describe_url(iri: str, external: bool = False) -> str:
    """``/describe?iri=...``: the page on any IRI the store holds (an ontology class: its instances)."""
    return url_for("linkeddata.describe", iri=iri, _external=external)


def local_url(iri: str, external: bool = False) -> str:
    """Where a link to *iri* goes on this server: its document (an ontology term: its anchor).

    Remembered for the rest of the request: a page links the same pilot or stage many times.
    """
    if external:
        return _local_url(iri, True)
    links = g.get("_coevidence_links")
    if links is None:
        links = g._coevidence_links = {}
    found = links.get(iri)
    if found is None:
        found = links[iri] = _local_url(iri, False)
    return found


def _local_url(iri: str, external: bool) -> str:
    fragment = ontology_fragment(iri)
    if fragment:
        return url_for("linkeddata.ontology", _external=external) + "#" + fragment
    return doc_url(iri, external=external)


def thing_path(iri: str) -> str | None:
    """The ``/id/...`` or ``/vocab/...`` URL of *iri* on this server (303s to its document)."""
    rest = doc_rest(iri)
    if rest is None:
        return None
    if rest.startswith(VOCAB_PART):
        return url_for("linkeddata.vocab", rest=rest[len(VOCAB_PART):])
    return url_for("linkeddata.thing", rest=rest)


def external(endpoint: str, **values) -> str:
    """An absolute URL on this server, at the host the request came to."""
    return url_for(endpoint, _external=True, **values)


def sparql_url(query: str | None = None, external: bool = False) -> str:
    if query is None:
        return url_for("sparql.sparql", _external=external)
    return url_for("sparql.sparql", query=query, format="html", _external=external)
