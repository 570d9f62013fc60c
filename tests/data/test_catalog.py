"""The DCAT/VoID description: computed from the graph, committed, and unable to drift."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib import namespace as rns
from rdflib.namespace import DCTERMS, RDF, VOID

from coevidence.data import COSIE_TTL, DATA_DIR, VOID_TTL
from coevidence.data.catalog import DATASET, describe, main, serialize_description
from coevidence.ontology import COE, ONTOLOGY_FILE, PREFIXES, VOCABULARIES_FILE


@pytest.fixture(scope="module")
def description(cosie_graph) -> Graph:
    return describe(cosie_graph)


def test_committed_void_is_what_describe_gives_for_the_committed_graph(cosie_graph, description):
    committed = Graph().parse(VOID_TTL, format="turtle")
    if not isomorphic(committed, description):
        _, only_committed, only_described = graph_diff(to_isomorphic(committed), to_isomorphic(description))
        lines = [f"- {t}" for t in sorted(only_committed)[:15]] + [f"+ {t}" for t in sorted(only_described)[:15]]
        pytest.fail("data/void.ttl is stale; run `python -m coevidence.data.catalog`\n" + "\n".join(lines))
    assert VOID_TTL.read_bytes() == serialize_description(description)


def test_description_is_a_dcat_and_void_dataset_with_title_and_licence(description):
    assert (DATASET, RDF.type, rns.DCAT.Dataset) in description
    assert (DATASET, RDF.type, VOID.Dataset) in description
    assert description.value(DATASET, DCTERMS.title) is not None
    assert description.value(DATASET, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert description.value(DATASET, DCTERMS.publisher) is not None
    assert description.value(DATASET, DCTERMS.conformsTo) == URIRef("https://w3id.org/coevidence/ontology")
    assert description.value(DATASET, DCTERMS.modified) is None  # never the wall clock


def test_counts_match_the_graph(cosie_graph, description):
    assert int(description.value(DATASET, VOID.triples)) == len(cosie_graph)
    partitions = {description.value(p, VOID["class"]): int(description.value(p, VOID.entities)) for p in description.objects(DATASET, VOID.classPartition)}
    assert partitions[COE.Pilot] == 10
    assert partitions[COE.NationalContext] == 9
    assert partitions[COE.Outcome] == len(set(cosie_graph.subjects(RDF.type, COE.Outcome)))
    properties = {description.value(p, VOID.property): int(description.value(p, VOID.triples)) for p in description.objects(DATASET, VOID.propertyPartition)}
    assert sum(properties.values()) == len(cosie_graph)


def test_sources_are_the_projects_publications(cosie_graph, description):
    publications = set(cosie_graph.subjects(RDF.type, COE.Publication))
    assert set(description.objects(DATASET, DCTERMS.source)) == publications
    assert len(publications) >= 8


def test_vocabularies_are_those_the_data_uses(description):
    vocabularies = {str(v) for v in description.objects(DATASET, VOID.vocabulary)}
    assert {PREFIXES["coe"], PREFIXES["prov"], PREFIXES["oa"], PREFIXES["skos"], PREFIXES["coev"], PREFIXES["country"]} <= vocabularies
    assert PREFIXES["org"] in vocabularies  # org:memberOf: members of a network keep their own sector


def test_endpoint_and_dump_follow_the_base(cosie_graph):
    described = describe(cosie_graph, base="https://example.org/coevidence/")
    assert described.value(DATASET, VOID.sparqlEndpoint) == URIRef("https://example.org/coevidence/sparql")
    turtle = [d for d in described.objects(DATASET, rns.DCAT.distribution) if described.value(d, rns.DCAT.downloadURL) is not None]
    assert len(turtle) == 1
    assert described.value(turtle[0], rns.DCAT.downloadURL) == URIRef("https://example.org/coevidence/data/cosie.ttl")
    assert described.value(turtle[0], rns.DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/turtle")


def test_the_same_graph_always_gives_the_same_bytes(cosie_graph):
    shuffled = Graph()
    for triple in sorted(cosie_graph, reverse=True):
        shuffled.add(triple)
    assert serialize_description(describe(shuffled)) == serialize_description(describe(cosie_graph))


def test_counts_change_when_the_data_changes(cosie_graph):
    smaller = Graph()
    smaller += cosie_graph
    smaller.remove((None, None, Literal("Tomor")))
    assert int(describe(smaller).value(DATASET, VOID.triples)) == len(cosie_graph) - 1


def test_the_copies_beside_the_data_equal_the_ontology_files():
    assert (DATA_DIR / "ontology.ttl").read_bytes() == ONTOLOGY_FILE.read_bytes()
    assert (DATA_DIR / "vocabularies.ttl").read_bytes() == VOCABULARIES_FILE.read_bytes()


def test_main_writes_the_description_to_the_given_output(tmp_path, capsys):
    output = tmp_path / "void.ttl"
    assert main(["--output", str(output)]) == 0
    assert output.read_bytes() == VOID_TTL.read_bytes()
    assert "wrote" in capsys.readouterr().out
    assert not list(tmp_path.glob(".*.tmp"))


def test_main_reports_a_missing_graph_in_one_line_and_exits_2(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "missing.ttl"), "--output", str(tmp_path / "void.ttl")]) == 2
    err = capsys.readouterr().err
    assert "missing.ttl" in err and "coevidence build" in err and "Traceback" not in err
    assert not (tmp_path / "void.ttl").exists()


def test_main_reports_broken_turtle_and_exits_2(tmp_path, capsys):
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .\n", encoding="utf-8")
    assert main(["--data", str(broken), "--output", str(tmp_path / "void.ttl")]) == 2
    assert "is not valid Turtle" in capsys.readouterr().err


def test_committed_report_is_the_validation_of_the_committed_graph(tmp_path):
    """data/report.ttl (what the resource pages show) is the SHACL report of data/cosie.ttl."""
    from coevidence.data.catalog import REPORT_TTL, write_report
    from coevidence.shapes import problems_from_report

    counts = write_report(COSIE_TTL, tmp_path / "report.ttl")
    assert counts["Violation"] == 0 and counts["Warning"] > 0
    fresh = Graph().parse(tmp_path / "report.ttl", format="turtle")
    committed = Graph().parse(REPORT_TTL, format="turtle")
    key = lambda g: sorted((p.focus, p.path or "", p.message) for p in problems_from_report(g, g))  # noqa: E731
    assert key(committed) == key(fresh), "data/report.ttl is stale; run `python -m coevidence.data.catalog`"
    assert len(key(fresh)) == counts["Warning"]
