"""Server-drawn SVG charts (so cached pages show them offline): the Star radar and NDT totals.

These functions compute geometry only; templates/assessments/_star_chart.html and
_ndt_chart.html draw it, each with a title, a description and a data table beside it.

Star radar geometry (tests compute it independently from this description):
- viewBox 0 0 300 300, centre (150, 150), outer radius 110;
- area i (0-based, in the instrument's order) of n lies on the spoke at angle 2πi/n clockwise from
  straight up: x = 150 + r·sin(2πi/n), y = 150 − r·cos(2πi/n);
- a score s is drawn at r = 110 · s / scale max (10 → the outer ring);
- each point is "x,y" with one decimal place; one <polygon> per reading, nothing else is a polygon
  (rings are circles at the stage boundaries, spokes are lines).
"""

import math
from datetime import date

CENTRE = 150.0
RADIUS = 110.0
# Up to three readings, told apart by dash pattern and marker as well as colour (WCAG 1.4.1).
STYLES = [
    {"name": "solid", "dash": "", "colour": "#1d70b8"},
    {"name": "dashed", "dash": "6 4", "colour": "#d4351c"},
    {"name": "dotted", "dash": "2 3", "colour": "#505a5f"},
]


def _point(index, count, radius):
    angle = 2 * math.pi * index / count
    return CENTRE + radius * math.sin(angle), CENTRE - radius * math.cos(angle)


def _fmt(x, y):
    return f"{x:.1f},{y:.1f}"


def star_chart(instrument, readings):
    """Geometry for a radar of `readings` (final, complete, of this Star and edition; oldest
    first, at most three): spokes, stage rings, area number labels and one polygon each."""
    count = len(instrument.domains)
    scale_max = instrument.max
    spokes = []
    for index, domain in enumerate(instrument.domains):
        x, y = _point(index, count, RADIUS)
        lx, ly = _point(index, count, RADIUS + 16)
        spokes.append({"x": f"{x:.1f}", "y": f"{y:.1f}", "label_x": f"{lx:.1f}",
                       "label_y": f"{ly + 4:.1f}", "number": index + 1, "label": domain["label"]})
    rings = [{"r": f"{RADIUS * stage['max'] / scale_max:.1f}", "label": stage["label"]}
             for stage in instrument.stages]
    polygons = []
    for reading, style in zip(readings, STYLES):
        points = [_point(i, count, RADIUS * reading["scores"][key] / scale_max)
                  for i, key in enumerate(instrument.domain_keys)]
        polygons.append({"points": " ".join(_fmt(x, y) for x, y in points), "style": style,
                         "assessed_on": reading["assessed_on"], "id": reading["id"]})
    return {"centre": CENTRE, "spokes": spokes, "rings": rings, "polygons": polygons}


def distance_travelled(instrument, first, latest):
    """Per area: first score, latest score and the change (latest − first), for two final
    readings of the same Star and edition."""
    rows = []
    for domain in instrument.domains:
        a, b = first["scores"].get(domain["key"]), latest["scores"].get(domain["key"])
        rows.append({"label": domain["label"], "first": a, "latest": b,
                     "change": None if a is None or b is None else b - a})
    return rows


def ndt_chart(points, max_total, width=320, height=160):
    """Geometry for a line of NDT totals over time. `points` are (ISO date, total), oldest first;
    x is proportional to the date, y runs from 0 (bottom) to `max_total` (top)."""
    left, right, top, bottom = 36.0, width - 12.0, 12.0, height - 30.0
    days = [date.fromisoformat(day) for day, _total in points]
    span = (days[-1] - days[0]).days if days else 0
    drawn = []
    for (day, total), when in zip(points, days):
        x = left + (right - left) * ((when - days[0]).days / span) if span else (left + right) / 2
        y = bottom - (bottom - top) * total / max_total if max_total else bottom
        drawn.append({"x": f"{x:.1f}", "y": f"{y:.1f}", "date": day, "total": total})
    return {"width": width, "height": height, "left": left, "right": right, "top": top,
            "bottom": bottom, "max_total": max_total, "points": drawn,
            "polyline": " ".join(f"{p['x']},{p['y']}" for p in drawn)}
