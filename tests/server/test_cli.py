"""`coevidence serve`: starts, prints its URL, stops cleanly; fails with exit 2 and one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PILOTS = Path(__file__).parent / "data" / "pilots.ttl"


def run_serve(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COEVIDENCE_")}
    return subprocess.run(
        [sys.executable, "-m", "coevidence", "serve", *args],
        capture_output=True, text=True, timeout=timeout, env=env,
    )


def test_serve_prints_its_url_and_answers(start_server):
    with start_server("--data", str(PILOTS), "--workers", "1") as server:
        health = server.wait_for_workers(1)  # and for the warm-up, which holds the one worker
        assert health["warm_up"]["version"] == health["data_version"]
        assert health["warm_up"]["seconds"] >= 0
        workers = health["workers"]
        assert {key: workers[key] for key in ("size", "alive", "idle")} == {"size": 1, "alive": 1, "idle": 1}
        assert isinstance(workers["network_cut"], bool)
        response = requests.get(server.url, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert response.json()["boolean"] is True
        assert response.headers["Server"] == "coevidence"  # waitress, not the development server


def descendants(pid: int) -> set[int]:
    """Every process below *pid* (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_serve_stops_cleanly_with_its_workers(start_server):
    with start_server("--data", str(PILOTS), "--workers", "2") as server:
        below = descendants(server.process.pid)
        assert len(below) >= 2  # the two workers (and the process that forks them)
        process = server.process
    assert process.returncode == 0, "".join(server.output[-40:])  # SIGTERM is a clean stop
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in below) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in below)


def test_missing_data_file_exits_2_with_one_line(tmp_path):
    result = run_serve("--data", str(tmp_path / "missing.ttl"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"coevidence serve: error: {tmp_path / 'missing.ttl'}: no such data file"]


def test_data_that_does_not_parse_exits_2_naming_file_and_line(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:d ex:e .\n")
    result = run_serve("--data", str(broken))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"coevidence serve: error: {broken}: ") and "line 3" in line
    assert "Traceback" not in result.stderr


def test_port_in_use_exits_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve("--data", str(PILOTS), "--workers", "1", "--port", str(port))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", str(PILOTS), "--store", "x"], "choose one of --data, --store and --endpoint"),
        (["--data", str(PILOTS), "--timeout", "0"], "setting SPARQL_TIMEOUT_S: '0.0' must be a number above 0"),
        (["--data", str(PILOTS), "--workers", "0"], "setting WORKERS"),
        (["--store", str(PILOTS.parent)], "not an Oxigraph store"),
    ],
)
def test_bad_options_exit_2_with_a_message(args, message):
    result = run_serve(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_a_persistent_store(start_server, tmp_path):
    from coevidence.server.stores.oxigraph import write_store

    write_store([PILOTS], tmp_path / "store")
    with start_server("--store", str(tmp_path / "store"), "--workers", "1") as server:
        response = requests.get(
            server.url,
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/coevidence/ontology#Pilot> }"},
            timeout=30,
        )
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "3"
