"""Geometry for the small bar charts on the measures page, drawn as SVG by the server
(templates/measures/_bars.html): no chart library reaches the phone. Horizontal bars, one row
each, label above its bar, so that long labels fit a 360 px screen."""

WIDTH = 300  # the viewBox width; the SVG scales to its container
BAR_SPACE = 230  # the longest bar; the rest is room for the value beside it
ROW = 38


def bar_chart(items, maximum=None, suffix="") -> dict:
    """Bars for `items` [(label, value or None)]: {"width", "height", "bars": [{"label", "value",
    "text", "y", "label_y", "length", "text_x"}]}. `maximum` fixes the scale (100 for percents);
    otherwise the largest value fills the space. A None value draws no bar and reads "no figure"."""
    values = [v for _label, v in items if v is not None]
    top = maximum or max(values + [0]) or 1
    bars = []
    for index, (label, value) in enumerate(items):
        y = index * ROW
        length = 0 if value is None else round(BAR_SPACE * min(value, top) / top, 1)
        bars.append({"label": label, "value": value,
                     "text": "no figure" if value is None else f"{value}{suffix}",
                     "label_y": y + 12, "y": y + 17, "length": length,
                     "text_x": round(length + 4, 1)})
    return {"width": WIDTH, "height": max(len(items) * ROW, ROW), "bars": bars}
