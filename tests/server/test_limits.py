"""Row cap, time limit and their per-request lowering; a timed-out query really stops."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from coevidence.server.stores import QueryTimeout
from coevidence.server.stores.oxigraph import OxigraphStore

from tests.server.conftest import client_at

PILOTS = Path(__file__).parent / "data" / "pilots.ttl"
#: minutes of work on the fixture data (with the ontology and vocabularies: a few thousand
#: triples, so a four-way cartesian product has more than 10^13 solutions to count)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/coevidence/ontology#Pilot> }"
PATIENCE_S = 60.0


# -- rows ----------------------------------------------------------------------------------


def test_row_cap_truncates_and_says_so(make_app):
    client = make_app(MAX_ROWS=3).test_client()
    response = client.get("/sparql", query_string={"query": LABELS})
    assert response.status_code == 200
    assert len(response.get_json()["results"]["bindings"]) == 3
    assert response.headers["X-Result-Truncated"] == "true"
    assert response.headers["X-Max-Rows"] == "3"
    assert response.headers["X-Result-Rows"] == "3"


def test_result_under_the_cap_is_not_marked_truncated(make_app):
    client = make_app(MAX_ROWS=3).test_client()
    response = client.get("/sparql", query_string={"query": LABELS + " LIMIT 2"})
    assert len(response.get_json()["results"]["bindings"]) == 2
    assert response.headers["X-Result-Truncated"] == "false"
    response = client.get("/sparql", query_string={"query": LABELS + " LIMIT 3"})
    assert response.headers["X-Result-Truncated"] == "false"  # exactly the cap, nothing more


def test_request_may_lower_the_row_cap_but_not_raise_it(make_app):
    client = make_app(MAX_ROWS=3).test_client()
    lowered = client.get("/sparql", query_string={"query": LABELS, "max-rows": "1"})
    assert len(lowered.get_json()["results"]["bindings"]) == 1
    assert lowered.headers["X-Max-Rows"] == "1"
    raised = client.get("/sparql", query_string={"query": LABELS, "max-rows": "1000"})
    assert len(raised.get_json()["results"]["bindings"]) == 3
    assert raised.headers["X-Max-Rows"] == "3"
    assert raised.headers["X-Result-Truncated"] == "true"


def test_row_cap_applies_to_graphs(make_app):
    client = make_app(MAX_ROWS=5).test_client()
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert len([line for line in response.get_data(as_text=True).splitlines() if line.strip()]) == 5
    assert response.headers["X-Result-Truncated"] == "true"


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xml"])
def test_truncation_header_in_every_format(make_app, fmt):
    client = make_app(MAX_ROWS=2).test_client()
    response = client.get("/sparql", query_string={"query": LABELS, "format": fmt})
    assert response.headers["X-Result-Truncated"] == "true"


def test_truncation_is_visible_in_html(make_app):
    client = make_app(MAX_ROWS=2).test_client()
    response = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept": "text/html"})
    page = BeautifulSoup(response.data, "html.parser")
    note = page.select_one("#truncated")
    assert note is not None and "first 2 rows" in note.get_text()
    assert len(page.select("#results tbody tr")) == 2


# -- time ----------------------------------------------------------------------------------


def test_timed_out_query_gets_its_worker_killed_and_replaced():
    """Its exit status is read once, by the zygote, however many threads ask for the status
    meanwhile (on main, a join racing status() read the forkserver's pipe twice: exit 255)."""
    with OxigraphStore.load([PILOTS], workers=1) as store:
        (pid,) = store._pool.pids()["workers"]
        stop = threading.Event()

        def ask_status() -> None:
            while not stop.is_set():
                store.status()

        askers = [threading.Thread(target=ask_status) for _ in range(4)]
        for asker in askers:
            asker.start()
        try:
            with pytest.raises(QueryTimeout, match="time limit of 0.5 s"):
                store.query(RUNAWAY, timeout=0.5, max_rows=10)
            deadline = time.monotonic() + PATIENCE_S
            while pid not in [ended[0] for ended in store._pool.ended]:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        finally:
            stop.set()
            for asker in askers:
                asker.join()
        # stopped, not left running, and the pool knows why
        assert (pid, -signal.SIGKILL, "time limit of 0.5 s") in store._pool.ended
        deadline = time.monotonic() + PATIENCE_S
        while {key: store.status()[key] for key in ("size", "alive", "idle")} != {"size": 1, "alive": 1, "idle": 1}:
            assert time.monotonic() < deadline, store.status()
            time.sleep(0.05)
        result = store.query(SMALL, timeout=5, max_rows=10)
        assert int(result.rows[0][result.variables[0]]) == 3


def test_timeout_is_503_naming_the_limit_and_request_may_only_lower_it(make_app):
    client = make_app(SPARQL_TIMEOUT_S=1, DATA_PATHS=[PILOTS], WORKERS=1).test_client()
    response = client.get("/sparql", query_string={"query": RUNAWAY, "timeout": "100"})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["title"] == "Query timed out"
    assert "time limit of 1 s" in error["detail"]
    response = client.get("/sparql", query_string={"query": RUNAWAY, "timeout": "0.7"})
    assert response.status_code == 503
    assert "time limit of 0.7 s" in response.get_json()["error"]["detail"]


def test_a_request_cannot_ask_for_less_than_the_floor(make_app):
    """timeout=0.001 cost a worker per request (a kill and, on main, a reload of the data)."""
    client = make_app(SPARQL_TIMEOUT_S=2, MIN_TIMEOUT_S=0.6, DATA_PATHS=[PILOTS], WORKERS=1).test_client()
    response = client.get("/sparql", query_string={"query": RUNAWAY, "timeout": "0.001"})
    assert response.status_code == 503
    assert "time limit of 0.6 s" in response.get_json()["error"]["detail"]
    # and the floor never lifts the server's own limit
    client = make_app(SPARQL_TIMEOUT_S=0.4, MIN_TIMEOUT_S=0.6, DATA_PATHS=[PILOTS], WORKERS=1).test_client()
    response = client.get("/sparql", query_string={"query": RUNAWAY, "timeout": "0.001"})
    assert "time limit of 0.4 s" in response.get_json()["error"]["detail"]


@pytest.mark.slow
def test_live_server_serves_others_while_a_query_runs_out_of_time(start_server):
    with start_server("--data", str(PILOTS), "--timeout", "4", "--workers", "2") as server:
        server.wait_for_workers(2)
        outcome: dict = {}

        def run_away() -> None:
            outcome["response"] = requests.get(server.url, params={"query": RUNAWAY}, timeout=120)

        runner = threading.Thread(target=run_away)
        runner.start()
        deadline = time.monotonic() + PATIENCE_S
        while server.health()["workers"]["idle"] != 1:  # the runaway holds one worker
            assert time.monotonic() < deadline
            time.sleep(0.02)

        health = requests.get(server.base + "/health", timeout=10)
        # from another address: the runaway's client has its one query running
        small = client_at("127.0.0.2").get(server.url, params={"query": SMALL}, timeout=30)
        assert health.status_code == 200
        assert small.status_code == 200
        assert small.json()["results"]["bindings"][0]["n"]["value"] == "3"
        assert runner.is_alive(), "the runaway query should still be running"

        runner.join(PATIENCE_S)
        response = outcome["response"]
        assert response.status_code == 503
        assert "time limit of 4 s" in response.json()["error"]["detail"]
        server.wait_for_workers(2)
        assert requests.get(server.url, params={"query": SMALL}, timeout=30).status_code == 200


@pytest.mark.slow
def test_health_answers_even_when_every_thread_could_be_waiting(start_server):
    """THREADS=3, WORKERS=1: two queries may be in flight (one runs, one waits for the
    worker); a third is refused at once, and /health still answers."""
    with start_server("--data", str(PILOTS), "--timeout", "5", "--workers", "1", "--threads", "3") as server:
        server.wait_for_workers(1)
        outcomes: list = []

        def run_away() -> None:
            outcomes.append(requests.get(server.url, params={"query": RUNAWAY}, timeout=120))

        runners = [threading.Thread(target=run_away) for _ in range(2)]
        runners[0].start()
        deadline = time.monotonic() + PATIENCE_S
        while server.health()["workers"]["idle"] != 0:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        runners[1].start()
        time.sleep(0.5)  # let the second one take its slot (ordering, not a timing assertion)

        # refused at once when both slots are held; should the second runaway not hold its
        # slot yet, this one waits its 1 s for the busy worker instead: 503 either way
        refused = requests.get(server.url, params={"query": SMALL, "timeout": "1"}, timeout=30)
        health = requests.get(server.base + "/health", timeout=10)
        assert refused.status_code == 503
        assert refused.json()["error"]["title"] == "Store unavailable"
        assert "busy" in refused.json()["error"]["detail"]
        assert refused.headers["Retry-After"]
        assert health.status_code == 200
        assert all(runner.is_alive() for runner in runners)

        for runner in runners:
            runner.join(PATIENCE_S)
        assert sorted(r.status_code for r in outcomes) == [503, 503]
        server.wait_for_workers(1)
        assert requests.get(server.url, params={"query": SMALL}, timeout=30).status_code == 200
