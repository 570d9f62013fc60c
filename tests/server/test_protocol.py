"""The SPARQL 1.1 Protocol, as a client sees it (Flask's test client).

The W3C protocol test cases that apply to a read-only endpoint are marked with their names
from https://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest.ttl; the
datasets they name are replaced by the fixture's graphs (this endpoint never fetches).
"""

from __future__ import annotations

import json
import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, VOID

from coevidence.server.namespaces import FORMATS, GRAPH, SD

GRAPH_PILOTS = str(GRAPH.pilots)
GRAPH_EXTRA = str(GRAPH.extra)

SELECT_LABELS = "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
COUNT_PILOTS = (
    "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/coevidence/ontology#Pilot> }"
)
ANY_GRAPH = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
JSON = "application/sparql-results+json"


def count(response) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def labels(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {b["label"]["value"] for b in json.loads(response.data)["results"]["bindings"]}


def graphs(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {b["g"]["value"] for b in json.loads(response.data)["results"]["bindings"]}


# -- queries by GET and POST -------------------------------------------------------------


def test_query_get(client):
    """W3C query_get."""
    response = client.get("/sparql", query_string={"query": COUNT_PILOTS})
    assert response.mimetype == JSON
    assert count(response) == 3


def test_query_post_form(client):
    """W3C query_post_form."""
    response = client.post("/sparql", data={"query": COUNT_PILOTS})
    assert count(response) == 3


def test_query_post_direct(client):
    """W3C query_post_direct."""
    response = client.post(
        "/sparql", data=COUNT_PILOTS.encode(), content_type="application/sparql-query"
    )
    assert count(response) == 3


def test_query_post_multipart_form(client):
    response = client.post("/sparql", data={"query": COUNT_PILOTS}, content_type="multipart/form-data")
    assert count(response) == 3


def test_query_post_direct_takes_utf8(client):
    query = 'ASK { ?s ?p "Young people, 18–29 (ünïcödé)" }'
    response = client.post("/sparql", data=query.encode("utf-8"), content_type="application/sparql-query")
    assert response.get_json()["boolean"] is True


# -- the dataset ---------------------------------------------------------------------------


def test_default_graph_is_the_union_of_the_named_graphs(client):
    response = client.get("/sparql", query_string={"query": SELECT_LABELS})
    found = labels(response)
    assert "City of Turku" in found and "only in the extra graph" in found


def test_query_dataset_default_graph(client):
    """W3C query_dataset_default_graph: default-graph-uri chooses the default graph."""
    response = client.get(
        "/sparql", query_string={"query": SELECT_LABELS, "default-graph-uri": GRAPH_EXTRA}
    )
    assert labels(response) == {"only in the extra graph"}


def test_query_dataset_default_graphs_post(client):
    """W3C query_dataset_default_graphs_post: two default-graph-uri, merged."""
    response = client.post(
        "/sparql",
        data={"query": SELECT_LABELS, "default-graph-uri": [GRAPH_EXTRA, GRAPH_PILOTS]},
    )
    found = labels(response)
    assert "only in the extra graph" in found and "Local NGO" in found


def test_query_dataset_named_graphs_get(client):
    """W3C query_dataset_named_graphs_get: named-graph-uri limits GRAPH ?g, default graph empty."""
    response = client.get("/sparql", query_string={"query": ANY_GRAPH, "named-graph-uri": GRAPH_EXTRA})
    assert graphs(response) == {GRAPH_EXTRA}
    response = client.get("/sparql", query_string={"query": SELECT_LABELS, "named-graph-uri": GRAPH_EXTRA})
    assert labels(response) == set()


def test_query_dataset_full(client):
    """W3C query_dataset_full: both parameters; the default graph has no named graphs unless given."""
    response = client.get(
        "/sparql",
        query_string={"query": ANY_GRAPH, "default-graph-uri": GRAPH_PILOTS, "named-graph-uri": GRAPH_EXTRA},
    )
    assert graphs(response) == {GRAPH_EXTRA}
    response = client.get("/sparql", query_string={"query": ANY_GRAPH, "default-graph-uri": GRAPH_PILOTS})
    assert graphs(response) == set()


def test_query_multiple_dataset(client):
    """W3C query_multiple_dataset: the protocol's dataset overrides FROM in the query."""
    query = f"SELECT ?label FROM <{GRAPH_PILOTS}> WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    assert "only in the extra graph" not in labels(client.get("/sparql", query_string={"query": query}))
    response = client.get("/sparql", query_string={"query": query, "default-graph-uri": GRAPH_EXTRA})
    assert labels(response) == {"only in the extra graph"}


def test_from_and_from_named_select_graphs_of_the_dataset(client):
    query = f"SELECT ?label FROM <{GRAPH_EXTRA}> WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    assert labels(client.get("/sparql", query_string={"query": query})) == {"only in the extra graph"}
    query = f"SELECT DISTINCT ?g FROM NAMED <{GRAPH_PILOTS}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert graphs(client.get("/sparql", query_string={"query": query})) == {GRAPH_PILOTS}


# -- content types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (SELECT_LABELS, "application/sparql-results+xml", "application/sparql-results+xml"),
        (SELECT_LABELS, "application/sparql-results+json", JSON),
        (SELECT_LABELS, "text/csv", "text/csv"),
        (SELECT_LABELS, "text/tab-separated-values", "text/tab-separated-values"),
        ("ASK { ?s ?p ?o }", "application/sparql-results+xml", "application/sparql-results+xml"),
        ("ASK { ?s ?p ?o }", "application/sparql-results+json", JSON),
        ("CONSTRUCT WHERE { ?s a ?o }", "text/turtle", "text/turtle"),
        ("CONSTRUCT WHERE { ?s a ?o }", "application/rdf+xml", "application/rdf+xml"),
        ("DESCRIBE <https://w3id.org/coevidence/id/pilot/fi>", "application/n-triples", "application/n-triples"),
        ("DESCRIBE <https://w3id.org/coevidence/id/pilot/fi>", "application/ld+json", "application/ld+json"),
        # q-values: the client prefers CSV to JSON
        (SELECT_LABELS, "application/sparql-results+json;q=0.5, text/csv;q=0.9", "text/csv"),
        (SELECT_LABELS, "text/*;q=0.3, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
        ("CONSTRUCT WHERE { ?s a ?o }", "application/rdf+xml;q=0.1, text/turtle;q=0.2", "text/turtle"),
        # aliases and wildcards
        (SELECT_LABELS, "application/json", JSON),
        (SELECT_LABELS, "*/*", JSON),
        ("CONSTRUCT WHERE { ?s a ?o }", "*/*", "text/turtle"),
        (SELECT_LABELS, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ],
)
def test_query_content_type(client, query, accept, expected):
    """W3C query_content_type_select / _ask / _describe / _construct, with q-values."""
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == expected
    assert response.mimetype_params.get("charset") == "utf-8"
    assert "Accept" in response.vary


@pytest.mark.parametrize(
    ("query", "fmt", "expected"),
    [
        (SELECT_LABELS, "csv", "text/csv"),
        (SELECT_LABELS, "tsv", "text/tab-separated-values"),
        (SELECT_LABELS, "xml", "application/sparql-results+xml"),
        ("CONSTRUCT WHERE { ?s a ?o }", "ttl", "text/turtle"),
        ("CONSTRUCT WHERE { ?s a ?o }", "turtle", "text/turtle"),
        ("CONSTRUCT WHERE { ?s a ?o }", "xml", "application/rdf+xml"),
        ("CONSTRUCT WHERE { ?s a ?o }", "json-ld", "application/ld+json"),
        ("CONSTRUCT WHERE { ?s a ?o }", "nq", "application/n-quads"),
        ("CONSTRUCT WHERE { ?s a ?o }", "trig", "application/trig"),
        ("CONSTRUCT WHERE { ?s a ?o }", "text/turtle", "text/turtle"),
    ],
)
def test_format_parameter_wins_over_accept(client, query, fmt, expected):
    response = client.get(
        "/sparql", query_string={"query": query, "format": fmt}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == expected


def test_nothing_acceptable_is_406_listing_what_is_available(client):
    response = client.get("/sparql", query_string={"query": SELECT_LABELS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    detail = response.get_json()["error"]["detail"]
    assert "application/sparql-results+json (format=json)" in detail and "text/csv" in detail
    response = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 406
    assert "text/turtle (format=ttl)" in response.get_json()["error"]["detail"]


def test_format_that_cannot_hold_the_result_is_406_and_unknown_format_400(client):
    response = client.get("/sparql", query_string={"query": SELECT_LABELS, "format": "ttl"})
    assert response.status_code == 406
    response = client.get("/sparql", query_string={"query": SELECT_LABELS, "format": "yaml"})
    assert response.status_code == 400
    assert "format=yaml is not a known format" in response.get_json()["error"]["detail"]


# -- malformed requests --------------------------------------------------------------------


def test_bad_query_syntax_is_400_with_the_parsers_message_and_position(client):
    """W3C bad_query_syntax."""
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["title"] == "Query syntax error"
    assert error["detail"] == (
        "line 3, column 11: this `}` closes the `(` opened at line 3, column 9, which needs `)`.\n"
        "  3 |   FILTER( }\n"
        "    |           ^"
    )


def test_bad_multiple_queries_is_400(client):
    """W3C bad_multiple_queries."""
    response = client.get("/sparql", query_string=[("query", "ASK {}"), ("query", "ASK {}")])
    assert response.status_code == 400
    assert "2 queries" in response.get_json()["error"]["detail"]
    response = client.post(
        "/sparql?query=ASK%20%7B%7D", data=b"ASK {}", content_type="application/sparql-query"
    )
    assert response.status_code == 400


def test_bad_query_method_is_405(client):
    """W3C bad_query_method."""
    response = client.put("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.get_json()["error"]["status"] == 405


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_bad_query_wrong_media_type_is_415(client, content_type):
    """W3C bad_query_wrong_media_type and bad_query_missing_form_type."""
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=b"query=ASK%20%7B%7D", headers=headers)
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_json()["error"]["detail"]


def test_bad_query_non_utf8_is_400(client):
    """W3C bad_query_non_utf8."""
    query = 'ASK { ?s ?p "Ünïcödé" }'.encode("latin-1")
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert response.status_code == 400
    assert "UTF-8" in response.get_json()["error"]["detail"]


def test_post_without_a_query_is_400(client):
    response = client.post("/sparql", data={"format": "json"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "query_string": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": {"update": "INSERT DATA { <http://a> <http://b> <http://c> }"}},
        {"method": "POST", "data": b"CLEAR ALL", "content_type": "application/sparql-update"},
        {"method": "POST", "data": {"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}},
        {"method": "GET", "query_string": {"query": "DROP ALL"}},
    ],
)
def test_updates_are_refused(client, request_kwargs):
    """W3C bad_update_get, update via the query endpoint: refused (read-only)."""
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.get_json()["error"]["detail"]
    assert count(client.get("/sparql", query_string={"query": COUNT_PILOTS})) == 3


def test_no_graph_store_protocol_writes(client):
    for method in ("put", "delete", "patch"):
        response = getattr(client, method)("/sparql", query_string={"graph": GRAPH_PILOTS}, data=b"")
        assert response.status_code == 405
    assert client.post("/rdf-graph-store", data=b"<a> <b> <c> .", content_type="text/turtle").status_code == 404


# -- size, limits and parameters ----------------------------------------------------------


def test_query_too_large_is_413(make_app):
    client = make_app(MAX_QUERY_BYTES=200).test_client()
    big = "ASK { ?s ?p ?o } " + "#" * 300
    for response in (
        client.get("/sparql", query_string={"query": big}),
        client.post("/sparql", data={"query": big}),
        client.post("/sparql", data=big.encode(), content_type="application/sparql-query"),
    ):
        assert response.status_code == 413
        assert "at most 200" in response.get_json()["error"]["detail"]
    huge_body = b"query=" + b"%23" * 1_000_000
    response = client.post("/sparql", data=huge_body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan"])
def test_bad_timeout_or_max_rows_is_400(client, value):
    for name in ("timeout", "max-rows"):
        response = client.get("/sparql", query_string={"query": "ASK {}", name: value})
        assert response.status_code == 400
        assert response.get_json()["error"]["detail"].startswith(f"{name}={value}")


# -- service description and the form -----------------------------------------------------


@pytest.mark.parametrize(("accept", "rdf_format"), [(None, "turtle"), ("text/turtle", "turtle"),
                                                     ("application/rdf+xml", "xml"),
                                                     ("application/ld+json", "json-ld")])
def test_service_description(client, accept, rdf_format):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    assert response.status_code == 200
    description = Graph().parse(data=response.data, format=rdf_format)
    service = description.value(predicate=RDF.type, object=SD.Service)
    assert description.value(service, SD.endpoint) == URIRef("http://localhost/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    assert (service, SD.feature, SD.UnionDefaultGraph) in description
    assert not any("Federated" in str(o) for o in description.objects(service, SD.feature))
    formats = set(description.objects(service, SD.resultFormat))
    assert {FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_CSV, FORMATS.Turtle} <= formats
    dataset = description.value(service, SD.defaultDataset)
    names = {}
    for named in description.objects(dataset, SD.namedGraph):
        names[str(description.value(named, SD.name))] = int(
            description.value(description.value(named, SD.graph), VOID.triples)
        )
    assert names[GRAPH_EXTRA] == 1
    assert GRAPH_PILOTS in names and "https://w3id.org/coevidence/graph/ontology" in names


def test_service_description_lists_no_update_language(client):
    description = Graph().parse(data=client.get("/sparql").data, format="turtle")
    languages = set(description.objects(None, SD.supportedLanguage))
    assert languages == {SD.SPARQL11Query}


# -- CORS and caching ----------------------------------------------------------------------


def test_cors_for_reads_and_preflight(client):
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Result-Truncated" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    error = client.get("/sparql", query_string={"query": "SELECT"})
    assert error.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/health").headers


@pytest.mark.parametrize("fmt", ["json", "csv", "ttl"])
def test_server_timing_gives_the_engines_time(client, fmt):
    query = COUNT_PILOTS if fmt != "ttl" else "CONSTRUCT WHERE { ?s a ?type } LIMIT 3"
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200
    match = re.fullmatch(r'engine;dur=([0-9]+\.[0-9]+);desc="query engine"', response.headers["Server-Timing"])
    assert match and 0 < float(match.group(1)) < 60_000
    assert "Server-Timing" in response.headers["Access-Control-Expose-Headers"]
    assert response.headers["Timing-Allow-Origin"] == "*"
    again = client.get("/sparql", query_string={"query": query, "format": fmt},
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and "Server-Timing" not in again.headers  # nothing ran


def test_etag_and_304(client):
    first = client.get("/sparql", query_string={"query": COUNT_PILOTS})
    etag = first.headers["ETag"]
    assert etag and "max-age" in first.headers["Cache-Control"]
    again = client.get("/sparql", query_string={"query": COUNT_PILOTS}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    other_format = client.get(
        "/sparql", query_string={"query": COUNT_PILOTS, "format": "csv"}, headers={"If-None-Match": etag}
    )
    assert other_format.status_code == 200
    other_query = client.get(
        "/sparql", query_string={"query": COUNT_PILOTS + " "}, headers={"If-None-Match": etag}
    )
    assert other_query.status_code == 200
    description = client.get("/sparql")
    assert client.get("/sparql", headers={"If-None-Match": description.headers["ETag"]}).status_code == 304


def test_etag_changes_with_the_data_version(make_app, tmp_path):
    data = tmp_path / "pilots.ttl"
    data.write_text("<http://ex/a> <http://ex/p> 1 .\n")
    etag = make_app(DATA_PATHS=[data], WORKERS=1).test_client().get(
        "/sparql", query_string={"query": "ASK {}"}
    ).headers["ETag"]
    data.write_text("<http://ex/a> <http://ex/p> 2 .\n")
    client = make_app(DATA_PATHS=[data], WORKERS=1).test_client()
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_errors_are_not_cached(client):
    response = client.get("/sparql", query_string={"query": "SELECT"})
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
