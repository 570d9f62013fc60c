"""Draw the home page's map of Europe, once, at build time: Natural Earth country shapes
(the npm package ``world-atlas``, ISC; TopoJSON) to a committed SVG, ``server/static/explorer/europe.svg``, which the
home page shows under its dots.

Run it again only to change the drawing::

    npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
    python -m coevidence.server.explorer.mapgen package/countries-50m.json

Each country is one ``<path>`` with its ISO 3166 alpha-3 code (``data-iso``) and the point
the pilots' dots are drawn around (``data-cx``, ``data-cy``: the area centroid of its
largest polygon, so overseas territories do not pull it away). The projection is
equirectangular with longitudes shrunk by the cosine of 52°N, which is faithful enough
for a locator map of Europe.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OUTPUT = Path(__file__).parents[1] / "static" / "explorer" / "europe.svg"
#: the window drawn, in degrees
WEST, EAST, SOUTH, NORTH = -25.0, 45.0, 34.0, 71.5
LAT0 = 52.0
SCALE = 10.0  # SVG units per degree of latitude

#: ISO 3166 numeric (world-atlas ids) -> alpha-3 (the country authority IRIs end with it)
EUROPE = {
    "008": "ALB", "020": "AND", "040": "AUT", "056": "BEL", "100": "BGR", "070": "BIH", "112": "BLR",
    "756": "CHE", "196": "CYP", "203": "CZE", "276": "DEU", "208": "DNK", "724": "ESP", "233": "EST",
    "246": "FIN", "250": "FRA", "826": "GBR", "300": "GRC", "191": "HRV", "348": "HUN", "372": "IRL",
    "352": "ISL", "380": "ITA", "438": "LIE", "440": "LTU", "442": "LUX", "428": "LVA", "498": "MDA",
    "807": "MKD", "470": "MLT", "499": "MNE", "528": "NLD", "578": "NOR", "616": "POL", "620": "PRT",
    "642": "ROU", "643": "RUS", "688": "SRB", "703": "SVK", "705": "SVN", "752": "SWE", "792": "TUR",
    "804": "UKR", "268": "GEO", "051": "ARM", "031": "AZE", "012": "DZA", "504": "MAR", "788": "TUN",
    "434": "LBY", "818": "EGY", "760": "SYR", "368": "IRQ", "364": "IRN", "422": "LBN", "376": "ISR",
    "400": "JOR", "398": "KAZ", "492": "MCO", "674": "SMR", "336": "VAT", "304": "GRL",
}


def project(lon: float, lat: float) -> tuple[float, float]:
    x = (lon - WEST) * SCALE * math.cos(math.radians(LAT0))
    y = (NORTH - lat) * SCALE
    return x, y


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def ring(arcs: list, indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict, arcs: list) -> list[list[list[tuple[float, float]]]]:
    if geometry["type"] == "Polygon":
        return [[ring(arcs, r) for r in geometry["arcs"]]]
    if geometry["type"] == "MultiPolygon":
        return [[ring(arcs, r) for r in polygon] for polygon in geometry["arcs"]]
    return []


def area_centroid(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        return 0.0, points[0][0], points[0][1]
    return abs(area / 2), cx / (3 * area), cy / (3 * area)


def visible(polygon: list[list[tuple[float, float]]]) -> bool:
    outer = polygon[0]
    lons = [p[0] for p in outer]
    lats = [p[1] for p in outer]
    if max(lons) - min(lons) > 180:  # a ring across the antimeridian (Chukotka): never in the window
        return False
    return max(lons) >= WEST and min(lons) <= EAST and max(lats) >= SOUTH and min(lats) <= NORTH


def path_data(polygon_list) -> str:
    parts = []
    for polygon in polygon_list:
        for points in polygon:
            projected = [project(lon, lat) for lon, lat in points]
            cells, last = [], None
            for x, y in projected:
                cell = (round(x, 1), round(y, 1))
                if cell != last:
                    cells.append(cell)
                    last = cell
            if len(cells) < 3:
                continue
            parts.append("M" + " ".join(f"{x:g},{y:g}" for x, y in cells) + "Z")
    return "".join(parts)


def draw(topology: dict) -> str:
    arcs = decode_arcs(topology)
    width, height = project(EAST, SOUTH)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'data-west="{WEST}" data-east="{EAST}" data-south="{SOUTH}" data-north="{NORTH}">',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#eaf2fb"/>',
        "<!-- Natural Earth country shapes via world-atlas 2 (ISC); drawn by coevidence.server.explorer.mapgen -->",
    ]
    for geometry in topology["objects"]["countries"]["geometries"]:
        iso = EUROPE.get(str(geometry.get("id", "")))
        if iso is None:
            continue
        shapes = [p for p in polygons(geometry, arcs) if visible(p)]
        if not shapes:
            continue
        _, lon, lat = max((area_centroid(p[0]) for p in shapes), key=lambda found: found[0])
        cx, cy = project(lon, lat)
        name = geometry.get("properties", {}).get("name", iso)
        out.append(
            f'<path fill="#d4d9de" stroke="#ffffff" stroke-width="0.5" data-iso="{iso}" data-name="{name}" data-cx="{cx:.1f}" data-cy="{cy:.1f}" '
            f'd="{path_data(shapes)}"/>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m coevidence.server.explorer.mapgen path/to/countries-50m.json", file=sys.stderr)
        return 2
    topology = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(draw(topology), encoding="utf-8")
    print(f"{OUTPUT}: {OUTPUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
