"""PDF documents, their text extracted page by page with ``pypdf``.

Passages keep to one page (section ``Page N``). Offsets are into the extracted text of the
whole file: the pages' text joined by form feeds (``\\f``).
"""

from __future__ import annotations

import io
from pathlib import Path

from curbside.ingest.chunking import chunk, collapse, paragraph_spans
from curbside.ingest.document import Document, Passage, ReaderError
from curbside.ingest.readers.base import read_bytes

PAGE_BREAK = "\f"


def _pages(path: Path) -> tuple[list[str], str]:
    """The text of each page, and the document's title from its metadata ("" when none)."""
    from pypdf import PdfReader  # imported on first use: it costs more than all other readers

    data = read_bytes(path)
    if b"%PDF-" not in data[:1024]:
        raise ReaderError(f"{path}: not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReaderError(f"{path}: encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str(reader.metadata.get("/Title") or "") if reader.metadata else ""
    except ReaderError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise ReaderError(f"{path}: unreadable PDF ({type(exc).__name__}: {exc})") from None
    return pages, title


def read_pdf(path: Path) -> list[Document]:
    """A PDF as one document, ``doc:<stem>``; a PDF without extractable text is a ReaderError."""
    pages, title = _pages(path)
    text = PAGE_BREAK.join(pages)
    passages: list[Passage] = []
    offset = 0
    for number, page in enumerate(pages, start=1):
        passages += chunk(text, paragraph_spans(text, offset, offset + len(page)), f"Page {number}")
        offset += len(page) + len(PAGE_BREAK)
    if not passages:
        raise ReaderError(f"{path}: no extractable text in the PDF (scanned images?)")
    return [
        Document(
            key=f"doc:{path.stem}",
            kind="document",
            title=collapse(title) or path.stem,
            passages=passages,
        )
    ]
