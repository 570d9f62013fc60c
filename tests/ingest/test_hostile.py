"""Hostile and broken input: a located message, exit 1 or 2, never a traceback, nothing written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from coevidence.ingest import build as build_module

from .conftest import GOLDEN_SOURCES, edit_cell


def refused(run, sources, tmp_path, *expected: str, code: int = 1, env: dict | None = None) -> str:
    output = tmp_path / "out.ttl"
    output.write_text("previous build\n", encoding="utf-8")
    result = run("build", *([sources] if not isinstance(sources, list) else sources), "-o", output, env=env)
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, f"{text!r} not in:\n{result.stderr}"
    assert output.read_text(encoding="utf-8") == "previous build\n"
    return result.stderr


@pytest.fixture
def run():
    from click.testing import CliRunner

    from coevidence.cli import main

    def invoke(*args, env=None):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)

    return invoke


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def rewrite_member(path: Path, member: str, change) -> None:
    """Rewrite one member of a zip (a workbook) through *change* (bytes -> bytes)."""
    with zipfile.ZipFile(path) as archive:
        items = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            archive.writestr(info.filename, change(data) if info.filename == member else data)


PLACES = [["id", "name", "country"], ["p1", "A village", "HUN"]]


def test_xlsx_that_is_not_a_zip(run, tmp_path):
    book = tmp_path / "book.xlsx"
    book.write_text("id,name\n", encoding="utf-8")
    refused(run, book, tmp_path, f"{book}: is not an .xlsx workbook (not a zip archive")


def test_empty_xlsx(run, tmp_path):
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"")
    refused(run, book, tmp_path, f"{book}: is an empty file (0 bytes), not a workbook")


def test_excel_lock_file_in_a_folder_is_skipped_with_a_note(run, sources, tmp_path):
    (sources / "~$book.xlsx").write_bytes(b"\x00locked by someone\x00" * 8)
    result = run("build", sources, "-o", tmp_path / "out.ttl")
    assert result.exit_code == 0, result.stderr
    assert f"note: {sources / '~$book.xlsx'}: skipped (an Excel lock file" in result.stderr


def test_excel_lock_file_named_is_refused(run, tmp_path):
    lock = tmp_path / "~$book.xlsx"
    lock.write_bytes(b"\x00" * 162)
    refused(run, lock, tmp_path, "is an Excel lock file", code=2)


@pytest.mark.parametrize("declaration, what", [
    ('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>', "refused as unsafe"),
    ("", "not well formed"),
])
def test_hostile_sheet_xml_is_refused(run, tmp_path, declaration, what):
    book = workbook(tmp_path / "book.xlsx", {"places": PLACES})

    def change(data: bytes) -> bytes:
        text = data.decode("utf-8")
        head, body = ("", text) if not text.startswith("<?xml") else (text[: text.index("?>") + 2], text[text.index("?>") + 2:])
        body = body.replace("A village", "&b;" if declaration else "&undefined;")
        return (head + declaration + body).encode("utf-8")

    rewrite_member(book, "xl/worksheets/sheet1.xml", change)
    refused(run, book, tmp_path, f"{book}", what)


def test_zip_bomb_is_refused_before_it_is_unpacked(run, tmp_path):
    book = workbook(tmp_path / "book.xlsx", {"places": PLACES})
    rewrite_member(book, "xl/worksheets/sheet1.xml", lambda data: data.replace(b"</sheetData>", b" " * 3_000_000 + b"</sheetData>"))
    assert book.stat().st_size < 200_000
    refused(run, book, tmp_path, f"{book}: unpacks to", "more than the limit of 1000000 (COEVIDENCE_MAX_SOURCE_BYTES)", env={"COEVIDENCE_MAX_SOURCE_BYTES": "1000000"})


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows_is_refused_naming_file_and_sheet(run, tmp_path, kind):
    rows = [["id", "name", "country"]] + [[f"p{n}", "A village", "HUN"] for n in range(20)]
    if kind == "csv":
        (tmp_path / "in").mkdir()
        source = tmp_path / "in" / "places.csv"
        source.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
        where = f"{source}:places: has more than 10 rows"
    else:
        source = workbook(tmp_path / "book.xlsx", {"places": rows})
        where = f"{source}:places: has more than 10 rows"
    refused(run, source, tmp_path, where, "COEVIDENCE_MAX_ROWS_PER_TABLE", env={"COEVIDENCE_MAX_ROWS_PER_TABLE": "10"})


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_longer_than_the_limit_is_refused_with_its_cell(run, tmp_path, kind):
    long = "x" * 200
    rows = [["id", "name", "country"], ["p1", long, "HUN"]]
    if kind == "csv":
        (tmp_path / "in").mkdir()
        source = tmp_path / "in" / "places.csv"
        source.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
        expected = f"{source}:places:2: holds a cell of more than 100 characters"
    else:
        source = workbook(tmp_path / "book.xlsx", {"places": rows})
        expected = f'{source}:places:2: column "name": holds 200 characters, more than the limit of 100'
    refused(run, source, tmp_path, expected, env={"COEVIDENCE_MAX_CELL_CHARS": "100"})


def test_too_many_cells_in_all_is_refused(run, tmp_path):
    refused(run, GOLDEN_SOURCES, tmp_path, "the sources hold more than 50 cells, the limit (COEVIDENCE_MAX_CELLS)", env={"COEVIDENCE_MAX_CELLS": "50"})


def test_a_limit_that_is_not_a_number_cannot_run(run, tmp_path):
    refused(run, GOLDEN_SOURCES, tmp_path, "COEVIDENCE_MAX_CELLS='many': must be a positive whole number", code=2, env={"COEVIDENCE_MAX_CELLS": "many"})


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\ufffe"])
def test_control_characters_are_refused_where_entered(run, sources, tmp_path, character):
    edit_cell(sources, "places", "example-village", "name", f"Ex{character}ample")
    refused(run, sources, tmp_path, f'{sources / "places.csv"}:places:2: column "name": holds the control character U+{ord(character):04X} at character 3')


def test_control_character_in_a_workbook_cell_is_refused(run, tmp_path):
    book = workbook(tmp_path / "book.xlsx", {"places": PLACES})
    rewrite_member(book, "xl/sharedStrings.xml", lambda data: data.replace(b"A village", b"A&#x1;village") if b"A village" in data else data)
    rewrite_member(book, "xl/worksheets/sheet1.xml", lambda data: data.replace(b"A village", b"A&#x1;village"))
    stderr = refused(run, book, tmp_path, f"{book}")
    assert "control character U+0001" in stderr or "not well formed" in stderr  # XML 1.0 itself forbids &#x1;


def test_formula_without_a_saved_value_is_reported_with_its_cell(run, tmp_path):
    book = workbook(tmp_path / "book.xlsx", {"places": [["id", "name", "country"], ["p1", "=CONCAT(\"A \", \"village\")", "HUN"]]})
    refused(run, book, tmp_path, f'{book}:places:2: column "name": holds a formula without a saved value')


def test_memory_error_is_a_message(run, monkeypatch, tmp_path):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(build_module, "read_sources", exhausted)
    refused(run, GOLDEN_SOURCES, tmp_path, "error: ran out of memory while reading the sources", code=2)


def test_a_misencoded_file_is_reported_first_and_its_consequences_folded(run, sources, tmp_path):
    data = (sources / "pilots.csv").read_bytes()
    (sources / "pilots.csv").write_bytes(b"\xff\xfe" + data)
    stderr = refused(run, sources, tmp_path)
    lines = stderr.splitlines()
    assert lines[0].startswith(f"{sources / 'pilots.csv'}:pilots:1: is not UTF-8 text (byte 0xff)")
    assert "references to its rows not checked" in lines[0]
    assert not any("pilot" in line and "not there" in line for line in lines[1:])


def test_every_bad_url_of_a_file_is_reported_with_its_cell(run, sources, tmp_path):
    edit_cell(sources, "sources", "TU-HU", "url", 'https://example.org/reports/"hu".pdf')
    edit_cell(sources, "sources", "NEWS-1", "url", "https://news.example.org/{village}")
    stderr = refused(run, sources, tmp_path)
    assert f'{sources / "sources.csv"}:sources:2: column "url": "https://example.org/reports/"hu".pdf" is not a web address: """ at character 29' in stderr
    assert f'{sources / "sources.csv"}:sources:3: column "url": "https://news.example.org/{{village}}" is not a web address: "{{" at character 26' in stderr
    assert "validation worker" not in stderr


@pytest.mark.parametrize("key", [".", ".."])
def test_dot_ids_are_refused(run, sources, tmp_path, key):
    edit_cell(sources, "places", "example-village", "id", key)
    refused(run, sources, tmp_path, f'{sources / "places.csv"}:places:2: column "id": "{key}" is not a valid id: an id must hold a letter or a digit')


def test_an_rdf_file_with_an_iri_rdf_forbids_is_an_input_error(run, sources, tmp_path):
    (sources / "extra.ttl").write_text(
        "<https://w3id.org/coevidence/id/pilot/hu> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <https://example.org/{x}> .\n",
        encoding="utf-8",
    )
    stderr = refused(run, sources, tmp_path, f'{sources / "extra.ttl"}: the IRI <https://example.org/{{x}}> holds "{{", which may not appear in an IRI')
    assert "validation worker" not in stderr
