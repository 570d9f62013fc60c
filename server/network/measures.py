"""Network measures with networkx: who brokers, which ties bridge sectors, how two entities
are connected, and which pilots resemble one another.

Every function takes a :class:`~.model.Network` (or a graph made from one) and gives back
plain data (lists and dicts of strings and numbers), which the command line prints as
tables and the routes send as JSON. Each measure that rests on claims is computed twice,
with every claim and without the low-confidence ones, so a reader sees how much it
depends on them.

The measures, stated (docs/network.md says the same in prose):

- **degree**: how many distinct other nodes a node is tied to; **degree centrality** is
  that divided by the number of other nodes (networkx ``degree_centrality``);
- **betweenness**: the share of shortest paths between two other nodes that pass through
  a node (networkx ``betweenness_centrality``, normalised, on the undirected network in
  which parallel ties count once): a high value marks a broker;
- **bridging ties**: ties between two actors of different broad sectors (public, third
  sector, private, research, citizens, professionals; see ``model.SECTOR_GROUPS``);
- **connection**: a shortest path between two entities through the claims that link them;
- **similarity**: the Jaccard index of two pilots' features (methods used, factor
  categories with their effect, resource types exchanged): shared features divided by all
  features of either; **groups** are the Louvain communities (networkx, fixed seed) of
  the graph in which two pilots are joined, weighted by their similarity, when it is at
  least a threshold (0.25 by default).
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import networkx as nx

from coevidence.server.network.model import Network

SIMILARITY_THRESHOLD = 0.25
LAYOUT_SEED = 7
#: larger networks get no precomputed layout (x and y are null): the viewer lays them out
MAX_LAYOUT_NODES = 500


class UnknownEntity(LookupError):
    """An IRI asked for is not an entity of the network; the message names it."""


def actor_graph(network: Network, pilot: str | None = None, *, low: bool = True) -> nx.MultiDiGraph:
    """The actor and resource-exchange network of one pilot (its IRI) or of all pilots.

    Nodes are actors and pilots (``kind``, ``label``, ``sector``, ``sector_group``); edges
    are participations (actor to pilot), exchanges (provider to recipient, or to the pilot
    when no recipient is named) and memberships, keyed by their claim. With ``low=False``
    the ties resting on low-confidence claims are left out.
    """
    graph = nx.MultiDiGraph(pilot=pilot or "", low_confidence_included=low)
    chosen = network.ties if pilot is None else network.ties_by_pilot.get(pilot, [])
    ties = [tie for tie in chosen if low or not tie.low_confidence]
    if pilot is not None:
        ends = {tie.source for tie in ties} | {tie.target for tie in ties} | {pilot}
        ties += [tie for tie in network.ties_by_pilot.get(None, [])
                 if tie.kind == "membership" and tie.source in ends and tie.target in ends]
    for tie in ties:
        for end in (tie.source, tie.target):
            if end not in graph:
                node = network.nodes[end]
                graph.add_node(end, kind=node.kind, label=node.label, sector=node.sector or "",
                               sector_group=node.sector_group)
        key = tie.claim or f"{tie.kind}:{tie.source}:{tie.target}"
        if graph.has_edge(tie.source, tie.target, key):
            continue
        graph.add_edge(tie.source, tie.target, key=key, kind=tie.kind, claim=tie.claim or "",
                       pilot=tie.pilot or "", resource=tie.resource or "", role=tie.role or "",
                       stage=tie.stage or "", low_confidence=tie.low_confidence)
    if pilot is not None and pilot not in graph and pilot in network.nodes:
        node = network.nodes[pilot]
        graph.add_node(pilot, kind=node.kind, label=node.label, sector="", sector_group=node.sector_group)
    return graph


def _simple(graph: nx.MultiDiGraph) -> nx.Graph:
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for source, target in graph.edges():
        if source != target:
            simple.add_edge(source, target)
    return simple


def centrality(network: Network, pilot: str | None = None) -> list[dict]:
    """Degree and betweenness of every node, with and without low-confidence ties,
    brokers first."""
    full = _simple(actor_graph(network, pilot))
    sure = _simple(actor_graph(network, pilot, low=False))
    measures = {}
    for name, graph in (("all", full), ("without_low", sure)):
        measures[name] = (
            dict(graph.degree()),
            nx.degree_centrality(graph) if len(graph) > 1 else {node: 0.0 for node in graph},
            nx.betweenness_centrality(graph, normalized=True),
        )
    rows = []
    for node, data in full.nodes(data=True):
        degree, degree_c, between = measures["all"]
        s_degree, s_degree_c, s_between = measures["without_low"]
        rows.append({
            "iri": node,
            "label": data["label"],
            "kind": data["kind"],
            "sector_group": data["sector_group"],
            "degree": degree[node],
            "degree_centrality": round(degree_c[node], 4),
            "betweenness": round(between[node], 4),
            "degree_without_low": s_degree.get(node, 0),
            "betweenness_without_low": round(s_between.get(node, 0.0), 4),
        })
    rows.sort(key=lambda row: (-row["betweenness"], -row["degree"], row["label"]))
    return rows


def sector_bridges(network: Network, pilot: str | None = None) -> dict:
    """Ties between actors of different broad sectors, and which sectors meet in each pilot."""
    graph = actor_graph(network, pilot)
    bridges = []
    pairs: Counter = Counter()
    for source, target, data in graph.edges(data=True):
        a, b = graph.nodes[source], graph.nodes[target]
        if "pilot" in (a["sector_group"], b["sector_group"]) or a["sector_group"] == b["sector_group"]:
            continue
        pair = " / ".join(sorted((a["sector_group"], b["sector_group"])))
        pairs[pair] += 1
        bridges.append({
            "from": source, "from_label": a["label"], "from_sector": a["sector_group"],
            "to": target, "to_label": b["label"], "to_sector": b["sector_group"],
            "kind": data["kind"], "resource": data["resource"], "claim": data["claim"],
            "low_confidence": data["low_confidence"],
        })
    meeting = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] != "Pilot":
            continue
        sectors = sorted({graph.nodes[other]["sector_group"] for other in nx.all_neighbors(graph, node)} - {"pilot"})
        meeting[node] = {"label": data["label"], "sectors": sectors}
    bridges.sort(key=lambda row: (row["from_label"], row["to_label"], row["claim"]))
    return {"bridges": bridges, "pairs": dict(sorted(pairs.items())), "sectors_by_pilot": meeting}


def entity_graph(network: Network) -> nx.MultiGraph:
    """Entities and claims as nodes, the properties that link them as edges (undirected)."""
    graph = nx.MultiGraph()
    for subject, prop, obj in network.links:
        graph.add_edge(subject, obj, key=prop, property=prop, subject=subject)
    return graph


def connection(network: Network, start: str, end: str, graph: nx.MultiGraph | None = None) -> dict:
    """The shortest chain of statements from *start* to *end* (IRIs), with their sources.

    Raises :class:`UnknownEntity` for an IRI that no link touches.
    """
    graph = graph if graph is not None else entity_graph(network)
    for name in (start, end):
        if name not in graph:
            raise UnknownEntity(f"{name} is not linked to anything in the data")
    try:
        path = nx.shortest_path(graph, start, end)
    except nx.NetworkXNoPath:
        return {"from": start, "to": end, "connected": False, "steps": []}
    steps = []
    for index, node in enumerate(path):
        statement = network.describe(node)
        step = {
            "iri": node,
            "kind": statement.kind if statement else "",
            "label": statement.label if statement else node,
            "confidence": statement.confidence if statement else None,
            "sources": [
                {"iri": iri, "title": title, "url": url} for iri, title, url in (statement.sources if statement else ())
            ],
        }
        if index + 1 < len(path):
            data = next(iter(graph.get_edge_data(node, path[index + 1]).values()))
            prop = data["property"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            step["link"] = prop if data["subject"] == node else f"is {prop} of"
        steps.append(step)
    return {"from": start, "to": end, "connected": True, "length": len(path) - 1, "steps": steps}


def _features(network: Network, pilot: str, low: bool) -> dict[str, set[str]]:
    dims = network.features.get(pilot, {})
    return {dim: {feature for feature, is_low in found.items() if low or not is_low} for dim, found in dims.items()}


def jaccard(a: set, b: set) -> float:
    """Shared members divided by all members of either (0 when both are empty)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def similarity(network: Network, threshold: float = SIMILARITY_THRESHOLD) -> dict:
    """Jaccard similarity of every pair of pilots, overall and per dimension, with and
    without low-confidence claims, and the groups of pilots similar at *threshold*."""
    pilots = network.pilots()
    dimensions = ("method", "factor", "resource")
    pairs = []
    weighted = {True: nx.Graph(), False: nx.Graph()}
    for low in (True, False):
        weighted[low].add_nodes_from(pilot.iri for pilot in pilots)
    for a, b in combinations(pilots, 2):
        row = {"a": a.iri, "a_label": a.label, "b": b.iri, "b_label": b.label}
        for low in (True, False):
            fa, fb = _features(network, a.iri, low), _features(network, b.iri, low)
            every_a = {f"{dim}:{x}" for dim in dimensions for x in fa.get(dim, ())}
            every_b = {f"{dim}:{x}" for dim in dimensions for x in fb.get(dim, ())}
            value = round(jaccard(every_a, every_b), 4)
            suffix = "" if low else "_without_low"
            row[f"jaccard{suffix}"] = value
            if low:
                row["by_dimension"] = {dim: round(jaccard(fa.get(dim, set()), fb.get(dim, set())), 4) for dim in dimensions}
                row["shared"] = sorted(every_a & every_b)
            if value >= threshold:
                weighted[low].add_edge(a.iri, b.iri, weight=value)
        pairs.append(row)
    pairs.sort(key=lambda row: (-row["jaccard"], row["a_label"], row["b_label"]))
    labels = {pilot.iri: pilot.label for pilot in pilots}

    def groups(graph: nx.Graph) -> list[list[dict]]:
        parts = nx.community.louvain_communities(graph, weight="weight", seed=LAYOUT_SEED) if len(graph) else []
        found = [sorted(({"iri": iri, "label": labels[iri]} for iri in part), key=lambda p: p["label"]) for part in parts]
        return sorted(found, key=lambda group: (-len(group), group[0]["label"]))

    return {
        "measure": "Jaccard index of the sets of methods, factor categories (with effect) and resource types",
        "threshold": threshold,
        "pairs": pairs,
        "grouping": f"Louvain communities (networkx, seed {LAYOUT_SEED}) of the pilots joined by their similarity, "
                    f"weighted by it, where it is at least {threshold}",
        "groups": groups(weighted[True]),
        "groups_without_low": groups(weighted[False]),
    }


def graph_json(network: Network, pilot: str | None = None) -> dict:
    """One network as JSON for drawing: nodes with their measures and a fixed layout
    (networkx spring layout, seed ``LAYOUT_SEED``, so the picture is the same every time;
    none above ``MAX_LAYOUT_NODES`` nodes),
    edges with kind, resource type, stage and claim."""
    graph = actor_graph(network, pilot)
    measures = {row["iri"]: row for row in centrality(network, pilot)}
    positions = nx.spring_layout(_simple(graph), seed=LAYOUT_SEED) if 0 < len(graph) <= MAX_LAYOUT_NODES else {}
    nodes = []
    for node, data in sorted(graph.nodes(data=True)):
        x, y = positions.get(node, (None, None))
        nodes.append({
            "id": node, "label": data["label"], "kind": data["kind"], "sector": data["sector"],
            "sector_group": data["sector_group"], "degree": measures[node]["degree"],
            "betweenness": measures[node]["betweenness"], "x": None if x is None else round(float(x) * 400, 1),
            "y": None if y is None else round(float(y) * 400, 1),
        })
    edges = []
    for source, target, key, data in sorted(graph.edges(keys=True, data=True)):
        edges.append({"id": key, "source": source, "target": target, **{
            name: data[name] for name in ("kind", "resource", "role", "stage", "claim", "low_confidence")
        }})
    return {
        "pilot": pilot,
        "version": network.version,
        "nodes": nodes,
        "edges": edges,
        "counts": {"nodes": len(nodes), "edges": len(edges)},
    }


__all__ = [
    "SIMILARITY_THRESHOLD", "UnknownEntity", "actor_graph", "centrality", "connection", "entity_graph",
    "graph_json", "jaccard", "sector_bridges", "similarity",
]
