"""The ontology and its vocabularies: they parse, every term is documented, and the
Python namespace cannot drift from the Turtle."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from coevidence.ontology import COE, ONTOLOGY_FILE, VOCAB, VOCABULARIES_FILE, ontology_graph, vocabulary_graph

NS = str(COE._NS)


def own_terms(graph: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {s for kind in kinds for s in graph.subjects(RDF.type, kind) if str(s).startswith(NS)}


def test_ontology_has_version_licence_and_metadata():
    graph = ontology_graph()
    ontology = URIRef("https://w3id.org/coevidence/ontology")
    assert (ontology, RDF.type, OWL.Ontology) in graph
    for predicate in (OWL.versionIRI, URIRef("http://purl.org/dc/terms/license"), URIRef("http://purl.org/dc/terms/title")):
        assert graph.value(ontology, predicate) is not None, predicate


@pytest.mark.parametrize("predicate", [RDFS.label, RDFS.comment])
def test_every_term_is_labelled_and_commented_in_english(predicate):
    graph = ontology_graph()
    missing = sorted(
        str(term)[len(NS):]
        for term in own_terms(graph)
        if not any(getattr(value, "language", None) == "en" for value in graph.objects(term, predicate))
    )
    assert not missing, f"terms without an English {predicate.n3()}: {missing}"


def test_namespace_object_matches_the_turtle_exactly():
    declared = {str(term)[len(NS):] for term in own_terms(ontology_graph())}
    in_python = set(COE.__annotations__)
    assert declared - in_python == set(), f"declared in Turtle but missing from COE: {sorted(declared - in_python)}"
    assert in_python - declared == set(), f"in COE but not declared in Turtle: {sorted(in_python - declared)}"


def test_namespace_object_refuses_unknown_terms():
    with pytest.raises(AttributeError):
        COE.Pilott  # noqa: B018 - the typo is the point


def test_every_object_property_range_or_domain_is_a_declared_class_or_reused_term():
    graph = ontology_graph()
    for term in own_terms(graph):
        for predicate in (RDFS.domain, RDFS.range):
            for value in graph.objects(term, predicate):
                if str(value).startswith(NS):
                    assert (value, RDF.type, OWL.Class) in graph, f"{term} {predicate.n3()} {value} is not a declared class"


def test_every_concept_has_label_definition_notation_and_one_scheme():
    graph = vocabulary_graph()
    concepts = [c for c in graph.subjects(RDF.type, SKOS.Concept) if str(c).startswith(str(VOCAB))]
    assert len(concepts) > 100
    for concept in concepts:
        schemes = list(graph.objects(concept, SKOS.inScheme))
        assert len(schemes) == 1, concept
        assert (schemes[0], RDF.type, SKOS.ConceptScheme) in graph
        assert str(concept).startswith(str(schemes[0]) + "/"), f"{concept} is not under its scheme {schemes[0]}"
        assert graph.value(concept, SKOS.prefLabel) is not None, concept
        assert graph.value(concept, SKOS.definition) is not None, concept
        assert graph.value(concept, SKOS.notation) is not None, concept


@pytest.mark.parametrize(
    "scheme, notations",
    [
        ("stage", {"co-initiation", "co-design", "co-implementation", "co-evaluation"}),
        ("resource-type", {"idea", "lived-experience", "expertise", "time", "money", "data", "space", "technology", "network"}),
        ("method", {"living-lab", "community-reporting", "hackathon", "design-thinking", "open-space", "focus-group", "action-learning-set", "social-media-analytics"}),
        ("direction", {"positive", "no-significant-change", "negative"}),
        ("factor-effect", {"enabling", "hindering"}),
        ("context-dimension", {"sociocultural", "socio-political", "socio-economic"}),
        ("big-idea", {"strengths-based", "moral-endeavour", "role-of-technology", "role-of-professionals", "scaling-up", "challenges-for-evaluators", "options-for-evaluating"}),
    ],
)
def test_schemes_hold_the_concepts_the_issues_name(scheme, notations):
    graph = vocabulary_graph()
    present = {str(n) for c in graph.subjects(SKOS.inScheme, VOCAB[scheme]) for n in graph.objects(c, SKOS.notation)}
    assert notations <= present, f"missing from {scheme}: {sorted(notations - present)}"


def test_big_ideas_are_grouped_under_conceptualising_implementing_evidencing():
    graph = vocabulary_graph()
    tops = set(graph.objects(VOCAB["big-idea"], SKOS.hasTopConcept))
    assert tops == {VOCAB["big-idea/conceptualising"], VOCAB["big-idea/implementing"], VOCAB["big-idea/evidencing"]}
    for concept in graph.subjects(SKOS.inScheme, VOCAB["big-idea"]):
        if concept not in tops:
            assert graph.value(concept, SKOS.broader) in tops, concept


def test_service_areas_map_to_cofog_groups():
    graph = vocabulary_graph()
    for area in graph.subjects(SKOS.inScheme, VOCAB["service-area"]):
        matches = list(graph.objects(area, SKOS.closeMatch))
        assert matches, f"{area} has no COFOG match"
        for match in matches:
            assert (match, SKOS.inScheme, VOCAB["cofog"]) in graph


def test_turtle_files_are_in_the_installed_package():
    assert ONTOLOGY_FILE.is_file() and VOCABULARIES_FILE.is_file()
