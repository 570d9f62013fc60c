"""The result cache: repeated questions answered from memory, for one data version only."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef, Variable

from coevidence.server.stores import QueryResult, QueryTimeout
from coevidence.server.stores.cache import CachedStore, cost

PILOTS = "SELECT ?p WHERE { ?p a <https://w3id.org/coevidence/ontology#Pilot> } ORDER BY ?p"


class CountingStore:
    """A stand-in store that counts the questions it is asked and can change its version."""

    description = "counting"

    def __init__(self, rows: int = 3) -> None:
        self.calls = 0
        self.version = "v1"
        self.rows = rows
        self.fail_with: Exception | None = None
        self.status_called = False

    def query(self, sparql, *, bindings=None, default_graph_uris=(), named_graph_uris=(), timeout, max_rows, accept=()):
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        x = Variable("x")
        rows = [{x: Literal(f"{self.version}-{n}-{sparql[:10]}")} for n in range(min(self.rows, max_rows))]
        return QueryResult("bindings", [x], rows, truncated=self.rows > max_rows)

    def data_version(self):
        return self.version

    def status(self):
        self.status_called = True
        return {"alive": 1}

    def close(self):
        pass


def ask(store, sparql="SELECT ?x {}", **options):
    options.setdefault("timeout", 5)
    options.setdefault("max_rows", 100)
    return store.query(sparql, **options)


def test_a_repeated_question_is_answered_from_memory():
    inner = CountingStore()
    cached = CachedStore(inner, 1 << 20)
    first, second = ask(cached), ask(cached)
    assert inner.calls == 1
    assert not first.cached and second.cached
    assert second.rows == first.rows
    assert cached.cache_status()["hits"] == 1 and cached.cache_status()["misses"] == 1


@pytest.mark.parametrize(
    "other",
    [
        {"sparql": "SELECT ?y {}"},
        {"max_rows": 2},
        {"bindings": {"x": URIRef("https://example.org/a")}},
        {"default_graph_uris": ["https://example.org/g"]},
        {"named_graph_uris": ["https://example.org/g"]},
        {"accept": ["text/csv"]},
    ],
    ids=lambda other: next(iter(other)),
)
def test_each_part_of_the_question_keys_the_answer(other):
    inner = CountingStore()
    cached = CachedStore(inner, 1 << 20)
    ask(cached)
    ask(cached, **other)
    assert inner.calls == 2


def test_a_new_data_version_drops_every_answer():
    inner = CountingStore()
    cached = CachedStore(inner, 1 << 20)
    ask(cached)
    inner.version = "v2"
    answer = ask(cached)
    assert inner.calls == 2 and not answer.cached
    assert str(answer.rows[0][Variable("x")]).startswith("v2-")
    assert cached.cache_status()["entries"] == 1


def test_an_answer_computed_while_the_version_changed_is_not_kept():
    class Switching(CountingStore):
        def query(self, *args, **kwargs):
            result = super().query(*args, **kwargs)
            self.version = f"v{self.calls + 1}"  # the data changed while the query ran
            return result

    inner = Switching()
    cached = CachedStore(inner, 1 << 20)
    ask(cached)
    ask(cached)
    assert inner.calls == 2 and cached.cache_status()["entries"] == 0


def test_failed_and_timed_out_questions_are_never_kept():
    inner = CountingStore()
    inner.fail_with = QueryTimeout("too slow")
    cached = CachedStore(inner, 1 << 20)
    for _ in range(2):
        with pytest.raises(QueryTimeout):
            ask(cached)
    assert inner.calls == 2 and cached.cache_status()["entries"] == 0


def test_the_budget_drops_the_least_recently_used_first():
    inner = CountingStore(rows=10)
    one = cost(ask(CountingStore(rows=10)))
    cached = CachedStore(inner, one * 4 + one // 2)  # room for four answers
    for name in "abcd":
        ask(cached, f"SELECT ?{name} {{}}")
    ask(cached, "SELECT ?a {}")  # ?a is now the most recently used
    ask(cached, "SELECT ?e {}")  # so ?b goes
    status = cached.cache_status()
    assert status["entries"] == 4 and status["bytes"] <= status["max_bytes"]
    calls = inner.calls
    ask(cached, "SELECT ?a {}")
    assert inner.calls == calls
    ask(cached, "SELECT ?b {}")
    assert inner.calls == calls + 1


def test_an_answer_above_a_quarter_of_the_budget_is_not_kept():
    inner = CountingStore(rows=1000)
    cached = CachedStore(inner, cost(ask(CountingStore(rows=1000))) * 3)
    ask(cached)
    ask(cached)
    assert inner.calls == 2


def test_what_else_the_store_offers_reads_through():
    inner = CountingStore()
    cached = CachedStore(inner, 1 << 20)
    assert cached.status() == {"alive": 1} and inner.status_called
    assert cached.description == "counting" and cached.data_version() == "v1"


def test_the_endpoint_marks_a_hit_and_health_counts_it(client):
    first = client.get("/sparql", query_string={"query": PILOTS}, headers={"Accept": "application/sparql-results+json"})
    second = client.get("/sparql", query_string={"query": PILOTS}, headers={"Accept": "application/sparql-results+json"})
    assert first.status_code == second.status_code == 200
    assert "engine;dur=" in first.headers["Server-Timing"]
    assert second.headers["Server-Timing"] == 'cache;desc="hit"'
    assert second.get_json() == first.get_json()
    cache = client.get("/health").get_json()["cache"]
    assert cache["hits"] >= 1 and cache["entries"] >= 1


def test_a_hit_is_written_in_each_format_asked_for(client):
    for accept in ("text/csv", "application/sparql-results+json", "text/csv"):
        response = client.get("/sparql", query_string={"query": PILOTS}, headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == accept
    assert response.headers["Server-Timing"] == 'cache;desc="hit"'
    assert response.text.splitlines()[0] == "p"


def test_the_cache_can_be_turned_off(make_app):
    client = make_app(RESULT_CACHE_BYTES=0).test_client()
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": PILOTS}, headers={"Accept": "text/csv"})
    assert "engine;dur=" in response.headers["Server-Timing"]
    assert "cache" not in client.get("/health").get_json()
