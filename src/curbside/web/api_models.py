"""The JSON API's request and response bodies (the article itself is `curbside.models.Article`,
the one model the pages, the API and the CLI share)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from curbside.library import ArticleRecord
from curbside.library.workflow import ActionName
from curbside.models import Article, Audience
from curbside.patient.errors import PatientDataError
from curbside.patient.model import Origin, PatientData, Reading
from curbside.patient.readings import count_reading, temperature_reading
from curbside.understand import MAX_QUESTION_CHARS, QUESTION_PATTERN

# The review actions, defined once in the workflow (curbside.library.workflow.REVIEW_ACTIONS).
ReviewAction = ActionName
MAX_INT = 2**31 - 1  # the largest revision or version number a request may state
MAX_THREAD = 20  # earlier questions a follow-up may carry
PATIENT_ORIGIN: Origin = "request"  # values sent in the JSON body, ranked as a patient file

# A number, then its unit: after a space, or right after the number (400/uL, 0.4x10^9/L).
_QUANTITY = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:\s+|(?=[^\d.\s]))(\S.*?)\s*")
Written = Annotated[str, StringConstraints(max_length=64)]
# What a question may be, as the OpenAPI document states it. The rule is checked, with its own
# 400 problem and message, where questions are read (curbside.understand), not by the schema.
QUESTION_SCHEMA = {"minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": QUESTION_PATTERN}
Question = Annotated[
    str,
    Field(
        description=f"The question, in plain words (up to {MAX_QUESTION_CHARS:,} characters).",
        json_schema_extra=QUESTION_SCHEMA,
    ),
]


def _iso_date(value: object) -> object:
    """A date given as text must be written YYYY-MM-DD (not a timestamp, which pydantic would
    otherwise take): what the OpenAPI document says, format 'date'."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
AudienceField = Annotated[
    Audience | None, Field(description="Who the answer is for (default: the server's setting).")
]


class Quantity(BaseModel):
    """A value with its unit."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(allow_inf_nan=False, description="The number.")
    unit: Annotated[str, StringConstraints(max_length=32)] = Field(
        description="Its unit, e.g. 'x10^9/L', 'cells/uL', 'C' or 'F'."
    )


class PatientInput(BaseModel):
    """What is known about the patient the question is about (every field optional)."""

    model_config = ConfigDict(extra="forbid")

    anc: Written | Quantity | None = Field(
        default=None,
        description="Absolute neutrophil count with its unit ('0.4 x10^9/L', '400/uL', or "
        "{value, unit}); a bare number or a percentage is refused.",
        examples=["0.4 x10^9/L"],
    )
    temperature: Written | Quantity | None = Field(
        default=None,
        description="Highest recent temperature: '38.6 C', '101.5 F'.",
        examples=["38.6 C"],
    )
    medications: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=50, description="Current medicines, by name."
    )
    age: float | None = Field(default=None, ge=0, le=130, description="Age in years.")

    def to_patient_data(self) -> PatientData:
        """The patient data the engine reasons over; PatientDataError naming the field."""
        values: dict[str, object] = {}
        readers: dict[str, tuple[Callable[..., Reading], str]] = {
            "anc": (count_reading, "0.4 x10^9/L"),
            "temperature": (temperature_reading, "38.6 C"),
        }
        for field, (read, example) in readers.items():
            written: str | Quantity | None = getattr(self, field)
            if written is None:
                continue
            try:
                number, unit, text = _split(written, example)
                values[field] = read(number, unit, as_written=text)
            except ValueError as exc:
                raise PatientDataError(str(exc), field=f"patient.{field}") from None
        if self.medications:
            values["medications"] = self.medications
        if self.age is not None:
            values["age_years"] = self.age
        return PatientData.model_validate(
            {**values, "origin": dict.fromkeys(values, PATIENT_ORIGIN)}
        )


def _split(written: str | Quantity, example: str) -> tuple[float, str, str]:
    """(number, unit, as written) of a value given as text or as {value, unit}."""
    if isinstance(written, Quantity):
        return written.value, written.unit, f"{written.value:g} {written.unit}"
    match = _QUANTITY.fullmatch(written)
    if match is None:
        raise ValueError(f"{written!r} is not a number with its unit, e.g. '{example}'")
    return float(match[1]), match[2], written.strip()


class AskRequest(BaseModel):
    """A question, optionally about a patient."""

    model_config = ConfigDict(extra="forbid")

    question: Question
    audience: AudienceField = None
    patient: PatientInput | None = Field(
        default=None, description="Patient values; an answer about a patient is not stored."
    )


class AskResult(BaseModel):
    """The answer, and where it lives in the library when it was stored there."""

    article: Article = Field(description="The answer.")
    article_id: str | None = Field(
        default=None, description="The library article's id; null when it was not stored."
    )
    url: str | None = Field(
        default=None, description="The library article's page; null when it was not stored."
    )


class ArticleView(BaseModel):
    """One library article: its record (workflow state) and its content."""

    record: ArticleRecord = Field(description="The article's library record.")
    article: Article = Field(description="The content of the version asked for.")
    url: str = Field(description="The article's page.")


class LibraryEntry(ArticleRecord):
    """An article record with the path of its page."""

    url: str = Field(description="The article's page.")


class LibraryPage(BaseModel):
    """Articles found in the library, newest first."""

    articles: list[LibraryEntry] = Field(description="The articles found.")


class FollowUpRequest(BaseModel):
    """A question asked in the context of earlier ones."""

    model_config = ConfigDict(extra="forbid")

    thread: list[str] = Field(
        default_factory=list,
        max_length=MAX_THREAD,
        description="The earlier questions of the conversation, oldest first.",
    )
    question: Question
    audience: AudienceField = None


class FollowUpResult(BaseModel):
    """The answer to a follow-up, and the page that shows the conversation."""

    article: Article = Field(description="The answer, in the context of the thread.")
    url: str = Field(description="The follow-up page: the thread travels in the link.")


class ReviewRequest(BaseModel):
    """A step of the editorial workflow."""

    model_config = ConfigDict(extra="forbid")

    action: ReviewAction = Field(
        description="submit (editor), start, approve, request-changes or retract (reviewer), "
        "reopen (admin: a retracted article back to draft)."
    )
    note: str | None = Field(
        default=None, max_length=2000, description="Why (kept in the audit log)."
    )
    expected_revision: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INT,
        description="The revision read; a stale one is a 409 and nothing is written. Default: "
        "the article's revision now.",
    )


class CommentRequest(BaseModel):
    """A review comment."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=10_000, description="The comment.")
    statement_id: str | None = Field(
        default=None, description="The statement commented on; null for the whole article."
    )
    expected_revision: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INT,
        description="The revision read (default: the article's revision now).",
    )


class KnowledgeCounts(BaseModel):
    """The curated knowledge loaded."""

    packs: int = Field(description="Knowledge pack files.")
    drugs: int = Field(description="Drugs with a curated entry.")
    statements: int = Field(description="Curated statements.")


class EvidenceCounts(BaseModel):
    """The ingested evidence."""

    passages: int = Field(description="Passages searchable for evidence digests.")


class Health(BaseModel):
    """The server is up, and what it answers with."""

    status: Literal["ok", "degraded"] = Field(
        description="'ok', or 'degraded' (with status 503) while the article library cannot be "
        "used: answers still come, unstored."
    )
    version: str = Field(description="Curbside's version.")
    knowledge: KnowledgeCounts = Field(description="The curated knowledge loaded.")
    evidence: EvidenceCounts | None = Field(description="The evidence store; null when none.")
    library: str | None = Field(
        description="The article library's database, 'sqlite' or 'postgresql'; null when this "
        "server keeps none."
    )
    library_problem: str | None = Field(
        default=None, description="Why the library cannot be used now (when degraded)."
    )
