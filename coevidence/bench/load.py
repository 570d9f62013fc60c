"""`coevidence bench load`: the endpoint under load, with a runaway query a second.

*connections* clients (each from its own loopback address, 127.0.2.x, as separate clients
on the internet would be) send the research questions (``data/questions/*.rq``) one after
another for *seconds* seconds; an attacker from 127.0.3.1 starts a query that can never
finish once a second; a prober asks ``/health`` five times a second. Every loop is bounded
in count and time and stops by itself; only loopback is used.

What must hold (and the report says whether it did): no 5xx other than the announced 503s
("busy", "timed out"), and ``/health`` answers 200 within 1 s throughout. The pytest suite
runs the same load, shorter (``tests/server/test_load.py``); timings live here.
"""

from __future__ import annotations

import datetime as _dt
import importlib.resources
import os
import platform
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import click
import requests

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HEALTH_TARGET_S = 1.0
#: a request that takes longer than this has failed (a hang guard, not a target)
REQUEST_TIMEOUT_S = 60.0


class _SourceAddress(requests.adapters.HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_connections=1, pool_maxsize=1)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def session_at(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", _SourceAddress(address))
    return session


def questions() -> list[tuple[str, str]]:
    """The bundled research questions: (name, query)."""
    folder = Path(str(importlib.resources.files("coevidence.data"))) / "questions"
    return [(path.stem, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.rq"))]


@dataclass
class LoadResult:
    seconds: float
    connections: int
    #: (status, error title or "") -> count, for the clients' queries
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # of the 200 answers
    runaways: Counter = field(default_factory=Counter)
    health: list[tuple[int, float]] = field(default_factory=list)  # (status, seconds)
    errors: list[str] = field(default_factory=list)  # transport errors (no HTTP answer)

    @property
    def answered(self) -> int:
        return self.statuses.get((200, ""), 0)

    @property
    def unexpected(self) -> dict:
        """Answers that are neither 200 nor an announced 503 (busy, time-out)."""
        return {
            (status, title): count for (status, title), count in self.statuses.items()
            if not (status == 200 or (status == 503 and title.split(" (")[0] in ("Store unavailable", "Query timed out")))
        }

    @property
    def health_max(self) -> float:
        return max((seconds for _, seconds in self.health), default=float("nan"))

    @property
    def health_ok(self) -> bool:
        return bool(self.health) and all(status == 200 and seconds < HEALTH_TARGET_S for status, seconds in self.health)

    @property
    def held(self) -> bool:
        return not self.unexpected and not self.errors and self.health_ok


#: the reasons a 503 gives, by the start of its detail
BUSY_KINDS = {
    "the server is busy:": "busy: THREADS - 1 in flight",
    "the server is busy with your queries": "busy: the client's fair share",
    "all ": "busy: no worker free within the time limit",
    "the query ran for longer": "time limit",
}


def _title(response: requests.Response) -> str:
    if response.status_code == 200:
        return ""
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return response.text[:80]
    kind = next((name for start, name in BUSY_KINDS.items() if error.get("detail", "").startswith(start)), "")
    return f"{error['title']} ({kind})" if kind else error["title"]


def run_load(base: str, *, seconds: float, connections: int, runaway_every: float = 1.0) -> LoadResult:
    """Load the server at *base* (``http://127.0.0.1:PORT``); see the module docstring."""
    url = base + "/sparql"
    mix = questions()
    result = LoadResult(seconds, connections)
    # each question once, one at a time, before the clock starts: the cold-start burst is a
    # test of its own (tests/server/test_abuse.py), and rdflib's parser, on first use, must
    # not be concurrent (issue #9 item 1)
    warm = session_at("127.0.3.3")
    for _name, query in mix:
        warm.post(url, data={"query": query}, timeout=REQUEST_TIMEOUT_S)
    lock = threading.Lock()
    ends = time.monotonic() + seconds

    def client(index: int) -> None:
        session = session_at(f"127.0.2.{index + 1}")
        turn = index
        while time.monotonic() < ends:
            _name, query = mix[turn % len(mix)]
            turn += 1
            started = time.monotonic()
            try:
                response = session.post(url, data={"query": query}, timeout=REQUEST_TIMEOUT_S,
                                        headers={"Accept": "application/sparql-results+json"})
            except requests.RequestException as error:
                with lock:
                    result.errors.append(f"{type(error).__name__}: {error}"[:200])
                continue
            took = time.monotonic() - started
            with lock:
                result.statuses[(response.status_code, _title(response))] += 1
                if response.status_code == 200:
                    result.latencies.append(took)

    def runaway() -> None:
        session = session_at("127.0.3.1")
        try:
            response = session.get(url, params={"query": RUNAWAY}, timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as error:
            with lock:
                result.errors.append(f"runaway: {type(error).__name__}: {error}"[:200])
            return
        with lock:
            result.runaways[(response.status_code, _title(response))] += 1

    def prober() -> None:
        session = session_at("127.0.3.2")
        while time.monotonic() < ends:
            started = time.monotonic()
            try:
                status = session.get(base + "/health", timeout=5).status_code
            except requests.RequestException:
                status = 0
            with lock:
                result.health.append((status, time.monotonic() - started))
            time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    threads.append(threading.Thread(target=prober, daemon=True))
    for thread in threads:
        thread.start()
    attackers = []
    for _ in range(int(seconds / runaway_every)):  # bounded: one a second for the run
        if time.monotonic() >= ends:
            break
        attackers.append(threading.Thread(target=runaway, daemon=True))
        attackers[-1].start()
        time.sleep(runaway_every)
    for thread in threads + attackers:
        thread.join(seconds + 2 * REQUEST_TIMEOUT_S)
    return result


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(result: LoadResult, *, workers: int, data: str) -> str:
    total = sum(result.statuses.values())
    lines = [
        f"## Load run, {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average at the end {os.getloadavg()[0]:.1f}",
        f"- server: `coevidence serve` on {data}, {workers} workers, default limits",
        f"- load: {result.connections} clients (one loopback address each) sending the 23 research "
        f"questions one after another for {result.seconds:g} s (after one sequential warm-up "
        "pass); one runaway query a second from another address; `/health` asked five times "
        "a second",
        "",
        "| outcome | answers | share |",
        "|---|---|---|",
    ]
    for (status, title), count in sorted(result.statuses.items()):
        lines.append(f"| {status} {title or 'OK'} | {count} | {count / total:.1%} |")
    lines += [
        "",
        f"- answered: {result.answered} in {result.seconds:g} s ({result.answered / result.seconds:.0f}/s); "
        f"latency of answers p50 {_percentile(result.latencies, 0.5) * 1000:.1f} ms, "
        f"p99 {_percentile(result.latencies, 0.99) * 1000:.1f} ms",
        f"- runaway queries: " + ", ".join(f"{count} × {status} {title}" for (status, title), count in sorted(result.runaways.items())),
        f"- `/health`: {len(result.health)} probes, "
        f"{sum(1 for status, _ in result.health if status == 200)} answered 200; "
        f"p50 {_percentile([s for _, s in result.health], 0.5) * 1000:.1f} ms, "
        f"max {result.health_max * 1000:.1f} ms (target: under {HEALTH_TARGET_S:g} s)",
        f"- transport errors (no HTTP answer): {len(result.errors)}" + (f", first: {result.errors[0]}" if result.errors else ""),
        f"- **{'held' if result.held else 'did not hold'}**: "
        + ("no 5xx other than the announced 503s, `/health` under 1 s throughout"
           if result.held else f"unexpected answers {result.unexpected}, health ok: {result.health_ok}"),
        "",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--seconds", default=30.0, show_default=True, help="How long the load lasts.")
@click.option("--connections", default=50, show_default=True, help="Concurrent clients.")
@click.option("--workers", default=2, show_default=True, help="Query workers of the server.")
@click.option("--data", "data_paths", multiple=True, type=click.Path(path_type=Path),
              help="Data to serve (default: the bundled data).")
@click.option("--output", type=click.Path(path_type=Path), default=Path("benchmarks/load.md"), show_default=True,
              help="Markdown report, appended to.")
def command(seconds: float, connections: int, workers: int, data_paths: tuple[Path, ...], output: Path) -> None:
    """The endpoint under load: clients, a runaway a second, /health throughout."""
    if not 1 <= connections <= 250:
        raise click.UsageError("--connections: between 1 and 250 (one loopback address each)")
    if not 0 < seconds <= 600:
        raise click.UsageError("--seconds: above 0 and at most 600")
    args = [sys.executable, "-m", "coevidence", "serve", "--port", "0", "--workers", str(workers)]
    for path in data_paths:
        args += ["--data", str(path)]
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first = server.stdout.readline() if server.stdout else ""
        base = first.split("http://", 1)[1].split("/sparql", 1)[0] if "http://" in first else None
        if base is None:
            raise click.ClickException(f"the server did not start: {first!r}")
        base = "http://" + base
        click.echo(f"load: {connections} clients for {seconds:g} s against {base}", err=True)
        result = run_load(base, seconds=seconds, connections=connections)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    text = report(result, workers=workers, data=", ".join(map(str, data_paths)) or "the bundled data")
    output.parent.mkdir(parents=True, exist_ok=True)
    if not output.exists():
        output.write_text("# Load: the endpoint under 50 clients and a runaway query a second\n\n"
                          "Written by `coevidence bench load`; each run is appended.\n\n", encoding="utf-8")
    with output.open("a", encoding="utf-8") as stream:
        stream.write(text + "\n")
    click.echo(text)
    sys.exit(0 if result.held else 1)
