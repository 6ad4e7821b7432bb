"""The knowledge pack format: sources, drug classes, drugs and statements, validated by pydantic.

A pack is one YAML file. Every statement names the conditions under which it applies and cites at
least one source with a locator; the loader checks that every cited source, drug and class exists.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from curbside.models import ConditionName, InfectionName, Intent, Phase, Setting

SourceKind = Literal[
    "guideline", "drug-label", "review", "trial", "grading-criteria", "patient-information"
]
SectionKey = Literal[
    "bottom-line",
    "severity",
    "afebrile",
    "febrile",
    "growth-factor",
    "prophylaxis",
    "drug",
    "other-causes",
    "follow-up",
    "education",
]
LabelNeutropenia = Literal[
    "boxed-warning", "warning", "adverse-reaction", "postmarketing", "not-listed"
]
Mechanism = Literal["dose-related", "idiosyncratic", "immune", "uncertain"]


# Population values a statement may use besides the vocabulary's populations.
EVERYONE = "everyone"
ADULTS = "adults"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """A document a statement can cite."""

    id: str = Field(
        description="Short stable id, e.g. 'idsa-2010-fn'.", pattern=r"^[a-z0-9][a-z0-9.-]*$"
    )
    title: str = Field(description="Full title of the guideline, label or paper.")
    publisher: str = Field(description="Issuing body, journal or manufacturer.")
    year: int | None = Field(
        default=None,
        description="Year of publication or label revision; left out when it was not confirmed.",
        ge=1950,
        le=2100,
    )
    kind: SourceKind = Field(description="What sort of document this is.")
    authors: str | None = Field(default=None, description="First authors, 'Freifeld AG et al.'.")
    citation: str | None = Field(default=None, description="Journal, volume(issue):pages.")
    doi: str | None = Field(default=None, description="DOI without the resolver prefix.")
    pmid: str | None = Field(default=None, description="PubMed id.", pattern=r"^\d{1,9}$")
    url: str | None = Field(default=None, description="Where a reader can check the text.")
    set_id: str | None = Field(default=None, description="DailyMed SPL set id of a drug label.")
    evidence: list[str] = Field(
        default_factory=list,
        description=(
            "Keys of ingested documents that hold this source's text (e.g. 'ctcae:v5'), for "
            "`curbside verify`; documents whose URL or set id equals this source's match as well."
        ),
    )

    @model_validator(mode="after")
    def _checkable(self) -> Source:
        if not (self.doi or self.pmid or self.url or self.set_id):
            raise ValueError("a source needs at least one of doi, pmid, url or set_id")
        if self.kind == "drug-label" and not (self.set_id or self.url):
            raise ValueError("a drug label needs its set_id or url")
        return self


class ReadAt(Strict):
    """Where the text of a quote was read, and when."""

    url: str = Field(
        description="URL of the document, or path of the copy that was read.", min_length=3
    )
    date: dt.date = Field(description="Day the quote was copied from that text.")


class Citation(Strict):
    """A pointer from a statement to the part of a source that supports it."""

    source: str = Field(description="Id of a source declared in some pack.")
    locator: str = Field(
        description="Section, table or recommendation, e.g. 'Section 5.1'.", min_length=2
    )
    quote: str | None = Field(
        default=None,
        min_length=10,
        max_length=1200,
        description=(
            "The verbatim sentence(s) of the source that support the statement: a sentence or "
            "two copied from text that was read, never written from memory."
        ),
    )
    read_at: ReadAt | None = Field(
        default=None, description="Where and when the quote was read; required with a quote."
    )

    @model_validator(mode="after")
    def _quote_read_somewhere(self) -> Citation:
        if self.quote is not None and self.read_at is None:
            raise ValueError("a quote needs read_at: the url (or path) and date it was read")
        if self.read_at is not None and self.quote is None:
            raise ValueError("read_at is given without a quote")
        return self


class DrugClass(Strict):
    """A group of drugs that share guidance, e.g. aromatase inhibitors."""

    id: str = Field(
        description="Class id, e.g. 'aromatase-inhibitor'.", pattern=r"^[a-z0-9][a-z0-9-]*$"
    )
    name: str = Field(description="Singular display name.")
    synonyms: list[str] = Field(default_factory=list, description="Other ways to name the class.")


class LabelFacts(Strict):
    """What the drug's label says about neutropenia, and where."""

    neutropenia: LabelNeutropenia = Field(description="Where, if anywhere, the label lists it.")
    mechanism: Mechanism = Field(description="Dose-related, idiosyncratic, immune or uncertain.")
    citations: list[Citation] = Field(min_length=1, description="Label sections this rests on.")


class Drug(Strict):
    """A medicine Curbside can recognise in a question."""

    id: str = Field(description="Generic name, lower case.", pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(description="Generic name as displayed.")
    brands: list[str] = Field(default_factory=list, description="Brand names.")
    misspellings: list[str] = Field(
        default_factory=list, description="Common misspellings that fuzzy matching may miss."
    )
    classes: list[str] = Field(default_factory=list, description="Ids of its drug classes.")
    label: LabelFacts = Field(description="What its label says about neutropenia.")


class AncRange(Strict):
    """An ANC range in cells/µL: min inclusive, max exclusive; either may be open."""

    min: float | None = Field(default=None, ge=0, description="Lowest ANC included (cells/µL).")
    max: float | None = Field(
        default=None, gt=0, description="ANC from which it no longer applies."
    )

    @model_validator(mode="after")
    def _ordered(self) -> AncRange:
        if self.min is None and self.max is None:
            raise ValueError("an ANC range needs min, max or both")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"ANC range min ({self.min}) must be below max ({self.max})")
        return self

    def contains(self, anc: float) -> bool:
        return (self.min is None or anc >= self.min) and (self.max is None or anc < self.max)


def _management() -> list[Intent]:
    return ["management"]


class When(Strict):
    """The conditions under which a statement applies. Empty lists place no restriction."""

    drugs: list[str] = Field(default_factory=list, description="Applies when one is involved.")
    drug_classes: list[str] = Field(
        default_factory=list, description="Applies when a drug of one of these classes is involved."
    )
    mechanisms: list[Mechanism] = Field(
        default_factory=list,
        description="Applies when a drug involved causes neutropenia by one of these mechanisms.",
    )
    conditions: list[ConditionName] = Field(
        default_factory=list, description="Applies when the question concerns one of these."
    )
    febrile: bool | None = Field(
        default=None, description="True: for fever; False: only without fever; null: either."
    )
    anc: AncRange | None = Field(default=None, description="ANC range where it applies.")
    grades: list[int] = Field(
        default_factory=list,
        description=(
            "CTCAE grades (1-4) of neutropenia where it applies, for label tables written by "
            "grade; the grade is the one written in the question or computed from the ANC."
        ),
    )
    infections: list[InfectionName] = Field(
        default_factory=list,
        description="Applies only when one of these infections is mentioned ('any' for any).",
    )
    intents: list[Intent] = Field(
        default_factory=_management,
        min_length=1,
        description="Question intents this statement answers (vocabulary ids); a bottom-line "
        "statement is chosen only for a question whose ask (first intent) is listed.",
    )
    populations: list[str] = Field(
        default_factory=list,
        description=(
            "Who it applies to: vocabulary population ids (pregnancy, breastfeeding, child, "
            "infant, newborn, benign-ethnic-neutropenia), 'adults' (non-pregnant adults) or "
            "'everyone'. Empty: non-pregnant adults only, never a special population."
        ),
    )
    settings: list[Setting] = Field(
        default_factory=list,
        description="Applies only in these settings (chemotherapy, non-chemotherapy) when the "
        "setting is known.",
    )
    phases: list[Phase] = Field(
        default_factory=list,
        description="Applies only in these phases (before-start, on-treatment, after-episode).",
    )
    with_drugs: list[str] = Field(
        default_factory=list,
        description="Applies only when every one of these drugs is involved (an interaction).",
    )


class Wording(Strict):
    """The statement in words for each reader. Missing audiences fall back to the clinician text."""

    clinician: str = Field(min_length=10, description="For physicians and other clinicians.")
    patient: str | None = Field(
        default=None,
        description="Plain language; without it the statement is not shown to patients.",
    )
    nurse: str | None = Field(default=None, description="Nursing wording, when it differs.")
    pharmacist: str | None = Field(default=None, description="Pharmacist wording, when it differs.")
    student: str | None = Field(default=None, description="Teaching wording, when it differs.")


class Statement(Strict):
    """One reviewed clinical statement."""

    id: str = Field(description="Stable id, unique across packs.", pattern=r"^[a-z0-9][a-z0-9.-]*$")
    section: SectionKey = Field(description="Article section it belongs to.")
    text: Wording = Field(description="Audience wording.")
    when: When = Field(default_factory=When, description="When it applies.")
    urgent: bool = Field(default=False, description="Calls for action now when fever is present.")
    cite: list[Citation] = Field(min_length=1, description="Sources that support it.")

    @property
    def anchored(self) -> bool:
        """True when at least one citation carries a verbatim quote; otherwise `unanchored`."""
        return any(c.quote for c in self.cite)

    @field_validator("cite", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        if value is None or value == []:
            raise ValueError("every statement must cite at least one source")
        return value


class Pack(Strict):
    """One knowledge pack file."""

    pack: str = Field(description="Pack id.", pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(description="What the pack covers.")
    updated: date = Field(description="Date the pack's content was last changed.")
    sources: list[Source] = Field(default_factory=list, description="Sources declared here.")
    classes: list[DrugClass] = Field(
        default_factory=list, description="Drug classes declared here."
    )
    drugs: list[Drug] = Field(default_factory=list, description="Drugs declared here.")
    statements: list[Statement] = Field(default_factory=list, description="Statements.")
