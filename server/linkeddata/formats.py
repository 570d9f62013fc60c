"""Content negotiation for documents: which representation a request asks for, and writing it.

A document is offered as HTML, a JSON twin (Datasette-style: the page's own model) and four
RDF forms. A suffix (``/doc/pilot/x.ttl``) or ``format=`` forces one; otherwise the Accept
header chooses, with werkzeug's ``best_match`` and HTML as the default for ``*/*`` or no
header. An Accept header that none of them satisfies is answered 406, listing them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Response, request
from rdflib import Graph

from coevidence.server.errors import Problem


@dataclass(frozen=True)
class Format:
    name: str  #: the suffix and the value of ``format=``
    media_type: str
    label: str  #: how a page names it
    rdflib: str | None  #: the rdflib serializer, None for HTML and the JSON twin


FORMATS: tuple[Format, ...] = (
    Format("html", "text/html", "HTML", None),
    Format("json", "application/json", "JSON", None),
    Format("ttl", "text/turtle", "Turtle", "turtle"),
    Format("jsonld", "application/ld+json", "JSON-LD", "json-ld"),
    Format("nt", "application/n-triples", "N-Triples", "nt"),
    Format("rdf", "application/rdf+xml", "RDF/XML", "xml"),
)
BY_NAME = {f.name: f for f in FORMATS}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}
#: other names clients use for the same forms
ALIASES = {"application/xhtml+xml": "html", "text/n3": "ttl", "application/x-turtle": "ttl", "text/plain": "nt"}
RDF_FORMATS = tuple(f for f in FORMATS if f.rdflib)


def available() -> str:
    return ", ".join(f"{f.media_type} (.{f.name})" for f in FORMATS)


def split_suffix(rest: str) -> tuple[str, str | None]:
    """``("pilot/x", "ttl")`` for ``pilot/x.ttl``; a path without a known suffix is kept whole."""
    stem, dot, suffix = rest.rpartition(".")
    if dot and suffix in BY_NAME and stem and "/" not in suffix:
        return stem, suffix
    return rest, None


def negotiate(suffix: str | None = None) -> tuple[Format, bool]:
    """The format this request gets, and whether it was negotiated (not forced by name)."""
    forced = suffix or request.args.get("format") or request.args.get("output")
    if forced:
        chosen = BY_NAME.get(forced) or BY_NAME.get(ALIASES.get(forced, "")) or BY_MEDIA_TYPE.get(forced)
        if chosen is None:
            raise Problem(406, "Not acceptable", f"no format {forced!r}; available: {available()}.")
        return chosen, False
    accept = request.accept_mimetypes
    if not accept:  # no Accept header at all: a plain link from a browser or a crawler
        return BY_NAME["html"], True
    offers = [f.media_type for f in FORMATS] + list(ALIASES)
    best = accept.best_match(offers, default=None)
    if best is None:
        raise Problem(
            406, "Not acceptable",
            f"nothing here matches Accept: {request.headers.get('Accept')}; available: {available()}.",
        )
    return BY_MEDIA_TYPE.get(best) or BY_NAME[ALIASES[best]], True


def serialize(graph: Graph, fmt: Format) -> bytes:
    if fmt.rdflib == "json-ld":
        return graph.serialize(format="json-ld", encoding="utf-8", auto_compact=True)
    return graph.serialize(format=fmt.rdflib, encoding="utf-8")


def not_found_body(fmt: Format, detail: str) -> Response | None:
    """A 404 written in an RDF form (a comment, or an empty document); None for HTML and JSON,
    which the app's error handler writes."""
    if fmt.rdflib is None:
        return None
    detail = " ".join(detail.split())  # one line: a comment must not run onto the next
    if fmt.name in ("ttl", "nt"):
        body = f"# 404 Not Found: {detail}\n"
    elif fmt.name == "jsonld":
        body = json.dumps({"@context": {"@vocab": "http://www.w3.org/2011/http#"}, "statusCodeValue": 404, "reasonPhrase": detail})
    else:
        body = f'<?xml version="1.0" encoding="utf-8"?>\n<!-- 404 Not Found: {detail.replace("--", "- -")} -->\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    response = Response(body, 404, mimetype=fmt.media_type)
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response
