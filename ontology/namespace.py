"""The coevidence ontology as a closed rdflib namespace.

Every term here is declared in ontology/coevidence.ttl and a test keeps the two in step:
a misspelt term raises AttributeError instead of minting a wrong IRI.
"""

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef


class COE(DefinedNamespace):
    """coevidence ontology terms (prefix ``coe:``)."""

    _NS = Namespace("https://w3id.org/coevidence/ontology#")
    _fail = True

    # classes
    Actor: URIRef
    Build: URIRef
    CitizenGroup: URIRef
    Claim: URIRef
    ContextStatement: URIRef
    Evidence: URIRef
    Factor: URIRef
    Finding: URIRef
    InformalNetwork: URIRef
    Measure: URIRef
    MethodUse: URIRef
    NationalContext: URIRef
    Organisation: URIRef
    Outcome: URIRef
    Participation: URIRef
    Pilot: URIRef
    Place: URIRef
    PolicyInstrument: URIRef
    ProfessionalGroup: URIRef
    Project: URIRef
    PublicService: URIRef
    Publication: URIRef
    ResourceExchange: URIRef
    Source: URIRef
    SourceRow: URIRef
    WorkPackage: URIRef

    # properties
    about: URIRef
    approximate: URIRef
    confidence: URIRef
    contextAspect: URIRef
    contextDimension: URIRef
    contextStatement: URIRef
    coordinator: URIRef
    country: URIRef
    direction: URIRef
    effect: URIRef
    endDate: URIRef
    enteredIn: URIRef
    evaluationApproach: URIRef
    evidence: URIRef
    evidenceType: URIRef
    factorCategory: URIRef
    file: URIRef
    framedBy: URIRef
    funder: URIRef
    grantAgreement: URIRef
    groupCategory: URIRef
    groupSize: URIRef
    hardToReach: URIRef
    illustrates: URIRef
    impactLevel: URIRef
    indicator: URIRef
    ledBy: URIRef
    locator: URIRef
    measure: URIRef
    method: URIRef
    nationalContext: URIRef
    numericValue: URIRef
    outcomeType: URIRef
    partOfProject: URIRef
    participant: URIRef
    partner: URIRef
    pilot: URIRef
    pilotNumber: URIRef
    place: URIRef
    policyInstrument: URIRef
    provider: URIRef
    publication: URIRef
    recipient: URIRef
    resourceType: URIRef
    role: URIRef
    row: URIRef
    sector: URIRef
    service: URIRef
    serviceArea: URIRef
    sheet: URIRef
    softwareVersion: URIRef
    sourceDigest: URIRef
    sourceKey: URIRef
    stage: URIRef
    startDate: URIRef
    targetGroup: URIRef
    unit: URIRef
    valueScope: URIRef
    wave: URIRef
    workPackageNumber: URIRef
