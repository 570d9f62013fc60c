"""The one interface between the web layer and a triple store.

Everything above this module (the SPARQL endpoint, linked-data pages, the explorer, exports)
talks to a :class:`Store` and never knows whether it runs on the embedded Oxigraph store or
on a remote SPARQL endpoint. A store answers one question: run this query (with these bound
values, this dataset, this time limit and this row cap) and give back a :class:`QueryResult`.

Domain errors are raised as the exceptions below and mapped to HTTP statuses in one place
(``server/errors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping, Protocol, Sequence, runtime_checkable

from rdflib import Graph
from rdflib.term import Identifier, Variable

ResultKind = Literal["bindings", "boolean", "graph"]


class StoreError(Exception):
    """Base class of the errors a store raises; each carries a message meant for the user."""


class QuerySyntaxError(StoreError):
    """The query does not parse. ``message`` is the parser's own message, with its position."""


class QueryFailed(StoreError):
    """The query parses but the engine cannot evaluate it (an unknown function, a bound
    variable missing from the projection...). ``message`` is the engine's own."""


class QueryRejected(StoreError):
    """The query parses but is refused by policy (SERVICE, LOAD, updates, remote FROM...)."""


class ResultNotWritable(StoreError):
    """The result cannot be written in the format asked for (a character XML 1.0 cannot
    carry, in XML results or RDF/XML); the message names it and the formats that can."""


class QueryTooComplex(StoreError):
    """The query nests brackets or operators deeper than the endpoint accepts (MAX_NESTING):
    engines' recursive parsers would overflow their stack on it."""


class QueryTimeout(StoreError):
    """The query ran past its time limit and was stopped."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or failed in a way that is not the query's fault."""


class DataFileError(StoreUnavailable):
    """A data file or store directory to serve is missing or does not parse."""


@dataclass
class QueryResult:
    """What a query gave back, in rdflib terms, whatever the store.

    - ``bindings``: ``variables`` and ``rows`` (one dict per solution; an unbound variable is
      absent from the dict);
    - ``boolean``: ``boolean`` (ASK);
    - ``graph``: ``graph`` (CONSTRUCT, DESCRIBE).

    ``truncated`` is True when the store stopped at ``max_rows`` (solutions or triples) and
    more were available: callers must tell the user, never drop rows silently.

    ``encoded`` holds the result already written in a media type the caller asked for with
    ``accept`` (see :meth:`Store.query`), for instance SPARQL JSON straight from the engine;
    the store may then leave ``rows`` or ``graph`` empty and give their number in ``size``.
    ``variables`` and ``boolean`` are always filled.

    ``engine_seconds`` is how long the engine took, as far as the store can tell (the
    embedded store: evaluating the query and writing its result in the worker; a remote
    store: the endpoint's answer, network included); the endpoint reports it in a
    ``Server-Timing`` header.

    ``cached`` is True when the answer came from memory (:mod:`.cache`), not from the engine.
    """

    kind: ResultKind
    variables: list[Variable] = field(default_factory=list)
    rows: list[dict[Variable, Identifier]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False
    encoded: dict[str, bytes] = field(default_factory=dict)
    size: int | None = None
    engine_seconds: float | None = None
    cached: bool = False
    #: the data version the query ran on, when the store knows it (the embedded store moves
    #: to a new version while serving: this, not data_version() asked before, names the data)
    data_version: str | None = None

    def __len__(self) -> int:
        if self.size is not None:
            return self.size
        if self.kind == "bindings":
            return len(self.rows)
        if self.kind == "graph":
            return len(self.graph) if self.graph is not None else 0
        return 1


@runtime_checkable
class Store(Protocol):
    """A read-only SPARQL store."""

    #: a short human name, such as "oxigraph (embedded)" or "remote: http://host/sparql"
    description: str

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
    ) -> QueryResult:
        """Run one read-only query.

        ``bindings`` substitute values for variables (named queries are run this way, never
        by formatting IRIs or literals into the text). ``default_graph_uris`` and
        ``named_graph_uris`` are the SPARQL Protocol dataset parameters. The query is
        stopped after ``timeout`` seconds (:class:`QueryTimeout`); at most ``max_rows``
        solutions or triples come back (``truncated`` says whether more existed).

        ``accept`` (optional for a store to support; the server checks its signature) lists
        media types the caller can send on as they are, best first: a store that can write
        the result in one of them may return it in ``QueryResult.encoded`` instead of as
        rdflib terms, which saves building and re-serialising them.
        """
        ...

    def data_version(self) -> str:
        """A token that changes whenever the data changes (used for ETags)."""
        ...

    def close(self) -> None:
        """Release processes, files and connections."""
        ...


def open_store(
    *,
    data_paths: Sequence[str | Path] | None = None,
    store_dir: str | Path | None = None,
    endpoint: str | None = None,
    endpoint_user: str | None = None,
    endpoint_password: str | None = None,
    workers: int = 2,
    memory_mb: int = 0,
    poll_s: float = 0.0,
) -> Store:
    """The store the settings ask for: a remote endpoint, an on-disk store, or data files.

    With ``endpoint``, a :class:`~coevidence.server.stores.remote.RemoteStore`; with
    ``store_dir``, the embedded store opened read-only on a store written by
    ``coevidence build --store DIR``; otherwise the embedded store loaded from
    ``data_paths`` (default: the bundled data). At most one of the three may be given.
    ``memory_mb`` is each embedded worker's memory allowance (0: none); with ``poll_s`` above
    0 the embedded store looks for a new data version that often.
    Raises :class:`DataFileError` when the data is missing or does not parse.
    """
    chosen = [name for name, value in (("data", data_paths), ("store", store_dir), ("endpoint", endpoint)) if value]
    if len(chosen) > 1:
        raise ValueError(f"choose one source of data, not {' and '.join(chosen)}")
    if endpoint:
        from coevidence.server.stores.remote import RemoteStore

        return RemoteStore(endpoint, user=endpoint_user, password=endpoint_password)
    from coevidence.server.stores.oxigraph import OxigraphStore

    if store_dir:
        return OxigraphStore.open(store_dir, workers=workers, memory_mb=memory_mb, poll_s=poll_s)
    return OxigraphStore.load(data_paths, workers=workers, memory_mb=memory_mb, poll_s=poll_s)
