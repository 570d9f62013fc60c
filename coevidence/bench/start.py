"""`coevidence bench start`: cold start to the first answer, and memory while serving.

For each size (``--pilots 100,1000``: synthetic pilots from the ingest generator, as
``bench endpoint`` makes them, kept in ``--workdir``) and each way of starting:

- ``prebuilt store``: ``coevidence serve --store DIR`` on a store written beforehand by
  :func:`coevidence.server.stores.oxigraph.write_store` (what ``coevidence build --store``
  writes); each query worker opens it read-only;
- ``from Turtle``: ``coevidence serve --data FILE.ttl``: the zygote parses the Turtle into
  memory and forks the workers;

the time from launching the ``coevidence serve`` process to its first answer (a point
look-up of one pilot, asked as soon as the server prints its URL, and again until it
answers 200), ``--repeat`` times, median; then, on one more start, the query mix of
``bench endpoint`` once through while the memory of the server and all its descendants
(the zygote and the query workers) is read from ``/proc`` every 0.1 s: the sum of their
proportional set sizes (PSS: a page shared by n processes counts 1/n in each, so the
copy-on-write data of the forked workers counts once) and, for comparison, the sum of their
resident set sizes (RSS: shared pages counted in every process). The peaks are reported.
"""

from __future__ import annotations

import shlex
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import click

from coevidence.bench.procs import descendants
from coevidence.bench.endpoint import (
    DEFAULT_WORKDIR,
    HttpClient,
    Process,
    format_seconds,
    load_average,
    machine,
    prepare,
    query_mix,
)

GIB = 1024 ** 3
MODES = ("prebuilt store", "from Turtle")
#: the targets of issue 15, at 1,000 pilots
START_TARGET_S = 10.0
MEMORY_TARGET_BYTES = 1.5 * GIB
#: a server that has not answered after this long has failed to start (a hang guard)
START_DEADLINE_S = 600.0
SAMPLE_EVERY_S = 0.1


# ---------------------------------------------------------------------------------------
# Memory of a process tree, from /proc
# ---------------------------------------------------------------------------------------


def memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of *pid* in bytes, from ``/proc/PID/smaps_rollup``; (0, 0) if it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
    except OSError:
        return 0, 0
    return pss, rss


def tree_memory(pid: int) -> tuple[int, int, int]:
    """(PSS, RSS, processes) summed over *pid* and its descendants."""
    pids = descendants(pid)
    sizes = [memory(p) for p in pids]
    return sum(s[0] for s in sizes), sum(s[1] for s in sizes), sum(1 for s in sizes if s[1])


class MemorySampler:
    """Reads the tree's memory every SAMPLE_EVERY_S seconds in a thread; keeps the peaks."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_pss = self.peak_rss = self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_EVERY_S)

    def sample(self) -> None:
        pss, rss, processes = tree_memory(self.pid)
        self.peak_pss = max(self.peak_pss, pss)
        if rss > self.peak_rss:
            self.peak_rss, self.processes = rss, processes

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# ---------------------------------------------------------------------------------------
# Data and starts
# ---------------------------------------------------------------------------------------


def prebuilt_store(folder: Path, data: Path, say: Callable[[str], None]) -> tuple[Path, float | None]:
    """The store of *data* under *folder* (written once, as ``coevidence build --store``
    writes one); and the seconds writing it took, None when it was already there."""
    from coevidence.server.stores.oxigraph import is_store, write_store

    store = folder / "store"
    if is_store(store):
        return store, None
    say(f"writing the store {store}")
    started = time.perf_counter()
    write_store([data], store)
    return store, time.perf_counter() - started


def turtle_copy(folder: Path, data: Path, say: Callable[[str], None]) -> Path:
    """*data* (N-Triples) written as Turtle with the project's prefixes, once."""
    import pyoxigraph as ox

    from coevidence.ontology import PREFIXES

    turtle = folder / "data.ttl"
    if not turtle.is_file():
        say(f"writing {turtle}")
        partial = turtle.with_suffix(".ttl.partial")
        with partial.open("wb") as out:
            ox.serialize(ox.parse(path=str(data), format=ox.RdfFormat.N_TRIPLES), out,
                         format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        partial.rename(turtle)
    return turtle


@dataclass
class Start:
    url_seconds: float  # until the server printed its URL (its store ready)
    answer_seconds: float  # until the first 200 answer to the first query


def start_and_ask(args: list[str], first_query: str, log: Path, limit: float) -> tuple[Process, Start]:
    """Launch ``coevidence serve`` and ask *first_query* until it answers; the process is
    left running (the caller stops it)."""
    command = [sys.executable, "-m", "coevidence", "serve", "--host", "127.0.0.1", "--port", "0",
               "--timeout", f"{limit:g}", *args]
    stderr = log.open("wb")
    started = time.perf_counter()
    popen = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True)
    stderr.close()
    assert popen.stdout is not None
    line = popen.stdout.readline()
    url_seconds = time.perf_counter() - started
    if "serving SPARQL at " not in line:
        popen.wait(timeout=30)
        raise click.ClickException(f"coevidence serve did not start: {log.read_text(errors='replace')[-800:]}")
    url = line.split("serving SPARQL at ", 1)[1].split()[0]
    process = Process("serve", popen, url, log)
    client = HttpClient(url)
    try:
        while True:
            run = client.ask(first_query, limit)
            if run.error is None:
                break
            if popen.poll() is not None or time.perf_counter() - started > START_DEADLINE_S:
                process.stop()
                raise click.ClickException(f"coevidence serve gave no answer: {run.error}")
            time.sleep(0.01)
    finally:
        client.close()
    return process, Start(url_seconds, time.perf_counter() - started)


@dataclass
class Measured:
    pilots: int
    triples: int
    mode: str
    starts: list[Start] = field(default_factory=list)
    peak_pss: int = 0
    peak_rss: int = 0
    processes: int = 0
    mix_seconds: float = 0.0
    failed_queries: list[str] = field(default_factory=list)

    @property
    def first_answer(self) -> float:
        return statistics.median(start.answer_seconds for start in self.starts)

    @property
    def url(self) -> float:
        return statistics.median(start.url_seconds for start in self.starts)


def measure(pilots: int, seed: int, repeat: int, workers: int, limit: float, workdir: Path,
            say: Callable[[str], None], prepared: dict[str, float]) -> list[Measured]:
    dataset = prepare(workdir, pilots, seed, say)
    store, seconds = prebuilt_store(dataset.folder, dataset.data, say)
    if seconds is not None:
        prepared[f"{pilots:,} pilots: write the store"] = seconds
    turtle = turtle_copy(dataset.folder, dataset.data, say)
    queries = query_mix(dataset.pilot, dataset.actor)
    lookup = next(query for query in queries if query.name == "lookup_pilot").text()
    results = []
    for mode, args in (("prebuilt store", ["--store", str(store)]), ("from Turtle", ["--data", str(turtle)])):
        measured = Measured(pilots, dataset.triples, mode)
        args = [*args, "--workers", str(workers)]
        for number in range(repeat + 1):
            process, start = start_and_ask(args, lookup, workdir / "start-serve.log", limit)
            try:
                if number < repeat:
                    measured.starts.append(start)
                    say(f"  {pilots} pilots, {mode}: URL after {format_seconds(start.url_seconds)}, "
                        f"first answer after {format_seconds(start.answer_seconds)}")
                    continue
                # one more start, whose memory is read while it serves the query mix
                client = HttpClient(process.url)
                started = time.perf_counter()
                with MemorySampler(process.popen.pid) as sampler:
                    for query in queries:
                        run = client.ask(query.text(), limit)
                        if run.error is not None:
                            measured.failed_queries.append(f"{query.name}: {run.error}")
                client.close()
                measured.mix_seconds = time.perf_counter() - started
                measured.peak_pss, measured.peak_rss, measured.processes = (
                    sampler.peak_pss, sampler.peak_rss, sampler.processes)
                say(f"  {pilots} pilots, {mode}: the mix in {format_seconds(measured.mix_seconds)}, "
                    f"peak PSS {measured.peak_pss / GIB:.2f} GiB, RSS {measured.peak_rss / GIB:.2f} GiB "
                    f"({measured.processes} processes)")
            finally:
                process.stop()
        results.append(measured)
    return results


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def report(results: list[Measured], prepared: dict[str, float], command: str, loads: str, workers: int) -> str:
    lines = [
        "# Start-up and memory benchmark",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `{command}`; load average {loads}.",
        "",
        "Time from launching `coevidence serve` to its first answer (median of the starts), and the",
        f"memory of the server, its zygote and its {workers} query workers together while serving the",
        "query mix of `bench endpoint` once (peak of samples every 0.1 s; PSS counts a page shared by",
        "n processes 1/n in each, RSS counts it in every one).",
        "",
        "| pilots | triples | start | starts | URL printed | first answer | the mix once | peak PSS, summed | peak RSS, summed | processes |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        lines.append(
            f"| {m.pilots:,} | {m.triples:,} | {m.mode} | {len(m.starts)} | {format_seconds(m.url)} | "
            f"{format_seconds(m.first_answer)} | {format_seconds(m.mix_seconds)} | {m.peak_pss / GIB:.2f} GiB | "
            f"{m.peak_rss / GIB:.2f} GiB | {m.processes} |"
        )
    lines += ["", "## Against the targets", ""]
    largest = max((m.pilots for m in results), default=0)
    for m in results:
        if m.pilots != largest:
            continue
        if m.mode == "prebuilt store":
            lines.append(
                f"- {m.pilots:,} pilots, prebuilt store: first answer after {format_seconds(m.first_answer)} "
                f"(target < {START_TARGET_S:g} s: {'met' if m.first_answer < START_TARGET_S else 'NOT met'})."
            )
        lines.append(
            f"- {m.pilots:,} pilots, {m.mode}: server and workers {m.peak_pss / GIB:.2f} GiB PSS at the peak "
            f"(target < {MEMORY_TARGET_BYTES / GIB:g} GiB: {'met' if m.peak_pss < MEMORY_TARGET_BYTES else 'NOT met'}); "
            f"RSS summed {m.peak_rss / GIB:.2f} GiB."
        )
    failures = [(m, failure) for m in results for failure in m.failed_queries]
    if failures:
        lines += ["", "## Notes", ""]
        lines += [f"- {m.pilots:,} pilots, {m.mode}: {failure}" for m, failure in failures]
    if prepared:
        lines += ["", "## Preparing", ""]
        lines += [f"- {name}: {format_seconds(seconds)}" for name, seconds in prepared.items()]
    lines += [
        "",
        "## How it was measured",
        "",
        "- `prebuilt store`: `coevidence serve --store DIR`, DIR written beforehand by `write_store` (as",
        "  `coevidence build --store` does), opened read-only by each worker; `from Turtle`:",
        "  `coevidence serve --data data.ttl` (the N-Triples of `bench endpoint` written as Turtle with the",
        "  project's prefixes), parsed into memory by the zygote, which forks the workers.",
        f"- both with `--workers {workers}` and the other settings at their defaults; the first query is",
        "  `lookup_pilot` of the mix, sent as soon as the server prints its URL, then every 10 ms until",
        "  it answers 200 (on a fresh server the result cache is empty: this is the engine's answer).",
        "- memory: the server's process and every descendant, `Pss:` and `Rss:` of `/proc/PID/smaps_rollup`.",
        "",
        "## Machine",
        "",
        *[f"- {line}" for line in machine()],
        "",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--pilots", default="100,1000", show_default=True, help="Comma-separated numbers of synthetic pilots.")
@click.option("--seed", default=0, show_default=True, help="Seed of the generator.")
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(1), help="Starts timed per size and mode.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1), help="Query workers of the server.")
@click.option("--limit", default=60.0, show_default=True, type=click.FloatRange(0.1),
              help="Time limit of one query, in seconds.")
@click.option("--workdir", type=click.Path(path_type=Path), default=DEFAULT_WORKDIR, show_default=True,
              help="Where the synthetic data and stores are kept between runs.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the Markdown report here.")
def command(pilots: str, seed: int, repeat: int, workers: int, limit: float, workdir: Path, output: Path | None) -> None:
    """Start-up time to the first answer and memory while serving, by size of the data."""
    try:
        sizes = [int(part) for part in pilots.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{pilots!r} is not a comma-separated list of numbers", param_hint="--pilots") from None
    if not sizes or min(sizes) < 2:
        raise click.BadParameter("give at least one size of 2 pilots or more", param_hint="--pilots")

    def say(message: str) -> None:
        click.echo(message, err=True)

    before = load_average()
    workdir.mkdir(parents=True, exist_ok=True)
    prepared: dict[str, float] = {}
    results = []
    for size in sizes:
        results += measure(size, seed, repeat, workers, limit, workdir, say, prepared)
    text = report(results, prepared, shlex.join(["coevidence", *sys.argv[1:]]),
                  f"{before} before the run, {load_average()} after it", workers)
    click.echo(text)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        say(f"written to {output}")
