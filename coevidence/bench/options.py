"""The options that every benchmark over synthetic pilots shares: the sizes, the seed, and
the folder where the data is kept between runs."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

#: where ``bench endpoint`` keeps its data; the other benchmarks over synthetic pilots share it
DEFAULT_WORKDIR = Path.home() / ".cache" / "coevidence" / "bench-endpoint"


def synthetic_pilots(sizes: tuple[int, ...], sizes_help: str = "") -> Callable:
    """``--pilots`` (repeatable, into ``sizes``; *sizes* when none is given), ``--seed`` and
    ``--workdir``, for a benchmark measured at growing numbers of synthetic pilots."""

    def decorate(function: Callable) -> Callable:
        # applied innermost first, so that --help lists them in the order written here
        function = click.option(
            "--workdir", type=click.Path(path_type=Path), default=DEFAULT_WORKDIR, show_default=True,
            help="Where the synthetic data is kept between runs (shared with `bench endpoint`).",
        )(function)
        function = click.option("--seed", default=0, show_default=True, help="Seed of the pilot generator.")(function)
        return click.option(
            "--pilots", "sizes", type=int, multiple=True,
            help=f"Sizes to measure [default: {', '.join(map(str, sizes))}]{sizes_help}.",
        )(function)

    return decorate
