"""Parse rows into typed records against the declared tables, collecting every error.

Nothing stops at the first problem: each cell is checked, then ids are checked for
duplicates across all inputs, then references are resolved across all inputs, and every
problem found is returned as an :class:`IngestError` that names its file, sheet, row and
column, with a suggestion where one is obvious.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlsplit

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from coevidence.ingest.readers import Origin, ReadResult, Row, TableRows, suggest
from coevidence.ingest.tables import GROUP_KINDS, ID_SPACES, IRI_SEGMENTS, REMOVED_COLUMNS, TABLES, TABLES_BY_NAME, Column, Kind, Table
from coevidence.ontology import COUNTRY, ID, VOCAB

ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
INTEGER_PATTERN = re.compile(r"^[+-]?\d+$")
DECIMAL_PATTERN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
BOOLEANS = {"yes": True, "no": False, "true": True, "false": False, "y": True, "n": False, "1": True, "0": False}
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}


def _shown(text: str) -> str:
    """*text* with what a terminal would not show (controls, line breaks, lone surrogates) escaped,
    so that one problem stays one line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


@dataclass(frozen=True, order=True)
class IngestError:
    """One problem in the input, located as precisely as it can be."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    message: str = ""

    def __str__(self) -> str:
        place = ":".join(str(part) for part in (self.file, self.sheet, self.row) if part is not None and part != "")
        column = f'column "{_shown(self.column)}": ' if self.column is not None else ""
        return f"{place}: {column}{_shown(self.message)}"

    @classmethod
    def at(cls, origin: Origin, column: str | None, message: str) -> IngestError:
        return cls(origin.file, origin.sheet, origin.row, column, message)


@dataclass(frozen=True)
class PartialDate:
    """A date as precise as the source says: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

    text: str

    @property
    def precision(self) -> str:
        return {4: "year", 7: "month", 10: "day"}[len(self.text)]


@dataclass(frozen=True)
class Ref:
    """A resolved reference to the row ``key`` of ``table``."""

    table: str
    key: str

    @property
    def iri(self) -> URIRef:
        return mint_iri(self.table, self.key)


@dataclass(frozen=True)
class _RefText:
    """A reference as typed, before it is resolved."""

    key: str
    table: str | None  # when written "table:key"


@dataclass
class Record:
    """One row parsed: its table, its key, its typed values by column, and where it was entered."""

    table: str
    key: str
    origin: Origin
    values: dict[str, object] = field(default_factory=dict)

    @property
    def iri(self) -> URIRef:
        return mint_iri(self.table, self.key)

    def get(self, column: str, default=None):
        return self.values.get(column, default)

    def many(self, column: str) -> tuple:
        value = self.values.get(column)
        if value is None:
            return ()
        return value if isinstance(value, tuple) else (value,)


def mint_iri(table: str, key: str) -> URIRef:
    """The IRI of the row *key* of *table*: ``<ID + segment/key>`` (never random)."""
    return ID[f"{IRI_SEGMENTS[table]}/{quote(key, safe='')}"]


# ---------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------


def _normal(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.casefold()).strip()


@dataclass
class SchemeIndex:
    """The concepts of one SKOS scheme, findable by notation, preferred or alternative label."""

    key: str
    iri: URIRef
    concepts: dict[str, URIRef] = field(default_factory=dict)  # normalised name -> concept
    notations: dict[URIRef, str] = field(default_factory=dict)
    labels: dict[URIRef, str] = field(default_factory=dict)

    def lookup(self, text: str) -> URIRef | None:
        return self.concepts.get(_normal(text))

    def nearest(self, text: str) -> str | None:
        """The notation of the concept whose notation or label is closest to *text*."""
        match = suggest(_normal(text), self.concepts.keys(), cutoff=0.5)
        return self.notations[self.concepts[match]] if match else None


class Vocabularies:
    """Every SKOS scheme a coded column can draw from, indexed for lookup and suggestions."""

    def __init__(self, graph: Graph):
        self.schemes: dict[str, SchemeIndex] = {}
        for key in sorted({c.scheme for t in TABLES for c in t.columns if c.scheme}):
            iri = scheme_iri(key)
            index = SchemeIndex(key, iri)
            for concept in sorted(graph.subjects(SKOS.inScheme, iri)):
                if (concept, RDF.type, SKOS.Concept) not in graph:
                    continue
                notation = str(graph.value(concept, SKOS.notation) or "")
                label = graph.value(concept, SKOS.prefLabel)
                index.notations[concept] = notation
                index.labels[concept] = str(label) if label is not None else notation
                names = [notation, *(str(v) for v in graph.objects(concept, SKOS.prefLabel))]
                names += [str(v) for v in graph.objects(concept, SKOS.altLabel)]
                for name in names:
                    if name:
                        index.concepts.setdefault(_normal(name), concept)
            self.schemes[key] = index

    def __getitem__(self, key: str) -> SchemeIndex:
        return self.schemes[key]

    def label(self, concept: URIRef) -> str:
        for index in self.schemes.values():
            if concept in index.labels:
                return index.labels[concept]
        return str(concept).rsplit("/", 1)[-1]


def scheme_iri(key: str) -> URIRef:
    """The IRI of the SKOS scheme a column's ``scheme`` key names."""
    if key == "country":
        return URIRef(str(COUNTRY).rstrip("/"))
    return VOCAB[key]


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------


class CellError(ValueError):
    """A cell's text does not fit its column; the message is written for the person who typed it."""


def parse_date(text: str) -> PartialDate:
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if match:
        year, month, day = match.groups()
        try:
            dt.date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            raise CellError(f'"{text}" is not a real date') from None
        return PartialDate(text)
    raise CellError(f'"{text}" is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD{_date_hint(text)}')


def _date_hint(text: str) -> str:
    """A suggestion for a date typed in another common form, when the meaning is clear."""
    guess = None
    if m := re.fullmatch(r"(\d{4})[/.](\d{1,2})(?:[/.](\d{1,2}))?", text):
        guess = (m[1], m[2], m[3])
    elif m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):  # European day.month.year
        guess = (m[3], m[2], m[1])
    elif m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        first, second = int(m[1]), int(m[2])
        if first > 12 >= second:
            guess = (m[3], m[2], m[1])
        elif second > 12 >= first:
            guess = (m[3], m[1], m[2])
        else:
            return "; day and month cannot be told apart, so write it as YYYY-MM-DD"
    elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
        return f' (did you mean "{m[1]}"?)'
    elif m := re.fullmatch(r"([A-Za-z]+)\.?,?\s+(\d{4})", text):
        if m[1].lower() in MONTHS:
            guess = (m[2], str(MONTHS[m[1].lower()]), None)
    elif m := re.fullmatch(r"(\d{1,2})\.?\s+([A-Za-z]+)\.?,?\s+(\d{4})", text):
        if m[2].lower() in MONTHS:
            guess = (m[3], str(MONTHS[m[2].lower()]), m[1])
    if guess is None:
        return ""
    year, month, day = guess
    candidate = f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
    try:
        parse_date(candidate)
    except CellError:
        return ""
    return f' (did you mean "{candidate}"?)'


def parse_integer(text: str) -> int:
    if INTEGER_PATTERN.fullmatch(text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0+", text):
        raise CellError(f'"{text}" is not a whole number (did you mean "{text.split(".")[0]}"?)')
    raise CellError(f'"{text}" is not a whole number')


def parse_decimal(text: str) -> Decimal:
    if DECIMAL_PATTERN.fullmatch(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            pass
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        raise CellError(f'"{text}" is not a number: use a point for decimals (did you mean "{text.replace(",", ".")}"?)')
    if re.fullmatch(r"[+-]?\d{1,3}([ ,\u00a0\u202f]\d{3})+(\.\d+)?", text):
        plain = re.sub(r"[ ,\u00a0\u202f]", "", text)
        raise CellError(f'"{text}" is not a number: leave out thousands separators (did you mean "{plain}"?)')
    if re.search(r"\d", text) and re.search(r"(?i)about|approx|around|over|more than|less than|~|<|>|\+$", text):
        raise CellError(f'"{text}" is not a number: write the number alone and set "approximate" to yes')
    raise CellError(f'"{text}" is not a number')


def parse_boolean(text: str) -> bool:
    value = BOOLEANS.get(text.lower())
    if value is None:
        raise CellError(f'"{text}" is not yes or no')
    return value


#: what an IRI may not hold (RFC 3987): spaces and controls, <>"{}|\^` and a % not followed by two hex digits
IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f]|%(?![0-9A-Fa-f]{2})')


def parse_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.netloc and not re.search(r"\s", text):
        bad = IRI_UNSAFE.search(text)
        if bad:
            shown = bad.group() if bad.group().isprintable() else f"U+{ord(bad.group()):04X}"
            encoded = "%" + "%".join(f"{b:02X}" for b in bad.group().encode("utf-8")) if bad.group() != "%" else "%25"
            quoted = text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
            raise CellError(f'"{quoted}" is not a web address: "{shown}" at character {bad.start() + 1} may not appear in one (write it as {encoded})')
        return text
    if not parts.scheme and re.fullmatch(r"(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?", text):
        raise CellError(f'"{text}" is not a web address (did you mean "https://{text}"?)')
    raise CellError(f'"{text}" is not a web address starting with http:// or https://')


def parse_id(text: str) -> str:
    if text in (".", ".."):  # would mint .../place/.. , which clients resolve onto another IRI
        raise CellError(f'"{text}" is not a valid id: an id must hold a letter or a digit')
    if ID_PATTERN.fullmatch(text):
        return text
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")
    hint = f' (did you mean "{cleaned}"?)' if cleaned else ""
    raise CellError(f'"{text}" is not a valid id: use only letters, digits, "-", "_" and "."{hint}')


def parse_ref(text: str) -> _RefText:
    table, sep, key = text.partition(":")
    if sep and table in TABLES_BY_NAME:
        return _RefText(parse_id(key), table)
    return _RefText(parse_id(text), None)


def parse_code(text: str, column: Column, vocabularies: Vocabularies) -> URIRef:
    index = vocabularies[column.scheme]
    concept = index.lookup(text)
    if concept is not None:
        return concept
    nearest = index.nearest(text)
    hint = f' (did you mean "{nearest}"?)' if nearest else ""
    what = column.scheme.replace("-", " ")
    return _raise(f'"{text}" is not a known {what}{hint}')


def _raise(message: str):
    raise CellError(message)


def parse_cell(text: str, column: Column, vocabularies: Vocabularies) -> object:
    """The typed value of one (non-empty, single) value of *column*."""
    match column.kind:
        case Kind.ID:
            return parse_id(text)
        case Kind.TEXT:
            return text
        case Kind.URL:
            return parse_url(text)
        case Kind.DATE:
            return parse_date(text)
        case Kind.INTEGER:
            return parse_integer(text)
        case Kind.DECIMAL:
            return parse_decimal(text)
        case Kind.BOOLEAN:
            return parse_boolean(text)
        case Kind.CODE:
            return parse_code(text, column, vocabularies)
        case Kind.REF:
            return parse_ref(text)
    raise AssertionError(column.kind)  # pragma: no cover - every kind is handled above


# ---------------------------------------------------------------------------
# Rows and tables
# ---------------------------------------------------------------------------


def _check_header(rows: TableRows, table: Table, errors: list[IngestError]) -> set[str]:
    """Report unknown, duplicated and missing columns; return the usable column names."""
    known = {c.name for c in table.columns}
    seen: set[str] = set()
    usable: set[str] = set()
    for name in rows.header:
        if name.strip() == "":
            continue
        if name in seen:
            errors.append(IngestError.at(rows.origin, name, "appears twice in the header"))
            continue
        seen.add(name)
        if name in known:
            usable.add(name)
        elif (table.name, name.strip()) in REMOVED_COLUMNS:
            errors.append(IngestError.at(rows.origin, name, REMOVED_COLUMNS[(table.name, name.strip())]))
        elif name.strip() in known:
            errors.append(IngestError.at(rows.origin, name, f'stray whitespace in the header (did you mean "{name.strip()}"?)'))
        else:
            match = suggest(name.strip().lower(), known)
            hint = f' (did you mean "{match}"?)' if match else f"; the columns of {table.name} are: {', '.join(c.name for c in table.columns)}"
            errors.append(IngestError.at(rows.origin, name, f"is not a column of {table.name}{hint}"))
    stripped = {n.strip() for n in seen}
    for required in table.required_columns:
        if required not in stripped:
            errors.append(IngestError.at(rows.origin, required, f"is required in {table.name} but missing from the header"))
    return usable


def _parse_row(row: Row, table: Table, usable: set[str], vocabularies: Vocabularies, errors: list[IngestError]) -> Record | None:
    values: dict[str, object] = {}
    for column in table.columns:
        if column.name not in usable:
            continue
        raw = row.cells.get(column.name, "")
        text = raw.strip()
        if text == "":
            if column.required:
                errors.append(IngestError.at(row.origin, column.name, "is required but empty"))
            continue
        if raw != text and column.kind is not Kind.TEXT:
            errors.append(IngestError.at(row.origin, column.name, f'"{raw}" has stray whitespace at its start or end (did you mean "{text}"?)'))
        try:
            if column.multi:
                parts = tuple(part.strip() for part in text.split(";") if part.strip())
                parsed = tuple(dict.fromkeys(parse_cell(part, column, vocabularies) for part in parts))
            else:
                parsed = parse_cell(text, column, vocabularies)
        except CellError as error:
            errors.append(IngestError.at(row.origin, column.name, str(error)))
            continue
        values[column.name] = parsed
    if table.name == "groups" and "kind" in values:
        kind = str(values["kind"]).strip().lower().replace(" ", "-")
        if kind not in GROUP_KINDS:
            match = suggest(kind, GROUP_KINDS)
            hint = f' (did you mean "{match}"?)' if match else f" (one of {', '.join(GROUP_KINDS)})"
            errors.append(IngestError.at(row.origin, "kind", f'"{values["kind"]}" is not a kind of group{hint}'))
            del values["kind"]
        else:
            values["kind"] = kind
    key = values.pop("id", None)
    if key is None:
        return None
    return Record(table.name, key, row.origin, values)


def _tables_named_by(iris) -> set[str]:
    """The tables whose rows some of *iris* (subjects of passed-through RDF) stand for."""
    by_segment = {segment: table for table, segment in IRI_SEGMENTS.items()}
    base = str(ID)
    found: set[str] = set()
    for iri in iris:
        text = str(iri)
        if text.startswith(base):
            segment = text[len(base):].split("/", 1)[0]
            if segment in by_segment:
                found.add(by_segment[segment])
    return found


def _id_space(table: str) -> str:
    for space in ID_SPACES:
        if table in space:
            return "+".join(space)
    return table


def _words(tables: tuple[str, ...]) -> str:
    names = [TABLES_BY_NAME[t].title.split(" ", 1)[1] for t in tables]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass
class Parsed:
    records: list[Record]
    errors: list[IngestError]

    def by_table(self) -> dict[str, list[Record]]:
        grouped: dict[str, list[Record]] = defaultdict(list)
        for record in self.records:
            grouped[record.table].append(record)
        return grouped


def parse_sources(read: ReadResult, vocabularies: Vocabularies, known_iris: set[URIRef] | frozenset = frozenset()) -> Parsed:
    """Parse every table read into records; check ids and references across all of them.

    ``known_iris`` are subjects of RDF files passed through: a reference may name them too.
    """
    # a file that could not be read at all is a cause: what refers to its rows is not checked
    # (the errors it would give are folded into a count on the cause), and causes come first
    causes = [p for p in read.problems if p.fatal]
    errors = [IngestError.at(p.origin, p.column, p.message) for p in read.problems if not p.fatal]
    unreadable = {p.origin.sheet for p in causes} | ({"*"} if any(not p.origin.sheet for p in causes) else set())
    folded: dict[str, int] = defaultdict(int)
    records: list[Record] = []
    present: set[str] = _tables_named_by(known_iris)
    for rows in read.tables:
        table = TABLES_BY_NAME[rows.table]
        present.add(table.name)
        usable = _check_header(rows, table, errors)
        for row in rows.rows:
            record = _parse_row(row, table, usable, vocabularies, errors)
            if record is not None:
                records.append(record)

    # ids: unique within their id space, across every input
    first: dict[tuple[str, str], Record] = {}
    index: dict[str, dict[str, Record]] = defaultdict(dict)
    unique: list[Record] = []
    # across the tables of one id space, the table listed first in TABLES keeps the id, and
    # the row of the later table is the one told it reuses it
    order = {table.name: n for n, table in enumerate(TABLES)}
    records.sort(key=lambda record: order[record.table])
    for record in records:
        space_key = (_id_space(record.table), record.key)
        if space_key in first:
            earlier = first[space_key].origin
            where = f"{earlier.file}:{earlier.sheet}:{earlier.row}"
            other = first[space_key].table
            what = f'duplicate id "{record.key}"' if other == record.table else f'id "{record.key}" is already the id of a row of {other}, and the two tables share their ids'
            errors.append(IngestError.at(record.origin, "id", f"{what} (first used in {where})"))
            continue
        first[space_key] = record
        index[record.table][record.key] = record
        unique.append(record)

    # references: resolved across every input, after everything is read
    absent_reported: set[tuple[str, str, str]] = set()
    for record in unique:
        table = TABLES_BY_NAME[record.table]
        for column in table.columns:
            if column.kind is not Kind.REF or column.name not in record.values:
                continue
            value = record.values[column.name]
            typed = value if isinstance(value, tuple) else (value,)
            resolved: list[Ref] = []
            for ref in typed:
                if unreadable and (unreadable & set(column.refs) or "*" in unreadable):
                    found = _resolve(ref, column, index, known_iris, present | set(column.refs), record, absent_reported, [])
                    if found is None:
                        folded[next((t for t in column.refs if t in unreadable), "*")] += 1
                    target = found
                else:
                    target = _resolve(ref, column, index, known_iris, present, record, absent_reported, errors)
                if target is not None:
                    resolved.append(target)
            if len(resolved) != len(typed):
                del record.values[column.name]
            else:
                record.values[column.name] = tuple(resolved) if column.multi else resolved[0]
    errors.sort(key=lambda e: (e.file, e.sheet or "", e.row or 0, e.column or "", e.message))
    first_causes = []
    for problem in causes:
        count = folded.pop(problem.origin.sheet or "*", 0)
        if not problem.origin.sheet and not count:
            count = sum(folded.values())
            folded.clear()
        note = f" ({count} reference{'s' if count != 1 else ''} to its rows not checked)" if count else ""
        first_causes.append(IngestError.at(problem.origin, problem.column, problem.message + note))
    return Parsed(unique, first_causes + errors)


def _resolve(
    ref: _RefText,
    column: Column,
    index: dict[str, dict[str, Record]],
    known_iris: set[URIRef] | frozenset,
    present: set[str],
    record: Record,
    absent_reported: set[tuple[str, str, str]],
    errors: list[IngestError],
) -> Ref | None:
    tables = column.refs
    if ref.table is not None:
        if ref.table not in tables:
            errors.append(IngestError.at(record.origin, column.name, f'"{ref.table}:{ref.key}" names the {ref.table} table, but this column refers to {", ".join(tables)}'))
            return None
        tables = (ref.table,)
    found = [Ref(t, ref.key) for t in tables if ref.key in index.get(t, {})]
    found += [Ref(t, ref.key) for t in tables if ref.key not in index.get(t, {}) and mint_iri(t, ref.key) in known_iris]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        options = " or ".join(f'"{f.table}:{f.key}"' for f in found)
        errors.append(IngestError.at(record.origin, column.name, f'"{ref.key}" is ambiguous: write {options}'))
        return None
    if not any(t in present for t in tables):
        key = (record.origin.file, record.origin.sheet, column.name)
        if key not in absent_reported:
            absent_reported.add(key)
            sheets = " or ".join(f'"{t}"' for t in tables)
            errors.append(
                IngestError(record.origin.file, record.origin.sheet, None, column.name, f"refers to the {sheets} sheet, which is not there in any source")
            )
        return None
    keys = [k for t in tables for k in index.get(t, {})]
    match = suggest(ref.key, keys)
    hint = f' (did you mean "{match}"?)' if match else ""
    errors.append(IngestError.at(record.origin, column.name, f'no {_words(tables)} with id "{ref.key}"{hint}'))
    return None
