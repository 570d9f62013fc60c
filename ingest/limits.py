"""How much a build reads: limits declared once, as data, the same for CSV files and workbooks.

Each limit has a documented default (data/README.md, "Limits on what a build reads"; a test
checks that every one is listed there) and can be changed with an environment variable,
``COEVIDENCE_<NAME>`` (for example ``COEVIDENCE_MAX_ROWS_PER_TABLE=5000000``). They are
checked while reading, before the data grows in memory: a workbook's members are measured
in the zip directory before one is opened, rows and cells are counted as they stream, and
each refusal names the file and the sheet.

The defaults leave room for ten times the synthetic benchmark's 1,000 pilots (about 900,000
rows, 9 million cells, no file above 100 MB) while keeping a build's memory within a few GB.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

ENV_PREFIX = "COEVIDENCE_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: int
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("max_source_bytes", 256 << 20, "the size of one CSV file, or the uncompressed size of one workbook's members (zip bombs stop here)"),
    Setting("max_rows_per_table", 2_000_000, "rows of one CSV file or one sheet, the header included"),
    Setting("max_cell_chars", 32_767, "characters in one cell (Excel's own limit)"),
    Setting("max_cells", 20_000_000, "non-empty cells of all sources of one build together"),
)


@dataclass(frozen=True)
class Limits:
    max_source_bytes: int = 256 << 20
    max_rows_per_table: int = 2_000_000
    max_cell_chars: int = 32_767
    max_cells: int = 20_000_000

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Limits:
        """The defaults, changed by ``COEVIDENCE_<NAME>`` variables; raises ValueError if one is not a positive integer."""
        environ = os.environ if environ is None else environ
        values = {}
        for setting in SETTINGS:
            variable = ENV_PREFIX + setting.name.upper()
            text = environ.get(variable)
            if text is None:
                continue
            try:
                value = int(text.replace("_", ""))
            except ValueError:
                value = 0
            if value <= 0:
                raise ValueError(f"{variable}={text!r}: must be a positive whole number")
            values[setting.name] = value
        return cls(**values)

    @staticmethod
    def variable(name: str) -> str:
        return ENV_PREFIX + name.upper()


class Budget:
    """The cells read so far by one build, against :attr:`Limits.max_cells`."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells = 0

    def spend(self, cells: int) -> bool:
        """Count *cells*; False once the build has read more than it may."""
        self.cells += cells
        return self.cells <= self.limits.max_cells


assert [f.name for f in fields(Limits)] == [s.name for s in SETTINGS]
assert all(getattr(Limits(), s.name) == s.default for s in SETTINGS)

__all__ = ["SETTINGS", "Budget", "Limits", "Setting"]
