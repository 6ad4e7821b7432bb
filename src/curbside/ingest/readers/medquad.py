"""MedQuAD question-answer XML (``<Document url=...><Focus/><QAPairs><QAPair>...``).

One document per question with a non-empty answer, titled by the question, keyed
``medquad:<source>:<qid>`` (``medquad:cdc:0000001-1``: question ids restart in each MedQuAD
collection, so CDC and NHLBI both have a ``0000001-1``; ``medquad:<qid>`` without a source),
its passages cut from the answer only (questions are the queries of a retrieval benchmark).
Offsets are into the decoded file: the answer's raw text between ``<Answer>`` and
``</Answer>``, so a span may hold ``&apos;`` where the passage has ``'``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

from curbside.ingest.chunking import chunk, collapse, paragraph_spans
from curbside.ingest.document import Document, NothingToIngest, ReaderError
from curbside.ingest.readers.base import element_text, unique

_ANSWER = re.compile(r"<Answer\b[^>]*?(?:/>|>(.*?)</Answer\s*>)", re.DOTALL)


def is_medquad(root: ET.Element) -> bool:
    """Whether ``root`` (``<Document>`` or ``<DiseaseFile>``) holds MedQuAD ``<QAPairs>``."""
    return root.find("QAPairs") is not None


def clean_answer(raw: str) -> str:
    """The raw XML text of an answer as plain text."""
    return collapse(unescape(raw))


def medquad_documents(path: Path, text: str, root: ET.Element) -> list[Document]:
    """The question-answer pairs of a parsed MedQuAD file whose text is ``text``."""
    pairs = root.findall("QAPairs/QAPair")
    answers = list(_ANSWER.finditer(text))
    if len(answers) != len(pairs):
        raise ReaderError(f"{path}: {len(pairs)} QA pairs but {len(answers)} <Answer> elements")
    focus = collapse(root.findtext("Focus") or "")
    source = (root.get("source") or "").strip().lower()
    shared = _focus_facts(root, focus, root.get("source") or "")
    prefix = f"medquad:{source}:" if source else "medquad:"
    documents: list[Document] = []
    for pair, answer in zip(pairs, answers, strict=True):
        question = pair.find("Question")
        qid = question.get("qid") if question is not None else None
        if question is None or not qid or answer.group(1) is None:
            continue
        section = " > ".join(part for part in (focus, question.get("qtype", "")) if part)
        spans = paragraph_spans(text, *answer.span(1))
        passages = chunk(text, spans, section, clean=clean_answer)
        if passages:
            documents.append(
                Document(
                    key=prefix + qid,
                    kind="qa",
                    title=element_text(question),
                    passages=passages,
                    url=root.get("url") or None,
                    meta={
                        **shared,
                        "question": element_text(question),
                        "qtype": collapse(question.get("qtype", "")).lower(),
                    },
                )
            )
    if not documents:
        raise NothingToIngest(f"{path}: no answered questions in the MedQuAD file")
    return documents


def _focus_facts(root: ET.Element, focus: str, source: str) -> dict[str, object]:
    """What the file says about its focus: synonyms, UMLS CUIs and semantic group, source."""
    umls = "FocusAnnotations/UMLS"
    return {
        "focus": focus,
        "synonyms": unique(element_text(s) for s in root.findall("FocusAnnotations/Synonyms/*")),
        "cuis": unique(element_text(c) for c in root.findall(f"{umls}/CUIs/CUI")),
        "semantic_group": collapse(root.findtext(f"{umls}/SemanticGroup") or ""),
        "source": source.strip(),
    }
