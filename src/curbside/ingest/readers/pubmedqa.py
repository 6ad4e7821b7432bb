"""PubMedQA JSON (``{pmid: {"QUESTION", "CONTEXTS", "LABELS", "YEAR", ...}}``).

One abstract per PMID, titled by its question (the article title as a question); its passages
are the labelled CONTEXTS (section = the label: BACKGROUND, METHODS, ...). The question, the
LONG_ANSWER (the conclusion) and the final decision are left out, so a question cannot find its
own abstract by its own words. Offsets are into the CONTEXTS joined by blank lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curbside.ingest.chunking import chunk, collapse, paragraph_spans
from curbside.ingest.document import Document, Passage, ReaderError
from curbside.ingest.readers.base import year_of

SEPARATOR = "\n\n"


def _is_entry(value: Any) -> bool:
    return isinstance(value, dict) and "QUESTION" in value and "CONTEXTS" in value


def is_pubmedqa(data: Any) -> bool:
    """Whether parsed JSON is a PubMedQA mapping of PMIDs to entries."""
    return isinstance(data, dict) and bool(data) and _is_entry(next(iter(data.values())))


def _document(path: Path, pmid: str, entry: Any) -> Document:
    contexts = entry.get("CONTEXTS") if _is_entry(entry) else None
    if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
        raise ReaderError(f"{path}: PMID {pmid} has no list of CONTEXTS")
    labels = entry.get("LABELS") if isinstance(entry.get("LABELS"), list) else []
    passages: list[Passage] = []
    offset = 0
    joined = SEPARATOR.join(contexts)
    for n, context in enumerate(contexts):
        label = str(labels[n]) if n < len(labels) else ""
        passages += chunk(joined, paragraph_spans(joined, offset, offset + len(context)), label)
        offset += len(context) + len(SEPARATOR)
    return Document(
        key=f"pmid:{pmid}",
        kind="abstract",
        title=collapse(str(entry["QUESTION"])),
        passages=passages,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        year=year_of(entry.get("YEAR")),
    )


def pubmedqa_documents(path: Path, data: dict[str, Any]) -> list[Document]:
    """The abstracts of parsed PubMedQA JSON (entries without context text are left out)."""
    documents = [_document(path, str(pmid), entry) for pmid, entry in data.items()]
    documents = [d for d in documents if d.passages]
    if not documents:
        raise ReaderError(f"{path}: no abstract text in the PubMedQA JSON")
    return documents
