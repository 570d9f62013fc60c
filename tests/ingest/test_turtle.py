"""The linear Turtle writer gives longturtle's bytes (for graphs without blank nodes) and the same graph."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from coevidence.ingest.build import serialize
from coevidence.ingest.turtle import turtle_bytes
from coevidence.ontology import bind_prefixes

from .conftest import GOLDEN_EXPECTED

BASES = [
    "https://w3id.org/coevidence/id/pilot/", "https://w3id.org/coevidence/id/", "urn:isbn:", "https://w3id.org/coevidence/vocab/stage/", "https://w3id.org/coevidence/ontology#",
    "http://purl.org/dc/terms/", "https://example.org/x/", "http://www.w3.org/2004/02/skos/core#",
]
local = st.text(alphabet="abz09-_.~%()éA", min_size=0, max_size=6)
iris = st.builds(lambda base, name: URIRef(base + name), st.sampled_from(BASES), local)
# predicates in bound namespaces: longturtle names generated prefixes (ns1, ns2) in the order
# its store happens to hold the triples, which no writer can match; this one sorts them
bound = st.builds(lambda base, name: URIRef(base + name), st.sampled_from(["https://w3id.org/coevidence/ontology#", "http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#"]), st.text(alphabet="abz", min_size=1, max_size=4))
predicates = st.one_of(st.sampled_from([RDF.type, RDFS.label]), bound)
literals = st.one_of(
    st.builds(Literal, st.text(max_size=12)),
    st.builds(lambda text, lang: Literal(text, lang=lang), st.text(max_size=8), st.sampled_from(["en", "fi", "pt-BR"])),
    st.builds(Literal, st.integers(-10**6, 10**6)),
    st.builds(Literal, st.decimals(allow_nan=False, allow_infinity=False, places=3)),
    st.builds(Literal, st.booleans()),
    st.builds(lambda text: Literal(text, datatype=XSD.date), st.sampled_from(["2020-01-01", "2020-13-40", "x"])),
    st.builds(lambda text: Literal(text, datatype=URIRef("https://example.org/dt")), st.text(max_size=5)),
)
triples = st.lists(st.tuples(iris, predicates, st.one_of(iris, literals, st.just(RDF.nil))), max_size=40)


def _graph(items) -> Graph:
    graph = bind_prefixes(Graph())
    graph.bind("isbn", "urn:isbn:")
    for triple in items:
        graph.add(triple)
    return graph


@settings(max_examples=50, deadline=None)
@given(triples)
def test_writer_gives_the_bytes_of_longturtle(items):
    graph = _graph(items)
    assert turtle_bytes(graph.triples((None, None, None)), graph.namespace_manager) == graph.serialize(format="longturtle", encoding="utf-8")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(iris, iris, st.one_of(iris, literals)), max_size=30), st.lists(st.tuples(st.integers(0, 3), st.sampled_from([RDFS.seeAlso, RDFS.comment]), st.integers(0, 3)), max_size=6))
def test_writer_with_blank_nodes_keeps_the_graph(items, blank):
    graph = _graph(items)
    for s, p, o in blank:
        graph.add((BNode(f"b{s}"), p, BNode(f"b{o}") if p == RDFS.seeAlso else Literal(o)))
    written = turtle_bytes(graph.triples((None, None, None)), graph.namespace_manager)
    assert isomorphic(Graph().parse(data=written, format="turtle"), graph)


def test_golden_graph_is_written_as_it_is_committed():
    graph = bind_prefixes(Graph()).parse(GOLDEN_EXPECTED)
    assert serialize(graph, "turtle") == GOLDEN_EXPECTED.read_bytes()


def test_prefixes_for_unbound_namespaces_follow_the_sorted_predicates():
    # a predicate in a namespace without a prefix makes the writer learn every predicate
    # first, as longturtle does: ns1, ns2... go to the namespaces in the order of the
    # predicates sorted, whatever order the triples come in
    subject = URIRef("https://w3id.org/coevidence/id/pilot/p")
    items = [(subject, URIRef("https://b.example/v/q"), Literal("b")), (subject, URIRef("https://a.example/v/p"), Literal("a")), (subject, RDFS.label, Literal("x"))]
    namespaces = bind_prefixes(Graph()).namespace_manager
    written = [turtle_bytes(order, namespaces) for order in (items, items[::-1])]
    assert written[0] == written[1]
    text = written[0].decode("utf-8")
    assert "PREFIX ns1: <https://a.example/v/>\nPREFIX ns2: <https://b.example/v/>\n" in text
    assert '    rdfs:label "x" ;\n    ns1:p "a" ;\n    ns2:q "b" ;\n' in text


def test_an_iri_rdflib_refuses_is_refused():
    bad = URIRef("https://w3id.org/coevidence/id/pilot/a b")
    graph = _graph([(bad, RDFS.label, Literal("x"))])
    with pytest.raises(Exception, match="does not look like a valid URI"):
        turtle_bytes(graph.triples((None, None, None)), graph.namespace_manager)
