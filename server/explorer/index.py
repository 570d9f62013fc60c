"""What the browse and compare pages read of the whole dataset, read once per data version.

The browse page's facets (``facet_<name>.rq``: value -> the pilots that have it) and each
compare dimension's cells (``compare_<name>.rq``: row, sub -> pilot -> claims) are whole-dataset
queries: at 1,000 pilots (1.8 million triples) they take 0.2 to 7 s each. They are run once per
data version and their answers kept here; facet counts for any filter combination, the
filtered pilot list and every compare matrix (any subset of pilots) are then computed from them
in Python, in milliseconds (:mod:`.facets`, :mod:`.compare`). The queries are the ones the
pages' "show the query" links open: they give the same pairs and cells the counts come from.

Each part is computed on its first use on a data version, in the background warm-up
(:mod:`coevidence.server.linkeddata.warm`, ``WARM_AT_START``) at start and after each data
change, or by the first request that needs it when it comes first (a second request for the
same part waits for that one rather than asking the store again). Only one data version is
kept: its parts are dropped as soon as the store gives another version, so the memory held
is that of one version's facet pairs and compare claims: at 1,000 pilots the process grew by
about 124 MiB (resident) while computing them, freed memory the allocator keeps included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import current_app

from coevidence.server.backend import current_store

EXTENSION = "coevidence.explorer.index"


class VersionIndex:
    """Parts computed once for one data version; a new version drops them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._parts: dict[str, Any] = {}
        self._computing: dict[str, threading.Lock] = {}

    def get(self, version: str, name: str, compute: Callable[[], Any], *, still: Callable[[], str]) -> Any:
        """The part *name* of *version*, computed by *compute* if it is not there yet; it is
        kept only if *still* (the store's data version after computing) is *version*."""
        with self._lock:
            self._switch(version)
            if name in self._parts:
                return self._parts[name]
            computing = self._computing.setdefault(name, threading.Lock())
        with computing:
            with self._lock:
                if self._version == version and name in self._parts:
                    return self._parts[name]
            value = compute()
            with self._lock:
                if self._version == version and still() == version:
                    self._parts[name] = value
            return value

    def _switch(self, version: str) -> None:
        if version != self._version:
            self._version = version
            self._parts = {}
            self._computing = {}

    def parts(self) -> list[str]:
        with self._lock:
            return sorted(self._parts)


def index() -> VersionIndex:
    found = current_app.extensions.get(EXTENSION)
    if found is None:
        found = current_app.extensions.setdefault(EXTENSION, VersionIndex())
    return found


def part(name: str, compute: Callable[[], Any]) -> Any:
    """The part *name* of the current data version (see :class:`VersionIndex`)."""
    store = current_store()
    return index().get(store.data_version(), name, compute, still=store.data_version)


def warm() -> None:
    """Compute every part of the current data version (the facets, each compare dimension,
    the pilot rows); called by the background warm-up, within an app context."""
    from coevidence.server.explorer.browse import pilot_rows
    from coevidence.server.explorer.compare import DIMENSIONS, dimension_rows, project_findings
    from coevidence.server.explorer.facets import read_facets

    pilot_rows()
    read_facets()
    for dimension in DIMENSIONS:
        dimension_rows(dimension)  # its cells, then their order, totals and countries
    project_findings()
