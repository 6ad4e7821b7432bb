"""Issue 18: several ANC Observations over time become a trend: a finding in words ("fell from 1.9
to 0.72 × 10^9/L in 7 days"), a fast fall as a finding of its own, and a server-drawn SVG chart
with the grade bands and a data table."""

from __future__ import annotations

import re

from tests.fhir_builders import bundle, medication_request, observation, patient

from curbside.compose.render import render
from curbside.compose.trend import chart, trend_words
from curbside.engine import Engine
from curbside.models import CountPoint
from curbside.patient.fhir import from_fhir_bundle

SERIES = bundle(
    patient(),
    observation("751-8", 1.9, "10*3/uL", "2026-11-13T08:00:00Z"),
    observation("751-8", 1.3, "10*3/uL", "2026-11-17T08:00:00Z"),
    observation("751-8", 0.72, "10*3/uL", "2026-11-20T08:00:00Z"),
    medication_request("clozapine"),
)


def test_the_fhir_reader_keeps_every_dated_anc_oldest_first() -> None:
    record = from_fhir_bundle(SERIES)
    assert record.anc is not None and record.anc.value == 720
    assert [r.value for r in record.anc_series or []] == [1900, 1300, 720]
    single = bundle(patient(), observation("751-8", 0.72, "10*3/uL", "2026-11-20T08:00:00Z"))
    assert from_fhir_bundle(single).anc_series is None


def test_the_trend_in_words_and_a_fast_fall(engine: Engine) -> None:
    article = engine.ask(
        "Patient on clozapine: what is the management of the neutropenia?",
        "physician",
        patient=from_fhir_bundle(SERIES),
    )
    found = {s.id: s.text for sec in article.sections for s in sec.statements}
    assert found["patient-anc-trend"] == "ANC fell from 1.9 to 0.72 × 10^9/L in 7 days (3 counts)."
    assert "patient-anc-fast-fall" in found
    assert article.patient is not None and len(article.patient.anc_trend) == 3
    html = render(article, "html")
    svg = re.search(r"<svg class=\"trend-chart\".*?</svg>", html, re.S)
    assert svg is not None and svg.group(0).count("<circle") == 3
    assert 'role="img"' in svg.group(0) and "<title" in svg.group(0)
    assert "Grade 4" in svg.group(0) and "Grade 1" in svg.group(0)
    table = html.split('<table class="trend-table">')[1].split("</table>")[0]
    assert [c for c in re.findall(r"<td>([\d.]+)</td>", table)] == ["1.9", "1.3", "0.72"]


def test_a_slow_fall_is_not_fast_and_a_single_count_has_no_trend() -> None:
    def point(day: int, anc: float) -> CountPoint:
        return CountPoint(taken=f"2026-11-{day:02d}T08:00:00Z", anc_per_uL=anc)  # type: ignore[arg-type]

    slow = trend_words([point(1, 1900), point(20, 720)])
    assert slow == ("ANC fell from 1.9 to 0.72 × 10^9/L in 19 days (2 counts).", False)
    assert trend_words([point(1, 1900)]) is None and chart([point(1, 1900)]) is None
    drawn = chart([point(1, 1900), point(8, 720)])
    assert drawn is not None and drawn.points[0][1] < drawn.points[1][1]  # lower count, lower line
