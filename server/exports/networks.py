"""Network views as files Gephi and Cytoscape open: GraphML, GEXF and Gephi's CSV pair.

Every attribute has one type per key (text, whole number, number or true/false); missing
values are empty text. No attribute is called ``id`` or ``label`` (both tools give those
names meanings of their own): nodes carry ``name`` (Cytoscape's display name) and edges
``interaction`` (Cytoscape's edge type); GEXF gets the label as the node's own label and
``viz:color`` by broad sector, so Gephi shows the sectors at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import networkx as nx

from coevidence.server.exports.safety import safe_cell
from coevidence.server.network import measures
from coevidence.server.network.model import Network

#: colours by broad sector (ColorBrewer Set1/Dark2 tones, told apart by most readers)
SECTOR_COLOURS = {
    "pilot": (90, 90, 90),
    "public": (55, 126, 184),
    "third sector": (77, 175, 74),
    "private": (255, 127, 0),
    "research": (152, 78, 163),
    "citizens": (228, 26, 28),
    "professionals": (166, 86, 40),
    "network": (247, 129, 191),
    "unknown": (153, 153, 153),
}
NODE_ATTRIBUTES = ("name", "kind", "sector", "sector_group", "iri")
EDGE_ATTRIBUTES = ("interaction", "resource", "role", "stage", "pilot", "claim", "low_confidence")


def views(network: Network) -> Iterator[tuple[str, str | None]]:
    """(file stem, pilot IRI or None): every pilot's network, then all of them together."""
    for pilot in network.pilots():
        yield f"network-{pilot.iri.rsplit('/', 1)[-1]}", pilot.iri
    yield "network-all", None


def export_graph(network: Network, pilot: str | None) -> nx.MultiDiGraph:
    """The view as a graph whose attributes suit both tools (see the module's text)."""
    source = measures.actor_graph(network, pilot)
    graph = nx.MultiDiGraph()
    for node, data in source.nodes(data=True):
        graph.add_node(node, name=data["label"], kind=data["kind"], sector=data["sector"] or "",
                       sector_group=data["sector_group"], iri=node)
    for start, end, key, data in source.edges(keys=True, data=True):
        graph.add_edge(start, end, key=key, interaction=data["kind"], resource=data["resource"], role=data["role"],
                       stage=data["stage"], pilot=data["pilot"], claim=data["claim"],
                       low_confidence=bool(data["low_confidence"]))
    return graph


def graphml(network: Network, pilot: str | None) -> bytes:
    stream = io.BytesIO()
    nx.write_graphml(export_graph(network, pilot), stream, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return stream.getvalue()


def gexf(network: Network, pilot: str | None) -> bytes:
    graph = export_graph(network, pilot)
    for _, data in graph.nodes(data=True):
        red, green, blue = SECTOR_COLOURS.get(data["sector_group"], SECTOR_COLOURS["unknown"])
        data["label"] = data["name"]  # GEXF's own label attribute, not an attribute value
        data["viz"] = {"color": {"r": red, "g": green, "b": blue, "a": 1.0}}
    for index, (_, _, data) in enumerate(graph.edges(data=True)):
        data["id"] = str(index)  # GEXF's own edge id
    stream = io.BytesIO()
    nx.write_gexf(graph, stream, encoding="utf-8", prettyprint=True, version="1.2draft")
    return stream.getvalue()


def gephi_csv(network: Network, pilot: str | None) -> tuple[bytes, bytes]:
    """Gephi's spreadsheet import: a node table (``Id``, ``Label``, ...) and an edge table
    (``Source``, ``Target``, ``Type``, ``Weight``, ...), one edge per claim."""
    graph = export_graph(network, pilot)
    nodes = io.StringIO()
    writer = csv.writer(nodes, lineterminator="\r\n")
    writer.writerow(["Id", "Label", "kind", "sector", "sector_group"])
    for node, data in sorted(graph.nodes(data=True)):
        writer.writerow([safe_cell(node), safe_cell(data["name"]), data["kind"], data["sector"], data["sector_group"]])
    edges = io.StringIO()
    writer = csv.writer(edges, lineterminator="\r\n")
    writer.writerow(["Source", "Target", "Type", "Weight", "interaction", "resource", "role", "stage", "claim", "low_confidence"])
    for start, end, data in sorted(graph.edges(data=True), key=lambda edge: (edge[0], edge[1], edge[2]["claim"])):
        writer.writerow([safe_cell(start), safe_cell(end), "Directed", 1, data["interaction"], data["resource"],
                         data["role"], data["stage"], safe_cell(data["claim"]), str(data["low_confidence"]).lower()])
    return nodes.getvalue().encode("utf-8"), edges.getvalue().encode("utf-8")
