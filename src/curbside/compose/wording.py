"""Words that frame an article for its reader: section titles, topic titles, disclaimers.

Only framing lives here; every clinical sentence comes from a knowledge pack.
"""

from __future__ import annotations

from typing import get_args

from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import SectionKey, Wording
from curbside.models import Audience, Query

# The brief's order of sections is the order SectionKey lists them in.
SECTION_ORDER: tuple[str, ...] = tuple(k for k in get_args(SectionKey) if k != "bottom-line")
PATIENT_SECTION_ORDER = (
    "education",
    "febrile",
    "severity",
    "drug",
    "afebrile",
    "growth-factor",
    "other-causes",
    "follow-up",
    "prophylaxis",
)

_CLINICIAN_TITLES = {
    "severity": "Assess severity",
    "afebrile": "Immediate management: no fever",
    "febrile": "Immediate management: fever (febrile neutropenia)",
    "growth-factor": "Growth factors (G-CSF)",
    "prophylaxis": "Prophylaxis",
    "drug": "Drug-specific guidance",
    "other-causes": "Special considerations and other causes",
    "follow-up": "Follow-up and monitoring",
    "education": "Patient education",
}
_PATIENT_TITLES = {
    "severity": "What the result means",
    "afebrile": "What happens next",
    "febrile": "Fever: get help now",
    "growth-factor": "Medicines that raise white cells",
    "prophylaxis": "Medicines to prevent infection",
    "drug": "About your medicine",
    "other-causes": "Other possible causes",
    "follow-up": "Blood tests and follow-up",
    "education": "When to get help and how to protect yourself",
}

INFECTION_LABELS = {
    "viral-urti": "a viral URTI",
    "pneumonia": "pneumonia",
    "sore-throat": "a sore throat",
    "sepsis": "sepsis",
    "skin": "a skin infection",
    "urinary": "a urinary tract infection",
    "any": "an infection",
}

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
        return PATIENT_SECTION_ORDER
    if query.febrile:
        return ("febrile", *(s for s in SECTION_ORDER if s != "febrile"))
    return SECTION_ORDER


def section_title(key: str, query: Query, drug_names: list[str]) -> str:
    if query.audience == "patient":
        return _PATIENT_TITLES[key]
    if key == "febrile" and not query.febrile:
        return "If fever develops: febrile neutropenia"
    if key == "drug" and drug_names:
        return f"Drug-specific guidance: {', '.join(drug_names)}"
    return _CLINICIAN_TITLES[key]


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
    infection = next((INFECTION_LABELS[i] for i in query.infections if i != "any"), None)
    if infection is None and "any" in query.infections:
        infection = INFECTION_LABELS["any"]
    with_infection = f" with {infection}" if infection else ""
    febrile = query.febrile or "febrile-neutropenia" in query.conditions
    intent = query.intents[0]
    if drug and intent == "hold":
        return f"Holding {drug} for neutropenia{with_infection}"
    if drug and intent == "resume":
        return f"Restarting {drug} after neutropenia{with_infection}"
    if drug and intent == "monitoring":
        return f"Monitoring neutrophil counts on {drug}"
    if drug and intent == "alternatives":
        return f"Alternatives to {drug} after neutropenia"
    if drug and intent == "risk":
        return f"Neutropenia risk with {drug}"
    titles = {
        "empiric-therapy": "Empiric antibiotics in febrile neutropenia",
        "growth-factor": "G-CSF in drug-induced neutropenia",
        "prophylaxis": "Antimicrobial prophylaxis in neutropenia",
        "grading": "Grading neutropenia: CTCAE v5.0",
        "risk-score": "Risk assessment in febrile neutropenia",
    }
    if intent in titles:
        return titles[intent]
    if drug:
        prefix = "Febrile neutropenia" if febrile else "Neutropenia"
        return f"{prefix} in a patient taking {drug}{with_infection}"
    if febrile:
        return "Febrile neutropenia: immediate management"
    return f"Drug-induced neutropenia: management{with_infection}"
