"""The ingest format, declared once as data.

A source is a workbook (one sheet per table) or a folder of CSV files (one file per table,
named ``<table>.csv``). Each table below lists its columns: what they hold, whether they are
required, and which SKOS scheme or which other tables a coded or referencing column draws
from. The template writer, the row parser, the mapping to triples and the documentation all
read this module, so none of them can drift from the others.

Conventions shared by every table:

* ``id``: a stable key chosen by the person entering the data: letters, digits, ``-``, ``_``
  and ``.``; unique across all tables of the same *id space* (see :data:`ID_SPACES`). IRIs are
  minted from it, so it must not change once published.
* multi-valued cells separate values with ``;``.
* coded cells hold a concept's notation or its English preferred label (``co-design`` or
  ``co-design``; ``lived-experience`` or ``lived experience``), case and spacing ignored.
* dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
* booleans are ``yes``/``no`` (also ``true``/``false``, ``y``/``n``, ``1``/``0``).
* a reference is a row's id; where the same id is used in two of the tables a column may
  refer to (a finding ``about`` both a pilot and a project called ``x``), write the table
  first: ``pilots:x``.
* in a workbook, sheets whose names start with ``_`` are notes and are not read; a folder
  of CSV files is read with its sub-folders, and may also hold ``.xlsx`` workbooks and RDF
  files (``.ttl``, ``.nt``, ``.jsonld``) that are passed through as they are.
* claim tables carry ``sources`` (keys from the ``sources`` table), and optionally ``quote``
  (the exact passage the claim rests on, in the first source listed), ``locator`` (page,
  section or figure of that passage), ``confidence`` and ``disagrees_with`` (claims the
  sources contradict this one with).

This is format version 2 (ontology 0.2.0): ``pilots.framed_by`` became the ``framings`` table,
outputs and identified needs have tables of their own apart from outcomes, a factor names its
pilots or the whole project, and a resource's provider may be a law, reform or programme or be
left empty. A version-1 column that was removed is reported with what to do instead
(:data:`REMOVED_COLUMNS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    """What a cell holds."""

    ID = "id"  # the row's own key
    TEXT = "text"  # free text
    URL = "url"  # an http(s) URL
    DATE = "date"  # YYYY, YYYY-MM or YYYY-MM-DD
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    CODE = "code"  # a concept of the column's SKOS scheme
    REF = "ref"  # the id of a row in one of the column's tables


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    help: str
    required: bool = False
    multi: bool = False  # several values separated by ";"
    scheme: str | None = None  # for CODE: the scheme key, e.g. "stage" (country: "country")
    refs: tuple[str, ...] = ()  # for REF: the tables the id may come from


@dataclass(frozen=True)
class Table:
    name: str  # sheet name and CSV file stem
    title: str  # what one row is, in words
    help: str
    ontology_class: str  # local name in the coe: namespace
    columns: tuple[Column, ...] = field(default_factory=tuple)
    claim: bool = False  # a claim table: carries sources, quote, locator, confidence

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


#: the claim tables, in the order they appear below
CLAIM_TABLES = ("participations", "exchanges", "method_uses", "outputs", "outcomes", "needs", "factors", "framings", "context_statements", "findings")

# Columns every claim table ends with.
EVIDENCE_COLUMNS: tuple[Column, ...] = (
    Column("sources", Kind.REF, "Keys of the sources this claim rests on (from the sources sheet).", required=True, multi=True, refs=("sources",)),
    Column("quote", Kind.TEXT, "The exact passage of the first source that supports the claim, copied word for word."),
    Column("locator", Kind.TEXT, "Where that passage is in the first source: page, section, table or figure."),
    Column("confidence", Kind.CODE, "How far you trust the sources for this claim: high, medium or low. An inference of yours is low, and its description says so.", scheme="confidence"),
    Column("disagrees_with", Kind.REF, "Other claims that the sources contradict this one with; keep both, each with its own source.", multi=True, refs=CLAIM_TABLES),
)

ID_COL = Column("id", Kind.ID, "A short stable key for this row; never change it once published.", required=True)
DESCRIPTION = Column("description", Kind.TEXT, "A plain-language description, in your own words.")
SOURCES_PLAIN = Column("sources", Kind.REF, "Keys of the sources that describe this record.", multi=True, refs=("sources",))
ACTOR_TABLES = ("organisations", "groups")
#: what a resource may come from: an actor, or a law, reform or programme
PROVIDER_TABLES = (*ACTOR_TABLES, "policy_instruments")

TABLES: tuple[Table, ...] = (
    Table(
        "sources", "a source document", "Every document that claims rest on: reports, articles, books and web pages.", "Source",
        (
            Column("id", Kind.ID, "A short key for the source, such as TU-HU; claims cite it in their sources column.", required=True),
            Column("title", Kind.TEXT, "The document's title.", required=True),
            Column("url", Kind.URL, "Where a reader can open it."),
            Column("publisher", Kind.TEXT, "Who published it."),
            Column("authors", Kind.TEXT, "Its authors, as written on it."),
            Column("date", Kind.DATE, "When it was published."),
            Column("identifier", Kind.TEXT, "A DOI, ISBN or report number, written as doi:..., isbn:... or plain text.", multi=True),
            Column("publication_of", Kind.REF, "The project that published it, if it is one of that project's outputs.", refs=("projects",)),
            DESCRIPTION,
        ),
    ),
    Table(
        "projects", "a project", "Projects that run co-creation pilots.", "Project",
        (
            ID_COL,
            Column("title", Kind.TEXT, "The project's full name.", required=True),
            Column("acronym", Kind.TEXT, "Its short name."),
            DESCRIPTION,
            Column("grant_agreement", Kind.TEXT, "The number of its grant agreement."),
            Column("funder", Kind.TEXT, "Its funding programme."),
            Column("coordinator", Kind.REF, "The organisation that coordinates it.", refs=("organisations",)),
            Column("start_date", Kind.DATE, "When it started."),
            Column("end_date", Kind.DATE, "When it ended."),
            Column("homepage", Kind.URL, "Its website."),
            SOURCES_PLAIN,
        ),
    ),
    Table(
        "organisations", "an organisation", "Organisations taking part in pilots or projects.", "Organisation",
        (
            ID_COL,
            Column("name", Kind.TEXT, "The organisation's name in English (or as it calls itself).", required=True),
            Column("acronym", Kind.TEXT, "Its short name."),
            Column("sector", Kind.CODE, "The sector it belongs to, where the sources say; leave empty rather than guess.", scheme="sector"),
            Column("country", Kind.CODE, "Its country, as a three-letter code (FIN, SWE...).", scheme="country"),
            Column("homepage", Kind.URL, "Its website."),
            Column("partner_of", Kind.REF, "Projects whose consortium it belongs to.", multi=True, refs=("projects",)),
            Column("member_of", Kind.REF, "Networks or committees (rows of the groups sheet of kind network) it belongs to.", multi=True, refs=("groups",)),
            DESCRIPTION,
            SOURCES_PLAIN,
        ),
    ),
    Table(
        "work_packages", "a work package", "The work packages of a project.", "WorkPackage",
        (
            ID_COL,
            Column("project", Kind.REF, "The project it belongs to.", required=True, refs=("projects",)),
            Column("number", Kind.INTEGER, "Its number within the project.", required=True),
            Column("title", Kind.TEXT, "What it covers.", required=True),
            Column("led_by", Kind.REF, "The organisations that lead it.", multi=True, refs=("organisations",)),
            SOURCES_PLAIN,
        ),
    ),
    Table(
        "places", "a place", "Towns, villages, neighbourhoods or regions where pilots ran.", "Place",
        (
            ID_COL,
            Column("name", Kind.TEXT, "The place's name.", required=True),
            Column("country", Kind.CODE, "Its country, as a three-letter code.", required=True, scheme="country"),
            DESCRIPTION,
        ),
    ),
    Table(
        "national_contexts", "a national context", "The setting each country gives to co-creation; its statements go in the context_statements sheet.", "NationalContext",
        (
            ID_COL,
            Column("country", Kind.CODE, "The country, as a three-letter code.", required=True, scheme="country"),
            Column("title", Kind.TEXT, "A title such as 'Co-creation context of Finland'.", required=True),
            DESCRIPTION,
        ),
    ),
    Table(
        "policy_instruments", "a law, reform or programme", "Laws, reforms and programmes that frame services.", "PolicyInstrument",
        (
            ID_COL,
            Column("title", Kind.TEXT, "Its name.", required=True),
            Column("country", Kind.CODE, "The country it applies in.", required=True, scheme="country"),
            Column("date", Kind.DATE, "When it was adopted or took effect."),
            DESCRIPTION,
            SOURCES_PLAIN,
        ),
    ),
    Table(
        "services", "a public service", "The public services pilots co-created, redesigned or added to.", "PublicService",
        (
            ID_COL,
            Column("title", Kind.TEXT, "What the service is, in a few words.", required=True),
            Column("service_area", Kind.CODE, "The field of public services it belongs to.", required=True, scheme="service-area"),
            DESCRIPTION,
            SOURCES_PLAIN,
        ),
    ),
    Table(
        "groups", "a group of people", "Citizen groups, groups of professionals, informal networks and named networks or committees taking part in pilots. Groups only: never enter individual citizens.", "CitizenGroup",
        (
            ID_COL,
            Column("name", Kind.TEXT, "What the group is, in a few words.", required=True),
            Column("kind", Kind.TEXT, "citizen (citizens or service users), professional (professionals or officials), informal-network (relatives, neighbours, volunteers) or network (a named committee or network of organisations and people). A group of several kinds is entered as one group per kind.", required=True),
            Column("category", Kind.CODE, "The kinds of people in the group, for comparison across pilots.", multi=True, scheme="group-category"),
            Column("sector", Kind.CODE, "For a network: the sectors of its members, where the sources name them.", multi=True, scheme="sector"),
            Column("member_of", Kind.REF, "Networks (groups of kind network) this group belongs to.", multi=True, refs=("groups",)),
            Column("hard_to_reach", Kind.BOOLEAN, "yes if the sources describe the group as hard to reach or usually unheard."),
            Column("size", Kind.INTEGER, "How many people or households, where the sources say."),
            DESCRIPTION,
            SOURCES_PLAIN,
        ),
    ),
    Table(
        "pilots", "a pilot", "Co-creation pilots: one row each.", "Pilot",
        (
            ID_COL,
            Column("project", Kind.REF, "The project that ran it, if it was part of one.", refs=("projects",)),
            Column("number", Kind.INTEGER, "Its number in the project's own listing."),
            Column("title", Kind.TEXT, "Its name.", required=True),
            Column("country", Kind.CODE, "The country it ran in.", required=True, scheme="country"),
            Column("places", Kind.REF, "The places it ran in.", multi=True, refs=("places",)),
            Column("service", Kind.REF, "The public service it co-created or reformed.", refs=("services",)),
            Column("context", Kind.REF, "The national context it ran in.", refs=("national_contexts",)),
            Column("target_groups", Kind.REF, "The citizen groups it served or involved.", multi=True, refs=("groups",)),
            Column("stages", Kind.CODE, "The stages of co-creation it covered.", multi=True, scheme="stage"),
            Column("evaluation_approaches", Kind.CODE, "How it was evaluated.", multi=True, scheme="evaluation-approach"),
            Column("big_ideas", Kind.CODE, "CoSIE big ideas it illustrates.", multi=True, scheme="big-idea"),
            Column("start_date", Kind.DATE, "When it started."),
            Column("end_date", Kind.DATE, "When it ended."),
            Column("wave", Kind.TEXT, "The wave it ran in, if the project ran pilots in waves."),
            DESCRIPTION,
            SOURCES_PLAIN,
        ),
    ),
    Table(
        "participations", "a participation", "Who took which role in which pilot, and at which stage.", "Participation",
        (
            ID_COL,
            Column("pilot", Kind.REF, "The pilot.", required=True, refs=("pilots",)),
            Column("actor", Kind.REF, "The organisation or group that took part.", required=True, refs=ACTOR_TABLES),
            Column("role", Kind.CODE, "The role it took.", required=True, scheme="role"),
            Column("stage", Kind.CODE, "The stage of co-creation, if the sources say.", multi=True, scheme="stage"),
            Column("level", Kind.CODE, "How much power the group held, on the IAP2 spectrum: inform, consult, involve, collaborate or empower.", scheme="participation-level"),
            DESCRIPTION,
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "exchanges", "a resource exchange", "Who or what contributed which kind of resource to whom (leave provider empty when the sources name no giver, recipient empty when it went to the pilot as a whole).", "ResourceExchange",
        (
            ID_COL,
            Column("pilot", Kind.REF, "The pilot.", required=True, refs=("pilots",)),
            Column("provider", Kind.REF, "The organisation or group that gave the resource, or the law, reform or programme it came from; empty when the sources name no giver.", refs=PROVIDER_TABLES),
            Column("recipient", Kind.REF, "The organisation or group that received it, where the sources say; empty means the pilot as a whole.", refs=ACTOR_TABLES),
            Column("resource_type", Kind.CODE, "The kind of resource.", required=True, scheme="resource-type"),
            Column("stage", Kind.CODE, "The stage of co-creation, if the sources say.", multi=True, scheme="stage"),
            DESCRIPTION,
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "method_uses", "a method use", "Methods and tools a pilot used, and at which stage.", "MethodUse",
        (
            ID_COL,
            Column("pilot", Kind.REF, "The pilot.", required=True, refs=("pilots",)),
            Column("method", Kind.CODE, "The method or tool.", required=True, scheme="method"),
            Column("stage", Kind.CODE, "The stage of co-creation, if the sources say.", multi=True, scheme="stage"),
            Column("date", Kind.DATE, "When it was used, if it was a single event."),
            Column("led_to", Kind.REF, "Outputs or outcomes the sources say came of it.", multi=True, refs=("outputs", "outcomes")),
            DESCRIPTION,
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "outputs", "an output", "What a pilot produced or did (an app, a book, profiles, a service opened, people enrolled), as distinct from the change it brought.", "Output",
        (
            ID_COL,
            Column("pilot", Kind.REF, "The pilot.", required=True, refs=("pilots",)),
            Column("title", Kind.TEXT, "What was produced, in a few words.", required=True),
            Column("output_type", Kind.CODE, "What kind of thing it is (digital tool, knowledge product, new service, participation...).", multi=True, scheme="outcome-type"),
            Column("stage", Kind.CODE, "The stage of co-creation it came from, if the sources say.", multi=True, scheme="stage"),
            Column("date", Kind.DATE, "When it was produced or opened, if the sources say."),
            DESCRIPTION,
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "outcomes", "an outcome", "A change a pilot brought about, good, null or bad, and the evidence behind it. What it made or did goes in outputs, a need it found in needs.", "Outcome",
        (
            ID_COL,
            Column("pilot", Kind.REF, "The pilot.", required=True, refs=("pilots",)),
            Column("outcome_type", Kind.CODE, "The kind of value concerned.", required=True, multi=True, scheme="outcome-type"),
            Column("direction", Kind.CODE, "positive, no significant change, negative or mixed.", required=True, scheme="direction"),
            Column("value_scope", Kind.CODE, "individual or public value.", scheme="value-scope"),
            Column("impact_level", Kind.CODE, "micro, meso or macro.", scheme="impact-level"),
            Column("evidence_type", Kind.CODE, "The kind of evidence the outcome rests on.", required=True, scheme="evidence-type"),
            Column("evaluator_relation", Kind.CODE, "Who produced that evidence: internal (the pilot or project itself), partner (a consortium partner) or external.", scheme="evaluator-relation"),
            Column("observed_from", Kind.DATE, "When it was observed, or the start of the period, if the sources say."),
            Column("observed_until", Kind.DATE, "The end of the period it was observed over, if the sources say."),
            Column("lasting", Kind.BOOLEAN, "yes if the sources say the change lasted (or was set to last) after the pilot, no if they say it did not; empty if they do not say."),
            Column("big_ideas", Kind.CODE, "CoSIE big ideas it illustrates.", multi=True, scheme="big-idea"),
            DESCRIPTION,
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "needs", "an identified need", "Needs or priorities a pilot found among the people it worked with.", "IdentifiedNeed",
        (
            ID_COL,
            Column("pilot", Kind.REF, "The pilot.", required=True, refs=("pilots",)),
            Column("stage", Kind.CODE, "The stage of co-creation it was found in, if the sources say.", multi=True, scheme="stage"),
            Column("description", Kind.TEXT, "The need, in your own words.", required=True),
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "factors", "a factor", "What enabled or hindered co-creation, in one or more named pilots or in the project as a whole.", "Factor",
        (
            ID_COL,
            Column("pilots", Kind.REF, "The pilots the sources say it was observed in; leave empty when they state it for the project as a whole.", multi=True, refs=("pilots",)),
            Column("project", Kind.REF, "The project, when the sources state the factor for the project as a whole rather than for named pilots (then leave pilots empty).", refs=("projects",)),
            Column("effect", Kind.CODE, "enabling or hindering.", required=True, scheme="factor-effect"),
            Column("category", Kind.CODE, "Its category, for comparison across pilots.", required=True, scheme="factor-category"),
            Column("arises_from", Kind.REF, "The actor, or the law, reform or programme, it came from, where the sources say.", multi=True, refs=PROVIDER_TABLES),
            Column("stage", Kind.CODE, "The stage of co-creation at which it came into play, where the sources say.", multi=True, scheme="stage"),
            Column("method", Kind.CODE, "The method or tool it came from, where the sources say.", multi=True, scheme="method"),
            Column("affected", Kind.REF, "Outcomes it affected, where the sources link them.", multi=True, refs=("outcomes",)),
            Column("big_ideas", Kind.CODE, "CoSIE big ideas it illustrates.", multi=True, scheme="big-idea"),
            Column("description", Kind.TEXT, "The factor, in your own words.", required=True),
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "framings", "a framing", "Laws, reforms or programmes that framed a pilot, each link resting on a source.", "Framing",
        (
            ID_COL,
            Column("pilot", Kind.REF, "The pilot.", required=True, refs=("pilots",)),
            Column("policy", Kind.REF, "The law, reform or programme that framed it.", required=True, refs=("policy_instruments",)),
            DESCRIPTION,
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "context_statements", "a context statement", "Sourced statements about a country's setting for co-creation.", "ContextStatement",
        (
            ID_COL,
            Column("context", Kind.REF, "The national context it describes.", required=True, refs=("national_contexts",)),
            Column("dimension", Kind.CODE, "sociocultural, socio-political or socio-economic.", required=True, scheme="context-dimension"),
            Column("aspect", Kind.CODE, "welfare regime, administrative tradition, laws and reforms, co-creation tradition or economic conditions.", required=True, scheme="context-aspect"),
            Column("policy", Kind.REF, "The law, reform or programme it is about, if any.", multi=True, refs=("policy_instruments",)),
            Column("welfare_regime", Kind.CODE, "For a welfare-regime statement: the regime its source places the country in.", multi=True, scheme="welfare-regime"),
            Column("administrative_tradition", Kind.CODE, "For an administrative-tradition statement: the tradition its source places the country in.", multi=True, scheme="administrative-tradition"),
            Column("description", Kind.TEXT, "The statement, in your own words.", required=True),
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "findings", "a finding", "Any other sourced fact, such as a count or a budget. Keep disagreeing findings side by side, each with its source.", "Finding",
        (
            ID_COL,
            Column("about", Kind.REF, "What the finding is about.", required=True, multi=True, refs=("projects", "pilots", "organisations", "groups", "services", "national_contexts")),
            Column("description", Kind.TEXT, "The finding, in your own words.", required=True),
            *EVIDENCE_COLUMNS,
        ),
        claim=True,
    ),
    Table(
        "measures", "a measure", "Numbers that back a claim: one row per number.", "Measure",
        (
            ID_COL,
            Column("claim", Kind.REF, "The claim the number backs.", required=True, refs=CLAIM_TABLES),
            Column("value", Kind.DECIMAL, "The number.", required=True),
            Column("unit", Kind.TEXT, "What it counts: people, households, projects, euros...", required=True),
            Column("indicator", Kind.TEXT, "What the number measures, such as 'users enrolled'.", required=True),
            Column("approximate", Kind.BOOLEAN, "yes if the source says 'about' or 'more than'."),
        ),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}

#: tables whose ids share one key space (a reference to an actor may name either)
ID_SPACES: tuple[tuple[str, ...], ...] = (ACTOR_TABLES,)

#: the IRI path segment for each table's rows: <ID + segment/id>
IRI_SEGMENTS: dict[str, str] = {
    "sources": "source",
    "projects": "project",
    "organisations": "organisation",
    "work_packages": "work-package",
    "places": "place",
    "national_contexts": "context",
    "policy_instruments": "policy",
    "services": "service",
    "groups": "group",
    "pilots": "pilot",
    "participations": "participation",
    "exchanges": "exchange",
    "method_uses": "method-use",
    "outputs": "output",
    "outcomes": "outcome",
    "needs": "need",
    "factors": "factor",
    "framings": "framing",
    "context_statements": "context-statement",
    "findings": "finding",
    "measures": "measure",
}

#: values of groups.kind -> ontology class
GROUP_KINDS: dict[str, str] = {
    "citizen": "CitizenGroup",
    "professional": "ProfessionalGroup",
    "informal-network": "InformalNetwork",
    "network": "Network",
}

#: columns of format version 1 that version 2 removed or moved: (table, column) -> what to do instead
REMOVED_COLUMNS: dict[tuple[str, str], str] = {
    ("pilots", "framed_by"): "was removed in format version 2: enter each link from a pilot to a law, reform or programme as a row of the framings sheet (pilot, policy, sources), so that it rests on a source",
}
