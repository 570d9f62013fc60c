"""A real Virtuoso open-source server for the remote-store tests.

Import the fixture explicitly in the test module that needs it (one module only: pytest
would start one server per module that imports a session fixture)::

    from tests.server.virtuoso import virtuoso  # noqa: F401

``virtuoso`` (session-scoped) starts one server on loopback with its files in a temporary
folder (see :class:`coevidence.bench.virtuoso.LocalVirtuoso`), loads :func:`fixture_graph`
into :data:`FIXTURE_GRAPH`, a one-triple graph into :data:`OTHER_GRAPH` and, where the
bundled ``data/cosie.ttl`` exists, the embedded store's files (the data, the ontology, the
vocabularies) into the same named graphs as the embedded store (:func:`bundled_graphs`),
then yields the running server and stops it at the end. Its ``ResultSetMaxRows`` is
:data:`VIRTUOSO_MAX_ROWS`, so that one test can watch Virtuoso cut a result. Where Virtuoso
is not installed the tests skip, saying why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from coevidence.bench.virtuoso import LocalVirtuoso, VirtuosoError, virtuoso_missing
from coevidence.ontology import COUNTRY, ID, VOCAB, COE

REPOSITORY = Path(__file__).resolve().parents[2]
COSIE_TTL = REPOSITORY / "data" / "cosie.ttl"

FIXTURE_GRAPH = "https://w3id.org/coevidence/test/fixture"
OTHER_GRAPH = "https://w3id.org/coevidence/test/other"
#: Virtuoso's own cap on result rows in the test server (its ResultSetMaxRows)
VIRTUOSO_MAX_ROWS = 1000
#: the source digest recorded by the fixture's build
FIXTURE_DIGEST = "0f" * 32

needs_virtuoso = pytest.mark.skipif(virtuoso_missing() is not None, reason=str(virtuoso_missing()))


def fixture_graph() -> Graph:
    """A small graph in the project's shape, with every kind of term the protocol carries:
    IRIs, plain, language-tagged and typed literals (integer, decimal, double, boolean,
    date, gYear), strings with quotes, backslashes and line breaks, and blank nodes."""
    graph = Graph()
    project = ID["project/demo"]
    graph.add((project, RDF.type, COE.Project))
    graph.add((project, RDFS.label, Literal("Demo project", lang="en")))
    countries = [COUNTRY.FIN, COUNTRY.SWE, COUNTRY.EST]
    resources = ["idea", "time", "money", "lived-experience"]
    stages = ["co-design", "co-implementation"]
    for number in range(1, 7):
        pilot = ID[f"pilot/p{number}"]
        graph.add((pilot, RDF.type, COE.Pilot))
        graph.add((pilot, COE.partOfProject, project))
        graph.add((pilot, COE.pilotNumber, Literal(number)))
        graph.add((pilot, COE.country, countries[number % 3]))
        graph.add((pilot, RDFS.label, Literal(f"Pilot {number}", lang="en")))
        graph.add((pilot, RDFS.label, Literal(f"Pilotti {number}", lang="fi")))
        graph.add((pilot, COE.startDate, Literal(f"201{number}-0{number}-01", datatype=XSD.date)))
        graph.add((pilot, COE.wave, Literal(f"wave {number % 2 + 1}")))
        for index in range(4):
            actor = ID[f"organisation/p{number}-a{index}"]
            graph.add((actor, RDF.type, COE.Organisation))
            graph.add((actor, SKOS.prefLabel, Literal(f"Actor {index} of pilot {number}")))
            exchange = ID[f"exchange/p{number}-e{index}"]
            graph.add((exchange, RDF.type, COE.ResourceExchange))
            graph.add((exchange, COE.pilot, pilot))
            graph.add((exchange, COE.provider, actor))
            graph.add((exchange, COE.resourceType, VOCAB[f"resource-type/{resources[(number + index) % 4]}"]))
            graph.add((exchange, COE.stage, VOCAB[f"stage/{stages[index % 2]}"]))
        measure = BNode(f"m{number}")
        outcome = ID[f"outcome/p{number}"]
        graph.add((outcome, RDF.type, COE.Outcome))
        graph.add((outcome, COE.pilot, pilot))
        graph.add((outcome, COE.measure, measure))
        graph.add((measure, RDF.type, COE.Measure))
        graph.add((measure, COE.numericValue, Literal(f"{number * 10}.5", datatype=XSD.decimal)))
        graph.add((measure, COE.approximate, Literal(number % 2 == 0)))
        graph.add((measure, COE.unit, Literal("people")))
    odd = ID["source/odd"]
    graph.add((odd, RDF.type, COE.Source))
    graph.add((odd, RDFS.label, Literal('A "quoted" title, a back\\slash,\na second line and ünïcödé', lang="en-GB")))
    graph.add((odd, COE.sourceKey, Literal("ODD")))
    graph.add((odd, RDFS.comment, Literal("1.5E3", datatype=XSD.double)))
    graph.add((odd, COE.startDate, Literal("2019", datatype=XSD.gYear)))
    build = ID["build/fixture"]
    graph.add((build, RDF.type, COE.Build))
    graph.add((build, COE.sourceDigest, Literal(FIXTURE_DIGEST)))
    return graph


def other_graph() -> Graph:
    graph = Graph()
    graph.add((URIRef(OTHER_GRAPH + "#thing"), RDFS.label, Literal("only in the other graph")))
    return graph


def bundled_graphs() -> list[tuple[Path, str]]:
    """The files the embedded store serves by default and the named graph of each (empty
    while ``data/cosie.ttl`` does not exist yet)."""
    if not COSIE_TTL.is_file():
        return []
    from coevidence.server.stores.oxigraph import data_files

    return [(file.path, file.graph) for file in data_files(None)]


def start_loaded_virtuoso(folder: Path) -> LocalVirtuoso:
    """Start a Virtuoso in *folder* and load the test graphs (and cosie.ttl if present)."""
    server = LocalVirtuoso(
        folder,
        sparql={"ResultSetMaxRows": str(VIRTUOSO_MAX_ROWS), "MaxQueryCostEstimationTime": "0"},
    )
    server.start()
    try:
        fixture_file = folder / "fixture.nt"
        fixture_graph().serialize(fixture_file, format="nt", encoding="utf-8")
        other_file = folder / "other.nt"
        other_graph().serialize(other_file, format="nt", encoding="utf-8")
        server.load([fixture_file], FIXTURE_GRAPH)
        server.load([other_file], OTHER_GRAPH)
        for path, graph in bundled_graphs():
            server.load([path], graph)
    except (VirtuosoError, OSError):
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalVirtuoso]:
    """A running, loaded Virtuoso on loopback for the whole session (skips if absent)."""
    reason = virtuoso_missing()
    if reason is not None:
        pytest.skip(f"Virtuoso is not available: {reason}")
    server = start_loaded_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server
    finally:
        server.stop()
