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

from flask import Flask, current_app
from rdflib import Variable

from coevidence.server.queries import load_query
from coevidence.server.stores import Store, StoreUnavailable, open_store
from coevidence.server.stores.cache import CachedStore

STORE = "coevidence.store"
#: whether the store's query() takes `accept` (and may hand back results already written)
STORE_WRITES = "coevidence.store.writes"
DATASET = "coevidence.dataset"
#: a semaphore: queries in flight (running or waiting for a worker), at most THREADS - 1
QUERY_SLOTS = "coevidence.query_slots"
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
        )
    if app.config["RESULT_CACHE_BYTES"] > 0:
        store = CachedStore(store, app.config["RESULT_CACHE_BYTES"])
    app.extensions[STORE] = store
    app.extensions[STORE_WRITES] = "accept" in inspect.signature(store.query).parameters
    app.extensions[DATASET] = None
    app.extensions[_DATASET_LOCK] = threading.Lock()
    app.extensions[QUERY_SLOTS] = threading.BoundedSemaphore(max(1, app.config["THREADS"] - 1))


def current_store() -> Store:
    return current_app.extensions[STORE]


def store_writes() -> bool:
    """Whether the current store can hand back results already written (``accept``)."""
    return current_app.extensions[STORE_WRITES]


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


@contextmanager
def query_slot() -> Iterator[None]:
    """Hold one of the THREADS - 1 slots for a query, or refuse at once (503) when none is free.

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
        yield
    finally:
        slots.release()


def close_store(app: Flask) -> None:
    """Close the app's store (its worker processes and temporary files)."""
    store = app.extensions.get(STORE)
    if store is not None:
        store.close()
