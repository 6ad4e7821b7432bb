"""Patient details written in a question: age, care setting, tumour type and the findings the
MASCC and CISNE scores ask for ("65 year old outpatient with a solid tumor, mild symptoms, normal
blood pressure, no COPD, not dehydrated").

Only what is written is read: a finding not mentioned stays unknown, and a negated one ("no COPD",
"not dehydrated") is read as absent.
"""

from __future__ import annotations

import re

from curbside.models import Query
from curbside.patient.model import BurdenOfIllness, Origin, PatientData, Reading

_NEG = r"(?:no|not|without|denies|absent|negative for)\s+(?:\w+\s+){0,2}?"
_AGE = re.compile(
    r"\b(?P<n>\d{1,3})[\s-]*(?:years?|yrs?|y)[\s-]*(?:old|of age)?\b|\baged?\s+(?P<m>\d{1,3})\b"
)
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
_SBP = re.compile(r"\b(?:sbp|systolic(?: blood pressure| bp)?)\s*(?:of|is|=|:)?\s*(?P<v>\d{2,3})")
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
    if re.search(rf"\b{_NEG}(?:{pattern})", text):
        return False
    if re.search(pattern, text):
        return True
    return None


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
    age = _AGE.search(text)
    if age:
        years = float(age.group("n") or age.group("m"))
        if 0 < years <= 120:
            values["age_years"] = years
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
    sbp = _SBP.search(text)
    if sbp:
        values["hypotension"] = int(sbp.group("v")) <= 90  # MASCC: no hypotension is SBP > 90
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
