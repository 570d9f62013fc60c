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


def test_canonical_terms_of_the_common_shapes_are_those_the_full_reading_gives():
    """canonical_json's fast paths for the terms Virtuoso writes most give exactly what
    reading each term through json_tuple gives (type, value, datatype, language)."""
    from coevidence.server.stores import remote

    xsd = "http://www.w3.org/2001/XMLSchema#"
    terms = [
        {"type": "uri", "value": "https://example.org/a"},
        {"type": "literal", "value": "plain"},
        {"type": "literal", "value": "tere", "xml:lang": "et"},
        {"type": "literal", "value": "", "xml:lang": ""},
        {"type": "literal", "value": "5", "datatype": xsd + "integer"},
        {"type": "literal", "value": "s", "datatype": xsd + "string"},
        {"type": "typed-literal", "value": "5", "datatype": xsd + "integer"},
        {"type": "typed-literal", "value": "s", "datatype": xsd + "string"},
        {"type": "typed-literal", "value": "x", "datatype": ""},
        {"type": "literal", "value": "x", "datatype": xsd + "integer", "xml:lang": "en"},
        {"type": "bnode", "value": "nodeID://b10003"},
        {"type": "uri", "value": "https://example.org/a", "extra": "dropped"},
    ]
    slow = {remote.IRI: lambda t: {"type": "uri", "value": t[1]},
            remote.STRING: lambda t: {"type": "literal", "value": t[1]},
            remote.LANG: lambda t: {"type": "literal", "value": t[1], "xml:lang": t[2]},
            remote.TYPED: lambda t: {"type": "literal", "value": t[1], "datatype": t[2]},
            remote.BNODE: lambda t: {"type": "bnode", "value": t[1]}}
    for term in terms:
        full = remote.json_tuple(term)
        assert remote._canonical_term(term) == slow[full[0]](full), term


def test_a_cut_by_bytes_is_settled_by_the_answer_length_only_when_nothing_can_be_cut():
    import orjson

    from coevidence.server.stores import remote

    solutions = [{"v": {"type": "literal", "value": "x" * 50}} for _ in range(20)]
    body = len(orjson.dumps({"head": {"vars": ["v"]}, "results": {"bindings": solutions}}))
    counted = 20 * (50 + remote.TERM_OVERHEAD_BYTES)
    assert counted <= body
    # within the cap: nothing cut, whether or not the answer's length is known
    assert remote._cut_by_bytes(solutions, body, body) == (solutions, False)
    assert remote._cut_by_bytes(solutions, body) == (solutions, False)
    # under it: the same cut as counting term by term
    assert remote._cut_by_bytes(solutions, 300, body) == remote._cut_by_bytes(solutions, 300) == (solutions[:4], True)
