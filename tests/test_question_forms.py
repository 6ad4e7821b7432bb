"""Every drug the packs know, asked every question form several ways: the drug is recognised by
generic name, brand and misspelling, the form is understood, the answer keeps the contract, and
the same situation asked two ways gives the same recommendations."""

from __future__ import annotations

import re

import pytest

from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.models import Article, Intent
from curbside.retrieve.terms import number_equivalents, numbers
from curbside.verify import contract_problems

PARAPHRASES: dict[Intent, list[str]] = {
    "management": [
        "What is the management of neutropenia caused by {drug}?",
        "Neutropenia in a patient on {drug}: how should it be managed?",
        "How do I treat a low ANC in someone taking {drug}?",
    ],
    "hold": [
        "How long should {drug} be held for neutropenia?",
        "Should {drug} be stopped because of neutropenia?",
        "Do I need to withhold {drug} when the neutrophil count is low?",
    ],
    "resume": [
        "When can {drug} be restarted after neutropenia?",
        "When is it safe to resume {drug} once the neutrophils recover?",
    ],
    "monitoring": [
        "How often should neutrophil counts be checked on {drug}?",
        "What blood count monitoring does {drug} need for neutropenia?",
    ],
    "alternatives": [
        "What are the alternatives to {drug} after neutropenia?",
        "What can replace {drug} if it causes neutropenia?",
    ],
    "rechallenge": [
        "Can {drug} be rechallenged after neutropenia?",
        "Is rechallenge with {drug} possible after neutropenia?",
    ],
    "risk": [
        "Does {drug} cause neutropenia?",
        "How common is neutropenia with {drug}?",
    ],
}
ANCS = [200, 700, 1200]


def _drugs(kb: KnowledgeBase) -> list[str]:
    return sorted(kb.drugs)


def _answering(article: Article, form: str, kb: KnowledgeBase) -> set[str]:
    """Ids of the statements in the article that answer this form."""
    by_id = {s.id: s for s in kb.statements}
    return {
        s.id
        for sec in article.sections
        for s in sec.statements
        if s.id in by_id and form in by_id[s.id].when.intents
    }


@pytest.mark.parametrize("form", list(PARAPHRASES))
def test_every_drug_every_form_is_understood_and_consistent(
    engine: Engine, kb: KnowledgeBase, form: Intent
) -> None:
    for drug_id in _drugs(kb):
        drug = kb.drugs[drug_id]
        answers = []
        for template in PARAPHRASES[form]:
            question = template.format(drug=drug.name)
            query = engine.understand(question)
            assert drug_id in query.drugs, question
            assert form in query.intents, (question, query.intents)
            article = engine.ask(question)
            assert contract_problems(article) == [], question
            assert article.coverage == "curated", question
            answers.append(_answering(article, form, kb))
        assert all(a == answers[0] for a in answers), (drug_id, form, answers)


def test_brand_and_misspelling_give_the_generic_answer(engine: Engine, kb: KnowledgeBase) -> None:
    for drug_id in _drugs(kb):
        drug = kb.drugs[drug_id]
        template = "How long should {drug} be held for neutropenia with an ANC of 700?"
        generic = engine.ask(template.format(drug=drug.name))
        ids = [s.id for sec in generic.sections for s in sec.statements]
        for name in [*drug.brands[:1], *drug.misspellings[:1]]:
            query = engine.understand(template.format(drug=name))
            assert drug_id in query.drugs, name
            other = engine.ask(template.format(drug=name))
            assert [s.id for sec in other.sections for s in sec.statements] == ids, name


def test_patient_or_caregiver_asking(engine: Engine, kb: KnowledgeBase) -> None:
    for drug_id in _drugs(kb):
        name = (kb.drugs[drug_id].brands or [kb.drugs[drug_id].name])[0]
        for question in (
            f"My mother takes {name} and her neutrophils came back low. What should she do?",
            f"I am on {name} and my white count is low, should I worry?",
        ):
            article = engine.ask(question, "patient")
            assert contract_problems(article) == [], question
            assert article.coverage == "curated", question
            assert not re.search(r"\d\s*(?:mg|mcg|µg)\s*/\s*kg", article.answer_text())


def test_situations_keep_their_thresholds(engine: Engine, kb: KnowledgeBase) -> None:
    """For each drug and ANC, every form's answer holds only statements whose ANC conditions
    contain that ANC, and no two forms disagree about the same situation."""
    by_id = {s.id: s for s in kb.statements}
    for drug_id in _drugs(kb):
        name = kb.drugs[drug_id].name
        for anc in ANCS:
            for templates in PARAPHRASES.values():
                question = templates[0].format(drug=name).rstrip("?") + f", ANC {anc}/µL?"
                article = engine.ask(question)
                for sec in article.sections:
                    for s in sec.statements:
                        when = by_id[s.id].when if s.id in by_id else None
                        if when is not None and when.anc is not None:
                            assert when.anc.contains(anc), (question, s.id)


def _states(text: str, bound: float) -> bool:
    """Whether the text states the bound; a minimum of 1,001 encodes "above 1,000"."""
    held = set(numbers(text))
    return bool((number_equivalents(bound) | number_equivalents(bound - 1)) & held)


def test_every_anc_condition_is_stated_in_its_text(kb: KnowledgeBase) -> None:
    """The threshold that selects a statement is the one it tells the reader, so two statements
    about one situation cannot disagree on it."""
    for statement in kb.statements:
        anc = statement.when.anc
        if anc is None:
            continue
        text = statement.text.clinician
        for bound in (anc.min, anc.max):
            if bound is not None and bound > 0:
                assert _states(text, bound), (statement.id, bound, text)
