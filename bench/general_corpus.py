"""Shared by the general-question benchmarks: read ../shared/data and ../shared/corpora once.

Documents are read with Curbside's own readers (no evidence store needed): each MedQuAD pair and
NCI page comes back as a ``StoredDocument`` with its facts, and its answer text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from curbside.ingest.document import ReaderError
from curbside.ingest.readers import read_file
from curbside.ingest.run import walk
from curbside.knowledge.base import KnowledgeBase
from curbside.retrieve.store import StoredDocument

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FOLDERS = [SHARED / "data", SHARED / "corpora"]


@dataclass
class Corpus:
    documents: list[StoredDocument] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)  # document key -> its text
    sections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (section, text)
    file_of: dict[str, str] = field(default_factory=dict)  # document key -> file
    drugs: set[str] = field(default_factory=set)
    seconds: float = 0.0


def load(folders: list[Path] = FOLDERS) -> Corpus:
    start = time.perf_counter()
    corpus = Corpus()
    for path, _ in walk(folders):
        if path.suffix.lower() not in {".xml", ".md", ".txt", ".json"}:
            continue
        try:
            documents = read_file(path)
        except ReaderError:
            continue
        for doc in documents:
            corpus.drugs.update(doc.drugs)
            if not doc.meta:
                continue
            corpus.documents.append(
                StoredDocument(doc.key, doc.kind, doc.title, doc.url, doc.year, doc.meta, str(path))
            )
            corpus.answers[doc.key] = " ".join(p.text for p in doc.passages)
            corpus.sections[doc.key] = [(p.section, p.text) for p in doc.passages]
            corpus.file_of[doc.key] = str(path)
    corpus.drugs |= {d.name for d in KnowledgeBase.load().drugs.values()}
    corpus.seconds = time.perf_counter() - start
    return corpus
