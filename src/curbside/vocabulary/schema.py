"""The vocabulary format: the words that tell what a question is about and how to frame an answer.

Language, not clinical knowledge: which phrases name a condition, an infection, a population, a
setting, a phase of treatment or an ask; how negation is scoped; what sections, titles and
follow-up questions are called. Every trigger is a regular expression matched against the
normalised question (lower case, NFKC, µ written u). Clinical statements live in the knowledge
packs, never here.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression {pattern!r}: {exc}") from exc
    return pattern


# A regular expression, checked to compile when the vocabulary loads.
Regex = Annotated[str, AfterValidator(_compiles)]


class Term(Strict):
    """Something a question can name, recognised by any of its triggers."""

    id: str = Field(description="Stable id used by knowledge packs.", pattern=r"^[a-z0-9-]+$")
    triggers: list[Regex] = Field(
        min_length=1, description="Regular expressions on the normalised question; one suffices."
    )
    label: str | None = Field(default=None, description="How the answer names it to a reader.")


class ConditionTerm(Term):
    """A condition a question can be about. Statements that name no condition are about
    neutropenia: they apply only to questions about a condition that implies it."""

    implies: list[str] = Field(
        default_factory=list,
        description="Conditions a question about this one is also about (febrile neutropenia "
        "is neutropenia; thrombocytopenia is not).",
    )


class FollowUp(Strict):
    """The follow-up question offered for an intent, by reader."""

    about: Literal["drug", "general"] = Field(
        default="general",
        description="'drug': offered for a question about a drug, and only when the follow-up "
        "would add drug-specific statements; 'general': offered when it adds any statement.",
    )
    clinician: str = Field(description="For clinicians; '{drug}' is the medicine asked about.")
    patient: str = Field(description="For patients and caregivers.")


class IntentTerm(Term):
    """What the reader wants to know. Listed most specific first: the first intent found is the
    question's ask, and the bottom line must answer it."""

    description: str = Field(description="What a question with this intent asks.")
    follow_up: FollowUp | None = Field(
        default=None, description="The follow-up question that asks for this intent, if offered."
    )
    title: str | None = Field(
        default=None,
        description="Topic title when the ask is this intent ('{drug}' where a drug is named).",
    )
    drug_title: str | None = Field(
        default=None, description="Topic title used instead when a drug is named."
    )
    patient_title: str | None = Field(
        default=None,
        description="Plain-language title for patients ('{drug}': the medicine, 'your medicine' "
        "when none is named).",
    )


class UncoveredAsk(Term):
    """An ask outside the reviewed knowledge: the answer says it is not covered."""

    label: str = Field(description="What the ask is about, as the answer names it.")


class Population(Term):
    """A group of patients whose care differs from non-pregnant adults'."""

    label: str = Field(description="As the answer names it: 'in pregnancy', 'in children'.")
    implies: list[str] = Field(
        default_factory=list, description="Populations this one belongs to (newborn -> infant)."
    )
    special: bool = Field(
        default=True,
        description="Whether adult statements need to be written for it to apply (False: a trait "
        "such as benign ethnic neutropenia that statements name explicitly).",
    )


class AgeBand(Strict):
    """An age range (in years) that places a patient in a population."""

    population: str = Field(description="Population id.")
    below_years: float = Field(gt=0, description="Ages below this belong to the population.")


class Trimester(Strict):
    """How a trimester of pregnancy is written."""

    trigger: Regex = Field(description="Regular expression naming the trimester.")
    trimester: int = Field(ge=1, le=3, description="The trimester it names.")


class Duration(Strict):
    """How a fever's duration is written: a trigger with a number (group 'n') and its unit, or a
    phrase that states a duration of at least `hours` without a number."""

    trigger: Regex = Field(description="Regular expression; group 'n' holds a number if any.")
    unit: Literal["minutes", "hours", "days"] | None = Field(
        default=None, description="Unit of group 'n'; absent for phrases without a number."
    )
    hours: float | None = Field(
        default=None, ge=0, description="Duration in hours stated by a phrase without a number."
    )


class FeverWords(Strict):
    """How fever, its absence, hypotheticals and its duration are written."""

    present: list[Regex] = Field(description="Words that say the patient has a fever.")
    absent: list[Regex] = Field(description="Words that say the patient has no fever.")
    hypothetical: list[Regex] = Field(description="'If she develops a fever': not a fever now.")
    durations: list[Duration] = Field(description="How long the fever has lasted.")
    single_reading: list[Regex] = Field(
        description="Words that say the temperature was a single reading (not sustained)."
    )


class Negation(Strict):
    """ConText-style negation: a trigger negates the findings after it (pre) or before it (post)
    within its clause; a terminator ends the clause."""

    pre: list[Regex] = Field(description="Triggers that negate what follows ('no', 'without').")
    post: list[Regex] = Field(description="Triggers that negate what precedes ('absent').")
    terminators: list[Regex] = Field(
        description="Words or marks that end a negation's scope ('and', 'but', ',')."
    )


class SectionTitles(Strict):
    """The heading of a section, by reader."""

    key: str = Field(description="Section key of the knowledge packs.")
    clinician: str = Field(description="Heading for clinicians.")
    patient: str = Field(description="Heading for patients.")
    collapsed: bool = Field(
        default=False, description="Background section, shown collapsed when not the ask."
    )
    asked_by: list[str] = Field(
        default_factory=list,
        description="Intents this section answers: a background section stays open for them.",
    )


class Framing(Strict):
    """Words that frame an article: headings, labels and the order of sections for patients."""

    sections: list[SectionTitles] = Field(description="Every section key with its headings.")
    patient_order: list[str] = Field(description="Order of sections for patients.")
    infections: dict[str, str] = Field(description="Infection id -> words in a title.")
    febrile_if: str = Field(description="Heading of the febrile section when there is no fever.")
    fever_follow_up: FollowUp = Field(
        description="Follow-up offered when the answer was for a patient without fever."
    )


class Vocabulary(Strict):
    """Everything the understand and compose stages read from the vocabulary files."""

    conditions: list[ConditionTerm] = Field(description="Conditions, most specific first.")
    infections: list[Term] = Field(description="Infections and infection signs.")
    intents: list[IntentTerm] = Field(description="Intents, most specific first.")
    uncovered_asks: list[UncoveredAsk] = Field(
        default_factory=list, description="Asks the reviewed knowledge does not cover."
    )
    blood_count: list[Regex] = Field(description="Words that put a drug question on blood counts.")
    grade: list[Regex] = Field(description="How a CTCAE grade of neutropenia is written.")
    fever: FeverWords = Field(description="Fever, its absence and duration.")
    populations: list[Population] = Field(description="Special populations and traits.")
    pregnancy_weeks: list[Regex] = Field(
        description="Gestational age in weeks: group 'n' holds the number."
    )
    trimesters: list[Trimester] = Field(description="Trimesters named in words.")
    age_bands: list[AgeBand] = Field(description="Ages that place a patient in a population.")
    settings: list[Term] = Field(description="Care settings: chemotherapy or not.")
    phases: list[Term] = Field(description="Phases: before starting, after an episode.")
    instability: list[Term] = Field(description="Signs of haemodynamic instability.")
    negation: Negation = Field(description="Negation triggers and terminators.")
    framing: Framing = Field(description="Headings and labels of articles.")
