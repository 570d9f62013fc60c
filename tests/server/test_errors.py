"""One error shape on every error path: JSON for machines, HTML for browsers, text on request."""

from __future__ import annotations

import logging

import pytest
from bs4 import BeautifulSoup

from coevidence.server.stores import QueryResult, QueryTimeout, StoreUnavailable


class BrokenStore:
    """A store that fails the way it is told to, for the error paths."""

    description = "broken (test)"

    def __init__(self, error: Exception):
        self.error = error

    def query(self, sparql, *, bindings=None, default_graph_uris=(), named_graph_uris=(), timeout, max_rows):
        if "GRAPH ?graph" in sparql:  # the dataset listing
            return QueryResult("bindings")
        raise self.error

    def data_version(self) -> str:
        return "broken"

    def close(self) -> None:
        pass


ERROR_CASES = [
    ({"path": "/sparql", "query_string": {"query": "SELECT * WHERE {"}}, 400, "Query syntax error"),
    ({"path": "/sparql", "query_string": {"query": "SELECT ?t WHERE { BIND(<<( <http://a> <http://b> <http://c> )>> AS ?t) }"}},
     400, "Query failed"),  # an RDF 1.2 triple term: no SPARQL 1.1 result format can hold it
    ({"path": "/sparql", "query_string": {"query": "LOAD <http://x/>"}}, 403, "Query refused"),
    ({"path": "/nowhere"}, 404, "Not Found"),
    ({"path": "/sparql", "method": "DELETE"}, 405, "Method Not Allowed"),
    ({"path": "/sparql", "query_string": {"query": "ASK {}", "format": "ttl"}}, 406, "Not acceptable"),
    ({"path": "/sparql", "method": "POST", "data": b"ASK {}", "content_type": "text/plain"}, 415,
     "Unsupported media type"),
]


@pytest.mark.parametrize(("request_kwargs", "status", "title"), ERROR_CASES)
def test_json_error_shape(client, request_kwargs, status, title):
    response = client.open(**request_kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["title"] == title
    assert body["error"]["detail"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("request_kwargs", "status", "title"), ERROR_CASES)
def test_html_error_page_for_browsers(client, request_kwargs, status, title):
    response = client.open(**request_kwargs, headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == status
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("h1").get_text() == f"{status} {title}"
    assert page.select_one("#detail").get_text()


def test_plain_text_error_on_request(client):
    # SELECT cannot be answered in text/plain, but the query's own error comes first, as text
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {"}, headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith("400 Query syntax error\n\nline 1, column 16: ")
    assert "  1 | SELECT * WHERE {\n    |                ^" in text


def test_a_valid_query_asked_for_as_plain_text_is_406_in_text(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {}"}, headers={"Accept": "text/plain"})
    assert response.status_code == 406
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("406 Not acceptable\n\n")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_html_error_page_gives_the_visitor_their_query_back(client, method):
    query = "PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ex:p <oops }"
    kwargs = {"query_string": {"query": query}} if method == "GET" else {"data": {"query": query}}
    response = client.open("/sparql", method=method, headers={"Accept": "text/html"}, **kwargs)
    assert response.status_code == 400
    page = BeautifulSoup(response.data, "html.parser")
    form = page.select_one("form")
    assert form["action"] == "/sparql"
    assert form.select_one("textarea[name=query]").get_text() == query
    assert "line 2" in page.select_one("#detail").get_text()


def test_an_error_page_without_a_query_links_back_to_the_form(client):
    page = BeautifulSoup(client.get("/nowhere", headers={"Accept": "text/html"}).data, "html.parser")
    assert page.select_one("form") is None
    assert page.select_one('a[href="/sparql"]')


def test_error_detail_is_escaped_in_html(client):
    query = "SELECT * WHERE { <script>alert(1)</script> }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"})
    assert b"<script>" not in response.data


def test_timeout_and_unavailable_are_503(make_app):
    response = make_app(STORE=BrokenStore(QueryTimeout("the query ran for longer than the time limit of 5 s"))) \
        .test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 503
    assert response.get_json()["error"] == {
        "status": 503, "title": "Query timed out",
        "detail": "the query ran for longer than the time limit of 5 s"}
    assert "Retry-After" not in response.headers
    response = make_app(STORE=BrokenStore(StoreUnavailable("the endpoint is down"))) \
        .test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 503
    assert response.get_json()["error"]["title"] == "Store unavailable"
    assert response.headers["Retry-After"]


def test_unexpected_error_is_a_logged_500_without_a_traceback(make_app, caplog):
    client = make_app(STORE=BrokenStore(RuntimeError("secret internals"))).test_client()
    with caplog.at_level(logging.ERROR, logger="coevidence.server.errors"):
        response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 500
    assert response.get_json()["error"]["title"] == "Internal server error"
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert any("secret internals" in (r.exc_text or "") or r.exc_info for r in caplog.records)
