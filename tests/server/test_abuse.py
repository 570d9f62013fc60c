"""The endpoint tried as a hostile user would: memory and byte ceilings, half-open and slow
connections, one client hogging the workers, a burst on a cold start, a folder named like
the package. Every break found this way is kept here."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import queue
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from coevidence.server.stores.oxigraph import OxigraphStore
from tests.server.conftest import EXTRA, PILOTS, RUNAWAY_QUERY, client_at

QUESTIONS = Path(__file__).resolve().parents[2] / "data" / "questions"
SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/coevidence/ontology#Pilot> }"
PATIENCE_S = 60.0
MB = 1024 * 1024


def doubling(times: int, seed: int = 1000) -> str:
    """A short query whose string doubles *times* times: seed x 2^times characters."""
    binds = [f'BIND("{"x" * seed}" AS ?v0)'] + [f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(times)]
    return f"SELECT ?p (STRLEN(?v{times}) AS ?n) ?v{times} WHERE {{ ?p a <https://w3id.org/coevidence/ontology#Pilot> {' '.join(binds)} }}"


# -- unbounded work within the limits ------------------------------------------------------


def test_a_query_past_its_memory_ceiling_fails_clearly_and_its_worker_is_replaced(make_app, caplog):
    """On main, a 2 KB query doubling a string reached 3 GB in its worker."""
    app = make_app(DATA_PATHS=[PILOTS], WORKERS=1, WORKER_MEMORY_MB=128, SPARQL_TIMEOUT_S=20)
    client = app.test_client()
    query = doubling(24).replace("?p a <https://w3id.org/coevidence/ontology#Pilot>", "")
    assert len(query.encode()) < 2048
    with caplog.at_level(logging.ERROR):
        response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "more memory than the limit of 128 MB" in response.get_json()["error"]["detail"]
    assert "most likely past its memory ceiling of 128 MB" in caplog.text
    store = app.extensions["coevidence.store"]
    deadline = time.monotonic() + PATIENCE_S
    while store.status()["idle"] != 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert client.get("/sparql", query_string={"query": SMALL}).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "csv", "xml"])
@pytest.mark.parametrize("limit", ["", " LIMIT 3"])
def test_answers_are_cut_at_the_byte_ceiling_and_say_so(make_app, fmt, limit):
    """Rows of 512 KB each (3 pilots in the fixture): a ceiling of 1 MB keeps fewer rows; on
    main every byte was sent (a 256 MB row after 5.4 s, past the time limit)."""
    client = make_app(MAX_RESPONSE_MB=1).test_client()
    response = client.get("/sparql", query_string={"query": doubling(9) + limit, "format": fmt})
    assert response.status_code == 200
    assert response.headers["X-Max-Bytes"] == str(MB)
    assert response.headers["X-Result-Truncated"] == "true"
    assert len(response.data) < 2 * MB
    whole = client.get("/sparql", query_string={"query": doubling(1) + limit, "format": fmt})
    assert whole.headers["X-Result-Truncated"] == "false"
    assert int(whole.headers["X-Result-Rows"]) == 3


def test_a_single_row_past_the_ceiling_is_not_sent(make_app):
    client = make_app(MAX_RESPONSE_MB=1).test_client()
    response = client.get("/sparql", query_string={"query": doubling(11) + " LIMIT 1"})
    assert response.status_code == 200
    assert response.headers["X-Result-Rows"] == "0"
    assert response.headers["X-Result-Truncated"] == "true"
    assert len(response.data) < MB


# -- a folder named like the package --------------------------------------------------------


def test_serve_works_from_a_folder_holding_a_directory_named_coevidence(tmp_path, start_server):
    """On main the workers imported `coevidence` from the current folder and never started."""
    (tmp_path / "coevidence").mkdir()
    (tmp_path / "coevidence" / "notes.txt").write_text("mine")
    command = [str(Path(sys.executable).parent / "coevidence")]
    if not Path(command[0]).exists():
        command = [sys.executable, "-m", "coevidence"]
    with start_server("--data", str(PILOTS), "--workers", "1", cwd=tmp_path, command=command) as server:
        server.wait_for_workers(1)
        response = requests.get(server.url, params={"query": SMALL}, timeout=30)
        assert response.status_code == 200
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "3"


# -- connections -------------------------------------------------------------------------------


@pytest.mark.slow
def test_half_open_connections_do_not_silence_health(start_server):
    """On main, 150 connections holding half a request each silenced /health."""
    with start_server("--data", str(PILOTS), "--workers", "1") as server:
        server.wait_for_workers(1)
        host, port = server.base.removeprefix("http://").split(":")
        held = []
        try:
            for _ in range(300):
                connection = socket.create_connection((host, int(port)), timeout=5)
                connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # no end of headers
                held.append(connection)
            started = time.monotonic()
            health = requests.get(server.base + "/health", timeout=5)
            took = time.monotonic() - started
            query = requests.get(server.url, params={"query": SMALL}, timeout=5)
        finally:
            for connection in held:
                connection.close()
        assert health.status_code == 200, took
        assert query.status_code == 200


@pytest.mark.slow
def test_slow_clients_hold_no_worker_and_block_no_one(start_server):
    """A client sending its request a byte at a time, and one not reading a large answer,
    hold neither a worker nor a thread: others are answered, both workers stay idle."""
    with start_server("--data", str(PILOTS), "--data", str(EXTRA), "--workers", "2") as server:
        server.wait_for_workers(2)
        host, port = server.base.removeprefix("http://").split(":")
        body = b"query=" + requests.utils.quote(SMALL).encode()
        senders = []
        for i in range(4):  # slow senders: headers, then part of the body
            sender = socket.create_connection((host, int(port)), timeout=5)
            sender.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10]
            )
            senders.append(sender)
        readers = []
        for i in range(4):  # slow readers: a large answer, never read
            reader = socket.socket()
            reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            reader.connect((host, int(port)))
            reader.sendall(
                b"GET /sparql?format=nt&query=" + requests.utils.quote("CONSTRUCT WHERE { ?s ?p ?o }").encode()
                + b" HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            readers.append(reader)
        try:
            # the readers' answers are made and handed to the server: the workers go idle
            # although no reader has read a byte
            deadline = time.monotonic() + PATIENCE_S
            while requests.get(server.base + "/health", timeout=5).json()["workers"]["idle"] != 2:
                assert time.monotonic() < deadline, "a slow reader holds a worker"
                time.sleep(0.05)
            for address in ("127.0.0.2", "127.0.0.3"):
                answer = client_at(address).get(server.url, params={"query": SMALL}, timeout=5)
                assert answer.status_code == 200
            for sender in senders:  # finish the slow requests: they are answered
                sender.sendall(body[10:])
            for sender in senders:
                assert sender.recv(100).startswith(b"HTTP/1.1 200")
        finally:
            for connection in senders + readers:
                connection.close()


# -- one client hogging the workers ----------------------------------------------------------


@pytest.mark.slow
def test_a_runaway_a_second_from_one_client_does_not_starve_the_others(start_server):
    """On main, one runaway query a second made 79% of six other clients' fast queries fail
    with "busy". Each client has its own loopback address."""
    with start_server("--data", str(PILOTS), "--workers", "2", "--timeout", "2") as server:
        server.wait_for_workers(2)
        stop = threading.Event()
        attack: list[int] = []
        victims: list[int] = []
        health: list[int] = []

        def attacker() -> None:
            session = client_at("127.0.0.2")
            response = session.get(server.url, params={"query": RUNAWAY_QUERY}, timeout=30)
            attack.append(response.status_code)

        def victim(address: str) -> None:
            session = client_at(address)
            while not stop.is_set():
                victims.append(session.get(server.url, params={"query": SMALL}, timeout=30).status_code)

        threads = [threading.Thread(target=victim, args=(f"127.0.0.{20 + i}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        attackers = []
        try:
            for _ in range(6):
                attackers.append(threading.Thread(target=attacker))
                attackers[-1].start()
                health.append(requests.get(server.base + "/health", timeout=5).status_code)
                time.sleep(1)
        finally:
            stop.set()
            for thread in threads + attackers:
                thread.join(PATIENCE_S)
        assert set(attack) <= {503}
        assert len(victims) > 60
        assert [status for status in victims if status != 200] == []
        assert health == [200] * 6


# -- a cold start --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_fresh_server_answers_a_16_way_burst_of_every_question(start_server):
    """The deployment guide's rolling restart sends a burst to a fresh server, all from one
    address (the proxy's): it is answered in turn, not refused as that client's fair share."""
    questions = sorted(QUESTIONS.glob("*.rq"))
    assert len(questions) >= 23  # the 23, and those the evidence model added
    with start_server("--workers", "2") as server:
        work: queue.Queue[Path] = queue.Queue()
        for question in questions:
            work.put(question)
        answers: dict[str, int] = {}

        def client(_: int) -> None:
            session = requests.Session()
            while True:
                try:
                    question = work.get_nowait()
                except queue.Empty:
                    return
                response = session.post(server.url, data={"query": question.read_text()},
                                        headers={"Accept": "application/sparql-results+json"}, timeout=60)
                answers[question.stem] = response.status_code
                if response.status_code != 200:
                    answers[question.stem + ":detail"] = response.text[:300]

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            list(pool.map(client, range(16)))
        refused = {name: detail for name, detail in answers.items() if name.endswith(":detail")}
        assert refused == {}
        assert answers == {q.stem: 200 for q in questions}
