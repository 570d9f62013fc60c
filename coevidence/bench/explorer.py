"""`coevidence bench pages`: the explorer's pages and the pilot documents, alone and under load.

For each size it synthesises pilots with the ingest's generator (the data of ``bench
endpoint``, kept under the work folder) and serves them as ``coevidence serve --data FILE``
does (loaded into memory, two query workers), then:

1. **First view and again**, in this process through Flask's test client (the whole view:
   queries, model, template; no network), on the embedded store with two query workers.
   Before each *first view* the data version changes
   (:class:`NewBuilds`: the same store under a new version name, so that every cache the
   server keys by data version, the answers of the result cache, the network, the pages,
   is empty, as after a build is published; the engine's data stays loaded) and the
   warm-up ``coevidence serve`` runs in the background after a build
   (:func:`coevidence.server.linkeddata.warm.warm`) is run to its end, timed. Each sampled
   URL is asked once on its new version, then three times more on the same version (*again*:
   the median of those). The first URL of each kind is also asked once on a new version with
   no warm-up run (*before the warm-up*).
2. **Under load**, over HTTP on loopback: ``coevidence serve --data FILE`` started as a user
   starts it (default settings: 32 waitress threads, two workers), every URL of the mix
   asked twice first (a warm cache), then, for each number of connections, a bounded
   Python client (one thread and one keep-alive ``http.client`` connection per connection)
   asking the mix round-robin for ``--seconds`` with ``Accept-Encoding: gzip`` as browsers do;
   and the same against the ceiling, a bare Flask app answering each URL with a page of the
   same size on the wire (gzip when the server's page came gzipped) under the same waitress
   options (:mod:`.ceiling`), level by level, side by side.

Targets (issues 13 and 15): at 1,000 pilots each page under 200 ms median on first view
after a build and under 20 ms again; at 50 connections no errors, p95 under 100 ms and at
least half the ceiling's requests per second.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click
from rdflib import URIRef

from coevidence.bench.procs import descendants, process_stats
from coevidence.bench.endpoint import machine, prepare
from coevidence.bench.options import synthetic_pilots
from coevidence.bench.pages import _doc, _spread

SIZES = (10, 100, 1000)
LEVELS = (1, 10, 50)
TARGET_FIRST_MS = 200
TARGET_AGAIN_MS = 20
TARGET_P95_MS = 100
TARGET_CEILING_SHARE = 0.5
#: a request that takes longer than this has failed (a hang guard, not a target)
REQUEST_TIMEOUT_S = 60.0
#: the headers of the load client's requests, as a browser sends them (gzip accepted)
BROWSER = {"Accept": "text/html", "Accept-Encoding": "gzip, deflate"}
#: the kinds of resource whose documents are sampled as "resource pages"
RESOURCE_CLASSES = ("Organisation", "CitizenGroup", "ResourceExchange", "Outcome", "Factor")
COE = "https://w3id.org/coevidence/ontology#"


def _ms(seconds: float) -> float:
    return seconds * 1000


# ---------------------------------------------------------------------------------------
# A new data version on demand
# ---------------------------------------------------------------------------------------


class NewBuilds:
    """*inner* under a data version that changes at each :meth:`publish` (the same triples).

    Everything the server keeps per data version (the result cache, the network, page
    models) sees a new version, as after a build; the answers are the inner store's own.
    """

    def __init__(self, inner) -> None:
        self.inner = inner
        self.builds = 0

    @property
    def description(self) -> str:
        return self.inner.description

    def publish(self) -> None:
        self.builds += 1

    def data_version(self) -> str:
        return f"{self.inner.data_version()}-build{self.builds}"

    def query(self, sparql, *, bindings=None, default_graph_uris=(), named_graph_uris=(), timeout, max_rows,
              accept=(), max_bytes=None):
        version = self.data_version()
        result = self.inner.query(sparql, bindings=bindings, default_graph_uris=default_graph_uris,
                                  named_graph_uris=named_graph_uris, timeout=timeout, max_rows=max_rows,
                                  accept=accept, max_bytes=max_bytes)
        result.data_version = version
        return result

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def close(self) -> None:
        self.inner.close()


# ---------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------


@dataclass
class Kind:
    """One kind of page: its name and the URLs sampled for it."""

    name: str
    urls: list[str]
    first: list[float] = field(default_factory=list)
    again: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)  # the first URL's first view with no warm-up run
    cpu: list[float] = field(default_factory=list)  # this process's CPU of each first view
    sizes: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "URL: status title" of answers other than 200


def _instances(store, cls: str) -> list[str]:
    result = store.query("SELECT ?s ?c WHERE { ?s a ?c } ORDER BY ?s", bindings={"c": URIRef(cls)},
                         timeout=120, max_rows=1_000_000)
    return [str(value) for row in result.rows for name, value in row.items() if str(name) == "s"]


def page_kinds(client, store, samples: int) -> list[Kind]:
    """The pages measured, with *samples* URLs each (different pilots, dimensions...)."""
    from coevidence import data as bundled
    from coevidence.server.explorer.compare import DIMENSIONS
    from coevidence.server.queries import load_query

    pilots = [iri.rsplit("/", 1)[-1] for iri in _instances(store, COE + "Pilot")]
    keys = _spread(pilots[1:], samples) or pilots[:1]
    facets = {}
    for name in ("country", "stage"):  # values the browse page offers (asked of the store, with no page limit)
        rows = store.query(load_query(f"facet_{name}"), timeout=120, max_rows=1_000_000).rows
        facets[name] = sorted({str(value) for row in rows for var, value in row.items() if str(var) == "value"})
    first, second = "country", "stage"
    two = [
        "/pilots?" + urllib.parse.urlencode({first: facets[first][i % len(facets[first])],
                                              second: facets[second][i % len(facets[second])]})
        for i in range(samples)
    ]
    resources = []
    for name in RESOURCE_CLASSES:
        resources += _spread(_instances(store, COE + name), max(1, samples // len(RESOURCE_CLASSES) + 1))
    questions = [q.name for q in bundled.questions()]
    kinds = [
        Kind("browse, two facets (`/pilots?country=…&stage=…`)", two),
        Kind("pilot document (`/doc/pilot/<key>`)", [f"/doc/pilot/{key}" for key in keys]),
        Kind("pilot view (`/pilots/<key>`)", [f"/pilots/{key}" for key in keys]),
        *[Kind(f"compare, {d.name} (`/compare?dimension={d.name}`)", [f"/compare?dimension={d.name}"]) for d in DIMENSIONS],
        Kind("pilot network (`/network/pilot/<key>`)", [f"/network/pilot/{key}" for key in keys]),
        Kind("pilot network JSON (`/network/pilot/<key>.json`)", [f"/network/pilot/{key}.json" for key in keys]),
        Kind("question page (`/questions/<name>`)", [f"/questions/{name}" for name in _spread(questions, samples)]),
        Kind("resource page (`/doc/…`: " + ", ".join(RESOURCE_CLASSES) + ")", [_doc(iri) for iri in _spread(resources, samples)]),
    ]
    return kinds


def _get(client, path: str, failures: list[str] | None = None) -> tuple[float, float, int]:
    """(seconds, CPU seconds of this process, bytes) of one GET; an answer other than 200 is
    added to *failures* (or raised when there is no list to add it to)."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path, headers={"Accept": "text/html"})
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 200:
        problem = f"{path}: {response.status_code} {response.data[:200].decode(errors='replace')}"
        if failures is None:
            raise click.ClickException(problem)
        failures.append(problem)
    return elapsed, used, len(response.data)


def measure_views(data: Path, samples: int, say) -> tuple[list[Kind], dict]:
    from coevidence.server import create_app
    from coevidence.server.linkeddata.warm import warm
    from coevidence.server.stores.oxigraph import OxigraphStore

    load_before = os.getloadavg()
    store = NewBuilds(OxigraphStore.load([data], workers=2))
    warmups: list[float] = []
    try:
        app = create_app({"STORE": store, "TESTING": True})
        client = app.test_client()
        kinds = page_kinds(client, store, samples)
        for kind in kinds:  # templates compiled, app-wide set-up done: the server was running before the build
            _get(client, kind.urls[0], [])
        for kind in kinds:
            say(f"  {kind.name}: {len(kind.urls)} URLs")
            store.publish()  # the first URL once before the warm-up has run (as a request while it runs)
            seconds, _, _ = _get(client, kind.urls[0], kind.failures)
            kind.cold.append(seconds)
            for url in kind.urls:
                store.publish()
                started = time.perf_counter()
                warm(app)  # what coevidence serve does in the background after a build (WARM_AT_START)
                warmups.append(time.perf_counter() - started)
                seconds, cpu, size = _get(client, url, kind.failures)
                kind.first.append(seconds)
                kind.cpu.append(cpu)
                kind.sizes.append(size)
                kind.again.append(statistics.median(_get(client, url, kind.failures)[0] for _ in range(3)))
        return kinds, {"before": load_before, "after": os.getloadavg(), "warmups": warmups}
    finally:
        store.close()


# ---------------------------------------------------------------------------------------
# Under load, over HTTP
# ---------------------------------------------------------------------------------------


@dataclass
class Level:
    system: str
    connections: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of the 200 answers
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # no HTTP answer
    client_cpu: float = 0.0  # CPU seconds of this process (the client) during the level
    server_cpu: float = 0.0  # CPU seconds of the server's process tree during the level
    load_average: float = 0.0

    @property
    def answered(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def failed(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 200) + len(self.errors)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of *root* and its descendants, and of their waited-for children."""
    stats = process_stats()
    ticks = sum(sum(int(value) for value in stats[pid][11:15]) for pid in descendants(root, stats) if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def run_level(system: str, base: str, paths: list[str], connections: int, seconds: float, server_pid: int) -> Level:
    """*connections* clients asking *paths* round-robin for *seconds* (each finishes the request
    it has in flight at the end, within REQUEST_TIMEOUT_S)."""
    address = urllib.parse.urlsplit(base)
    level = Level(system, connections, seconds)
    per_client: list[tuple[list[float], dict[int, int], list[str]]] = []
    start = threading.Barrier(connections + 1)
    ends = [0.0]

    def client(index: int) -> None:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        errors: list[str] = []
        per_client.append((latencies, statuses, errors))
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=REQUEST_TIMEOUT_S)
        turn = index
        start.wait()
        while time.monotonic() < ends[0]:
            path = paths[turn % len(paths)]
            turn += 1
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=BROWSER)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{path}: {type(error).__name__}: {error}"[:200])
                connection.close()
                connection = http.client.HTTPConnection(address.hostname, address.port, timeout=REQUEST_TIMEOUT_S)
                continue
            took = time.perf_counter() - began
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status == 200:
                latencies.append(took)
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(address.hostname, address.port, timeout=REQUEST_TIMEOUT_S)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    cpu_before, server_before = resource.getrusage(resource.RUSAGE_SELF), _tree_cpu(server_pid)
    began = time.monotonic()
    ends[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(seconds + 2 * REQUEST_TIMEOUT_S)
    level.seconds = time.monotonic() - began
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    level.client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    level.server_cpu = _tree_cpu(server_pid) - server_before
    level.load_average = os.getloadavg()[0]
    for latencies, statuses, errors in per_client:
        level.latencies += latencies
        level.errors += errors
        for status, count in statuses.items():
            level.statuses[status] = level.statuses.get(status, 0) + count
    return level


@dataclass
class Server:
    popen: subprocess.Popen
    base: str  # http://127.0.0.1:PORT

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


def _start(command: list[str], marker: str, log: Path) -> Server:
    stderr = log.open("wb")
    popen = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True)
    stderr.close()
    assert popen.stdout is not None
    line = popen.stdout.readline()
    if marker not in line:
        popen.kill()
        popen.wait(10)
        raise click.ClickException(f"{command[2:5]} did not start: {line!r} {log.read_text(errors='replace')[-800:]}")
    url = line.split(marker, 1)[1].split()[0]
    parts = urllib.parse.urlsplit(url)
    return Server(popen, f"http://{parts.hostname}:{parts.port}")


def _fetch(base: str, path: str) -> tuple[int, int, str]:
    """(status, bytes on the wire, Content-Encoding) of one GET as the load client asks it."""
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", path, headers=BROWSER)
        response = connection.getresponse()
        return response.status, len(response.read()), response.getheader("Content-Encoding", "")
    finally:
        connection.close()


def measure_load(data: Path, paths: list[str], levels: tuple[int, ...], seconds: float, logs: Path, say) -> dict:
    logs.mkdir(parents=True, exist_ok=True)
    serve = _start([sys.executable, "-m", "coevidence", "serve", "--host", "127.0.0.1", "--port", "0", "--data", str(data)],
                   "serving SPARQL at ", logs / "serve.log")
    ceiling = None
    try:
        by_path: dict[str, tuple[int, str]] = {}
        refused: list[str] = []
        for _ in range(2):  # the cache warmed: every URL of the mix asked twice
            by_path, refused = {}, []
            for path in paths:
                status, size, encoding = _fetch(serve.base, path)
                by_path[path] = (size, encoding)
                if status != 200:
                    refused.append(f"{path}: {status}")
        sizes = [size for size, _ in by_path.values()]
        gzipped = sum(1 for _, encoding in by_path.values() if encoding == "gzip")
        size = int(statistics.median(sizes))
        (logs / "sizes.json").write_text(json.dumps(by_path), encoding="utf-8")
        ceiling = _start([sys.executable, "-m", "coevidence.bench.ceiling", str(logs / "sizes.json")],
                         "ceiling: serving at ", logs / "ceiling.log")
        results = []
        for connections in levels:
            for system, server in (("pages", serve), ("bare Flask", ceiling)):
                say(f"  {system}: {connections} connections for {seconds:g} s")
                results.append(run_level(system, server.base, paths, connections, seconds, server.popen.pid))
        return {"levels": results, "page_bytes": size, "bytes_min": min(sizes), "bytes_max": max(sizes), "urls": len(paths),
                "refused": refused, "bytes_mean": statistics.mean(sizes), "gzipped": gzipped}
    finally:
        serve.stop()
        if ceiling is not None:
            ceiling.stop()


# ---------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def write_report(results: list[dict], load: dict | None, output: Path, command: str, seconds: float) -> None:
    lines = [
        "# Explorer pages: first view after a build, again, and under load",
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
        "",
        *machine(),
        "",
        "Written by `coevidence bench pages` (see `coevidence/bench/explorer.py` for the method). Targets",
        f"(issues 13 and 15), at 1,000 pilots: every page under {TARGET_FIRST_MS} ms median on first view after a build",
        f"and under {TARGET_AGAIN_MS} ms again on the same data version; at 50 connections no errors, p95 under",
        f"{TARGET_P95_MS} ms and at least {TARGET_CEILING_SHARE:.0%} of the bare Flask app's requests per second.",
        "The machine is shared (other engineers' tests and benchmarks run on the same two cores): the load",
        "average is given beside each part.",
        "",
        "## First view after a build, and again",
        "",
        "Flask's test client (no network), store with two query workers. *First view*: the first request",
        "for the URL on a new data version once the warm-up has finished (the whole-dataset figures,",
        "facets and compare cells that `coevidence serve` computes in the background after each build,",
        "`WARM_AT_START`; every other cache empty: results, pages); *before the warm-up*: the first URL",
        "of the kind on a new version with no warm-up run (what a visitor waits for when asking before",
        "the warm-up is done: the request computes what it needs itself, or waits for the warm-up's",
        "computation of it); *again*: the median of three more on the same version. *CPU*: this",
        "process's CPU of a first view (model and template; the store's work is in its worker",
        "processes). Medians in milliseconds, the slowest first view in brackets.",
        "",
    ]
    for r in results:
        lines += [
            f"### {r['pilots']:,} pilots ({r['triples']:,} triples), load average {r['load']['before'][0]:.1f} before, "
            f"{r['load']['after'][0]:.1f} after",
            "",
            f"The warm-up after a build: median {statistics.median(r['load']['warmups']):.1f} s, slowest "
            f"{max(r['load']['warmups']):.1f} s ({len(r['load']['warmups'])} builds).",
            "",
            "| page | URLs | first view | before the warm-up | again | CPU, first | page size | failed | first < 200 ms | again < 20 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for kind in r["kinds"]:
            first, again = statistics.median(kind.first), statistics.median(kind.again)
            lines.append(
                f"| {kind.name} | {len(kind.urls)} | {_ms(first):.0f} ({_ms(max(kind.first)):.0f}) | {_ms(kind.cold[0]):.0f} | {_ms(again):.1f} | "
                f"{_ms(statistics.median(kind.cpu)):.0f} | {statistics.median(kind.sizes) / 1024:.0f} KiB | {len(kind.failures)} | "
                f"{_met(_ms(first) < TARGET_FIRST_MS and not kind.failures)} | {_met(_ms(again) < TARGET_AGAIN_MS and not kind.failures)} |"
            )
        lines.append("")
        failures = [failure for kind in r["kinds"] for failure in kind.failures]
        if failures:
            lines += [f"Failed answers ({len(failures)}), the first: `{failures[0][:160]}`", ""]
    if load is not None:
        levels = load["levels"]
        lines += [
            f"## Under load, over HTTP ({load['pilots']:,} pilots)",
            "",
            f"`coevidence serve --data FILE` (default settings) and the ceiling, a bare Flask app answering each",
            f"URL of the mix with a page of the same size on the wire as the real one (from {load['bytes_min'] / 1024:.0f} to",
            f"{load['bytes_max'] / 1024:.0f} KiB, median {load['page_bytes'] / 1024:.0f} KiB, mean {load['bytes_mean'] / 1024:.0f} KiB) under the same waitress options, each measured",
            f"for {seconds:g} s per level, level by level in turn. The mix: {load['urls']} URLs (the pages above, a few",
            "samples of each), asked round-robin, each asked twice before the run (a warm cache). The load",
            "client sends `Accept-Encoding: gzip, deflate` as browsers do: the server sends its large kept",
            f"pages gzipped ({load['gzipped']} of the {load['urls']} URLs came gzipped), and the ceiling answers those URLs",
            "with a valid gzip body of the same compressed size (`Content-Encoding: gzip`), so both send",
            "the same bytes and neither compresses per request. The load",
            "client is Python threads in the benchmark's own process, on the same two cores: its CPU",
            "(*client CPU*, in cores used) is taken from the server's, and its own scheduling shows in",
            "every latency. *Server CPU*: the server's process tree, in cores used.",
            "",
            *([f"After the warm-up {len(load['refused'])} URLs of the mix still did not answer 200, the first: `{load['refused'][0]}`", ""]
              if load["refused"] else []),
            "| system | connections | requests/s | p50 (ms) | p95 (ms) | max (ms) | errors | server CPU | client CPU | load average |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for level in levels:
            lines.append(
                f"| {level.system} | {level.connections} | {level.rate:.0f} | {_ms(level.percentile(0.5)):.1f} | "
                f"{_ms(level.percentile(0.95)):.1f} | {_ms(max(level.latencies, default=float('nan'))):.1f} | {level.failed} | "
                f"{level.server_cpu / level.seconds:.2f} | {level.client_cpu / level.seconds:.2f} | {level.load_average:.1f} |"
            )
        lines.append("")
        for connections in sorted({level.connections for level in levels}):
            pages = next(level for level in levels if level.system == "pages" and level.connections == connections)
            bare = next(level for level in levels if level.system != "pages" and level.connections == connections)
            share = pages.rate / bare.rate if bare.rate else float("nan")
            lines.append(f"- {connections} connections: pages at {share:.0%} of the bare app's throughput, "
                         f"p95 {_ms(pages.percentile(0.95)):.0f} ms against {_ms(bare.percentile(0.95)):.0f} ms, {pages.failed} errors")
            errors = pages.errors[:1] or [f"status {s}" for s in pages.statuses if s != 200][:1]
            if errors:
                lines.append(f"  (first error: {errors[0]})")
        top = max(level.connections for level in levels)
        pages = next(level for level in levels if level.system == "pages" and level.connections == top)
        bare = next(level for level in levels if level.system != "pages" and level.connections == top)
        lines += [
            "",
            f"Targets at {top} connections: no errors {_met(pages.failed == 0)}; p95 under {TARGET_P95_MS} ms "
            f"{_met(_ms(pages.percentile(0.95)) < TARGET_P95_MS)}; at least half the ceiling's throughput "
            f"{_met(bare.rate > 0 and pages.rate / bare.rate >= TARGET_CEILING_SHARE)}.",
            "",
        ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines), encoding="utf-8")


@click.command("pages")
@synthetic_pilots(SIZES, '; the load runs at the largest')
@click.option("--samples", default=5, show_default=True, help="URLs of each kind of page (different pilots, questions...).")
@click.option("--connections", "levels", type=click.IntRange(1, 200), multiple=True,
              help=f"Concurrent connections of the load [default: {', '.join(map(str, LEVELS))}].")
@click.option("--seconds", default=15.0, show_default=True, type=click.FloatRange(0.1, 300), help="Length of each load level.")
@click.option("--no-load", is_flag=True, help="Measure first and later views only.")
@click.option("--output", type=click.Path(path_type=Path), default=Path("benchmarks/pages.md"), show_default=True)
def command(sizes, seed, samples, levels, seconds, no_load, workdir, output):
    """The explorer's pages: first view after a build, again, and under load."""
    sizes = sizes or SIZES
    levels = levels or LEVELS
    say = lambda text: click.echo(text, err=True)  # noqa: E731
    words = ["coevidence bench pages", *[f"--pilots {n}" for n in sizes], f"--samples {samples}"]
    if no_load:
        words.append("--no-load")
    else:
        words += [*[f"--connections {n}" for n in levels], f"--seconds {seconds:g}"]
    command_line = " ".join(words)
    results, load, files = [], None, {}
    for pilots in sizes:
        dataset = prepare(workdir, pilots, seed, say)
        files[pilots] = dataset.data
        say(f"{pilots} pilots: {dataset.triples:,} triples; first and later views")
        kinds, load_average = measure_views(files[pilots], samples, say)
        results.append({"pilots": pilots, "triples": dataset.triples, "kinds": kinds, "load": load_average})
        write_report(results, None, output, command_line, seconds)
        for kind in kinds:
            say(f"  {kind.name}: first {_ms(statistics.median(kind.first)):.0f} ms, again {_ms(statistics.median(kind.again)):.1f} ms")
    if not no_load:
        largest = max(sizes)
        kinds = next(r["kinds"] for r in results if r["pilots"] == largest)
        mix = [url for kind in kinds for url in kind.urls[:3]]
        say(f"{largest} pilots: under load, {len(mix)} URLs")
        load = measure_load(files[largest], mix, tuple(levels), seconds, workdir / "pages-logs", say)
        load["pilots"] = largest
        write_report(results, load, output, command_line, seconds)
        for level in load["levels"]:
            say(f"  {level.system} x{level.connections}: {level.rate:.0f}/s, p95 {_ms(level.percentile(0.95)):.1f} ms, {level.failed} errors")
    click.echo(f"wrote {output}")
