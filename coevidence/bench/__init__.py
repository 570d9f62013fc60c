"""`coevidence bench`: the benchmark harness.

Timings live here, never in pytest. Each benchmark measures the project against its peers
in the same run on the same machine and reports medians and ratios; results are written
as Markdown under ``benchmarks/`` so that they can be committed and compared.
"""

from __future__ import annotations

import importlib

import click

#: sub-command name -> module defining a click command called `command`
BENCHMARKS = {
    "ingest": "coevidence.bench.ingest",
    "endpoint": "coevidence.bench.endpoint",
    "network": "coevidence.bench.network",
    "pages": "coevidence.bench.explorer",
    "pages-ld": "coevidence.bench.pages",
    "load": "coevidence.bench.load",
    "start": "coevidence.bench.start",
    "questions": "coevidence.bench.questions",
}


class _LazyBenchGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(BENCHMARKS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = BENCHMARKS.get(cmd_name)
        return importlib.import_module(module).command if module else None


@click.group(cls=_LazyBenchGroup)
def bench() -> None:
    """Measure speed against peers, side by side in one run."""
