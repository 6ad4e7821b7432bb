"""Lab values and temperatures written in a question, with their units."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curbside.clinical.ctcae_labs import haemoglobin_to_g_dl, platelets_to_per_ul
from curbside.clinical.units import (
    MAX_ANC_PER_UL,
    MAX_WBC_PER_UL,
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
_ANC = re.compile(
    _ANC_LABEL + r"(?<![\d.])" + _NUM + r"(?!\d|\.\d|e[+-]?\d|\s*%)\s*" + _COUNT_UNIT + r"?",
    re.IGNORECASE,
)
# A number after an ANC label that cannot be read as a count: a sign, an exponent, or a unit
# that is not a cell count ("ANC -5", "ANC 1e308", "ANC 400 mg/dL").
_BAD_ANC = re.compile(
    r"(?:\banc\b|absolute neutrophil(?: count)?|neutrophil count)(?:\s*(?:of|is|was|=|:))*\s*"
    r"(?P<value>[-−+]\s*\d[\d.,]*(?:e[+-]?\d+)?|\d[\d.,]*e[+-]?\d+"
    r"|\d[\d.,]*\s*(?:mg|g(?!\s*/\s*l\b)|mmol|umol|mcg|ug|iu|units?|%|percent)\b(?:\s*/\s*\w+)?)",
    re.IGNORECASE,
)
_WBC = re.compile(
    r"\b(?:wbc|white (?:blood )?(?:cell )?count|white cells|leukocytes?|leucocytes?)"
    r"(?:\s*(?:of|is|was|=|:|at))*\s*" + _NUM + r"(?!\d|\.\d)\s*" + _COUNT_UNIT + r"?",
    re.IGNORECASE,
)
# "from 250 to 90": the later value is the current one.
_FROM_TO = r"(?:from\s+\d[\d,]*(?:\.\d+)?\s*(?:[a-z/^0-9]+\s+)?to\s+)?"
_LAB_VERBS = (
    r"(?:\s*(?:of|is|are|was|were|=|:|at|now|today|only|has|have|dropped|fell|fallen|dropped|"
    r"down|decreased|went|gone|came back|back|to))*\s*"
)
_HAEMOGLOBIN = re.compile(
    r"\b(?:ha?emoglobin|hgb|hb)(?:\s+(?:level|concentration))?"
    + _LAB_VERBS
    + _FROM_TO
    + r"(?<![\d.])"
    + _NUM
    + r"(?!\d|\.\d|\s*%)\s*(?P<unit>g\s*/\s*dl|gm\s*/\s*dl|g\s*/\s*l\b)?"
)
_PLATELETS = re.compile(
    r"\b(?:platelets?|plts?)(?:\s+(?:count|level))?"
    + _LAB_VERBS
    + _FROM_TO
    + r"(?<![\d.])"
    + _NUM
    + r"(?!\d|\.\d|\s*%)\s*"
    + _COUNT_UNIT
    + r"?"
)
_PERCENT = r"(\d{1,3}(?:\.\d+)?)\s*%"
_NEUTROPHIL_PCT = re.compile(
    _PERCENT + r"\s*(?:segmented |segs? |polymorphs? |pmns? )?(?:neutrophils?|neuts?|segs|pmns?)\b"
    r"|\b(?:neutrophils?|neuts?|segs)\s*(?:of|is|was|=|:)?\s*" + _PERCENT,
    re.IGNORECASE,
)
_BAND_PCT = re.compile(
    _PERCENT + r"\s*bands?\b|\bbands?\s*(?:of|is|was|=|:)?\s*" + _PERCENT, re.IGNORECASE
)

_TEMP_DEGREES = r"°\s*[cf]\b|º\s*[cf]\b|degrees?\s*(?:c|f|celsius|fahrenheit)\b"
_TEMP_UNIT = rf"(?P<unit>{_TEMP_DEGREES}|[cf]\b)"
_TEMP_LABELLED = re.compile(
    r"(?:\btemp(?:erature)?|\bfever|\bt\b|\bpyrexia)"
    r"(?:\s*(?:of|is|was|at|=|:|to|up to|spiking to|spiked to|reaching|reaches|reached|"
    r"rises to|rose to|goes up to|went up to|now))*\s*" + _NUM + r"\s*" + _TEMP_UNIT + r"?",
    re.IGNORECASE,
)
_TEMP_UNITED = re.compile(_NUM + rf"\s*(?P<unit>{_TEMP_DEGREES})", re.IGNORECASE)
# A body temperature written with a bare C or F and no label: "38.1 C", "101.5 F".
_TEMP_BARE = re.compile(
    r"(?<![\d.])(?P<num>(?:3[4-9]|4[0-2])(?:\.\d+)?)\s*(?P<unit>c)\b"
    r"|(?<![\d.])(?P<fnum>(?:9[4-9]|10\d)(?:\.\d+)?)\s*(?P<funit>f)\b",
    re.IGNORECASE,
)


@dataclass
class Values:
    """What was read, and what was seen but could not be used."""

    anc: Measurement | None = None
    temperature: Measurement | None = None
    wbc: Measurement | None = None
    haemoglobin: Measurement | None = None  # g/dL
    platelets: Measurement | None = None  # cells/µL
    temperature_at: int | None = None  # where the temperature used is written
    neutrophil_percent: float | None = None
    band_percent: float | None = None
    warnings: list[str] = field(default_factory=list)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _count(
    match: re.Match[str], what: str, small_below: float, maximum: float, out: Values
) -> Measurement | None:
    """A count as written, in cells/µL. A bare number of 100 or more is per µL, one below
    `small_below` (without a thousands comma) is ×10^9/L; anything else is refused with a note."""
    raw = match.group(0).strip()
    num = _number(match.group("num"))
    unit = match.group("unit")
    if unit is None:
        if num >= 100:
            unit = "/µL"
        elif num < small_below and "," not in match.group("num"):
            unit = "x10^9/L"
        else:
            out.warnings.append(
                f"{what} '{raw}' has no unit and could be per µL or ×10^9/L; ignored."
            )
            return None
    try:
        per_ul = count_to_per_ul(num, unit, maximum=maximum)
    except UnitError as exc:
        out.warnings.append(f"{what} '{raw}' ignored: {exc}.")
        return None
    return Measurement(value=per_ul, unit="cells/µL", original=raw)


def _read_anc(match: re.Match[str], out: Values) -> None:
    anc = _count(match, "ANC", 30, MAX_ANC_PER_UL, out)
    if anc is None:
        return
    if out.anc is not None and out.anc.value != anc.value:
        # "ANC was 800, now 1100": the latest value written is the current one.
        out.warnings.append(
            f"Two ANC values were given ('{out.anc.original}', '{anc.original}'); the later one "
            "was used."
        )
    out.anc = anc


def _read_temperature(
    num_text: str, unit: str | None, raw: str, out: Values, at: int | None = None
) -> None:
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
        out.temperature_at = at


def _read_wbc(match: re.Match[str], out: Values) -> None:
    out.wbc = _count(match, "WBC", 100, MAX_WBC_PER_UL, out) or out.wbc


def _read_haemoglobin(match: re.Match[str], out: Values) -> None:
    raw = match.group(0).strip()
    num = _number(match.group("num"))
    unit = match.group("unit")
    if unit is None:
        # A bare haemoglobin: below 25 is g/dL, 25 to 250 is g/L.
        unit = "g/dL" if num < 25 else "g/L"
    try:
        g_dl = haemoglobin_to_g_dl(num, unit.replace(" ", ""))
    except UnitError as exc:
        out.warnings.append(f"Haemoglobin '{raw}' ignored: {exc}.")
        return
    out.haemoglobin = Measurement(value=round(g_dl, 2), unit="g/dL", original=raw)


def _read_platelets(match: re.Match[str], out: Values) -> None:
    raw = match.group(0).strip()
    num = _number(match.group("num"))
    unit = match.group("unit")
    if unit is None:
        # A bare platelet count: below 2,000 (without a thousands comma) is x10^9/L, else per µL.
        unit = "x10^9/L" if num < 2000 and "," not in match.group("num") else "/µL"
    try:
        per_ul = platelets_to_per_ul(num, unit)
    except UnitError as exc:
        out.warnings.append(f"Platelets '{raw}' ignored: {exc}.")
        return
    out.platelets = Measurement(value=per_ul, unit="cells/µL", original=raw)


def _percent(pattern: re.Pattern[str], text: str, what: str, out: Values) -> float | None:
    match = pattern.search(text)
    if match is None:
        return None
    value = float(next(g for g in match.groups() if g is not None))
    if value > 100:
        out.warnings.append(f"{what} '{match.group(0).strip()}' is over 100%; ignored.")
        return None
    return value


def read_values(text: str) -> Values:
    """Find the ANC, the WBC and differential, and the body temperature in normalised question
    text. A value that cannot be a count (a sign, an exponent, a unit of mass) is refused with a
    warning rather than read or silently dropped."""
    out = Values()
    bad = [m for m in _BAD_ANC.finditer(text)]
    for match in bad:
        out.warnings.append(
            f"ANC '{match.group(0).strip()}' is not a possible neutrophil count (give cells/µL "
            "or ×10^9/L); ignored."
        )
    refused = {m.start("value") for m in bad}
    for match in _ANC.finditer(text):
        if match.start("num") not in refused:
            _read_anc(match, out)
    for match in _WBC.finditer(text):
        _read_wbc(match, out)
    for match in _HAEMOGLOBIN.finditer(text):
        _read_haemoglobin(match, out)
    for match in _PLATELETS.finditer(text):
        _read_platelets(match, out)
    out.neutrophil_percent = _percent(_NEUTROPHIL_PCT, text, "Neutrophils", out)
    out.band_percent = _percent(_BAND_PCT, text, "Bands", out)
    seen: set[int] = set()
    for match in _TEMP_UNITED.finditer(text):
        seen.add(match.start("num"))
        _read_temperature(
            match.group("num"), match.group("unit"), match.group(0), out, match.start()
        )
    for match in _TEMP_BARE.finditer(text):
        group = "num" if match.group("num") else "fnum"
        seen.add(match.start(group))
        unit = match.group("unit") or match.group("funit")
        _read_temperature(match.group(group), unit, match.group(0), out, match.start())
    for match in _TEMP_LABELLED.finditer(text):
        if match.start("num") in seen:
            continue
        _read_temperature(
            match.group("num"), match.group("unit"), match.group(0), out, match.start()
        )
    return out
