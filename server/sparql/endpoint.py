"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only, with limits.

- a query by ``GET ?query=``, by ``POST`` of a form (``application/x-www-form-urlencoded`` or
  ``multipart/form-data``) or by ``POST`` of the query itself (``application/sparql-query``);
- ``default-graph-uri`` and ``named-graph-uri`` (repeatable) choose the dataset;
- ``format=`` or ``Accept`` choose the result format (see :mod:`.results`);
- ``timeout=`` (seconds) and ``max-rows=`` lower the server's limits, never raise them;
- ``GET /sparql`` with no query answers with the service description (RDF clients) or a
  query form (browsers).

Every refusal is a :class:`~coevidence.server.errors.Problem` or a store error, rendered by
:mod:`.errors`. Responses carry an ETag tied to the data version, so a repeated request
with ``If-None-Match`` is answered 304 without running the query again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from rdflib import BNode, URIRef
from werkzeug.datastructures import MultiDict

from coevidence.ontology import PREFIXES
from coevidence.server.sparql import policy, second_look
from coevidence.server.backend import (
    current_store,
    dataset_info,
    max_response_bytes,
    query_slot,
    store_caps_bytes,
    store_writes,
)
from coevidence.server.sparql.description import service_description
from coevidence.server.errors import Problem
from coevidence.server.sparql.results import HTML, Format, formats_for, negotiate, negotiate_header
from coevidence.server.sparql.scan import scan_query
from coevidence.server.stores import QueryResult, QuerySyntaxError

bp = Blueprint("sparql", __name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
KIND_OF_FORM = {"SELECT": "bindings", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
EXAMPLE_QUERY = """SELECT ?class (COUNT(?thing) AS ?things)
WHERE { ?thing a ?class }
GROUP BY ?class
ORDER BY DESC(?things)
LIMIT 25"""


@dataclass(frozen=True)
class ProtocolRequest:
    """A /sparql request, read and checked."""

    query: str | None
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    timeout: float
    max_rows: int
    format_name: str | None


def _check_utf8(encoded: bytes, where: str) -> None:
    """Refuse percent-encoded parameters (``a=b&c=d``) that are not UTF-8 once decoded,
    naming the first such parameter: werkzeug would keep the bytes percent-encoded, or
    replace them with U+FFFD, and so run another query than the one sent."""
    try:
        # the whole string at once: it is UTF-8 exactly when every part is, since the
        # separators (& =) are ASCII and can neither complete nor continue a multi-byte
        # character; only a string that fails is looked at part by part, for the message
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
        return
    except UnicodeDecodeError:
        pass
    for part in encoded.split(b"&"):
        name, _, value = part.partition(b"=")
        for text in (name, value):
            raw = unquote_to_bytes(text.replace(b"+", b" "))
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                shown = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "backslashreplace")
                raise Problem(
                    400, "Bad request",
                    f"the {where} parameter {shown!r} is not valid UTF-8 once percent-decoded "
                    f"(byte {error.start + 1}{' of its name' if text is name else ''}, 0x{raw[error.start]:02X}): "
                    "encode the text as UTF-8 before percent-encoding it.",
                ) from None


def _check_multipart_utf8() -> None:
    """multipart/form-data: werkzeug replaces bytes that are not UTF-8 with U+FFFD; a field
    holding U+FFFD in a body that is not UTF-8 was such a field."""
    body = request.get_data(cache=True)  # before the form is parsed, which then reads this copy
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        form = request.form
        broken = [name for name, value in form.items(multi=True) if "\ufffd" in value or "\ufffd" in name]
        what = f"the form field {broken[0]!r} is" if broken else "the form is"
        raise Problem(400, "Bad request", f"{what} not valid UTF-8: send the form's text as UTF-8.") from None


def _read_params() -> tuple[MultiDict, str | None]:
    """All parameters of the request, and the query if the body is the query itself."""
    _check_utf8(request.query_string, "URL")
    params = MultiDict(request.args)
    if request.method != "POST":
        return params, None
    mimetype = request.mimetype
    if mimetype == FORM_TYPES[0]:
        _check_utf8(request.get_data(cache=True), "form")
    if mimetype in FORM_TYPES:
        if mimetype == FORM_TYPES[1]:
            _check_multipart_utf8()
        for key, value in request.form.items(multi=True):
            params.add(key, value)
        return params, None
    if mimetype == QUERY_TYPE:
        body = request.get_data(cache=False)
        if len(body) > current_app.config["MAX_QUERY_BYTES"]:
            raise _too_large(len(body))
        try:
            return params, body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Problem(
                400, "Bad request", f"the query is not valid UTF-8 (byte {error.start + 1})."
            ) from None
    if mimetype == UPDATE_TYPE:
        raise Problem(403, "Query refused", "this endpoint is read-only: updates are not accepted.")
    raise Problem(
        415, "Unsupported media type",
        f"a POST to /sparql must be {QUERY_TYPE} or {FORM_TYPES[0]}, not {mimetype or 'untyped'}.",
    )


def _too_large(size: int) -> Problem:
    limit = current_app.config["MAX_QUERY_BYTES"]
    return Problem(
        413, "Query too large", f"the query has {size} bytes; this endpoint accepts at most {limit}."
    )


def _lower_limit(params: MultiDict, name: str, ceiling, parse, unit: str):
    text = params.get(name)
    if text is None or text == "":
        return ceiling
    try:
        value = parse(text)
    except ValueError:
        value = None
    if value is None or not value > 0:
        raise Problem(400, "Bad request", f"{name}={text} is not valid: give a number of {unit} above 0.")
    return min(value, ceiling)


def read_request() -> ProtocolRequest:
    params, body_query = _read_params()
    if "update" in params:
        raise Problem(403, "Query refused", "this endpoint is read-only: updates are not accepted.")
    queries = params.getlist("query")
    if body_query is not None:
        queries.append(body_query)
    if len(queries) > 1:
        raise Problem(400, "Bad request", f"the request holds {len(queries)} queries; send exactly one.")
    query = queries[0] if queries else None
    g.sparql_query = query  # the error page gives it back to the visitor (errors.render)
    if query is not None:
        size = len(query.encode("utf-8"))
        if size > current_app.config["MAX_QUERY_BYTES"]:
            raise _too_large(size)
    config = current_app.config
    timeout = _lower_limit(params, "timeout", config["SPARQL_TIMEOUT_S"], float, "seconds")
    # a floor: every query stopped at its limit costs a worker (see MIN_TIMEOUT_S)
    timeout = max(timeout, min(config["MIN_TIMEOUT_S"], config["SPARQL_TIMEOUT_S"]))
    return ProtocolRequest(
        query=query,
        default_graph_uris=tuple(params.getlist("default-graph-uri")),
        named_graph_uris=tuple(params.getlist("named-graph-uri")),
        timeout=timeout,
        max_rows=_lower_limit(params, "max-rows", config["MAX_ROWS"], int, "rows"),
        format_name=params.get("format") or None,
    )


def _etag(version: str, req: ProtocolRequest, result_format: Format) -> str:
    key = json.dumps(
        [version, req.query, req.default_graph_uris, req.named_graph_uris, req.max_rows, result_format.name]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _cacheable(response: Response, etag: str) -> Response:
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE_S']}"
    response.vary.add("Accept")
    return response


def _not_modified(etag: str) -> Response | None:
    if request.if_none_match and request.if_none_match.contains_weak(etag):
        return _cacheable(Response(status=304), etag)
    return None


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    req = read_request()
    if req.query is None:
        if request.method == "POST":
            raise Problem(400, "Bad request", "no query: send it as the query parameter or as the body.")
        return _describe(req)

    store = current_store()
    # a store that can reach the network gets every query read by the second look too
    scan = scan_query(req.query, thorough=not getattr(store, "network_cut", False))
    policy.check(scan, dataset_info().names, req.default_graph_uris, req.named_graph_uris,
                 max_nesting=current_app.config["MAX_NESTING"])
    kind = KIND_OF_FORM.get(scan.form or "")
    try:
        result_format = negotiate_header(kind, req.format_name, request.headers.get("Accept")) if kind else None
    except Problem as problem:
        # a query that does not parse is answered as a syntax error, whatever the client
        # accepts (the error itself comes as text/plain, HTML or JSON: errors.render)
        if problem.status == 406:
            error = second_look.syntax_error(req.query, scan.nesting)
            if error is not None:
                raise QuerySyntaxError(error) from None
        raise
    version = store.data_version()
    etag = None
    if result_format is not None:
        etag = _etag(version, req, result_format)
        not_modified = _not_modified(etag)
        if not_modified is not None:
            return not_modified

    options = {}
    if result_format is not None and result_format is not HTML and store_writes():
        options["accept"] = (result_format.media_type,)
    if store_caps_bytes():
        options["max_bytes"] = max_response_bytes()
    with query_slot():
        result = store.query(
            req.query,
            default_graph_uris=req.default_graph_uris,
            named_graph_uris=req.named_graph_uris,
            timeout=req.timeout,
            max_rows=req.max_rows,
            **options,
        )
    if result_format is None or result.kind not in result_format.kinds:
        result_format = negotiate_header(result.kind, req.format_name, request.headers.get("Accept"))
        etag = None
    # the version the query ran on: the store may have moved to a new one meanwhile
    if etag is None or (result.data_version or version) != version:
        etag = _etag(result.data_version or version, req, result_format)
    g.result_rows = len(result)
    return _result_response(req, result, result_format, etag)


def _result_response(req: ProtocolRequest, result: QueryResult, result_format: Format, etag: str) -> Response:
    if result_format is HTML:
        body = render_template(
            "sparql.html",
            query=req.query,
            result=result,
            max_rows=req.max_rows,
            twins=_twins(req, result.kind),
        )
    else:
        body = result_format.write(result)
    # the headers as one list (what _cacheable sets, too): setting them one by one scans
    # the list each time
    headers = [
        ("X-Result-Rows", str(len(result))),
        ("X-Result-Truncated", "true" if result.truncated else "false"),
        ("X-Max-Rows", str(req.max_rows)),
        ("X-Max-Bytes", str(max_response_bytes())),
        ("ETag", f'W/"{etag}"'),
        ("Cache-Control", f"public, max-age={current_app.config['CACHE_MAX_AGE_S']}"),
        ("Vary", "Accept"),
    ]
    if result.cached:
        headers.append(("Server-Timing", 'cache;desc="hit"'))
    elif result.engine_seconds is not None:
        # W3C Server Timing: browsers' developer tools show it; clients can tell the
        # engine's time from the server's and the network's
        headers.append(("Server-Timing", f'engine;dur={result.engine_seconds * 1000:.3f};desc="query engine"'))
    return Response(body, 200, headers=headers, content_type=result_format.content_type)


def _twins(req: ProtocolRequest, kind: str) -> list[tuple[str, str]]:
    """Links to the same result in each machine format: (format name, URL)."""
    links = []
    for result_format in formats_for(kind):
        if result_format is HTML:
            continue
        params: dict = {"query": req.query, "format": result_format.name}
        if req.default_graph_uris:
            params["default-graph-uri"] = list(req.default_graph_uris)
        if req.named_graph_uris:
            params["named-graph-uri"] = list(req.named_graph_uris)
        links.append((result_format.name, url_for("sparql.sparql", **params)))
    return links


def _describe(req: ProtocolRequest) -> Response:
    """GET /sparql without a query: the service description, or a query form for browsers."""
    result_format = negotiate("graph", req.format_name, request.accept_mimetypes)
    info = dataset_info()
    etag = _etag(info.version, req, result_format)
    not_modified = _not_modified(etag)
    if not_modified is not None:
        return not_modified
    store = current_store()
    if result_format is HTML:
        prologue = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())
        body = render_template(
            "sparql.html",
            query=prologue + EXAMPLE_QUERY,
            result=None,
            graphs=info.graphs,
            store=store.description,
            limits=current_app.config,
        )
        response = Response(body, 200, content_type=HTML.content_type)
    else:
        graph = service_description(
            url_for("sparql.sparql", _external=True),
            info,
            union_default_graph=getattr(store, "union_default_graph", False),
        )
        body = result_format.write(QueryResult("graph", graph=graph))
        response = Response(body, 200, content_type=result_format.content_type)
    return _cacheable(response, etag)


@bp.app_template_test("iri")
def is_iri(value) -> bool:
    return isinstance(value, URIRef)


@bp.app_template_test("bnode")
def is_bnode(value) -> bool:
    return isinstance(value, BNode)
