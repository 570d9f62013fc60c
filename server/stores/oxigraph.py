"""The embedded store: Oxigraph (pyoxigraph), queried by a pool of worker processes.

Two sources of data:

- **files** (the default): each worker loads the data files into its own in-memory store
  when it starts (tens of milliseconds for the bundled data; queries with joins run several
  times faster in memory than on RocksDB);
- **an on-disk store** written by :func:`write_store` (``coevidence build --store DIR``),
  which each worker opens read-only: for data too large to load at every start.

Each data file goes into its own named graph ``GRAPH[<name>]``; a query sees the union of
all of them as its default graph, unless it names its own dataset (``FROM``, ``FROM NAMED``,
or the protocol's ``default-graph-uri`` / ``named-graph-uri``).

Queries run in the worker processes, never in the web server's. pyoxigraph cannot stop a
running query, so when one runs past its deadline its worker is killed, which really frees
the CPU, and a fresh worker takes its place while the others go on serving.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import multiprocessing
import queue
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from rdflib import Graph
from rdflib.term import Identifier, Variable

from coevidence.ontology import ONTOLOGY_FILE, VOCABULARIES_FILE
from coevidence.server.namespaces import GRAPH
from coevidence.server.sparql.policy import check_keywords, check_verifiable
from coevidence.server.sparql.scan import scan_query
from coevidence.server.sparql.syntax import explain_oxigraph
from coevidence.server.stores import (
    DataFileError,
    QueryFailed,
    QueryResult,
    QuerySyntaxError,
    ResultNotWritable,
    QueryTimeout,
    StoreUnavailable,
)
from coevidence.server.stores import worker as worker_module
from coevidence.server.terms import RdflibTerms, from_rdflib

log = logging.getLogger(__name__)

#: written beside the store's own files by write_store(): the data version and the sources
STORE_INFO = "coevidence-store.json"
#: how long a new worker may take to load its data or open its store before we give up
WORKER_START_S = 600.0

FORMATS_BY_SUFFIX = {
    ".ttl": "TURTLE",
    ".nt": "N_TRIPLES",
    ".n3": "N3",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
    ".jsonld": "JSON_LD",
    ".trig": "TRIG",
    ".nq": "N_QUADS",
}


@dataclass(frozen=True)
class DataFile:
    """One file of the dataset and the named graph it is loaded into."""

    path: Path
    graph: str


# ---------------------------------------------------------------------------
# Which files, in which graphs
# ---------------------------------------------------------------------------


def bundled_data_paths(data_dir: Path | None = None) -> list[Path]:
    """The bundled data: ``data/cosie.ttl`` (required) and ``data/void.ttl`` (if present)."""
    if data_dir is None:
        data_dir = Path(str(importlib.resources.files("coevidence.data")))
    cosie = data_dir / "cosie.ttl"
    if not cosie.is_file():
        raise DataFileError(
            f"no data to serve: {cosie} does not exist yet; build it with `coevidence build`, "
            "or pass --data PATH"
        )
    void = data_dir / "void.ttl"
    return [cosie, void] if void.is_file() else [cosie]


def data_files(paths: Sequence[str | Path] | None = None, graphs: Mapping[Path, str] | None = None) -> list[DataFile]:
    """The files to load (default: the bundled data), plus the ontology and vocabularies.

    Each file goes into ``GRAPH[<its stem>]``, or ``GRAPH[graphs[path]]`` when *graphs* names it.
    """
    chosen = [Path(p) for p in paths] if paths else bundled_data_paths()
    files = []
    for path in chosen:
        if not path.is_file():
            raise DataFileError(f"{path}: no such data file")
        if path.suffix.lower() not in FORMATS_BY_SUFFIX:
            known = ", ".join(sorted(FORMATS_BY_SUFFIX))
            raise DataFileError(f"{path}: unknown RDF format (expected one of {known})")
        name = (graphs or {}).get(path, path.stem)
        files.append(DataFile(path, str(GRAPH[re.sub(r"[^A-Za-z0-9._-]", "-", name)])))
    files.append(DataFile(ONTOLOGY_FILE, str(GRAPH.ontology)))
    files.append(DataFile(VOCABULARIES_FILE, str(GRAPH.vocabularies)))
    seen: dict[str, Path] = {}
    for file in files:
        if file.graph in seen:
            raise DataFileError(
                f"{file.path}: would share the graph <{file.graph}> with {seen[file.graph]}; "
                "rename one of them"
            )
        seen[file.graph] = file.path
    return files


def data_version(files: Sequence[DataFile]) -> str:
    """A token that changes when any file's content or graph changes."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.graph.encode() + b"\0")
        with file.path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:20]


def load_files(store_dir: Path, files: Sequence[DataFile]) -> None:
    """Bulk-load *files* into a new on-disk store at *store_dir* and close it."""
    import pyoxigraph as ox

    store = ox.Store(str(store_dir))
    for file in files:
        rdf_format = getattr(ox.RdfFormat, FORMATS_BY_SUFFIX[file.path.suffix.lower()])
        try:
            store.bulk_load(path=str(file.path), format=rdf_format, to_graph=ox.NamedNode(file.graph))
        except SyntaxError as error:
            raise DataFileError(f"{file.path}: {error}") from None
        except OSError as error:
            raise DataFileError(f"{file.path}: cannot be read: {error}") from None
    store.flush()
    del store  # closes the database, so read-only workers see every file


def write_store(paths: Sequence[str | Path] | None, store_dir: str | Path, *, graphs: Mapping[Path, str] | None = None) -> str:
    """Build a persistent store at *store_dir* from *paths* (default: the bundled data).

    *graphs* may name the graph of a path (``GRAPH[name]`` instead of ``GRAPH[<its stem>]``).

    The store is built in a temporary directory beside *store_dir* and renamed into place,
    so a failed build leaves what was there untouched. Returns the data version. A server
    serving the old store should be restarted afterwards.
    """
    store_dir = Path(store_dir)
    files = data_files(paths, {Path(path): name for path, name in (graphs or {}).items()})
    if store_dir.exists() and not is_store(store_dir):
        raise DataFileError(f"{store_dir}: exists and is not an Oxigraph store; not replacing it")
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}.building-", dir=store_dir.parent))
    moved_in = False
    try:
        load_files(building, files)
        version = data_version(files)
        info = {
            "data_version": version,
            "graphs": {file.graph: file.path.name for file in files},
        }
        (building / STORE_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        old = None
        if store_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}.old-", dir=store_dir.parent))
            store_dir.rename(old / "store")
        building.rename(store_dir)
        moved_in = True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if not moved_in:
            shutil.rmtree(building, ignore_errors=True)
    return version


def is_store(path: Path) -> bool:
    """Whether *path* looks like an Oxigraph (RocksDB) store directory."""
    return path.is_dir() and (path / "CURRENT").is_file()


def stored_version(store_dir: Path) -> str:
    """The data version of an existing store (from its info file, or from its file list)."""
    info = store_dir / STORE_INFO
    if info.is_file():
        try:
            return str(json.loads(info.read_text(encoding="utf-8"))["data_version"])
        except (ValueError, KeyError, TypeError):
            log.warning("%s: unreadable, the data version falls back to the file list", info)
    digest = hashlib.sha256()
    for entry in sorted(store_dir.iterdir()):
        if entry.is_file() and entry.name != "LOCK" and not entry.name.startswith("LOG"):
            digest.update(f"{entry.name}:{entry.stat().st_size}\n".encode())
    return digest.hexdigest()[:20]


# ---------------------------------------------------------------------------
# Worker processes
# ---------------------------------------------------------------------------


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where it exists (fast to start, safe beside threads), spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([worker_module.__name__])
        return context
    return multiprocessing.get_context("spawn")


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    network: str | None = None  # None: cut off the network; else why it could not be


class WorkerPool:
    """A fixed number of query workers; one whose query runs too long is killed and replaced.

    *source* is what each worker opens (see :mod:`.worker`). The workers start together;
    a data file that does not parse raises :class:`DataFileError`.
    """

    def __init__(self, source: tuple, size: int):
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size = size
        self._source = source
        self._context = _context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._closed = False
        #: whether every worker started so far runs without network (read on every query)
        self.network_cut = True
        launched = [self._launch() for _ in range(size)]
        try:
            for process, conn in launched:
                self._idle.put(self._await_ready(process, conn))
        except StoreUnavailable:
            for process, conn in launched:
                process.kill()
                process.join()
                conn.close()
            self.close()
            raise

    def _launch(self) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=worker_module.serve,
            args=(child, self._source),
            name="coevidence-query-worker",
            daemon=True,
        )
        process.start()
        child.close()
        return process, parent

    def _await_ready(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> _Worker:
        message = None
        try:
            if conn.poll(WORKER_START_S):
                message = conn.recv()
        except (EOFError, OSError):
            message = None
        if message is None or message[0] != "ready":
            process.kill()
            process.join()
            conn.close()
            if message is not None and message[0] == "datafile":
                raise DataFileError(message[1])
            reason = message[1] if message else f"exit code {process.exitcode}"
            raise StoreUnavailable(f"a query worker could not start: {reason}")
        worker = _Worker(process, conn, message[2] if len(message) > 2 else "unknown")
        if worker.network is not None and self.network_cut:
            self.network_cut = False
            log.warning(
                "query workers keep their network access (%s); the policy check still refuses "
                "SERVICE, LOAD and remote FROM", worker.network,
            )
        with self._lock:
            self._workers.add(worker)
        return worker

    def _start(self) -> _Worker:
        return self._await_ready(*self._launch())

    def run(self, request: tuple, timeout: float) -> tuple:
        """Send *request* to an idle worker and wait at most *timeout* seconds for its answer."""
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise StoreUnavailable(
                f"all {self.size} query workers stayed busy for {timeout:g} s; try again shortly"
            ) from None
        try:
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                self._retire(worker)
                raise QueryTimeout(
                    f"the query ran for longer than the time limit of {timeout:g} s and was stopped"
                )
            response = worker.conn.recv()
        except (EOFError, OSError):
            self._retire(worker)
            raise StoreUnavailable("a query worker stopped unexpectedly; try again") from None
        self._idle.put(worker)
        return response

    def _retire(self, worker: _Worker) -> None:
        """Kill *worker* now (freeing its CPU) and start a replacement in the background."""
        worker.process.kill()
        with self._lock:
            self._workers.discard(worker)
            closed = self._closed
        if not closed:
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()

    def _replace(self, old: _Worker) -> None:
        old.process.join()
        old.conn.close()
        try:
            new = self._start()
        except StoreUnavailable as error:
            log.error("could not replace a query worker: %s", error)
            return
        with self._lock:
            closed = self._closed
        if closed:
            self._stop(new)
        else:
            self._idle.put(new)

    def _stop(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        with self._lock:
            self._workers.discard(worker)

    def status(self) -> dict[str, int | bool]:
        with self._lock:
            alive = sum(1 for worker in self._workers if worker.process.is_alive())
        return {"size": self.size, "alive": alive, "idle": self._idle.qsize(), "network_cut": self.network_cut}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
        for worker in workers:
            self._stop(worker)


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------



class OxigraphStore:
    """The embedded store (see the module docstring). Use :meth:`load` or :meth:`open`."""

    #: a query without a dataset of its own sees the union of the named graphs
    union_default_graph = True

    def __init__(self, source: tuple, *, version: str, description: str, workers: int):
        self.description = description
        self._version = version
        self._pool = WorkerPool(source, workers)

    @classmethod
    def load(cls, paths: Sequence[str | Path] | None = None, *, workers: int = 2) -> "OxigraphStore":
        """Serve *paths* (default: the bundled data), loaded into memory by each worker."""
        files = data_files(paths)
        source = (
            "files",
            [(str(f.path), FORMATS_BY_SUFFIX[f.path.suffix.lower()], f.graph) for f in files],
        )
        names = ", ".join(file.path.name for file in files)
        return cls(
            source,
            version=data_version(files),
            description=f"oxigraph (in memory; {names})",
            workers=workers,
        )

    @classmethod
    def open(cls, store_dir: str | Path, *, workers: int = 2) -> "OxigraphStore":
        """Serve an existing store written by :func:`write_store`, read-only."""
        store_dir = Path(store_dir)
        if not is_store(store_dir):
            raise DataFileError(
                f"{store_dir}: not an Oxigraph store; write one with `coevidence build --store DIR`"
            )
        return cls(
            ("store", str(store_dir)),
            version=stored_version(store_dir),
            description=f"oxigraph (store {store_dir})",
            workers=workers,
        )

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
        scan = scan_query(sparql, thorough=not self.network_cut)
        # pyoxigraph would fetch a SERVICE URL: never let one reach it
        check_keywords(scan)
        check_verifiable(scan)
        protocol_dataset = bool(default_graph_uris or named_graph_uris)
        request = (
            sparql,
            tuple((name, from_rdflib(term)) for name, term in (bindings or {}).items()),
            list(default_graph_uris) if protocol_dataset else None,
            list(named_graph_uris) if protocol_dataset else None,
            not protocol_dataset and not scan.has_dataset_clause,
            max_rows,
            tuple(accept),
        )
        seconds, response = self._pool.run(request, timeout)
        kind = response[0]
        if kind == "encoded":
            _, result_kind, names, boolean, media_type, body, size, truncated = response
            return QueryResult(
                result_kind,
                variables=[Variable(name) for name in names],
                boolean=boolean,
                truncated=truncated,
                encoded={media_type: body},
                size=size,
                engine_seconds=seconds,
            )
        if kind == "syntax":  # pyoxigraph's 'error at 3:13: expected ...', in words
            raise QuerySyntaxError(explain_oxigraph(sparql, response[1]))
        try:
            result = self._result(response)
        except ValueError as error:  # a triple term, which rdflib cannot hold
            raise QueryFailed(str(error)) from None
        result.engine_seconds = seconds
        return result

    @staticmethod
    def _result(response: tuple) -> QueryResult:
        kind = response[0]
        if kind == "bindings":
            _, names, rows, truncated = response
            variables = [Variable(name) for name in names]
            term = RdflibTerms()
            return QueryResult(
                "bindings",
                variables=variables,
                rows=[
                    {variables[i]: term(value) for i, value in enumerate(row) if value is not None}
                    for row in rows
                ],
                truncated=truncated,
            )
        if kind == "boolean":
            return QueryResult("boolean", boolean=response[1])
        if kind == "graph":
            _, triples, truncated = response
            term = RdflibTerms()
            graph = Graph()
            for s, p, o in triples:
                graph.add((term(s), term(p), term(o)))
            return QueryResult("graph", graph=graph, truncated=truncated)
        if kind == "invalid":
            raise QueryFailed(response[1])
        if kind == "unwritable":
            raise ResultNotWritable(response[1])
        raise StoreUnavailable(f"the query failed in the store: {response[1]}")

    def data_version(self) -> str:
        return self._version

    @property
    def network_cut(self) -> bool:
        """Whether every query worker runs without network access (see :mod:`.isolation`)."""
        return self._pool.network_cut

    def status(self) -> dict[str, int | bool]:
        """Worker counts (``size`` configured, ``alive`` now, ``idle`` waiting for a query) and
        ``network_cut``: whether every worker runs without network access."""
        return self._pool.status()

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> "OxigraphStore":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
