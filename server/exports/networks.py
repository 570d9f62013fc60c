"""Network views as files Gephi and Cytoscape open: GraphML, GEXF and Gephi's CSV pair.

Every attribute has one type per key (text, whole number, number or true/false); missing
values are empty text. No attribute is called ``id`` or ``label`` (both tools give those
names meanings of their own): nodes carry ``name`` (Cytoscape's display name) and edges
``interaction`` (Cytoscape's edge type); GEXF gets the label as the node's own label and
``viz:color`` by broad sector, so Gephi shows the sectors at once.

A view is made once (:func:`view`: the graph of :func:`.measures.actor_graph`, its attributes
made ready for the files) and written to all four files from that, each file streamed to disk
in blocks rather than built as a tree in memory first: at 1,000 pilots networkx's writers,
called on a fresh graph for each file, took most of a minute; lxml's incremental writer
(``etree.xmlfile``) was tried and saved little, its cost being one element object per node,
edge and value. The markup is fixed, the values escaped (:func:`_x`); the files read back with
networkx as the graph networkx itself would have written (the tests compare them).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


GRAPHML = "http://graphml.graphdrawing.org/xmlns"
GEXF = "http://www.gexf.net/1.2draft"
VIZ = "http://www.gexf.net/1.2draft/viz"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: the type of each attribute in both formats (all others are text)
BOOLEAN = {"low_confidence"}


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


@dataclass(frozen=True)
class View:
    """One network view as the files write it: nodes ``(id, attributes)`` and edges
    ``(source, target, key, attributes)``, attributes in the order of ``NODE_ATTRIBUTES``
    and ``EDGE_ATTRIBUTES``."""

    nodes: list[tuple[str, dict]]
    edges: list[tuple[str, str, str, dict]]


def view(network: Network, pilot: str | None) -> View:
    """The view of one pilot (its IRI) or of all pilots (None), made once for all its files."""
    graph = export_graph(network, pilot)
    return View(list(graph.nodes(data=True)), list(graph.edges(keys=True, data=True)))


def _text(name: str, value) -> str:
    if name in BOOLEAN:
        return "true" if value else "false"
    return str(value)


#: what XML text and attribute values cannot hold as they are: markup characters become
#: references; control characters XML 1.0 does not allow at all become U+FFFD
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
            ord("\n"): "&#10;", ord("\r"): "&#13;", ord("\t"): "&#9;",
            **{code: "\ufffd" for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)}}


_NEEDS_ESCAPE = re.compile("[" + "".join(re.escape(chr(code)) for code in _ESCAPES) + "]")


def _x(value: str) -> str:
    """*value* escaped for XML text or a double-quoted attribute."""
    return value if _NEEDS_ESCAPE.search(value) is None else value.translate(_ESCAPES)


class _Stream:
    """Pieces of text written out in blocks of about a megabyte: the file is never held whole."""

    BLOCK = 1 << 20

    def __init__(self, path: Path) -> None:
        self._file = open(path, "w", encoding="utf-8", newline="\n")
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.BLOCK:
            self._file.write("".join(self._parts))
            self._parts, self._size = [], 0

    def __enter__(self) -> "_Stream":
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if exc_info[0] is None:
                self._file.write("".join(self._parts))
        finally:
            self._file.close()


def write_graphml(view: View, path: Path) -> None:
    """GraphML as networkx writes it (``named_key_ids``): a key per attribute, typed."""
    with _Stream(path) as out:
        out.write(f"<?xml version='1.0' encoding='utf-8'?>\n<graphml xmlns=\"{GRAPHML}\" xmlns:xsi=\"{XSI}\" "
                  f"xsi:schemaLocation=\"{GRAPHML} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n")
        for kind, names in (("node", NODE_ATTRIBUTES), ("edge", EDGE_ATTRIBUTES)):
            for name in names:
                kind_of = "boolean" if name in BOOLEAN else "string"
                out.write(f'<key id="{name}" for="{kind}" attr.name="{name}" attr.type="{kind_of}"/>\n')
        out.write('<graph edgedefault="directed">\n')
        for node, data in view.nodes:
            out.write(f'<node id="{_x(node)}">\n'
                      + "".join(f'  <data key="{name}">{_x(_text(name, data[name]))}</data>\n' for name in NODE_ATTRIBUTES)
                      + "</node>\n")
        for source, target, key, data in view.edges:
            out.write(f'<edge source="{_x(source)}" target="{_x(target)}" id="{_x(key)}">\n'
                      + "".join(f'  <data key="{name}">{_x(_text(name, data[name]))}</data>\n' for name in EDGE_ATTRIBUTES)
                      + "</edge>\n")
        out.write("</graph>\n</graphml>\n")


def write_gexf(view: View, path: Path) -> None:
    """GEXF 1.2 as networkx writes it: typed attributes, the node's label as its own, the
    edge key as ``networkx_key`` (so networkx reads the multigraph back), and ``viz:color``
    by broad sector. No modification date, so the same data gives the same file."""
    node_ids = {name: str(index) for index, name in enumerate(NODE_ATTRIBUTES)}
    edge_names = (*EDGE_ATTRIBUTES, "networkx_key")
    edge_ids = {name: str(len(NODE_ATTRIBUTES) + index) for index, name in enumerate(edge_names)}
    with _Stream(path) as out:
        out.write(f"<?xml version='1.0' encoding='utf-8'?>\n<gexf xmlns=\"{GEXF}\" xmlns:viz=\"{VIZ}\" xmlns:xsi=\"{XSI}\" "
                  f"xsi:schemaLocation=\"{GEXF} http://www.gexf.net/1.2draft/gexf.xsd\" version=\"1.2\">\n"
                  "  <meta>\n    <creator>coevidence</creator>\n  </meta>\n"
                  '  <graph defaultedgetype="directed" mode="static" name="">\n')
        for kind, ids in (("node", node_ids), ("edge", edge_ids)):
            out.write(f'    <attributes mode="static" class="{kind}">\n')
            for name, number in ids.items():
                kind_of = "boolean" if name in BOOLEAN else "string"
                out.write(f'      <attribute id="{number}" title="{name}" type="{kind_of}"/>\n')
            out.write("    </attributes>\n")
        out.write("    <nodes>\n")
        for node, data in view.nodes:
            red, green, blue = SECTOR_COLOURS.get(data["sector_group"], SECTOR_COLOURS["unknown"])
            out.write(f'      <node id="{_x(node)}" label="{_x(data["name"])}">\n'
                      f'        <viz:color r="{red}" g="{green}" b="{blue}" a="1.0"/>\n        <attvalues>\n'
                      + "".join(f'          <attvalue for="{number}" value="{_x(_text(name, data[name]))}"/>\n'
                                for name, number in node_ids.items())
                      + "        </attvalues>\n      </node>\n")
        out.write("    </nodes>\n    <edges>\n")
        for index, (source, target, key, data) in enumerate(view.edges):
            values = {**{name: _text(name, data[name]) for name in EDGE_ATTRIBUTES}, "networkx_key": key}
            out.write(f'      <edge source="{_x(source)}" target="{_x(target)}" id="{index}">\n        <attvalues>\n'
                      + "".join(f'          <attvalue for="{number}" value="{_x(values[name])}"/>\n'
                                for name, number in edge_ids.items())
                      + "        </attvalues>\n      </edge>\n")
        out.write("    </edges>\n  </graph>\n</gexf>\n")


def write_gephi_csv(view: View, nodes_path: Path, edges_path: Path) -> None:
    """Gephi's spreadsheet import: a node table (``Id``, ``Label``, ...) and an edge table
    (``Source``, ``Target``, ``Type``, ``Weight``, ...), one edge per claim."""
    with open(nodes_path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(["Id", "Label", "kind", "sector", "sector_group"])
        for node, data in sorted(view.nodes, key=lambda item: item[0]):
            writer.writerow([safe_cell(node), safe_cell(data["name"]), data["kind"], data["sector"], data["sector_group"]])
    with open(edges_path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(["Source", "Target", "Type", "Weight", "interaction", "resource", "role", "stage", "claim",
                         "low_confidence"])
        for start, end, _, data in sorted(view.edges, key=lambda edge: (edge[0], edge[1], edge[3]["claim"])):
            writer.writerow([safe_cell(start), safe_cell(end), "Directed", 1, data["interaction"], data["resource"],
                             data["role"], data["stage"], safe_cell(data["claim"]), str(data["low_confidence"]).lower()])
