"""The 4Ts score: pretest probability of heparin-induced thrombocytopenia (HIT).

Source: Lo GK, Juhl D, Warkentin TE, Sigouin CS, Eichler P, Greinacher A. Evaluation of pretest
clinical score (4 T's) for the diagnosis of heparin-induced thrombocytopenia in two clinical
settings. J Thromb Haemost 2006;4(4):759-765. doi:10.1111/j.1538-7836.2006.01787.x,
PMID 16634744. The paper itself was not read here: its abstract was (low scores: 1/64 and 0/55
positive for HIT antibodies); the table below is the published 4Ts table as reproduced, with the
same wording, by the Merck Manual calculator (citing Lo 2006) and by the MGH critical care
handbook. Each category scores 0, 1 or 2 (total 0-8): 0-3 low, 4-5 intermediate, 6-8 high.

- Thrombocytopenia: fall > 50% and nadir >= 20 x 10^9/L: 2; fall 30-50% or nadir 10-19: 1;
  fall < 30% or nadir < 10: 0.
- Timing of the fall: clear onset on days 5-10, or a fall within 1 day with heparin exposure in
  the past 30 days: 2; consistent with days 5-10 but not clear (missing counts), onset after
  day 10, or a fall within 1 day with exposure 30-100 days ago: 1; a fall before day 4 without
  recent exposure: 0. Day 0 is the first day of the (most recent) heparin exposure.
- Thrombosis or other sequelae: new thrombosis (confirmed), skin necrosis, acute systemic
  reaction after an intravenous unfractionated heparin bolus: 2; progressive or recurrent
  thrombosis, non-necrotising (erythematous) skin lesions, suspected thrombosis not proven: 1;
  none: 0.
- Other causes of thrombocytopenia: none apparent: 2; possible: 1; definite: 0.

Three-valued like the MASCC and CISNE calculators: an unknown item (None) leaves the total a
range, and the class is decided only when every total in the range has the same class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Probability = Literal["low", "intermediate", "high"]
Points = Literal[0, 1, 2]

INTERMEDIATE_MIN = 4  # 4-5 intermediate
HIGH_MIN = 6  # 6-8 high


@dataclass(frozen=True)
class FourTs:
    """A 4Ts result: the points of the known items and what the unknown ones leave open."""

    score: int  # points of the known items
    minimum: int
    maximum: int
    probability: Probability | None  # None while the unknown items could change it
    items: list[tuple[str, int]]
    missing: list[str]


def probability(total: int) -> Probability:
    if total >= HIGH_MIN:
        return "high"
    return "intermediate" if total >= INTERMEDIATE_MIN else "low"


def thrombocytopenia_points(before: float, nadir: float) -> Points:
    """Points for the fall from `before` (the highest count) to `nadir`, both in 10^9/L."""
    if before <= 0 or nadir < 0 or nadir > before:
        raise ValueError("the nadir must lie between 0 and the count before the fall")
    fall = (before - nadir) / before * 100.0
    if fall < 30.0 or nadir < 10.0:
        return 0
    if fall > 50.0 and nadir >= 20.0:
        return 2
    return 1


def timing_points(onset_day: int, prior_exposure_days_ago: int | None = None) -> Points | None:
    """Points for the day the count began to fall (day 0: first day of heparin), with how long
    ago any earlier heparin exposure ended; None where the table does not decide (day 4, or
    days 2-3 with exposure in the past 100 days)."""
    if 5 <= onset_day <= 10:
        return 2
    if onset_day > 10:
        return 1
    recent = prior_exposure_days_ago
    if onset_day <= 1 and recent is not None:
        if recent <= 30:
            return 2
        if recent <= 100:
            return 1
    if onset_day < 4 and (recent is None or recent > 100):
        return 0
    return None


def four_ts(
    thrombocytopenia: Points | None,
    timing: Points | None,
    thrombosis: Points | None,
    other_causes: Points | None,
) -> FourTs:
    """The 4Ts total, its range while items are unknown, and the pretest probability."""
    named = {
        "Thrombocytopenia": thrombocytopenia,
        "Timing of platelet count fall": timing,
        "Thrombosis or other sequelae": thrombosis,
        "Other causes of thrombocytopenia": other_causes,
    }
    for label, points in named.items():
        if points is not None and points not in (0, 1, 2):
            raise ValueError(f"{label}: points must be 0, 1 or 2")
    items: list[tuple[str, int]] = [(label, p) for label, p in named.items() if p is not None]
    missing = [label for label, p in named.items() if p is None]
    score = sum(p for _, p in items)
    low, high = score, score + 2 * len(missing)
    decided = probability(low) if probability(low) == probability(high) else None
    return FourTs(score, low, high, decided, items, missing)
