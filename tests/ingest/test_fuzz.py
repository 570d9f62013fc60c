"""Property-based: malformed CSV folders and workbooks give a located error or a valid graph,
never a traceback, never a partial output, never a damaged published version."""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError
from rdflib import Graph

from coevidence import versions
from coevidence.cli import main

from .conftest import GOLDEN_SOURCES

TABLES = sorted(p.stem for p in GOLDEN_SOURCES.glob("*.csv"))
NASTY = st.sampled_from([
    "", " ", ".", "..", "\x00", "a\x07b", "\ufffe", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "https://a.org/x>y",
    'https://a.org/"', "https://a.org/{x}", "https://a.org/a\\b", "https://ok.example.org/p", "yes", "no", "2020-13-45",
    "2020", "-1", "1e400", "NaN", "hu", "hu-municipality", "pilots:hu", "a;b;;c", "x" * 300, "\u202e", "é", "\r\n",
    "\"", ",", "\ud800",
])
TEXT = st.one_of(NASTY, st.text(max_size=30))
# no shrinking: a build per example is slow, and the failing example is printed as found
FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=(Phase.explicit, Phase.reuse, Phase.generate))


def read(folder: Path, table: str) -> list[list[str]]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def write(folder: Path, table: str, rows: list[list[str]]) -> None:
    with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="", errors="surrogatepass") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)


edit = st.tuples(st.sampled_from(TABLES), st.integers(0, 50), st.integers(0, 12), TEXT).map(lambda t: ("cell", *t))
damage = st.one_of(
    st.tuples(st.just("truncate"), st.sampled_from(TABLES), st.integers(0, 400)),
    st.tuples(st.just("bytes"), st.sampled_from(TABLES), st.binary(max_size=60)),
    st.tuples(st.just("delete"), st.sampled_from(TABLES)),
    st.tuples(st.just("extra"), st.sampled_from(["people", "~$book", "pilots.bak", "exchange"]), st.binary(max_size=40)),
    st.tuples(st.just("header"), st.sampled_from(TABLES), st.integers(0, 6), TEXT),
    st.tuples(st.just("duplicate"), st.sampled_from(TABLES), st.integers(1, 5)),
)
mutations = st.lists(st.one_of(edit, edit, damage), min_size=1, max_size=5)


def mutate(folder: Path, changes) -> None:
    for change in changes:
        kind, table = change[0], change[1]
        path = folder / f"{table}.csv"
        if kind == "extra":
            (folder / (table + (".xlsx" if table.startswith("~$") else ".csv"))).write_bytes(change[2])
            continue
        if not path.exists():
            continue
        if kind == "cell":
            rows = read(folder, table) if _decodes(path) else None
            if rows and len(rows) > 1:
                row = rows[1 + change[2] % (len(rows) - 1)]
                if row:
                    row[change[3] % len(row)] = change[4]
                    write(folder, table, rows)
        elif kind == "header" and _decodes(path):
            rows = read(folder, table)
            if rows and rows[0]:
                rows[0][change[2] % len(rows[0])] = change[3]
                write(folder, table, rows)
        elif kind == "duplicate" and _decodes(path):
            rows = read(folder, table)
            if len(rows) > 1:
                write(folder, table, rows + rows[1:] * change[2])
        elif kind == "truncate":
            path.write_bytes(path.read_bytes()[: change[2]])
        elif kind == "bytes":
            data = path.read_bytes()
            middle = len(data) // 2
            path.write_bytes(data[:middle] + change[2] + data[middle:])
        elif kind == "delete":
            path.unlink()


def _decodes(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    return True


def snapshot(root: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(root))] = os.readlink(path).encode()
        elif path.is_file() and path.name != "LOCK" and not path.name.startswith("LOG"):
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


def check_build(work: Path, sources: list[Path], root: Path, output: Path) -> None:
    """Build *sources* over a published root and an existing output; check the outcome is whole."""
    before_root, before_output = snapshot(root), output.read_bytes()
    result = CliRunner().invoke(main, ["build", *map(str, sources), "-o", str(output), "--store", str(root), "--jobs", "1", "--allow-shrink"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2)
    current = versions.current(root)
    assert current is not None and (current.path / "graph.ttl").is_file()
    if result.exit_code == 0:
        assert output.read_bytes() == (current.path / "graph.ttl").read_bytes()
        assert len(Graph().parse(data=output.read_bytes(), format="turtle")) == current.info["triples"]
    else:
        assert snapshot(root) == before_root and output.read_bytes() == before_output
        lines = [line for line in result.output.splitlines() if line and not line.startswith(("warning:", "note:"))]
        assert lines, "a failure must say why"
        # each message names its place (FILE:SHEET:ROW, or error: PATH: ...), then comes the count
        assert all(":" in line for line in lines[:-1]) and ("nothing written" in lines[-1] or lines[-1].startswith("error: ")), result.output
    assert not [p for p in work.rglob(".*.tmp")]


_published: dict[str, Path] = {}


def published_root() -> Path:
    """A root with one version of the golden sources (built once, copied per example)."""
    if "root" not in _published:
        folder = Path(tempfile.mkdtemp(prefix="coevidence-fuzz-"))
        result = CliRunner().invoke(main, ["build", str(GOLDEN_SOURCES), "--store", str(folder / "root"), "-o", str(folder / "out.ttl"), "--jobs", "1"])
        assert result.exit_code == 0, result.output
        _published["root"] = folder
    return _published["root"]


def fresh(work: Path) -> tuple[Path, Path]:
    base = published_root()
    shutil.copytree(base / "root", work / "root", symlinks=True)
    shutil.copy(base / "out.ttl", work / "out.ttl")
    return work / "root", work / "out.ttl"


@FUZZ
@given(mutations)
def test_malformed_csv_folders_never_damage_what_is_published(changes):
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        root, output = fresh(work)
        sources = work / "sources"
        shutil.copytree(GOLDEN_SOURCES, sources)
        mutate(sources, changes)
        check_build(work, [sources], root, output)


def _workbook(path: Path, edits) -> None:
    book = Workbook()
    book.remove(book.active)
    for table in TABLES:
        sheet = book.create_sheet(table)
        for row in read(GOLDEN_SOURCES, table):
            sheet.append(row)
    for table, row, column, value in edits:
        sheet = book[table]
        cell = sheet.cell(row=1 + row % sheet.max_row, column=1 + column % max(1, sheet.max_column))
        try:
            cell.value = value
        except (ValueError, IllegalCharacterError):  # openpyxl refuses some characters itself
            continue
    try:
        book.save(path)
    except (AttributeError, TypeError, ValueError):  # openpyxl cannot write some values it accepted
        reject()


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(TABLES), st.integers(0, 30), st.integers(0, 10), st.one_of(TEXT, st.integers(), st.floats(), st.booleans(), st.none())), max_size=4),
    st.one_of(st.none(), st.tuples(st.integers(0, 10_000), st.binary(min_size=1, max_size=16)), st.integers(0, 3000)),
)
def test_malformed_workbooks_never_damage_what_is_published(edits, corruption):
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        root, output = fresh(work)
        book = work / "case.xlsx"
        _workbook(book, edits)
        if isinstance(corruption, tuple):  # overwrite some bytes of the zip
            data = bytearray(book.read_bytes())
            at = corruption[0] % len(data)
            data[at: at + len(corruption[1])] = corruption[1]
            book.write_bytes(bytes(data))
        elif isinstance(corruption, int):  # cut it short
            book.write_bytes(book.read_bytes()[:corruption])
        check_build(work, [book], root, output)
