"""The embedded store: Oxigraph (pyoxigraph), queried by a pool of worker processes.

Two sources of data:

- **files** (the default): loaded once into an in-memory store by a *zygote* process, which
  forks every worker (:mod:`.zygote`: copy-on-write, so replacing a worker costs
  milliseconds; queries with joins run several times faster in memory than on RocksDB);
- **an on-disk store**: a publication root (:mod:`coevidence.versions`, written by
  ``coevidence build --store DIR``), whose ``current`` version is served and followed when
  it moves, or a plain store written by :func:`write_store`; each worker opens it read-only.

Each data file goes into its own named graph ``GRAPH[<name>]``; a query sees the union of
all of them as its default graph, unless it names its own dataset (``FROM``, ``FROM NAMED``,
or the protocol's ``default-graph-uri`` / ``named-graph-uri``).

Queries run in the worker processes, never in the web server's. pyoxigraph cannot stop a
running query, so when one runs past its deadline its worker is killed, which really frees
the CPU, and a fresh worker takes its place while the others go on serving. All the workers
serve one data version at a time; a new one gets a whole new set (see :class:`WorkerPool`).
"""

from __future__ import annotations

import collections
import hashlib
import importlib.resources
import itertools
import json
import logging
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from pathlib import Path

from rdflib import Graph
from rdflib.term import Identifier, Literal, URIRef, Variable

from coevidence import versions
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
    StoreError,
    StoreUnavailable,
)
from coevidence.server.stores import zygote as zygote_module
from coevidence.server.terms import RdflibTerms, from_rdflib

log = logging.getLogger(__name__)

#: written beside the store's own files by write_store(): the data version and the sources
STORE_INFO = "coevidence-store.json"
#: how long a new worker may take to load its data or open its store before we give up
WORKER_START_S = 600.0
#: a worker that cannot be replaced is tried again after this pause, doubled each time...
REPLACE_FIRST_PAUSE_S = 0.05
#: ...up to this one
REPLACE_MAX_PAUSE_S = 5.0
#: how long a query whose worker died waits for the zygote to say how it died
DEATH_REPORT_S = 10.0
MB = 1024 * 1024
#: a data version that failed to open is tried again after this long (if still current)
VERSION_RETRY_S = 30.0

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
    serving the old store moves to the new one as a whole (see :class:`_FixedStore`);
    a publication root (:mod:`coevidence.versions`) is the better way to publish, since the
    old version's files stay in place until its last query ends.
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
# What is served: the data files, a fixed store, or the current version of a publication
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """One data version as the workers open it."""

    source: tuple  # see .worker: ("files", [(path, format, graph), ...]) or ("store", path)
    version: str
    description: str


class _FileData:
    """``--data FILE...``: loaded into memory; a change of any file is a new version."""

    def __init__(self, paths: Sequence[str | Path] | None) -> None:
        self.paths = [Path(p) for p in paths] if paths else None

    def signature(self) -> tuple:
        files = data_files(self.paths)
        return tuple((str(f.path), *_stat(f.path)) for f in files)

    def locate(self) -> Loaded:
        files = data_files(self.paths)
        names = ", ".join(file.path.name for file in files)
        return Loaded(
            ("files", [(str(f.path), FORMATS_BY_SUFFIX[f.path.suffix.lower()], f.graph) for f in files]),
            data_version(files),
            f"oxigraph (in memory; {names})",
        )


class _FixedStore:
    """A plain Oxigraph store directory (no publication layout): one version, until another
    store is written in its place (then, as for a publication, a new set of workers)."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self._loaded = Loaded(("store", str(store_dir)), stored_version(store_dir), f"oxigraph (store {store_dir})")

    def signature(self) -> tuple:
        """A store written over this one by :func:`write_store` is another folder renamed in."""
        return (_stat(self.store_dir), _stat(self.store_dir / STORE_INFO))

    def locate(self) -> Loaded:
        if not is_store(self.store_dir):
            raise DataFileError(f"{self.store_dir}: not an Oxigraph store (any more)")
        version = stored_version(self.store_dir)
        if version != self._loaded.version:
            self._loaded = Loaded(self._loaded.source, version, self._loaded.description)
        return self._loaded


class _Publication:
    """A publication root (:mod:`coevidence.versions`): the version ``current`` points at."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def signature(self) -> tuple:
        try:
            return (os.readlink(self.root / versions.CURRENT),)
        except OSError as error:
            return ("unreadable", error.strerror)

    def locate(self) -> Loaded:
        try:
            version = versions.current(self.root)
        except versions.VersionError as error:
            raise DataFileError(str(error)) from None
        if version is None:
            raise DataFileError(f"{self.root}: no version published yet (no {versions.CURRENT} link)")
        if not is_store(version.store):
            raise DataFileError(f"{version.store}: not an Oxigraph store")
        return Loaded(("store", str(version.store)), version.id, f"oxigraph (store {self.root}, version {version.id})")


def _stat(path: Path) -> tuple:
    try:
        stat = path.stat()
    except OSError as error:
        return ("unreadable", error.strerror)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


# ---------------------------------------------------------------------------
# Worker processes
# ---------------------------------------------------------------------------


def _signal_name(exitcode: int | None) -> str:
    if exitcode is None:
        return "its zygote ended"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class _Zygote:
    """The web process's side of one zygote process (see :mod:`.zygote`).

    One thread reads everything the zygote says: fork replies and worker deaths (the zygote
    is the only waiter on its workers, this thread the only waiter on the zygote)."""

    def __init__(self, source: tuple, on_death) -> None:
        parent, child = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-c", "from coevidence.server.stores.zygote import main; main()",
             str(child.fileno())],
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self._on_death = on_death
        self._replies: queue.Queue = queue.Queue()
        self._send_lock = threading.Lock()
        self._fork_lock = threading.Lock()
        self.alive = True
        message = None
        try:
            self.conn.send(source)
            if self.conn.poll(WORKER_START_S):
                message = self.conn.recv()
        except (EOFError, OSError):
            message = None
        if message is None or message[0] != "ready":
            self.process.kill()
            self.process.wait()
            self.conn.close()
            self.alive = False
            if message is not None and message[0] == "datafile":
                raise DataFileError(message[1])
            reason = message[1] if message else f"exit code {self.process.returncode}"
            raise StoreUnavailable(f"the data could not be opened: {reason}")
        self.network: str | None = message[1]
        threading.Thread(target=self._read, name="coevidence-zygote-reader", daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                message = self.conn.recv()
                if message[0] == "forked":
                    self._replies.put((message[1], recv_handle(self.conn)))
                elif message[0] == "died":
                    self._on_death(self, message[1], message[2])
        except (EOFError, OSError):
            pass
        self.alive = False
        self.conn.close()
        self._replies.put(None)
        self.process.wait()
        self._on_death(self, None, self.process.returncode)

    def _send(self, message) -> None:
        with self._send_lock:
            self.conn.send(message)

    def fork(self, memory_bytes: int) -> tuple[int, Connection]:
        with self._fork_lock:
            try:
                self._send(("fork", memory_bytes))
                reply = self._replies.get(timeout=WORKER_START_S)
            except (OSError, queue.Empty):
                reply = None
        if reply is None:
            raise StoreUnavailable("the process holding the data stopped")
        pid, handle = reply
        return pid, Connection(handle)

    def kill(self, pid: int) -> None:
        try:
            self._send(("kill", pid))
        except OSError:
            pass

    def close(self) -> None:
        """Ask the zygote to stop (it kills its workers); the reader sees it go."""
        try:
            self._send(None)
        except OSError:
            pass


@dataclass(eq=False)
class _Worker:
    pid: int
    conn: Connection
    generation: "_Generation"
    network: str | None = None  # None: cut off the network; else why it could not be
    idle: bool = False
    stopping: str | None = None  # why the pool stopped it (None: it was not stopped)
    query: str | None = None  # the query it runs now
    exitcode: int | None = None
    dead: threading.Event = field(default_factory=threading.Event)
    replaced: bool = False  # a replacement was started for it


@dataclass(eq=False)
class _Generation:
    """The workers of one data version, forked from one zygote."""

    loaded: Loaded
    zygote: _Zygote | None = None
    workers: dict[int, _Worker] = field(default_factory=dict)
    retired: bool = False


class WorkerPool:
    """Query workers on one data version at a time, forked from a zygote that holds it.

    A worker whose query runs past its time limit is killed and replaced by a new fork
    (milliseconds); a replacement that fails (a store directory briefly missing) is retried
    with backoff. With *poll_s* above 0, a thread checks the data every *poll_s* seconds
    (the files' size, time and inode; the ``current`` link of a publication): a new version
    gets a new zygote and a whole new set of workers, and only once all of them are ready do
    queries move to it, all together; a query still running on the old version finishes
    there and says so (its version comes back with its answer). A version that fails to
    open leaves the pool on the old one (:attr:`version_error` says why).
    """

    def __init__(self, data, size: int, *, memory_bytes: int = 0, poll_s: float = 0.0):
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size = size
        self.memory_bytes = memory_bytes
        self._data = data
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._generations: list[_Generation] = []
        self._queries = itertools.count(1)
        #: the last workers that ended: (pid, exit code, why the pool stopped it or None)
        self.ended: collections.deque[tuple[int, int, str | None]] = collections.deque(maxlen=100)
        #: why workers are missing (the last failure to replace one), None when all is well
        self.problem: str | None = None
        #: why the newest data version could not be opened, None when it is served
        self.version_error: str | None = None
        #: whether every worker started so far runs without network (read on every query)
        self.network_cut = True
        self._signature = data.signature()
        self._current = self._open(data.locate())
        self._go_live(self._current)
        if poll_s > 0:
            threading.Thread(target=self._watch, args=(poll_s,), name="coevidence-data-watch", daemon=True).start()

    # -- generations ---------------------------------------------------------------------

    def _open(self, loaded: Loaded) -> _Generation:
        """A new generation on *loaded*, all its workers ready (not yet serving)."""
        generation = _Generation(loaded)
        with self._lock:
            self._generations.append(generation)
        try:
            generation.zygote = _Zygote(loaded.source, self._on_death)
            for _ in range(self.size):
                self._fork(generation)
        except StoreUnavailable:
            self._retire(generation)
            raise
        return generation

    def _go_live(self, generation: _Generation) -> None:
        with self._lock:
            old = self._current if self._current is not generation else None
            self._current = generation
            if old is not None:
                old.retired = True
        for worker in list(generation.workers.values()):
            self._make_idle(worker)
        if old is not None:
            self._retire(old)

    def _retire(self, generation: _Generation) -> None:
        """Stop *generation*'s idle workers now and the others when their query ends."""
        generation.retired = True
        for worker in list(generation.workers.values()):
            if worker.idle:
                self._dismiss(worker)
        self._close_if_done(generation)

    def _close_if_done(self, generation: _Generation) -> None:
        with self._lock:
            done = generation.retired and not generation.workers and generation in self._generations
            if done:
                self._generations.remove(generation)
        if done and generation.zygote is not None:
            generation.zygote.close()

    def _fork(self, generation: _Generation) -> _Worker:
        zygote = generation.zygote
        if zygote is None or not zygote.alive:
            raise StoreUnavailable("the process holding the data stopped")
        pid, conn = zygote.fork(self.memory_bytes)
        worker = _Worker(pid, conn, generation)
        with self._lock:
            generation.workers[pid] = worker
        message = None
        try:
            if conn.poll(WORKER_START_S):
                message = conn.recv()
        except (EOFError, OSError):
            message = None
        if message is None or message[0] != "ready":
            worker.stopping = "it could not start"
            zygote.kill(pid)
            conn.close()
            reason = message[1] if message else "it stopped before it was ready"
            raise StoreUnavailable(f"a query worker could not start: {reason}")
        worker.network = message[2]
        if worker.network is not None and self.network_cut:
            self.network_cut = False
            log.warning(
                "query workers keep their network access (%s); the policy check still refuses "
                "SERVICE, LOAD and remote FROM", worker.network,
            )
        return worker

    def _make_idle(self, worker: _Worker) -> None:
        if worker.generation.retired or self._closed.is_set():
            self._dismiss(worker)
            return
        worker.idle = True
        self._idle.put(worker)

    def _dismiss(self, worker: _Worker) -> None:
        """Stop a worker that is not running a query (politely: it exits by itself)."""
        if worker.stopping is None:
            worker.stopping = "no longer needed"
        worker.idle = False
        try:
            worker.conn.send(None)
        except OSError:
            pass
        worker.conn.close()

    def _kill(self, worker: _Worker, reason: str) -> None:
        """Kill *worker* now (freeing its CPU) and start a replacement in the background."""
        worker.stopping = reason
        zygote = worker.generation.zygote
        if zygote is not None:
            zygote.kill(worker.pid)
        worker.conn.close()
        self._replace_soon(worker)

    def _replace_soon(self, worker: _Worker) -> None:
        """Start a replacement for *worker* (once, however many see it go)."""
        with self._lock:
            if worker.replaced:
                return
            worker.replaced = True
        generation = worker.generation
        if not generation.retired and not self._closed.is_set():
            threading.Thread(target=self._replace, args=(generation,), daemon=True).start()

    def _replace(self, generation: _Generation) -> None:
        """Fork a new worker for *generation*, retrying with backoff until it works."""
        pause = REPLACE_FIRST_PAUSE_S
        while not generation.retired and not self._closed.is_set():
            zygote = generation.zygote
            if zygote is None or not zygote.alive:
                return  # _on_death reopens the data as a new generation
            try:
                worker = self._fork(generation)
            except StoreUnavailable as error:
                if self._closed.is_set():
                    return
                if self.problem != str(error):
                    log.error("could not replace a query worker (retrying): %s", error)
                self.problem = str(error)
                self._closed.wait(pause)
                pause = min(pause * 2, REPLACE_MAX_PAUSE_S)
                continue
            self.problem = None
            self._make_idle(worker)
            return

    def _on_death(self, zygote: _Zygote, pid: int | None, exitcode: int) -> None:
        """The zygote reported a worker's end (pid None: the zygote itself ended)."""
        with self._lock:
            generation = next((g for g in self._generations if g.zygote is zygote), None)
        if generation is None:
            return
        if pid is None:
            self._on_zygote_lost(generation, exitcode)
            return
        with self._lock:
            worker = generation.workers.pop(pid, None)
        if worker is None:
            return
        worker.exitcode = exitcode
        self.ended.append((pid, exitcode, worker.stopping))
        if worker.stopping is None:
            how = _signal_name(exitcode)
            if exitcode == -signal.SIGABRT and self.memory_bytes:
                how += f"; most likely past its memory ceiling of {self.memory_bytes // MB} MB"
            if worker.query is not None:
                log.error("query worker %d died (%s) while running query %s", pid, how, worker.query)
            else:
                log.error("query worker %d died (%s) while idle", pid, how)
            self._replace_soon(worker)
        elif worker.stopping not in ("no longer needed", "it could not start", "the server stops"):
            log.info("query worker %d stopped (%s; query %s)", pid, worker.stopping, worker.query)
        worker.dead.set()  # after the log line: a query waiting on it reports after it
        self._close_if_done(generation)

    def _on_zygote_lost(self, generation: _Generation, exitcode: int | None) -> None:
        with self._lock:
            workers = list(generation.workers.values())
            generation.workers.clear()
        for worker in workers:  # they die with their zygote (PR_SET_PDEATHSIG)
            worker.dead.set()
            worker.conn.close()
        if generation.retired or self._closed.is_set():
            self._close_if_done(generation)
            return
        log.error("the process holding the data ended (%s); opening the data again", _signal_name(exitcode))
        generation.retired = True
        self._close_if_done(generation)
        threading.Thread(target=self._reopen, daemon=True).start()

    def _reopen(self) -> None:
        """After the current zygote was lost: open the data again, as a new generation."""
        pause = REPLACE_FIRST_PAUSE_S
        while not self._closed.is_set():
            try:
                self._go_live(self._open(self._data.locate()))
            except StoreError as error:
                self.problem = f"the data could not be opened again: {error}"
                log.error("%s (retrying)", self.problem)
                self._closed.wait(pause)
                pause = min(pause * 2, REPLACE_MAX_PAUSE_S)
                continue
            self.problem = None
            return

    # -- new versions --------------------------------------------------------------------

    def _watch(self, poll_s: float) -> None:
        pending = None
        retry_at = None
        while not self._closed.wait(poll_s):
            try:
                signature = self._data.signature()
            except StoreError as error:
                signature = ("error", str(error))
            if signature == self._signature:
                pending = None
                if self.version_error is None:
                    retry_at = None
                elif retry_at is None:
                    retry_at = time.monotonic() + max(VERSION_RETRY_S, poll_s)
                elif time.monotonic() >= retry_at:  # a failure may have been passing
                    retry_at = None
                    self.check_for_new_version()
                continue
            if signature != pending:  # changed: wait until it holds still for one poll
                pending = signature
                continue
            self._signature = signature
            pending = None
            self.check_for_new_version()

    def check_for_new_version(self) -> bool:
        """Open the data's newest version and move every query to it; True if it moved."""
        current = self._current.loaded
        try:
            loaded = self._data.locate()
            if loaded.version == current.version:
                self.version_error = None
                return False
            generation = self._open(loaded)
            if self._data.locate().version != loaded.version:  # changed while loading
                self._retire(generation)
                self._signature = None
                return False
        except StoreError as error:
            message = f"a new data version could not be opened, still serving {current.version}: {error}"
            if message != self.version_error:
                log.error("%s", message)
            self.version_error = message
            return False
        self._go_live(generation)
        self.version_error = None
        log.info("now serving data version %s (was %s)", loaded.version, current.version)
        return True

    # -- queries -------------------------------------------------------------------------

    @property
    def loaded(self) -> Loaded:
        return self._current.loaded

    def run(self, request: tuple, timeout: float) -> tuple[tuple, str]:
        """Run *request* on an idle worker of the current version; wait at most *timeout*
        seconds for one and *timeout* seconds for its answer. Returns the answer and the
        data version it was computed on."""
        query = f"#{next(self._queries)} (sha256 {hashlib.sha256(request[0].encode()).hexdigest()[:12]})"
        deadline = time.monotonic() + timeout
        while True:
            generation = self._current
            if self.problem is not None and not self._alive(generation):
                raise StoreUnavailable(f"no query worker is running: {self.problem}")
            try:
                worker = self._idle.get(timeout=max(0.0, min(deadline - time.monotonic(), 0.25)))
            except queue.Empty:
                if time.monotonic() < deadline:
                    continue
                raise StoreUnavailable(
                    f"all {self.size} query workers stayed busy for {timeout:g} s; try again shortly"
                ) from None
            worker.idle = False
            if worker.dead.is_set() or worker.stopping is not None:
                continue
            if worker.generation is not self._current:
                self._dismiss(worker)
                continue
            break
        worker.query = query
        try:
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                self._kill(worker, f"time limit of {timeout:g} s")
                raise QueryTimeout(
                    f"the query ran for longer than the time limit of {timeout:g} s and was stopped"
                )
            response = worker.conn.recv()
        except (EOFError, OSError):
            raise self._lost(worker) from None
        if response[1][0] == "memory":
            worker.stopping = "out of memory"
            worker.conn.close()
            self._replace_soon(worker)
            raise QueryFailed(self._memory_message())
        worker.query = None
        self._make_idle(worker)
        return response, worker.generation.loaded.version

    def _alive(self, generation: _Generation) -> int:
        return sum(1 for w in list(generation.workers.values()) if w.stopping is None and not w.dead.is_set())

    def _memory_message(self) -> str:
        limit = f" of {self.memory_bytes // MB} MB" if self.memory_bytes else ""
        return f"the query needed more memory than the limit{limit} per query and was stopped"

    def _lost(self, worker: _Worker) -> StoreError:
        """*worker* died during its query: why, as the error to give the client."""
        worker.conn.close()
        self._replace_soon(worker)
        worker.dead.wait(DEATH_REPORT_S)
        exitcode = worker.exitcode
        if exitcode in (-signal.SIGABRT, -signal.SIGKILL, zygote_module.EXIT_MEMORY) and self.memory_bytes:
            return QueryFailed(self._memory_message())
        return StoreUnavailable(
            f"the query worker running this query stopped unexpectedly ({_signal_name(exitcode)}); "
            "it has been replaced; try again"
        )

    def pids(self) -> dict[str, list[int]]:
        """The process ids of the current version's zygote and workers."""
        generation = self._current
        zygote = generation.zygote
        return {
            "zygote": [zygote.process.pid] if zygote is not None and zygote.alive else [],
            "workers": [w.pid for w in list(generation.workers.values()) if w.stopping is None],
        }

    def status(self) -> dict[str, int | bool]:
        generation = self._current
        workers = list(generation.workers.values())
        alive = sum(1 for w in workers if w.stopping is None and not w.dead.is_set())
        idle = sum(1 for w in workers if w.idle and w.stopping is None and not w.dead.is_set())
        return {"size": self.size, "alive": alive, "idle": idle, "network_cut": self.network_cut}

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            generations = list(self._generations)
        for generation in generations:
            generation.retired = True
            for worker in list(generation.workers.values()):
                if worker.stopping is None:
                    worker.stopping = "the server stops"
                try:  # a reader or a query's thread may be closing it at the same moment
                    worker.conn.close()
                except OSError:
                    pass
            if generation.zygote is not None:
                generation.zygote.close()
                try:
                    generation.zygote.process.wait(10)
                except subprocess.TimeoutExpired:
                    generation.zygote.process.kill()


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------



def _with_constants(sparql: str, bindings: Mapping[str, Identifier]) -> tuple[str, dict[str, Identifier]]:
    """*sparql* with its bound IRIs and literals written into the text as constants, and the
    bindings left to pyoxigraph's substitutions (blank nodes, which have no name in a query).

    pyoxigraph 0.5 plans a query before it applies ``substitutions``: a bound variable is
    planned as unbound and joined at the end, so ``?claim a coe:Outcome ; coe:pilot ?pilot``
    starts from every outcome of the dataset (27 ms at 1,000 pilots, against 1 ms with the
    pilot written in; a pilot's sidebar 276 ms against 10 ms). Written in by the same
    tokenizer the remote store uses (:func:`.remote.substitute`: never inside strings, IRIs or
    comments, and a SELECT still returns the bound value), so both stores read bound values
    the same way.
    """
    constants = {name: term for name, term in bindings.items() if isinstance(term, (URIRef, Literal))}
    if not constants:
        return sparql, dict(bindings)
    from coevidence.server.stores.remote import substitute  # the one tokenizer (imported when first needed)

    rest = {name: term for name, term in bindings.items() if name not in constants}
    return substitute(sparql, constants), rest


class OxigraphStore:
    """The embedded store (see the module docstring). Use :meth:`load` or :meth:`open`."""

    #: a query without a dataset of its own sees the union of the named graphs
    union_default_graph = True

    def __init__(self, data, *, workers: int, memory_mb: int = 0, poll_s: float = 0.0):
        self._pool = WorkerPool(data, workers, memory_bytes=memory_mb * MB, poll_s=poll_s)

    @classmethod
    def load(
        cls, paths: Sequence[str | Path] | None = None, *, workers: int = 2, memory_mb: int = 0,
        poll_s: float = 0.0,
    ) -> "OxigraphStore":
        """Serve *paths* (default: the bundled data), loaded into memory once and shared by
        the workers; with *poll_s*, a change to a file is picked up as a new version."""
        return cls(_FileData(paths), workers=workers, memory_mb=memory_mb, poll_s=poll_s)

    @classmethod
    def open(
        cls, store_dir: str | Path, *, workers: int = 2, memory_mb: int = 0, poll_s: float = 0.0,
    ) -> "OxigraphStore":
        """Serve a publication root (its ``current`` version, followed when it moves, every
        *poll_s* seconds) or a plain store written by :func:`write_store`, read-only."""
        store_dir = Path(store_dir)
        if versions.is_root(store_dir):
            data = _Publication(store_dir)
        elif is_store(store_dir):
            data = _FixedStore(store_dir)
        else:
            raise DataFileError(
                f"{store_dir}: not an Oxigraph store nor a publication root; "
                "write one with `coevidence build --store DIR`"
            )
        return cls(data, workers=workers, memory_mb=memory_mb, poll_s=poll_s)

    @property
    def description(self) -> str:
        return self._pool.loaded.description

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
        scan = scan_query(sparql, thorough=not self.network_cut)
        # pyoxigraph would fetch a SERVICE URL: never let one reach it
        check_keywords(scan)
        check_verifiable(scan)
        protocol_dataset = bool(default_graph_uris or named_graph_uris)
        text, substitutions = _with_constants(sparql, bindings or {})
        request = (
            text,
            tuple((name, from_rdflib(term)) for name, term in substitutions.items()),
            list(default_graph_uris) if protocol_dataset else None,
            list(named_graph_uris) if protocol_dataset else None,
            not protocol_dataset and not scan.has_dataset_clause,
            max_rows,
            tuple(accept),
            max_bytes,
            scan.limit,  # the worker need not scan the text again (see .worker)
        )
        (seconds, response), version = self._pool.run(request, timeout)
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
                data_version=version,
            )
        if kind == "syntax":  # pyoxigraph's 'error at 3:13: expected ...', in words
            raise QuerySyntaxError(explain_oxigraph(text, response[1]))
        try:
            result = self._result(response)
        except ValueError as error:  # a triple term, which rdflib cannot hold
            raise QueryFailed(str(error)) from None
        result.engine_seconds = seconds
        result.data_version = version
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
        """The version queries run on now (each result also says which it ran on)."""
        return self._pool.loaded.version

    def check_for_new_version(self) -> bool:
        """Look for a new data version now (as the poll does); True if queries moved to it."""
        return self._pool.check_for_new_version()

    def problems(self) -> list[tuple[bool, str]]:
        """What is wrong, for ``/health``: ``(fatal, reason)``; fatal means no query can run."""
        found = []
        pool = self._pool
        alive = pool.status()["alive"]
        if alive == 0 and pool.problem is not None:
            found.append((True, f"no query worker is running: {pool.problem}"))
        elif pool.problem is not None:
            found.append((False, f"{pool.size - alive} of {pool.size} query workers are missing: {pool.problem}"))
        if pool.version_error is not None:
            found.append((False, pool.version_error))
        return found

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
