"""Bound values written into query text by RemoteStore: checked by parsing with rdflib.

Each case is compared with what rdflib's own engine answers when the same values are given
as ``initBindings`` on the original query, over a small graph: the substituted text must be
valid SPARQL and mean the same thing.
"""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery

from coevidence.ontology import COE, ID
from coevidence.server.stores import QueryRejected
from coevidence.server.stores.remote import ntriples_term, query_form, substitute

A = ID["pilot/a"]
B = ID["pilot/b"]


@pytest.fixture
def graph() -> Graph:
    g = Graph()
    for pilot, number, title in ((A, 1, "Alpha"), (B, 2, "Beta")):
        g.add((pilot, COE.pilotNumber, Literal(number)))
        g.add((pilot, COE.wave, Literal(title, lang="en")))
        for index in range(number + 1):
            exchange = ID[f"exchange/{number}-{index}"]
            g.add((exchange, COE.pilot, pilot))
    return g


def rows(result) -> set[tuple]:
    return {tuple(row) for row in result}


CASES = [
    ("SELECT ?pilot ?n WHERE { ?pilot ?p ?n }", {"pilot": A, "p": COE.pilotNumber}),
    ("SELECT * WHERE { ?pilot ?p ?n }", {"pilot": A, "p": COE.pilotNumber}),
    ("SELECT ?pilot (COUNT(?e) AS ?c) WHERE { ?e ?of ?pilot } GROUP BY ?pilot", {"pilot": B, "of": COE.pilot}),
    ("SELECT ?pilot ?w WHERE { ?pilot ?wave ?w FILTER(LANG(?w) = ?lang) } ORDER BY ?pilot", {"lang": Literal("en"), "wave": COE.wave}),
    ("SELECT ?n WHERE { { SELECT ?pilot ?n WHERE { ?pilot ?p ?n } } }", {"pilot": B, "p": COE.pilotNumber}),
    ("SELECT ?pilot WHERE { ?pilot ?p ?n FILTER(?n > ?min) }", {"p": COE.pilotNumber, "min": Literal(1)}),
    ("SELECT ?x WHERE { ?x ?p ?w }", {"w": Literal("Beta", lang="en"), "p": COE.wave}),
    ("ASK { ?pilot ?p 2 }", {"pilot": B, "p": COE.pilotNumber}),
    ("ASK { ?pilot ?p 2 }", {"pilot": A, "p": COE.pilotNumber}),
    ("SELECT ?e WHERE { ?e ?of ?pilot OPTIONAL { ?pilot ?p ?n } }", {"pilot": A, "of": COE.pilot, "p": COE.pilotNumber}),
]


@pytest.mark.parametrize("sparql,bindings", CASES)
def test_substitution_means_the_same_as_bound_values(graph, sparql, bindings):
    text = substitute(sparql, bindings)
    prepareQuery(text)  # parses
    expected = graph.query(sparql, initBindings={Variable(k): v for k, v in bindings.items()})
    actual = graph.query(text)
    if expected.type == "ASK":
        assert actual.askAnswer == expected.askAnswer
    else:
        assert rows(actual) == rows(expected)
        bound_in_projection = [Variable(k) for k in bindings if Variable(k) in expected.vars]
        for variable in bound_in_projection:
            assert variable in actual.vars


def test_substitution_leaves_strings_iris_and_comments_alone():
    text = 'SELECT ?s WHERE { ?s <http://x/?s> "?s" , \'?s\' , """?s""" } # ?s\n'
    out = substitute(text, {"s": A})
    assert '<http://x/?s>' in out and '"?s"' in out and "'?s'" in out and '"""?s"""' in out and "# ?s" in out
    assert f"{A.n3()} <http://x/?s>" in out


def test_substitution_of_dollar_variables():
    out = substitute("SELECT ?n WHERE { $pilot ?p ?n }", {"pilot": A})
    assert A.n3() in out and "$pilot ?p" not in out


def test_substitution_without_bindings_returns_the_text_unchanged():
    text = "SELECT * WHERE { ?s ?p ?o }"
    assert substitute(text, {}) == text
    assert substitute(text, {"unused": A}) == text


@pytest.mark.parametrize(
    "term,expected",
    [
        (Literal('say "hi"\n\\'), '"say \\"hi\\"\\n\\\\"'),
        (Literal("x", lang="en-GB"), '"x"@en-GB'),
        (Literal(5), '"5"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        (Literal("plain"), '"plain"'),
        (A, f"<{A}>"),
    ],
)
def test_terms_are_written_in_ntriples_form(term, expected):
    assert ntriples_term(term) == expected


@pytest.mark.parametrize(
    "term",
    [URIRef("http://x/> } ; DROP ALL #"), URIRef("http://x/a b"), BNode("b1"), Literal("x", datatype=URIRef("http://x/>"))],
)
def test_terms_that_could_break_out_are_refused(term):
    with pytest.raises(QueryRejected):
        ntriples_term(term)


@pytest.mark.parametrize(
    "sparql,form",
    [
        ("PREFIX s: <http://x/select#> # DELETE\nSELECT * {}", "SELECT"),
        ("ask {}", "ASK"),
        ("BASE <http://x/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://x/>", "DESCRIBE"),
        ("PREFIX : <http://x/> INSERT DATA { :a :b :c }", "INSERT"),
        ("WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        ("# nothing", None),
    ],
)
def test_query_form_reads_the_first_keyword(sparql, form):
    assert query_form(sparql) == form
