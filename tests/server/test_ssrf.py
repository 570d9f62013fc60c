"""Nothing a query says makes the server connect anywhere: tested with a real listener.

Every query below names a loopback listener; each must be refused before execution, and the
listener must see no connection at all. A positive control shows the listener would see one
if the engine got such a query.
"""

from __future__ import annotations

import pyoxigraph
import pytest
import requests

from coevidence.server.stores import QueryRejected


def attacks(url: str) -> list[dict]:
    """Requests (as query-string parameters) that would make a naive endpoint fetch *url*."""
    return [
        {"query": f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT * WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"},
        {"query": f"PREFIX x: <{url}>\nSELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT * FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }}"},
        {"query": f"SELECT * FROM NAMED <{url}data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": f"PREFIX x: <{url}>\nSELECT * FROM x:data.ttl WHERE {{ ?s ?p ?o }}"},
        {"query": f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }}"},
        {"query": f"ASK FROM <{url}data.ttl> {{ ?s ?p ?o }}"},
        {"query": f"LOAD <{url}data.ttl>"},
        {"query": f"LOAD SILENT <{url}data.ttl> INTO GRAPH <http://g>"},
        {"update": f"LOAD <{url}data.ttl>"},
        {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": f"{url}data.ttl"},
        {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": f"{url}data.ttl"},
        {"query": f'SELECT * WHERE {{ \\u0053ERVICE <{url}sparql> {{ ?s ?p ?o }} }}'},
        {"query": f'SELECT (bif:http_get("{url}x") AS ?page) WHERE {{}}'},
        {"query": f'SELECT (<bif:http_get>("{url}x") AS ?page) WHERE {{}}'},  # Virtuoso runs this one
        {"query": f'SELECT (<LONG::bif:http_get>("{url}x") AS ?page) WHERE {{}}'},  # and this one
        # "<'>" reads as an IRI to a naive tokenizer, but the engine reads 1 < '>': the quote
        # after it would then seem to open a string that hides the SERVICE clause
        {"query": f"SELECT * WHERE {{ FILTER(1<'>') SERVICE <{url}sparql> {{ ?s ?p ?o }} FILTER('' = '') }}"},
        {"query": f"PREFIX ex: <http://x/>\nSELECT * WHERE {{ FILTER ex:f(1<'>') SERVICE <{url}sparql> {{ ?s ?p ?o }} FILTER('' = '') }}"},
        {"query": f"SELECT * WHERE {{ BIND((2<'>') AS ?x) SERVICE <{url}sparql> {{ ?s ?p ?o }} BIND('' AS ?y) }}"},
        # found by a differential fuzzer (scan against pyoxigraph): expressions in the SELECT
        # clause, a collection after `a`, and \u escapes inside IRIs and strings
        {"query": f"SELECT ?s (1<'>' AS ?y) WHERE {{ SERVICE <{url}x> {{ ?s ?p ?o }} FILTER('' = '') }}"},
        {"query": f"SELECT * WHERE {{ OPTIONAL {{ ?s a (1 <http://x/'>) }} FILTER(1<'>' || true) SERVICE <{url}x> {{ ?s ?p ?o }} FILTER('' = '') }}"},
        {"query": f"SELECT * WHERE {{ OPTIONAL {{ ?s a (1 <http://x/#>) }} FILTER(1<'>' || true) SERVICE <{url}x> {{ ?s ?p ?o }} # '\n}}"},
        {"query": f"SELECT * WHERE {{ OPTIONAL {{ ?s ?p <http://x/\\u0041#> }} OPTIONAL {{ ?s ?p '\\u005c' }} SERVICE <{url}x> {{ ?s ?p ?o }} FILTER('' = '') }}"},
        {"query": f"SELECT * WHERE {{ OPTIONAL {{ ?s ?p '\\u0027' . ?s ?p <http://x/\\u0041'> }} SERVICE <{url}x> {{ ?s ?p ?o }} OPTIONAL {{ ?s ?p '\\u0027' }} }}"},
        # Oxigraph reads a keyword glued to the token before or after it
        {"query": f"PREFIX sv: <{url}>\nSELECT * WHERE {{ SERVICEsv:x {{ ?s ?p ?o }} }}"},
        {"query": f"PREFIX sv: <{url}>\nASK {{ SeRvIcEsILENTsv:x {{ }} }}"},
        {"query": f"SELECT * WHERE {{ ?x <http://e/p>? trueSERVICE <{url}x> {{ }} }}"},
        {"query": f"SELECT * WHERE {{ BIND(1 AS ?z) . ?s ?p falseservice<{url}x>{{}} }}"},
    ]


def test_the_listener_sees_what_the_engine_would_fetch(listener):
    """Positive control: pyoxigraph itself does call a SERVICE URL (so the test can fail)."""
    engine = pyoxigraph.Store()
    with pytest.raises(OSError):
        list(engine.query(f"SELECT * WHERE {{ SERVICE <{listener.url}sparql> {{ ?s ?p ?o }} }}"))
    assert listener.settled_connections() >= 1


def test_app_refuses_every_fetch_and_connects_nowhere(client, listener):
    for params in attacks(listener.url):
        response = client.get("/sparql", query_string=params)
        assert response.status_code == 403, (params, response.get_data(as_text=True))
        assert response.get_json()["error"]["title"] == "Query refused"
        response = client.post("/sparql", data=params)
        assert response.status_code == 403, params
    assert listener.settled_connections() == 0


def test_store_itself_refuses_service(store, listener):
    """Defence in depth: the embedded store refuses SERVICE even when called directly."""
    with pytest.raises(QueryRejected, match="SERVICE"):
        store.query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}", timeout=5, max_rows=10)
    assert listener.settled_connections() == 0


def test_query_workers_cannot_connect_even_past_the_policy(store, listener):
    """Third line: the workers run without network, so a SERVICE that got past every check
    (here sent to a worker directly) still connects nowhere."""
    if not store.status()["network_cut"]:
        pytest.skip("this system does not let the workers leave the network (see /health)")
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}sparql> {{ ?s ?p ?o }} }}"
    (seconds, answer), _version = store._pool.run((query, (), None, None, True, 10, ()), timeout=10)
    assert answer[0] in ("failed", "invalid") and "unreachable" in answer[1].lower(), answer
    assert listener.settled_connections() == 0


def test_live_server_refuses_every_fetch_and_connects_nowhere(live_server, listener):
    for params in attacks(listener.url):
        response = requests.get(live_server.url, params=params, timeout=30)
        assert response.status_code == 403, (params, response.text)
        response = requests.post(live_server.url, data=params, timeout=30)
        assert response.status_code == 403, params
        if "query" in params and len(params) == 1:
            response = requests.post(
                live_server.url,
                data=params["query"].encode(),
                headers={"Content-Type": "application/sparql-query"},
                timeout=30,
            )
            assert response.status_code == 403, params
    assert listener.settled_connections() == 0
    assert requests.get(live_server.base + "/health", timeout=10).status_code == 200


def test_a_query_that_cannot_be_checked_is_refused(client, listener):
    """Valid for Oxigraph (an RDF 1.2 triple term) but not for rdflib's parser, and it holds a
    risky word ("from"): the second look cannot place it, so it is refused."""
    query = (
        'SELECT ?x WHERE { BIND(<<( <http://x/a> <http://x/b> <http://x/c> )>> AS ?t) BIND(1 AS ?x) '
        'FILTER(?t != "data from elsewhere") }'
    )
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert "could not be checked" in response.get_json()["error"]["detail"]
    assert listener.settled_connections() == 0
