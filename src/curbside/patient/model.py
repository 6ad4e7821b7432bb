"""The patient record Curbside reasons over, whatever it was read from.

Every value is in a canonical unit (counts in cells/µL, temperature in °C). `origin` records where
each field came from ("question", "file", "fhir", or "request": values sent in an API request's
JSON) so that the answer can say so and a merge can apply its precedence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Origin = Literal["question", "file", "fhir", "request"]
BurdenOfIllness = Literal["none", "mild", "moderate", "severe"]
TumourType = Literal["solid", "hematologic"]


class Reading(BaseModel):
    """One measured value in its canonical unit, with what was written and when it was taken."""

    model_config = ConfigDict(frozen=True)

    value: float = Field(description="The value in the canonical unit (cells/µL or °C).")
    as_written: str = Field(description="The value and unit as the source wrote them.")
    taken: datetime | None = Field(default=None, description="When it was measured, if known.")


class PatientData(BaseModel):
    """What is known about one patient. Every field is optional: absent means unknown."""

    model_config = ConfigDict(extra="forbid")

    age_years: float | None = Field(default=None, ge=0, le=130, description="Age in years.")
    sex: Literal["female", "male", "other", "unknown"] | None = Field(
        default=None, description="Administrative sex."
    )
    anc: Reading | None = Field(
        default=None, description="Absolute neutrophil count, cells/µL (measured or computed)."
    )
    anc_series: list[Reading] | None = Field(
        default=None,
        description="Every dated ANC of the record, oldest first, when it holds more than one.",
    )
    wbc: Reading | None = Field(default=None, description="White blood cell count, cells/µL.")
    neutrophil_percent: float | None = Field(
        default=None, ge=0, le=100, description="Neutrophils (segmented) as % of white cells."
    )
    band_percent: float | None = Field(
        default=None, ge=0, le=100, description="Band neutrophils as % of white cells."
    )
    monocytes: Reading | None = Field(default=None, description="Monocyte count, cells/µL.")
    temperature: Reading | None = Field(default=None, description="Highest recent temperature, °C.")
    fever_sustained_1h: bool | None = Field(
        default=None, description="Temperature of 38.0 °C or more sustained over 1 hour."
    )
    anc_expected_below_500: bool | None = Field(
        default=None, description="ANC expected to fall below 500/µL within 48 hours."
    )
    medications: list[str] = Field(
        default_factory=list, description="Current medicines, by generic or brand name."
    )
    conditions: list[str] = Field(
        default_factory=list, description="Diagnoses and problems, as text."
    )
    # MASCC risk index inputs (Klastersky 2000).
    burden_of_illness: BurdenOfIllness | None = Field(
        default=None, description="Burden of febrile neutropenia: symptoms none, mild, ..."
    )
    hypotension: bool | None = Field(
        default=None,
        description="Systolic BP of 90 mmHg or less (MASCC scores 'no hypotension' above 90).",
    )
    copd: bool | None = Field(default=None, description="Chronic obstructive pulmonary disease.")
    tumour: TumourType | None = Field(default=None, description="Solid tumour or haematological.")
    prior_fungal_infection: bool | None = Field(
        default=None, description="Previous fungal infection (matters for haematological cancer)."
    )
    dehydration: bool | None = Field(
        default=None, description="Dehydration needing parenteral fluids."
    )
    outpatient: bool | None = Field(default=None, description="Outpatient at the onset of fever.")
    # CISNE inputs (Carmona-Bayonas 2015).
    ecog: int | None = Field(default=None, ge=0, le=4, description="ECOG performance status.")
    stress_hyperglycemia: bool | None = Field(
        default=None, description="Stress-induced hyperglycaemia."
    )
    chronic_cardiovascular_disease: bool | None = Field(
        default=None, description="Chronic cardiovascular disease."
    )
    mucositis_grade: int | None = Field(
        default=None, ge=0, le=5, description="Mucositis grade (NCI CTCAE)."
    )
    origin: dict[str, Origin] = Field(
        default_factory=dict, description="Where each field that is set came from."
    )
    warnings: list[str] = Field(
        default_factory=list, description="What could not be read, and conflicts resolved."
    )
