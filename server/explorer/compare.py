"""Compare: ``/compare?dimension=...&pilot=...``, the chosen pilots (all by default) against one
dimension, each cell the number of claims behind it and a link to them (``/compare/cell``);
:data:`COLUMNS` pilots at a time (``start=``), every one with ``columns=all``;
what recurs across countries and what is unique to one; project-level claims apart.

The dimensions are declared as data (:data:`DIMENSIONS`): each names its query
(``server/queries/compare_<name>.rq``), which gives ``?claim ?pilot ?row ?sub`` rows. A
dimension whose query gives nothing (one the data does not have yet) is offered but empty.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import quote

from flask import request, url_for
from rdflib import URIRef

from coevidence.server.errors import Problem
from coevidence.server.explorer import bp
from coevidence.server.explorer.browse import pilot_rows
from coevidence.server.explorer.common import answer, local_name, resource_url, run, show_query_url
from coevidence.server.explorer.index import part

#: the pilots a compare matrix shows at once (``start`` pages through them, ``columns=all``
#: shows every one): at 1,000 pilots a matrix of all of them is 1 to 15 MiB of HTML
COLUMNS = 50
#: above this many pilots, the compare form folds its pilot list by country (1,000 checkboxes in one list
#: could not be read)
GROUP_PILOTS_OVER = 24

#: the column of claims without a pilot
PROJECT = "project"
NONE = "none"


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    row_label: str
    sub_label: str | None

    @property
    def query(self) -> str:
        return f"compare_{self.name}"


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("factors", "Factors by category and effect", "factor category", "effect"),
    Dimension("resources", "Resources exchanged by provider type", "resource type", "provider type"),
    Dimension("methods", "Methods by stage", "method", "stage"),
    Dimension("outcomes", "Outcomes by type and direction", "outcome type", "direction"),
    Dimension("actors", "Actor types and sectors", "actor type", "sector"),
    Dimension("stages", "Stages", "stage", None),
    Dimension("participation_level", "Level of participation", "level", None),
)
BY_NAME = {dimension.name: dimension for dimension in DIMENSIONS}


def _dimension(name: str | None) -> Dimension:
    if not name:
        return DIMENSIONS[0]
    if name not in BY_NAME:
        known = ", ".join(BY_NAME)
        raise Problem(400, "Bad request", f"there is no dimension {name!r}; choose one of: {known}.")
    return BY_NAME[name]


def label_of(value: str) -> str:
    """The label of one value a compare query gave without one (asked bound to it: the few
    values of a dimension, never every label in the dataset), else its local name."""
    if value.startswith(("http://", "https://")):
        for row in run("explorer_label", thing=URIRef(value)):
            return row["label"]
    return local_name(value).replace("-", " ")


def read_cells(dimension: Dimension) -> tuple[dict[tuple[str, str], dict[str, set[str]]], dict[str, str]]:
    """(row, sub) -> column (pilot IRI, or ``project``) -> claims; and every value's label."""
    cells: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    labels: dict[str, str] = {NONE: "(not given)"}
    unlabelled: set[str] = set()
    for row in run(dimension.query):
        key = (row["row"], row.get("sub", NONE))
        cells[key][row.get("pilot", PROJECT)].add(row["claim"])
        for name in ("row", "sub"):
            if name in row and row[name] not in labels:
                if row.get(f"{name}Label"):
                    labels[row[name]] = row[f"{name}Label"]
                    unlabelled.discard(row[name])
                else:
                    unlabelled.add(row[name])
    for value in unlabelled - set(labels):
        labels[value] = label_of(value)
    return cells, labels


def dimension_cells(dimension: Dimension) -> tuple[dict[tuple[str, str], dict[str, set[str]]], dict[str, str]]:
    """:func:`read_cells` of the current data version, read once per version (:mod:`.index`);
    shared: callers read them, never change them."""
    return part(f"compare_{dimension.name}", lambda: read_cells(dimension))


def dimension_rows(dimension: Dimension) -> list[tuple[tuple[str, str], int, list[str]]]:
    """Each (row, sub) of *dimension* in the page's order, with its total over every pilot and
    the countries it is found in: computed once per data version, for the matrix of all pilots."""
    def compute():
        cells, labels = dimension_cells(dimension)
        country_of = {p["iri"]: p["country_label"] for p in pilot_rows()}
        ordered = []
        for key in sorted(cells, key=lambda k: (labels[k[0]].lower(), labels[k[1]].lower())):
            by_column = cells[key]
            ordered.append((key,
                            sum(len(claims) for column, claims in by_column.items() if column in country_of),
                            sorted({country_of[p] for p in by_column if p in country_of})))
        return ordered
    return part(f"compare_{dimension.name}_rows", compute)


def project_findings() -> list[dict[str, str]]:
    """The rows of ``explorer_project_findings``, read once per data version."""
    return part("project_findings", lambda: run("explorer_project_findings"))


def cell_url(dimension: Dimension, row: str, sub: str, column: str) -> str:
    """The cell's page; with *column* "" it ends in ``pilot=``, for the pilot's key to follow."""
    return url_for("explorer.compare_cell", dimension=dimension.name, row=row, sub=sub, pilot=column)


def compare_data(dimension: Dimension, chosen_keys: list[str], *, start: int = 0, every: bool = False) -> dict:
    """The matrix of the chosen pilots (all when none is chosen) on *dimension*: its columns
    are :data:`COLUMNS` of them from *start* on, or all of them when *every*; totals and
    countries are those of every chosen pilot."""
    pilots = pilot_rows()
    if chosen_keys:
        known = {p["key"] for p in pilots}
        unknown = [key for key in chosen_keys if key not in known]
        if unknown:
            raise Problem(404, "Not found", f"no pilot {unknown[0]!r}; /pilots lists them.")
        wanted = set(chosen_keys)
        pilots = [p for p in pilots if p["key"] in wanted]
    if start < 0 or (start and start >= len(pilots)):
        raise Problem(400, "Bad request", f"start is a column from 0 to {max(0, len(pilots) - 1)}; there are {len(pilots)} pilots.")
    shown = pilots if every else pilots[start:start + COLUMNS]
    cells, labels = dimension_cells(dimension)
    if chosen_keys:
        country_of = {p["iri"]: p["country_label"] for p in pilots}
        summary = [
            (key, sum(len(claims) for column, claims in cells[key].items() if column in country_of),
             sorted({country_of[p] for p in cells[key] if p in country_of}))
            for key, _, _ in dimension_rows(dimension)
        ]
    else:
        summary = dimension_rows(dimension)
    shown_iris = [(p["iri"], p["key"]) for p in shown]
    rows = []
    for (row, sub), total, countries in summary:
        by_column = cells[(row, sub)]
        project = by_column.get(PROJECT, set())
        if not total and not project:
            continue
        prefix = cell_url(dimension, row, sub, "")  # the link of each cell: this with its pilot's key
        counts = []
        for iri, key in shown_iris:
            claims = by_column.get(iri)
            counts.append({"pilot": key, "count": len(claims) if claims else 0,
                           "url": prefix + quote(key, safe="") if claims else None})
        rows.append({
            "row": row, "row_label": labels[row],
            "sub": sub, "sub_label": labels[sub] if dimension.sub_label else None,
            "cells": counts,
            "total": total,
            "project": {"count": len(project), "url": prefix + PROJECT if project else None},
            "countries": countries,
        })
    recurring = [r for r in rows if len(r["countries"]) >= 2]
    unique = [r for r in rows if len(r["countries"]) == 1]
    findings = [
        {"iri": f["claim"], "url": resource_url(f["claim"]), "label": f.get("description", f.get("label", "")),
         "project": f.get("projectLabel", local_name(f["project"]))}
        for f in project_findings()
    ]
    return {
        "dimension": dimension.name,
        "dimension_label": dimension.label,
        "row_label": dimension.row_label,
        "sub_label": dimension.sub_label,
        "columns": {"start": 0 if every else start, "shown": len(shown), "of": len(pilots), "all": every or len(shown) == len(pilots)},
        "pilots": [{"key": p["key"], "iri": p["iri"], "title": p["title"], "country": p["country_label"], "url": p["url"]} for p in shown],
        "rows": rows,
        "recurring": [{"row_label": r["row_label"], "sub_label": r["sub_label"], "countries": r["countries"]} for r in recurring],
        "unique": [{"row_label": r["row_label"], "sub_label": r["sub_label"], "countries": r["countries"]} for r in unique],
        "project_findings": findings,
    }


def _start(value: str | None) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise Problem(400, "Bad request", f"start is a column number (0, {COLUMNS}, ...), not {value[:40]!r}.")
    return int(value)


@bp.route("/compare")
@bp.route("/compare<any('.json', '.csv'):suffix>")
def compare(suffix: str | None = None):
    dimension = _dimension(request.args.get("dimension"))
    chosen = [key for key in request.args.getlist("pilot") if key]
    every = request.args.get("columns") == "all"
    start = _start(request.args.get("start"))
    data = compare_data(dimension, chosen, start=start, every=every)
    header = [dimension.row_label, dimension.sub_label or ""] + [p["key"] for p in data["pilots"]] + ["project level", "countries"]
    table = (
        header,
        [[r["row_label"], r["sub_label"] or ""] + [c["count"] for c in r["cells"]] + [r["project"]["count"], "; ".join(r["countries"])]
         for r in data["rows"]],
    )
    args = {"dimension": dimension.name, "pilot": chosen}
    shown = {"columns": "all"} if every else ({"start": start} if start else {})
    columns = data["columns"]
    paging = {
        "previous": url_for("explorer.compare", **args, start=max(0, start - COLUMNS) or None) if not every and start else None,
        "next": url_for("explorer.compare", **args, start=start + COLUMNS) if not every and start + COLUMNS < columns["of"] else None,
        "all": url_for("explorer.compare", **args, columns="all") if not columns["all"] else None,
    }
    return answer(
        data, "explorer/compare.html", suffix, csv_table=table,
        dimensions=DIMENSIONS, all_pilots=pilot_rows(), chosen=chosen, paging=paging, group_pilots_over=GROUP_PILOTS_OVER,
        twins={"json": url_for("explorer.compare", suffix=".json", **args, **shown),
               "csv": url_for("explorer.compare", suffix=".csv", **args, **shown)},
        show_query=show_query_url(dimension.query),
    )


def claim_details(iri: str) -> dict:
    """One claim as the cell page shows it: label, description, confidence, sources with passages."""
    claim = {"iri": iri, "url": resource_url(iri), "class": None, "label": local_name(iri),
             "description": None, "confidence": None, "sources": []}
    sources: dict[str, dict] = {}
    for row in run("explorer_claim", claim=URIRef(iri)):
        claim["class"] = claim["class"] or local_name(row["class"])
        claim["label"] = row.get("label", claim["label"])
        claim["description"] = claim["description"] or row.get("description")
        if "confidence" in row:
            claim["confidence"] = row.get("confidenceLabel", local_name(row["confidence"]))
        if "source" in row:
            source = sources.setdefault(row["source"], {
                "iri": row["source"], "url": resource_url(row["source"]),
                "label": row.get("sourceLabel", local_name(row["source"])),
                "page": row.get("sourceUrl"), "quotes": [],
            })
            if row.get("quote") and row["quote"] not in source["quotes"]:
                source["quotes"].append(row["quote"])
    claim["sources"] = sorted(sources.values(), key=lambda s: s["label"].lower())
    return claim


@bp.route("/compare/cell")
@bp.route("/compare/cell<any('.json'):suffix>")
def compare_cell(suffix: str | None = None):
    dimension = _dimension(request.args.get("dimension"))
    row, sub, column = (request.args.get(name, "") for name in ("row", "sub", "pilot"))
    if not row or not column:
        raise Problem(400, "Bad request", "a cell needs dimension, row, sub and pilot (a pilot key, or 'project').")
    cells, labels = dimension_cells(dimension)
    pilot = None
    if column == PROJECT:
        column_iri = PROJECT
    else:
        pilot = next((p for p in pilot_rows() if p["key"] == column), None)
        if pilot is None:
            raise Problem(404, "Not found", f"no pilot {column!r}; /pilots lists them.")
        column_iri = pilot["iri"]
    claims = sorted(cells.get((row, sub or NONE), {}).get(column_iri, set()))
    data = {
        "dimension": dimension.name,
        "dimension_label": dimension.label,
        "row": row, "row_label": labels.get(row, local_name(row)),
        "sub": sub or NONE, "sub_label": labels.get(sub or NONE, local_name(sub)) if dimension.sub_label else None,
        "pilot": None if pilot is None else {"key": pilot["key"], "title": pilot["title"], "url": pilot["url"]},
        "count": len(claims),
        "claims": [claim_details(iri) for iri in claims],
    }
    return answer(
        data, "explorer/compare_cell.html", suffix,
        twin=url_for("explorer.compare_cell", suffix=".json", dimension=dimension.name, row=row, sub=sub, pilot=column),
        back=url_for("explorer.compare", dimension=dimension.name),
        show_query=show_query_url("explorer_claim"),
    )
