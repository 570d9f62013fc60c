"""`coevidence bench questions`: how long each research question of the catalogue takes, from
10 to 1,000 pilots.

The catalogue's queries are written against ten real pilots; at a thousand synthetic ones a
query whose shape the engine plans badly goes from milliseconds to minutes (a pattern joined
after an OPTIONAL, a UNION joined to every claim). This runs every question as its page
does (the embedded store with two query workers, the page's time limit and row cap) and
reports, per size, the first run, the median of the repeats, the rows and whether it
finished: a question past the time limit is a page that answers 503.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import click

from coevidence.bench.endpoint import machine, prepare
from coevidence.bench.options import synthetic_pilots

SIZES = (10, 100, 1000)


def measure(pilots: int, seed: int, repeat: int, timeout: float, workdir: Path, say) -> dict:
    from coevidence.data.research_questions import questions
    from coevidence.server.explorer.ask import MAX_ANSWER_ROWS
    from coevidence.server.stores import QueryTimeout
    from coevidence.server.stores.oxigraph import OxigraphStore

    dataset = prepare(workdir, pilots, seed, say)
    say(f"{pilots} pilots: {dataset.triples:,} triples; loading the store")
    load_before = os.getloadavg()[0]
    rows = []
    with OxigraphStore.load([dataset.data], workers=2) as store:
        for question in questions():
            times, status, size = [], "ok", 0
            for _ in range(repeat):
                started = time.perf_counter()
                try:
                    result = store.query(question.sparql, timeout=timeout, max_rows=MAX_ANSWER_ROWS)
                except QueryTimeout:
                    times.append(time.perf_counter() - started)
                    status = f"over {timeout:g} s"
                    break  # each try would cost the whole time limit again
                times.append(time.perf_counter() - started)
                size = len(result)
                if result.truncated:
                    status = f"first {MAX_ANSWER_ROWS:,} rows"
            rows.append((question.name, times[0], statistics.median(times), size, status))
            say(f"  {question.name}: {times[0] * 1000:.0f} ms, {status}")
    return {"pilots": pilots, "triples": dataset.triples, "rows": rows, "load_average": (load_before, os.getloadavg()[0])}


def write_report(results: list[dict], output: Path, command: str, timeout: float) -> None:
    lines = [
        "# Research questions: time of each catalogue query from 10 to 1,000 pilots",
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
        "",
        *machine(),
        "",
        "Each question's query is run as its page runs it: the embedded store with two query",
        f"workers, a time limit of {timeout:g} s (the server's `SPARQL_TIMEOUT_S`) and the page's row cap.",
        "Milliseconds of wall time: the first run, then the median of all runs; the rows the page",
        "would show; and whether it finished (a question over the limit is a page answering 503).",
        "",
    ]
    for r in results:
        over = [row[0] for row in r["rows"] if row[4].startswith("over")]
        lines += [
            f"## {r['pilots']:,} pilots ({r['triples']:,} triples; load average {r['load_average'][0]:.1f} before, "
            f"{r['load_average'][1]:.1f} after)",
            "",
            f"Over the time limit: {', '.join(over) if over else 'none'}.",
            "",
            "| question | first run | median | rows | finished |",
            "|---|---:|---:|---:|---|",
        ]
        for name, first, median, size, status in sorted(r["rows"], key=lambda row: -row[2]):
            lines.append(f"| `{name}` | {first * 1000:.0f} | {median * 1000:.0f} | {size:,} | {status} |")
        lines.append("")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines), encoding="utf-8")


@click.command("questions")
@synthetic_pilots(SIZES)
@click.option("--repeat", default=3, show_default=True, help="Runs of each question.")
@click.option("--timeout", default=5.0, show_default=True, help="Time limit of each run, in seconds (the server's default).")
@click.option("--output", type=click.Path(path_type=Path), default=Path("benchmarks/questions.md"), show_default=True)
def command(sizes, seed, repeat, timeout, workdir, output):
    """Time every research question of the catalogue at growing numbers of pilots."""
    sizes = sizes or SIZES
    results = []
    invocation = "coevidence bench questions " + " ".join(f"--pilots {n}" for n in sizes) + f" --repeat {repeat}"
    for pilots in sizes:
        results.append(measure(pilots, seed, repeat, timeout, workdir, lambda text: click.echo(text, err=True)))
        write_report(results, output, invocation, timeout)
    click.echo(f"wrote {output}")
