"""What a reader makes of a file: documents, cut into passages that know where they came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

# What kind of evidence an ingested document is; `curbside search --kind` filters on it.
DocumentKind = Literal[
    "drug-label",  # FDA label sections (plain text, openFDA JSON, DailyMed SPL XML)
    "patient-information",  # NCI / cancer.gov pages and other consumer pages
    "grading-criteria",  # CTCAE
    "qa",  # question-answer pairs (MedQuAD); the passage is the answer only
    "abstract",  # PubMed abstracts (PubMedQA)
    "web-page",  # Markdown or HTML pages that are not NCI pages
    "document",  # PDF text and anything else
]

DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)


@dataclass(frozen=True)
class Passage:
    """A span of a document small enough to embed (at most about 200 words)."""

    text: str  # clean text: markup removed, whitespace collapsed
    section: str  # section path, outermost first, joined by " > " ("" when none)
    start: int  # character offsets of the span in the file's decoded text, [start, end)
    end: int


@dataclass(frozen=True)
class Document:
    """One source document read from a file (a file may hold many: MedQuAD, PubMedQA, openFDA)."""

    # Stable id across files: label:<generic>, nci:<stem>, ctcae:v5, medquad:cdc:<qid>, pmid:<n>
    key: str
    kind: DocumentKind
    title: str
    passages: list[Passage]
    url: str | None = None
    drugs: list[str] = field(default_factory=list)  # lower-case generic names the document is about
    brand_names: list[str] = field(default_factory=list)  # as written on the label
    pharm_classes: list[str] = field(default_factory=list)  # openFDA pharm_class_epc
    set_id: str | None = None  # DailyMed set id, for labels that carry one
    year: int | None = None
    # Reader-specific facts kept beside the document (MedQuAD: question, qtype, focus, synonyms,
    # cuis, semantic_group, source; NCI pages: audience, last_reviewed, sections). JSON values.
    meta: dict[str, object] = field(default_factory=dict)


class ReaderError(ValueError):
    """A file that cannot be read: the message says which file and why."""


class NothingToIngest(ReaderError):
    """A readable file with nothing to keep (a MedQuAD file with no answered question): counted
    as empty when walking a folder, not reported as a failure."""


class UnsupportedFile(ReaderError):
    """A file of a type no reader handles: skipped when walking a folder, an error when named."""
