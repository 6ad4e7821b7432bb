"""Unit normalisation for neutrophil counts and body temperature.

Counts are kept in cells/µL (= cells/mm³). 10^9/L, 10^3/µL, G/L and K/µL are the same quantity
scaled by 1,000. Temperatures are kept in °C. `count_to_per_ul` reads a count into cells/µL and
`per_ul_to` writes one back out in any unit it reads.
"""

from __future__ import annotations

import re

# Plausibility limits: values outside are refused rather than guessed at.
MAX_ANC_PER_UL = 200_000.0
# A white cell count above this is refused (a plausibility guard, not a clinical threshold:
# leukaemic hyperleukocytosis reaches a few hundred thousand per µL).
MAX_WBC_PER_UL = 500_000.0
MIN_TEMP_C, MAX_TEMP_C = 25.0, 45.0


class UnitError(ValueError):
    """A value whose unit is unknown or whose size is impossible."""


_PER_UL = {"cells/ul", "/ul", "/mm3", "cells/mm3", "per ul", "per mm3", "/cumm", "cells/cumm"}
_THOUSANDS_PER_UL = {
    "x10^9/l",
    "10^9/l",
    "g/l",
    "x10^3/ul",
    "10^3/ul",
    "k/ul",
    "x10^3/mm3",
    "10^3/mm3",
}


def canonical_count_unit(unit: str) -> str:
    """Reduce the many spellings of a count unit to one of a few keys."""
    u = unit.strip().lower()
    u = u.replace("µ", "u").replace("μ", "u").replace("mcl", "ul").replace("microliter", "ul")
    u = u.replace("microlitre", "ul").replace("³", "3").replace("⁹", "9").replace("×", "x")
    u = u.replace("**", "^").replace("*", "x")
    u = re.sub(r"\s+", "", u)
    u = re.sub(r"^x?10e", "x10^", u)
    u = re.sub(r"^x?10(?=[93]/)", "x10^", u)
    u = u.replace("cells/l", "/l").replace("cell/", "cells/")
    if u.startswith("per"):
        u = "per " + u[3:]
    if u.startswith("10^"):
        u = "x" + u
    return u


def _cells_per_ul_in_one(unit: str) -> float:
    """How many cells/µL one of `unit` is: 1 for cells/µL and /mm³, 1,000 for 10^9/L and kin."""
    key = canonical_count_unit(unit)
    if key in _PER_UL:
        return 1.0
    if key in _THOUSANDS_PER_UL:
        return 1000.0
    raise UnitError(f"unknown count unit '{unit}': use cells/µL, /mm³, ×10^9/L or ×10^3/µL")


def count_to_per_ul(value: float, unit: str, maximum: float = MAX_ANC_PER_UL) -> float:
    """Convert a neutrophil (or, with `maximum=MAX_WBC_PER_UL`, white cell) count to cells/µL."""
    per_ul = value * _cells_per_ul_in_one(unit)
    if per_ul < 0 or per_ul > maximum or value != value:
        raise UnitError(f"a count of {value:g} {unit} is not possible")
    return per_ul


def check_count_per_ul(
    per_ul: float, what: str = "a count", maximum: float = MAX_ANC_PER_UL
) -> float:
    """Return a count in cells/µL unchanged; refuse one below 0, above `maximum` or not finite."""
    if not 0.0 <= per_ul <= maximum:  # also refuses NaN, for which every comparison is False
        raise UnitError(f"{what} of {per_ul:g}/µL is not possible: expected 0 to {maximum:,.0f}/µL")
    return per_ul


def per_ul_to(per_ul: float, unit: str) -> float:
    """Convert a count in cells/µL to `unit`: the inverse of `count_to_per_ul`."""
    one = _cells_per_ul_in_one(unit)
    return check_count_per_ul(per_ul) / one


def fahrenheit_to_celsius(value: float) -> float:
    """°F to °C, exactly; no plausibility check (see `temperature_to_c`)."""
    return (value - 32.0) * 5.0 / 9.0


def celsius_to_fahrenheit(value: float) -> float:
    """°C to °F, exactly; the inverse of `fahrenheit_to_celsius`."""
    return value * 9.0 / 5.0 + 32.0


def temperature_to_c(value: float, unit: str) -> float:
    """Convert a body temperature to °C, refusing impossible values."""
    key = unit.strip().lower().replace("°", "").replace("degrees", "").replace("degree", "").strip()
    if key in {"c", "celsius", "centigrade"}:
        celsius = value
    elif key in {"f", "fahrenheit"}:
        celsius = fahrenheit_to_celsius(value)
    else:
        raise UnitError(f"unknown temperature unit '{unit}': use °C or °F")
    if not MIN_TEMP_C <= celsius <= MAX_TEMP_C:
        raise UnitError(f"a body temperature of {value:g} {unit} is not possible")
    return round(celsius, 2)


def infer_temperature_unit(value: float) -> str | None:
    """The unit a bare body temperature must be in, or None when it could be either or neither."""
    if MIN_TEMP_C <= value <= MAX_TEMP_C:
        return "C"
    if celsius_to_fahrenheit(MIN_TEMP_C) <= value <= celsius_to_fahrenheit(MAX_TEMP_C):
        return "F"
    return None
