"""The query worker's own answers: SPARQL JSON written by pyoxigraph when the query's own
LIMIT keeps it within the row cap, row by row (stopping at the cap) otherwise; both mean
the same."""

from __future__ import annotations

import dataclasses
import json

import pyoxigraph as ox
import pytest

from coevidence.server.stores import worker
from coevidence.server.sparql.writers import CSV, JSON

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
QUERY = "SELECT ?s ?value ?blank WHERE { ?s ?p ?value OPTIONAL { ?s <http://example.org/b> ?blank } } ORDER BY ?s ?value"
TRIPLE_TERM = "SELECT ?t WHERE { BIND(<<( <http://a> <http://b> <http://c> )>> AS ?t) }"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i in range(20):
        subject = ox.NamedNode(f"{EX}s{i:02d}")
        store.add(ox.Quad(subject, ox.NamedNode(EX + "n"), ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer"))))
        store.add(ox.Quad(subject, ox.NamedNode(EX + "label"), ox.Literal(f"label {i}", language="en")))
        store.add(ox.Quad(subject, ox.NamedNode(EX + "note"), ox.Literal(f'a "quoted" note\n{i} "type":"triple"')))
        store.add(ox.Quad(subject, ox.NamedNode(EX + "s"), ox.Literal("typed string", datatype=ox.NamedNode(XSD + "string"))))
    store.add(ox.Quad(ox.NamedNode(f"{EX}s00"), ox.NamedNode(EX + "b"), ox.BlankNode("b1")))
    return store


def answer(store: ox.Store, query: str, max_rows: int, accept=(JSON,)) -> tuple:
    return worker.run(store, (query, (), None, None, False, max_rows, tuple(accept)))


def bindings(response: tuple) -> list[dict]:
    assert response[0] == "encoded" and response[4] == JSON, response
    return json.loads(response[5])["results"]["bindings"]


@pytest.fixture
def native_calls(monkeypatch) -> list[int]:
    """Counts the answers pyoxigraph wrote itself."""
    calls: list[int] = []
    native = worker._native_json

    def counted(*args):
        calls.append(1)
        return native(*args)

    monkeypatch.setattr(worker, "_native_json", counted)
    return calls


def test_a_limit_within_the_cap_is_written_by_pyoxigraph_and_means_the_same(store, native_calls):
    limited = answer(store, QUERY + " LIMIT 30", max_rows=100)
    assert native_calls == [1]
    row_by_row = answer(store, QUERY, max_rows=30)  # no LIMIT: row by row, cut at 30
    assert native_calls == [1]
    assert limited[6] == 30 and limited[7] is False
    assert bindings(limited) == bindings(row_by_row)
    first = bindings(limited)[0]
    assert first["blank"]["type"] == "bnode"
    assert {"type": "literal", "value": "typed string"} in [row["value"] for row in bindings(limited)]


def test_without_a_limit_the_writer_stops_at_the_cap(store, native_calls):
    response = answer(store, QUERY, max_rows=7)
    assert native_calls == []  # pyoxigraph would have written all 80 solutions
    assert response[6] == 7 and response[7] is True
    assert len(bindings(response)) == 7


def test_a_limit_above_the_cap_is_written_row_by_row_and_cut(store, native_calls):
    response = answer(store, QUERY + " LIMIT 50", max_rows=10)
    assert native_calls == []
    assert response[6] == 10 and response[7] is True


def test_a_limit_in_a_subquery_is_not_the_querys_own(store, native_calls):
    subquery = "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 } }"
    response = answer(store, subquery, max_rows=100)
    assert native_calls == [] and response[6] == 3


def test_triple_terms_are_refused_in_every_path(store):
    for query in (TRIPLE_TERM, TRIPLE_TERM + " LIMIT 1"):
        for accept in ((JSON,), (CSV,)):
            response = answer(store, query, max_rows=10, accept=accept)
            assert response[0] == "invalid" and "triple term" in response[1]


def test_a_limit_equal_to_the_cap_is_written_by_pyoxigraph(store, native_calls):
    response = answer(store, QUERY + " LIMIT 10", max_rows=10)
    assert native_calls == [1] and response[6] == 10 and response[7] is False


@pytest.mark.parametrize(
    "query",
    [
        # a less-than sign that looks like the start of an IRI hides a comment...
        "SELECT ?s WHERE { ?s ?p ?o FILTER(1<2)#>} LIMIT 1\n}",
        # ...or a quote, which then hides a subquery's braces
        "SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o FILTER(1<'>'||true||'}}'='') } LIMIT 1 } ?a ?b ?c }",
    ],
)
def test_a_limit_the_engine_does_not_see_is_not_trusted(store, native_calls, query):
    response = answer(store, query, max_rows=5)
    assert native_calls == []
    assert response[6] == 5 and response[7] is True


class CountingStore:
    """A store that counts the queries run on it."""

    def __init__(self, store: ox.Store) -> None:
        self.store, self.queries = store, 0

    def query(self, *args, **options):
        self.queries += 1
        return self.store.query(*args, **options)


def test_a_result_that_outgrows_its_buffer_is_run_again_row_by_row(store, monkeypatch):
    monkeypatch.setattr(worker, "NATIVE_BYTES_PER_ROW", 10)  # far less than one row
    counting = CountingStore(store)
    response = answer(counting, QUERY + " LIMIT 30", max_rows=30)  # type: ignore[arg-type]
    assert counting.queries == 2
    assert response[6] == 30 and response[7] is False
    assert bindings(response) == bindings(answer(store, QUERY, max_rows=30))


def test_more_solutions_than_the_cap_are_cut_even_if_the_limit_was_misread(store, monkeypatch):
    misread = worker.scan_query(QUERY)
    monkeypatch.setattr(worker, "scan_query", lambda text: dataclasses.replace(misread, limit=3))
    response = answer(store, QUERY, max_rows=5)
    assert response[6] == 5 and response[7] is True and len(bindings(response)) == 5


def test_the_limit_the_web_process_scanned_is_used_without_scanning_again(store, native_calls, monkeypatch):
    """The web process scans each named query once (cached); the worker sees it with bound
    values written in, a new text for every value, so it takes the LIMIT from the request."""
    def refuse(text):
        raise AssertionError("the worker scanned the query again")

    monkeypatch.setattr(worker, "scan_query", refuse)
    response = worker.run(store, (QUERY + " LIMIT 4", (), None, None, False, 100, (JSON,), None, 4))
    assert len(native_calls) == 1 and response[6] == 4 and response[7] is False


def test_other_formats_are_written_row_by_row(store, native_calls):
    response = answer(store, QUERY + " LIMIT 4", max_rows=100, accept=(CSV,))
    assert native_calls == []
    assert response[4] == CSV and response[6] == 4 and response[7] is False


def test_a_worker_whose_server_went_away_ends_quietly(store):
    """The answer cannot be sent when the server has closed its end (it stopped, or gave up
    on the query): the worker ends without a traceback on the server's console."""
    import multiprocessing

    ours, theirs = multiprocessing.Pipe()
    ours.send((QUERY + " LIMIT 2", (), None, None, False, 10, (JSON,)))
    ours.close()
    assert worker.answer_requests(theirs, store) is None  # returned, raised nothing
