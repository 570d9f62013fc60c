"""Browse and search: ``/pilots`` (faceted, with ``.json`` and ``.csv`` twins) and ``/search``."""

from __future__ import annotations

from flask import current_app, request, url_for
from rdflib import URIRef

from coevidence.server.backend import current_store
from coevidence.server.errors import Problem
from coevidence.server.explorer import bp
from coevidence.server.explorer.common import answer, local_name, resource_url, run, show_query_url
from coevidence.server.explorer.facets import (
    FACETS,
    facet_counts,
    passing,
    read_facets,
    selection_from,
    toggled,
)

MAX_QUERY_CHARS = 200
MAX_HITS = 200


_PILOTS = "coevidence.explorer.pilots"


def pilot_rows() -> list[dict]:
    """Every pilot with its title, country and place, in pilot-number order (read once per
    data version: at 1,000 pilots, building the rows took 70 ms of every pilot's document).
    The dicts are shared: callers read them, never change them."""
    version = current_store().data_version()
    cached = current_app.extensions.get(_PILOTS)
    if cached is not None and cached[0] == version:
        return list(cached[1])
    rows = _pilots(run("explorer_pilots"))
    current_app.extensions[_PILOTS] = (version, rows)
    return list(rows)


def pilot_row(iri: str) -> dict | None:
    """One pilot as :func:`pilot_rows` gives it (the same query, bound to the pilot), or None."""
    found = _pilots(run("explorer_pilots", pilot=URIRef(iri)))
    return found[0] if found else None


def _pilots(rows: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for row in rows:
        iri = row["pilot"]
        if iri in seen:
            continue
        key = local_name(iri)
        seen[iri] = {
            "iri": iri,
            "key": key,
            "title": row.get("title", key),
            "description": row.get("description", ""),
            "number": int(row["number"]) if row.get("number", "").isdigit() else None,
            "country": row.get("country"),
            "country_label": row.get("countryLabel", local_name(row.get("country", ""))),
            "place_label": row.get("placeLabel"),
            "url": url_for("explorer.pilot", key=key),
        }
    return list(seen.values())


def browse_data(args) -> dict:
    chosen = selection_from(args)
    pilots = pilot_rows()
    every = {pilot["iri"] for pilot in pilots}
    facets = read_facets()
    kept = passing(every, facets, chosen)
    counted = facet_counts(every, facets, chosen)
    for facet in counted:
        for value in facet["values"]:
            value["toggle_url"] = url_for("explorer.pilots", **toggled(chosen, facet["name"], value["value"]))
    labels = {found.facet.name: found.labels for found in facets}
    applied = [
        {
            "facet": name,
            "facet_label": next(f.label for f in FACETS if f.name == name),
            "value": value,
            "label": labels.get(name, {}).get(value, local_name(value)),
            "remove_url": url_for("explorer.pilots", **toggled(chosen, name, value)),
        }
        for name, values in chosen.items()
        for value in values
    ]
    return {
        "count": len(kept),
        "total": len(pilots),
        "selection": chosen,
        "applied": applied,
        "pilots": [pilot for pilot in pilots if pilot["iri"] in kept],
        "facets": counted,
    }


@bp.route("/pilots")
@bp.route("/pilots<any('.json', '.csv'):suffix>")
def pilots(suffix: str | None = None):
    data = browse_data(request.args.to_dict(flat=False))
    chosen = data["selection"]
    twins = {
        "json": url_for("explorer.pilots", suffix=".json", **chosen),
        "csv": url_for("explorer.pilots", suffix=".csv", **chosen),
    }
    table = (
        ["pilot", "key", "title", "country", "place"],
        [[p["iri"], p["key"], p["title"], p["country_label"], p["place_label"] or ""] for p in data["pilots"]],
    )
    return answer(
        data, "explorer/pilots.html", suffix, csv_table=table, twins=twins,
        clear_url=url_for("explorer.pilots"),
        show_query=show_query_url("explorer_pilots"),
        facet_queries={f.name: show_query_url(f.query) for f in FACETS},
    )


def search_data(q: str) -> dict:
    hits: dict[str, dict] = {}
    if q:
        for row in run("explorer_search", q=q.lower()):
            hit = hits.get(row["hit"])
            if hit is None:
                if len(hits) >= MAX_HITS:
                    continue
                hit = hits[row["hit"]] = {
                    "iri": row["hit"],
                    "url": resource_url(row["hit"]),
                    "label": row.get("hitLabel", local_name(row["hit"])),
                    "class": local_name(row["class"]) if "class" in row else None,
                    "pilot": row.get("pilot"),
                    "pilot_url": url_for("explorer.pilot", key=local_name(row["pilot"])) if "pilot" in row else None,
                    "matches": [],
                    "sources": [],
                }
            match = {"where": row["where"], "text": row["text"]}
            if match not in hit["matches"]:
                hit["matches"].append(match)
            if "source" in row and row["source"] not in [s["iri"] for s in hit["sources"]]:
                hit["sources"].append({
                    "iri": row["source"],
                    "url": resource_url(row["source"]),
                    "label": row.get("sourceLabel", local_name(row["source"])),
                    "page": row.get("sourceUrl"),
                })
    ordered = sorted(hits.values(), key=lambda h: (h["class"] is None, h["label"].lower()))
    return {"q": q, "count": len(ordered), "truncated": len(hits) >= MAX_HITS, "hits": ordered}


@bp.route("/search")
@bp.route("/search<any('.json'):suffix>")
def search(suffix: str | None = None):
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise Problem(400, "Bad request", f"a search is at most {MAX_QUERY_CHARS} characters long.")
    data = search_data(q)
    return answer(
        data, "explorer/search.html", suffix,
        twin=url_for("explorer.search", suffix=".json", q=q),
        show_query=show_query_url("explorer_search"),
    )
