"""Every class of input error: one clear line naming file, sheet, row and column; exit 1;
nothing written, and an existing output left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from .conftest import add_row, edit_cell, read_table, write_table


def build_fails(run, sources: Path, tmp_path: Path, *expected: str) -> str:
    """Build *sources* over an existing output; assert exit 1, the expected lines, output untouched."""
    output = tmp_path / "out.ttl"
    output.write_text("previous build\n", encoding="utf-8")
    result = run("build", sources, "-o", output)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    for line in expected:
        assert line in lines, f"expected line not printed:\n{line}\n--- printed:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    assert output.read_text(encoding="utf-8") == "previous build\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.ttl")] == []
    return result.stderr


def test_unknown_column_is_named_with_the_nearest_column(run, sources, tmp_path):
    rows = read_table(sources, "exchanges")
    renamed = [{("resource-type" if k == "resource_type" else k): v for k, v in row.items()} for row in rows]
    write_table(sources, "exchanges", renamed)
    where = f"{sources / 'exchanges.csv'}:exchanges"
    build_fails(
        run, sources, tmp_path,
        f'{where}: column "resource-type": is not a column of exchanges (did you mean "resource_type"?)',
        f'{where}: column "resource_type": is required in exchanges but missing from the header',
    )


def test_unknown_column_without_a_near_match_lists_the_columns(run, sources, tmp_path):
    rows = read_table(sources, "places")
    for row in rows:
        row["zzz"] = "1"
    write_table(sources, "places", rows)
    stderr = build_fails(run, sources, tmp_path)
    assert f'{sources / "places.csv"}:places: column "zzz": is not a column of places; the columns of places are: id, name, country, description' in stderr


def test_missing_required_column(run, sources, tmp_path):
    rows = [{k: v for k, v in row.items() if k != "title"} for row in read_table(sources, "pilots")]
    write_table(sources, "pilots", rows)
    build_fails(run, sources, tmp_path, f'{sources / "pilots.csv"}:pilots: column "title": is required in pilots but missing from the header')


def test_duplicate_id_within_a_table(run, sources, tmp_path):
    add_row(sources, "organisations", id="turku-uas", name="Another", sector="third-sector")
    build_fails(
        run, sources, tmp_path,
        f'{sources / "organisations.csv"}:organisations:4: column "id": duplicate id "turku-uas" (first used in {sources / "organisations.csv"}:organisations:2)',
    )


def test_duplicate_id_across_organisations_and_groups(run, sources, tmp_path):
    # the group's row reuses the organisation's id: the group's row is blamed, and the
    # references to the organisation still resolve (no false "no organisation" errors)
    add_row(sources, "groups", id="hu-municipality", name="A group", kind="citizen")
    stderr = build_fails(
        run, sources, tmp_path,
        f'{sources / "groups.csv"}:groups:5: column "id": id "hu-municipality" is already the id of a row of organisations, '
        f'and the two tables share their ids (first used in {sources / "organisations.csv"}:organisations:3)',
    )
    assert stderr.splitlines()[-1] == "1 error in the input; nothing written"


def test_dangling_reference_suggests_the_nearest_id(run, sources, tmp_path):
    edit_cell(sources, "exchanges", "hu-x1", "provider", "hu-romaa")
    build_fails(run, sources, tmp_path, f'{sources / "exchanges.csv"}:exchanges:2: column "provider": no organisation, group of people or law, reform or programme with id "hu-romaa" (did you mean "hu-roma"?)')


def test_csv_file_that_is_not_a_table(run, sources, tmp_path):
    (sources / "methods.csv").write_text("id\n", encoding="utf-8")
    build_fails(run, sources, tmp_path, f'{sources / "methods.csv"}:methods: file name "methods" is not a table of the ingest format (did you mean "method_uses"?)')


def test_reference_to_a_sheet_that_is_not_there(run, sources, tmp_path):
    for table in ("participations", "exchanges", "method_uses", "factors", "findings", "measures", "pilots"):
        (sources / f"{table}.csv").unlink()
    stderr = build_fails(run, sources, tmp_path, f'{sources / "outcomes.csv"}:outcomes: column "pilot": refers to the "pilots" sheet, which is not there in any source')
    assert stderr.count(f'{sources / "outcomes.csv"}:outcomes: column "pilot": refers to the "pilots" sheet') == 1  # once per column, not once per row


def test_empty_required_cell(run, sources, tmp_path):
    edit_cell(sources, "exchanges", "hu-x2", "resource_type", "")
    build_fails(run, sources, tmp_path, f'{sources / "exchanges.csv"}:exchanges:3: column "resource_type": is required but empty')


@pytest.mark.parametrize(
    "table, row_id, column, value, message",
    [
        ("pilots", "hu", "number", "five", '"five" is not a whole number'),
        ("pilots", "hu", "number", "5.0", '"5.0" is not a whole number (did you mean "5"?)'),
        ("measures", "hu-me1", "value", "1,5", '"1,5" is not a number: use a point for decimals (did you mean "1.5"?)'),
        ("measures", "hu-me1", "value", "about 40", '"about 40" is not a number: write the number alone and set "approximate" to yes'),
        ("measures", "hu-me1", "approximate", "maybe", '"maybe" is not yes or no'),
        ("projects", "cosie", "homepage", "cosie.turkuamk.fi", '"cosie.turkuamk.fi" is not a web address (did you mean "https://cosie.turkuamk.fi"?)'),
        ("exchanges", "hu-x1", "resource_type", "idee", '"idee" is not a known resource type (did you mean "idea"?)'),
        ("exchanges", "hu-x1", "resource_type", "lived experiences", '"lived experiences" is not a known resource type (did you mean "lived-experience"?)'),
        ("groups", "hu-roma", "kind", "citizens", '"citizens" is not a kind of group (did you mean "citizen"?)'),
        ("places", "example-village", "id", "example village", '"example village" is not a valid id: use only letters, digits, "-", "_" and "." (did you mean "example-village"?)'),
    ],
)
def test_wrong_types_and_unknown_codes(run, sources, tmp_path, table, row_id, column, value, message):
    edit_cell(sources, table, row_id, column, value)
    number = next(n for n, row in enumerate(read_table(sources, table), start=2) if row["id"] in (row_id, value))
    build_fails(run, sources, tmp_path, f'{sources / f"{table}.csv"}:{table}:{number}: column "{column}": {message}')


@pytest.mark.parametrize(
    "value, hint",
    [
        ("14.05.2018", ' (did you mean "2018-05-14"?)'),
        ("2018/05/14", ' (did you mean "2018-05-14"?)'),
        ("May 2018", ' (did you mean "2018-05"?)'),
        ("14 May 2018", ' (did you mean "2018-05-14"?)'),
        ("05/04/2018", "; day and month cannot be told apart, so write it as YYYY-MM-DD"),
        ("2018-05-14 00:00:00", ' (did you mean "2018-05-14"?)'),
        ("last spring", ""),
    ],
)
def test_dates_in_odd_formats(run, sources, tmp_path, value, hint):
    edit_cell(sources, "method_uses", "hu-m1", "date", value)
    build_fails(
        run, sources, tmp_path,
        f'{sources / "method_uses.csv"}:method_uses:2: column "date": "{value}" is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD{hint}',
    )


def test_impossible_date(run, sources, tmp_path):
    edit_cell(sources, "method_uses", "hu-m1", "date", "2018-02-30")
    build_fails(run, sources, tmp_path, f'{sources / "method_uses.csv"}:method_uses:2: column "date": "2018-02-30" is not a real date')


def test_stray_whitespace_in_a_key_and_in_a_header(run, sources, tmp_path):
    edit_cell(sources, "exchanges", "hu-x1", "provider", "hu-roma ")
    rows = read_table(sources, "places")
    write_table(sources, "places", [{("name " if k == "name" else k): v for k, v in row.items()} for row in rows])
    build_fails(
        run, sources, tmp_path,
        f'{sources / "exchanges.csv"}:exchanges:2: column "provider": "hu-roma " has stray whitespace at its start or end (did you mean "hu-roma"?)',
        f'{sources / "places.csv"}:places: column "name ": stray whitespace in the header (did you mean "name"?)',
    )


def test_non_utf8_csv(run, sources, tmp_path):
    text = (sources / "places.csv").read_text(encoding="utf-8").replace("Example village", "Ex\u00e9mple village")
    (sources / "places.csv").write_bytes(text.encode("latin-1"))
    build_fails(run, sources, tmp_path, f'{sources / "places.csv"}:places:2: is not UTF-8 text (byte 0xe9); save the file as "CSV UTF-8" (1 reference to its rows not checked)')


def test_workbook_sheet_that_is_not_a_table(run, tmp_path):
    book = Workbook()
    book.active.title = "exchange"
    book.active.append(["id", "pilot"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    build_fails(run, path, tmp_path, f'{path}:exchange: sheet "exchange" is not a table of the ingest format (did you mean "exchanges"?)')


def test_all_errors_are_reported_at_once_with_a_count(run, sources, tmp_path):
    edit_cell(sources, "exchanges", "hu-x1", "resource_type", "idee")
    edit_cell(sources, "exchanges", "hu-x2", "provider", "nobody")
    edit_cell(sources, "pilots", "hu", "start_date", "spring")
    stderr = build_fails(run, sources, tmp_path)
    assert stderr.splitlines()[-1] == "3 errors in the input; nothing written"


def test_ragged_row(run, sources, tmp_path):
    with open(sources / "places.csv", "a", encoding="utf-8") as stream:
        stream.write("other,Other place,HUN,,surplus\n")
    build_fails(run, sources, tmp_path, f'{sources / "places.csv"}:places:3: has 5 cells but the header names 4 columns')


@pytest.mark.parametrize(
    "args, message",
    [
        (("no-such-folder", "-o", "out.ttl"), "error: no-such-folder: no such file or folder"),
        (("{sources}", "-o", "out.txt"), "error: out.txt: cannot tell the output format from the extension; use .ttl, .nt or .jsonld, or --format"),
    ],
)
def test_could_not_run_exits_2(run, sources, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run("build", *(a.format(sources=sources) for a in args))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == message
    assert not (tmp_path / "out.ttl").exists() and not (tmp_path / "out.txt").exists()


def test_a_version_1_pilots_sheet_is_told_where_its_framed_by_links_go(run, sources, tmp_path):
    pilots = read_table(sources, "pilots")
    header = list(pilots[0]) + ["framed_by"]
    for row in pilots:
        row["framed_by"] = "hu-public-work"
    write_table(sources, "pilots", pilots, header)
    stderr = build_fails(
        run, sources, tmp_path,
        f'{sources / "pilots.csv"}:pilots: column "framed_by": was removed in format version 2: enter each link from a pilot to a law, '
        "reform or programme as a row of the framings sheet (pilot, policy, sources), so that it rests on a source",
    )
    assert "1 error in the input" in stderr


def test_a_pilot_need_not_belong_to_a_project(run, sources, tmp_path):
    edit_cell(sources, "pilots", "hu", "project", "")
    result = run("build", sources, "-o", tmp_path / "out.ttl")
    assert result.exit_code == 0, result.stderr
