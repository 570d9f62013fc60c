"""The query worker's own answers: JSON written by pyoxigraph, cut at the row cap, and the
row-by-row writer it falls back to when a result outgrows its buffer."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from coevidence.server.stores import worker
from coevidence.server.writers import CSV, JSON

EX = "http://example.org/"
QUERY = "SELECT ?s ?value WHERE { ?s ?p ?value } ORDER BY ?s ?value"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i in range(20):
        subject = ox.NamedNode(f"{EX}s{i:02d}")
        store.add(ox.Quad(subject, ox.NamedNode(EX + "n"), ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
        store.add(ox.Quad(subject, ox.NamedNode(EX + "label"), ox.Literal(f"label {i}", language="en")))
        store.add(ox.Quad(subject, ox.NamedNode(EX + "note"), ox.Literal(f'a "quoted" note\n{i}')))
    return store


def answer(store: ox.Store, max_rows: int, accept=(JSON,)) -> tuple:
    return worker.run(store, (QUERY, (), None, None, False, max_rows, tuple(accept)))


def bindings(response: tuple) -> list[dict]:
    assert response[0] == "encoded" and response[4] == JSON
    return json.loads(response[5])["results"]["bindings"]


def row_by_row(store: ox.Store, max_rows: int) -> list[dict]:
    names, rows, _ = worker._solutions(store.query(QUERY), max_rows)
    return json.loads(worker.SOLUTION_WRITERS[JSON](names, rows))["results"]["bindings"]


def test_json_under_the_cap_is_whole_and_not_truncated(store):
    response = answer(store, max_rows=100)
    assert response[6] == 60 and response[7] is False
    assert bindings(response) == row_by_row(store, 100)


def test_json_over_the_cap_is_cut_and_says_so(store):
    response = answer(store, max_rows=7)
    assert response[6] == 7 and response[7] is True
    assert bindings(response) == row_by_row(store, 7)
    assert json.loads(response[5])["head"]["vars"] == ["s", "value"]


def test_exactly_the_cap_is_not_truncated(store):
    response = answer(store, max_rows=60)
    assert response[6] == 60 and response[7] is False


def test_a_result_that_outgrows_its_buffer_is_run_again_row_by_row(store, monkeypatch):
    monkeypatch.setattr(worker, "NATIVE_BYTES_PER_ROW", 10)  # far less than a row
    response = answer(store, max_rows=5)
    assert response[6] == 5 and response[7] is True
    assert bindings(response) == row_by_row(store, 5)


def test_other_formats_are_written_row_by_row(store):
    response = answer(store, max_rows=4, accept=(CSV,))
    assert response[4] == CSV and response[6] == 4 and response[7] is True
    assert response[5].decode().count("\r\n") == 5  # header and four rows
