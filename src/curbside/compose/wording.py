"""Words that frame an article for its reader: section titles, topic titles, disclaimers.

Only framing lives here; every clinical sentence comes from a knowledge pack.
"""

from __future__ import annotations

from typing import get_args

from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import SectionKey, Wording
from curbside.models import Audience, Query
from curbside.vocabulary import vocabulary
from curbside.vocabulary.schema import Framing

# The brief's order of sections is the order SectionKey lists them in.
SECTION_ORDER: tuple[str, ...] = tuple(k for k in get_args(SectionKey) if k != "bottom-line")


def _framing() -> Framing:
    return vocabulary().data.framing


PROFESSIONAL_DISCLAIMER = (
    "Decision support for healthcare professionals. It does not replace clinical judgement, the "
    "full prescribing information or local protocols; check each statement against its cited "
    "source before acting on it."
)
PATIENT_DISCLAIMER = (
    "This information is to help you talk with your care team; it is not personal medical advice. "
    "If you feel unwell or have a fever, contact your care team or emergency services now."
)


def disclaimer(audience: Audience) -> str:
    return PATIENT_DISCLAIMER if audience == "patient" else PROFESSIONAL_DISCLAIMER


def words_for(text: Wording, audience: Audience) -> str:
    """The statement's wording for this reader (the selector guarantees patient wording exists)."""
    if audience == "patient":
        return text.patient or text.clinician
    if audience == "nurse" and text.nurse:
        return text.nurse
    if audience == "pharmacist" and text.pharmacist:
        return text.pharmacist
    if audience == "student" and text.student:
        return text.student
    return text.clinician


def section_order(query: Query) -> tuple[str, ...]:
    if query.audience == "patient":
        return tuple(_framing().patient_order)
    if query.febrile:
        return ("febrile", *(s for s in SECTION_ORDER if s != "febrile"))
    if query.drugs or query.named_classes:
        # Answer first: a question about a medicine leads with the guidance on that medicine.
        return ("drug", *(s for s in SECTION_ORDER if s != "drug"))
    return SECTION_ORDER


def background(key: str, query: Query) -> bool:
    """Whether a section restates general background the question did not ask about."""
    titles = next((s for s in _framing().sections if s.key == key), None)
    if titles is None or not titles.collapsed:
        return False
    if key == "febrile" and (query.febrile or query.audience == "patient"):
        return False  # fever guidance is the ask when there is fever, and patients always see it
    return not (query.intents and query.intents[0] in titles.asked_by)


def section_title(key: str, query: Query, drug_names: list[str]) -> str:
    framing = _framing()
    titles = next(s for s in framing.sections if s.key == key)
    if query.audience == "patient":
        return titles.patient
    if key == "febrile" and not query.febrile:
        return framing.febrile_if
    if key == "drug" and drug_names:
        return f"{titles.clinician}: {', '.join(drug_names)}"
    return titles.clinician


def subject(query: Query, kb: KnowledgeBase) -> str | None:
    """The medicine (or class) the question is about, as displayed."""
    if query.drugs:
        return kb.drugs[query.drugs[0]].name
    if query.named_classes:
        return kb.classes[query.named_classes[0]].name + "s"
    return None


def topic_title(query: Query, kb: KnowledgeBase) -> str:
    """A short topic title built from what the question is about."""
    drug = subject(query, kb)
    labels = _framing().infections
    infection = next((labels[i] for i in query.infections if i != "any"), None)
    if infection is None and "any" in query.infections:
        infection = labels["any"]
    with_infection = f" with {infection}" if infection else ""
    febrile = query.febrile or "febrile-neutropenia" in query.conditions
    intent = next(i for i in vocabulary().data.intents if i.id == query.intents[0])
    if query.audience == "patient":
        return _patient_title(intent.patient_title, drug, febrile)
    if drug and intent.drug_title:
        return intent.drug_title.format(drug=drug, infection=with_infection)
    if intent.title:
        return intent.title
    other = [c for c in vocabulary().data.conditions if c.id in query.conditions and c.label]
    if "neutropenia" not in query.conditions and other:
        # Thrombocytopenia or anaemia: never titled as neutropenia.
        about = f" in a patient taking {drug}" if drug else ""
        return f"{other[0].label}{about}{with_infection}"
    if drug:
        prefix = "Febrile neutropenia" if febrile else "Neutropenia"
        return f"{prefix} in a patient taking {drug}{with_infection}"
    if febrile:
        return "Febrile neutropenia: immediate management"
    return f"Drug-induced neutropenia: management{with_infection}"


def _patient_title(title: str | None, drug: str | None, febrile: bool) -> str:
    """A title in plain words for patients and carers."""
    if title and ("{drug}" not in title or drug):
        return title.format(drug=drug)
    if febrile:
        return "Fever with a low white cell count: get help now"
    if drug:
        return f"Low white blood cells while taking {drug}"
    return "Low white blood cells caused by a medicine"
