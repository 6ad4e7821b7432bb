"""The 4Ts score (Lo GK et al., J Thromb Haemost 2006;4:759-765): the published table's rules
and the worked examples of its authors."""

from __future__ import annotations

import pytest

from curbside.clinical.hit import four_ts, probability, thrombocytopenia_points, timing_points


def test_classes() -> None:
    assert [probability(n) for n in range(9)] == ["low"] * 4 + ["intermediate"] * 2 + ["high"] * 3


def test_all_features_of_hit_score_8() -> None:
    """Warkentin: a substantial fall beginning 5-10 days after heparin, with thrombosis and no
    other plausible cause, scores 8."""
    result = four_ts(2, 2, 2, 2)
    assert (result.score, result.probability) == (8, "high")


def test_high_probability_without_thrombosis() -> None:
    """Warkentin: with no thrombosis a patient whose features are otherwise consistent with HIT
    scores 6 of 8, high probability."""
    assert four_ts(2, 2, 0, 2).probability == "high"


def test_late_onset_with_possible_other_cause_is_intermediate() -> None:
    """A published example: fall > 50% with nadir > 20 (2), onset after day 10 (1), no new
    thrombosis (0), possible other causes (1): 4, intermediate."""
    result = four_ts(thrombocytopenia_points(300, 100), timing_points(12), 0, 1)
    assert (result.score, result.probability) == (4, "intermediate")


@pytest.mark.parametrize(
    ("before", "nadir", "points"),
    [
        (250, 90, 2),  # 64% fall, nadir 90
        (250, 15, 1),  # 94% fall but nadir 10-19
        (250, 150, 1),  # 40% fall
        (250, 200, 0),  # 20% fall
        (250, 8, 0),  # nadir below 10
        (100, 50, 1),  # exactly 50% is not more than 50%
    ],
)
def test_thrombocytopenia_points(before: float, nadir: float, points: int) -> None:
    assert thrombocytopenia_points(before, nadir) == points


@pytest.mark.parametrize(
    ("day", "exposure", "points"),
    [
        (7, None, 2),
        (5, None, 2),
        (10, None, 2),
        (11, None, 1),
        (1, 20, 2),
        (1, 60, 1),
        (2, None, 0),
        (4, None, None),  # the table does not decide day 4
        (3, 60, None),
    ],
)
def test_timing_points(day: int, exposure: int | None, points: int | None) -> None:
    assert timing_points(day, exposure) == points


def test_unknown_items_give_a_range_and_no_class_until_decided() -> None:
    """Platelets 250 -> 90 on day 7 of heparin, thrombosis and other causes not known: 4 to 8,
    intermediate or high, so the class is not decided (but is not low)."""
    result = four_ts(thrombocytopenia_points(250, 90), timing_points(7), None, None)
    assert (result.score, result.minimum, result.maximum) == (4, 4, 8)
    assert result.probability is None
    assert result.missing == ["Thrombosis or other sequelae", "Other causes of thrombocytopenia"]
    assert four_ts(0, 0, None, 0).probability == "low"  # 0 to 2: low whatever it is


def test_points_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        four_ts(3, 0, 0, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        thrombocytopenia_points(100, 120)
