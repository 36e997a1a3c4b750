"""The portal's trend chart: its y axis is labelled, and each label sits where its value does."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from compliance.api.portal.views import trend_svg

SVG = "{http://www.w3.org/2000/svg}"


def chart(series: list[tuple[int, float | None, str | None]], threshold: float) -> ET.Element:
    markup = str(trend_svg("dp_gap", series, threshold))
    return ET.fromstring(markup.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def ticks(svg: ET.Element) -> dict[str, float]:
    """Tick label → the y of its baseline less the 3 px that centre it on its value."""
    return {
        text.text or "": float(text.attrib["y"]) - 3
        for text in svg.iter(f"{SVG}text")
        if text.attrib.get("class") == "tick"
    }


def near(a: float, b: float) -> bool:
    return abs(a - b) < 0.11  # coordinates are written to 0.1 px


def point_y(svg: ET.Element, version: int) -> float:
    for circle in svg.iter(f"{SVG}circle"):
        title = circle.find(f"{SVG}title")
        if title is not None and re.match(rf"v{version}: ", title.text or ""):
            return float(circle.attrib["cy"])
    raise AssertionError(f"no point for v{version}")


def test_the_axis_shows_the_threshold_and_the_extremes_where_they_are_drawn() -> None:
    svg = chart([(1, 0.02, "pass"), (2, 0.09, "fail"), (3, 0.05, "pass")], threshold=0.06)
    labels = ticks(svg)
    assert set(labels) == {"0.06", "0.09", "0.02"}
    assert near(labels["0.09"], point_y(svg, 2)) and near(labels["0.02"], point_y(svg, 1))
    dashed = next(line for line in svg.iter(f"{SVG}line") if "stroke-dasharray" in line.attrib)
    assert near(labels["0.06"], float(dashed.attrib["y1"]))
    # higher values are drawn higher (smaller y), in proportion
    assert labels["0.09"] < labels["0.06"] < point_y(svg, 3) < labels["0.02"]
    expected = (0.06 - 0.05) / (0.06 - 0.02) * (labels["0.02"] - labels["0.06"])
    assert abs(point_y(svg, 3) - labels["0.06"] - expected) < 0.2


def test_a_label_too_close_to_the_threshold_is_left_out() -> None:
    labels = ticks(chart([(1, 0.5, "pass"), (2, 0.1001, "pass")], threshold=0.1))
    assert set(labels) == {"0.1", "0.5"}
    assert len(ticks(chart([(1, None, None)], threshold=0.2))) == 1
