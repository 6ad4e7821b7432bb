"""CTCAE as CSV (NCI's Common Terminology Criteria for Adverse Events, v5.0 or v4.03).

One document, one passage per term (``<SOC> > <Term>``), its offsets the row's span in the
file. Header cells are matched by prefix ("Grade 1 ??" is an encoding glitch of "Grade 1 ").
A grade that does not exist for a term is written as a dash in CTCAE ("an em dash indicates a
grade is not available"); the passage says "Grade 5: not available" so that the absence can be
quoted and checked.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from curbside.ingest.chunking import collapse
from curbside.ingest.document import Document, Passage, ReaderError, UnsupportedFile
from curbside.ingest.readers.base import LINE, read_text

TITLE = "Common Terminology Criteria for Adverse Events (CTCAE)"
_DETAILS = {  # header patterns of the cells a passage gives, by the label it gives them
    **{f"Grade {n}": rf"Grade {n}\b" for n in range(1, 6)},
    "Definition": r".*Definition",
    "Navigational note": r"Navigational",
}
_VERSION = re.compile(r"(?:^|[_ v])(\d+\.\d+)")


def _rows(text: str) -> Iterator[tuple[list[str], int, int]]:
    """CSV rows with the ``[start, end)`` span of each in ``text`` (quoted newlines included)."""
    consumed = 0

    def feed() -> Iterator[str]:
        nonlocal consumed
        for match in LINE.finditer(text):
            consumed = match.end()
            yield match.group()

    start = 0
    for row in csv.reader(feed()):
        end = consumed
        while end > start and text[end - 1] in "\r\n":
            end -= 1
        yield row, start, end
        start = consumed


def _column(header: list[str], pattern: str) -> int | None:
    """Index of the first header cell matching ``pattern`` (case-insensitive), if any."""
    return next((i for i, cell in enumerate(header) if re.match(pattern, cell.strip(), re.I)), None)


def _version(path: Path, header: list[str]) -> str:
    """``5.0`` or ``4.03``, from the file name or, failing that, a ``CTCAE v4.0 ...`` header."""
    match = _VERSION.search(path.stem) or _VERSION.search(" ".join(header))
    return match.group(1) if match else ""


def _passage(cells: list[str], columns: dict[str, int], start: int, end: int) -> Passage | None:
    """``Term (SOC). Grade 1: ... Definition: ...`` for one row, or None for a row without term."""
    term, soc = cells[columns["term"]], cells[columns["soc"]] if "soc" in columns else ""
    if not term:
        return None
    parts = [f"{term} ({soc})" if soc else term]
    for label, i in columns.items():
        if label not in _DETAILS or not cells[i]:
            continue
        if cells[i] != "-":
            parts.append(f"{label}: {cells[i]}")
        elif label.startswith("Grade"):
            parts.append(f"{label}: not available")
    text = ". ".join(part.rstrip(" .") for part in parts) + "."
    return Passage(text, f"{soc} > {term}" if soc else term, start, end)


def read_ctcae(path: Path) -> list[Document]:
    """The CTCAE terms of a CSV file; a CSV without a ``CTCAE Term`` column is unsupported."""
    text = read_text(path)
    rows = _rows(text)
    try:
        header = next(rows, ([], 0, 0))[0]
        patterns = {"term": r"CTCAE\b.*\bTerm$", "soc": r".*\bSOC$", **_DETAILS}
        columns = {k: i for k, p in patterns.items() if (i := _column(header, p)) is not None}
        if "term" not in columns:
            raise UnsupportedFile(f"{path}: unsupported CSV (no 'CTCAE Term' column)")
        width = len(header)
        found = (
            _passage([collapse(c) for c in row] + [""] * width, columns, a, b) for row, a, b in rows
        )
        passages = [p for p in found if p]
    except csv.Error as exc:
        raise ReaderError(f"{path}: malformed CSV ({exc})") from None
    if not passages:
        raise ReaderError(f"{path}: no CTCAE terms in the CSV")
    version = _version(path, header)
    return [
        Document(
            key=f"ctcae:v{version.removesuffix('.0')}" if version else "ctcae",
            kind="grading-criteria",
            title=f"{TITLE} v{version}" if version else TITLE,
            passages=passages,
        )
    ]
