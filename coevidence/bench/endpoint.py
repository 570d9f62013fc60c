"""`coevidence bench endpoint`: the SPARQL endpoint against its peers, side by side.

One run synthesises pilots with the ingest's generator (``coevidence.ingest.synth``), builds
them to N-Triples, then runs a mix of cross-pilot queries on

- ``oxigraph``: pyoxigraph in-process, holding the files as the server's workers do (the
  engine alone, no HTTP);
- ``serve``: ``coevidence serve --data FILE`` over HTTP (the embedded store);
- ``flask``: the floor under ``serve``'s own time: a bare Flask app under the same waitress
  settings that sleeps as long as ``serve``'s engine took on a query (one uncached run, its
  ``Server-Timing``), then answers with the bytes ``serve`` answered (no store, no checks, no
  cache, no worker; :mod:`.ceiling`): its latency less its sleep is what HTTP, waitress, Flask
  and waking after that wait cost on this machine;
- ``virtuoso``: Virtuoso 7 open source over HTTP, asked directly;
- ``serve→virtuoso``: ``coevidence serve --endpoint`` in front of that Virtuoso;
- ``flask→virtuoso``: the floor under ``serve→virtuoso``: a bare Flask app under the same
  waitress settings that sends each request on to that Virtuoso as it came and gives back its
  answer (:mod:`.ceiling`), reporting its wait for Virtuoso as ``engine``: what any proxy built
  on Flask and waitress adds to asking Virtuoso directly;
- ``rdflib-endpoint``: rdflib-endpoint serving the same files on rdflib's in-memory store;
- ``rdflib-endpoint/oxigraph``: the same on its Oxigraph store (``--store Oxigraph``:
  rdflib's ``Dataset(store="Oxigraph")`` through oxrdflib, so the same engine as ours).

Every system holds the same triples (the data, the ontology and the vocabularies). Each
query runs once to warm up, then in rounds, the systems taking turns, at least ``--repeat``
times and until its rounds have taken ``--min-time`` seconds; the tables give medians. A
``serve`` is measured once its background warm-up has finished (see :func:`wait_for_warm_up`).

**Cold and warm.** ``coevidence serve`` keeps answers for a data version (its result cache).
The *cold* rounds measure a first run on a data version: every request to a ``serve``
system carries a ``max-rows`` it has not been sent before (below the server's own cap and
far above every answer's size, so the answer is the same), which is part of the cache's key,
so the cache misses every time while the query text, already scanned, is the one a page
would send again on a new version; a run whose ``Server-Timing`` says ``cache;desc="hit"``
is counted as failed. The *warm* rounds then send the same request again and again (the
cache answers; a run that is not a hit is noted), beside Virtuoso asked directly.

A query that does not finish within ``--limit`` seconds counts as timed out
*at* the limit; rdflib-endpoint cannot stop a running query, so after a time-out its process
is restarted (and it is measured after the others, so that its runaway work never overlaps
their measurements). pyoxigraph in-process cannot be stopped either and has no limit.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import click

from coevidence.bench.options import DEFAULT_WORKDIR
from coevidence.ontology import ID, ONTOLOGY_FILE, PREFIXES, VOCABULARIES_FILE
from coevidence.server.stores.remote import quick_ack

#: the ingest generator makes about 1,660 triples per pilot (with provenance): 900 pilots
#: give the 1.5 million triples the issue asks for
DEFAULT_PILOTS = 900
RESULTS_JSON = "application/sparql-results+json"
#: most measured rounds of one query (see measure_interleaved)
MAX_ROUNDS = 400

RDFLIB_SYSTEMS = {"rdflib-endpoint": "default", "rdflib-endpoint/oxigraph": "Oxigraph"}
SYSTEMS = ("oxigraph", "serve", "flask", "virtuoso", "serve→virtuoso", "flask→virtuoso", *RDFLIB_SYSTEMS)
#: the systems that need a local Virtuoso
VIRTUOSO_SYSTEMS = ("virtuoso", "serve→virtuoso", "flask→virtuoso")
#: the systems with a result cache, measured warm too (beside Virtuoso, direct)
CACHED_SYSTEMS = ("serve", "serve→virtuoso")
#: the ``max-rows`` the cold rounds count down from (the servers are started with this cap)
SERVE_MAX_ROWS = 100_000
#: the in-front-of-Virtuoso target holds on the queries that take Virtuoso longer than this
VIRTUOSO_TARGET_FLOOR_S = 0.005


# ---------------------------------------------------------------------------------------
# The query mix
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchQuery:
    name: str
    what: str
    body: str

    def text(self) -> str:
        return prologue(self.body) + self.body


def prologue(body: str) -> str:
    """PREFIX lines for the project prefixes a query body uses."""
    return "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items() if f"{prefix}:" in body)


def query_mix(pilot: str, actor: str) -> list[BenchQuery]:
    """The benchmark's queries; *pilot* and *actor* are the N-Triples IRIs of the entities
    the point look-ups ask about (minted by the project, not user input)."""
    return [
        BenchQuery("exchanges_by_country_and_resource_type", "aggregate: exchanges by pilot country and resource type", """
SELECT ?country ?resourceType (COUNT(?exchange) AS ?exchanges) WHERE {
  ?exchange a coe:ResourceExchange ; coe:pilot ?pilot ; coe:resourceType ?resourceType .
  ?pilot coe:country ?country .
} GROUP BY ?country ?resourceType ORDER BY ?country DESC(?exchanges)"""),
        BenchQuery("citizen_contributions_by_country", "aggregate, four joins: what citizen groups gave, by country", """
SELECT ?country ?resourceType (COUNT(?exchange) AS ?exchanges) WHERE {
  ?exchange coe:provider ?provider ; coe:resourceType ?resourceType ; coe:pilot ?pilot .
  ?provider a coe:CitizenGroup .
  ?pilot coe:country ?country .
} GROUP BY ?country ?resourceType"""),
        BenchQuery("exchanges_by_stage", "aggregate: resource types at each stage of co-creation", """
SELECT ?stage ?resourceType (COUNT(?exchange) AS ?exchanges) WHERE {
  ?exchange a coe:ResourceExchange ; coe:stage ?stage ; coe:resourceType ?resourceType .
} GROUP BY ?stage ?resourceType ORDER BY ?stage DESC(?exchanges)"""),
        BenchQuery("sector_to_sector_flows", "path actor -> exchange -> resource -> actor, by sector", """
SELECT ?providerSector ?resourceType ?recipientSector (COUNT(?exchange) AS ?exchanges) WHERE {
  ?exchange coe:provider ?provider ; coe:recipient ?recipient ; coe:resourceType ?resourceType .
  ?provider coe:sector ?providerSector .
  ?recipient coe:sector ?recipientSector .
} GROUP BY ?providerSector ?resourceType ?recipientSector ORDER BY DESC(?exchanges) LIMIT 50"""),
        BenchQuery("pilot_summaries", "OPTIONAL-heavy: the first 100 pilots with service, context and groups", """
SELECT ?pilot ?number ?title ?country ?start ?end ?serviceTitle ?area ?contextTitle ?targetGroup WHERE {
  ?pilot a coe:Pilot ; coe:pilotNumber ?number ; rdfs:label ?title ; coe:country ?country .
  OPTIONAL { ?pilot coe:startDate ?start }
  OPTIONAL { ?pilot coe:endDate ?end }
  OPTIONAL { ?pilot coe:service ?service . ?service rdfs:label ?serviceTitle ; coe:serviceArea ?area }
  OPTIONAL { ?pilot coe:nationalContext ?context . ?context rdfs:label ?contextTitle }
  OPTIONAL { ?pilot coe:targetGroup ?group . ?group rdfs:label ?targetGroup }
} ORDER BY ?number LIMIT 100"""),
        BenchQuery("pilot_activity_in_finland", "OPTIONAL + aggregate: exchanges and outcomes of each Finnish pilot", """
SELECT ?pilot ?title (COUNT(DISTINCT ?exchange) AS ?exchanges) (COUNT(DISTINCT ?outcome) AS ?outcomes) WHERE {
  ?pilot a coe:Pilot ; rdfs:label ?title ; coe:country country:FIN .
  OPTIONAL { ?exchange coe:pilot ?pilot ; a coe:ResourceExchange }
  OPTIONAL { ?outcome coe:pilot ?pilot ; a coe:Outcome }
} GROUP BY ?pilot ?title ORDER BY DESC(?exchanges) ?pilot LIMIT 20"""),
        BenchQuery("outcomes_by_direction_and_evidence", "aggregate: outcomes by direction and kind of evidence", """
SELECT ?direction ?evidenceType (COUNT(?outcome) AS ?outcomes) WHERE {
  ?outcome a coe:Outcome ; coe:direction ?direction ; coe:evidenceType ?evidenceType .
} GROUP BY ?direction ?evidenceType ORDER BY ?direction ?evidenceType"""),
        BenchQuery("hindering_factors_by_country", "aggregate through the vocabulary: hindering factors by category and country", """
SELECT ?country ?category (COUNT(DISTINCT ?factor) AS ?factors) WHERE {
  ?factor a coe:Factor ; coe:effect ?effect ; coe:factorCategory ?category ; coe:pilot ?pilot .
  ?effect skos:notation "hindering" .
  ?pilot coe:country ?country .
} GROUP BY ?country ?category ORDER BY ?country DESC(?factors)"""),
        BenchQuery("text_search_exchanges", "text filter (CONTAINS): exchanges of lived experience, with their pilots", """
SELECT ?exchange ?label ?pilotTitle WHERE {
  ?exchange a coe:ResourceExchange ; rdfs:label ?label ; coe:pilot ?pilot .
  ?pilot rdfs:label ?pilotTitle .
  FILTER(CONTAINS(LCASE(?label), "lived experience"))
} ORDER BY ?exchange LIMIT 100"""),
        BenchQuery("regex_on_quotes", "text filter (REGEX): claims quoting passages 100 to 199, with their sources", """
SELECT ?claim ?quote ?source WHERE {
  ?claim coe:evidence ?evidence .
  ?evidence oa:hasSource ?source ; oa:hasSelector ?selector .
  ?selector oa:exact ?quote .
  FILTER(REGEX(?quote, "^Passage 1[0-9][0-9] of"))
} ORDER BY ?claim ?source LIMIT 100"""),
        BenchQuery("evidence_of_one_pilot", "point, with joins: one pilot's outcomes, their sources and quotes", f"""
SELECT ?outcome ?outcomeType ?direction ?sourceTitle ?quote WHERE {{
  ?outcome coe:pilot {pilot} ; a coe:Outcome ; coe:outcomeType ?outcomeType ; coe:direction ?direction ;
           coe:evidence ?evidence .
  ?evidence oa:hasSource ?source .
  ?source rdfs:label ?sourceTitle .
  OPTIONAL {{ ?evidence oa:hasSelector ?selector . ?selector oa:exact ?quote }}
}}"""),
        BenchQuery("lookup_pilot", "point look-up: every property of one pilot", f"""
SELECT ?property ?value WHERE {{ {pilot} ?property ?value }}"""),
        BenchQuery("lookup_actor", "point look-up: every property of one actor", f"""
SELECT ?property ?value WHERE {{ {actor} ?property ?value }}"""),
    ]


# ---------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    rows: int | None = None  # None: timed out or failed
    error: str | None = None
    engine: float | None = None  # the engine's own seconds, from the Server-Timing header
    cached: bool = False  # the server said it answered from its result cache

    @property
    def timed_out(self) -> bool:
        return self.error == "timeout"


@dataclass
class Cell:
    """All runs of one query on one system."""

    runs: list[Run] = field(default_factory=list)

    def median(self, limit: float) -> float:
        values = [limit if run.timed_out else run.seconds for run in self.runs if run.error in (None, "timeout")]
        return statistics.median(values) if values else float("nan")

    def overhead(self) -> float:
        """Median over the runs of (latency − the engine's time that the server reported)."""
        values = [run.seconds - run.engine for run in self.runs if run.engine is not None and run.error is None]
        return statistics.median(values) if values else float("nan")

    @property
    def timed_out(self) -> bool:
        return any(run.timed_out for run in self.runs)

    @property
    def failed(self) -> str | None:
        return next((run.error for run in self.runs if run.error not in (None, "timeout")), None)

    @property
    def rows(self) -> int | None:
        return next((run.rows for run in self.runs if run.rows is not None), None)


class HttpClient:
    """One keep-alive connection to a SPARQL endpoint; asks for SPARQL JSON results.

    Sets ``TCP_QUICKACK`` around each request, as RemoteStore does: without it Virtuoso's
    answers on a kept-alive connection often wait 40 ms for a delayed acknowledgement.

    With ``cold``, every request carries a ``max-rows`` not sent before (counting down from
    ``SERVE_MAX_ROWS``), so that a server's result cache cannot answer it; a run the server
    says it answered from its cache anyway is an error."""

    def __init__(self, url: str, *, extra: dict[str, str] | None = None, cold: bool = False) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self.extra = dict(extra or {})
        self.cold = cold
        self.next_max_rows = SERVE_MAX_ROWS - 1
        self.connection: http.client.HTTPConnection | None = None

    def ask(self, sparql: str, limit: float) -> Run:
        fields = {"query": sparql, **self.extra}
        if self.cold:
            fields["max-rows"] = str(self.next_max_rows)
            self.next_max_rows -= 1
        params = urllib.parse.urlencode(fields)
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=limit)
        self.connection.timeout = limit
        if self.connection.sock is not None:
            self.connection.sock.settimeout(limit)
        started = time.perf_counter()
        try:
            if self.connection.sock is None:
                self.connection.connect()
            quick_ack(self.connection.sock)
            self.connection.request("GET", f"{self.path}?{params}", headers={"Accept": RESULTS_JSON})
            quick_ack(self.connection.sock)
            response = self.connection.getresponse()
            body = response.read()
        except TimeoutError:
            self.close()
            return Run(limit, error="timeout")
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Run(time.perf_counter() - started, error=f"{type(error).__name__}: {error}")
        elapsed = time.perf_counter() - started
        if response.will_close:
            self.close()
        if response.status in (503, 504) and b"time" in body.lower():
            return Run(limit, error="timeout")
        if response.status != 200:
            return Run(elapsed, error=f"HTTP {response.status}: {body[:200].decode(errors='replace')}")
        if response.getheader("X-SQL-State", "").strip() == "S1TAT":
            return Run(limit, error="timeout")
        try:
            data = json.loads(body)
        except ValueError:
            return Run(elapsed, error="the answer is not JSON")
        timing = response.getheader("Server-Timing")
        cached = cache_hit(timing)
        if cached and self.cold:
            return Run(elapsed, error="answered from the result cache in a cold run")
        return Run(elapsed, rows=len(data.get("results", {}).get("bindings", [])),
                   engine=engine_seconds(timing), cached=cached)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def engine_seconds(header: str | None) -> float | None:
    """The ``engine`` metric of a Server-Timing header, in seconds."""
    for metric in (header or "").split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        if name == "engine":
            for param in params:
                if param.startswith("dur="):
                    try:
                        return float(param[4:]) / 1000
                    except ValueError:
                        return None
    return None


def cache_hit(header: str | None) -> bool:
    """Whether a Server-Timing header says ``cache;desc="hit"``."""
    for metric in (header or "").split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        if name == "cache" and any(param.replace('"', "") == "desc=hit" for param in params):
            return True
    return False


class InProcess:
    """pyoxigraph in this process, holding the data as the server's workers do: each file
    bulk-loaded into its own named graph of an in-memory store."""

    def __init__(self, data: Path) -> None:
        import pyoxigraph

        from coevidence.server.stores.oxigraph import FORMATS_BY_SUFFIX, data_files

        self.store = pyoxigraph.Store()
        for file in data_files([data]):
            rdf_format = getattr(pyoxigraph.RdfFormat, FORMATS_BY_SUFFIX[file.path.suffix.lower()])
            self.store.bulk_load(path=str(file.path), format=rdf_format, to_graph=pyoxigraph.NamedNode(file.graph))

    def ask(self, sparql: str, limit: float) -> Run:
        started = time.perf_counter()
        result = self.store.query(sparql, use_default_graph_as_union=True)
        rows = [tuple(solution) for solution in result]
        return Run(time.perf_counter() - started, rows=len(rows))

    def close(self) -> None:
        del self.store


@dataclass
class Process:
    """A server process started here; stopped by its own id."""

    name: str
    popen: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def _launch(command: list[str], log: Path, marker: str, what: str) -> tuple[subprocess.Popen, str]:
    """Start *command* (its standard error into *log*) and wait for its first line, which
    must hold *marker*; return the process and the first word after the marker (its URL)."""
    stderr = log.open("wb")
    popen = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True)
    stderr.close()
    assert popen.stdout is not None
    line = popen.stdout.readline()
    if marker not in line:
        popen.wait(timeout=30)
        raise click.ClickException(f"{what} did not start: {log.read_text(errors='replace')[-800:]}")
    return popen, line.split(marker, 1)[1].split()[0]


def start_serve(args: list[str], log: Path, name: str) -> Process:
    """Start ``coevidence serve`` on a free port and wait for its URL."""
    command = [sys.executable, "-m", "coevidence", "serve", "--host", "127.0.0.1", "--port", "0", *args]
    popen, url = _launch(command, log, "serving SPARQL at ", f"coevidence serve ({name})")
    return Process(name, popen, url, log)


#: how long a started ``serve`` may take to finish its warm-up before the run gives up
WARM_UP_DEADLINE_S = 900


def _get(url: str, target: str, accept: str, timeout: float) -> tuple[http.client.HTTPResponse, bytes]:
    """One GET of *target* (a path and query) on the host of *url*, on a connection of its own."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", target, headers={"Accept": accept})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def health(url: str) -> dict:
    """``/health`` of the server whose SPARQL endpoint is *url*."""
    response, body = _get(url, "/health", "application/json", 30)
    try:
        if response.status != 200:
            raise ValueError
        return json.loads(body)
    except ValueError:
        raise click.ClickException(
            f"{url}: /health answered HTTP {response.status}, not a JSON status: {body[:200]!r}") from None


def wait_for_warm_up(process: Process, deadline: float = WARM_UP_DEADLINE_S) -> tuple[float | None, str | None]:
    """Wait until *process* (a ``serve``) has finished its background warm-up; return the
    seconds it says the warm-up took (None when it has none) and, should the warm-up have
    failed (it then tries again later, so the run goes on with a note), its error.

    The warm-up runs the pages' whole-dataset queries on the server's own store as soon as
    it starts (seconds at 1,000 pilots): measured during it, a query competes with them for
    the workers (or the remote store) and for the web process, and the harness would
    measure the start-up, not the server. ``bench start`` measures the start."""
    ends = time.monotonic() + deadline
    while True:
        state = health(process.url).get("warm_up")
        if state is None:
            return None, None
        if not state.get("running") and state.get("version") is not None:
            return state.get("seconds"), None
        if state.get("error") and not state.get("running"):
            return None, str(state["error"])
        if process.popen.poll() is not None:
            raise click.ClickException(f"{process.name} stopped during its warm-up: {process.log.read_text(errors='replace')[-800:]}")
        if time.monotonic() > ends:
            raise click.ClickException(f"{process.name} had not finished its warm-up after {deadline:g} s")
        time.sleep(0.2)


def answer_body(url: str, sparql: str, limit: float) -> tuple[str, float]:
    """The SPARQL JSON results that the endpoint at *url* answers *sparql* with, and the
    seconds its engine took (its ``Server-Timing``; 0 if it says none)."""
    target = f"{urllib.parse.urlsplit(url).path}?{urllib.parse.urlencode({'query': sparql})}"
    response, body = _get(url, target, RESULTS_JSON, limit)
    if response.status != 200:
        raise click.ClickException(f"serve answered HTTP {response.status} to a query of the mix: {body[:300]!r}")
    return body.decode(), engine_seconds(response.getheader("Server-Timing")) or 0.0


def start_floor(answers: dict[str, tuple[str, float]], workdir: Path) -> Process:
    """Start the ``flask`` system: :mod:`.ceiling` answering each query of *answers* with
    its bytes after sleeping its seconds, under the server's waitress settings."""
    file = workdir / "flask-answers.json"
    file.write_text(json.dumps(answers), encoding="utf-8")
    log = workdir / "flask.log"
    popen, url = _launch([sys.executable, "-m", "coevidence.bench.ceiling", "--answers", str(file)], log,
                         "ceiling: serving at ", "the bare Flask app")
    return Process("flask", popen, url.rstrip("/") + "/sparql", log)


def start_forwarder(endpoint: str, workdir: Path) -> Process:
    """Start the ``flask→virtuoso`` system: :mod:`.ceiling` sending every request on to
    *endpoint*, under the server's waitress settings."""
    log = workdir / "flask-forward.log"
    popen, url = _launch([sys.executable, "-m", "coevidence.bench.ceiling", "--forward", endpoint], log,
                         "ceiling: serving at ", "the bare Flask proxy")
    return Process("flask→virtuoso", popen, url.rstrip("/") + "/sparql", log)


def rdflib_endpoint_executable() -> Path:
    """Where the ``rdflib-endpoint`` command of this Python's environment is (the ``bench`` extras)."""
    return Path(sys.executable).with_name("rdflib-endpoint")


def start_rdflib_endpoint(files: list[Path], log: Path, port: int, deadline: float = 3600, *,
                          system: str = "rdflib-endpoint") -> Process:
    """Start rdflib-endpoint on the files (on the store *system* names, see
    ``RDFLIB_SYSTEMS``) and wait until it has loaded them and answers."""
    executable = rdflib_endpoint_executable()
    command = [str(executable), "serve", *map(str, files), "--host", "127.0.0.1", "--port", str(port),
               "--store", RDFLIB_SYSTEMS[system]]
    out = log.open("ab")
    popen = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    out.close()
    # its SPARQL endpoint is at "/" (the command's message says /sparql, which answers 404)
    process = Process(system, popen, f"http://127.0.0.1:{port}/", log)
    client = HttpClient(process.url)
    stop_at = time.monotonic() + deadline
    while time.monotonic() < stop_at:
        if popen.poll() is not None:
            raise click.ClickException(f"{system} exited: {log.read_text(errors='replace')[-800:]}")
        if client.ask("ASK {}", 5).error is None:
            client.close()
            return process
        client.close()
        time.sleep(1)
    process.stop()
    raise click.ClickException(f"{system} did not answer within an hour")


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------


@dataclass
class Dataset:
    folder: Path
    data: Path  # N-Triples of the synthetic pilots
    triples: int
    pilot: str
    actor: str
    prepare_seconds: dict[str, float]

    @property
    def files(self) -> list[Path]:
        return [self.data, ONTOLOGY_FILE, VOCABULARIES_FILE]


def prepare(workdir: Path, pilots: int, seed: int, say: Callable[[str], None]) -> Dataset:
    """Synthesise and build *pilots* pilots under *workdir* (kept for later runs)."""
    from coevidence.ingest.build import build_graph, serialize
    from coevidence.ingest.synth import write_synthetic

    folder = workdir / f"pilots-{pilots}-seed-{seed}"
    data, done = folder / "data.nt", folder / "prepared.json"
    timings: dict[str, float] = {}
    if not done.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        say(f"synthesising {pilots} pilots in {folder}")
        started = time.perf_counter()
        write_synthetic(folder / "sources", pilots, seed=seed)
        built = build_graph([folder / "sources"])
        if built.graph is None:
            problems = "; ".join(str(error) for error in built.errors[:5])
            raise click.ClickException(f"the synthetic sources do not build: {problems}")
        data.write_bytes(serialize(built.graph, "nt"))
        del built
        timings["synthesise and build"] = time.perf_counter() - started
        done.write_text(json.dumps(timings))
    else:
        timings = json.loads(done.read_text())
    with data.open("rb") as stream:
        triples = sum(1 for _ in stream)
    # the point look-ups ask about the middle pilot and the first actor taking part in it
    pilot_iri = ID[f"pilot/p{max(1, pilots // 2):05d}"]
    participant = f"<{pilot_iri}> ."
    actor = None
    with data.open(encoding="utf-8") as lines:
        claims = {line.split(" ", 1)[0] for line in lines if line.rstrip().endswith(participant) and "#pilot>" in line}
    with data.open(encoding="utf-8") as lines:
        actors = sorted(line.split(" ")[2] for line in lines if "#participant>" in line and line.split(" ", 1)[0] in claims)
    actor = actors[0] if actors else None
    if actor is None:
        raise click.ClickException(f"{pilot_iri} has no participants in the synthetic data")
    return Dataset(folder, data, triples, pilot_iri.n3(), actor, timings)


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------


@dataclass
class Results:
    queries: list[BenchQuery]
    systems: list[str]
    cells: dict[tuple[str, str], Cell]
    limit: float
    repeat: int
    min_time: float
    notes: list[str]
    loads: dict[str, float]
    #: the load average (1, 5, 15 minutes) when the run started, as text
    load_average: str = ""
    #: the warm rounds (see the module's text): (query, system) -> runs
    warm: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def cell(self, query: str, system: str) -> Cell:
        return self.cells.setdefault((query, system), Cell())

    def warm_cell(self, query: str, system: str) -> Cell:
        return self.warm.setdefault((query, system), Cell())

    def warm_median(self, query: str, system: str) -> float:
        return self.warm_cell(query, system).median(self.limit)

    def warm_mix_median(self, system: str) -> float:
        return statistics.median(self.warm_median(q.name, system) for q in self.queries)

    @property
    def warm_systems(self) -> list[str]:
        return [s for s in SYSTEMS if any(key[1] == s for key in self.warm)]

    def median(self, query: str, system: str) -> float:
        return self.cell(query, system).median(self.limit)

    def mix_median(self, system: str) -> float:
        return statistics.median(self.median(q.name, system) for q in self.queries)

    def mix_overhead(self, system: str) -> float:
        """Median over the queries of the server's own time (see :meth:`Cell.overhead`)."""
        values = [v for v in (self.cell(q.name, system).overhead() for q in self.queries) if v == v]
        return statistics.median(values) if values else float("nan")


def measure_interleaved(results: Results, clients: dict[str, object], warmup: int, say: Callable[[str], None],
                        warm_clients: dict[str, object] | None = None) -> None:
    """Each query on each system in turn: warm-up rounds, then measured rounds.

    A round runs the query once on every system, in an order that turns by one each round, so
    that no system always runs just after the same other one (whose after-effects, such as
    freeing memory or evicted caches, would always fall on it). There are at least ``repeat`` measured
    rounds, and more while the query's measured rounds together took less than
    ``min_time`` seconds (at most ``MAX_ROUNDS``): a fast query gets hundreds of runs, so
    that its median is stable to a few hundredths of a millisecond on a noisy machine.

    With *warm_clients*, each query's rounds are followed by as many warm rounds on those
    (at least one warm-up round first, which fills the servers' caches), kept in
    ``results.warm``.
    """
    for query in results.queries:
        text = query.text()
        _rounds(results, results.cell, query.name, text, clients, warmup)
        line = "  " + query.name + ": " + ", ".join(f"{name} {format_seconds(results.median(query.name, name))}" for name in clients)
        if warm_clients:
            _rounds(results, results.warm_cell, query.name, text, warm_clients, max(1, warmup))
            line += "; warm: " + ", ".join(
                f"{name} {format_seconds(results.warm_median(query.name, name))}" for name in warm_clients)
        say(line)


def _rounds(results: Results, cell: Callable[[str, str], Cell], name: str, text: str, clients: dict[str, object],
            warmup: int) -> None:
    for _ in range(warmup):
        for client in clients.values():
            client.ask(text, results.limit)  # type: ignore[attr-defined]
    rounds, spent = 0, 0.0
    order = list(clients.items())
    while rounds < results.repeat or (spent < results.min_time and rounds < MAX_ROUNDS):
        started = time.perf_counter()
        shift = rounds % len(order)
        for system, client in order[shift:] + order[:shift]:
            cell(name, system).runs.append(client.ask(text, results.limit))  # type: ignore[attr-defined]
        spent += time.perf_counter() - started
        rounds += 1


def measure_rdflib(results: Results, dataset: Dataset, workdir: Path, warmup: int, say: Callable[[str], None],
                   system: str = "rdflib-endpoint") -> None:
    """rdflib-endpoint on one of its stores (*system*), query by query, restarted after
    every time-out."""
    from coevidence.bench.virtuoso import free_port

    log = workdir / f"{system.replace('/', '-')}.log"
    log.write_bytes(b"")
    started = time.perf_counter()
    say(f"starting {system} (rdflib's {RDFLIB_SYSTEMS[system]} store; loading takes a while)")
    process = start_rdflib_endpoint(dataset.files, log, free_port(), system=system)
    results.loads[system] = time.perf_counter() - started
    try:
        for query in results.queries:
            text = query.text()
            client = HttpClient(process.url)
            cell = results.cell(query.name, system)
            for round_number in range(warmup + results.repeat):
                run = client.ask(text, results.limit)
                if round_number >= warmup or run.timed_out or run.seconds > results.limit / 4:
                    cell.runs.append(run)  # a slow first run is a measurement, not a warm-up
                if run.timed_out:
                    client.close()
                    say(f"  {query.name}: timed out after {results.limit:g} s; restarting {system}")
                    process.stop()
                    process = start_rdflib_endpoint(dataset.files, log, free_port(), system=system)
                    break
                if run.error is not None or sum(r.seconds for r in cell.runs) > 2 * results.limit:
                    break
            client.close()
            say(f"  {query.name}: {system} {format_seconds(cell.median(results.limit))}" + (" (timed out)" if cell.timed_out else ""))
    finally:
        process.stop()


def run_benchmark(*, pilots: int, seed: int, repeat: int, min_time: float, warmup: int, limit: float, workdir: Path,
                  systems: list[str], say: Callable[[str], None]) -> tuple[Results, Dataset]:
    from coevidence.bench.virtuoso import MEMORY_SETTINGS, LocalVirtuoso, virtuoso_missing

    if "flask" in systems and "serve" not in systems:
        raise click.ClickException("flask answers with serve's answers: measure serve too")
    asked = [system for system in RDFLIB_SYSTEMS if system in systems]
    if asked and not rdflib_endpoint_executable().is_file():
        # checked first: otherwise the other systems are measured for minutes before it fails
        raise click.ClickException(
            f"{', '.join(asked)} cannot run: rdflib-endpoint is not installed beside this Python "
            f"({rdflib_endpoint_executable()}); install the benchmark extras with "
            "`pip install -e '.[bench]'`, or leave those systems out with --systems"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    dataset = prepare(workdir, pilots, seed, say)
    say(f"{dataset.triples:,} triples of data (+ ontology and vocabularies) in {dataset.folder}")
    queries = query_mix(dataset.pilot, dataset.actor)
    notes: list[str] = []
    results = Results(queries, systems, {}, limit, repeat, min_time, notes, dict(dataset.prepare_seconds))

    missing = virtuoso_missing()
    if missing and set(VIRTUOSO_SYSTEMS) & set(systems):
        notes.append(f"Virtuoso not measured: {missing}.")
        systems = [s for s in systems if s not in VIRTUOSO_SYSTEMS]
        results.systems = systems

    processes: list[Process] = []
    clients: dict[str, object] = {}
    warm_clients: dict[str, object] = {}
    virtuoso = None
    try:
        if "oxigraph" in systems:
            started = time.perf_counter()
            clients["oxigraph"] = InProcess(dataset.data)
            results.loads["oxigraph in-process load"] = time.perf_counter() - started
        serve_args = ["--timeout", f"{limit:g}", "--max-rows", str(SERVE_MAX_ROWS), "--workers", "2", "--threads", "4"]
        if "serve" in systems:
            started = time.perf_counter()
            process = start_serve(["--data", str(dataset.data), *serve_args], workdir / "serve.log", "serve")
            results.loads["coevidence serve start (2 workers loading)"] = time.perf_counter() - started
            processes.append(process)
            clients["serve"] = HttpClient(process.url, cold=True)
            warm_clients["serve"] = HttpClient(process.url)
        if set(VIRTUOSO_SYSTEMS) & set(systems):
            memory = "2g" if dataset.triples > 500_000 else "small"
            virtuoso = LocalVirtuoso(
                sparql={"ResultSetMaxRows": "1000000", "MaxQueryExecutionTime": str(int(limit)), "MaxQueryCostEstimationTime": "0"},
                memory=memory,
            )
            say(f"starting Virtuoso ({memory}: {MEMORY_SETTINGS[memory]['NumberOfBuffers']} buffers) and loading the files")
            started = time.perf_counter()
            virtuoso.start()
            virtuoso.load(dataset.files, "https://w3id.org/coevidence/bench")
            results.loads["virtuoso load"] = time.perf_counter() - started
            # both ask Virtuoso with the same time limit parameter, so only the server differs
            virtuoso_params = {"timeout": str(int(limit * 1000))}
            if "virtuoso" in systems:
                clients["virtuoso"] = HttpClient(virtuoso.endpoint, extra=virtuoso_params)
            if "serve→virtuoso" in systems:
                process = start_serve(["--endpoint", virtuoso.endpoint, *serve_args], workdir / "serve-remote.log", "serve→virtuoso")
                processes.append(process)
                clients["serve→virtuoso"] = HttpClient(process.url, cold=True)
                warm_clients["serve→virtuoso"] = HttpClient(process.url)
            if "flask→virtuoso" in systems:
                process = start_forwarder(virtuoso.endpoint, workdir)
                processes.append(process)
                clients["flask→virtuoso"] = HttpClient(process.url, extra=virtuoso_params)
        if warm_clients and "virtuoso" in clients:
            warm_clients["virtuoso"] = clients["virtuoso"]  # the yardstick of the warm rounds
        for process in processes:
            if process.name not in CACHED_SYSTEMS:
                continue  # only a coevidence serve warms up (the bare proxy has no /health)
            seconds, error = wait_for_warm_up(process)
            if seconds is not None:
                results.loads[f"{process.name} warm-up (waited for, before measuring)"] = seconds
            if error is not None:
                notes.append(f"{process.name}: its warm-up failed before the measurements ({error}); "
                             "it tries again later, so it may have overlapped them.")
        if "flask" in systems:
            # each answer as serve gave it, after the time its engine took (asked once, uncached)
            serve_url = next(process.url for process in processes if process.name == "serve")
            answers = {query.text(): answer_body(serve_url, query.text(), limit) for query in queries}
            process = start_floor(answers, workdir)
            processes.append(process)
            clients["flask"] = HttpClient(process.url)
        if clients:
            say("measuring " + ", ".join(clients) + f" ({warmup} warm-up + at least {repeat} rounds per query)"
                + (f", then warm: {', '.join(warm_clients)}" if warm_clients else ""))
            measure_interleaved(results, clients, warmup, say, warm_clients)
            for (query, system), cell in results.warm.items():
                missed = sum(1 for run in cell.runs if not run.cached and run.error is None)
                if system in CACHED_SYSTEMS and missed:
                    notes.append(f"{query} on {system}: {missed} of {len(cell.runs)} warm runs were not cache hits")
    finally:
        for client in {id(c): c for c in [*clients.values(), *warm_clients.values()]}.values():
            client.close()  # type: ignore[attr-defined]
        for process in processes:
            process.stop()
        if virtuoso is not None:
            virtuoso.stop()
    for system in RDFLIB_SYSTEMS:
        if system in systems:
            measure_rdflib(results, dataset, workdir, warmup, say, system)
    return results, dataset


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def format_seconds(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "–"
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def format_ratio(value: float) -> str:
    return f"{value:,.0f}×" if value >= 10 else f"{value:.2f}×"


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes, as ``uptime`` gives it."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> list[str]:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        kilobytes = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f", {kilobytes / 1024 / 1024:.0f} GB RAM"
    versions = []
    for package in ("pyoxigraph", "rdflib", "rdflib-endpoint", "SPARQLWrapper", "flask", "waitress"):
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    virtuoso = ""
    if shutil.which("virtuoso-t"):
        probe = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True)
        for line in (probe.stdout + probe.stderr).splitlines():
            if line.startswith("Version"):
                virtuoso = f"Virtuoso open source {line.split()[1]}"
                break
    return [
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; Python {platform.python_version()}",
        ", ".join(versions) + (f", {virtuoso}" if virtuoso else ""),
    ]


def report(results: Results, dataset: Dataset, pilots: int, command: str | None = None) -> str:
    systems = [s for s in SYSTEMS if s in results.systems]
    limit = results.limit
    command = command or (f"coevidence bench endpoint --pilots {pilots} --repeat {results.repeat} "
                          f"--min-time {results.min_time:g} --limit {limit:g}")
    lines = [
        "# Endpoint benchmark",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `{command}`"
        + (f"; load average before the run {results.load_average}" if results.load_average else "") + ".",
        "",
        f"Data: {pilots:,} synthetic pilots from the ingest generator, {dataset.triples:,} triples, plus the ontology and",
        "the vocabularies, the same files in every system. Median latency per query, in one run, the",
        f"systems taking turns; a query not finished within {limit:g} s counts as {limit:g} s (marked ⏱).",
        "",
        "## Cold: the first run of each query on a data version (the result cache misses)",
        "",
    ]
    header = ["query", "rows", "runs", *systems]
    extra = []
    if {"oxigraph", "serve"} <= set(systems):
        extra.append("serve − oxigraph")
    if "serve" in systems:
        extra.append("serve − its engine")
    if {"serve", "flask"} <= set(systems):
        extra.append("flask − its sleep")
    for rdflib_system in RDFLIB_SYSTEMS:
        if {"serve", rdflib_system} <= set(systems):
            extra.append(f"{rdflib_system} ÷ serve")
    if {"serve→virtuoso", "rdflib-endpoint"} <= set(systems):
        extra.append("rdflib-endpoint ÷ serve→virtuoso")
    for proxy in ("serve→virtuoso", "flask→virtuoso"):
        if {"virtuoso", proxy} <= set(systems):
            extra.append(f"{proxy} ÷ virtuoso")
    if {"oxigraph", "virtuoso"} <= set(systems):
        extra.append("oxigraph ÷ virtuoso")
    header += extra
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    mismatches = []
    for query in results.queries:
        row_counts = {s: results.cell(query.name, s).rows for s in systems}
        known = {count for count in row_counts.values() if count is not None}
        if len(known) > 1:
            mismatches.append(f"{query.name}: " + ", ".join(f"{s} {c}" for s, c in row_counts.items()))
        runs = len(results.cell(query.name, systems[0]).runs) if systems[0] not in RDFLIB_SYSTEMS else results.repeat
        cells = [f"`{query.name}`", str(next(iter(known))) if len(known) == 1 else "≠", str(runs)]
        for system in systems:
            cells.append(_median_text(results.cell(query.name, system), limit))
        cells += extra_cells(results, query.name, extra)
        lines.append("| " + " | ".join(cells) + " |")
    mix = ["**median of the mix**", "", ""] + [format_seconds(results.mix_median(s)) for s in systems]
    mix += extra_cells(results, None, extra)
    lines.append("| " + " | ".join(mix) + " |")
    warm_systems = results.warm_systems
    if warm_systems:
        lines += [
            "",
            "## Warm: the same request again (answered from the result cache), beside Virtuoso direct",
            "",
        ]
        columns = [*warm_systems]
        ratios = [s for s in warm_systems if s in CACHED_SYSTEMS] if "virtuoso" in warm_systems else []
        columns += [f"virtuoso ÷ {s}" for s in ratios]
        lines += ["| query | runs | " + " | ".join(columns) + " |", "|---|" + "---:|" * (len(columns) + 1)]
        for query in results.queries:
            cells = [f"`{query.name}`", str(len(results.warm_cell(query.name, warm_systems[0]).runs))]
            cells += [_median_text(results.warm_cell(query.name, s), limit) for s in warm_systems]
            cells += [format_ratio(ratio(results.warm_median(query.name, "virtuoso"), results.warm_median(query.name, s)))
                      for s in ratios]
            lines.append("| " + " | ".join(cells) + " |")
        cells = ["**median of the mix**", ""] + [format_seconds(results.warm_mix_median(s)) for s in warm_systems]
        cells += [format_ratio(ratio(results.warm_mix_median("virtuoso"), results.warm_mix_median(s))) for s in ratios]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Against the targets", ""]
    lines += targets(results, systems)
    failures = [(q.name, s, results.cell(q.name, s).failed) for q in results.queries for s in systems if results.cell(q.name, s).failed]
    failures += [(q.name, f"{s} (warm)", results.warm_cell(q.name, s).failed) for q in results.queries
                 for s in warm_systems if results.warm_cell(q.name, s).failed]
    if mismatches or results.notes or failures:
        lines += ["", "## Notes", ""]
        lines += [f"- rows differ between systems: {m}" for m in mismatches]
        lines += [f"- {note}" for note in results.notes]
        lines += [f"- {q} failed on {s}: {error}" for q, s, error in failures]
    lines += ["", "## Loading", ""]
    lines += [f"- {name}: {format_seconds(seconds)}" for name, seconds in results.loads.items()]
    lines += ["", "## The queries", ""]
    lines += [f"- `{q.name}`: {q.what}" for q in results.queries]
    lines += [
        "",
        "## How it was measured",
        "",
        "- `oxigraph`: pyoxigraph in-process, the files in an in-memory store as the server's workers",
        "  hold them (each file in its named graph, default graph = their union), every solution",
        "  materialised; no HTTP, no time limit.",
        f"- `serve`: `coevidence serve --data FILE --workers 2 --threads 4 --max-rows {SERVE_MAX_ROWS}` over HTTP",
        "  (the default, in-memory mode of the embedded store).",
        "- `flask`: the floor under `serve`'s own time: a bare Flask app under the same waitress settings",
        "  (`python -m coevidence.bench.ceiling --answers`) that sleeps as long as `serve`'s engine took on",
        "  the query (one uncached run beforehand), then answers with the bytes `serve` answered: no store,",
        "  no checks, no cache, no query worker. Its own time (latency − its sleep, which it reports as",
        "  `engine` in `Server-Timing`) is what HTTP, waitress, Flask and waking after that wait cost here.",
        "- `virtuoso`: Virtuoso open source from Debian, on loopback, asked directly over HTTP",
        "  (same `timeout` parameter as the server sends); buffers set for 2 GB of RAM.",
        "- `serve→virtuoso`: `coevidence serve --endpoint <that Virtuoso>` (RemoteStore, SPARQLWrapper).",
        "- `flask→virtuoso`: the floor under `serve→virtuoso`: a bare Flask app under the same waitress",
        "  settings (`python -m coevidence.bench.ceiling --forward <that Virtuoso>`) that sends each request",
        "  on to Virtuoso as it came, over one kept-alive connection per thread, and gives back its answer;",
        "  its wait for Virtuoso goes in `Server-Timing` as `engine`. What any proxy on Flask and waitress adds.",
        "- both `serve` systems are measured only once their background warm-up (the pages' whole-dataset",
        "  queries, run at start) has finished, as `/health` says: during it a query competes with those",
        "  for the workers or for Virtuoso (`bench start` measures the start).",
        "- `rdflib-endpoint`: `rdflib-endpoint serve FILES` (rdflib's in-memory store, FastAPI/uvicorn);",
        "  `rdflib-endpoint/oxigraph`: the same with `--store Oxigraph` (oxrdflib: pyoxigraph under rdflib);",
        "  each measured after the others and restarted after every time-out, since it cannot stop a query.",
        "- cold: every request to `serve` and `serve→virtuoso` carries a `max-rows` not sent before",
        f"  (counting down from {SERVE_MAX_ROWS - 1:,}, far above every answer), which is part of the result",
        "  cache's key: the cache misses, as on the first run after a new data version, while the",
        "  query's text is one the server has scanned before (as a page's named query is); a run",
        "  answered from the cache would count as failed. The other systems keep no results.",
        "- warm: right after a query's cold rounds, the same request again and again (after one",
        "  warm-up run that fills the cache), interleaved with Virtuoso asked directly.",
        "- `serve − its engine`: for each cold run, the latency seen by the client less the engine's time",
        "  that the server reports in its `Server-Timing` header (in the query worker: evaluating the",
        "  query and writing its result), so the engine's run-to-run noise cancels out.",
        "- HTTP systems: one keep-alive connection, `GET /sparql?query=...`, `Accept:",
        "  application/sparql-results+json`, timed until the whole body has arrived.",
        f"- after one warm-up round, at least {results.repeat} measured rounds per query and until its rounds",
        f"  had taken {results.min_time:g} s (at most {MAX_ROUNDS}; the `runs` column); rdflib-endpoint {results.repeat} runs,",
        f"  fewer once a query has used {2 * limit:g} s, and a first run slower than {limit / 4:g} s counts.",
        "",
        "## Machine",
        "",
        *[f"- {line}" for line in machine()],
        "",
    ]
    return "\n".join(lines)


def _median_text(cell: Cell, limit: float) -> str:
    if cell.failed:
        return "failed"
    text = format_seconds(cell.median(limit))
    return text + " ⏱" if cell.timed_out else text


def extra_cells(results: Results, query: str | None, extra: list[str]) -> list[str]:
    def med(system: str) -> float:
        return results.median(query, system) if query else results.mix_median(system)

    cells = []
    for column in extra:
        if column == "serve − oxigraph":
            if query:
                cells.append(format_seconds(med("serve") - med("oxigraph")))
            else:
                cells.append(format_seconds(statistics.median(
                    results.median(q.name, "serve") - results.median(q.name, "oxigraph") for q in results.queries)))
        elif column in ("serve − its engine", "flask − its sleep"):
            system = column.split()[0]
            if query:
                cells.append(format_seconds(results.cell(query, system).overhead()))
            else:
                cells.append(format_seconds(results.mix_overhead(system)))
        elif column.endswith("→virtuoso ÷ virtuoso"):
            proxy = column.split(" ÷ ")[0]
            if query:
                cells.append(f"{ratio(med(proxy), med('virtuoso')):.2f}×")
            else:
                cells.append(f"{statistics.median(ratio(results.median(q.name, proxy), results.median(q.name, 'virtuoso')) for q in results.queries):.2f}×")
        elif column == "oxigraph ÷ virtuoso":
            cells.append(f"{ratio(med('oxigraph'), med('virtuoso')):.2f}×")
        elif " ÷ " in column:
            numerator, denominator = column.split(" ÷ ", 1)
            cells.append(format_ratio(ratio(med(numerator), med(denominator))))
    return cells


def _own_time(results: Results, system: str, names: list[str]) -> tuple[float, float, float]:
    """*system*'s own time (see :meth:`Cell.overhead`): the median over the queries, the least, the most."""
    values = [results.cell(name, system).overhead() for name in names]
    return results.mix_overhead(system), min(values), max(values)


def _met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def targets(results: Results, systems: list[str]) -> list[str]:
    lines = []
    names = [q.name for q in results.queries]
    for rdflib_system in RDFLIB_SYSTEMS:
        if {"serve", rdflib_system} <= set(systems):
            per_query = [ratio(results.median(n, rdflib_system), results.median(n, "serve")) for n in names]
            mix = ratio(results.mix_median(rdflib_system), results.mix_median("serve"))
            timed_out = sum(results.cell(n, rdflib_system).timed_out for n in names)
            lines.append(
                f"- cold, median latency, `serve` against `{rdflib_system}`: {format_ratio(mix)} lower on the mix "
                f"(target ≥ 10×: {_met(mix >= 10)}); per query from {format_ratio(min(per_query))} to "
                f"{format_ratio(max(per_query))}; {rdflib_system} timed out on {timed_out} of {len(names)} queries."
            )
            for system, what in (("oxigraph", "the engine alone (pyoxigraph in-process, no server)"),
                                 ("serve→virtuoso", "`serve` in front of Virtuoso")):
                if system in systems:
                    lines.append(
                        f"  - {what} against `{rdflib_system}`: "
                        f"{format_ratio(ratio(results.mix_median(rdflib_system), results.mix_median(system)))} lower on the mix."
                    )
    own = {system: _own_time(results, system, names) for system in ("serve", "flask") if system in systems}
    if "serve" in own and own["serve"][0] == own["serve"][0]:
        overhead, low, high = own["serve"]
        lines.append(
            f"- cold, the server's own time within each request (latency − the engine's time in the server's "
            f"`Server-Timing` header, median over the runs, then over the queries): {format_seconds(overhead)} "
            f"(target < 1.5 ms: {_met(overhead < 0.0015)}); from {format_seconds(low)} to {format_seconds(high)}."
        )
        if "flask" in own and own["flask"][0] == own["flask"][0]:
            floor, low, high = own["flask"]
            lines.append(
                f"  - the floor, `flask` (HTTP, waitress and Flask alone, waiting as long as `serve`'s engine, the same "
                f"answers): its own time {format_seconds(floor)} median over the queries, from {format_seconds(low)} "
                f"to {format_seconds(high)}; `serve`'s own time less it: {format_seconds(overhead - floor)}."
            )
    if {"serve", "oxigraph"} <= set(systems):
        overheads = [results.median(n, "serve") - results.median(n, "oxigraph") for n in names]
        lines.append(
            f"  - `serve` − `oxigraph` in-process (median over the queries): {format_seconds(statistics.median(overheads))}; "
            f"from {format_seconds(min(overheads))} to {format_seconds(max(overheads))}."
        )
    if {"virtuoso", "serve→virtuoso"} <= set(systems):
        ratios = {n: ratio(results.median(n, "serve→virtuoso"), results.median(n, "virtuoso")) for n in names}
        slow = [n for n in names if results.median(n, "virtuoso") > VIRTUOSO_TARGET_FLOOR_S]
        over = [n for n in slow if ratios[n] > 1.2]
        mix = ratio(results.mix_median("serve→virtuoso"), results.mix_median("virtuoso"))
        worst = max(slow, key=lambda n: ratios[n]) if slow else None
        lines.append(
            f"- cold, `serve→virtuoso` against Virtuoso direct, on the {len(slow)} queries that take Virtuoso over "
            f"{VIRTUOSO_TARGET_FLOOR_S * 1000:g} ms: "
            + (f"at most {ratios[worst]:.2f}× (`{worst}`)" if worst else "none")
            + f" (target ≤ 1.2× on every one: {_met(not over)})"
            + (f"; over it: {', '.join(f'`{n}` {ratios[n]:.2f}×' for n in over)}" if over else "")
            + f". On all {len(names)}: median of the per-query ratios "
            f"{statistics.median(ratios.values()):.2f}×, ratio of the mix medians {mix:.2f}×, "
            f"from {min(ratios.values()):.2f}× to {max(ratios.values()):.2f}×."
        )
        if "flask→virtuoso" in systems:
            floor = {n: ratio(results.median(n, "flask→virtuoso"), results.median(n, "virtuoso")) for n in slow}
            floor_over = [n for n in slow if floor[n] > 1.2]
            lines.append(
                "  - the floor, `flask→virtuoso` (a bare Flask proxy under the same waitress settings, no checks, "
                "no cache), on the same queries: "
                + (f"at most {max(floor.values()):.2f}×" if floor else "none")
                + (f"; over 1.2× itself on {', '.join(f'`{n}` {floor[n]:.2f}×' for n in floor_over)}" if floor_over
                   else "; within 1.2× on every one" if floor else "")
                + f"; its own time (latency − its wait for Virtuoso) {format_seconds(results.mix_overhead('flask→virtuoso'))} "
                f"median over the queries, `serve→virtuoso`'s {format_seconds(results.mix_overhead('serve→virtuoso'))}."
            )
    warm = results.warm_systems
    if "virtuoso" in warm:
        for system in CACHED_SYSTEMS:
            if system in warm:
                mix = ratio(results.warm_mix_median("virtuoso"), results.warm_mix_median(system))
                per_query = [ratio(results.warm_median(n, "virtuoso"), results.warm_median(n, system)) for n in names]
                target = f" (target ≥ 5×: {_met(mix >= 5)})" if system == "serve" else ""
                lines.append(
                    f"- warm, median latency, `{system}` (cached) against Virtuoso direct: {format_ratio(mix)} lower "
                    f"on the mix{target}; per query from {format_ratio(min(per_query))} to {format_ratio(max(per_query))}."
                )
    if {"oxigraph", "virtuoso"} <= set(systems):
        faster = [n for n in names if results.median(n, "virtuoso") < results.median(n, "oxigraph")]
        lines.append(
            f"- embedded Oxigraph (in-process) against Virtuoso over HTTP: Virtuoso is faster on {len(faster)} of "
            f"{len(names)} queries" + (f" ({', '.join(f'`{n}`' for n in faster)})" if faster else "") + "."
        )
    return lines or ["- (no pair of systems to compare was measured)"]


@click.command()
@click.option("--pilots", default=DEFAULT_PILOTS, show_default=True, type=click.IntRange(2),
              help="Synthetic pilots (about 1,660 triples each).")
@click.option("--seed", default=0, show_default=True, help="Seed of the generator.")
@click.option("--repeat", default=5, show_default=True, type=click.IntRange(1), help="Measured runs per query and system.")
@click.option("--min-time", default=3.0, show_default=True, type=click.FloatRange(0),
              help="Keep measuring a query (up to 400 rounds) until its rounds took this many seconds.")
@click.option("--warmup", default=1, show_default=True, type=click.IntRange(0), help="Warm-up runs per query and system.")
@click.option("--limit", default=60.0, show_default=True, type=click.FloatRange(0.1), help="Time limit of one query, in seconds.")
@click.option("--systems", default=",".join(SYSTEMS), show_default=True,
              help="Comma-separated systems to measure.")
@click.option("--workdir", type=click.Path(path_type=Path), default=DEFAULT_WORKDIR, show_default=True,
              help="Where the synthetic data and stores are kept between runs.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the Markdown report here.")
def command(pilots: int, seed: int, repeat: int, min_time: float, warmup: int, limit: float, systems: str, workdir: Path,
            output: Path | None) -> None:
    """The SPARQL endpoint against pyoxigraph, Virtuoso and rdflib-endpoint, side by side."""
    chosen = [name.strip() for name in systems.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SYSTEMS]
    if unknown:
        raise click.BadParameter(f"unknown system {unknown[0]!r}; choose from {', '.join(SYSTEMS)}", param_hint="--systems")
    if "flask" in chosen and "serve" not in chosen:
        raise click.BadParameter("flask answers with serve's answers: measure serve too", param_hint="--systems")

    def say(message: str) -> None:
        click.echo(message, err=True)

    before = load_average()
    results, dataset = run_benchmark(pilots=pilots, seed=seed, repeat=repeat, min_time=min_time, warmup=warmup, limit=limit,
                                     workdir=workdir, systems=chosen, say=say)
    results.load_average = f"{before}, after it {load_average()}"
    text = report(results, dataset, pilots, command=shlex.join(["coevidence", *sys.argv[1:]]))
    click.echo(text)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        say(f"written to {output}")
