"""The relational view of the data, read from any store: who took part, who gave what to whom.

:func:`read_network` asks the store four named questions (``server/queries/network_*.rq``,
``pilot_features.rq``, ``entity_*.rq``) and keeps the answers as plain Python: the nodes
(actors and pilots, with kind and sector), the ties (one per claim), the features of each
pilot and the links between entities (what each entity is, for writing a connection out, is
asked of the store when needed). Everything in :mod:`.measures` is computed from a
:class:`Network`, so the same figures come out in front of the embedded store or a remote
one. A network is read once per data version (:func:`network_for`), never per request.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from collections.abc import Callable
from functools import cached_property, lru_cache

from rdflib import URIRef

from coevidence.ontology import COE
from coevidence.server.queries import load_query
from coevidence.server.stores import Store
from coevidence.server.stores.rows import select_values

#: the most rows one of these questions may bring back (they read the whole dataset)
MAX_ROWS = 5_000_000
TIMEOUT_S = 120.0

COE_NS = str(COE)
VOCAB = "https://w3id.org/coevidence/vocab/"
LOW = f"{VOCAB}confidence/low"

#: the broad sector of an organisation's sector concept. An analysis choice, stated here
#: and in docs/network.md: social enterprises and cooperatives are counted with the third
#: sector; research organisations are kept apart, since the sources do not say whether a
#: university is public or private.
SECTOR_GROUPS = {
    "public-agency": "public",
    "public-company": "public",
    "public-sector-association": "public",
    "third-sector": "third sector",
    "social-enterprise": "third sector",
    "cooperative": "third sector",
    "private-company": "private",
    "research-organisation": "research",
}
#: the broad sector of an actor without a sector of its own, by its class (a network of
#: organisations from several sectors counts as "network")
KIND_GROUPS = {
    "CitizenGroup": "citizens",
    "InformalNetwork": "citizens",
    "ProfessionalGroup": "professionals",
    "PolicyInstrument": "public",
    "Network": "network",
    "Pilot": "pilot",
}
#: which class names a node when it has several (the most specific first)
KIND_ORDER = ("Pilot", "Organisation", "CitizenGroup", "ProfessionalGroup", "Network", "InformalNetwork", "PolicyInstrument")


@dataclass(frozen=True)
class Node:
    iri: str
    kind: str
    label: str
    sector: str | None  # the sector concept's notation, for organisations
    sector_group: str


@dataclass(frozen=True)
class Tie:
    claim: str | None  # the claim the tie rests on (None for a membership without one)
    kind: str  # participation, exchange, membership
    source: str
    target: str
    pilot: str | None
    resource: str | None
    role: str | None
    stage: str | None
    low_confidence: bool


@dataclass(frozen=True)
class Statement:
    """What is known of one entity or claim, for writing a connection out."""

    iri: str
    kind: str
    label: str
    confidence: str | None
    sources: tuple[tuple[str, str, str | None], ...]  # (source IRI, title, address)


@dataclass
class Network:
    version: str
    nodes: dict[str, Node]
    ties: list[Tie]
    #: pilot -> dimension -> feature -> whether every claim behind it has low confidence
    features: dict[str, dict[str, dict[str, bool]]]
    links: list[tuple[str, str, str]]  # (subject, property, object) between entities
    #: what is known of one entity, asked of the store when a connection is written out
    describe: Callable[[str], Statement | None] = field(default=lambda iri: None, repr=False)

    @cached_property
    def ties_by_pilot(self) -> dict[str | None, list[Tie]]:
        """The ties of each pilot (memberships, which belong to none, under None)."""
        found: dict[str | None, list[Tie]] = defaultdict(list)
        for tie in self.ties:
            found[tie.pilot].append(tie)
        return dict(found)

    def pilots(self) -> list[Node]:
        return sorted((node for node in self.nodes.values() if node.kind == "Pilot"), key=lambda node: node.label)

    def pilot_by_key(self, key: str) -> Node | None:
        """The pilot whose IRI ends in ``/pilot/<key>``."""
        node = self.nodes.get(f"https://w3id.org/coevidence/id/pilot/{key}")
        if node is not None and node.kind == "Pilot":
            return node
        for node in self.nodes.values():
            if node.kind == "Pilot" and node.iri.rsplit("/", 1)[-1] == key:
                return node
        return None


@lru_cache(maxsize=65536)
def _local(iri: str | None) -> str | None:
    if iri is None:
        return None
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _ask(store: Store, name: str, bindings: dict | None = None) -> list[dict[str, str]]:
    return select_values(store, load_query(name), bindings=bindings, timeout=TIMEOUT_S, max_rows=MAX_ROWS)


def read_network(store: Store, pilot: str | None = None) -> Network:
    """Read the relational view of the data from *store*: the whole of it (four queries), or
    only what one pilot's network needs (*pilot*, its IRI: two small queries, no links)."""
    version = store.data_version()
    bound = {"pilot": URIRef(pilot)} if pilot else None
    classes: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    sectors: dict[str, str] = {}
    for row in _ask(store, "pilot_network_nodes" if pilot else "network_nodes", bound):
        node = row["node"]
        if "class" in row:
            classes[node].add(_local(row["class"]))
        if "label" in row:
            labels.setdefault(node, row["label"])
        if "sector" in row:
            sectors.setdefault(node, _local(row["sector"]))
    nodes = {}
    for iri in sorted(set(classes) | set(labels)):
        kind = next((name for name in KIND_ORDER if name in classes[iri]), min(classes[iri], default="Agent"))
        sector = sectors.get(iri)
        group = SECTOR_GROUPS.get(sector or "", KIND_GROUPS.get(kind, "unknown"))
        nodes[iri] = Node(iri, kind, labels.get(iri, _local(iri) or iri), sector, group)

    merged: dict[tuple, dict] = {}
    for row in _ask(store, "pilot_network_ties" if pilot else "network_ties", bound):  # a claim with several stages: several rows
        key = (row.get("claim"), row["kind"], row["from"], row["to"])
        found = merged.setdefault(key, {**row, "stages": set()})
        if "stage" in row:
            found["stages"].add(_local(row["stage"]))
    ties = []
    for row in merged.values():
        ties.append(Tie(
            claim=row.get("claim"),
            kind=row["kind"],
            source=row["from"],
            target=row["to"],
            # a membership belongs to no pilot (bound to one, the query still returns it on each row)
            pilot=None if row["kind"] == "membership" else row.get("pilot"),
            resource=_local(row.get("resource")),
            role=_local(row.get("role")),
            stage="|".join(sorted(row["stages"])) or None,
            low_confidence=row.get("confidence") == LOW,
        ))
    for tie in ties:  # an end named only by a tie still gets a node
        for end in (tie.source, tie.target):
            if end not in nodes:
                nodes[end] = Node(end, "Agent", _local(end) or end, None, "unknown")
    ties.sort(key=lambda tie: (tie.kind, tie.source, tie.target, tie.claim or ""))

    features: dict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    for row in ([] if pilot else _ask(store, "pilot_features")):
        feature = _local(row["feature"])
        if row["dimension"] == "factor" and "effect" in row:
            feature = f"{feature} ({_local(row['effect'])})"
        low = row.get("confidence") == LOW
        known = features[row["pilot"]][row["dimension"]]
        known[feature] = known.get(feature, True) and low  # low only if every claim is low

    links = [] if pilot else sorted({(row["subject"], row["property"], row["object"]) for row in _ask(store, "entity_links")})
    network = Network(version, nodes, ties, {pilot: dict(dims) for pilot, dims in features.items()}, links)
    network.describe = lru_cache(maxsize=4096)(lambda iri: statement_of(store, iri))
    return network


def statement_of(store: Store, iri: str) -> Statement | None:
    """What the store says of one entity or claim: class, label, confidence and sources."""
    kinds, labels, confidence = set(), [], None
    sources: dict[str, tuple[str, str, str | None]] = {}
    for row in _ask(store, "entity_statement", {"entity": URIRef(iri)}):
        kinds.add(_local(row["class"]))
        if "label" in row:
            labels.append(row["label"])
        confidence = _local(row["confidence"]) if "confidence" in row else confidence
        if "source" in row:
            known = sources.get(row["source"])
            sources[row["source"]] = (
                row["source"],
                row.get("sourceLabel") or (known[1] if known else _local(row["source"])),
                row.get("sourceUrl") or (known[2] if known else None),
            )
    if not kinds:
        return None
    kind = next((name for name in KIND_ORDER if name in kinds), min(kinds))
    return Statement(iri, kind, min(labels, default=_local(iri) or iri), confidence, tuple(sorted(sources.values())))


class NetworkCache:
    """The network of the store's current data version, read once and kept until it changes."""

    def __init__(self) -> None:
        self._network: Network | None = None
        self._lock = threading.Lock()
        self.measures: dict = {}  # whole-dataset measures for the same version (see .measures)

    def forget_other_versions(self, version: str) -> None:
        """Drop the measures kept for any other data version (keys are (version, name))."""
        for key in [key for key in self.measures if key[0] != version]:
            self.measures.pop(key, None)

    def pilot(self, store: Store, pilot: str) -> Network:
        """One pilot's network: from the whole network when it has been read for this data
        version, else read on its own (a few milliseconds, not the whole dataset)."""
        network = self._network
        if network is not None and network.version == store.data_version():
            return network
        return read_network(store, pilot)

    def get(self, store: Store) -> Network:
        version = store.data_version()
        network = self._network
        if network is not None and network.version == version:
            return network
        with self._lock:
            if self._network is None or self._network.version != version:
                self._network = read_network(store)
            return self._network


__all__ = ["Network", "NetworkCache", "Node", "Statement", "Tie", "read_network"]
