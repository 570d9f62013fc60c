"""Counts of use of every class and property, asked of the store once per data version.

Two aggregates over the whole dataset (seconds at millions of triples), shared by the
ontology page (live counts of use) and the VoID description (class and property partitions).
"""

from __future__ import annotations

import threading

from flask import current_app

from coevidence.server.backend import current_store
from coevidence.server.linkeddata.model import run

_CACHE = "coevidence.linkeddata.counts"
_LOCK = threading.Lock()


def counts() -> tuple[dict[str, int], dict[str, int]]:
    """(instances per class, triples per property), by IRI."""
    version = current_store().data_version()
    cached = current_app.extensions.get(_CACHE)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _LOCK:
        cached = current_app.extensions.get(_CACHE)
        if cached is not None and cached[0] == version:
            return cached[1]
        rows, _ = run("class_counts", max_rows=100_000)
        classes = {str(row["class"]): int(row["n"]) for row in rows}
        rows, _ = run("property_counts", max_rows=100_000)
        properties = {str(row["p"]): int(row["n"]) for row in rows}
        current_app.extensions[_CACHE] = (version, (classes, properties))
        return classes, properties
