"""The app's store, and what it knows about the dataset behind it.

``init_app`` opens the store the settings ask for and keeps it in
``app.extensions["coevidence.store"]``; nothing is opened at import time. The dataset's
named graphs (for the policy's FROM check and the service description) are read from the
store itself, once per data version.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, request
from rdflib import Variable

from coevidence.server.queries import load_query
from coevidence.server.stores import Store, StoreUnavailable, open_store
from coevidence.server.stores.cache import CachedStore

STORE = "coevidence.store"
#: whether the store's query() takes `accept` (and may hand back results already written)
STORE_WRITES = "coevidence.store.writes"
#: whether the store's query() takes `max_bytes` (and cuts its answer there)
STORE_CAPS_BYTES = "coevidence.store.caps_bytes"
DATASET = "coevidence.dataset"
#: a semaphore: queries in flight (running or waiting for a worker), at most THREADS - 1
QUERY_SLOTS = "coevidence.query_slots"
#: a ClientSlots: the fair share of each client address
CLIENT_SLOTS = "coevidence.client_slots"
_DATASET_LOCK = "coevidence.dataset.lock"
#: more named graphs than this are not listed (nor usable in FROM)
MAX_GRAPHS = 10_000


@dataclass(frozen=True)
class DatasetInfo:
    version: str
    graphs: tuple[tuple[str, int], ...]  # (graph IRI, triples), sorted by IRI

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.graphs)

    @property
    def triples(self) -> int:
        return sum(count for _, count in self.graphs)


def init_app(app: Flask) -> None:
    """Open the store (unless the config already holds one as ``STORE``) and register it."""
    store = app.config.get("STORE")
    if store is None:
        store = open_store(
            data_paths=app.config["DATA_PATHS"] or None,
            store_dir=app.config["STORE_DIR"],
            endpoint=app.config["ENDPOINT"],
            endpoint_user=app.config["ENDPOINT_USER"],
            endpoint_password=app.config["ENDPOINT_PASSWORD"],
            workers=app.config["WORKERS"],
            memory_mb=app.config["WORKER_MEMORY_MB"],
            poll_s=app.config["RELOAD_POLL_S"],
        )
    # what the store itself can do (the cache in front of it passes these on, or drops them)
    parameters = inspect.signature(store.query).parameters
    app.extensions[STORE_WRITES] = "accept" in parameters
    app.extensions[STORE_CAPS_BYTES] = "max_bytes" in parameters
    if app.config["RESULT_CACHE_BYTES"] > 0:
        store = CachedStore(store, app.config["RESULT_CACHE_BYTES"])
    app.extensions[STORE] = store
    app.extensions[DATASET] = None
    app.extensions[_DATASET_LOCK] = threading.Lock()
    app.extensions[QUERY_SLOTS] = threading.BoundedSemaphore(max(1, app.config["THREADS"] - 1))
    app.extensions[CLIENT_SLOTS] = ClientSlots(app.config["CLIENT_QUERIES"], max(1, (app.config["THREADS"] - 1) // 2))


def current_store() -> Store:
    return current_app.extensions[STORE]


def store_writes() -> bool:
    """Whether the current store can hand back results already written (``accept``)."""
    return current_app.extensions[STORE_WRITES]


def store_caps_bytes() -> bool:
    """Whether the current store cuts its answers at a number of bytes (``max_bytes``)."""
    return current_app.extensions[STORE_CAPS_BYTES]


def max_response_bytes() -> int:
    return current_app.config["MAX_RESPONSE_MB"] * 1024 * 1024


def dataset_info() -> DatasetInfo:
    """The named graphs of the current data version (asked of the store once per version)."""
    store = current_store()
    version = store.data_version()
    info: DatasetInfo | None = current_app.extensions[DATASET]
    if info is not None and info.version == version:
        return info
    with current_app.extensions[_DATASET_LOCK]:
        info = current_app.extensions[DATASET]
        if info is not None and info.version == version:
            return info
        result = store.query(
            load_query("dataset_graphs"),
            timeout=current_app.config["SPARQL_TIMEOUT_S"],
            max_rows=MAX_GRAPHS,
        )
        graph, triples = Variable("graph"), Variable("triples")
        graphs = tuple(
            sorted((str(row[graph]), int(row[triples])) for row in result.rows if graph in row)
        )
        info = DatasetInfo(version, graphs)
        current_app.extensions[DATASET] = info
        return info


class ClientSlots:
    """The fair share of one client address: at most *running* of its queries run at once,
    at most *waiting* more wait for their turn (for at most the time limit); one more is
    refused at once. So one client, however many requests it sends, holds few workers and
    at most half the server's query slots, and the others' queries find a worker free; a
    burst from one client is answered in turn rather than refused."""

    def __init__(self, running: int, waiting: int) -> None:
        self.running = running
        self.waiting = waiting
        self._changed = threading.Condition()
        self._running: dict[str, int] = {}
        self._waiting: dict[str, int] = {}

    @contextmanager
    def hold(self, address: str, patience: float) -> Iterator[None]:
        with self._changed:
            if self._running.get(address, 0) >= self.running:
                if self._waiting.get(address, 0) >= self.waiting:
                    raise StoreUnavailable(self._busy())
                self._waiting[address] = self._waiting.get(address, 0) + 1
                try:
                    turn = self._changed.wait_for(lambda: self._running.get(address, 0) < self.running, patience)
                finally:
                    self._waiting[address] -= 1
                    if not self._waiting[address]:
                        del self._waiting[address]
                if not turn:
                    raise StoreUnavailable(self._busy())
            self._running[address] = self._running.get(address, 0) + 1
        try:
            yield
        finally:
            with self._changed:
                self._running[address] -= 1
                if not self._running[address]:
                    del self._running[address]
                self._changed.notify_all()

    def _busy(self) -> str:
        return (
            f"the server is busy with your queries: each client may run {self.running} at once "
            f"and have {self.waiting} more waiting; try again shortly"
        )


@contextmanager
def query_slot() -> Iterator[None]:
    """Hold one of the THREADS - 1 slots for a query, or refuse at once (503) when none is
    free; then wait for the client's fair share (:class:`ClientSlots`).

    A query may wait for a store worker for as long as its time limit; without this, enough
    waiting queries would hold every server thread and nothing, not even ``/health``, would
    be answered until they were done.
    """
    slots = current_app.extensions[QUERY_SLOTS]
    if not slots.acquire(blocking=False):
        raise StoreUnavailable(
            f"the server is busy: {current_app.config['THREADS'] - 1} queries are running or "
            "waiting; try again shortly"
        )
    try:
        with current_app.extensions[CLIENT_SLOTS].hold(
            request.remote_addr or "unknown", current_app.config["SPARQL_TIMEOUT_S"]
        ):
            yield
    finally:
        slots.release()


def close_store(app: Flask) -> None:
    """Close the app's store (its worker processes and temporary files)."""
    store = app.extensions.get(STORE)
    if store is not None:
        store.close()
