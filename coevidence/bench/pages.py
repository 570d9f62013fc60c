"""`coevidence bench pages-ld`: how fast the linked-data pages answer, from 10 to 1,000 pilots.

For each size it synthesises pilots with the ingest's generator (the same data as ``bench
endpoint``, kept under the work folder), loads them into the embedded store (two query
workers, as ``coevidence serve`` runs), builds the app and asks for pages through Flask's
test client (the whole view: queries, model, template; no network). It reports medians:

- a pilot's document, cold: the first request for each of ``--samples`` pilots (caches that
  belong to the app, such as the ontology's labels, warmed first by one other page);
- the same documents again (warm: what is cached is the store's own work only);
- one row per class: the first request for each of up to ``--samples`` of its instances;
- the time the background warm-up of the whole-dataset figures takes (as ``coevidence serve``
  runs it at start), then the ontology page, the VoID description and the sitemap index,
  first and second request.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import click
from rdflib import URIRef

from coevidence.bench.endpoint import machine, prepare
from coevidence.bench.options import synthetic_pilots

SIZES = (10, 100, 1000)
TARGET_PILOT_MS = 150
TARGET_PAGE_MS = 50


def _ms(seconds: float) -> float:
    return seconds * 1000


#: CPU seconds of this process (the web side: model, template) of every request timed
CPU: list[float] = []


def _timed(client, path: str) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path, headers={"Accept": "text/html"})
    elapsed = time.perf_counter() - started
    CPU.append(time.process_time() - cpu)
    if response.status_code != 200:
        raise click.ClickException(f"{path}: {response.status_code} {response.data[:200]!r}")
    return elapsed


def _doc(iri: str) -> str:
    base = "https://w3id.org/coevidence/"
    if iri.startswith(base + "id/"):
        return "/doc/" + iri[len(base + "id/"):]
    return "/doc/" + iri[len(base):]


def _spread(items: list, count: int) -> list:
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def measure(pilots: int, seed: int, samples: int, workdir: Path, say) -> dict:
    from coevidence.server import create_app
    from coevidence.server.stores.oxigraph import OxigraphStore

    load_before = os.getloadavg()[0]
    dataset = prepare(workdir, pilots, seed, say)
    say(f"{pilots} pilots: {dataset.triples:,} triples; loading the store")
    started = time.perf_counter()
    store = OxigraphStore.load([dataset.data], workers=2)
    load_seconds = time.perf_counter() - started
    try:
        app = create_app({"STORE": store, "TESTING": True})
        client = app.test_client()

        def instances(cls: str) -> list[str]:
            result = store.query("SELECT ?s ?c WHERE { ?s a ?c } ORDER BY ?s", bindings={"c": URIRef(cls)},
                                 timeout=60, max_rows=1_000_000)
            return [str(row[next(k for k in row if str(k) == "s")]) for row in result.rows]

        classes = store.query("SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
                              timeout=60, max_rows=10_000)
        per_class = {}
        for row in classes.rows:
            values = {str(k): v for k, v in row.items()}
            per_class[str(values["c"])] = int(values["n"])
        pilot_class = "https://w3id.org/coevidence/ontology#Pilot"
        all_pilots = instances(pilot_class)
        warmup, *rest = all_pilots
        _timed(client, _doc(warmup))  # the app's own caches (labels of terms), not the pilots'
        chosen = _spread(rest, samples) or [warmup]
        CPU.clear()
        cold = [_timed(client, _doc(iri)) for iri in chosen]
        cold_cpu = statistics.median(CPU)
        warm = [_timed(client, _doc(iri)) for iri in chosen]
        rows = []
        for cls in sorted(per_class):
            if cls == pilot_class:
                continue
            iris = [i for i in instances(cls) if i.startswith(("https://w3id.org/coevidence/id/", "https://w3id.org/coevidence/vocab/"))]
            if not iris:
                continue
            times = [_timed(client, _doc(iri)) for iri in _spread(iris, samples)]
            rows.append((cls.rsplit("#", 1)[-1].rsplit("/", 1)[-1], per_class[cls], len(times),
                         statistics.median(times), max(times)))
        # the whole-dataset figures, as `coevidence serve` computes them in the background at
        # start (WARM_AT_START): how long that takes, then the pages' first and second request
        from coevidence.server.linkeddata import warm as warm_up

        started = time.perf_counter()
        warm_up.warm(app)
        warm_seconds = time.perf_counter() - started
        extra = {}
        for name, path in (("ontology", "/ontology"), ("VoID", "/.well-known/void"), ("sitemap index", "/sitemap.xml")):
            first = _timed(client, path)
            second = _timed(client, path)
            extra[name] = (first, second)
        return {
            "pilots": pilots, "triples": dataset.triples, "load": load_seconds,
            "pilot_cold": statistics.median(cold), "pilot_cold_max": max(cold),
            "pilot_warm": statistics.median(warm), "samples": len(cold), "pilot_cold_cpu": cold_cpu,
            "classes": rows, "extra": extra, "warm": warm_seconds, "load_average": (load_before, os.getloadavg()[0]),
        }
    finally:
        store.close()


def write_report(results: list[dict], output: Path, command: str) -> None:
    lines = [
        "# Linked-data pages: response times from 10 to 1,000 pilots",
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
        "",
        *machine(),
        "",
        "Each page is asked for through Flask's test client (queries, model and template; no",
        "network) on the embedded store with two query workers. Medians, in milliseconds, of wall time:",
        "the machine's load average is given beside each size, since other work on it slows every figure. A *cold*",
        "request is the first one for that resource. Targets (issue 12): a pilot's document under",
        f"{TARGET_PILOT_MS} ms cold, any resource page under {TARGET_PAGE_MS} ms.",
        "",
        "## Pilot documents",
        "",
        "| pilots | triples | store load (s) | pilot cold | pilot cold, slowest | pilot warm | web-side CPU of a cold pilot | samples | machine load average (1 min, before / after) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['pilots']:,} | {r['triples']:,} | {r['load']:.1f} | {_ms(r['pilot_cold']):.0f} | "
                     f"{_ms(r['pilot_cold_max']):.0f} | {_ms(r['pilot_warm']):.0f} | {_ms(r['pilot_cold_cpu']):.0f} | {r['samples']} | "
                     f"{r['load_average'][0]:.1f} / {r['load_average'][1]:.1f} |")
    lines += ["", "## Every other kind of resource (first request of each sampled instance)", ""]
    sizes = [r["pilots"] for r in results]
    names = sorted({row[0] for r in results for row in r["classes"]})
    lines.append("| class | " + " | ".join(f"{n:,} pilots: median (max)" for n in sizes) + " |")
    lines.append("|---|" + "---:|" * len(sizes))
    for name in names:
        cells = []
        for r in results:
            row = next((row for row in r["classes"] if row[0] == name), None)
            cells.append(f"{_ms(row[3]):.0f} ({_ms(row[4]):.0f}), {row[1]:,} instances" if row else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "## Whole-dataset pages (first request, then second, after the background warm-up)", ""]
    lines.append("| page | " + " | ".join(f"{n:,} pilots" for n in sizes) + " |")
    lines.append("|---|" + "---:|" * len(sizes))
    lines.append("| background warm-up at start (`WARM_AT_START`), s | " + " | ".join(f"{r['warm']:.1f}" for r in results) + " |")
    for name in results[0]["extra"]:
        lines.append(f"| {name} | " + " | ".join(f"{_ms(r['extra'][name][0]):.0f} then {_ms(r['extra'][name][1]):.0f}" for r in results) + " |")
    lines.append("")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines), encoding="utf-8")


@click.command("pages-ld")
@synthetic_pilots(SIZES)
@click.option("--samples", default=20, show_default=True, help="Resources of each kind to ask for.")
@click.option("--output", type=click.Path(path_type=Path), default=Path("benchmarks/linked-data.md"), show_default=True)
def command(sizes, seed, samples, workdir, output):
    """Response times of the linked-data pages at growing numbers of pilots."""
    sizes = sizes or SIZES
    results = []
    for pilots in sizes:
        results.append(measure(pilots, seed, samples, workdir, lambda text: click.echo(text, err=True)))
        write_report(results, output, "coevidence bench pages-ld " + " ".join(f"--pilots {n}" for n in sizes))
        r = results[-1]
        click.echo(f"{pilots} pilots: pilot cold {_ms(r['pilot_cold']):.0f} ms, warm {_ms(r['pilot_warm']):.0f} ms", err=True)
    click.echo(f"wrote {output}")
