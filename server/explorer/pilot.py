"""One pilot in the explorer: :func:`pilot_view` builds the view model, the partial template
``explorer/_pilot.html`` draws it (so the linked-data pilot page can embed the same view),
and ``/pilots/<key>`` (with ``.json``) serves it on its own for now.

The network is the one ``/network/pilot/<key>.json`` gives (positions computed on the
server, fixed seed); the page draws it with cytoscape and shows the same ties as a table.
A page embedding the partial loads ``vendor/cytoscape/cytoscape.min.js`` and
``explorer/pilot-graph.js``, and links ``explorer/pilot.css`` with the id
``__________cytoscape_stylesheet`` (see ``pilot.html``), so that cytoscape adds no ``<style>``
element of its own, which a strict Content-Security-Policy would block.
"""

from __future__ import annotations

from flask import url_for
from rdflib import URIRef

from coevidence.server.errors import Problem
from coevidence.server.explorer import bp
from coevidence.server import urls
from coevidence.server.explorer.browse import pilot_row
from coevidence.server.explorer.common import answer, local_name, resource_url, run, show_query_url

#: sidebar rows: property of pilot_profile.rq -> (heading, facet it filters /pilots on, or None)
SIDEBAR = (
    ("country", "Country", "country"),
    ("place", "Place", None),
    ("service", "Public service", None),
    ("service_area", "Service area", "service_area"),
    ("group", "Target groups", None),
    ("target_group", "Kinds of target group", "target_group"),
    ("stage", "Stages", "stage"),
    ("participation_level", "Level of participation", "participation_level"),
    ("partner", "Partners", None),
)


def _values(rows: list[dict], prop: str, facet: str | None) -> list[dict]:
    seen: dict[str, dict] = {}
    for row in rows:
        if row["property"] != prop or row["value"] in seen:
            continue
        value = row["value"]
        seen[value] = {
            "iri": value,
            "label": row.get("label", local_name(value).replace("-", " ")),
            "url": url_for("explorer.pilots", **{facet: value}) if facet else resource_url(value),
            "page": resource_url(value),
        }
    return sorted(seen.values(), key=lambda v: v["label"].lower())


def _first_by_claim(rows: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for row in rows:
        seen.setdefault(row["claim"], row)
    return list(seen.values())


def pilot_view(key: str) -> dict:
    """Everything the pilot view shows, as plain data (the JSON twin is this)."""
    pilot = pilot_row(urls.iri_for_doc(f"pilot/{key}")) if "/" not in key else None
    if pilot is None:
        raise Problem(404, "Not found", f"there is no pilot {key!r}; /pilots lists every pilot.")
    iri = URIRef(pilot["iri"])
    profile = run("pilot_profile", pilot=iri)
    sidebar = [
        {"property": prop, "label": heading, "values": _values(profile, prop, facet)}
        for prop, heading, facet in SIDEBAR
    ]
    outcomes = [
        {"iri": r["claim"], "url": resource_url(r["claim"]), "description": r.get("description", ""),
         "type": r.get("typeLabel"), "direction": r.get("directionLabel"),
         "direction_key": local_name(r["direction"]) if "direction" in r else None,
         "evidence": r.get("evidenceTypeLabel"),
         "evaluator": r.get("evaluatorLabel") or (local_name(r["evaluator"]) if "evaluator" in r else None),
         "evaluator_url": resource_url(r["evaluator"]) if "evaluator" in r else None,
         "confidence": r.get("confidenceLabel")}
        for r in _first_by_claim(run("pilot_outcomes", pilot=iri))
    ]
    factors = [
        {"iri": r["claim"], "url": resource_url(r["claim"]), "description": r.get("description", ""),
         "category": r.get("categoryLabel"), "effect": r.get("effectLabel"),
         "effect_key": local_name(r["effect"]) if "effect" in r else None}
        for r in _first_by_claim(run("pilot_factors", pilot=iri))
    ]
    network = _network_table(key)
    return {
        "pilot": {k: pilot[k] for k in ("iri", "key", "title", "description", "number", "country_label", "place_label")},
        "page": resource_url(pilot["iri"]),
        "sidebar": [row for row in sidebar if row["values"]],
        "outcomes": outcomes,
        "enabling": [f for f in factors if f["effect_key"] == "enabling"],
        "hindering": [f for f in factors if f["effect_key"] == "hindering"],
        "other_factors": [f for f in factors if f["effect_key"] not in ("enabling", "hindering")],
        "big_ideas": _values(profile, "big_idea", None),
        "sources": _values(profile, "source", None),
        "network": network,
        "network_json": url_for("network.pilot", key=key, suffix=".json"),
        "network_page": url_for("network.pilot", key=key),
        "compare": url_for("explorer.compare", pilot=key),
        "show_query": show_query_url("pilot_profile", pilot=pilot["iri"]),
    }


def _network_table(key: str) -> dict:
    """The pilot's ties as rows (the same data the graph draws, from the same report as
    ``/network/pilot/<key>.json``: read for this pilot alone, never the whole network)."""
    from coevidence.server.network.routes import pilot_report

    graph = pilot_report(key)["graph"]
    labels = {node["id"]: node["label"] for node in graph["nodes"]}
    ties = []
    for edge in graph["edges"]:
        ties.append({
            "source": labels.get(edge["source"], local_name(edge["source"])),
            "source_url": resource_url(edge["source"]),
            "target": labels.get(edge["target"], local_name(edge["target"])),
            "target_url": resource_url(edge["target"]),
            "kind": edge["kind"],
            "resource": local_name(edge["resource"]).replace("-", " ") if edge.get("resource") else None,
            "role": local_name(edge["role"]).replace("-", " ") if edge.get("role") else None,
            "claim_url": resource_url(edge["claim"]) if edge.get("claim") else None,
        })
    links = {node["id"]: resource_url(node["id"]) for node in graph["nodes"]}
    links.update({edge["claim"]: resource_url(edge["claim"]) for edge in graph["edges"] if edge.get("claim")})
    return {"counts": graph["counts"], "ties": ties, "links": links}


@bp.route("/pilots/<key>")
@bp.route("/pilots/<key><any('.json'):suffix>")
def pilot(key: str, suffix: str | None = None):
    data = pilot_view(key)
    return answer(data, "explorer/pilot.html", suffix, twin=url_for("explorer.pilot", key=key, suffix=".json"))
