"""What the readers share: reading a file safely, XML without DTDs, and label naming."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path

from curbside.ingest.chunking import collapse, trim
from curbside.ingest.document import ReaderError

_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
LINE = re.compile(r"[^\n]*\n|[^\n]+")


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing or unreadable file is a ReaderError."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReaderError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def read_text(path: Path) -> str:
    """The file decoded as UTF-8 (bad bytes replaced, newlines untouched), refusing junk.

    Offsets of passages refer to this text. An empty file, a file of whitespace and a binary
    file (NUL bytes, or more than one character in twenty undecodable) are ReaderErrors.
    """
    data = read_bytes(path)
    if b"\x00" in data:
        raise ReaderError(f"{path}: binary data, not text")
    text = data.decode("utf-8", errors="replace")
    if not text.strip():
        raise ReaderError(f"{path}: empty file")
    if text.count("\ufffd") > max(8, len(text) // 20):
        raise ReaderError(f"{path}: not UTF-8 text (binary data?)")
    return text


def lines(text: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """``[start, end)`` of each line of ``text[start:]``, trimmed (start == end if blank)."""
    for match in LINE.finditer(text, start):
        yield trim(text, *match.span()) or (match.start(), match.start())


class Blocks:
    """Paragraphs of a line-oriented text, each tagged with the section path open around it.

    Feed it lines in order: ``line`` extends the open paragraph, ``close`` ends it (a blank
    line), ``heading`` ends it and opens a section at a depth (deeper ones are closed).
    """

    def __init__(self, root: str = "") -> None:
        self.items: list[tuple[str, int, int]] = []  # (section, start, end)
        self._path: list[tuple[int, str]] = [(0, root)] if root else []
        self._open: tuple[int, int] | None = None

    @property
    def section(self) -> str:
        return " > ".join(title for _, title in self._path)

    def heading(self, depth: int, title: str) -> None:
        self.close()
        self._path = [(d, t) for d, t in self._path if d < depth] + [(depth, title)]

    def line(self, start: int, end: int) -> None:
        if start < end:
            self._open = (self._open[0] if self._open else start, end)

    def close(self) -> None:
        if self._open:
            self.items.append((self.section, *self._open))
        self._open = None


def parse_xml(path: Path, text: str) -> ET.Element:
    """Parse XML with the standard library, refusing DTDs and entity declarations."""
    if _DTD.search(text):
        raise ReaderError(f"{path}: XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise ReaderError(f"{path}: malformed XML ({exc})") from None


def element_text(element: ET.Element | None) -> str:
    """All the text inside an XML element, whitespace collapsed ("" for None)."""
    return collapse("".join(element.itertext())) if element is not None else ""


def local(tag: str) -> str:
    """An XML tag without its namespace: ``{urn:hl7-org:v3}section`` -> ``section``."""
    return tag.rpartition("}")[2]


def humanize(name: str) -> str:
    """``warnings_and_precautions`` -> ``Warnings and precautions``."""
    return name.replace("_", " ").strip().capitalize()


def year_of(value: object) -> int | None:
    """The year at the start of ``20230115``, ``2023-01-15`` or ``2023``, else None."""
    match = re.match(r"\s*(1[89]\d\d|2\d\d\d)", str(value)) if value is not None else None
    return int(match.group(1)) if match else None


def unique(items: Iterable[str]) -> list[str]:
    """Non-empty stripped items, first occurrence kept, in order."""
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip(), None)
    return list(seen)


def label_key(generics: list[str], brands: list[str], fallback: str) -> str:
    """``label:<first generic name, lower-case>`` (brand name or ``fallback`` when none)."""
    name = (generics or brands or [fallback])[0]
    return f"label:{name.lower()}"


def label_title(generics: list[str], brands: list[str], fallback: str) -> str:
    """``Treanda (bendamustine hydrochloride) label`` or the generic name alone."""
    if brands and generics:
        return f"{brands[0]} ({generics[0].lower()}) label"
    return f"{(brands or generics or [fallback])[0]} label"


def dailymed_url(set_id: str | None) -> str | None:
    """The DailyMed page of a label's set id."""
    return f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={set_id}" if set_id else None
