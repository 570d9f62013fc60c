"""Syntax errors explained in words: line, column, the query's line with a caret under the
place, and never a parser's raw expectation list."""

from __future__ import annotations

import pytest

from coevidence.server.sparql.syntax import explain, snippet

CASES = [
    ("SELECT * WHERE {", 1, 16, "this `{` is never closed: a `}` is missing"),
    ("SELECT * WHERE {\n  ?s ?p ?o\n  FILTER(?o > 1 }", 3, 17, "this `}` closes the `(` opened at line 3, column 9"),
    ("SELECT * WHERE { ?s ?p ?o }}", 1, 28, "this `}` closes nothing that is open"),
    ("SELECT ?x WHERE { ?s ex:p ?o }", 1, 22, "the prefix `ex:` is not declared: add PREFIX ex: <...>"),
    ("SELECT * WHERE { ?s ?p 'abc }", 1, 24, "this string is never closed"),
    ("PREFIX ex <http://x/> SELECT * {}", 1, 8, "PREFIX needs a name ending in a colon"),
    ("SELEC * WHERE {}", 1, 1, "`SELEC` cannot start a query: a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT x", 1, 35, "`x` cannot come here; expected one of a digit"),
    ("PREFIX ex: <http://ex/>\nSELECT (COUNT(?s) ?n) WHERE {}", 2, 23, "`WHERE` cannot come here"),
    ("", 1, 1, "the query is empty"),
    ("ASK { <http://x y> ?p ?o }", 1, 19, "expected a valid IRI"),
]


@pytest.mark.parametrize(("query", "line", "column", "words"), CASES, ids=[c[3][:40] for c in CASES])
def test_a_syntax_error_is_explained_with_its_place_and_a_caret(client, query, line, column, words):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["title"] == "Query syntax error"
    first, shown, caret = error["detail"].split("\n")
    assert first.startswith(f"line {line}, column {column}: "), first
    assert words in first
    assert "['" not in first and "..=" not in first and "Prefix not found" not in first
    assert shown == f"  {line} | " + query.splitlines()[line - 1] if query else shown == "  1 | "
    assert caret.index("^") == len(f"  {line} | ") + column - 1


@pytest.mark.parametrize(("query", "line", "column", "words"), CASES[:6], ids=[c[3][:40] for c in CASES[:6]])
def test_the_same_explanation_in_front_of_a_store_that_can_reach_the_network(make_app, store, query, line, column, words):
    class Networked:  # rdflib reads every query there (thorough mode)
        network_cut = False
        description = store.description

        def __getattr__(self, name):
            return getattr(store, name)

    response = make_app(STORE=Networked()).test_client().get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    first = response.get_json()["error"]["detail"].split("\n")[0]
    assert first.startswith(f"line {line}, column {column}: ") and words in first


def test_the_caret_follows_tabs_and_a_long_line_is_cut_around_it():
    assert snippet("\tSELECT x", 1, 9) == "  1 | \tSELECT x\n    | \t       ^"
    long = "SELECT * WHERE { " + "?s ?p ?o . " * 50 + "oops }"
    shown, caret = snippet(long, 1, long.index("oops") + 1).split("\n")
    assert "oops" in shown and shown.startswith("  1 | …") and len(shown) < 80
    assert shown[caret.index("^"):].startswith("oops")


def test_control_characters_in_the_query_line_are_shown_harmlessly():
    text = explain("SELECT * WHERE { ?s ?p \x1b[31m }", 1, 24, ())
    assert "\x1b" not in text
