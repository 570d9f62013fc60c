"""What every explorer page shares: running a named query, linking a resource, answering
with an HTML page or its JSON / CSV twin, and the "show the query" link.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from flask import Response, current_app, jsonify, render_template, request, url_for
from rdflib import Literal, URIRef, Variable

from coevidence.server.backend import current_store
from coevidence.server.exports.safety import safe_cell
from coevidence.server import urls
from coevidence.server.queries import load_query

#: the most rows one explorer query brings back (they read at most the whole dataset)
MAX_ROWS = 200_000

#: the dataset's IRIs start with this; they get a local page
ID_BASE = "https://w3id.org/coevidence/"


def run(name: str, **bindings) -> list[dict[str, str]]:
    """Run ``server/queries/<name>.rq`` with *bindings* (IRIs as :class:`URIRef`, other values
    as literals) and give each solution as ``{variable: text}`` (unbound variables absent)."""
    bound = {
        key: value if isinstance(value, (URIRef, Literal)) else Literal(value)
        for key, value in bindings.items()
    }
    result = current_store().query(
        load_query(name),
        bindings=bound or None,
        timeout=current_app.config["SPARQL_TIMEOUT_S"],
        max_rows=min(MAX_ROWS, current_app.config["MAX_ROWS"] * 20),
    )
    return [{str(var): str(value) for var, value in row.items()} for row in result.rows]


def query_text(name: str, **bindings: str) -> str:
    """The text of a named query, with its bound values written in as VALUES (for showing it
    in the editor: the query the page ran, runnable as it is)."""
    text = load_query(name)
    values = "".join(
        f"\n  VALUES ?{key} {{ <{value}> }}" for key, value in bindings.items()
        if _plain_iri(value)
    )
    if not values:
        return text
    head, found, tail = text.partition("WHERE {")
    return head + found + values + tail if found else text


def _plain_iri(value: str) -> bool:
    return value.startswith(("http://", "https://")) and not any(c in value for c in '<>"{}|^` \\\n')


def show_query_url(name: str, **bindings: str) -> str:
    """The link that opens the query behind a page in the editor."""
    return url_for("explorer.query_page", query=query_text(name, **bindings))


def resource_url(iri: str) -> str:
    """Where a resource of the dataset (or any IRI) is shown locally: the one place that
    decides it. Its linked-data document (``/doc/...``, an ontology term's anchor, else
    ``/describe?iri=``), as :func:`coevidence.server.urls.local_url` builds it."""
    return urls.local_url(iri)


def local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def wants_json(suffix: str | None) -> bool:
    if suffix == ".json":
        return True
    if suffix:
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    return best == "application/json"


def answer(
    data: Mapping,
    template: str,
    suffix: str | None,
    *,
    csv_table: tuple[Sequence[str], Iterable[Sequence]] | None = None,
    **context,
) -> Response:
    """The HTML page, or its ``.json`` / ``.csv`` twin, from the same *data*."""
    if suffix == ".csv" and csv_table is not None:
        header, rows = csv_table
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([safe_cell(cell) for cell in header])
        for row in rows:
            writer.writerow([safe_cell(cell, numeric=isinstance(cell, (int, float))) for cell in row])
        response = Response(out.getvalue(), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    elif wants_json(suffix):
        response = jsonify(data)
    else:
        response = current_app.make_response(render_template(template, data=data, **context))
    response.headers["Vary"] = "Accept"
    return response


def variable(name: str) -> Variable:
    return Variable(name)
