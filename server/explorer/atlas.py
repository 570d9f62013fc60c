"""The home page's map: the committed SVG of Europe (``server/static/explorer/europe.svg``; (:mod:`.mapgen` draws it at build time)
read once for its size and centroids, with a dot per pilot at its country's centroid, offset around it when several
pilots share a country."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from functools import lru_cache
from importlib import resources

SVG = "{http://www.w3.org/2000/svg}"
#: how far apart the dots of one country are drawn, in SVG units
SPREAD = 9.0


@lru_cache(maxsize=1)
def europe() -> dict:
    """The map as data: viewBox, and each country's ISO code, name, path and centroid."""
    text = resources.files("coevidence.server").joinpath("static/explorer/europe.svg").read_text(encoding="utf-8")
    root = ET.fromstring(text)
    countries = [
        {"iso": p.get("data-iso"), "name": p.get("data-name"), "d": p.get("d"),
         "cx": float(p.get("data-cx")), "cy": float(p.get("data-cy"))}
        for p in root.iter(f"{SVG}path")
    ]
    return {"viewBox": root.get("viewBox"), "countries": countries}


def dots(pilots: list[dict]) -> list[dict]:
    """A dot for each pilot whose country is on the map: ``{"x", "y", "pilot"}``."""
    centres = {c["iso"]: (c["cx"], c["cy"]) for c in europe()["countries"]}
    by_country: dict[str, list[dict]] = {}
    for pilot in pilots:
        iso = (pilot.get("country") or "").rsplit("/", 1)[-1]
        if iso in centres:
            by_country.setdefault(iso, []).append(pilot)
    placed = []
    for iso, group in sorted(by_country.items()):
        cx, cy = centres[iso]
        for index, pilot in enumerate(group):
            if len(group) == 1:
                x, y = cx, cy
            else:
                angle = 2 * math.pi * index / len(group)
                x, y = cx + SPREAD * math.cos(angle), cy + SPREAD * math.sin(angle)
            placed.append({"x": round(x, 1), "y": round(y, 1), "pilot": pilot, "iso": iso})
    return placed
