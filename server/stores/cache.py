"""Answers kept in memory for one data version: a store that asks its inner store only once.

The dataset is read-only between two published versions, so the same query with the same
bound values, dataset, row cap and accepted formats always has the same answer until the
data version changes. :class:`CachedStore` wraps any :class:`~coevidence.server.stores.Store`
and keeps those answers, least recently used out first, within a byte budget
(``RESULT_CACHE_BYTES``). It is used by everything that asks the store (the endpoint and
every page), so none of them has to know about it.

What is never kept: a query that failed, timed out or was refused (the store raised), an
answer larger than a quarter of the budget, and an answer computed while the data version
changed under it. A hit is marked on the :class:`~coevidence.server.stores.QueryResult`
(``cached``), which the endpoint reports as ``Server-Timing: cache;desc=hit``.
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from rdflib.term import Identifier

from coevidence.server.stores import QueryResult, Store

#: a rough cost of keeping one row or triple besides the text of its terms, in bytes
_PER_ITEM = 64
#: answers with more rows or triples than this are costed by a sample, not one by one
_SAMPLE = 256


class CachedStore:
    """A :class:`Store` that answers repeated queries from memory (see the module's text)."""

    def __init__(self, inner: Store, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, tuple[QueryResult, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._version: str | None = None
        self.hits = 0
        self.misses = 0
        parameters = inspect.signature(inner.query).parameters
        self._inner_accepts = "accept" in parameters
        self._inner_caps_bytes = "max_bytes" in parameters

    @property
    def description(self) -> str:
        return self.inner.description

    def __getattr__(self, name: str):
        # what else the inner store offers (status, network_cut, ...) reads through
        return getattr(self.inner, name)

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Identifier] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float,
        max_rows: int,
        accept: Sequence[str] = (),
        max_bytes: int | None = None,
    ) -> QueryResult:
        version = self.inner.data_version()
        key = (
            sparql,
            tuple(sorted((name, value.n3()) for name, value in (bindings or {}).items())),
            tuple(default_graph_uris),
            tuple(named_graph_uris),
            max_rows,
            tuple(accept) if self._inner_accepts else (),
            max_bytes if self._inner_caps_bytes else None,
        )
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._bytes = 0
                self._version = version
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return dataclasses.replace(entry[0], cached=True)
            self.misses += 1
        options: dict = {"accept": accept} if self._inner_accepts and accept else {}
        if self._inner_caps_bytes and max_bytes is not None:
            options["max_bytes"] = max_bytes
        result = self.inner.query(
            sparql,
            bindings=bindings,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            timeout=timeout,
            max_rows=max_rows,
            **options,
        )
        size = cost(result)
        ran_on = getattr(result, "data_version", None)  # the version the store says it ran on
        if size <= self.max_bytes // 4 and ran_on in (None, version) and self.inner.data_version() == version:
            self._keep(version, key, result, size)
        return result

    def _keep(self, version: str, key: tuple, result: QueryResult, size: int) -> None:
        with self._lock:
            if version != self._version or key in self._entries:
                return
            self._entries[key] = (result, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def data_version(self) -> str:
        return self.inner.data_version()

    def cache_status(self) -> dict[str, int]:
        """Counts for ``/health``: hits, misses, answers kept, their bytes and the budget."""
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "entries": len(self._entries),
                "bytes": self._bytes,
                "max_bytes": self.max_bytes,
            }

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
        self.inner.close()


def cost(result: QueryResult) -> int:
    """About how many bytes keeping *result* costs: its written forms and its terms."""
    size = 256 + sum(len(body) for body in result.encoded.values())
    if result.kind == "bindings" and result.rows:
        size += _sampled(result.rows, lambda row: sum(len(value) for value in row.values()))
    elif result.kind == "graph" and result.graph is not None and len(result.graph):
        triples = list(result.graph)
        size += _sampled(triples, lambda triple: sum(len(term) for term in triple))
    return size


def _sampled(items: list, measure) -> int:
    step = max(1, len(items) // _SAMPLE)
    sample = items[::step]
    per_item = sum(measure(item) for item in sample) / len(sample) + _PER_ITEM
    return int(per_item * len(items))
