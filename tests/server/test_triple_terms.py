"""RDF 1.2 triple terms: refused in every format, the same way (400), never a dead worker."""

from __future__ import annotations

import pytest

from coevidence.server.sparql import writers
from coevidence.server.sparql.results import FORMATS_LIST
from coevidence.server.terms import IRI, TRIPLE, TRIPLE_TERM_REFUSED

TRIPLE_TERM = "<<( <http://a> <http://b> <http://c> )>>"
SELECT = f"SELECT ?t WHERE {{ BIND({TRIPLE_TERM} AS ?t) }}"
SELECT_LIMITED = SELECT + " LIMIT 5"  # SPARQL JSON then comes from pyoxigraph's own writer
CONSTRUCT = f"CONSTRUCT {{ <http://s> <http://p> ?t }} WHERE {{ BIND({TRIPLE_TERM} AS ?t) }}"

CASES = [(query, f.name) for query in (SELECT, SELECT_LIMITED) for f in FORMATS_LIST if "bindings" in f.kinds] + [
    (query, f.name) for query in (CONSTRUCT,) for f in FORMATS_LIST if "graph" in f.kinds
]


@pytest.mark.parametrize(("query", "format_name"), CASES)
def test_a_triple_term_is_refused_in_every_format(client, store, query, format_name):
    response = client.get("/sparql", query_string={"query": query, "format": format_name})
    assert response.status_code == 400, response.data[:300]
    assert response.get_json()["error"] == {"status": 400, "title": "Query failed", "detail": TRIPLE_TERM_REFUSED}
    assert store.status()["alive"] == store.status()["size"]
    assert client.get("/sparql", query_string={"query": "ASK {}", "format": format_name if format_name != "ttl" else "json"}).status_code in (200, 406)


@pytest.mark.parametrize("write", list(writers.SOLUTION_WRITERS.values()), ids=lambda w: w.__name__)
def test_every_solution_writer_refuses_a_triple_term_with_the_same_error(write):
    term = (TRIPLE, (IRI, "http://a"), (IRI, "http://b"), (IRI, "http://c"))
    with pytest.raises(ValueError, match="triple term"):
        write(["t"], [(term,)])


def test_a_remote_store_answering_a_triple_term_gets_the_same_refusal():
    from coevidence.server.stores import QueryFailed
    from coevidence.server.stores.remote import canonical_json

    triple = {"type": "triple", "value": {"subject": {"type": "uri", "value": "http://a"},
                                          "predicate": {"type": "uri", "value": "http://b"},
                                          "object": {"type": "uri", "value": "http://c"}}}
    with pytest.raises(QueryFailed, match="triple term"):
        canonical_json(["t"], [{"t": triple}])
