"""Network analytics: measures worked out by hand on a small graph, read through a real store,
and the command line and pages that show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coevidence.cli import main
from coevidence.server.network import measures
from coevidence.server.network.model import read_network
from coevidence.server.stores.oxigraph import OxigraphStore

NETWORK = Path(__file__).parent / "data" / "network.ttl"
ID = "https://w3id.org/coevidence/id/"
P, Q = f"{ID}pilot/p", f"{ID}pilot/q"
A, B, C = f"{ID}organisation/a", f"{ID}group/b", f"{ID}organisation/c"


@pytest.fixture(scope="module")
def network():
    with OxigraphStore.load([NETWORK], workers=1) as store:
        yield read_network(store)


def by_node(rows):
    return {row["iri"]: row for row in rows}


def test_the_network_is_read_with_kinds_and_sectors(network):
    assert network.nodes[A].sector_group == "public"
    assert network.nodes[B].sector_group == "citizens"
    assert network.nodes[C].sector_group == "third sector"
    assert {tie.kind for tie in network.ties} == {"participation", "exchange"}
    low = [tie for tie in network.ties if tie.low_confidence]
    assert [(tie.source, tie.target, tie.resource) for tie in low] == [(C, B, "space")]


def test_degree_and_betweenness_as_worked_out_by_hand(network):
    # undirected ties: A-P, B-P, C-P, A-B, C-B. Between A and C run A-P-C and A-B-C, so P and
    # B each lie on half of the shortest paths of one pair of the three others: 0.5 / 3.
    rows = by_node(measures.centrality(network, P))
    assert {node: rows[node]["degree"] for node in rows} == {P: 3, A: 2, B: 3, C: 2}
    assert rows[P]["betweenness"] == pytest.approx(1 / 6, abs=1e-4)
    assert rows[B]["betweenness"] == pytest.approx(1 / 6, abs=1e-4)
    assert rows[A]["betweenness"] == rows[C]["betweenness"] == 0
    # without the low-confidence C-B tie, every path from C runs through P: (A,C) and (B,C)
    assert rows[P]["betweenness_without_low"] == pytest.approx(2 / 3, abs=1e-4)
    assert rows[B]["betweenness_without_low"] == 0
    assert rows[C]["degree_without_low"] == 1


def test_ties_that_bridge_sectors(network):
    found = measures.sector_bridges(network, P)
    assert found["pairs"] == {"citizens / public": 1, "citizens / third sector": 1}
    assert {(row["from"], row["to"]) for row in found["bridges"]} == {(A, B), (C, B)}
    assert found["sectors_by_pilot"][P]["sectors"] == ["citizens", "public", "third sector"]


def test_similarity_is_the_jaccard_index_with_and_without_low_confidence(network):
    # P: m1, f1 (hindering), f2 (enabling), expertise, space (low); Q: m1, m2 (low), f1 (hindering)
    found = measures.similarity(network)
    (pair,) = found["pairs"]
    assert pair["jaccard"] == pytest.approx(2 / 6, abs=1e-4)
    assert pair["jaccard_without_low"] == pytest.approx(2 / 4, abs=1e-4)
    assert pair["by_dimension"] == {"method": 0.5, "factor": 0.5, "resource": 0.0}
    assert pair["shared"] == ["factor:f1 (hindering)", "method:m1"]
    assert [[member["iri"] for member in group] for group in found["groups"]] == [[P, Q]]
    apart = measures.similarity(network, threshold=0.4)
    assert len(apart["groups"]) == 2 and len(apart["groups_without_low"]) == 1


def test_jaccard_of_empty_sets_is_zero():
    assert measures.jaccard(set(), set()) == 0.0
    assert measures.jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)


def test_the_connection_reads_as_statements_with_sources(network):
    found = measures.connection(network, B, f"{ID}outcome/o")
    assert found["connected"] and found["length"] == 3
    steps = found["steps"]
    assert steps[0]["iri"] == B and steps[2]["iri"] == P and steps[3]["iri"] == f"{ID}outcome/o"
    assert steps[0]["link"] in {"is participant of", "is recipient of"}
    assert steps[1]["link"] == "pilot" and steps[2]["link"] == "is pilot of"
    assert steps[1]["sources"] == [{"iri": f"{ID}source/s", "title": "Source S", "url": "https://example.org/s"}]
    assert steps[3]["label"] == "an outcome of P" and steps[3]["confidence"] == "medium"


def test_unconnected_and_unknown_entities(network):
    assert measures.connection(network, A, f"{ID}method-use/q1")["connected"] is False
    with pytest.raises(measures.UnknownEntity, match="nothing/here"):
        measures.connection(network, A, f"{ID}nothing/here")


def test_the_drawn_network_has_a_fixed_layout(network):
    first, again = measures.graph_json(network, P), measures.graph_json(network, P)
    assert first == again
    assert {node["id"] for node in first["nodes"]} == {P, A, B, C}
    assert all(isinstance(node["x"], float) for node in first["nodes"])
    assert {edge["kind"] for edge in first["edges"]} == {"participation", "exchange"}


def run(*args):
    return CliRunner().invoke(main, ["network", *args, "--data", str(NETWORK)])


def test_the_command_line_prints_tables_and_json():
    result = run("pilot", "p")
    assert result.exit_code == 0, result.output
    assert "Agency A" in result.output and "betweenness" in result.output
    data = json.loads(run("pilot", "p", "--json").output)
    assert by_node(data["centrality"])[P]["degree"] == 3
    path = json.loads(run("path", "group/b", "outcome/o", "--json").output)
    assert path["length"] == 3
    similar = run("similar")
    assert "0.3333" in similar.output and "Louvain" in similar.output


def test_the_command_line_names_what_is_not_there():
    result = run("pilot", "nope")
    assert result.exit_code == 1 and "no pilot 'nope'" in result.output and "p, q" in result.output
    result = run("path", "group/b", "group/nobody")
    assert result.exit_code == 1 and "group/nobody" in result.output


@pytest.fixture(scope="module")
def network_client():
    from coevidence.server import create_app

    with OxigraphStore.load([NETWORK], workers=1) as store:
        yield create_app({"STORE": store, "TESTING": True}).test_client()


def test_each_page_has_a_json_twin_from_the_same_data(network_client):
    for page in ("/network/pilot/p", "/network/all", "/similar", "/path?from=group/b&to=outcome/o"):
        html = network_client.get(page, headers={"Accept": "text/html"})
        assert html.status_code == 200 and html.mimetype == "text/html", page
        twin_url = page.replace("?", ".json?", 1) if "?" in page else page + ".json"
        twin = network_client.get(twin_url)
        assert twin.status_code == 200 and twin.mimetype == "application/json", page
        negotiated = network_client.get(page, headers={"Accept": "application/json"})
        assert negotiated.get_json() == twin.get_json()
    data = network_client.get("/network/pilot/p.json").get_json()
    assert by_node(data["centrality"])[B]["betweenness"] == pytest.approx(1 / 6, abs=1e-4)


def test_pages_show_what_a_visitor_reads(network_client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(network_client.get("/network/pilot/p", headers={"Accept": "text/html"}).text, "html.parser")
    assert page.h1.get_text() == "Network of Pilot P"
    cells = [td.get_text() for td in page.select("table td")]
    assert "Agency A" in cells and "space" in cells
    path = BeautifulSoup(network_client.get("/path?from=group/b&to=outcome/o").text, "html.parser")
    assert [a["href"] for a in path.select("ol a")][0] == "https://example.org/s"


def test_pages_answer_404_and_400_in_the_error_shape(network_client):
    missing = network_client.get("/network/pilot/nope.json")
    assert missing.status_code == 404 and "nope" in missing.get_json()["error"]["detail"]
    assert network_client.get("/path.json?from=group/b").status_code == 400
    assert network_client.get("/path.json?from=group/b&to=group/nobody").status_code == 404


def test_the_bundled_cosie_network_holds_what_the_notes_say():
    result = CliRunner().invoke(main, ["network", "pilot", "ee-voru-disability", "--json"])
    assert result.exit_code == 0, result.output
    nodes = {row["label"]: row for row in json.loads(result.output)["centrality"]}
    # the notes: Helpific, a social start-up, was a partner of the Estonian pilot
    assert nodes["Helpific"]["sector_group"] == "third sector"


def test_one_pilots_network_is_read_without_the_whole_dataset(network):
    from coevidence.server import create_app
    from coevidence.server.network.routes import EXTENSION

    with OxigraphStore.load([NETWORK], workers=1) as store:
        app = create_app({"STORE": store, "TESTING": True})
        data = app.test_client().get("/network/pilot/p.json").get_json()
        assert app.extensions[EXTENSION]._network is None  # the whole network was never read
    # the same figures as from the whole network
    assert data["centrality"] == measures.centrality(network, P)
    assert data["graph"] == measures.graph_json(network, P) | {"version": data["graph"]["version"]}


def test_a_pilot_read_on_its_own_has_the_network_read_from_the_whole_data():
    """A pilot's network page reads only that pilot (two bound queries) until the whole
    network has been read for the data version; both must give the same report. A membership
    came back on every row of the bound query with the pilot's IRI, so each pilot read on its
    own held every membership of the dataset (the Estonian pilot showed a Dutch network)."""
    from coevidence.server.network.cli import network_report
    from coevidence.server.stores.oxigraph import bundled_data_paths

    with OxigraphStore.load(bundled_data_paths(), workers=1) as store:
        whole = read_network(store)
        pilots = [node.iri for node in whole.pilots()]
        assert len(pilots) == 10
        for pilot in pilots:
            alone = read_network(store, pilot)
            assert not any(tie.kind == "membership" and tie.pilot for tie in alone.ties), pilot
            assert network_report(alone, pilot) == network_report(whole, pilot), pilot
