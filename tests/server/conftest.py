"""Fixtures for the endpoint tests: a store on the fixture data, apps, a live server, a listener."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from coevidence.server import create_app
from coevidence.server.stores.oxigraph import OxigraphStore

DATA = Path(__file__).parent / "data"
PILOTS = DATA / "pilots.ttl"
EXTRA = DATA / "extra.ttl"
GRAPH_PILOTS = "https://w3id.org/coevidence/graph/pilots"
GRAPH_EXTRA = "https://w3id.org/coevidence/graph/extra"
#: long enough for minutes of work on the fixture data (four-way cartesian product)
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: how long a test waits for something that should happen (not a timing assertion)
PATIENCE_S = 60.0


@pytest.fixture(scope="session")
def store():
    """The embedded store on the fixture data, shared (it is read-only)."""
    with OxigraphStore.load([PILOTS, EXTRA], workers=2) as shared:
        yield shared


@pytest.fixture
def app(store):
    """A fresh app on the shared store."""
    return create_app({"STORE": store, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_app(store):
    """Build an app with other settings; one that opens its own store has it closed after."""
    built = []

    def make(**settings):
        if "DATA_PATHS" not in settings and "STORE_DIR" not in settings:
            settings.setdefault("STORE", store)
        application = create_app({"TESTING": True, **settings})
        built.append((application, "STORE" not in settings))
        return application

    yield make
    for application, owns_store in built:
        if owns_store:
            application.extensions["coevidence.store"].close()


class _SourceAddressAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def client_at(address: str) -> requests.Session:
    """A requests session whose connections come from *address* (any of 127.0.0.0/8 on
    Linux): to the server, another client (CLIENT_QUERIES is a share per address)."""
    session = requests.Session()
    session.mount("http://", _SourceAddressAdapter(address))
    return session


class LoopbackListener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts (in accept order)."""

    def __init__(self) -> None:
        self.connections = 0
        listener = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(OSError):
                    self.request.recv(65536)
                    self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True

            def process_request(self, request, client_address):
                listener.connections += 1
                super().process_request(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def settled_connections(self, patience_s: float = PATIENCE_S) -> int:
        """Connections made before now: send a probe, wait until it is counted, subtract it."""
        before = self.connections
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as probe:
            probe.sendall(b"GET / HTTP/1.0\r\n\r\n")
            probe.recv(100)
        deadline = time.monotonic() + patience_s
        while self.connections <= before and time.monotonic() < deadline:
            time.sleep(0.01)
        self.connections -= 1
        return self.connections

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    running = LoopbackListener()
    # prove it works: one connection of our own, then reset the count
    with socket.create_connection(("127.0.0.1", running.port), timeout=5) as probe:
        probe.sendall(b"GET / HTTP/1.0\r\n\r\n")
        probe.recv(100)
    deadline = time.monotonic() + PATIENCE_S
    while running.connections < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.connections == 1
    running.connections = 0
    yield running
    running.close()


@dataclass
class LiveServer:
    url: str  # the endpoint, http://127.0.0.1:PORT/sparql
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen
    output: list[str]

    def health(self) -> dict:
        return requests.get(self.base + "/health", timeout=10).json()

    def wait_for_workers(self, count: int) -> dict:
        deadline = time.monotonic() + PATIENCE_S
        while True:
            health = self.health()
            warming = health.get("warm_up") or {}
            if health["workers"]["alive"] == count and health["workers"]["idle"] == count and not warming.get("running"):
                return health  # every worker idle, the warm-up (which holds one while it runs) done
            if time.monotonic() > deadline:
                raise AssertionError(f"workers never came back to {count}: {health}")
            time.sleep(0.05)


def _read_lines(stream, lines: "queue.Queue[str]", keep: list[str]) -> None:
    for line in stream:
        keep.append(line)
        lines.put(line)


@contextlib.contextmanager
def serve(*args: str, env: dict[str, str] | None = None, cwd: str | Path | None = None,
          command: list[str] | None = None):
    """Run `coevidence serve --port 0 ARGS` in a subprocess (with *env* added to a clean
    environment, in folder *cwd*); yield a LiveServer; stop it."""
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("COEVIDENCE_")}
    env.update(extra)
    process = subprocess.Popen(
        [*(command or [sys.executable, "-m", "coevidence"]), "serve", "--port", "0", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []
    errors: list[str] = []
    threading.Thread(target=_read_lines, args=(process.stdout, lines, output), daemon=True).start()
    threading.Thread(target=_read_lines, args=(process.stderr, queue.Queue(), errors), daemon=True).start()
    try:
        try:
            first = lines.get(timeout=PATIENCE_S)
        except queue.Empty:
            raise AssertionError(f"the server did not start: {''.join(errors)}") from None
        match = re.search(r"(http://127\.0\.0\.1:\d+)/sparql", first)
        assert match, f"unexpected first line: {first!r} {''.join(errors)}"
        yield LiveServer(match.group(1) + "/sparql", match.group(1), process, errors)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def live_server():
    """`coevidence serve` on the fixture data, on a free loopback port, for a whole module."""
    with serve("--data", str(PILOTS), "--data", str(EXTRA), "--workers", "2") as server:
        yield server


@pytest.fixture(scope="module")
def bundled_server():
    """`coevidence serve` on the bundled CoSIE data, on a free loopback port, for a whole module."""
    with serve("--workers", "2") as server:
        yield server


@pytest.fixture
def start_server():
    """`start_server(*args)`: a context manager running `coevidence serve ARGS` (see serve())."""
    return serve


@pytest.fixture
def fixture_data() -> dict[str, Path]:
    return {"pilots": PILOTS, "extra": EXTRA}
