"""Answered questions held: MedQuAD pairs and the sections of NCI pages, with focus and type.

A MedQuAD pair is a candidate as it stands (its question, qtype and focus annotations). An NCI
page offers one candidate for its opening text and one per section and subsection, the heading
read as the question and classified into a type (the page's own type, from its title, when the
heading says none): "What side effects are caused by immune checkpoint inhibitors?" on the page
"Immune Checkpoint Inhibitors" is a side-effects answer about immune checkpoint inhibitors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from curbside.general.focus import FocusKind, FocusVocabulary
from curbside.general.vocabulary import INFORMATION, Vocabulary, normalize
from curbside.retrieve.store import StoredDocument

SECTION_DEPTH = 3  # page > section > subsection


@dataclass(frozen=True)
class Candidate:
    """One answered question held."""

    document_key: str
    section: str | None  # the NCI section path answering it (None: the whole document)
    exact: bool  # only passages of exactly that section (a page's opening), not its subsections
    question: str  # the stored question, or the page title and section heading
    qtype: str
    group: str  # the focus group
    focus: str  # the focus as the source writes it
    source: str  # MedQuAD collection (GARD, NIDDK, ...) or NCI
    audience: str  # patient or professional
    title: str  # the document's title (a MedQuAD pair's is its question)
    url: str | None
    reviewed: str | None  # last-reviewed date, when the source gives one
    path: str  # the ingested file


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def build(
    documents: Iterable[StoredDocument], vocab: Vocabulary, foci: FocusVocabulary
) -> list[Candidate]:
    """Candidates of the documents held, registering their foci in ``foci`` on the way."""
    out: list[Candidate] = []
    for doc in documents:
        meta = doc.meta
        if "qtype" in meta and "focus" in meta:
            focus = str(meta["focus"])
            source = str(meta.get("source") or "MedQuAD")
            group = f"{source.lower()}:{normalize(focus)}"
            cuis = _strings(meta.get("cuis"))
            kind: FocusKind = "disorder" if cuis else "topic"
            foci.add(group, [focus, *_strings(meta.get("synonyms"))], cuis, kind)
            qtype = vocab.canonical(str(meta["qtype"]))
            question = str(meta.get("question") or doc.title)
            out.append(
                Candidate(
                    doc.key,
                    None,
                    False,
                    question,
                    qtype,
                    group,
                    focus,
                    source,
                    "patient",
                    doc.title,
                    doc.url,
                    None,
                    doc.path,
                )
            )
        elif "sections" in meta:
            out += _page(doc, vocab, foci)
    return out


def _page(doc: StoredDocument, vocab: Vocabulary, foci: FocusVocabulary) -> list[Candidate]:
    focus, page_type = vocab.title_focus(doc.title)
    group = f"nci:{normalize(focus)}"
    drug = "/drugs/" in (doc.url or "")
    names = [focus, vocab.without_salt(focus)] if drug else [focus]
    foci.add(group, names, kind="drug" if drug else "page")
    audience = str(doc.meta.get("audience") or "patient")
    reviewed = str(doc.meta["last_reviewed"]) if doc.meta.get("last_reviewed") else None
    paths = _strings(doc.meta.get("sections"))
    seen: set[str] = set()
    out: list[Candidate] = []

    def add(section: str, heading: str, qtype: str, exact: bool = False) -> None:
        out.append(
            Candidate(
                doc.key,
                section,
                exact,
                heading,
                qtype,
                group,
                focus,
                "NCI",
                audience,
                doc.title,
                doc.url,
                reviewed,
                doc.path,
            )
        )

    first = paths[0].split(" > ")[0] if paths else doc.title
    add(first, first, page_type or INFORMATION, exact=True)
    for path in paths:
        parts = path.split(" > ")
        for depth in range(2, min(len(parts), SECTION_DEPTH) + 1):
            prefix = " > ".join(parts[:depth])
            if prefix in seen:
                continue
            seen.add(prefix)
            heading = " > ".join(parts[1:depth])
            types = vocab.classify(parts[depth - 1]) or vocab.classify(heading)
            if types:  # a heading that says no type ("About This PDQ Summary") answers none
                add(prefix, heading, types[0])
    return out
