"""Every error the server answers with, mapped and rendered in one place.

One exception class, :class:`Problem`, carries an HTTP status, a short title and a detail
written for the person who made the request. Store errors, werkzeug's HTTP errors and
anything unexpected are turned into a Problem here, and rendered in one shape:

- for machines (the default): ``{"error": {"status": 400, "title": "...", "detail": "..."}}``
  as ``application/json``;
- for browsers (``Accept: text/html``): a small HTML page, with the query form refilled
  with the query the visitor sent, if any;
- for ``Accept: text/plain``: the same three facts as text.

Statuses: a query that does not parse, or that the engine cannot evaluate, is 400; a query the policy refuses (update, SERVICE,
a FROM outside the dataset...) is 403; a query past its time limit is 503, as is a store
that cannot answer; a query or body too large is 413; an Accept nobody can satisfy is 406.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from coevidence.server.stores import (
    QueryFailed,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooComplex,
    ResultNotWritable,
    StoreError,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

#: store error class -> (status, title); looked up along the class's MRO
STORE_ERRORS: dict[type[StoreError], tuple[int, str]] = {
    QuerySyntaxError: (400, "Query syntax error"),
    QueryFailed: (400, "Query failed"),
    QueryRejected: (403, "Query refused"),
    QueryTooComplex: (400, "Query too deeply nested"),
    ResultNotWritable: (406, "Not acceptable"),
    QueryTimeout: (503, "Query timed out"),
    StoreUnavailable: (503, "Store unavailable"),
    StoreError: (500, "Store error"),
}


class Problem(Exception):
    """An error to answer with: HTTP status, short title, detail for the user, extra headers."""

    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}

    def as_dict(self) -> dict:
        return {"error": {"status": self.status, "title": self.title, "detail": self.detail}}


def from_store_error(error: StoreError) -> Problem:
    for cls in type(error).__mro__:
        if cls in STORE_ERRORS:
            status, title = STORE_ERRORS[cls]
            break
    headers = {"Retry-After": "2"} if type(error) is StoreUnavailable else {}
    return Problem(status, title, str(error), headers)


def from_http_exception(error: HTTPException) -> Problem:
    headers = {}
    if getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return Problem(error.code or 500, error.name, error.description or error.name, headers)


def render(problem: Problem) -> Response:
    """The error response, in the representation the client prefers."""
    best = request.accept_mimetypes.best_match(
        ["application/json", "text/html", "text/plain"], default="application/json"
    )
    if best == "text/html":
        body = render_template("error.html", problem=problem, query=g.get("sparql_query"))
        response = Response(body, problem.status, mimetype="text/html")
    elif best == "text/plain":
        body = f"{problem.status} {problem.title}\n\n{problem.detail}\n"
        response = Response(body, problem.status, mimetype="text/plain")
    else:
        response = Response(json.dumps(problem.as_dict()), problem.status, mimetype="application/json")
    response.headers.update(problem.headers)
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response


def _internal_error(error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return render(Problem(500, "Internal server error", "Something went wrong on our side; it has been logged."))


def init_app(app: Flask) -> None:
    app.register_error_handler(Problem, render)
    app.register_error_handler(StoreError, lambda error: render(from_store_error(error)))
    app.register_error_handler(HTTPException, lambda error: render(from_http_exception(error)))
    app.register_error_handler(Exception, _internal_error)
