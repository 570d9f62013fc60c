"""Map parsed records to triples: ontology terms only, deterministic IRIs, provenance.

Which predicate each column becomes is declared once, in :data:`PREDICATES`; the few columns
that need more than one triple (titles, sources, quotes, inverse links) are handled by name
below. Every IRI is minted from a table and a key (:func:`coevidence.ingest.records.mint_iri`)
or from another IRI, so rebuilding the same sources gives the same graph.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD

from coevidence.ingest.records import PartialDate, Record, Ref, Vocabularies
from coevidence.ingest.tables import GROUP_KINDS, TABLES_BY_NAME
from coevidence.ontology import COE, ID, OA

#: column -> predicate, per table, for the columns that map to one triple each
PREDICATES: dict[str, dict[str, URIRef]] = {
    "sources": {
        "url": FOAF.page, "publisher": DCTERMS.publisher, "authors": DCTERMS.creator, "date": DCTERMS.issued,
        "identifier": DCTERMS.identifier, "description": DCTERMS.description,
    },
    "projects": {
        "description": DCTERMS.description, "grant_agreement": COE.grantAgreement, "funder": COE.funder,
        "coordinator": COE.coordinator, "start_date": COE.startDate, "end_date": COE.endDate, "homepage": FOAF.homepage,
    },
    "organisations": {"sector": COE.sector, "country": COE.country, "homepage": FOAF.homepage, "member_of": ORG.memberOf, "description": DCTERMS.description},
    "work_packages": {"project": COE.partOfProject, "number": COE.workPackageNumber, "led_by": COE.ledBy},
    "places": {"country": COE.country, "description": DCTERMS.description},
    "national_contexts": {"country": COE.country, "description": DCTERMS.description},
    "policy_instruments": {"country": COE.country, "date": DCTERMS.date, "description": DCTERMS.description},
    "services": {"service_area": COE.serviceArea, "description": DCTERMS.description},
    "groups": {
        "category": COE.groupCategory, "sector": COE.sector, "member_of": ORG.memberOf, "hard_to_reach": COE.hardToReach, "size": COE.groupSize,
        "description": DCTERMS.description,
    },
    "pilots": {
        "project": COE.partOfProject, "number": COE.pilotNumber, "country": COE.country, "places": COE.place,
        "service": COE.service, "context": COE.nationalContext, "target_groups": COE.targetGroup,
        "stages": COE.stage, "evaluation_approaches": COE.evaluationApproach, "big_ideas": COE.illustrates,
        "start_date": COE.startDate, "end_date": COE.endDate, "wave": COE.wave, "description": DCTERMS.description,
    },
    "participations": {
        "pilot": COE.pilot, "actor": COE.participant, "role": COE.role, "stage": COE.stage, "level": COE.participationLevel,
        "description": DCTERMS.description,
    },
    "exchanges": {
        "pilot": COE.pilot, "provider": COE.provider, "recipient": COE.recipient, "resource_type": COE.resourceType,
        "stage": COE.stage, "description": DCTERMS.description,
    },
    "method_uses": {
        "pilot": COE.pilot, "method": COE.method, "stage": COE.stage, "date": DCTERMS.date, "led_to": COE.ledTo, "description": DCTERMS.description,
    },
    "outputs": {"pilot": COE.pilot, "output_type": COE.outputType, "stage": COE.stage, "date": DCTERMS.date, "description": DCTERMS.description},
    "outcomes": {
        "pilot": COE.pilot, "outcome_type": COE.outcomeType, "direction": COE.direction, "value_scope": COE.valueScope,
        "impact_level": COE.impactLevel, "evidence_type": COE.evidenceType, "evaluator_relation": COE.evaluatorRelation,
        "observed_from": COE.observedFrom, "observed_until": COE.observedUntil, "lasting": COE.lasting, "big_ideas": COE.illustrates,
        "description": DCTERMS.description,
    },
    "needs": {"pilot": COE.pilot, "stage": COE.stage, "description": DCTERMS.description},
    "factors": {
        "pilots": COE.pilot, "project": COE.wholeProject, "effect": COE.effect, "category": COE.factorCategory, "arises_from": COE.arisesFrom,
        "stage": COE.arisesAtStage, "method": COE.arisesFromMethod, "affected": COE.affected, "big_ideas": COE.illustrates,
        "description": DCTERMS.description,
    },
    "framings": {"pilot": COE.pilot, "policy": COE.policyInstrument, "description": DCTERMS.description},
    "context_statements": {
        "dimension": COE.contextDimension, "aspect": COE.contextAspect, "policy": COE.policyInstrument, "welfare_regime": COE.welfareRegime,
        "administrative_tradition": COE.administrativeTradition, "description": DCTERMS.description,
    },
    "findings": {"about": COE.about, "description": DCTERMS.description},
    "measures": {"value": COE.numericValue, "unit": COE.unit, "indicator": COE.indicator, "approximate": COE.approximate},
}

#: tables whose title column is also the entity's dcterms:title
TITLED = {"sources", "projects", "work_packages", "policy_instruments", "services", "pilots"}

#: column -> (predicate, subject is the referenced row): the link is stated on the other side
INVERSE: dict[tuple[str, str], URIRef] = {
    ("organisations", "partner_of"): COE.partner,
    ("sources", "publication_of"): COE.publication,
    ("context_statements", "context"): COE.contextStatement,
    ("measures", "claim"): COE.measure,
}

DATE_TYPES = {"year": XSD.gYear, "month": XSD.gYearMonth, "day": XSD.date}


def column_predicate(table: str, column: str) -> URIRef | None:
    """The predicate a column becomes (for documentation such as the template's help)."""
    if column in ("title", "name"):
        return RDFS.label
    if column == "acronym":
        return SKOS.altLabel
    if column == "sources":
        return PROV.wasDerivedFrom
    if column == "quote":
        return OA.exact
    if column == "locator":
        return COE.locator
    if column == "confidence":
        return COE.confidence
    if column == "disagrees_with":
        return COE.disagreesWith
    return PREDICATES.get(table, {}).get(column) or INVERSE.get((table, column))


def literal(value: object) -> Literal | URIRef:
    """The RDF term for one parsed cell value."""
    if isinstance(value, Ref):
        return value.iri
    if isinstance(value, URIRef):
        return value
    if isinstance(value, PartialDate):
        return Literal(value.text, datatype=DATE_TYPES[value.precision])
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, Decimal):
        text = format(value, "f")  # the canonical form, as Turtle writes it back: 40 -> "40.0"
        return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)
    return Literal(str(value))


def build_iri(digest: str) -> URIRef:
    """The IRI of a build, minted from the digest of its sources."""
    return ID[f"build/{digest}"]


def add_build(sink: list, digest: str, version: str) -> URIRef:
    """Append the triples of the build node to *sink*; return its IRI."""
    build = build_iri(digest)
    sink.append((build, RDF.type, COE.Build))
    sink.append((build, RDFS.label, Literal(f"build {digest[:12]} by coevidence {version}")))
    sink.append((build, COE.softwareVersion, Literal(version)))
    sink.append((build, COE.sourceDigest, Literal(digest)))
    return build


class Mapper:
    """Turns records into triples appended to one list; labels of claims name what they link."""

    def __init__(self, records: list[Record], vocabularies: Vocabularies, build: URIRef, sink: list):
        self.vocabularies = vocabularies
        self.build = build
        self.emit = sink.append
        self.by_key: dict[tuple[str, str], Record] = {(r.table, r.key): r for r in records}

    # -- labels ------------------------------------------------------------

    def name_of(self, value: object) -> str:
        if isinstance(value, Ref):
            record = self.by_key.get((value.table, value.key))
            if record is None:
                return value.key
            return str(record.get("title") or record.get("name") or self.claim_label(record) or record.key)
        if isinstance(value, URIRef):
            return self.vocabularies.label(value)
        return str(value)

    def names(self, record: Record, column: str) -> str:
        return ", ".join(self.name_of(v) for v in record.many(column))

    def claim_label(self, record: Record) -> str | None:
        def short(text: object) -> str:
            text = " ".join(str(text or "").split())
            return text if len(text) <= 80 else text[:79].rstrip() + "\u2026"

        match record.table:
            case "participations":
                return f"{self.names(record, 'actor')} as {self.names(record, 'role')} in {self.names(record, 'pilot')}"
            case "exchanges":
                to = self.names(record, "recipient") or self.names(record, "pilot")
                giver = self.names(record, "provider") or "a giver the sources do not name"
                return f"{self.names(record, 'resource_type')} from {giver} to {to}"
            case "method_uses":
                return f"{self.names(record, 'method')} in {self.names(record, 'pilot')}"
            case "outputs":
                return f"{short(record.get('title'))} (output of {self.names(record, 'pilot')})"
            case "needs":
                return f"need found in {self.names(record, 'pilot')}: {short(record.get('description'))}"
            case "framings":
                return f"{self.names(record, 'pilot')} framed by {self.names(record, 'policy')}"
            case "outcomes":
                return f"{self.names(record, 'direction')} outcome ({self.names(record, 'outcome_type')}) of {self.names(record, 'pilot')}"
            case "factors":
                return f"{self.names(record, 'effect')} factor ({self.names(record, 'category')}): {short(record.get('description'))}"
            case "context_statements":
                return f"{self.names(record, 'aspect')} of {self.names(record, 'context')}: {short(record.get('description'))}"
            case "findings":
                return short(record.get("description"))
            case "measures":
                return f"{record.get('value')} {record.get('unit')} ({record.get('indicator')})"
        return None

    # -- triples -----------------------------------------------------------

    def add(self, record: Record) -> None:
        g = self.emit
        table = TABLES_BY_NAME[record.table]
        subject = record.iri
        kind = record.get("kind")
        cls = GROUP_KINDS[kind] if record.table == "groups" and kind else table.ontology_class
        g((subject, RDF.type, COE[cls]))
        if record.table == "sources" and record.get("publication_of") is not None:
            g((subject, RDF.type, COE.Publication))
        if record.table == "sources":
            g((subject, COE.sourceKey, Literal(record.key)))
        label = (self.claim_label(record) if record.table == "outputs" else None) or record.get("title") or record.get("name") or self.claim_label(record) or record.key
        g((subject, RDFS.label, Literal(str(label))))
        if record.table in TITLED:
            g((subject, DCTERMS.title, Literal(str(record.get("title")))))
        if record.get("acronym"):
            g((subject, SKOS.altLabel, Literal(str(record.get("acronym")))))
        for column, predicate in PREDICATES.get(record.table, {}).items():
            for value in record.many(column):
                obj = literal(value)
                if predicate in (FOAF.page, FOAF.homepage):
                    obj = URIRef(str(value))
                g((subject, predicate, obj))
        for (table_name, column), predicate in INVERSE.items():
            if table_name == record.table:
                for value in record.many(column):
                    g((literal(value), predicate, subject))
        self.add_sources(record, subject, claim=table.claim)
        row = URIRef(f"{subject}/row")
        g((subject, COE.enteredIn, row))
        g((row, RDF.type, COE.SourceRow))
        g((row, COE.file, Literal(record.origin.name)))
        g((row, COE.sheet, Literal(record.origin.sheet)))
        g((row, COE.row, Literal(record.origin.row, datatype=XSD.integer)))
        g((subject, PROV.wasGeneratedBy, self.build))

    def add_sources(self, record: Record, subject: URIRef, claim: bool) -> None:
        g = self.emit
        sources = record.many("sources")
        for source in sources:
            g((subject, PROV.wasDerivedFrom, source.iri))
        if not claim:
            return
        for n, source in enumerate(sources, start=1):
            evidence = URIRef(f"{subject}/evidence/{n}")
            g((subject, COE.evidence, evidence))
            g((evidence, RDF.type, COE.Evidence))
            g((evidence, PROV.entity, source.iri))
            g((evidence, OA.hasSource, source.iri))
            if n == 1:
                if record.get("quote"):
                    selector = URIRef(f"{evidence}/quote")
                    g((evidence, OA.hasSelector, selector))
                    g((selector, RDF.type, OA.TextQuoteSelector))
                    g((selector, OA.exact, Literal(str(record.get("quote")))))
                if record.get("locator"):
                    g((evidence, COE.locator, Literal(str(record.get("locator")))))
        if record.get("confidence") is not None:
            g((subject, COE.confidence, record.get("confidence")))
        for other in record.many("disagrees_with"):  # symmetric: stated on both sides
            g((subject, COE.disagreesWith, other.iri))
            g((other.iri, COE.disagreesWith, subject))


def map_records(records: list[Record], vocabularies: Vocabularies, build: URIRef, sink: list | None = None, progress=None) -> list:
    """Append the triples of *records* to *sink* (a new list by default) and return it.

    Triples are plain tuples (an rdflib graph is built only to write them out), appended in
    record order. ``progress`` (optional) is called with the number of records done, every
    thousand records.
    """
    sink = [] if sink is None else sink
    mapper = Mapper(records, vocabularies, build, sink)
    for done, record in enumerate(records, start=1):
        mapper.add(record)
        if progress is not None and done % 1000 == 0:
            progress(1000)
    if progress is not None and len(records) % 1000:
        progress(len(records) % 1000)
    return sink
