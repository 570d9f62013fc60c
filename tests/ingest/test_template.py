"""The data-entry workbook: generated from the ontology, and round-trips through build."""

from __future__ import annotations

from openpyxl import load_workbook

from coevidence.ingest.tables import TABLES
from coevidence.ingest.template import ABOUT_SHEET, LISTS_SHEET
from coevidence.ontology import COE, ontology_graph

from .conftest import GOLDEN_SOURCES, read_table


def test_template_has_a_guide_a_sheet_per_table_and_hidden_lists(run, tmp_path):
    path = tmp_path / "entry.xlsx"
    result = run("template", path)
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames == [ABOUT_SHEET, *(t.name for t in TABLES), LISTS_SHEET]
    assert book[LISTS_SHEET].sheet_state == "hidden"
    for table in TABLES:
        header = [cell.value for cell in book[table.name][1]]
        assert header == [c.name for c in table.columns]


def test_header_help_comes_from_the_ontology(run, tmp_path):
    path = tmp_path / "entry.xlsx"
    run("template", path)
    sheet = load_workbook(path)["exchanges"]
    comment = next(cell for cell in sheet[1] if cell.value == "resource_type").comment.text
    ontology_comment = str(ontology_graph().value(COE.resourceType, __import__("rdflib").RDFS.comment))
    assert "required" in comment and ontology_comment in comment


def test_coded_columns_have_drop_downs_from_the_skos_schemes(run, tmp_path):
    path = tmp_path / "entry.xlsx"
    run("template", path)
    book = load_workbook(path)
    sheet = book["exchanges"]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    column = next(cell.column_letter for cell in sheet[1] if cell.value == "resource_type")
    validation = next(v for ref, v in validations.items() if ref.startswith(f"{column}2:"))
    assert validation.type == "list"
    target = book.defined_names[validation.formula1].attr_text
    lists = book[LISTS_SHEET]
    letter = target.split("!$")[1].split("$")[0]
    values = [c.value for c in lists[letter][1:] if c.value]
    assert "lived-experience" in values and "idea" in values and len(values) == 17


def test_template_refuses_other_extensions(run, tmp_path):
    result = run("template", tmp_path / "entry.csv")
    assert result.exit_code == 2 and "give a name ending in .xlsx" in result.stderr
    assert not (tmp_path / "entry.csv").exists()


def test_filled_template_builds_and_validates(run, tmp_path):
    """template -> filled (the golden rows typed in) -> build -> the same records, conforming."""
    from rdflib import Graph

    path = tmp_path / "entry.xlsx"
    run("template", path)
    book = load_workbook(path)
    for table in TABLES:
        sheet = book[table.name]
        header = [cell.value for cell in sheet[1]]
        for row in read_table(GOLDEN_SOURCES, table.name):
            sheet.append([_typed(row.get(name, "")) for name in header])
    book.save(path)
    output = tmp_path / "out.ttl"
    result = run("build", path, "-o", output)
    assert result.exit_code == 0, result.stderr
    from_workbook = Graph().parse(output)
    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / "csv.ttl")
    from_csv = Graph().parse(tmp_path / "csv.ttl")
    # the same records, entered in another file: only provenance of rows and build differs
    ignore = {COE.file, COE.sourceDigest, COE.sheet}
    keep = lambda g: {(s, p, o) for s, p, o in g if p not in ignore and "/build/" not in str(s) + str(o)}  # noqa: E731
    assert keep(from_workbook) == keep(from_csv)
    rows = set(from_workbook.objects(None, COE.file))
    assert {str(r) for r in rows} == {"entry.xlsx"}


def _typed(text: str):
    """Cells as a person would leave them in Excel: numbers as numbers."""
    if text.isdigit() and not text.startswith("0") and len(text) < 6:
        return int(text)
    return text or None
