"""The facets of the browse page, declared as data: one entry per facet, each with the named
query (``server/queries/facet_<name>.rq``) that gives its ``(?pilot ?value ?label)`` pairs.

Adding a facet is one line here and one ``.rq`` file. A facet whose query gives nothing (a
property the data does not have yet) is simply not shown.

Filtering and counting are done on the sets of pilots each value holds, so a pilot with
several values of one facet (several target groups) is counted once per value and never
twice in a count: each count is the number of DISTINCT pilots that have the value and pass
the other facets' filters. Facets combine with AND; values within one facet with OR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from coevidence.server.explorer.common import local_name, run
from coevidence.server.explorer.index import part


@dataclass(frozen=True)
class Facet:
    name: str  # the query-string key and the .rq file (facet_<name>.rq)
    label: str

    @property
    def query(self) -> str:
        return f"facet_{self.name}"


FACETS: tuple[Facet, ...] = (
    Facet("country", "Country"),
    Facet("service_area", "Service area"),
    Facet("target_group", "Target group"),
    Facet("hard_to_reach", "Hard to reach"),
    Facet("stage", "Stage"),
    Facet("method", "Method"),
    Facet("resource_type", "Resource type"),
    Facet("outcome_type", "Outcome type"),
    Facet("outcome_direction", "Outcome direction"),
    Facet("factor_category", "Factor category"),
    Facet("factor_effect", "Factor effect"),
    Facet("evidence_type", "Kind of evidence"),
    Facet("participation_level", "Level of participation"),
    Facet("welfare_regime", "Welfare regime"),
)
BY_NAME = {facet.name: facet for facet in FACETS}


@dataclass
class FacetValues:
    """One facet as read from the data: value -> pilots that have it, value -> label."""

    facet: Facet
    pilots: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def read_facet(facet: Facet) -> FacetValues:
    found = FacetValues(facet)
    for row in run(facet.query):
        value = row.get("value")
        if value is None or "pilot" not in row:
            continue
        found.pilots.setdefault(value, set()).add(row["pilot"])
        if "label" in row and value not in found.labels:
            found.labels[value] = row["label"]
    for value in found.pilots:
        found.labels.setdefault(value, local_name(value).replace("-", " "))
    return found


def read_facets() -> list[FacetValues]:
    """Every facet of the current data version, read once per version (:mod:`.index`); the
    values are shared: callers read them, never change them."""
    return part("facets", lambda: [read_facet(facet) for facet in FACETS])


def selection_from(args: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The chosen values of each facet, from a query string (``?country=IRI&country=IRI``)."""
    chosen: dict[str, list[str]] = {}
    for facet in FACETS:
        values = [v for v in args.get(facet.name, []) if v]
        if values:
            chosen[facet.name] = list(dict.fromkeys(values))
    return chosen


def passing(all_pilots: set[str], facets: list[FacetValues], chosen: Mapping[str, list[str]], *, skip: str | None = None) -> set[str]:
    """The pilots that pass every chosen facet (OR within a facet, AND across), leaving out *skip*."""
    kept = set(all_pilots)
    for found in facets:
        name = found.facet.name
        if name == skip or name not in chosen:
            continue
        union: set[str] = set()
        for value in chosen[name]:
            union |= found.pilots.get(value, set())
        kept &= union
    return kept


def facet_counts(all_pilots: set[str], facets: list[FacetValues], chosen: Mapping[str, list[str]]) -> list[dict]:
    """Each facet with its values and counts, as the page and the JSON twin show them.

    The count of a value is how many pilots would be listed if it were added to the filter:
    for a facet not yet filtered on, pilots passing the filter that have the value; for a
    facet already filtered on (OR within it), pilots passing the other facets that have it.
    """
    out = []
    for found in facets:
        if not found.pilots:
            continue
        name = found.facet.name
        base = passing(all_pilots, facets, chosen, skip=name)
        values = []
        for value, pilots in found.pilots.items():
            values.append({
                "value": value,
                "label": found.labels[value],
                "count": len(pilots & base),
                "selected": value in chosen.get(name, []),
            })
        values.sort(key=lambda v: (-v["count"], v["label"].lower()))
        out.append({"name": name, "label": found.facet.label, "values": values})
    return out


def toggled(chosen: Mapping[str, list[str]], name: str, value: str) -> dict[str, list[str]]:
    """The selection with *value* of facet *name* added, or removed when it is there."""
    new = {key: list(values) for key, values in chosen.items()}
    values = new.setdefault(name, [])
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    return {key: values for key, values in new.items() if values}
