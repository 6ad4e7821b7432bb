"""The nouns every stage passes along: the parsed query and the answer article (the contract)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Audience = Literal["physician", "pharmacist", "nurse", "student", "patient"]
AUDIENCES: tuple[Audience, ...] = get_args(Audience)
Coverage = Literal["curated", "sourced", "digest", "none"]
# How a statement fared against the passage of its cited source (`curbside verify`).
Support = Literal["supported", "unsupported", "not-ingested", "unverified", "quoted", "unanchored"]
ReviewStatus = Literal[
    "draft", "submitted", "under_review", "approved", "changes_requested", "retracted"
]
REVIEW_STATUSES: tuple[ReviewStatus, ...] = get_args(ReviewStatus)

# Intents, conditions and infections are ids of the vocabulary (src/curbside/vocabulary/*.yaml);
# the knowledge packs are checked against it when they load.
Intent = str
ConditionName = str
InfectionName = str
AgeGroup = Literal["newborn", "infant", "child", "adult", "older-adult"]
Setting = Literal["chemotherapy", "non-chemotherapy"]
Phase = Literal["before-start", "on-treatment", "after-episode"]


class Measurement(BaseModel):
    """A value read from the question, kept with the text it came from."""

    model_config = ConfigDict(frozen=True)

    value: float = Field(description="The value in the canonical unit of the quantity.")
    unit: str = Field(description="Canonical unit: 'cells/µL' for counts, '°C' for temperature.")
    original: str = Field(description="The text as written in the question, e.g. '0.4 x10^9/L'.")


class Situation(BaseModel):
    """What about the patient's situation changes the right answer, each item with where it was
    read ('question', 'patient file', 'FHIR record', 'thread'). Unknown items stay None."""

    age_years: float | None = Field(default=None, description="Age in years, if known.")
    populations: list[str] = Field(
        default_factory=list,
        description="Populations the patient belongs to (vocabulary ids: child, infant, newborn, "
        "pregnancy, breastfeeding, benign-ethnic-neutropenia), with those they imply.",
    )
    special: list[str] = Field(
        default_factory=list,
        description="The populations among them that statements written for non-pregnant adults "
        "must not be applied to (all but traits such as benign ethnic neutropenia).",
    )
    pregnancy_weeks: float | None = Field(default=None, description="Gestational age in weeks.")
    trimester: int | None = Field(default=None, ge=1, le=3, description="Trimester of pregnancy.")
    setting: Setting | None = Field(
        default=None, description="Cancer chemotherapy, or a non-chemotherapy drug reaction."
    )
    phase: Phase | None = Field(
        default=None, description="Before starting the drug, on treatment, or after an episode."
    )
    fever_hours: float | None = Field(
        default=None, description="How long the fever has lasted, in hours, when written."
    )
    fever_single_reading: bool = Field(
        default=False, description="The temperature is said to be a single reading."
    )
    unstable: list[str] = Field(
        default_factory=list,
        description="Signs of haemodynamic instability named (hypotension, shock), not negated.",
    )
    uncovered_ask: str | None = Field(
        default=None, description="An ask outside the reviewed knowledge (vocabulary id)."
    )
    co_medications: list[str] = Field(
        default_factory=list, description="Other medicines named besides the drug asked about."
    )
    origin: dict[str, str] = Field(
        default_factory=dict, description="Where each item was read, by field name."
    )


class Query(BaseModel):
    """What the understand stage made of a question."""

    text: str = Field(description="The question exactly as asked.")
    normalized: str = Field(description="Lower-cased, Unicode-normalised text used for matching.")
    audience: Audience = Field(description="Who is reading the answer.")
    drugs: list[str] = Field(default_factory=list, description="Known drug ids found.")
    drug_classes: list[str] = Field(
        default_factory=list, description="Drug class ids named directly or implied by the drugs."
    )
    named_classes: list[str] = Field(
        default_factory=list, description="Drug class ids named in the question itself."
    )
    label_drugs: list[str] = Field(
        default_factory=list,
        description="Drugs with an ingested label but no curated entry (generic names).",
    )
    unknown_drugs: list[str] = Field(
        default_factory=list, description="Words that name a medicine Curbside holds nothing on."
    )
    conditions: list[ConditionName] = Field(
        default_factory=list, description="Conditions the question is about."
    )
    infections: list[InfectionName] = Field(
        default_factory=list, description="Infections or infection signs mentioned."
    )
    febrile: bool | None = Field(
        default=None, description="True when fever is stated, False when denied, None if unknown."
    )
    anc: Measurement | None = Field(default=None, description="Absolute neutrophil count.")
    temperature: Measurement | None = Field(default=None, description="Body temperature.")
    wbc: Measurement | None = Field(default=None, description="White cell count, if written.")
    haemoglobin: Measurement | None = Field(
        default=None, description="Haemoglobin in g/dL, if written."
    )
    platelets: Measurement | None = Field(
        default=None, description="Platelet count in cells/µL, if written."
    )
    neutrophil_percent: float | None = Field(
        default=None, description="Neutrophils as a percentage of white cells, if written."
    )
    band_percent: float | None = Field(
        default=None, description="Band neutrophils as a percentage of white cells, if written."
    )
    grade: int | None = Field(
        default=None,
        ge=1,
        le=4,
        description="CTCAE grade of the neutropenia as written ('grade 3', 'G4'), if given.",
    )
    intents: list[Intent] = Field(
        default_factory=list, description="What the reader wants to know, most specific first."
    )
    warnings: list[str] = Field(
        default_factory=list, description="Values that were ignored, with the reason."
    )
    situation: Situation = Field(
        default_factory=Situation, description="Population, setting, phase and clinical state."
    )


class CitedText(BaseModel):
    """A sentence with the numbers of the references that support it."""

    text: str = Field(description="The sentence as shown to the reader.")
    citations: list[int] = Field(description="Reference numbers (1-based) supporting the text.")
    id: str | None = Field(
        default=None,
        description="For a bottom line: the knowledge statement (or patient finding) it is.",
    )


class SourceQuote(BaseModel):
    """The verbatim words of a source behind a statement, and where they were read."""

    quote: str = Field(description="The sentence(s) of the source, copied verbatim.")
    source: str = Field(description="Id of the cited source (see the reference list).")
    locator: str = Field(description="Section, table or page of the source that holds it.")
    url: str = Field(description="Where the quoted text was read (URL or path of the copy).")
    read_on: date = Field(description="Day the quote was copied from that text.")


class ArticleStatement(CitedText):
    """One bullet of a section."""

    id: str = Field(description="Knowledge statement id, for review comments and verification.")
    urgent: bool = Field(default=False, description="Needs action now (fever, sepsis signs).")
    scope: Literal["drug", "class", "general"] = Field(
        default="general",
        description="Whether the statement is about the drug asked about, its class, or general.",
    )
    support: Support = Field(
        default="unverified",
        description=(
            "Verification against the cited source's text: 'supported', 'unsupported' (shown "
            "flagged, dropped in strict mode), 'not-ingested' (source text not held), "
            "'unverified' (no verification run since the statement changed), 'quoted' (the "
            "text is an exact quotation of the cited passage) or 'unanchored' (no citation of "
            "the statement carries a verbatim quote of its source)."
        ),
    )
    evidence: list[SourceQuote] = Field(
        default_factory=list,
        description="The quotes of its sources that support it; empty when it is unanchored.",
    )


class Section(BaseModel):
    """A titled group of statements, in the order of the brief."""

    key: str = Field(description="Stable section key, e.g. 'severity' or 'febrile'.")
    title: str = Field(description="Heading as shown to this audience.")
    statements: list[ArticleStatement] = Field(description="The bullets, most important first.")
    background: bool = Field(
        default=False,
        description="General background the question did not ask about (shown collapsed).",
    )


class Reference(BaseModel):
    """One entry of the numbered reference list: a source plus the part of it cited."""

    n: int = Field(description="Reference number, in order of first use.")
    source_id: str = Field(description="Id of the source in the knowledge packs.")
    title: str = Field(description="Title of the guideline, label or paper.")
    publisher: str = Field(description="Issuing body, journal or manufacturer.")
    year: int | None = Field(
        default=None, description="Year of publication or label revision, when known."
    )
    locator: str = Field(description="Section, table or recommendation cited.")
    kind: str = Field(description="guideline, drug-label, review, trial or grading-criteria.")
    authors: str | None = Field(default=None, description="First authors, 'et al.' style.")
    citation: str | None = Field(default=None, description="Journal citation: vol(issue):pages.")
    url: str | None = Field(default=None, description="Where a reader can check it.")
    doi: str | None = Field(default=None, description="Digital Object Identifier.")
    pmid: str | None = Field(default=None, description="PubMed id.")
    set_id: str | None = Field(default=None, description="DailyMed label set id.")
    path: str | None = Field(
        default=None, description="The ingested file quoted, for passages quoted from it."
    )
    last_reviewed: str | None = Field(
        default=None, description="When the publisher last reviewed the page, as it says."
    )


class CountPoint(BaseModel):
    """One dated count of a trend."""

    taken: datetime = Field(description="When the blood was taken.")
    anc_per_uL: float = Field(description="ANC in cells/µL.")


class PatientSummary(BaseModel):
    """What was read or computed about the patient."""

    anc_per_uL: float | None = Field(default=None, description="ANC in cells/µL.")
    anc_as_written: str | None = Field(default=None, description="The ANC as written.")
    anc_trend: list[CountPoint] = Field(
        default_factory=list,
        description="Every dated ANC of the record, oldest first, when there is more than one.",
    )
    anc_source: str | None = Field(
        default=None,
        description="Where the ANC came from: the question, the patient file, the FHIR record, "
        "or how it was computed from the WBC and differential.",
    )
    ctcae_grade: int | None = Field(default=None, description="CTCAE v5.0 grade of the ANC.")
    severity: str | None = Field(default=None, description="mild, moderate or severe.")
    temperature_c: float | None = Field(default=None, description="Temperature in °C.")
    febrile: bool | None = Field(
        default=None, description="Fever by the IDSA definition: present, absent or unknown."
    )
    febrile_neutropenia: bool | None = Field(
        default=None, description="Febrile neutropenia by the IDSA 2010 definition."
    )
    febrile_reason: str | None = Field(
        default=None, description="Why the febrile-neutropenia definition is or is not met."
    )
    age_years: float | None = Field(default=None, description="Age in years.")
    mascc_score: int | None = Field(
        default=None, description="MASCC risk index from the items known (maximum 26)."
    )
    mascc_risk: str | None = Field(
        default=None, description="MASCC class: low (21 or more) or high; null if undecided."
    )
    cisne_score: int | None = Field(default=None, description="CISNE score from the items known.")
    cisne_risk: str | None = Field(
        default=None, description="CISNE class: low, intermediate or high; null if undecided."
    )
    drugs: list[str] = Field(default_factory=list, description="Medicines named.")
    medications: list[str] = Field(
        default_factory=list, description="The patient's medicine list, as given."
    )
    neutropenia_drugs: list[str] = Field(
        default_factory=list,
        description="Medicines on the list known to cause neutropenia (curated or by label).",
    )
    infections: list[str] = Field(default_factory=list, description="Infections named.")
    origin: dict[str, str] = Field(
        default_factory=dict,
        description="Where each patient value came from: question, file or fhir.",
    )


class Article(BaseModel):
    """The answer: every interface renders this object (see the answer contract)."""

    question: str = Field(description="The question as asked.")
    audience: Audience = Field(description="Who the wording is for.")
    coverage: Coverage = Field(
        description="curated (reviewed knowledge), sourced (a trusted source's own answer to "
        "this question, quoted), digest (quoted passages) or none."
    )
    title: str = Field(description="Topic title.")
    bottom_line: CitedText = Field(description="One cited sentence answering the question.")
    sections: list[Section] = Field(description="Sections in the order of the brief.")
    references: list[Reference] = Field(description="Numbered references, in order of first use.")
    patient: PatientSummary | None = Field(
        default=None, description="Patient values read or computed; absent when none were given."
    )
    follow_ups: list[str] = Field(description="Questions the reader may ask next.")
    status: ReviewStatus = Field(description="Editorial review status of this article.")
    last_updated: date = Field(description="Date of the knowledge this article was built from.")
    disclaimer: str = Field(description="Professional or patient disclaimer.")
    notes: list[str] = Field(
        default_factory=list, description="What Curbside could not use from the question, and why."
    )

    def answer_text(self) -> str:
        """Title, bottom line and statements: the text evaluation expectations are matched on."""
        parts = [self.title, self.bottom_line.text]
        parts += [s.text for section in self.sections for s in section.statements]
        return "\n".join(parts)
