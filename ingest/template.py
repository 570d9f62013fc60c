"""Write an empty data-entry workbook generated from the ontology and the table declarations.

One sheet per table (in :data:`coevidence.ingest.tables.TABLES` order), a header row whose
cells carry help (the column's help, whether it is required, and the ontology's comment on
the property it becomes), drop-down lists filled from the SKOS schemes, and a first sheet
explaining how to fill it in. Sheets whose names start with ``_`` are notes: the reader
skips them. Because everything is generated, the workbook never drifts from the ontology.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from rdflib import Graph
from rdflib.namespace import RDFS

from coevidence.ingest.mapping import column_predicate
from coevidence.ingest.records import Vocabularies
from coevidence.ingest.tables import GROUP_KINDS, TABLES, Column, Kind, Table
from coevidence.ontology import COE, ontology_graph, vocabulary_graph

ABOUT_SHEET = "_about"
LISTS_SHEET = "_lists"
MAX_ROWS = 5000  # rows covered by drop-down lists
REQUIRED_FILL = PatternFill("solid", fgColor="FFE699")
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")

KIND_WORDS = {
    Kind.ID: "a key: letters, digits, - _ and .",
    Kind.TEXT: "text",
    Kind.URL: "a web address (https://...)",
    Kind.DATE: "a date: YYYY, YYYY-MM or YYYY-MM-DD",
    Kind.INTEGER: "a whole number",
    Kind.DECIMAL: "a number (a point for decimals)",
    Kind.BOOLEAN: "yes or no",
    Kind.CODE: "a value from the drop-down list",
    Kind.REF: "the id of a row",
}


def _comment(graph: Graph, term) -> str | None:
    for value in graph.objects(term, RDFS.comment):
        if getattr(value, "language", None) in (None, "en"):
            return str(value)
    return None


def column_help(table: Table, column: Column, ontology: Graph) -> str:
    """The help for one column: what to enter, whether it is required, what it means."""
    parts = [column.help]
    facts = ["required" if column.required else "optional", KIND_WORDS[column.kind]]
    if column.kind is Kind.REF:
        facts[-1] = f"the id of a row of {' or '.join(column.refs)}"
    if column.multi:
        facts.append('several values separated by ";"')
    parts.append("(" + "; ".join(facts) + ")")
    predicate = column_predicate(table.name, column.name)
    if predicate is not None and str(predicate).startswith(str(COE._NS)):
        comment = _comment(ontology, predicate)
        if comment:
            parts.append(f"Ontology, coe:{str(predicate)[len(str(COE._NS)):]}: {comment}")
    return "\n".join(parts)


def _about(book: Workbook, ontology: Graph) -> None:
    sheet = book.active
    sheet.title = ABOUT_SHEET
    lines: list[tuple[str, str]] = [
        ("coevidence data-entry workbook", ""),
        ("", ""),
        ("How to fill it in", ""),
        ("1.", "Each sheet is a table; each row is one record. Keep the header row (row 1) as it is; hover over a header cell for help."),
        ("2.", "Start with sources, then projects, organisations, groups and pilots; then the claims (participations, exchanges, ...) that refer to them by id."),
        ("3.", "id: a short stable key (letters, digits, - _ .). Never change it once published: the web address of the record is made from it."),
        ("4.", 'Several values in one cell are separated by ";". Coded cells take a value from the drop-down list (its label works too).'),
        ("5.", "Dates are YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source is. Yes/no cells take yes or no."),
        ("6.", "Every claim names its sources (keys from the sources sheet) and, where you can, the exact quote and where it is (page, section)."),
        ("7.", "Yellow headers are required columns; blue ones are optional. Sheets starting with _ are notes and are not read."),
        ("8.", "Check and build with: coevidence build THIS-WORKBOOK.xlsx -o out.ttl (every problem is listed with its sheet, row and column)."),
        ("9.", "Format version 2. A factor the sources state for the project as a whole names the project (project column), never every pilot. What a pilot made or did goes in outputs, a need it found in needs, a law or programme it worked within in framings; a resource whose giver the sources do not name leaves provider empty."),
        ("10.", "Enter only what the sources state. A reading of your own that you stand by (an inference) gets confidence low, and its description says so."),
        ("", ""),
        ("Sheets", ""),
    ]
    for table in TABLES:
        comment = _comment(ontology, COE[table.ontology_class]) or ""
        lines.append((table.name, f"One row per {table.title.split(' ', 1)[1]}. {table.help} {comment}".strip()))
    for row in lines:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A3"].font = Font(bold=True)
    sheet[f"A{len(lines) - len(TABLES)}"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 140
    for cells in sheet.iter_rows(min_col=2, max_col=2):
        cells[0].alignment = Alignment(wrap_text=True, vertical="top")


def _lists(book: Workbook, vocabularies: Vocabularies) -> dict[str, str]:
    """Write the coded values to a hidden sheet; return a formula range per list name."""
    sheet = book.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    lists: dict[str, list[str]] = {
        key: [index.notations[c] for c in sorted(index.notations, key=lambda c: index.notations[c])]
        for key, index in sorted(vocabularies.schemes.items())
    }
    lists["boolean"] = ["yes", "no"]
    lists["group-kind"] = list(GROUP_KINDS)
    ranges: dict[str, str] = {}
    for number, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(number)
        sheet.cell(row=1, column=number, value=name).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=number, value=value)
        defined = "list_" + name.replace("-", "_")
        reference = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        book.defined_names[defined] = DefinedName(defined, attr_text=reference)
        ranges[name] = defined
    return ranges


def _table_sheet(book: Workbook, table: Table, ontology: Graph, ranges: dict[str, str]) -> None:
    sheet = book.create_sheet(table.name)
    sheet.freeze_panes = "B2"
    for number, column in enumerate(table.columns, start=1):
        letter = get_column_letter(number)
        cell = sheet.cell(row=1, column=number, value=column.name)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        note = Comment(column_help(table, column, ontology), "coevidence")
        note.width, note.height = 320, 160
        cell.comment = note
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.name) + 6))
        list_name = None
        if column.kind is Kind.CODE:
            list_name = column.scheme
        elif column.kind is Kind.BOOLEAN:
            list_name = "boolean"
        elif table.name == "groups" and column.name == "kind":
            list_name = "group-kind"
        if list_name is None:
            continue
        validation = DataValidation(
            type="list",
            formula1=ranges[list_name],
            allow_blank=True,
            showDropDown=False,  # (sic: False shows the arrow)
            showErrorMessage=not column.multi,  # a multi-valued cell may hold "a; b"
            errorTitle="Not in the list",
            error=f"Choose a value of the {column.scheme or list_name} list.",
            promptTitle=column.name[:32],
            prompt=column.help[:255],
        )
        validation.add(f"{letter}2:{letter}{MAX_ROWS}")
        sheet.add_data_validation(validation)


def template_bytes() -> bytes:
    """The workbook, as bytes."""
    ontology = ontology_graph()
    vocabulary = vocabulary_graph()
    vocabularies = Vocabularies(vocabulary)
    book = Workbook()
    _about(book, ontology)
    ranges = _lists(book, vocabularies)
    for table in TABLES:
        _table_sheet(book, table, ontology, ranges)
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames))  # lists last
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(path: Path) -> None:
    """Write the workbook to *path* atomically."""
    from coevidence.ingest.build import write_atomically

    write_atomically(Path(path), template_bytes())


__all__ = ["ABOUT_SHEET", "LISTS_SHEET", "column_help", "template_bytes", "write_template"]
