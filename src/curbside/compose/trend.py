"""Counts over time: the words of a trend ("fell from 1.9 to 0.72 × 10^9/L in 7 days") and a small
chart of it, drawn on the server as SVG (no script, no CDN) with the CTCAE grade bands behind the
line; the article shows a data table beside it for those who cannot see the chart."""

from __future__ import annotations

from dataclasses import dataclass

from curbside.models import CountPoint

FAST_FALL = 0.5  # a count that more than halves ...
FAST_DAYS = 7  # ... within a week is a finding of its own
# CTCAE v5.0 neutrophil count decreased, in cells/µL: (lower bound, grade label).
GRADE_BANDS = ((1500, "Grade 1"), (1000, "Grade 2"), (500, "Grade 3"), (0, "Grade 4"))
WIDTH, HEIGHT, PAD = 320, 160, 34
TOP = 2500.0  # cells/µL at the top of the chart (or the highest count, if higher)


def per_litre(anc: float) -> str:
    """cells/µL as × 10^9/L, e.g. 1900 -> '1.9', 720 -> '0.72'."""
    return f"{anc / 1000:.2f}".rstrip("0").rstrip(".")


def _days(first: CountPoint, last: CountPoint) -> float:
    return (last.taken - first.taken).total_seconds() / 86400


def trend_words(series: list[CountPoint]) -> tuple[str, bool] | None:
    """The change from the first to the last count, and whether it is a fast fall (the count
    more than halved within a week); None for fewer than two counts."""
    if len(series) < 2:
        return None
    first, last = series[0], series[-1]
    days = _days(first, last)
    span = f"{days:.0f} day{'s' if round(days) != 1 else ''}" if days >= 1 else "under a day"
    if last.anc_per_uL == first.anc_per_uL:
        return f"ANC unchanged at {per_litre(last.anc_per_uL)} × 10^9/L over {span}.", False
    verb = "fell" if last.anc_per_uL < first.anc_per_uL else "rose"
    text = (
        f"ANC {verb} from {per_litre(first.anc_per_uL)} to {per_litre(last.anc_per_uL)} "
        f"× 10^9/L in {span} ({len(series)} counts)."
    )
    fast = last.anc_per_uL < first.anc_per_uL * (1 - FAST_FALL) and days <= FAST_DAYS
    return text, fast


@dataclass(frozen=True)
class Band:
    label: str
    y: float
    height: float


@dataclass(frozen=True)
class Chart:
    """The geometry of a trend chart, in SVG user units."""

    width: int
    height: int
    points: tuple[tuple[float, float], ...]
    bands: tuple[Band, ...]
    left: int
    bottom: int

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


def chart(series: list[CountPoint]) -> Chart | None:
    """The chart of two or more counts against time, with the grade bands."""
    if len(series) < 2:
        return None
    top = max(TOP, *(p.anc_per_uL for p in series))
    inner_w, inner_h = WIDTH - PAD - 8, HEIGHT - 2 * 12
    span = max(_days(series[0], series[-1]), 1e-9)

    def y(anc: float) -> float:
        return 12 + inner_h * (1 - anc / top)

    points = tuple((PAD + inner_w * _days(series[0], p) / span, y(p.anc_per_uL)) for p in series)
    bands = []
    upper = top
    for lower, label in GRADE_BANDS:
        if lower < upper:
            bands.append(Band(label, y(upper), y(lower) - y(upper)))
        upper = min(upper, lower)
    return Chart(WIDTH, HEIGHT, points, tuple(bands), PAD, HEIGHT - 12)
