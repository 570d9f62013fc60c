"""The shapes themselves: they parse, pass SHACL-for-SHACL, and cover the ontology.

Every check here is derived from the ontology, so a class or coded property added to the
ontology without a matching shape makes a test fail.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from coevidence.ontology import COE, COUNTRY, VOCAB, ontology_graph, vocabulary_graph
from coevidence.shapes import SHAPES, SHAPES_FILE, shapes_graph

NS = str(COE._NS)
COUNTRY_SCHEME = URIRef(str(COUNTRY).rstrip("/"))


def ontology_classes() -> list[URIRef]:
    graph = ontology_graph()
    return sorted(c for c in graph.subjects(RDF.type, OWL.Class) if str(c).startswith(NS))


def coded_properties() -> list[URIRef]:
    """Object properties whose values are SKOS concepts: each must be checked against its scheme."""
    graph = ontology_graph()
    return sorted(
        p for p in graph.subjects(RDF.type, OWL.ObjectProperty) if (p, RDFS.range, SKOS.Concept) in graph and str(p).startswith(NS)
    )


def property_shapes(shapes: Graph, path: URIRef) -> list[tuple[URIRef, BNode]]:
    """(node shape, property shape) pairs whose property shape constrains *path*."""
    return [(node, prop) for node, prop in shapes.subject_objects(SH.property) if shapes.value(prop, SH.path) == path]


def superclasses_and_self(graph: Graph, cls: URIRef) -> set[URIRef]:
    return set(graph.transitive_objects(cls, RDFS.subClassOf))


def subclasses_and_self(graph: Graph, cls: URIRef) -> set[URIRef]:
    return set(graph.transitive_subjects(RDFS.subClassOf, cls))


def test_shapes_file_parses_and_ships_with_the_package():
    assert SHAPES_FILE.is_file()
    graph = Graph().parse(SHAPES_FILE, format="turtle")
    assert len(graph) > 500


def test_shapes_pass_shacl_for_shacl():
    shacl_shacl = Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(shapes_graph(), shacl_graph=shacl_shacl, inference="none")
    assert conforms, text


def test_shapes_graph_hands_out_a_fresh_copy():
    first = shapes_graph()
    size = len(first)
    first.remove((None, None, None))
    assert len(shapes_graph()) == size


@pytest.mark.parametrize("cls", ontology_classes(), ids=lambda c: str(c)[len(NS):])
def test_every_class_has_a_shape_named_after_it_that_targets_it(cls):
    shapes = shapes_graph()
    shape = SHAPES[f"{str(cls)[len(NS):]}Shape"]
    assert (shape, RDF.type, SH.NodeShape) in shapes, f"no node shape {shape}"
    assert (shape, SH.targetClass, cls) in shapes, f"{shape} does not target {cls}"


def test_every_property_shape_explains_itself_with_a_message():
    shapes = shapes_graph()
    silent = [
        f"{node} {shapes.value(prop, SH.path)}"
        for node, prop in shapes.subject_objects(SH.property)
        if shapes.value(prop, SH.message) is None
    ]
    assert not silent, f"property shapes without sh:message: {silent}"


def test_every_node_level_constraint_explains_itself_with_a_message():
    shapes = shapes_graph()
    node_level = (SH.nodeKind, SH["or"], SH["class"], SH.datatype)
    silent = [
        str(node)
        for node in shapes.subjects(SH.targetClass, None, unique=True)
        if any(shapes.value(node, p) is not None for p in node_level) and shapes.value(node, SH.message) is None
    ]
    assert not silent, f"node shapes with node-level constraints but no sh:message: {silent}"


def test_messages_are_english_sentences_naming_what_to_fix():
    shapes = shapes_graph()
    for message in shapes.objects(None, SH.message):
        assert message.language == "en", message
        assert message[0].isupper() or message.startswith("coevidence"), message
        assert message.endswith((".", "?")), message


@pytest.mark.parametrize("prop", coded_properties(), ids=lambda p: str(p)[len(NS):])
def test_every_coded_property_is_checked_against_a_scheme(prop):
    shapes = shapes_graph()
    pairs = property_shapes(shapes, prop)
    assert pairs, f"no shape constrains {prop}"
    checked = []
    for node, prop_shape in pairs:
        scheme_shape = shapes.value(prop_shape, SH.node)
        if scheme_shape is None:
            continue
        schemes = [
            shapes.value(inner, SH.hasValue)
            for inner in shapes.objects(scheme_shape, SH.property)
            if shapes.value(inner, SH.path) == SKOS.inScheme
        ]
        assert (scheme_shape, SH["class"], SKOS.Concept) in shapes, scheme_shape
        checked.extend(schemes)
    assert checked, f"{prop} is constrained but never checked against a scheme"
    vocabularies = vocabulary_graph()
    for scheme in checked:
        assert (scheme, RDF.type, SKOS.ConceptScheme) in vocabularies, f"{prop} is checked against {scheme}, which is not a scheme"


@pytest.mark.parametrize(
    "prop, scheme",
    [
        (COE.stage, VOCAB["stage"]),
        (COE.role, VOCAB["role"]),
        (COE.resourceType, VOCAB["resource-type"]),
        (COE.effect, VOCAB["factor-effect"]),
        (COE.illustrates, VOCAB["big-idea"]),
        (COE.country, COUNTRY_SCHEME),
    ],
)
def test_coded_properties_are_checked_against_the_right_scheme(prop, scheme):
    shapes = shapes_graph()
    for _, prop_shape in property_shapes(shapes, prop):
        scheme_shape = shapes.value(prop_shape, SH.node)
        if scheme_shape is None:
            continue
        values = {shapes.value(inner, SH.hasValue) for inner in shapes.objects(scheme_shape, SH.property)}
        assert values == {scheme}, f"{prop} checked against {values}"


def test_every_property_with_a_domain_is_constrained_by_its_class_shape():
    """A property whose rdfs:domain is C is constrained by a shape targeting C, a superclass or a subclass of C."""
    ontology = ontology_graph()
    shapes = shapes_graph()
    missing = []
    for prop, domain in ontology.subject_objects(RDFS.domain):
        if not str(prop).startswith(NS):
            continue
        related = superclasses_and_self(ontology, domain) | subclasses_and_self(ontology, domain)
        targets = {
            target for node, _ in property_shapes(shapes, prop) for target in shapes.objects(node, SH.targetClass)
        }
        if not targets & related:
            missing.append(f"{prop} (domain {domain})")
    assert not missing, f"properties not constrained by the shape of their domain: {missing}"


def test_every_ontology_property_is_constrained_somewhere():
    ontology = ontology_graph()
    shapes = shapes_graph()
    constrained = set(shapes.objects(None, SH.path))
    for prop_shape in shapes.objects(None, SH.property):
        path = shapes.value(prop_shape, SH.path)
        inverse = shapes.value(path, SH.inversePath) if isinstance(path, BNode) else None
        if inverse is not None:
            constrained.add(inverse)
        if isinstance(path, BNode) and shapes.value(path, RDF.first) is not None:
            constrained.update(Collection(shapes, path))
    properties = {
        p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in ontology.subjects(RDF.type, kind) if str(p).startswith(NS)
    }
    assert properties - constrained == set(), f"never constrained: {sorted(properties - constrained)}"


def test_severities_are_violation_or_warning_and_warnings_only_ask_for_more():
    """Warnings mean incomplete data, so a warning shape may only ask for at least one value."""
    shapes = shapes_graph()
    allowed_in_warning = {SH.path, SH.minCount, SH.qualifiedMinCount, SH.qualifiedValueShape, SH.severity, SH.message}
    for shape, severity in shapes.subject_objects(SH.severity):
        assert severity in (SH.Violation, SH.Warning), (shape, severity)
        if severity == SH.Warning:
            used = set(shapes.predicates(shape, None))
            assert used <= allowed_in_warning, f"warning shape {shapes.value(shape, SH.path)} also checks {used - allowed_in_warning}"


@pytest.mark.parametrize(
    "path, expected_warning",
    [
        (COE.service, "No public service"),
        (COE.targetGroup, "No target group"),
        (URIRef("http://xmlns.com/foaf/0.1/page"), "no web address"),
    ],
)
def test_named_incompleteness_is_a_warning(path, expected_warning):
    shapes = shapes_graph()
    warnings = [
        str(shapes.value(prop, SH.message))
        for _, prop in property_shapes(shapes, path)
        if shapes.value(prop, SH.severity) == SH.Warning
    ]
    assert any(expected_warning in message for message in warnings), warnings


def test_shapes_use_shacl_core_only():
    shapes = shapes_graph()
    for predicate in (SH.sparql, SH.select, SH.ask, SH.rule, SH.target):
        assert not list(shapes.subject_objects(predicate)), f"SHACL-SPARQL/AF term {predicate} used"
