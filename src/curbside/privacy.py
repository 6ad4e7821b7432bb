"""What makes a question about one identifiable person: names with a title, record numbers,
dates of birth, phone numbers and street addresses. Such a question is answered but never
stored in the article library (nor is one with patient values), and the answer says so.

The patterns err on the side of not storing: a question that only looks like it names someone
is answered the same way, just not kept.
"""

from __future__ import annotations

import re

_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sr|Sister|Master)\.?"
_DATE = r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4})"
_STREET = (
    r"(?i:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|court|ct|close|way|place"
    r"|pl|terrace|crescent|square|sq|highway|hwy|parkway)"
)

# kind -> pattern; each finds one kind of identifier in a question.
IDENTIFIERS: dict[str, re.Pattern[str]] = {
    "a name with a title": re.compile(rf"\b{_TITLE}\s+[A-Z][A-Za-z'’-]+"),
    "a record number": re.compile(
        r"\b(?:MRN|NHS|UR|URN|CHI|HN|medical\s+record|hospital|patient|record|chart|case)"
        r"(?:\s*(?:number|no\.?|num|#|id))?\s*[:#]?\s*[A-Z]{0,3}\d[\d -]{4,}\d",
        re.IGNORECASE,
    ),
    "a date of birth": re.compile(
        rf"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:=]?\s*{_DATE}",
        re.IGNORECASE,
    ),
    "a phone number": re.compile(
        r"(?:\b(?:phone|tel|telephone|mobile|cell|ph)\.?\s*[:#]?\s*\+?[\d()][\d ()./-]{6,}\d"
        r"|\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}\b"
        r"|\(\d{3}\)\s*\d{3}[ .-]?\d{4}\b|\b\d{3}[.-]\d{3}[.-]\d{4}\b)",
        re.IGNORECASE,
    ),
    "a street address": re.compile(rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){{1,3}}{_STREET}\b"),
    "an email address": re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"),
}


def identifiers(text: str) -> list[str]:
    """The kinds of personal identifier found in the text (empty when none)."""
    return [kind for kind, pattern in IDENTIFIERS.items() if pattern.search(text)]


def not_stored_note(kinds: list[str], patient_values: bool) -> str:
    """The note an answer carries when it was not stored for privacy."""
    if kinds:
        return (
            f"This answer was not stored in the library: the question contains {kinds[0]} "
            "(personal details are never kept). Ask without them to get a shareable article."
        )
    assert patient_values
    return (
        "This answer is about one patient's values and was not stored in the library "
        "(patient data are never kept)."
    )
