"""Readings in canonical units, from a value and the unit a file or a FHIR record wrote: counts
in cells/µL (UCUM spellings such as 10*3/uL understood), temperatures in °C. A percentage is never
taken for a count."""

from __future__ import annotations

import re
from datetime import datetime

from curbside.clinical.units import MAX_WBC_PER_UL, UnitError, count_to_per_ul, temperature_to_c
from curbside.patient.model import Reading

_PERCENT_UNITS = {"%", "percent", "pct", "per cent"}


def is_percent_unit(unit: str | None) -> bool:
    """Whether a unit says the value is a percentage (of white cells), not a count."""
    return unit is not None and unit.strip().lower() in _PERCENT_UNITS


def _plain_count_unit(unit: str) -> str:
    """UCUM count spellings (10*3/uL, {cells}/uL, 10*9/L) in the spelling units.py reads."""
    plain = re.sub(r"\{[^}]*\}", "", unit).strip()
    plain = re.sub(r"^(x?)10\*(\d+)", r"\g<1>10^\2", plain)
    return "G/L" if plain.lower() == "giga/l" else plain


_TEMPERATURE_UNITS = {"cel": "C", "degc": "C", "degf": "F"}


def count_reading(
    value: float, unit: str, *, as_written: str | None = None, taken: datetime | None = None
) -> Reading:
    """A count (neutrophils, white cells, monocytes) in cells/µL; raises UnitError.

    A percentage is refused: a share of the white cells is never taken for a count.
    """
    written = as_written or f"{value:g} {unit}"
    if is_percent_unit(unit):
        raise UnitError(f"{written} is a percentage, not an absolute count")
    # The white-cell cap: an ANC or monocyte count is a part of the WBC, which leukaemia can
    # take to several hundred thousand per µL; the calculators check each count's own limit.
    per_ul = count_to_per_ul(value, _plain_count_unit(unit), MAX_WBC_PER_UL)
    return Reading(value=round(per_ul, 3), as_written=written, taken=taken)


def temperature_reading(
    value: float, unit: str, *, as_written: str | None = None, taken: datetime | None = None
) -> Reading:
    """A body temperature in °C; raises UnitError."""
    key = unit.strip().strip("[]").lower()
    celsius = temperature_to_c(value, _TEMPERATURE_UNITS.get(key, unit))
    return Reading(value=celsius, as_written=as_written or f"{value:g} {unit}", taken=taken)
