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
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from coevidence.ingest.limits import Budget, Limits
from coevidence.ingest.tables import TABLES_BY_NAME

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
RDF_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}
NOTE_PREFIX = "_"
LOCK_PREFIX = "~$"  # Excel's lock file beside an open workbook
#: characters no cell may hold: C0 controls but tab, line feed and carriage return; DEL; C1
#: controls; lone surrogates; the non-characters U+FFFE and U+FFFF (XML 1.0 cannot carry them)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class _NoValue(str):
    """A formula cell whose workbook holds no saved result (written by a program that does not calculate)."""


NO_VALUE = _NoValue("")


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
    fatal: bool = False  # the file (or sheet) could not be read at all: what refers to it is not checked


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
    notes: list[str] = field(default_factory=list)  # files skipped, said to the user

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
                if path.name.startswith(LOCK_PREFIX):
                    found.notes.append(f"{path}: skipped (an Excel lock file: Excel makes it while the workbook is open)")
                    continue
                if path.suffix.lower() in (".csv", *WORKBOOK_SUFFIXES, *RDF_FORMATS):
                    found.add(relative, path, str(path))
        elif source.is_file():
            if source.name.startswith(LOCK_PREFIX):
                raise SourceUnreadable(
                    f"{source}: is an Excel lock file (Excel makes it while {source.name[2:]} is open), not a workbook; "
                    f"give {source.with_name(source.name[2:])}"
                )
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
    table: str, origin: Origin, records: Iterator[tuple[int, list[str]]], problems: list[ReadProblem],
    limits: Limits, budget: Budget,
) -> TableRows | None:
    """Turn (row number, cells) pairs into a :class:`TableRows`, the first pair being the header.

    Rows, cells and their length are checked against *limits* as the pairs stream in; a
    table past a limit is refused whole (a fatal problem naming the file and sheet).
    """
    header_pair = next(records, None)
    if header_pair is None:
        problems.append(ReadProblem(origin, None, "is empty: the first row must name the columns", fatal=True))
        return None
    _, raw_header = header_pair
    # trailing empty header cells (formatting left over in a spreadsheet) are dropped
    while raw_header and raw_header[-1].strip() == "":
        raw_header.pop()
    header = tuple(raw_header)
    result = TableRows(table, origin, header)
    blank_header = {i for i, name in enumerate(header) if name.strip() == ""}
    for i, name in enumerate(header):
        _check_text(name, origin.at(1), name or f"column {i + 1}", problems, limits)
    for number, cells in records:
        if number > limits.max_rows_per_table:
            problems.append(ReadProblem(origin, None, f"has more than {limits.max_rows_per_table} rows, the limit ({Limits.variable('max_rows_per_table')}); split the table or raise the limit", fatal=True))
            return None
        if not budget.spend(sum(1 for c in cells if c != "")):
            problems.append(ReadProblem(origin.at(number), None, f"the sources hold more than {limits.max_cells} cells, the limit ({Limits.variable('max_cells')}); nothing after this row was read", fatal=True))
            return None
        if all(c.strip() == "" and c is not NO_VALUE for c in cells):
            continue
        extra = [c for c in cells[len(header):] if c.strip() != ""]
        if extra:
            problems.append(
                ReadProblem(origin.at(number), None, f"has {len(header) + len(extra)} cells but the header names {len(header)} columns")
            )
        values: dict[str, str] = {}
        for i, text in enumerate(cells[: len(header)]):
            column = header[i] if i not in blank_header else None
            if text is NO_VALUE:
                problems.append(ReadProblem(origin.at(number), column or f"column {i + 1}", "holds a formula without a saved value (the workbook was written by a program that does not calculate formulas): open and save it in Excel or LibreOffice, or type the value"))
                continue
            if text == "":
                continue
            if i in blank_header:
                if text.strip():
                    problems.append(ReadProblem(origin.at(number), None, f"column {i + 1} has a value but no name in the header"))
                continue
            _check_text(text, origin.at(number), column, problems, limits)
            values[header[i]] = text
        result.rows.append(Row(origin.at(number), values))
    return result


def _check_text(text: str, origin: Origin, column: str | None, problems: list[ReadProblem], limits: Limits) -> None:
    """A cell may not be longer than the limit, nor hold a control character."""
    if len(text) > limits.max_cell_chars:
        problems.append(ReadProblem(origin, column, f"holds {len(text)} characters, more than the limit of {limits.max_cell_chars} ({Limits.variable('max_cell_chars')})"))
    bad = CONTROL.search(text)
    if bad:
        problems.append(ReadProblem(origin, column, f"holds the control character U+{ord(bad.group()):04X} at character {bad.start() + 1}; remove it (it cannot be published)"))


def _table_name(stem: str, origin: Origin, what: str, problems: list[ReadProblem]) -> str | None:
    if stem in TABLES_BY_NAME:
        return stem
    problems.append(ReadProblem(origin, None, f'{what} "{stem}" is not a table of the ingest format{_did_you_mean(stem, TABLES_BY_NAME)}'))
    return None


def _size(path: Path, display: str) -> int:
    try:
        return path.stat().st_size
    except OSError as error:
        raise SourceUnreadable(f"{display}: cannot be read ({error.strerror})") from None


def read_csv(path: Path, name: str, display: str, problems: list[ReadProblem], limits: Limits | None = None, budget: Budget | None = None) -> TableRows | None:
    """Read one ``<table>.csv`` file (strict UTF-8, a byte-order mark allowed)."""
    limits = limits or Limits()
    budget = budget or Budget(limits)
    origin = Origin(display, name, path.stem)
    table = _table_name(path.stem, origin, "file name", problems)
    if table is None:
        return None
    size = _size(path, display)
    if size > limits.max_source_bytes:
        problems.append(ReadProblem(origin, None, f"is {size} bytes, more than the limit of {limits.max_source_bytes} ({Limits.variable('max_source_bytes')})", fatal=True))
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
                fatal=True,
            )
        )
        return None
    del data
    previous = csv.field_size_limit(limits.max_cell_chars)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    broken: list[ReadProblem] = []

    def records() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, row in enumerate(reader, start=1):
                yield number, row
        except csv.Error as error:
            where = Origin(display, name, table, reader.line_num)
            if "field larger than field limit" in str(error):
                broken.append(ReadProblem(where, None, f"holds a cell of more than {limits.max_cell_chars} characters, the limit ({Limits.variable('max_cell_chars')})", fatal=True))
            else:
                broken.append(ReadProblem(where, None, f"is not valid CSV ({error})", fatal=True))

    try:
        rows = _table_rows(table, origin, records(), problems, limits, budget)
    finally:
        csv.field_size_limit(previous)
    if broken:
        problems.extend(broken)
        return None
    return rows


def _workbook_problem(display: str, name: str, message: str, sheet: str = "") -> ReadProblem:
    return ReadProblem(Origin(display, name, sheet), None, message, fatal=True)


def _check_archive(path: Path, name: str, display: str, limits: Limits) -> ReadProblem | None:
    """What makes *path* unfit to open as a workbook, measured before anything is unpacked."""
    if _size(path, display) == 0:
        return _workbook_problem(display, name, "is an empty file (0 bytes), not a workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        return _workbook_problem(display, name, "is not an .xlsx workbook (not a zip archive: an .xls, .ods or .csv file renamed?); save it as \"Excel Workbook (.xlsx)\"")
    except OSError as error:
        raise SourceUnreadable(f"{display}: cannot be read ({error.strerror})") from None
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_source_bytes:
        return _workbook_problem(display, name, f"unpacks to {unpacked} bytes, more than the limit of {limits.max_source_bytes} ({Limits.variable('max_source_bytes')})")
    return None


def _sheet_records(sheet) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of a read-only sheet, streamed from its XML, without the padding
    openpyxl adds up to the sheet's declared dimensions; a formula without a saved value is
    :data:`NO_VALUE`."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = NO_VALUE
            return cell

    book = sheet.parent
    with sheet._get_source() as source:
        parser = Parser(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            width = max((cell["column"] for cell in cells), default=0)
            texts = [""] * width
            for cell in cells:
                value = cell["value"]
                texts[cell["column"] - 1] = value if value is NO_VALUE else cell_text(value)
            yield number, texts


def read_workbook(path: Path, name: str, display: str, problems: list[ReadProblem], limits: Limits | None = None, budget: Budget | None = None) -> list[TableRows]:
    """Read every table sheet of a workbook (read-only mode: fast and lean on large books).

    A file that is not a workbook, one that unpacks past the size limit, and sheet XML that
    is not well formed or declares entities (refused by defusedxml) are problems naming the
    file and sheet, never a traceback.
    """
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    limits = limits or Limits()
    budget = budget or Budget(limits)
    unfit = _check_archive(path, name, display, limits)
    if unfit is not None:
        problems.append(unfit)
        return []
    unreadable = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, ParseError, DefusedXmlException, EOFError, zipfile.LargeZipFile, zlib.error)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except unreadable as error:
        problems.append(_workbook_problem(display, name, f"is not a readable .xlsx workbook ({_reason(error)})"))
        return []
    except OSError as error:
        raise SourceUnreadable(f"{display}: cannot be read ({error.strerror or error})") from None
    tables: list[TableRows] = []
    try:
        for sheet in book.worksheets:
            if sheet.title.startswith(NOTE_PREFIX):
                continue
            origin = Origin(display, name, sheet.title)
            table = _table_name(sheet.title, origin, "sheet", problems)
            if table is None:
                continue
            try:
                rows = _table_rows(table, origin, _sheet_records(sheet), problems, limits, budget)
            except unreadable as error:
                problems.append(_workbook_problem(display, name, f"cannot be read ({_reason(error)})", sheet.title))
                continue
            if rows is not None:
                tables.append(rows)
    finally:
        book.close()
    return tables


def _reason(error: Exception) -> str:
    from defusedxml import DefusedXmlException

    cause: BaseException | None = error
    while cause is not None:  # openpyxl wraps what the XML parser said
        if isinstance(cause, DefusedXmlException):
            return "its XML declares entities or a document type, which no workbook needs; refused as unsafe"
        if isinstance(cause, ParseError):
            return f"its XML is not well formed: {cause}"
        cause = cause.__cause__ or cause.__context__
    return " ".join(str(error).split()) or type(error).__name__


@dataclass
class ReadResult:
    tables: list[TableRows] = field(default_factory=list)
    rdf_files: list[RdfFile] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    files: SourceFiles = field(default_factory=SourceFiles)


def read_sources(sources: list[Path], progress=None, files: SourceFiles | None = None, limits: Limits | None = None) -> ReadResult:
    """Read every file of every source (or of *files*, when already collected).

    ``progress`` (optional) is called once per file; *limits* bound what is read.
    """
    limits = limits or Limits()
    budget = Budget(limits)
    result = ReadResult(files=files if files is not None else collect_files(sources))
    for name, path, display in result.files.files:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            table = read_csv(path, name, display, result.problems, limits, budget)
            if table is not None:
                result.tables.append(table)
        elif suffix in WORKBOOK_SUFFIXES:
            result.tables.extend(read_workbook(path, name, display, result.problems, limits, budget))
        else:
            size = _size(path, display)
            if size > limits.max_source_bytes:
                result.problems.append(ReadProblem(Origin(display, name, ""), None, f"is {size} bytes, more than the limit of {limits.max_source_bytes} ({Limits.variable('max_source_bytes')})", fatal=True))
            else:
                result.rdf_files.append(RdfFile(path, display, RDF_FORMATS[suffix]))
        if progress is not None:
            progress(path)
    return result
