"""What the patient's data mean: ANC (measured or computed), CTCAE grade, febrile neutropenia by
the IDSA definition, MASCC and CISNE scores, and which of the patient's medicines can cause
neutropenia. Pure functions of the data and the knowledge base; the calculators do the sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from curbside.clinical.anc import anc_from_differential
from curbside.clinical.ctcae import neutrophil_grade, severity
from curbside.clinical.febrile import FebrileAssessment, assess_febrile_neutropenia
from curbside.clinical.risk_scores import CisneRisk, MasccRisk, ScoreResult, cisne_for, mascc_for
from curbside.clinical.units import UnitError
from curbside.models import CountPoint, PatientSummary, Query
from curbside.patient.model import PatientData


@dataclass(frozen=True)
class Assessment:
    """The patient data with everything the calculators derive from them."""

    data: PatientData
    anc: float | None  # cells/µL
    anc_source: str | None  # where the ANC came from, in words
    grade: int | None
    febrile: FebrileAssessment
    mascc: ScoreResult[MasccRisk] | None  # None when no MASCC item is known
    cisne: ScoreResult[CisneRisk] | None
    neutropenia_drugs: list[str] = field(default_factory=list)  # medicines that can cause it
    warnings: list[str] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        """Whether anything about the patient is known beyond the question's wording."""
        d = self.data
        return bool(
            self.anc is not None
            or d.temperature is not None
            or d.age_years is not None
            or d.medications
            or self.mascc is not None
            or self.cisne is not None
        )

    @property
    def is_febrile_neutropenia(self) -> bool:
        return self.febrile.febrile_neutropenia is True


_ORIGIN_WORDS = {
    "question": "the question",
    "file": "the patient file",
    "fhir": "the FHIR record",
    "request": "sent with the request",
}


def assess(data: PatientData, neutropenia_drugs: list[str]) -> Assessment:
    """Run the calculators over the data; `neutropenia_drugs` are the medicines on the patient's
    list known to cause neutropenia (curated drugs, or drugs whose ingested label says so)."""
    warnings = list(data.warnings)
    anc, source = _anc(data, warnings)
    febrile = assess_febrile_neutropenia(
        anc,
        data.temperature.value if data.temperature else None,
        sustained_1h=data.fever_sustained_1h,
        expected_below_500=data.anc_expected_below_500,
    )
    mascc = mascc_for(data)
    cisne = cisne_for(data)
    return Assessment(
        data=data,
        anc=anc,
        anc_source=source,
        grade=neutrophil_grade(anc) if anc is not None else None,
        febrile=febrile,
        mascc=mascc if mascc.items else None,
        cisne=cisne if cisne.items else None,
        neutropenia_drugs=neutropenia_drugs,
        warnings=warnings,
    )


def _anc(data: PatientData, warnings: list[str]) -> tuple[float | None, str | None]:
    if data.anc is not None:
        return data.anc.value, _ORIGIN_WORDS.get(data.origin.get("anc", ""))
    if data.wbc is None or data.neutrophil_percent is None:
        return None, None
    parts = {data.origin.get(f) for f in ("wbc", "neutrophil_percent", "band_percent")}
    if len(parts - {None}) > 1:
        warnings.append(
            "ANC not computed: the WBC and the differential come from different sources, so "
            "they may not be from the same blood draw"
        )
        return None, None
    try:
        anc = anc_from_differential(
            data.wbc.value, data.neutrophil_percent, data.band_percent or 0.0
        )
    except UnitError as exc:
        warnings.append(f"ANC not computed: {exc}")
        return None, None
    bands = f" + {data.band_percent:g}% bands" if data.band_percent else ""
    return anc, (
        f"computed: WBC {data.wbc.value:,.0f}/µL × ({data.neutrophil_percent:g}% neutrophils"
        f"{bands})"
    )


def summary(assessment: Assessment, query: Query) -> PatientSummary:
    """The article's patient block."""
    a, data = assessment, assessment.data
    # Fever as the IDSA definition decides it from a temperature, else as the question says.
    febrile = a.febrile.fever if a.febrile.fever is not None else query.febrile
    return PatientSummary(
        anc_per_uL=a.anc,
        anc_as_written=data.anc.as_written if data.anc else None,
        anc_source=a.anc_source,
        anc_trend=[
            CountPoint(taken=r.taken, anc_per_uL=r.value)
            for r in data.anc_series or []
            if r.taken is not None
        ],
        ctcae_grade=a.grade,
        severity=severity(a.anc) if a.anc is not None else None,
        temperature_c=data.temperature.value if data.temperature else None,
        febrile=febrile,
        febrile_neutropenia=a.febrile.febrile_neutropenia,
        febrile_reason=a.febrile.reason,
        age_years=data.age_years,
        mascc_score=a.mascc.score if a.mascc else None,
        mascc_risk=a.mascc.risk if a.mascc else None,
        cisne_score=a.cisne.score if a.cisne else None,
        cisne_risk=a.cisne.risk if a.cisne else None,
        drugs=list(query.drugs),
        medications=list(data.medications),
        neutropenia_drugs=list(a.neutropenia_drugs),
        infections=[i for i in query.infections if i != "any"],
        origin=dict(data.origin),
    )
