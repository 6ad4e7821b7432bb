"""Lab values and temperatures written in a question, with their units."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curbside.clinical.units import (
    UnitError,
    count_to_per_ul,
    infer_temperature_unit,
    temperature_to_c,
)
from curbside.models import Measurement

_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_COUNT_UNIT = (
    r"(?P<unit>"
    r"(?:[x×*]\s*)?10\s*(?:\^|\*\*|e)?\s*[9⁹]\s*(?:cells\s*)?/\s*l\b"
    r"|(?:[x×*]\s*)?10\s*(?:\^|\*\*|e)?\s*[3³]\s*(?:cells\s*)?/\s*(?:ul|mm3|mm³)"
    r"|(?:cells?\s*)?(?:/|per\s+)\s*(?:ul|mcl|mm3|mm³|cumm|microlit(?:er|re))"
    r"|g/l\b|k/ul"
    r")"
)
_ANC_LABEL = (
    r"(?:\banc\b|absolute neutrophil(?: count)?|neutrophil count|neutrophils?)"
    r"(?:\s+(?:count|level))?"
    r"(?:\s*(?:of|is|are|was|were|at|=|:|now|today|came back(?: at)?|back(?: up)? to|"
    r"dropped to|fell to|down to|rose to|up to|recovered to|improved to|of only))*"
    r"\s*"
)
_ANC = re.compile(_ANC_LABEL + _NUM + r"\s*" + _COUNT_UNIT + r"?", re.IGNORECASE)

_TEMP_DEGREES = r"°\s*[cf]\b|º\s*[cf]\b|degrees?\s*(?:c|f|celsius|fahrenheit)\b"
_TEMP_UNIT = rf"(?P<unit>{_TEMP_DEGREES}|[cf]\b)"
_TEMP_LABELLED = re.compile(
    r"(?:\btemp(?:erature)?|\bfever|\bt\b|\bpyrexia)"
    r"(?:\s*(?:of|is|was|at|=|:|to|up to|spiking to|spiked to|reaching|reaches|reached|"
    r"rises to|rose to|goes up to|went up to|now))*\s*" + _NUM + r"\s*" + _TEMP_UNIT + r"?",
    re.IGNORECASE,
)
_TEMP_UNITED = re.compile(_NUM + rf"\s*(?P<unit>{_TEMP_DEGREES})", re.IGNORECASE)


@dataclass
class Values:
    """What was read, and what was seen but could not be used."""

    anc: Measurement | None = None
    temperature: Measurement | None = None
    warnings: list[str] = field(default_factory=list)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _read_anc(match: re.Match[str], out: Values) -> None:
    raw = match.group(0).strip()
    num = _number(match.group("num"))
    unit = match.group("unit")
    if unit is None:
        # A bare number: counts of 100 or more are per µL; small decimals are x10^9/L.
        if num >= 100:
            unit = "/µL"
        elif num < 30 and "," not in match.group("num"):
            unit = "x10^9/L"
        else:
            out.warnings.append(f"ANC '{raw}' has no unit and could be per µL or ×10^9/L; ignored.")
            return
    try:
        per_ul = count_to_per_ul(num, unit)
    except UnitError as exc:
        out.warnings.append(f"ANC '{raw}' ignored: {exc}.")
        return
    if out.anc is not None and out.anc.value != per_ul:
        # "ANC was 800, now 1100": the latest value written is the current one.
        out.warnings.append(
            f"Two ANC values were given ('{out.anc.original}', '{raw}'); the later one was used."
        )
    out.anc = Measurement(value=per_ul, unit="cells/µL", original=raw)


def _read_temperature(num_text: str, unit: str | None, raw: str, out: Values) -> None:
    num = _number(num_text)
    if unit is None:
        unit = infer_temperature_unit(num)
        if unit is None:
            out.warnings.append(f"Temperature '{raw}' is not a possible body temperature; ignored.")
            return
    try:
        celsius = temperature_to_c(num, unit)
    except UnitError as exc:
        out.warnings.append(f"Temperature '{raw}' ignored: {exc}.")
        return
    if out.temperature is None:
        out.temperature = Measurement(value=celsius, unit="°C", original=raw.strip())


def read_values(text: str) -> Values:
    """Find the ANC and body temperature in normalised question text."""
    out = Values()
    for match in _ANC.finditer(text):
        _read_anc(match, out)
    seen: set[int] = set()
    for match in _TEMP_UNITED.finditer(text):
        seen.add(match.start("num"))
        _read_temperature(match.group("num"), match.group("unit"), match.group(0), out)
    for match in _TEMP_LABELLED.finditer(text):
        if match.start("num") in seen:
            continue
        _read_temperature(match.group("num"), match.group("unit"), match.group(0), out)
    return out
