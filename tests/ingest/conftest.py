"""Fixtures for the ingest tests: a copy of the golden sources to break, and a CLI runner."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coevidence.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN_SOURCES = FIXTURES / "golden" / "sources"
GOLDEN_EXPECTED = FIXTURES / "golden" / "expected.ttl"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A fresh copy of the golden CSV sources, free to be edited by the test."""
    target = tmp_path / "sources"
    shutil.copytree(GOLDEN_SOURCES, target)
    return target


def read_table(folder: Path, table: str) -> list[dict[str, str]]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write_table(folder: Path, table: str, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
    header = header or list(rows[0])
    with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_cell(folder: Path, table: str, row_id: str, column: str, value: str) -> None:
    rows = read_table(folder, table)
    for row in rows:
        if row["id"] == row_id:
            row[column] = value
    write_table(folder, table, rows)


def add_row(folder: Path, table: str, **values: str) -> None:
    rows = read_table(folder, table)
    rows.append({name: values.get(name, "") for name in rows[0]})
    write_table(folder, table, rows)


@pytest.fixture
def run():
    """Run `coevidence ARGS...` in-process; returns the click Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: object):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke
