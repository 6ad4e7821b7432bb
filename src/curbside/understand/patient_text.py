"""Patient details written in a question: age, care setting, tumour type and the findings the
MASCC and CISNE scores ask for ("65 year old outpatient with a solid tumor, mild symptoms, normal
blood pressure, no COPD, not dehydrated").

Only what is written is read: a finding not mentioned stays unknown, and a negated one ("no COPD",
"not dehydrated") is read as absent. Negation has a scope (see `negation`): in "no hypotension and
COPD" COPD is present.
"""

from __future__ import annotations

import re
from functools import cache

from curbside.models import Query
from curbside.patient.model import BurdenOfIllness, Origin, PatientData, Reading
from curbside.understand.negation import Negator
from curbside.understand.situation import HYPOTENSION_SBP, systolic
from curbside.vocabulary import vocabulary

_BURDEN: tuple[tuple[BurdenOfIllness, re.Pattern[str]], ...] = (
    (
        "none",
        re.compile(r"\b(?:no|without|asymptomatic)\s+(?:other\s+)?symptoms?\b|\basymptomatic"),
    ),
    ("mild", re.compile(r"\bmild(?:ly)?\s+(?:symptom|symptomatic|ill)")),
    ("moderate", re.compile(r"\bmoderate(?:ly)?\s+(?:symptom|symptomatic|ill)")),
    ("severe", re.compile(r"\bsevere(?:ly)?\s+(?:symptom|symptomatic|ill)|\bmoribund\b")),
)
_FLAGS: dict[str, str] = {
    "copd": r"\bcopd\b|chronic obstructive pulmonary disease",
    "dehydration": r"\bdehydrat\w*",
    "hypotension": r"\bhypotensi\w*|low blood pressure",
    "prior_fungal_infection": r"(?:previous|prior) fungal infection|fungal infection before",
    "stress_hyperglycemia": r"(?:stress[- ]induced )?hyperglyc\w*",
    "chronic_cardiovascular_disease": r"(?:chronic )?(?:cardiovascular|heart) disease",
}
_NORMAL_BP = re.compile(r"\bnormal blood pressure\b|\bnormotensi\w*|\bbp (?:is )?normal\b")
_OUTPATIENT = re.compile(r"\bout-?patient\b|\bat home\b|\bin clinic\b")
_INPATIENT = re.compile(r"\bin-?patient\b|\bhospitali[sz]ed\b|\badmitted\b")
_SOLID = re.compile(r"\bsolid (?:tumou?r|cancer|malignan\w*)|\bbreast cancer\b|\bcarcinoma\b")
_HEMATOLOGIC = re.compile(
    r"\bh(?:a)?ematolog\w* (?:malignan\w*|cancer)|\bleuka?emia\b|\blymphoma\b|\bmyeloma\b"
    r"|\bmyelodysplas\w*"
)
_ECOG = re.compile(r"\becog(?: performance status| ps)?\s*(?:of|is|=|:)?\s*(?P<v>[0-4])\b")
_MUCOSITIS = re.compile(
    r"\b(?:grade\s*(?P<a>[0-4])\s*mucositis|mucositis(?: of)? grade\s*(?P<b>[0-4]))"
)


def _flag(pattern: str, text: str) -> bool | None:
    """True when the finding is written, False when it is written negated, None when absent."""
    return _negator().finding(pattern, text)


@cache
def _negator() -> Negator:
    return Negator(vocabulary())


def patient_from_question(query: Query) -> PatientData:
    """The patient details of a question, each marked as coming from the question."""
    text = query.normalized
    values: dict[str, object] = {}
    if query.anc is not None:
        values["anc"] = Reading(value=query.anc.value, as_written=query.anc.original)
    if query.temperature is not None:
        values["temperature"] = Reading(
            value=query.temperature.value, as_written=query.temperature.original
        )
    if query.wbc is not None and query.neutrophil_percent is not None:
        values["wbc"] = Reading(value=query.wbc.value, as_written=query.wbc.original)
        values["neutrophil_percent"] = query.neutrophil_percent
        if query.band_percent is not None:
            values["band_percent"] = query.band_percent
    situation = query.situation
    if situation.age_years is not None and situation.age_years > 0:
        values["age_years"] = situation.age_years
    if situation.fever_hours is not None:
        values["fever_sustained_1h"] = situation.fever_hours >= 1
    elif situation.fever_single_reading:
        values["fever_sustained_1h"] = False
    for burden, pattern in _BURDEN:
        if pattern.search(text):
            values["burden_of_illness"] = burden
            break
    for name, flag in _FLAGS.items():
        found = _flag(flag, text)
        if found is not None:
            values[name] = found
    if _NORMAL_BP.search(text):
        values["hypotension"] = False
    sbp = systolic(text)
    if sbp is not None:
        values["hypotension"] = sbp <= HYPOTENSION_SBP  # MASCC: no hypotension is SBP > 90
    if "hypotension" in situation.unstable:  # "SBP below 90", "hypotensive", not negated
        values["hypotension"] = True
    if _OUTPATIENT.search(text):
        values["outpatient"] = True
    elif _INPATIENT.search(text):
        values["outpatient"] = False
    if _HEMATOLOGIC.search(text):
        values["tumour"] = "hematologic"
    elif _SOLID.search(text):
        values["tumour"] = "solid"
    ecog = _ECOG.search(text)
    if ecog:
        values["ecog"] = int(ecog.group("v"))
    mucositis = _MUCOSITIS.search(text)
    if mucositis:
        values["mucositis_grade"] = int(mucositis.group("a") or mucositis.group("b"))
    origin: dict[str, Origin] = dict.fromkeys(values, "question")
    return PatientData.model_validate({**values, "origin": origin})
