"""What the library derives from an article: its id and slug, content hash, search text, drugs."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from curbside.models import Article, Audience, ReviewStatus
from curbside.understand import normalize

CONTENT_FIELDS = {"title", "bottom_line", "sections", "references"}
SLUG_WORDS_CHARS = 60


def article_id(question: str, audience: Audience) -> str:
    """Stable id of the article answering this question for this audience: the same question,
    however spaced or cased and with or without its final '?', always gets the same id."""
    key = f"{audience}\n{normalize(question).rstrip(' ?.!')}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def base_slug(question: str, audience: Audience) -> str:
    """The readable slug: the question's first words in ASCII, then the audience."""
    ascii_text = unicodedata.normalize("NFKD", normalize(question))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(words) > SLUG_WORDS_CHARS:
        words = words[:SLUG_WORDS_CHARS].rsplit("-", 1)[0]
    return f"{words or 'question'}-{audience}"


def content_hash(article: Article) -> str:
    """SHA-256 of the content fields only (not status, dates, notes or patient data): storing the
    same content again is recognised and makes no new version."""
    content = article.model_dump(mode="json", include=CONTENT_FIELDS)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def search_text(article: Article) -> str:
    """The normalised text searched by `Library.search`: question, title and bottom line."""
    return normalize("\n".join([article.question, article.title, article.bottom_line.text]))


def search_terms(text: str) -> list[str]:
    """The words of a search, normalised like the stored search text."""
    return normalize(text).split()


def drug_names(article: Article, drugs: Iterable[str] = ()) -> list[str]:
    """The drugs an article is about: those of its patient summary plus those given, lower case,
    sorted, without repeats."""
    named = list(drugs) + (article.patient.drugs if article.patient else [])
    return sorted({d.strip().casefold() for d in named if d.strip()})


def statement_ids(article: Article) -> set[str]:
    """Ids of all statements of the article (what a comment may point at)."""
    return {s.id for section in article.sections for s in section.statements}


def stored_form(article: Article, status: ReviewStatus, day: date) -> Article:
    """The article as the library keeps it: patient-independent (the patient summary is dropped;
    its drugs are kept as the article's drugs), dated by its version, with its status."""
    return article.model_copy(update={"patient": None, "status": status, "last_updated": day})
