"""The "This patient" section: what the calculators found in the patient's data, in words, each
finding cited to the source that defines it (CTCAE, IDSA, MASCC, CISNE, the drug's label).

The figures come from the calculators; the wording is written here once per reader. A finding is
shown only when its inputs are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from curbside.clinical.ctcae import severity
from curbside.clinical.ctcae_labs import LabGrade, grade_lab
from curbside.clinical.risk_scores import ScoreResult
from curbside.compose.trend import trend_words
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import Citation
from curbside.models import CountPoint, Query
from curbside.reason.patient import Assessment

# Pack sources that define what the calculators compute (checked by the tests to exist).
CTCAE = Citation(source="ctcae-v5", locator="Investigations: Neutrophil count decreased")
IDSA_DEFINITIONS = Citation(
    source="idsa-2010-fn", locator="Executive summary: definitions of fever and neutropenia"
)
MASCC = Citation(source="klastersky-2000-mascc", locator="MASCC risk-index score")
CISNE = Citation(source="carmona-bayonas-2015-cisne", locator="Abstract: CISNE score and classes")
FINDING_SOURCES = (CTCAE, IDSA_DEFINITIONS, MASCC, CISNE)
# The findings on fever, which answer "is this febrile neutropenia?".
FEBRILE_FINDING = "patient-febrile-neutropenia"
NO_FEVER_FINDING = "patient-no-fever"
NOT_FEBRILE_FINDING = "patient-not-febrile-neutropenia"
UNDECIDED_FINDING = "patient-febrile-neutropenia-undecided"
FEVER_FINDINGS = (FEBRILE_FINDING, NO_FEVER_FINDING, NOT_FEBRILE_FINDING, UNDECIDED_FINDING)
# The findings that answer an ask, by intent: "is this febrile neutropenia?", "MASCC score?".
# "What CTCAE grade is a haemoglobin of 7.5 g/dL?": the grade of each lab value written.
LAB_GRADE_FINDINGS = ("patient-haemoglobin-grade", "patient-platelet-grade")
FINDINGS_FOR_ASK = {
    "classify": FEVER_FINDINGS,
    "risk-score": ("patient-mascc", "patient-cisne"),
    "grading": LAB_GRADE_FINDINGS,
}


def summary_series(assessment: Assessment) -> list[CountPoint]:
    """The dated ANCs of the record, oldest first."""
    series = assessment.data.anc_series or []
    return [CountPoint(taken=r.taken, anc_per_uL=r.value) for r in series if r.taken is not None]


@dataclass(frozen=True)
class Finding:
    """One computed statement about this patient."""

    id: str
    text: str
    cite: list[Citation]
    urgent: bool = False


def findings(assessment: Assessment, query: Query, kb: KnowledgeBase) -> list[Finding]:
    """The findings for this reader, most urgent first."""
    patient = query.audience == "patient"
    out: list[Finding] = []
    a = assessment
    fn = a.febrile.febrile_neutropenia
    known = a.data.temperature is not None or a.anc is not None
    if a.is_febrile_neutropenia:
        text = (
            "Fever with a very low neutrophil count is an emergency: call your care team or go "
            "to the emergency department now."
            if patient
            else f"Febrile neutropenia by the IDSA definition ({a.febrile.reason}): treat it as "
            "a medical emergency."
        )
        out.append(Finding(FEBRILE_FINDING, text, [IDSA_DEFINITIONS], urgent=True))
    elif a.febrile.fever is False and a.data.temperature is not None and not patient:
        out.append(
            Finding(
                NO_FEVER_FINDING,
                f"No fever by the IDSA definition ({a.febrile.reason}), so not febrile "
                "neutropenia.",
                [IDSA_DEFINITIONS],
            )
        )
    elif fn is False and a.febrile.fever is True and not patient:
        out.append(
            Finding(
                NOT_FEBRILE_FINDING,
                f"Fever, but not febrile neutropenia by the IDSA definition ({a.febrile.reason}).",
                [IDSA_DEFINITIONS],
            )
        )
    elif fn is None and known and (a.data.temperature is not None or query.febrile) and not patient:
        out.append(
            Finding(
                UNDECIDED_FINDING,
                "Cannot tell from the data given whether this is febrile neutropenia by the IDSA "
                f"definition ({a.febrile.reason}).",
                [IDSA_DEFINITIONS],
            )
        )
    if a.anc is not None and a.grade is not None:
        where = f" ({a.anc_source})" if a.anc_source and not patient else ""
        text = (
            f"A neutrophil count of {a.anc:,.0f} cells/µL is {severity(a.anc)} neutropenia "
            f"(grade {a.grade} of 4)."
            if patient
            else f"ANC {a.anc:,.0f} cells/µL{where}: CTCAE v5.0 grade {a.grade} "
            f"neutrophil count decreased ({severity(a.anc)})."
        )
        out.append(Finding("patient-anc-grade", text, [CTCAE]))
    out += _lab_grades(query)
    trend = trend_words(summary_series(a)) if not patient else None
    if trend is not None:
        words, fast = trend
        out.append(Finding("patient-anc-trend", words, [CTCAE]))
        if fast:
            fall = "The ANC more than halved within a week: a fast fall."
            out.append(Finding("patient-anc-fast-fall", fall, [CTCAE]))
    text = query.normalized
    named_cisne = "cisne" in text or any(
        f in a.data.origin
        for f in ("ecog", "stress_hyperglycemia", "chronic_cardiovascular_disease", "monocytes")
    )
    asked_mascc = "mascc" in text or ("risk-score" in query.intents and not named_cisne)
    # Unasked, MASCC is shown for febrile neutropenia only once its class is decided.
    decided = a.mascc is not None and a.mascc.risk is not None
    wants_mascc = asked_mascc or (a.is_febrile_neutropenia and decided)
    # MASCC and CISNE were derived in adults with cancer: never computed for a child.
    adult_scores = not patient and "child" not in query.situation.populations
    if a.mascc is not None and wants_mascc and adult_scores:
        out.append(Finding("patient-mascc", _score_text(a.mascc), [MASCC]))
    if a.cisne is not None and named_cisne and adult_scores:
        out.append(Finding("patient-cisne", _score_text(a.cisne), [CISNE]))
    others = [m for m in a.neutropenia_drugs if m.lower() not in _asked(query, kb)]
    if others and not patient:
        cites = [c for name in others for c in _label_citations(name, kb)]
        if cites:
            out.append(
                Finding(
                    "patient-other-drugs",
                    "Other medicines on the patient's list that can cause neutropenia: "
                    f"{', '.join(others)}.",
                    cites,
                )
            )
    return out


def lab_grades(query: Query) -> list[tuple[str, str, LabGrade]]:
    """(finding id, value as written, CTCAE grade) of the haemoglobin and platelets written."""
    out: list[tuple[str, str, LabGrade]] = []
    if query.haemoglobin is not None:
        hb = query.haemoglobin.value
        out.append((LAB_GRADE_FINDINGS[0], f"Haemoglobin {hb:g} g/dL", grade_lab("anemia", hb)))
    if query.platelets is not None:
        plt = query.platelets.value
        out.append((LAB_GRADE_FINDINGS[1], f"Platelets {plt:,.0f}/µL", grade_lab("platelets", plt)))
    return out


def _lab_grades(query: Query) -> list[Finding]:
    out: list[Finding] = []
    for finding_id, written, graded in lab_grades(query):
        term = graded.term.term.lower()
        cite = [Citation(source="ctcae-v5", locator=graded.locator)]
        if graded.grade is None:
            text = (
                f"{written}: CTCAE v5.0 {term} grade 1 if below the laboratory's lower limit "
                "of normal, else grade 0."
            )
        elif query.audience == "patient":
            text = f"{written} is grade {graded.grade} of 4 on the scale doctors use."
        else:
            text = f"{written}: CTCAE v5.0 grade {graded.grade} {term} ({graded.criterion})."
            if graded.grade == graded.term.numeric_max_grade < 4:
                text = text[:-1] + (
                    f"; grade {graded.grade + 1} is defined by clinical consequences "
                    f"({graded.term.criteria[graded.grade + 1].lower()}), not by a number."
                )
        out.append(Finding(finding_id, text, cite))
    return out


def _asked(query: Query, kb: KnowledgeBase) -> set[str]:
    named = {kb.drugs[d].name.lower() for d in query.drugs} | set(query.drugs)
    return named | {d.lower() for d in query.label_drugs}


def _label_citations(name: str, kb: KnowledgeBase) -> list[Citation]:
    for drug in kb.drugs.values():
        if name.lower() in {drug.id, drug.name.lower(), *(b.lower() for b in drug.brands)}:
            return list(drug.label.citations)
    return []


def _items(score: ScoreResult[Any]) -> str:
    return "; ".join(f"{label} {points}" for label, points in score.items)


# How each score's classes are defined, as the reader is told.
_CLASSES = {
    "MASCC": ("risk index", "", "21 or more is low risk"),
    "CISNE": ("score", "", "0 low, 1 to 2 intermediate, 3 or more high"),
}


def _score_text(score: ScoreResult[Any]) -> str:
    """A MASCC or CISNE result in words: the class, or the range while it is undecided."""
    noun, out_of, classes = _CLASSES[score.name]
    if score.risk is None:
        return (
            f"{score.name} {noun}: incomplete, {score.minimum} to {score.maximum}{out_of} "
            f"depending on what is not known ({', '.join(score.missing)}); the class is not "
            f"decided ({classes})."
        )
    return (
        f"{score.name} {noun} {score.score}{out_of} ({_items(score)}): {score.risk} risk "
        f"({classes})."
    )
