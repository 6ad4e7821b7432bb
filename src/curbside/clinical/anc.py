"""Absolute neutrophil count (ANC) from a white cell count and its differential.

    ANC = WBC × (% segmented neutrophils + % bands) ÷ 100

Segmented (mature) neutrophils and band (immature) neutrophils are counted; metamyelocytes and
younger forms are not.

Source: Coates TD. Overview of neutropenia in children and adolescents. In: UpToDate (Newburger P,
section ed.; Rosmarin AG, deputy ed.). Waltham, MA: UpToDate Inc.; topic last updated
23 Sep 2022 ("ANC = WBC (cells/microL) x percent (PMNs + bands) ÷ 100. Neutrophilic
metamyelocytes and younger forms are not included in this calculation"). UpToDate topics carry no
DOI or PMID. The formula is a laboratory convention with no single primary paper; the same
formula and a worked example are given by the Severe Chronic Neutropenia International Registry
(University of Washington), "Calculating an Absolute Neutrophil Count".

The upper limit on the white cell count (`MAX_WBC_PER_UL`, 500,000/µL) is a plausibility guard of
this project, not a figure from the source.
"""

from __future__ import annotations

import math

from curbside.clinical.units import MAX_WBC_PER_UL, UnitError, check_count_per_ul

# Floating-point slack when checking that segs + bands do not exceed the whole differential.
_SUM_SLACK = 1e-9


def _share(value: float, what: str, whole: float, form: str) -> float:
    """Check one part of the differential: finite and between 0 and `whole` (100 % or 1)."""
    if not math.isfinite(value) or value < 0:
        raise UnitError(
            f"{what} of {value:g} is not possible: expected a {form} from 0 to {whole:g}"
        )
    if value > whole:
        hint = "; pass fraction=False for percents" if whole == 1.0 else ""
        raise UnitError(f"{what} of {value:g} is above {whole:g}: not a {form}{hint}")
    return value


def anc_from_differential(
    wbc_per_ul: float,
    neutrophils: float,
    bands: float = 0.0,
    *,
    fraction: bool = False,
) -> float:
    """The ANC in cells/µL: WBC × (segmented neutrophils + bands).

    `wbc_per_ul` is the white cell count in cells/µL (convert with `count_to_per_ul` first).
    `neutrophils` (segmented) and `bands` are percents of the white cells (0-100), or fractions
    (0-1) when `fraction` is True. Raises `UnitError` for a negative, non-finite or implausible
    white cell count, a part outside its range, or segs + bands above the whole differential.

    >>> anc_from_differential(2000, 20, 5)
    500.0
    >>> anc_from_differential(2000, 0.20, 0.05, fraction=True)
    500.0
    """
    check_count_per_ul(wbc_per_ul, "a white cell count", MAX_WBC_PER_UL)
    whole, form = (1.0, "fraction") if fraction else (100.0, "percent")
    segs = _share(neutrophils, "segmented neutrophils", whole, form)
    band = _share(bands, "bands", whole, form)
    if segs + band > whole * (1.0 + _SUM_SLACK):
        raise UnitError(
            f"segmented neutrophils ({segs:g}) + bands ({band:g}) = {segs + band:g} is more than "
            f"the whole differential ({whole:g} as a {form})"
        )
    return min(wbc_per_ul, wbc_per_ul * (segs + band) / whole)  # never above the WBC
