"""File readers: pick one by the file's extension (and, for JSON and XML, its content).

``read_file(path)`` returns the documents of one file or raises ``ReaderError`` saying why it
cannot; ``UnsupportedFile`` (a ``ReaderError``) for a type no reader handles. ``READERS`` maps
each supported extension to its reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from curbside.ingest.document import Document, ReaderError, UnsupportedFile
from curbside.ingest.readers.base import parse_xml, read_text
from curbside.ingest.readers.ctcae import read_ctcae
from curbside.ingest.readers.html_page import read_html
from curbside.ingest.readers.markdown import read_markdown
from curbside.ingest.readers.medquad import is_medquad, medquad_documents
from curbside.ingest.readers.openfda import is_openfda, openfda_documents
from curbside.ingest.readers.pdf import read_pdf
from curbside.ingest.readers.pubmedqa import is_pubmedqa, pubmedqa_documents
from curbside.ingest.readers.spl import is_spl, spl_documents
from curbside.ingest.readers.text import read_text_file

Reader = Callable[[Path], list[Document]]

__all__ = ["READERS", "Reader", "ReaderError", "UnsupportedFile", "read_file", "reader_for"]


def read_json(path: Path) -> list[Document]:
    """openFDA drug labels or PubMedQA abstracts."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise ReaderError(f"{path}: malformed JSON ({exc})") from None
    except RecursionError:
        raise ReaderError(f"{path}: JSON nested too deeply") from None
    if is_pubmedqa(data):
        return pubmedqa_documents(path, data)
    if is_openfda(data):
        return openfda_documents(path, data)
    raise UnsupportedFile(f"{path}: unsupported JSON (neither openFDA labels nor PubMedQA)")


def read_xml(path: Path) -> list[Document]:
    """DailyMed SPL labels or MedQuAD question-answer pairs."""
    text = read_text(path)
    root = parse_xml(path, text)
    if is_spl(root):
        return spl_documents(path, root)
    if is_medquad(root):
        return medquad_documents(path, text, root)
    raise UnsupportedFile(f"{path}: unsupported XML (neither SPL nor MedQuAD)")


READERS: dict[str, Reader] = {
    ".txt": read_text_file,
    ".json": read_json,
    ".xml": read_xml,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".csv": read_ctcae,
    ".pdf": read_pdf,
}


def reader_for(path: Path) -> Reader:
    """The reader for ``path`` by its extension; UnsupportedFile when there is none."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFile(f"{path}: unsupported file type '{path.suffix or path.name}'")
    return reader


def read_file(path: Path) -> list[Document]:
    """The documents of one file; ReaderError (with the file and the reason) when unreadable."""
    reader = reader_for(path)
    if path.is_dir():
        raise ReaderError(f"{path}: is a folder, not a file")
    return reader(path)
