"""One CSV per kind of record or claim, with a CSVW codebook made from the ontology and shapes.

The columns of a table are not written by hand: they are the properties that the SHACL
shapes of its classes constrain (simple paths only), named after the property
(``coe:resourceType`` -> ``resource_type``), titled and described from the ontology,
typed from the shapes (``sh:datatype``; a concept of a scheme is written as its code, with
the scheme as the column's ``valueUrl``; an entity as its IRI). Claim tables add the
claim's sources, their titles, the quoted passages and their locators, one claim a row.
So when the ontology and shapes change, the tables and their codebook follow.

Every text cell is made safe against formula injection (:mod:`.safety`). Values of a
column that holds several are joined with ``|`` (the codebook says so with ``separator``).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from coevidence.ontology import COE, ontology_graph, vocabulary_graph
from coevidence.server.exports.safety import safe_cell
from coevidence.server.queries import load_query
from coevidence.server.stores import Store
from coevidence.server.stores.rows import select_rows, select_values
from coevidence.shapes import shapes_graph

MAX_ROWS = 5_000_000
TIMEOUT_S = 300.0
SEPARATOR = "|"

#: table name -> (title, the classes whose records it holds)
TABLES: dict[str, tuple[str, tuple[URIRef, ...]]] = {
    "pilots": ("Pilots", (COE.Pilot,)),
    "actors": ("Actors: organisations, citizen groups, professional groups, informal networks and networks",
               (COE.Organisation, COE.CitizenGroup, COE.ProfessionalGroup, COE.InformalNetwork, COE.Network)),
    "participations": ("Participations: who took which role in which pilot", (COE.Participation,)),
    "exchanges": ("Resource exchanges: who gave what, to whom", (COE.ResourceExchange,)),
    "method_uses": ("Method uses: which co-creation methods a pilot used", (COE.MethodUse,)),
    "outcomes": ("Outcomes: what came of a pilot", (COE.Outcome,)),
    "factors": ("Factors: what enabled or hindered co-creation", (COE.Factor,)),
    "outputs": ("Outputs: what a pilot produced (a plan, a tool, a report), apart from its outcomes", (COE.Output,)),
    "needs": ("Identified needs: what a pilot found that people needed", (COE.IdentifiedNeed,)),
    "framings": ("Framings: the laws, reforms and programmes that framed a pilot, each a sourced claim", (COE.Framing,)),
    "findings": ("Findings: other claims about a project, pilot, actor or context", (COE.Finding,)),
    "sources": ("Sources: the publications, pages and documents the claims rest on", (COE.Source,)),
}
#: properties that are bookkeeping, or written by the evidence columns instead
SKIPPED = {RDF.type, COE.evidence, COE.enteredIn, PROV.wasGeneratedBy, PROV.wasDerivedFrom}
DATATYPES = {
    XSD.integer: "integer", XSD.nonNegativeInteger: "nonNegativeInteger", XSD.positiveInteger: "positiveInteger",
    XSD.decimal: "decimal", XSD.double: "double", XSD.boolean: "boolean", XSD.date: "date",
    XSD.gYear: "gYear", XSD.anyURI: "anyURI", XSD.string: "string",
}
NUMERIC = {"integer", "nonNegativeInteger", "positiveInteger", "decimal", "double"}
EXTERNAL_LABELS = {
    RDFS.label: ("label", "The record's label."),
    DCTERMS.title: ("title", "The title."),
    DCTERMS.description: ("description", "A description in the data authors' own words."),
    SKOS.notation: ("notation", "A code."),
}


@dataclass
class Column:
    name: str
    title: str
    description: str
    datatype: str = "string"
    required: bool = False
    many: bool = True
    property: URIRef | None = None
    scheme: str | None = None  # the namespace of a concept scheme whose codes the column holds
    references: str | None = None  # the table whose ``id`` an IRI column points at

    def csvw(self) -> dict:
        column = {"name": self.name, "titles": self.title, "dc:description": self.description,
                  "datatype": self.datatype, "required": self.required}
        if self.many:
            column["separator"] = SEPARATOR
        if self.property is not None:
            column["propertyUrl"] = str(self.property)
        if self.scheme:
            column["valueUrl"] = f"{self.scheme}{{{self.name}}}"
        elif self.datatype == "anyURI" and self.name != "id":
            column["valueUrl"] = f"{{+{self.name}}}"
        return column


@dataclass
class Table:
    name: str
    title: str
    classes: tuple[URIRef, ...]
    columns: list[Column] = field(default_factory=list)
    claims: bool = False

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _local(iri) -> str:
    return str(iri).rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _text(graph: Graph, subject, *predicates) -> str | None:
    for predicate in predicates:
        values = sorted(
            (value for value in graph.objects(subject, predicate) if isinstance(value, Literal)),
            key=lambda value: (value.language not in (None, "en"), str(value)),
        )
        if values:
            return str(values[0])
    return None


def codebook_tables() -> list[Table]:
    """Every table with its columns, read from the ontology and the shapes."""
    shapes, ontology = shapes_graph(), ontology_graph()
    claim_classes = set(ontology.transitive_subjects(RDFS.subClassOf, COE.Claim))
    tables = []
    for name, (title, classes) in TABLES.items():
        table = Table(name, title, classes, claims=any(cls in claim_classes for cls in classes))
        table.columns.append(Column("id", "IRI", "The record's IRI: its name in the graph.", "anyURI", True, False))
        if len(classes) > 1:
            table.columns.append(Column("kind", "kind", "Which kind of record: "
                                        + ", ".join(_local(cls) for cls in classes) + ".", "string", True, False))
        found: dict[URIRef, list[tuple[URIRef, object]]] = defaultdict(list)  # property -> [(class, shape node)]
        for cls in classes:
            targets = {cls} | ({COE.Claim} if table.claims else set()) | set(ontology.transitive_objects(cls, RDFS.subClassOf))
            for shape in sorted(shapes.subjects(RDF.type, SH.NodeShape)):
                if not targets & set(shapes.objects(shape, SH.targetClass)):
                    continue
                for prop_shape in shapes.objects(shape, SH.property):
                    path = shapes.value(prop_shape, SH.path)
                    if shapes.value(prop_shape, SH.maxCount) == Literal(0):
                        continue  # a property the shapes forbid (personal data): no column
                    if isinstance(path, URIRef) and path not in SKIPPED:
                        found[path].append((cls, prop_shape))
        order = [RDFS.label, DCTERMS.title, DCTERMS.description]
        for path in sorted(found, key=lambda p: (order.index(p) if p in order else len(order), str(p))):
            table.columns.append(_column(path, found[path], classes, shapes, ontology, claim_classes))
        if table.claims:
            table.columns += [
                Column("sources", "sources", "The IRIs of the sources the claim rests on (prov:wasDerivedFrom).",
                       "anyURI", True, True, PROV.wasDerivedFrom, references="sources"),
                Column("source_titles", "source titles", "The titles of those sources, in the same order.", "string"),
                Column("quotes", "quoted passages", "The words of the sources that carry the claim, quoted exactly "
                       "(oa:exact of the evidence's oa:TextQuoteSelector), where the data gives them.", "string"),
                Column("locators", "locators", "Where in a source the claim is found (a page, a section), where given.", "string"),
            ]
        tables.append(table)
    return tables


def _column(path, uses, classes, shapes: Graph, ontology: Graph, claim_classes) -> Column:
    name = snake(_local(path))
    title, description = EXTERNAL_LABELS.get(path, (None, None))
    title = _text(ontology, path, RDFS.label) or title or name.replace("_", " ")
    description = _text(ontology, path, SKOS.definition, RDFS.comment) or description
    messages = sorted({str(m) for _, node in uses for m in shapes.objects(node, SH.message)})
    if not description:
        description = messages[0] if messages else title
    datatype, scheme, references = "string", None, None
    for _, node in uses:
        if (dt := shapes.value(node, SH.datatype)) in DATATYPES:
            datatype = DATATYPES[dt]
        target = shapes.value(node, SH["class"])
        value_node = shapes.value(node, SH.node)
        if value_node is not None:
            for member in shapes.objects(value_node, SH.property):
                if shapes.value(member, SH.path) == SKOS.inScheme and shapes.value(member, SH.hasValue) is not None:
                    scheme = str(shapes.value(member, SH.hasValue)).rstrip("/") + "/"
            if scheme is None and shapes.value(value_node, SH.datatype) is None:
                datatype = "anyURI"
            if shapes.value(value_node, SH["or"]) is not None:
                datatype = "string"  # dates as precise as the sources allow: a year, a month or a day
        if target is not None and target != SKOS.Concept:
            datatype = "anyURI"
            for table, (_, table_classes) in TABLES.items():
                if target in table_classes or (target == COE.Actor and COE.Organisation in table_classes):
                    references = table
        if shapes.value(node, SH.nodeKind) == SH.IRI:
            datatype = "anyURI"
    if scheme:
        datatype = "string"
        description = f"{description} Written as the concept's code; the IRI is the scheme's namespace followed by the code ({scheme})."
    if (ontology.value(path, RDF.type) == OWL.ObjectProperty) and not scheme and datatype == "string":
        datatype = "anyURI"
    used_in = {cls for cls, _ in uses}
    required = used_in == set(classes) and all(
        any(int(shapes.value(node, SH.minCount) or 0) >= 1 and shapes.value(node, SH.severity) in (None, SH.Violation)
            for cls2, node in uses if cls2 == cls)
        for cls in classes
    )  # a minimum the shapes only warn about does not make a column required
    many = not all(
        any(int(shapes.value(node, SH.maxCount) or 0) == 1 for cls2, node in uses if cls2 == cls) for cls in used_in
    )
    return Column(name, title, description, datatype, required, many, path, scheme, references)


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


def _notations() -> dict[str, str]:
    vocabulary = vocabulary_graph()
    return {str(concept): str(code) for concept, code in vocabulary.subject_objects(SKOS.notation)}


def _add_value(record: dict[str, list[str]], column: Column, value: dict, notations: dict[str, str]) -> None:
    """Add one value (a SPARQL JSON binding) to the record's cell of *column*."""
    language = value.get("xml:lang")
    is_literal = value["type"] == "literal"
    if is_literal and language not in (None, "en") and record[column.name] and not column.many:
        return  # one language is enough for a single-valued column: English or none first
    text = notations.get(value["value"], _local(value["value"])) if column.scheme else value["value"]
    if is_literal and language in (None, "en") and not column.many:
        record[column.name] = [text]
    elif text not in record[column.name]:
        record[column.name].append(text)


def table_rows(store: Store, table: Table, notations: dict[str, str] | None = None) -> list[list[str]]:
    """The rows of *table* (cells as text, safe for spreadsheets), sorted by ``id``."""
    notations = notations if notations is not None else _notations()
    shown = [column for column in table.columns if column.property is not None and column.name != "sources"]
    records: dict[str, dict[str, list[str]]] = {}
    for cls in table.classes:
        kind = _local(cls)
        for row in select_values(store, load_query("table_subjects"), bindings={"class": cls},
                                 timeout=TIMEOUT_S, max_rows=MAX_ROWS):
            record = records.setdefault(row["subject"], defaultdict(list))
            if "kind" not in record:
                record["kind"] = [kind]
        for column in shown:  # one question per column (see table_property_values.rq)
            rows = select_rows(store, load_query("table_property_values"), bindings={"class": cls, "property": column.property},
                               timeout=TIMEOUT_S, max_rows=MAX_ROWS)
            for row in rows:
                _add_value(records[row["subject"]["value"]], column, row["value"], notations)
    if table.claims:
        _add_evidence(store, table, records)
    rows = []
    for subject in sorted(records):
        record = records[subject]
        record["id"] = [subject]
        cells = []
        for column in table.columns:
            values = record.get(column.name, [])
            if column.name not in ("source_titles", "quotes", "locators"):
                values = sorted(values) if column.many else values[:1]
            cells.append(safe_cell(SEPARATOR.join(value.replace(SEPARATOR, "/") for value in values),
                                   numeric=column.datatype in NUMERIC))
        rows.append(cells)
    return rows


def _add_evidence(store: Store, table: Table, records: dict) -> None:
    found: dict[str, dict[str, tuple[str, list[str], list[str]]]] = defaultdict(dict)
    for cls in table.classes:
        for row in select_values(store, load_query("table_evidence"), bindings={"class": cls},
                                 timeout=TIMEOUT_S, max_rows=MAX_ROWS):
            claim, source = row["claim"], row["source"]
            title, quotes, locators = found[claim].get(source, (row.get("title", ""), [], []))
            for name, bucket in (("quote", quotes), ("locator", locators)):
                value = row.get(name)
                if value is not None and value not in bucket:
                    bucket.append(value)
            found[claim][source] = (title, quotes, locators)
    for claim, sources in found.items():
        record = records.setdefault(claim, defaultdict(list))
        ordered = sorted(sources)
        record["sources"] = ordered
        record["source_titles"] = [sources[source][0] for source in ordered]
        record["quotes"] = [quote for source in ordered for quote in sources[source][1]]
        record["locators"] = [locator for source in ordered for locator in sources[source][2]]


def table_csv(store: Store, table: Table, notations: dict[str, str] | None = None) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([column.name for column in table.columns])
    writer.writerows(table_rows(store, table, notations))
    return stream.getvalue().encode("utf-8")


def csvw_metadata(tables: list[Table], *, licence: str, title: str) -> dict:
    """The CSVW table group describing *tables*: the codebook (W3C CSV on the Web)."""
    names = {table.name for table in tables}
    group = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": title,
        "dc:license": {"@id": licence},
        "dc:description": "The coevidence data as tables, one row per record or claim. Generated from the "
                          "ontology and the SHACL shapes: each column is a property the shapes constrain.",
        "tables": [],
    }
    for table in tables:
        schema = {"columns": [column.csvw() for column in table.columns], "primaryKey": "id", "aboutUrl": "{+id}"}
        keys = [
            {"columnReference": column.name, "reference": {"resource": f"{column.references}.csv", "columnReference": "id"}}
            for column in table.columns
            if column.references in names and not column.many and column.required
        ]
        if keys:
            schema["foreignKeys"] = keys
        group["tables"].append({"url": table.file, "dc:title": table.title, "tableSchema": schema})
    return group
