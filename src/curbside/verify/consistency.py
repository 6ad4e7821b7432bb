"""The article must not contradict its own patient block.

A post-condition of compose, for curated articles about a patient: the bottom line and every
urgent statement must agree with what the calculators found (fever, febrile neutropenia, ANC
band and grade). An article that fails it is a bug, raised as `InconsistentArticle`, never shown.
"""

from __future__ import annotations

from curbside.clinical.ctcae import neutrophil_grade
from curbside.compose.findings import FEBRILE_FINDING, FINDINGS_FOR_ASK
from curbside.knowledge.base import KnowledgeBase
from curbside.models import Article
from curbside.reason.bottom_line import disagreement

# Patient findings that may stand as a bottom line: those that answer an ask, and the one of
# febrile neutropenia, the only emergency among them.
FINDING_BOTTOM_LINES = {f for kinds in FINDINGS_FOR_ASK.values() for f in kinds}


class InconsistentArticle(ValueError):
    """An article whose bottom line or urgent statements contradict its patient block."""


def consistency_problems(article: Article, kb: KnowledgeBase) -> list[str]:
    """What in the article disagrees with its patient block (empty when it agrees)."""
    patient = article.patient
    if patient is None or article.coverage != "curated":
        return []
    problems: list[str] = []
    fn, febrile, anc = patient.febrile_neutropenia, patient.febrile, patient.anc_per_uL
    bottom = article.bottom_line.id
    statement = kb.statements_by_id.get(bottom or "")
    if bottom in FINDING_BOTTOM_LINES:
        if fn is True and bottom != FEBRILE_FINDING:
            problems.append(f"bottom line '{bottom}' while the patient has febrile neutropenia")
    elif statement is not None:
        why = disagreement(statement, febrile, fn, anc)
        if why:
            problems.append(f"bottom line '{bottom}' disagrees with the patient block: {why}")
        grade = neutrophil_grade(anc) if anc is not None else None
        if grade is not None and statement.when.grades and grade not in statement.when.grades:
            problems.append(f"bottom line '{bottom}' is written for other grades than {grade}")
    elif bottom is None:
        problems.append("the bottom line names no statement")
    for section in article.sections:
        for item in section.statements:
            if item.urgent and febrile is False:
                problems.append(f"'{item.id}' is shown as urgent although there is no fever")
    return problems


def check_consistency(article: Article, kb: KnowledgeBase) -> Article:
    problems = consistency_problems(article, kb)
    if problems:
        raise InconsistentArticle("; ".join(problems))
    return article
