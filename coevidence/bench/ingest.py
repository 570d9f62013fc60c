"""`coevidence bench ingest`: build, validate and write synthetic pilots, against one plain pySHACL call.

What is measured, on the same machine in the same run:

* **ours**: `coevidence build`'s path from CSV sources to a validated graph: read and parse
  the tables, map them to triples, then validate with :func:`validate_graph` (split by
  pilot, ``--jobs`` worker processes, the fastest engine installed), then write the
  canonical Turtle (:func:`coevidence.ingest.build.serialize`, in memory);
* **baseline**: validating the very same graph in one plain pySHACL call
  (:func:`coevidence.shapes.validate`), which includes no reading or mapping at all.

Each is run ``--repeat`` times (the baseline ``--baseline-repeat`` times, as it is slow) and
the medians are reported, with the ratio baseline / ours and whether both found exactly the
same problems. The result is written as Markdown (``benchmarks/ingest.md`` by default).
"""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


@click.command()
@click.option("--pilots", type=click.IntRange(min=1), default=10_000, show_default=True, help="Synthetic pilots to build.")
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True, help="Runs of our build + validate.")
@click.option("--baseline-repeat", type=click.IntRange(min=0), default=1, show_default=True, help="Runs of the plain pySHACL call (0: skip it).")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Worker processes for our validation.")
@click.option("--engine", type=click.Choice(["auto", "pyshacl", "turbo"]), default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("benchmarks/ingest.md"), show_default=True)
@click.option("--append", is_flag=True, help="Add this run's report to the end of OUTPUT instead of replacing it.")
def command(pilots: int, repeat: int, baseline_repeat: int, jobs: int, engine: str, seed: int, output: Path, append: bool) -> None:
    """Build + validate synthetic pilots, and compare with one plain pySHACL validation."""
    from coevidence.ingest.build import build_graph, serialize
    from coevidence.ingest.synth import write_synthetic
    from coevidence.ingest.validation import turbo_available, validate_graph
    from coevidence.shapes import validate

    engine_used = ("turbo" if turbo_available() else "pyshacl") if engine == "auto" else engine
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="coevidence-bench-") as folder:
        sources = Path(folder) / "sources"
        synth_seconds, counts = _timed(write_synthetic, sources, pilots, seed)
        click.echo(f"synthesised {pilots} pilots ({sum(counts.values())} rows) in {synth_seconds:.1f} s", err=True)
        ours: list[dict[str, float]] = []
        built = result = None
        for run in range(1, repeat + 1):
            built = result = None  # free the previous run's triples before the next
            build_seconds, built = _timed(build_graph, [sources])
            if built.triples is None:
                raise click.ClickException(f"the synthetic sources have errors: {built.errors[0]}")
            validate_seconds, result = _timed(validate_graph, built.triples, jobs=jobs, engine=engine)
            write_seconds, turtle = _timed(serialize, built.triples, "turtle")
            del turtle
            ours.append({"build": build_seconds, "validate": validate_seconds, "write": write_seconds, "total": build_seconds + validate_seconds + write_seconds})
            click.echo(f"ours, run {run}: build {build_seconds:.1f} s + validate {validate_seconds:.1f} s + write {write_seconds:.1f} s", err=True)
        triples, records = len(built.triples), built.records
        baseline: list[float] = []
        same = None
        for run in range(1, baseline_repeat + 1):
            seconds, plain = _timed(validate, built.graph)  # the rdflib graph is built for it, untimed
            baseline.append(seconds)
            same = set(plain.problems) == set(result.problems)
            click.echo(f"plain pySHACL, run {run}: {seconds:.1f} s; same problems: {same}", err=True)
    report = _report(
        pilots=pilots, records=records, triples=triples, jobs=jobs, engine=engine_used, seed=seed,
        ours=ours, baseline=baseline, same=same, counts=result.counts(), load=(load_before, os.getloadavg()),
        command=" ".join(["coevidence bench ingest", *map(shlex.quote, sys.argv[3:])]) if len(sys.argv) > 2 else "coevidence bench ingest",
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    before = output.read_text(encoding="utf-8").rstrip("\n") + "\n\n" if append and output.exists() else ""
    output.write_text(before + report, encoding="utf-8")
    click.echo(report)


def _runs(seconds) -> str:
    return ", ".join(f"{value:.1f}" for value in seconds)


def _report(*, pilots, records, triples, jobs, engine, seed, ours, baseline, same, counts, command, load) -> str:
    median = {key: statistics.median(run[key] for run in ours) for key in ("build", "validate", "write", "total")}
    lines = [
        "# Benchmark: ingest (build + validate + write) against one plain pySHACL call",
        "",
        f"Command: `{command}`",
        "",
        "## Machine and software",
        "",
        f"- {platform.platform()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        f"- rdflib {_version('rdflib')}, pySHACL {_version('pyshacl')}, pyshacl-turbo {_version('pyshacl-turbo')}, openpyxl {_version('openpyxl')}",
        f"- load average (1, 5, 15 min) before the runs: {', '.join(f'{x:.2f}' for x in load[0])}; after: {', '.join(f'{x:.2f}' for x in load[1])}"
        " (other work on the machine slows both sides)",
        "",
        "## Data",
        "",
        f"- {pilots} synthetic pilots (seed {seed}), {records} records, {triples} triples",
        f"- problems found: {counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} infos",
        "",
        "## Results (seconds, medians)",
        "",
        "| what | runs | median | all runs |",
        "|---|---|---|---|",
        f"| ours: build (read, parse, map) | {len(ours)} | {median['build']:.1f} | {_runs(r['build'] for r in ours)} |",
        f"| ours: validate ({engine}, {jobs} worker processes, split by pilot) | {len(ours)} | {median['validate']:.1f} | {_runs(r['validate'] for r in ours)} |",
        f"| ours: write Turtle (canonical, in memory) | {len(ours)} | {median['write']:.2f} | {_runs(r['write'] for r in ours)} |",
        f"| **ours: build + validate + write** | {len(ours)} | **{median['total']:.1f}** | {_runs(r['total'] for r in ours)} |",
    ]
    if baseline:
        base = statistics.median(baseline)
        lines += [
            f"| **baseline: one plain pySHACL call on the built graph** | {len(baseline)} | **{base:.1f}** | {_runs(baseline)} |",
            "",
            f"- **ratio** baseline / ours (build + validate + write): **{base / median['total']:.1f}x**; validation alone: {base / median['validate']:.1f}x",
            f"- same problems found by both (every violation and warning, compared as sets): **{'yes' if same else 'NO'}**",
        ]
    else:
        lines += ["", "- baseline not run (`--baseline-repeat 0`)"]
    lines += [f"- the write is {median['write'] / median['total']:.0%} of ours (build + validate + write)"]
    lines += [
        "",
        "## How it was measured",
        "",
        "- Wall-clock time (`time.perf_counter`) around each step, in one process; the synthetic",
        "  sources are written once to a temporary folder as CSV tables before timing.",
        "- Ours times the whole path from the CSV files: `build_graph` (read, parse every cell,",
        "  check ids and references, map to triples with provenance) and `validate_graph`",
        "  (split the graph by pilot, validate the parts in forked worker processes, merge),",
        "  then `serialize(triples, \"turtle\")` (the canonical Turtle `coevidence build` writes,",
        "  made in memory: the disk is left out).",
        "- The baseline times only `coevidence.shapes.validate(graph)` on the graph ours built:",
        "  one pySHACL call over the whole graph plus the ontology and vocabularies.",
        "",
    ]
    return "\n".join(lines)
