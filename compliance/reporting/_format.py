"""Small, pure helpers shared by the HTML view and the charts: numbers, verdicts, orders.

Numbers in a manifest are decimal strings; a report shows them with four significant
digits (the precision the judge uses in its reasons), intervals as ``[low, high]`` and
p-values in scientific notation when small. Nothing here rounds a value that is judged:
the manifest keeps full precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = [
    "SECTION_TITLES",
    "VERDICT_ORDER",
    "VERDICT_SYMBOLS",
    "VERDICT_WORDS",
    "dimension_order",
    "fmt",
    "fmt_interval",
    "fmt_p",
    "to_float",
    "verdict_rank",
]

VERDICT_ORDER: dict[str, int] = {
    "fail": 0,
    "insufficient_data": 1,
    "inconclusive": 2,
    "pass": 3,
    "not_applicable": 4,
}
# text and shape, never colour alone: the symbol and the word carry the verdict in grayscale
VERDICT_SYMBOLS: dict[str, str] = {
    "pass": "✔",
    "fail": "✖",
    "inconclusive": "?",
    "insufficient_data": "…",
    "not_applicable": "–",
}
VERDICT_WORDS: dict[str, str] = {
    "pass": "PASS",
    "fail": "FAIL",
    "inconclusive": "INCONCLUSIVE",
    "insufficient_data": "INSUFFICIENT DATA",
    "not_applicable": "NOT APPLICABLE",
}
SECTION_TITLES: dict[str, str] = {
    "A": "Truth under personalization",
    "B": "Bias benchmarks",
    "C": "Outcome fairness",
    "D": "Personalization quality",
}


def verdict_rank(verdict: str) -> int:
    """Worst first: fail < insufficient data < inconclusive < pass < not applicable."""
    return VERDICT_ORDER.get(verdict, len(VERDICT_ORDER))


def to_float(value: str | None) -> float | None:
    """A manifest decimal string as a float (``None`` and non-numbers stay ``None``)."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def fmt(value: str | None, digits: int = 4) -> str:
    """``digits`` significant digits, an em dash for a missing value."""
    number = to_float(value)
    if number is None:
        return "—" if value is None else value
    if number == 0:
        return "0"
    if abs(number) >= 10**digits or abs(number) < 1e-4:
        return f"{number:.{digits - 1}e}"
    return f"{number:.{digits}g}"


def fmt_interval(low: str | None, high: str | None) -> str:
    """``[low, high]``, or an em dash when the interval is missing."""
    if low is None or high is None:
        return "—"
    return f"[{fmt(low)}, {fmt(high)}]"


def fmt_p(value: str | None) -> str:
    """A p-value: three significant digits, scientific below 0.001."""
    number = to_float(value)
    if number is None:
        return "—"
    if number < 1e-3:
        return "< 1e-300" if number == 0 else f"{number:.2e}"
    return f"{number:.3g}"


def dimension_order(dimensions: Iterable[str]) -> list[str]:
    """``persona`` first, then single attributes, then intersections, then benchmark axes."""

    def key(name: str) -> tuple[int, str]:
        if name == "persona":
            return (0, name)
        if name.startswith("bbq."):
            return (3, name)
        if "×" in name:
            return (2, name)
        return (1, name)

    return sorted(set(dimensions), key=key)
