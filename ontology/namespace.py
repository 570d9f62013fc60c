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
    Framing: URIRef
    IdentifiedNeed: URIRef
    InformalNetwork: URIRef
    Measure: URIRef
    MethodUse: URIRef
    NationalContext: URIRef
    Network: URIRef
    Organisation: URIRef
    Outcome: URIRef
    Output: URIRef
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
    administrativeTradition: URIRef
    affected: URIRef
    approximate: URIRef
    arisesAtStage: URIRef
    arisesFrom: URIRef
    arisesFromMethod: URIRef
    confidence: URIRef
    contextAspect: URIRef
    contextDimension: URIRef
    contextStatement: URIRef
    coordinator: URIRef
    country: URIRef
    direction: URIRef
    disagreesWith: URIRef
    effect: URIRef
    endDate: URIRef
    enteredIn: URIRef
    evaluationApproach: URIRef
    evaluatorRelation: URIRef
    evidence: URIRef
    evidenceType: URIRef
    factorCategory: URIRef
    file: URIRef
    funder: URIRef
    grantAgreement: URIRef
    groupCategory: URIRef
    groupSize: URIRef
    hardToReach: URIRef
    illustrates: URIRef
    impactLevel: URIRef
    indicator: URIRef
    lasting: URIRef
    ledBy: URIRef
    ledTo: URIRef
    locator: URIRef
    measure: URIRef
    method: URIRef
    nationalContext: URIRef
    numericValue: URIRef
    observedFrom: URIRef
    observedUntil: URIRef
    outcomeType: URIRef
    outputType: URIRef
    partOfProject: URIRef
    participant: URIRef
    participationLevel: URIRef
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
    welfareRegime: URIRef
    wholeProject: URIRef
    workPackageNumber: URIRef
