"""Golden files: the fixture sources in, the expected graph out, compared as graphs."""

from __future__ import annotations

import os

from rdflib import BNode, Graph
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import PROV, RDF

from coevidence.ingest.build import build_graph, serialize
from coevidence.ontology import COE

from .conftest import GOLDEN_EXPECTED, GOLDEN_SOURCES


def assert_same_graph(actual: Graph, expected: Graph) -> None:
    iso_actual, iso_expected = to_isomorphic(actual), to_isomorphic(expected)
    if iso_actual == iso_expected:
        return
    _, only_actual, only_expected = graph_diff(iso_actual, iso_expected)
    lines = [f"+ {' '.join(t.n3() for t in triple)}" for triple in sorted(only_actual)]
    lines += [f"- {' '.join(t.n3() for t in triple)}" for triple in sorted(only_expected)]
    raise AssertionError("graphs differ (+ only built, - only expected):\n" + "\n".join(lines[:200]))


def test_golden_sources_build_the_expected_graph():
    built = build_graph([GOLDEN_SOURCES])
    assert built.errors == []
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN_EXPECTED.write_bytes(serialize(built.graph, "turtle"))
    assert_same_graph(built.graph, Graph().parse(GOLDEN_EXPECTED, format="turtle"))


def test_golden_graph_has_no_blank_nodes_and_only_ontology_terms():
    graph = Graph().parse(GOLDEN_EXPECTED, format="turtle")
    assert not any(isinstance(term, BNode) for triple in graph for term in triple)
    coe = str(COE._NS)
    used = {p for p in graph.predicates()} | set(graph.objects(None, RDF.type))
    for term in used:
        if str(term).startswith(coe):
            COE[str(term)[len(coe):]]  # raises AttributeError for a term the ontology lacks


def test_every_record_remembers_its_row_and_build():
    graph = Graph().parse(GOLDEN_EXPECTED, format="turtle")
    rows = list(graph.subjects(RDF.type, COE.SourceRow))
    assert len(rows) == 30  # one per data row of the fixture sources
    for record, row in graph.subject_objects(COE.enteredIn):
        assert graph.value(row, COE.file) is not None and graph.value(row, COE.row) is not None
        assert graph.value(record, PROV.wasGeneratedBy) is not None


def test_the_failure_message_prints_the_difference():
    expected = Graph().parse(GOLDEN_EXPECTED, format="turtle")
    changed = Graph() + expected
    triple = next(iter(changed.triples((None, COE.role, None))))
    changed.remove(triple)
    try:
        assert_same_graph(changed, expected)
    except AssertionError as error:
        assert f"- {triple[0].n3()} {triple[1].n3()} {triple[2].n3()}" in str(error)
    else:  # pragma: no cover - the point of the test
        raise AssertionError("a changed graph compared equal")
