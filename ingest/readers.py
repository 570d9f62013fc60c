"""Read sources: rows from workbooks and CSV folders, RDF files passed through.

A *source* named on the command line is one of:

* an ``.xlsx`` workbook: one sheet per table (sheets whose names start with ``_`` are notes
  and are skipped);
* a folder: every ``<table>.csv`` in it (and in its sub-folders) is a table, every ``.xlsx``
  a workbook, every ``.ttl``/``.nt``/``.jsonld`` an RDF file; other files are ignored;
* a single ``<table>.csv``, ``.ttl``, ``.nt`` or ``.jsonld`` file.

Every row keeps where it came from (file, sheet, row number as a spreadsheet shows it, the
header being row 1), so that every later message and every triple can point back to it.
Nothing here knows what the tables mean: that is :mod:`coevidence.ingest.records`.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coevidence.ingest.tables import TABLES_BY_NAME

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
RDF_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}
NOTE_PREFIX = "_"


class SourceUnreadable(Exception):
    """A source cannot be opened at all (missing, unreadable, not a workbook): exit 2."""


@dataclass(frozen=True)
class Origin:
    """Where a value was entered: ``file`` as shown to people, ``name`` as recorded in the graph."""

    file: str  # the path as the user can find it (relative to where they ran the command)
    name: str  # the path relative to the source folder, or the workbook's file name
    sheet: str
    row: int | None = None

    def at(self, row: int) -> Origin:
        return Origin(self.file, self.name, self.sheet, row)


@dataclass(frozen=True)
class Row:
    """One non-empty row of a table: cell text by column name (empty cells left out)."""

    origin: Origin
    cells: dict[str, str]


@dataclass
class TableRows:
    """The rows of one table as read from one sheet or CSV file."""

    table: str
    origin: Origin  # row is None
    header: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class ReadProblem:
    """Something wrong with the shape of a file, found while reading it."""

    origin: Origin
    column: str | None
    message: str


@dataclass(frozen=True)
class RdfFile:
    """An RDF file passed through as it is."""

    path: Path
    display: str
    format: str


@dataclass
class SourceFiles:
    """Every file of every source, in a fixed order, with its name relative to its source."""

    files: list[tuple[str, Path, str]] = field(default_factory=list)  # (relative name, path, display)

    def add(self, name: str, path: Path, display: str) -> None:
        self.files.append((name, path, display))


def collect_files(sources: list[Path]) -> SourceFiles:
    """List the files the given sources consist of; raise :class:`SourceUnreadable` if one is missing."""
    found = SourceFiles()
    for source in sources:
        if source.is_dir():
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                relative = path.relative_to(source).as_posix()
                if any(part.startswith(".") for part in path.relative_to(source).parts):
                    continue
                if path.suffix.lower() in (".csv", *WORKBOOK_SUFFIXES, *RDF_FORMATS):
                    found.add(relative, path, str(path))
        elif source.is_file():
            if source.suffix.lower() not in (".csv", *WORKBOOK_SUFFIXES, *RDF_FORMATS):
                raise SourceUnreadable(
                    f"{source}: not a source (expected a folder, an .xlsx workbook, a <table>.csv, .ttl, .nt or .jsonld file)"
                )
            found.add(source.name, source, str(source))
        elif source.exists():
            raise SourceUnreadable(f"{source}: not a regular file or folder")
        else:
            raise SourceUnreadable(f"{source}: no such file or folder")
    return found


def suggest(value: str, choices: list[str] | tuple[str, ...] | set[str], cutoff: float = 0.6) -> str | None:
    """The choice closest to *value*, if one is close enough."""
    matches = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def _did_you_mean(value: str, choices) -> str:
    match = suggest(value, choices)
    return f' (did you mean "{match}"?)' if match else ""


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A workbook cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _table_rows(
    table: str, origin: Origin, records: Iterator[tuple[int, list[str]]], problems: list[ReadProblem]
) -> TableRows | None:
    """Turn (row number, cells) pairs into a :class:`TableRows`, the first pair being the header."""
    header_pair = next(records, None)
    if header_pair is None:
        problems.append(ReadProblem(origin, None, "is empty: the first row must name the columns"))
        return None
    _, raw_header = header_pair
    # trailing empty header cells (formatting left over in a spreadsheet) are dropped
    while raw_header and raw_header[-1].strip() == "":
        raw_header.pop()
    header = tuple(raw_header)
    result = TableRows(table, origin, header)
    blank_header = {i for i, name in enumerate(header) if name.strip() == ""}
    for number, cells in records:
        if all(c.strip() == "" for c in cells):
            continue
        extra = [c for c in cells[len(header):] if c.strip() != ""]
        if extra:
            problems.append(
                ReadProblem(origin.at(number), None, f"has {len(header) + len(extra)} cells but the header names {len(header)} columns")
            )
        values: dict[str, str] = {}
        for i, text in enumerate(cells[: len(header)]):
            if text == "":
                continue
            if i in blank_header:
                if text.strip():
                    problems.append(ReadProblem(origin.at(number), None, f"column {i + 1} has a value but no name in the header"))
                continue
            values[header[i]] = text
        result.rows.append(Row(origin.at(number), values))
    return result


def _table_name(stem: str, origin: Origin, what: str, problems: list[ReadProblem]) -> str | None:
    if stem in TABLES_BY_NAME:
        return stem
    problems.append(ReadProblem(origin, None, f'{what} "{stem}" is not a table of the ingest format{_did_you_mean(stem, TABLES_BY_NAME)}'))
    return None


def read_csv(path: Path, name: str, display: str, problems: list[ReadProblem]) -> TableRows | None:
    """Read one ``<table>.csv`` file (strict UTF-8, a byte-order mark allowed)."""
    origin = Origin(display, name, path.stem)
    table = _table_name(path.stem, origin, "file name", problems)
    if table is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceUnreadable(f"{display}: cannot be read ({error.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(
            ReadProblem(
                Origin(display, name, table, line),
                None,
                f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as \"CSV UTF-8\"",
            )
        )
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = [(number, row) for number, row in enumerate(reader, start=1)]
    except csv.Error as error:
        problems.append(ReadProblem(Origin(display, name, table, reader.line_num), None, f"is not valid CSV ({error})"))
        return None
    return _table_rows(table, origin, iter(records), problems)


def read_workbook(path: Path, name: str, display: str, problems: list[ReadProblem]) -> list[TableRows]:
    """Read every table sheet of a workbook (read-only mode: fast and lean on large books)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as error:
        raise SourceUnreadable(f"{display}: not a readable .xlsx workbook ({error})") from None
    tables: list[TableRows] = []
    try:
        for sheet in book.worksheets:
            if sheet.title.startswith(NOTE_PREFIX):
                continue
            origin = Origin(display, name, sheet.title)
            table = _table_name(sheet.title, origin, "sheet", problems)
            if table is None:
                continue
            records = (
                (number, [cell_text(value) for value in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            rows = _table_rows(table, origin, records, problems)
            if rows is not None:
                tables.append(rows)
    finally:
        book.close()
    return tables


@dataclass
class ReadResult:
    tables: list[TableRows] = field(default_factory=list)
    rdf_files: list[RdfFile] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    files: SourceFiles = field(default_factory=SourceFiles)


def read_sources(sources: list[Path], progress=None, files: SourceFiles | None = None) -> ReadResult:
    """Read every file of every source (or of *files*, when already collected).

    ``progress`` (optional) is called once per file.
    """
    result = ReadResult(files=files if files is not None else collect_files(sources))
    for name, path, display in result.files.files:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            table = read_csv(path, name, display, result.problems)
            if table is not None:
                result.tables.append(table)
        elif suffix in WORKBOOK_SUFFIXES:
            result.tables.extend(read_workbook(path, name, display, result.problems))
        else:
            result.rdf_files.append(RdfFile(path, display, RDF_FORMATS[suffix]))
        if progress is not None:
            progress(path)
    return result
