"""Febrile neutropenia as the IDSA 2010 guideline defines it.

Source: Freifeld AG, Bow EJ, Sepkowitz KA, Boeckh MJ, Ito JI, Mullen CA, Raad II, Rolston KV,
Young JA, Wingard JR. Clinical practice guideline for the use of antimicrobial agents in
neutropenic patients with cancer: 2010 update by the Infectious Diseases Society of America.
Clin Infect Dis 2011;52(4):e56-e93. doi:10.1093/cid/cir073. PMID 21258094.

- Fever: a single oral temperature of ≥ 38.3 °C (101 °F), or a temperature of ≥ 38.0 °C
  (100.4 °F) sustained over a 1-hour period.
- Neutropenia: an ANC < 500 cells/mm³ (= cells/µL), or an ANC expected to decrease to
  < 500 cells/mm³ during the next 48 hours. Secondary statements of the definition put the
  second case as "between 500 and 1000 cells/µL and expected to decline below 500" (Cochrane
  protocol CD012184, citing Freifeld 2011), so an ANC of 500 to 999/µL whose course is not known
  cannot be decided; from 1,000/µL it is taken as not neutropenic in this sense.

Every answer is three-valued: yes, no, or cannot tell (None) with what is missing: a reading of
38.0-38.2 °C whose duration is not known, or an ANC of 500-999/µL whose expected course is not.

Both thresholds are inclusive exactly as written: 38.3 °C and 38.0 °C (sustained) are fevers; an
ANC of 500/µL is not neutropenia in this sense. Verification: this wording was confirmed in
verbatim quotations of the guideline by secondary sources (a hospital pathway and a drug guide);
the guideline's own Definitions section was not reachable in the copies searched.

The CTCAE v5.0 term "Febrile neutropenia" differs (ANC < 1000/mm³ and a single temperature
> 38.3 °C, or ≥ 38 °C for more than 1 hour); it is not what this module encodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from curbside.clinical.units import MAX_TEMP_C, MIN_TEMP_C, UnitError, check_count_per_ul

FEVER_SINGLE_C = 38.3  # a single oral temperature at or above this is a fever
FEVER_SUSTAINED_C = 38.0  # ... and so is one at or above this, sustained over 1 hour
NEUTROPENIA_ANC_PER_UL = 500.0  # an ANC below this is neutropenia
EXPECTED_FALL_ANC_PER_UL = 1000.0  # below this, a fall below 500 within 48 h is the question


@dataclass(frozen=True, slots=True)
class FebrileAssessment:
    """Whether the IDSA 2010 definitions are met. None where the data given do not decide."""

    fever: bool | None
    neutropenia: bool | None
    febrile_neutropenia: bool | None
    reason: str


def _celsius(value: float) -> str:
    """38.6 -> '38.6 °C', 38 -> '38.0 °C', 38.25 -> '38.25 °C'."""
    text = f"{value:.2f}"
    return f"{text[:-1] if text.endswith('0') else text} °C"


def _per_ul(value: float) -> str:
    """400 -> '400/µL', 1500 -> '1,500/µL', 499.5 -> '499.5/µL'."""
    return f"{value:,.10g}/µL"


def _fever(temperature_c: float | None, sustained_1h: bool | None) -> tuple[bool | None, str]:
    if temperature_c is None:
        return None, "temperature unknown"
    if not (math.isfinite(temperature_c) and MIN_TEMP_C <= temperature_c <= MAX_TEMP_C):
        raise UnitError(
            f"a body temperature of {temperature_c:g} °C is not possible: expected "
            f"{MIN_TEMP_C:g} to {MAX_TEMP_C:g} °C (convert °F with temperature_to_c)"
        )
    t = _celsius(temperature_c)
    if temperature_c >= FEVER_SINGLE_C:
        return True, f"{t} ≥ {_celsius(FEVER_SINGLE_C)}"
    if temperature_c >= FEVER_SUSTAINED_C:
        if sustained_1h:
            return True, f"{t} ≥ {_celsius(FEVER_SUSTAINED_C)} sustained over 1 h"
        if sustained_1h is False:
            return False, f"{t} < {_celsius(FEVER_SINGLE_C)}, not sustained over 1 h"
        return None, (
            f"{t} is a fever only if sustained over 1 h (≥ "
            f"{_celsius(FEVER_SUSTAINED_C)}), and how long it lasted is not known"
        )
    return False, f"{t} < {_celsius(FEVER_SUSTAINED_C)}"


def _neutropenia(
    anc_per_ul: float | None, expected_below_500: bool | None
) -> tuple[bool | None, str]:
    expected = f"expected to fall below {_per_ul(NEUTROPENIA_ANC_PER_UL)} within 48 h"
    if anc_per_ul is None:
        return (True, f"ANC {expected}") if expected_below_500 else (None, "ANC unknown")
    check_count_per_ul(anc_per_ul, "an ANC")
    anc = _per_ul(anc_per_ul)
    if anc_per_ul < NEUTROPENIA_ANC_PER_UL:
        return True, f"ANC {anc} < {_per_ul(NEUTROPENIA_ANC_PER_UL)}"
    if expected_below_500:
        return True, f"ANC {anc} but {expected}"
    if expected_below_500 is None and anc_per_ul < EXPECTED_FALL_ANC_PER_UL:
        return None, (f"ANC {anc} counts only if {expected}, which is not known")
    return False, f"ANC {anc} ≥ {_per_ul(NEUTROPENIA_ANC_PER_UL)}"


def assess_febrile_neutropenia(
    anc_per_ul: float | None,
    temperature_c: float | None,
    *,
    sustained_1h: bool | None = None,
    expected_below_500: bool | None = None,
) -> FebrileAssessment:
    """Apply the IDSA 2010 definitions of fever, neutropenia and febrile neutropenia.

    `temperature_c` is the (oral) temperature in °C and `sustained_1h` says it was held for at
    least 1 hour (False: a single reading; None: not known, so that 38.0-38.2 °C cannot be
    told); `expected_below_500` says the ANC is expected to fall below 500/µL within 48 hours
    (None: not known, which leaves an ANC of 500-999/µL undecided).
    Unknown values (None) give None wherever they could change the answer. Raises
    `UnitError` for an impossible ANC or temperature.

    >>> assess_febrile_neutropenia(400, 38.6).reason
    '38.6 °C ≥ 38.3 °C and ANC 400/µL < 500/µL'
    """
    fever, fever_reason = _fever(temperature_c, sustained_1h)
    neutropenia, anc_reason = _neutropenia(anc_per_ul, expected_below_500)
    if fever is False or neutropenia is False:
        both: bool | None = False
    elif fever is None or neutropenia is None:
        both = None
    else:
        both = True
    return FebrileAssessment(
        fever=fever,
        neutropenia=neutropenia,
        febrile_neutropenia=both,
        reason=f"{fever_reason} and {anc_reason}",
    )
