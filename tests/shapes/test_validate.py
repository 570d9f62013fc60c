"""validate(): the fully described pilot conforms, and small edits of it fail on the
expected shape, path and severity."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
# XSD is reached through the module: a module-level XSD makes pytest's collector warn.
from rdflib import namespace as rdfns
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH

from coevidence.ontology import COE, COUNTRY, ID, OA, VOCAB, ontology_graph, vocabulary_graph
from coevidence.shapes import Problem, ValidationResult, compact, label_of, path_text, validate

NS = str(COE._NS)

PILOT = ID["pilot/uk-my-direction"]
INTERSERVE = ID["participation/uk-interserve"]
MMU_PARTICIPATION = ID["participation/uk-mmu"]
ENABLING_FUND = ID["exchange/uk-enabling-fund"]
REOFFENDING = ID["outcome/uk-reoffending"]
HULL = ID["place/hull"]
CONTEXT = ID["context/gbr"]
TU_UK = ID["source/tu-uk"]
INNOSI = ID["source/innosi"]  # a source no claim cites
REHAB = ID["source/rehab"]
BUILD = ID["build/7467c745d77395da2e5d97d29d0e8be62962ea55461893d1bbb75677f4c1a5e6"]


# ---------------------------------------------------------------------------
# The fully described pilot
# ---------------------------------------------------------------------------


def test_full_pilot_conforms_without_violations_or_warnings(pilot):
    result = validate(pilot)
    assert result.problems == [], "\n".join(map(str, result.problems))
    assert result.conforms
    assert result.counts() == {"Violation": 0, "Warning": 0, "Info": 0}


def test_full_pilot_uses_every_class_of_the_ontology(pilot):
    """Every class is used directly, except the abstract Actor and Claim, used through their subclasses."""
    ontology = ontology_graph()
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(NS)}
    used = set(pilot.objects(None, RDF.type))
    abstract = {COE.Actor, COE.Claim}
    assert classes - abstract - used == set(), f"classes not used by the fixture: {sorted(classes - abstract - used)}"
    for cls in abstract:
        subclasses = set(ontology.transitive_subjects(RDFS.subClassOf, cls)) - {cls}
        assert subclasses <= used, f"subclasses of {cls} not used: {subclasses - used}"


def test_full_pilot_claims_all_carry_sources_and_evidence(pilot):
    claim_classes = {COE.Participation, COE.ResourceExchange, COE.MethodUse, COE.Outcome, COE.Factor, COE.ContextStatement, COE.Finding}
    claims = {s for cls in claim_classes for s in pilot.subjects(RDF.type, cls)}
    assert len(claims) >= 20
    for claim in claims:
        sources = set(pilot.objects(claim, PROV.wasDerivedFrom))
        assert sources, claim
        for source in sources:
            page = pilot.value(source, FOAF.page)
            assert page is not None and str(page).startswith("https://"), source


def test_validate_does_not_change_the_callers_graph(pilot):
    before = Graph()
    before += pilot
    pilot.remove((INTERSERVE, COE.role, None))
    snapshot = Graph()
    snapshot += pilot
    validate(pilot)
    assert isomorphic(pilot, snapshot)
    assert len(pilot) == len(before) - 1


def test_validate_is_deterministic_whatever_the_order_of_parsing(pilot):
    broken = Graph()
    broken += pilot
    broken.remove((INTERSERVE, COE.role, None))
    broken.remove((HULL, COE.country, None))
    broken.remove((TU_UK, FOAF.page, None))
    reparsed = Graph().parse(data=broken.serialize(format="nt"), format="nt")
    first, second = validate(broken), validate(reparsed)
    assert first.problems == second.problems
    assert first.problems == sorted(first.problems, key=Problem.sort_key)
    assert [p.severity for p in first.problems] == sorted((p.severity for p in first.problems), key=["Violation", "Warning", "Info"].index)


def test_without_vocabularies_coded_values_cannot_be_checked_unless_the_data_holds_them(pilot):
    alone = validate(pilot, vocabularies=False)
    assert not alone.conforms
    assert any(p.path == "coe:role" for p in alone.problems)
    with_schemes = pilot + vocabulary_graph()
    assert validate(with_schemes, vocabularies=False).conforms


# ---------------------------------------------------------------------------
# Bad fixtures: small edits of the full pilot
# ---------------------------------------------------------------------------


def remove(*patterns):
    def edit(graph: Graph) -> None:
        for pattern in patterns:
            graph.remove(pattern)

    return edit


def add(*triples):
    def edit(graph: Graph) -> None:
        for triple in triples:
            graph.add(triple)

    return edit


def replace(subject, predicate, new):
    def edit(graph: Graph) -> None:
        graph.remove((subject, predicate, None))
        graph.add((subject, predicate, new))

    return edit


def chain(*edits):
    def edit(graph: Graph) -> None:
        for step in edits:
            step(graph)

    return edit


def drop_records_of(cls: URIRef):
    """Remove every record of *cls*, with its evidence nodes, quotes and measures."""

    def edit(graph: Graph) -> None:
        for record in list(graph.subjects(RDF.type, cls)):
            for measure in list(graph.objects(record, COE.measure)):
                graph.remove((measure, None, None))
            for subject in list(graph.subjects(unique=True)):
                if subject == record or str(subject).startswith(f"{record}/"):
                    graph.remove((subject, None, None))

    return edit


@dataclass(frozen=True)
class Expected:
    severity: str
    shape: str
    path: str | None
    focus: URIRef | None = None


@dataclass(frozen=True)
class Case:
    id: str
    edit: Callable[[Graph], None]
    expected: tuple[Expected, ...]
    conforms: bool = False
    exactly: bool = False  # the expected problems are the only ones


def V(shape: str, path: str | None, focus: URIRef | None = None) -> Expected:
    return Expected("Violation", f"coe-shapes:{shape}", path, focus)


def W(shape: str, path: str | None, focus: URIRef | None = None) -> Expected:
    return Expected("Warning", f"coe-shapes:{shape}", path, focus)


EVIDENCE_1 = URIRef(f"{MMU_PARTICIPATION}/evidence/1")
ORPHAN_EVIDENCE = URIRef(f"{MMU_PARTICIPATION}/evidence/9")
QUOTE = URIRef(f"{ENABLING_FUND}/evidence/1/quote")
ROLE_CO_DESIGNER = VOCAB["role/co-designer"]

FACTOR = ID["factor/uk-policy-upheaval"]
FRAMING = ID["framing/uk-transforming-rehabilitation"]
TRANSFORMING_REHABILITATION = ID["policy/gbr-transforming-rehabilitation"]

CASES = (
    # format version 2: scope, providers, levels, evaluator relations, framings, networks, results
    Case("factor both for pilots and for the whole project", add((FACTOR, COE.wholeProject, ID["project/cosie"])), (V("FactorShape", None, FACTOR),), exactly=True),
    Case("factor for neither pilots nor a project", remove((FACTOR, COE.pilot, None)), (V("FactorShape", None, FACTOR),), exactly=True),
    Case("resource from a place", replace(ENABLING_FUND, COE.provider, HULL), (V("ResourceExchangeShape", "coe:provider", ENABLING_FUND),), exactly=True),
    Case("resource from a programme is fine", replace(ENABLING_FUND, COE.provider, TRANSFORMING_REHABILITATION), (), conforms=True, exactly=True),
    Case("resource whose giver is not named", remove((ENABLING_FUND, COE.provider, None)), (W("ResourceExchangeShape", "coe:provider", ENABLING_FUND),), conforms=True, exactly=True),
    Case(
        "participation level from the stage scheme",
        add((INTERSERVE, COE.participationLevel, VOCAB["stage/co-design"])),
        (V("ParticipationShape", "coe:participationLevel", INTERSERVE),),
        exactly=True,
    ),
    Case(
        "evaluator relation from the direction scheme",
        replace(REOFFENDING, COE.evaluatorRelation, VOCAB["direction/positive"]),
        (V("OutcomeShape", "coe:evaluatorRelation", REOFFENDING),),
        exactly=True,
    ),
    Case("outcome that does not say who evaluated it", remove((REOFFENDING, COE.evaluatorRelation, None)), (W("OutcomeShape", "coe:evaluatorRelation", REOFFENDING),), conforms=True, exactly=True),
    Case("framing without its law", remove((FRAMING, COE.policyInstrument, None)), (V("FramingShape", "coe:policyInstrument", FRAMING),), exactly=True),
    Case(
        "member of an organisation rather than a network",
        add((ID["organisation/r-evolution"], ORG.memberOf, ID["organisation/mmu"])),
        (V("ActorShape", "org:memberOf", ID["organisation/r-evolution"]),),
        exactly=True,
    ),
    Case("method use that led to a place", add((ID["method-use/uk-training"], COE.ledTo, HULL)), (V("MethodUseShape", "coe:ledTo", ID["method-use/uk-training"]),), exactly=True),
    Case("claim disagreeing with a place", add((REOFFENDING, COE.disagreesWith, HULL)), (V("ClaimShape", "coe:disagreesWith", REOFFENDING),), exactly=True),
    Case("participation without role", remove((INTERSERVE, COE.role, None)), (V("ParticipationShape", "coe:role", INTERSERVE),)),
    Case(
        "role from the resource-type scheme",
        replace(INTERSERVE, COE.role, VOCAB["resource-type/money"]),
        (V("ParticipationShape", "coe:role", INTERSERVE),),
        exactly=True,
    ),
    Case(
        "resource type from the role scheme",
        replace(ENABLING_FUND, COE.resourceType, ROLE_CO_DESIGNER),
        (V("ResourceExchangeShape", "coe:resourceType", ENABLING_FUND),),
        exactly=True,
    ),
    Case(
        "resource type that is no concept at all",
        replace(ENABLING_FUND, COE.resourceType, VOCAB["resource-type/goodwill"]),
        (V("ResourceExchangeShape", "coe:resourceType", ENABLING_FUND),),
        exactly=True,
    ),
    Case(
        "claim without source or evidence",
        remove((MMU_PARTICIPATION, PROV.wasDerivedFrom, None), (MMU_PARTICIPATION, COE.evidence, None), (EVIDENCE_1, None, None)),
        (V("ClaimShape", "prov:wasDerivedFrom", MMU_PARTICIPATION), V("ClaimShape", "coe:evidence", MMU_PARTICIPATION)),
    ),
    Case(
        "evidence points at another source than the claim",
        chain(replace(EVIDENCE_1, PROV.entity, REHAB), replace(EVIDENCE_1, OA.hasSource, REHAB)),
        # one problem for the source without evidence, one for the evidence of no source
        (V("ClaimShape", "coe:evidence/prov:entity", MMU_PARTICIPATION), V("ClaimShape", "coe:evidence/prov:entity", MMU_PARTICIPATION)),
        exactly=True,
    ),
    Case(
        "evidence names two different sources",
        replace(EVIDENCE_1, OA.hasSource, REHAB),
        (V("EvidenceShape", "oa:hasSource", EVIDENCE_1), V("EvidenceShape", "oa:hasSource", EVIDENCE_1)),
        exactly=True,
    ),
    Case(
        "literal where an actor IRI is due",
        replace(INTERSERVE, COE.participant, Literal("Interserve")),
        (V("ParticipationShape", "coe:participant", INTERSERVE),),
        exactly=True,
    ),
    Case(
        "participant that is a source, not an actor",
        replace(INTERSERVE, COE.participant, TU_UK),
        (V("ParticipationShape", "coe:participant", INTERSERVE),),
        exactly=True,
    ),
    Case(
        "start date typed as a string",
        replace(PILOT, COE.startDate, Literal("2018", datatype=rdfns.XSD.string)),
        (V("PilotShape", "coe:startDate", PILOT),),
        exactly=True,
    ),
    Case(
        "end date with a month 13",
        replace(PILOT, COE.endDate, Literal("2020-13", datatype=rdfns.XSD.gYearMonth)),
        (V("PilotShape", "coe:endDate", PILOT),),
        exactly=True,
    ),
    Case(
        "pilot in two projects",
        add((PILOT, COE.partOfProject, ID["project/other"]), (ID["project/other"], RDF.type, COE.Project)),
        (V("PilotShape", "coe:partOfProject", PILOT), V("ProjectShape", "dcterms:title", ID["project/other"])),
    ),
    Case(
        "start year that is no year",
        replace(PILOT, COE.startDate, Literal("20x8", datatype=rdfns.XSD.gYear)),
        (V("PilotShape", "coe:startDate", PILOT),),
        exactly=True,
    ),
    Case(
        "date of a method use on 30 February",
        add((ID["method-use/uk-training"], DCTERMS.date, Literal("2019-02-30", datatype=rdfns.XSD.date))),
        (V("MethodUseShape", "dcterms:date", ID["method-use/uk-training"]),),
        exactly=True,
    ),
    Case("pilot without country", remove((PILOT, COE.country, None)), (V("PilotShape", "coe:country", PILOT),), exactly=True),
    Case(
        "place in a country missing from the list",
        replace(HULL, COE.country, COUNTRY["XKX"]),
        (V("PlaceShape", "coe:country", HULL),),
        exactly=True,
    ),
    Case(
        "pilot stage from the role scheme",
        add((PILOT, COE.stage, ROLE_CO_DESIGNER)),
        (V("PilotShape", "coe:stage", PILOT),),
        exactly=True,
    ),
    Case(
        "place of a pilot that is an organisation",
        add((PILOT, COE.place, ID["organisation/mmu"])),
        (V("PilotShape", "coe:place", PILOT),),
        exactly=True,
    ),
    Case(
        "organisation with two sectors",
        add((ID["organisation/mmu"], COE.sector, VOCAB["sector/third-sector"])),
        (V("OrganisationShape", "coe:sector", ID["organisation/mmu"]),),
        exactly=True,
    ),
    Case(
        "homepage written as text",
        replace(ID["organisation/tuas"], FOAF.homepage, Literal("www.tuas.fi")),
        (V("OrganisationShape", "foaf:homepage", ID["organisation/tuas"]),),
        exactly=True,
    ),
    Case(
        "outcome with two directions",
        add((REOFFENDING, COE.direction, VOCAB["direction/positive"])),
        (V("OutcomeShape", "coe:direction", REOFFENDING),),
        exactly=True,
    ),
    Case(
        "outcome without evidence type",
        remove((REOFFENDING, COE.evidenceType, None)),
        (V("OutcomeShape", "coe:evidenceType", REOFFENDING),),
        exactly=True,
    ),
    Case(
        "factor without description",
        remove((ID["factor/uk-policy-upheaval"], DCTERMS.description, None)),
        (V("FactorShape", "dcterms:description", ID["factor/uk-policy-upheaval"]),),
        exactly=True,
    ),
    Case(
        "confidence from the direction scheme",
        replace(REOFFENDING, COE.confidence, VOCAB["direction/positive"]),
        (V("ClaimShape", "coe:confidence", REOFFENDING),),
        exactly=True,
    ),
    Case(
        "finding about nothing",
        remove((ID["finding/cosie-partners"], COE.about, None)),
        (V("FindingShape", "coe:about", ID["finding/cosie-partners"]),),
        exactly=True,
    ),
    Case(
        "finding about a source",
        replace(ID["finding/cosie-partners"], COE.about, TU_UK),
        (V("ClaimShape", "coe:about", ID["finding/cosie-partners"]),),
        exactly=True,
    ),
    Case(
        "context statement of no national context",
        remove((CONTEXT, COE.contextStatement, ID["context-statement/gbr-welfare-regime"])),
        (V("ContextStatementShape", "^coe:contextStatement", ID["context-statement/gbr-welfare-regime"]),),
        exactly=True,
    ),
    Case(
        "context statement without dimension",
        remove((ID["context-statement/gbr-welfare-regime"], COE.contextDimension, None)),
        (V("ContextStatementShape", "coe:contextDimension", ID["context-statement/gbr-welfare-regime"]),),
        exactly=True,
    ),
    Case(
        "exchange from an actor to itself",
        replace(ENABLING_FUND, COE.recipient, ID["organisation/interserve"]),
        (V("ResourceExchangeShape", "coe:provider", ENABLING_FUND),),
        exactly=True,
    ),
    Case(
        "measure stated in words",
        replace(ID["measure/uk-users-enrolled"], COE.numericValue, Literal("sixty")),
        (V("MeasureShape", "coe:numericValue", ID["measure/uk-users-enrolled"]),),
        exactly=True,
    ),
    Case(
        "measure backing no claim",
        remove((REOFFENDING, COE.measure, None), (ID["outcome/uk-enrolment"], COE.measure, None)),
        (V("MeasureShape", "^coe:measure", ID["measure/uk-users-enrolled"]),),
        exactly=True,
    ),
    Case("quote without its passage", remove((QUOTE, OA.exact, None)), (V("TextQuoteSelectorShape", "oa:exact", QUOTE),), exactly=True),
    Case(
        "evidence node of no claim",
        add(
            (ORPHAN_EVIDENCE, RDF.type, COE.Evidence),
            (ORPHAN_EVIDENCE, PROV.entity, TU_UK),
            (ORPHAN_EVIDENCE, OA.hasSource, TU_UK),
        ),
        (V("EvidenceShape", "^coe:evidence", ORPHAN_EVIDENCE),),
        exactly=True,
    ),
    Case(
        "publication no project lists",
        remove((ID["project/cosie"], COE.publication, REHAB)),
        (V("PublicationShape", "^coe:publication", REHAB),),
        exactly=True,
    ),
    Case("source without title", remove((TU_UK, DCTERMS.title, None)), (V("SourceShape", "dcterms:title", TU_UK),), exactly=True),
    Case(
        "work package number written as text",
        replace(ID["work-package/cosie-wp3"], COE.workPackageNumber, Literal("three")),
        (V("WorkPackageShape", "coe:workPackageNumber", ID["work-package/cosie-wp3"]),),
        exactly=True,
    ),
    Case(
        "service without service area",
        remove((ID["service/gbr-probation-low-medium-risk"], COE.serviceArea, None)),
        (V("PublicServiceShape", "coe:serviceArea", ID["service/gbr-probation-low-medium-risk"]),),
        exactly=True,
    ),
    Case(
        "source row 0",
        replace(ID["row/cosie-xlsx/pilots/6"], COE.row, Literal(0)),
        (V("SourceRowShape", "coe:row", ID["row/cosie-xlsx/pilots/6"]),),
        exactly=True,
    ),
    Case(
        "build digest that is no SHA-256",
        replace(BUILD, COE.sourceDigest, Literal("not-a-digest")),
        (V("BuildShape", "coe:sourceDigest", BUILD),),
        exactly=True,
    ),
    Case(
        "record entered in something that is not a row",
        replace(PILOT, COE.enteredIn, TU_UK),
        (V("RecordShape", "coe:enteredIn", PILOT),),
        exactly=True,
    ),
    Case(
        "record named by a blank node",
        add((BNode("somewhere"), RDF.type, COE.Place), (BNode("somewhere"), RDFS.label, Literal("Somewhere")), (BNode("somewhere"), COE.country, COUNTRY["GBR"])),
        (V("RecordShape", None),),
        exactly=True,
    ),
    Case(
        "actor of no concrete kind",
        add((ID["organisation/vague"], RDF.type, COE.Actor), (ID["organisation/vague"], RDFS.label, Literal("Someone"))),
        (V("ActorShape", "rdf:type", ID["organisation/vague"]),),
        exactly=True,
    ),
    Case(
        "claim of no concrete kind",
        add(
            (ID["finding/vague"], RDF.type, COE.Claim),
            (ID["finding/vague"], RDFS.label, Literal("Something")),
            (ID["finding/vague"], PROV.wasDerivedFrom, TU_UK),
            (ID["finding/vague"], COE.evidence, ID["finding/vague/evidence/1"]),
            (ID["finding/vague/evidence/1"], RDF.type, COE.Evidence),
            (ID["finding/vague/evidence/1"], PROV.entity, TU_UK),
            (ID["finding/vague/evidence/1"], OA.hasSource, TU_UK),
            (ID["finding/vague/evidence/1"], COE.locator, Literal("whole page")),
        ),
        (V("ClaimShape", "rdf:type", ID["finding/vague"]),),
        exactly=True,
    ),
    Case(
        "group listing its members",
        add((ID["group/uk-case-managers"], FOAF.member, ID["person/jane"])),
        (V("GroupPrivacyShape", "foaf:member", ID["group/uk-case-managers"]),),
        exactly=True,
    ),
    Case(
        "an individual person",
        add((ID["person/jane"], RDF.type, FOAF.Person)),
        (V("NoPersonShape", "rdf:type", ID["person/jane"]),),
        exactly=True,
    ),
    # Incomplete data: warnings only, and the data still conforms.
    Case(
        "pilot without outcomes",
        drop_records_of(COE.Outcome),
        (W("PilotShape", "^coe:pilot", PILOT),),
        conforms=True,
        exactly=True,
    ),
    Case(
        "pilot without factors or method uses",
        chain(drop_records_of(COE.Factor), drop_records_of(COE.MethodUse)),
        (W("PilotShape", "^coe:pilot", PILOT), W("PilotShape", "^coe:pilot", PILOT)),
        conforms=True,
        exactly=True,
    ),
    Case("pilot without service", remove((PILOT, COE.service, None)), (W("PilotShape", "coe:service", PILOT),), conforms=True, exactly=True),
    Case(
        "pilot without target group",
        remove((PILOT, COE.targetGroup, None)),
        (W("PilotShape", "coe:targetGroup", PILOT),),
        conforms=True,
        exactly=True,
    ),
    Case(
        "claim with evidence but no quote or locator",
        remove((EVIDENCE_1, COE.locator, None)),
        (W("ClaimShape", "coe:evidence", MMU_PARTICIPATION),),
        conforms=True,
        exactly=True,
    ),
    Case("source without web address", remove((INNOSI, FOAF.page, None)), (W("SourceShape", "foaf:page", INNOSI),), conforms=True, exactly=True),
    Case("claim resting on a source without web address", remove((TU_UK, FOAF.page, None)), (V("ClaimShape", "prov:wasDerivedFrom", ENABLING_FUND),)),
    Case(
        "national context without statements",
        add((ID["context/fin"], RDF.type, COE.NationalContext), (ID["context/fin"], RDFS.label, Literal("Finland")), (ID["context/fin"], COE.country, COUNTRY["FIN"])),
        (W("NationalContextShape", "coe:contextStatement", ID["context/fin"]),),
        conforms=True,
        exactly=True,
    ),
    Case(
        "outcome without measure is fine",
        remove((REOFFENDING, COE.measure, None)),
        (),
        conforms=True,
        exactly=True,
    ),
)


def found(problem: Problem) -> Expected:
    return Expected(problem.severity, problem.shape, problem.path, URIRef(problem.focus) if not problem.focus.startswith("_:") else None)


def matches(expected: Expected, problem: Problem) -> bool:
    return (
        problem.severity == expected.severity
        and problem.shape == expected.shape
        and problem.path == expected.path
        and (expected.focus is None or problem.focus == str(expected.focus))
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_fixture_fails_on_the_expected_shape_and_path(pilot, case):
    case.edit(pilot)
    result = validate(pilot)
    report = "\n".join(f"{p.severity} {p.shape} {p.path} {p.focus}: {p.message} [{p.value}]" for p in result.problems)
    for expected in case.expected:
        assert any(matches(expected, p) for p in result.problems), f"expected {expected}, found:\n{report}"
    assert result.conforms is case.conforms, report
    if case.exactly:
        assert len(result.problems) == len(case.expected), f"expected only {case.expected}, found:\n{report}"


def test_problem_carries_label_value_and_message(pilot):
    pilot.remove((INTERSERVE, COE.role, None))
    pilot.add((INTERSERVE, COE.role, VOCAB["resource-type/money"]))
    (problem,) = validate(pilot).problems
    assert problem == Problem(
        focus=str(INTERSERVE),
        focus_label="Interserve as service provider in My Direction",
        path="coe:role",
        message="A participation must name the role the actor took (coe:role), from the role scheme.",
        severity="Violation",
        shape="coe-shapes:ParticipationShape",
        value="coev:resource-type/money",
    )


def test_literal_values_are_quoted_with_their_datatype(pilot):
    pilot.remove((PILOT, COE.startDate, None))
    pilot.add((PILOT, COE.startDate, Literal("spring 2018", datatype=rdfns.XSD.token)))
    (problem,) = validate(pilot).problems
    assert problem.value == '"spring 2018"^^xsd:token'


# ---------------------------------------------------------------------------
# The result object
# ---------------------------------------------------------------------------


@pytest.fixture
def mixed_result(pilot) -> ValidationResult:
    """Two violations and two warnings."""
    pilot.remove((INTERSERVE, COE.role, None))
    pilot.remove((HULL, COE.country, None))
    pilot.remove((INNOSI, FOAF.page, None))
    pilot.remove((PILOT, COE.service, None))
    return validate(pilot)


def test_counts_and_conformance(mixed_result):
    assert mixed_result.counts() == {"Violation": 2, "Warning": 2, "Info": 0}
    assert not mixed_result.conforms
    assert [p.severity for p in mixed_result.problems] == ["Violation", "Violation", "Warning", "Warning"]


def test_to_json_round_trips_the_problems(mixed_result):
    document = json.loads(mixed_result.to_json())
    assert document["conforms"] is False
    assert document["counts"] == mixed_result.counts()
    assert [Problem(**p) for p in document["problems"]] == mixed_result.problems


def test_to_turtle_is_the_shacl_report(mixed_result):
    report = Graph().parse(data=mixed_result.to_turtle(), format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    results = list(report.objects(node, SH.result))
    assert len(results) == 4
    severities = sorted(str(report.value(r, SH.resultSeverity)) for r in results)
    assert severities == sorted([str(SH.Violation)] * 2 + [str(SH.Warning)] * 2)
    assert {str(report.value(r, SH.focusNode)) for r in results} == {str(INTERSERVE), str(HULL), str(INNOSI), str(PILOT)}


def test_only_keeps_the_chosen_severities_in_problems_and_report(mixed_result):
    violations = mixed_result.only("Violation")
    assert violations.conforms is False
    assert violations.counts() == {"Violation": 2, "Warning": 0, "Info": 0}
    report = Graph().parse(data=violations.to_turtle(), format="turtle")
    severities = set(report.objects(None, SH.resultSeverity))
    assert severities == {SH.Violation}
    with pytest.raises(ValueError):
        mixed_result.only("Error")


# ---------------------------------------------------------------------------
# Writing terms for people
# ---------------------------------------------------------------------------


def test_label_of_prefers_label_then_title_then_iri_segment():
    graph = Graph()
    a, b, c = ID["pilot/a"], ID["pilot/b"], ID["outcome/x/evidence/3"]
    graph.add((a, RDFS.label, Literal("Label A", lang="fi")))
    graph.add((a, RDFS.label, Literal("Label A", lang="en")))
    graph.add((a, DCTERMS.title, Literal("Title A")))
    graph.add((b, DCTERMS.title, Literal("Title B")))
    assert label_of(graph, a) == "Label A"
    assert label_of(graph, b) == "Title B"
    assert label_of(graph, c) == "3"


def test_compact_uses_project_prefixes_and_falls_back_to_the_full_iri():
    assert compact(COE.role) == "coe:role"
    assert compact(VOCAB["stage/co-design"]) == "coev:stage/co-design"
    assert compact(URIRef("http://example.org/x")) == "<http://example.org/x>"


def test_path_text_writes_sparql_property_paths():
    graph = Graph()
    inverse, sequence, alternative, star = BNode(), BNode(), BNode(), BNode()
    graph.add((inverse, SH.inversePath, COE.pilot))
    from rdflib.collection import Collection

    Collection(graph, sequence, [COE.evidence, PROV.entity])
    members = BNode()
    Collection(graph, members, [COE.stage, inverse])
    graph.add((alternative, SH.alternativePath, members))
    graph.add((star, SH.zeroOrMorePath, COE.partOfProject))
    assert path_text(graph, COE.role) == "coe:role"
    assert path_text(graph, inverse) == "^coe:pilot"
    assert path_text(graph, sequence) == "coe:evidence/prov:entity"
    assert path_text(graph, alternative) == "coe:stage|^coe:pilot"
    assert path_text(graph, star) == "coe:partOfProject*"
