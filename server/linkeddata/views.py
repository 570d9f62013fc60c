"""Dereferencing and documents: ``/id/...``, ``/vocab/...``, ``/doc/...``, ``/describe``.

``/id/<rest>`` names a thing (a pilot, an actor, a claim) and answers 303 See Other to
``/doc/<rest>``, the document about it (the W3C "Cool URIs" pattern for slash IRIs); SKOS
``/vocab/<rest>`` answers 303 to ``/doc/vocab/<rest>``. A document is negotiated (see
:mod:`.formats`) and always built from the same :class:`~.model.Document`.
"""

from __future__ import annotations

import hashlib
import json

from flask import Response, current_app, redirect, render_template, request, url_for

from coevidence.server import urls
from coevidence.server.backend import current_store
from coevidence.server.errors import Problem
from coevidence.server.linkeddata import bp, model, report
from coevidence.server.linkeddata.footer import footer
from coevidence.server.linkeddata.formats import FORMATS, Format, negotiate, not_found_body, serialize, split_suffix
from coevidence.server.linkeddata.model import Problem as PageProblem
from coevidence.server.linkeddata.model import build_document
from coevidence.server.linkeddata.values import DEFAULT_LANGUAGE

#: at most this many characters of an IRI given to /describe
MAX_IRI = 4_000


@bp.route("/id/<path:rest>")
def thing(rest: str):
    return _see_other(urls.url_for_doc(rest))


@bp.route("/vocab/<path:rest>")
def vocab(rest: str):
    return _see_other(urls.url_for_doc("vocab/" + rest))


def _see_other(target: str) -> Response:
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=303)
    response.headers["Cache-Control"] = f"max-age={current_app.config['CACHE_MAX_AGE_S']}"
    return response


#: characters no IRI may hold (RFC 3987), nor control characters
_NOT_IN_IRIS = frozenset(' <>"{}|\\^`') | frozenset(chr(c) for c in range(32))


@bp.route("/doc/<path:rest>")
def doc(rest: str):
    stem, suffix = split_suffix(rest)
    if any(ch in _NOT_IN_IRIS for ch in stem):
        raise Problem(404, "Not found", "no IRI of this dataset has such characters.")
    return document_response(urls.iri_for_doc(stem), suffix)


@bp.route("/describe")
def describe():
    iri = request.args.get("iri", "").strip()
    if not iri:
        raise Problem(400, "No IRI", "give the IRI to describe: /describe?iri=https://...")
    if len(iri) > MAX_IRI or any(ch in _NOT_IN_IRIS for ch in iri):
        raise Problem(400, "Not an IRI", "the iri parameter must be one absolute IRI.")
    return document_response(iri, None)


def language() -> str:
    """The language of the content: ``?lang=``, else the best of Accept-Language, else English."""
    asked = request.args.get("lang", "").strip()
    if asked and len(asked) <= 35:
        return asked
    for value, _quality in request.accept_languages:
        if value and value != "*":
            return value
    return DEFAULT_LANGUAGE


def alternates(iri: str) -> list[tuple[Format, str]]:
    return [(fmt, urls.doc_url(iri, fmt.name)) for fmt in FORMATS]


def link_header(iri: str, current: Format) -> str:
    links = [f'<{href}>; rel="alternate"; type="{fmt.media_type}"' for fmt, href in alternates(iri) if fmt != current]
    links.append(f'<{urls.sparql_url()}>; rel="http://www.w3.org/ns/sparql-service-description#endpoint"')
    return ", ".join(links)


def document_response(iri: str, suffix: str | None) -> Response:
    fmt, negotiated = negotiate(suffix)
    lang = language()
    paging = request.args.get("property") or None
    after = request.args.get("after", "")
    asked = hashlib.sha256("\0".join((iri, lang, paging or "", after)).encode()).hexdigest()[:16]
    etag = f"{current_store().data_version()}-{fmt.name}-{asked}"  # sent weak: W/"..."
    if request.if_none_match.contains_weak(etag):  # werkzeug's comparison (weak, and "*")
        response = Response(status=304)
    else:
        document = build_document(iri, lang, paging=paging, after=after)
        if document is None:
            detail = f"<{iri}> is not in this dataset."
            raw = not_found_body(fmt, detail)
            if raw is not None:
                return raw
            raise Problem(404, "Not found", detail)
        document.problems = [
            PageProblem(p.severity, p.message, p.path, p.value, p.shape) for p in report.problems_for(iri)
        ]
        response = render_document(document, fmt)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"max-age={current_app.config['CACHE_MAX_AGE_S']}"
    response.headers["Content-Location"] = urls.doc_url(iri, fmt.name)
    response.headers["Link"] = link_header(iri, fmt)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response


def render_document(document, fmt: Format) -> Response:
    if fmt.name == "json":
        body = {**document.as_json(), "formats": {f.name: href for f, href in alternates(document.iri)}}
        return current_app.response_class(json.dumps(body, ensure_ascii=False, indent=1), mimetype=fmt.media_type)
    if fmt.name == "html":
        jsonld = json.loads(serialize(document.graph, next(f for f in FORMATS if f.name == "jsonld")))
        body = render_template(
            "linkeddata/resource.html",
            doc=document,
            alternates=alternates(document.iri),
            jsonld=jsonld,
            thing=urls.thing_path(document.iri),
            footer=footer(),
            explore=_explore(document.iri),
            sample=model.INCOMING_SAMPLE,
            cap=model.COUNT_CAP,
        )
        return Response(body, mimetype="text/html")
    return Response(serialize(document.graph, fmt), mimetype=fmt.media_type)


def _explore(iri: str) -> dict | None:
    """What the explorer adds to a resource's page: for a pilot, its explorer view (sidebar,
    network graph and table, outcomes, factors) and its network page; for an actor, the
    network pages and a start for "how is this connected to ...?"."""
    rest = urls.doc_rest(iri) or ""
    kind, _, key = rest.partition("/")
    if kind == "pilot" and key and "/" not in key:
        from coevidence.server.explorer.pilot import pilot_view

        try:
            view = pilot_view(key)
        except Problem:
            return None
        return {"pilot": view, "network": url_for("network.pilot", key=key),
                "explorer": url_for("explorer.pilot", key=key)}
    if kind in ("organisation", "group", "network") and key:
        return {"actor": True, "network": url_for("network.everything"), "path": url_for("network.path", **{"from": iri})}
    return None
