"""`coevidence bench network`: network views and exports at growing sizes, against rdflib.

For each size, synthetic pilots (the endpoint benchmark's data, kept between runs) are
loaded into the embedded store the server uses, and:

- **network, cold**: reading the whole relational view through the store
  (``server.network.model.read_network``), once per data version;
- **pilot network JSON**: ``/network/pilot/<key>.json`` through the Flask app (no HTTP):
  the first request on a data version, and the median of later ones (kept per version);
- **rdflib, per request**: the same pilot's ties asked of rdflib's in-memory store with the
  same SPARQL, the way a page that queries on every request would;
- **export**: ``coevidence export`` of everything as a separate process: wall time and the
  peak resident memory of its process tree (sampled from /proc every 50 ms).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import click

from coevidence.bench.endpoint import DEFAULT_WORKDIR, prepare
from coevidence.bench.procs import descendants


def _tree_rss(root: int) -> int:
    """Resident bytes of *root* and all its descendants (Linux /proc)."""
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as stream:
                total += int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total


def _timed_export(files: list[Path]) -> tuple[float, int, int]:
    """Run ``coevidence export`` on *files*: (seconds, peak tree RSS in bytes, exit code)."""
    out = Path(tempfile.mkdtemp(prefix="bench-export-")) / "out"
    command = [sys.executable, "-m", "coevidence", "export", str(out), *[arg for f in files for arg in ("--data", str(f))]]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, error = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        click.echo(error.decode(errors="replace")[-2000:], err=True)
    subprocess.run(["rm", "-rf", str(out.parent)], check=False)
    return seconds, peak, process.returncode


def _measure(size: int, workdir: Path, repeat: int, say) -> dict:
    from rdflib import Graph, URIRef

    from coevidence.server import create_app
    from coevidence.server.network.model import read_network
    from coevidence.server.queries import load_query
    from coevidence.server.stores.oxigraph import OxigraphStore

    data = prepare(workdir, size, 0, say)
    files = [data.data]
    key = data.pilot.strip("<>").rsplit("/", 1)[-1]
    row: dict = {"pilots": size, "triples": data.triples}
    with OxigraphStore.load(files, workers=1) as store:
        started = time.perf_counter()
        read_network(store)
        row["network_cold_s"] = time.perf_counter() - started
        client = create_app({"STORE": store, "TESTING": True}).test_client()
        started = time.perf_counter()
        first = client.get(f"/network/pilot/{key}.json")
        row["pilot_json_first_s"] = time.perf_counter() - started
        if first.status_code != 200:
            raise click.ClickException(f"/network/pilot/{key}.json answered {first.status_code}")
        again = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(f"/network/pilot/{key}.json")
            again.append(time.perf_counter() - started)
        row["pilot_json_again_s"] = statistics.median(again)
        row["pilot_edges"] = first.get_json()["counts"]["edges"]
    say(f"{size} pilots: loading rdflib")
    graph = Graph()
    for path in (data.data, *data.files[1:]):
        graph.parse(path)
    ties = load_query("network_ties")
    runs = []
    for _ in range(max(3, repeat // 10)):
        started = time.perf_counter()
        list(graph.query(ties, initBindings={"pilot": URIRef(data.pilot.strip("<>"))}))
        runs.append(time.perf_counter() - started)
    row["rdflib_ties_s"] = statistics.median(runs)
    del graph
    say(f"{size} pilots: export")
    row["export_s"], row["export_peak_bytes"], row["export_rc"] = _timed_export(files)
    return row


def _report(rows: list[dict], command: str, load: tuple) -> str:
    lines = [
        "# Network views and exports",
        "",
        f"Run {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}).",
        f"Command: `{command}`. Load average before: {', '.join(f'{x:.2f}' for x in load[0])}; "
        f"after: {', '.join(f'{x:.2f}' for x in load[1])}.",
        "",
        "Targets (issue 14): one pilot's network JSON under 100 ms median at 1,000 pilots; the whole-dataset "
        "measures computed once per data version; `coevidence export` of everything under 2 minutes.",
        "",
        "| pilots | triples | network read, cold | pilot JSON, first | pilot JSON, again (median) | rdflib, the pilot's ties per request | rdflib ÷ again | export | export peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = row["rdflib_ties_s"] / row["pilot_json_again_s"] if row["pilot_json_again_s"] else float("nan")
        lines.append(
            f"| {row['pilots']:,} | {row['triples']:,} | {row['network_cold_s'] * 1000:,.0f} ms | "
            f"{row['pilot_json_first_s'] * 1000:,.0f} ms | {row['pilot_json_again_s'] * 1000:.2f} ms | "
            f"{row['rdflib_ties_s'] * 1000:,.1f} ms | {ratio:,.0f}× | {row['export_s']:.1f} s"
            f"{'' if row['export_rc'] == 0 else ' (failed)'} | {row['export_peak_bytes'] / 2**20:,.0f} MiB |"
        )
    lines += [
        "",
        "- *network read, cold*: the whole relational view read through the store, once per data version;",
        "- *pilot JSON, first*: the first request for one pilot's network on a data version (it includes the read);",
        "- *again*: later requests (Flask test client, no HTTP), answered from what was kept for the version;",
        "- *rdflib*: the same pilot's ties asked of rdflib's in-memory store with the same query, as a page that "
        "queried on every request would;",
        "- *export*: `coevidence export OUT --data FILE` as its own process; peak resident memory of its process tree "
        "(it, its query worker and the process writing the dumps), sampled every 50 ms.",
        "",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--pilots", "sizes", multiple=True, type=click.IntRange(min=1), default=(10, 100, 1000),
              show_default=True, help="Sizes to measure (repeatable).")
@click.option("--repeat", type=click.IntRange(min=1), default=50, show_default=True,
              help="Requests for the median of later requests.")
@click.option("--workdir", type=click.Path(path_type=Path), default=DEFAULT_WORKDIR, show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("benchmarks/network.md"),
              show_default=True)
def command(sizes, repeat, workdir, output) -> None:
    """Network views and exports at growing sizes (figures in benchmarks/network.md)."""
    say = lambda message: click.echo(f"bench network: {message}", err=True)  # noqa: E731
    load_before = os.getloadavg()
    rows = [_measure(size, workdir, repeat, say) for size in sizes]
    text = _report(rows, "coevidence bench network " + " ".join(sys.argv[3:]), (load_before, os.getloadavg()))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(text)
    click.echo(json.dumps(rows), err=True)
