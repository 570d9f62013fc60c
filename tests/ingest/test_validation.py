"""Parallel per-pilot validation, and the faster engine, find exactly what one plain
pySHACL validation of the whole graph finds, bad records included."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import PROV, RDF, RDFS, XSD

from coevidence.ingest.build import build_graph
from coevidence.ingest.synth import write_synthetic
from coevidence.ingest.validation import Triples, assign_owners, plan_chunks, shape_reach, validate_graph
from coevidence.shapes import shapes_graph
from coevidence.ontology import COE, ID
from coevidence.shapes import validate


@pytest.fixture(scope="module")
def synthetic_graph(tmp_path_factory) -> Graph:
    folder = tmp_path_factory.mktemp("synth")
    write_synthetic(folder, pilots=6, seed=3)
    built = build_graph([folder])
    assert built.errors == []
    return built.graph


def damaged(graph: Graph) -> Graph:
    """A copy of *graph* with bad records spread over several pilots and the shared part."""
    bad = Graph() + graph
    claim = ID["exchange/p00001-x1"]
    bad.remove((claim, RDFS.label, None))  # a claim without a label
    bad.add((ID["exchange/p00002-x1"], COE.pilot, ID["organisation/synth-coordinator"]))  # pilot that is not a pilot
    bad.remove((ID["exchange/p00003-x2/evidence/1"], PROV.entity, None))  # evidence without its source
    measure = next(bad.subjects(RDF.type, COE.Measure))
    bad.remove((None, COE.measure, measure))  # a measure no claim points to
    bad.add((ID["context/ctx-fin"], COE.contextStatement, ID["context-statement/ctx-swe-s1"]))  # statement of two contexts
    bad.add((ID["factor/p00004-f1"], COE.pilot, ID["pilot/p00006"]))  # a factor across two chunks
    bad.remove((ID["project/synth"], COE.publication, None))  # a publication no project lists
    row = ID["participation/p00005-pa1/row"]
    bad.set((row, COE.row, Literal(0, datatype=XSD.integer)))  # row number 0
    bad.remove((ID["pilot/p00006"], RDF.type, COE.Pilot))  # claims pointing to a node that lost its type
    return bad


def problem_set(result):
    return sorted(result.problems, key=lambda p: p.sort_key())


def test_pilots_own_their_claims_evidence_rows_and_own_actors(synthetic_graph):
    owner, pilots = assign_owners(Triples.of(synthetic_graph))
    assert pilots == 6
    pilot = owner[ID["pilot/p00002"]]
    actor = next(iter(synthetic_graph.objects(ID["exchange/p00002-x1"], COE.provider)))
    for node in (ID["exchange/p00002-x1"], ID["exchange/p00002-x1/evidence/1"], ID["exchange/p00002-x1/row"], actor, ID["source/p00002-s1"]):
        assert owner[node] == pilot, node
    assert ID["project/synth"] not in owner and ID["source/synth-report"] not in owner  # shared


def test_every_triple_lands_in_the_chunk_of_its_subject(synthetic_graph):
    plan = plan_chunks(Triples.of(synthetic_graph), 3, shape_reach(shapes_graph()))
    assert len(plan.triples) == 3
    for triple in synthetic_graph:
        assert triple in plan.triples[plan.chunk_of.get(triple[0], 0)]


@pytest.mark.parametrize("engine", ["pyshacl", "turbo"])
def test_parallel_validation_finds_the_same_problems_as_one_plain_call(synthetic_graph, engine):
    graph = damaged(synthetic_graph)
    plain = validate(graph)
    assert not plain.conforms and plain.counts()["Violation"] >= 8
    parallel = validate_graph(graph, jobs=2, chunks=4, engine=engine)
    assert problem_set(parallel) == problem_set(plain)
    assert parallel.conforms == plain.conforms


@pytest.mark.parametrize("as_triples", [False, True])
def test_turbo_engine_on_the_whole_graph_matches_pyshacl(synthetic_graph, as_triples):
    graph = damaged(synthetic_graph)
    data = Triples.of(graph) if as_triples else graph
    assert problem_set(validate_graph(data, jobs=1, engine="turbo")) == problem_set(validate(graph))


def test_parallel_validation_of_conforming_data_conforms(synthetic_graph):
    result = validate_graph(synthetic_graph, jobs=2, chunks=3)
    assert result.conforms
    assert problem_set(result) == problem_set(validate(synthetic_graph))


def test_real_cosie_sources_give_the_same_problems_both_ways():
    sources = Path(__file__).parents[2] / "data" / "sources"
    if not any(sources.rglob("*.csv")):
        pytest.skip("the CoSIE sources are not there yet")
    built = build_graph([sources])
    assert built.errors == [], [str(e) for e in built.errors[:5]]
    assert problem_set(validate_graph(built.graph, jobs=2, chunks=4)) == problem_set(validate(built.graph))


def test_a_failing_worker_is_reported_not_ignored(synthetic_graph, monkeypatch):
    from coevidence.ingest.validation import TurboEngine, ValidationFailed

    def broken(self, triples, labels):
        raise RuntimeError("engine broke")

    monkeypatch.setattr(TurboEngine, "problems", broken)
    with pytest.raises(ValidationFailed, match="a validation worker failed"):
        validate_graph(synthetic_graph, jobs=2, chunks=2, engine="turbo")
