"""A `sourced` article: a trusted source's own answer to the question, quoted and cited.

The title names the held question's topic; the bottom line is the answer's opening sentence(s),
quoted; the sections follow the answer's own layout (its headings, paragraphs and lists), every
statement a word-for-word quotation cited to the page (publisher, title, address, last
reviewed). Nothing is reworded and nothing is added: a dose appears only where the source wrote
it, and never in front of a patient as a weight-based dose.
"""

from __future__ import annotations

import re
from datetime import date

from curbside.compose.wording import disclaimer
from curbside.general import Broader
from curbside.general.candidates import Candidate
from curbside.general.structure import Block
from curbside.general.vocabulary import vocabulary
from curbside.models import Article, ArticleStatement, CitedText, Query, Reference, Section

MAX_STATEMENTS = 40  # a long PDQ section is cut here, and the note says so
OPENING_CHARS = 320  # the bottom line: opening sentences up to about this length
LEAD_ITEMS = 6  # a bottom line that leads into a list quotes its first items
_END = re.compile(r"[.!?]$")
_WEIGHT_DOSE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:µg|mcg|mg|g)\s*/\s*kg\b", re.IGNORECASE)
PUBLISHERS = {
    "GARD": "Genetic and Rare Diseases Information Center (NIH)",
    "GHR": "Genetics Home Reference (US National Library of Medicine)",
    "MPLUSHEALTHTOPICS": "MedlinePlus (US National Library of Medicine)",
    "NIDDK": "National Institute of Diabetes and Digestive and Kidney Diseases (NIH)",
    "NINDS": "National Institute of Neurological Disorders and Stroke (NIH)",
    "NIHSENIORHEALTH": "NIHSeniorHealth (National Institute on Aging, NIH)",
    "CDC": "Centers for Disease Control and Prevention",
    "NHLBI": "National Heart, Lung, and Blood Institute (NIH)",
    "NCI": "National Cancer Institute",
}
_TITLES = {
    "information": "{focus}",
    "symptoms": "Symptoms of {focus}",
    "causes": "Causes of {focus}",
    "treatment": "Treatment of {focus}",
    "prevention": "Preventing {focus}",
    "outlook": "Outlook for {focus}",
    "inheritance": "How {focus} is inherited",
    "frequency": "How common {focus} is",
    "exams and tests": "Diagnosing {focus}",
    "complications": "Complications of {focus}",
    "stages": "Stages of {focus}",
    "susceptibility": "Who is at risk for {focus}",
    "genetic changes": "Genetic changes related to {focus}",
    "research": "Research on {focus}",
    "considerations": "Living with {focus}",
    "side effects": "Side effects of {focus}",
    "usage": "Uses of {focus}",
}


def publisher(candidate: Candidate) -> str:
    key = re.sub(r"[^A-Z]", "", candidate.source.upper())
    return PUBLISHERS.get(key, candidate.source)


def topic_title(candidate: Candidate) -> str:
    """The held question's topic: "Symptoms of Addison's disease", or an NCI page's section."""
    if candidate.source == "NCI":
        heading = candidate.question.split(" > ")[-1]
        if heading.endswith("?") or candidate.focus.lower() in heading.lower():
            return heading
        return f"{candidate.focus}: {heading}"
    template = _TITLES.get(candidate.qtype, "{focus}")
    return template.format(focus=vocabulary().title_focus(candidate.focus)[0] or candidate.focus)


def reference(candidate: Candidate) -> Reference:
    page = candidate.title if candidate.source == "NCI" else candidate.focus
    locator = candidate.section.split(" > ", 1)[-1] if candidate.section else candidate.question
    if candidate.reviewed:  # shown wherever the reference is (the field is in the JSON too)
        locator = f"{locator}; last reviewed {candidate.reviewed}"
    return Reference(
        n=1,
        source_id=candidate.document_key,
        title=page,
        publisher=publisher(candidate),
        year=int(candidate.reviewed[:4]) if candidate.reviewed else None,
        locator=locator,
        kind="patient-information" if candidate.audience == "patient" else "professional-summary",
        url=candidate.url,
        path=candidate.path,
        last_reviewed=candidate.reviewed,
    )


def compose_sourced(
    query: Query,
    candidate: Candidate,
    blocks: list[Block],
    today: date,
    link: Broader | None = None,
) -> Article:
    """The article quoting ``candidate``'s answer (``blocks``, in order); with ``link``, the
    answer is about the broader kind the question's focus belongs to, and the sentence of the
    source saying so comes first, cited to its own page."""
    keep = [b for b in blocks if b.kind != "heading"]
    if not keep:
        raise ValueError("a sourced answer needs text to quote")
    patient = query.audience == "patient"

    def shown(piece: str) -> bool:
        return not (patient and _WEIGHT_DOSE.search(piece))

    first = [p for p in keep[0].pieces if shown(p)]
    opening = (_opening(first) if keep[0].kind == "paragraph" else []) or first[:1]
    if not opening:
        raise ValueError("a sourced answer needs an opening to quote")
    bottom = " ".join(opening)
    lead_in = not _END.search(bottom) or bottom.endswith(":")  # "Symptoms include" + a list
    if lead_in and keep[0].kind == "paragraph" and len(keep) > 1 and keep[1].kind == "list":
        items = [p for p in keep[1].pieces if shown(p)][:LEAD_ITEMS]
        bottom = f"{bottom.rstrip(':')}: {'; '.join(items)}" if items else bottom
    sections: list[Section] = []
    references = [reference(candidate)]
    if link is not None:
        references.append(reference(link.candidate).model_copy(update={"n": 2}))
        said = ArticleStatement(
            id=f"quote:{link.candidate.document_key}:{link.passage.id}:0",
            text=link.sentence,
            citations=[2],
            support="quoted",
        )
        sections.append(Section(key="source-kind", title=link.candidate.focus, statements=[said]))
    title = topic_title(candidate)
    current: list[ArticleStatement] = []
    count = 0
    cut = left_out = False
    for block in blocks:
        if block.kind == "heading":
            if current:
                sections.append(_section(len(sections), title, current))
            title, current = block.pieces[0], []
            continue
        pieces = [p for p in block.pieces if p not in opening]
        if block.kind == "paragraph" and pieces:
            pieces = [" ".join(pieces)] if " ".join(pieces) in block.passage.text else pieces
        for piece in pieces:
            if not shown(piece):
                left_out = True
                continue
            if count >= MAX_STATEMENTS:
                cut = True
                break
            count += 1
            current.append(
                ArticleStatement(
                    id=f"quote:{candidate.document_key}:{block.passage.id}:{count}",
                    text=piece,
                    citations=[1],
                    support="quoted",
                )
            )
    if current:
        sections.append(_section(len(sections), title, current))
    source = publisher(candidate)
    notes = [
        f'This is the answer of the {source} to the question "{candidate.question}", quoted '
        "word for word: it is the source's answer, not a Curbside review, and has not been "
        "checked against this question by Curbside's reviewers."
    ]
    if link is not None:
        notes.append(
            f"The source answers this for {candidate.focus.lower()} in general; "
            f"{link.candidate.focus} is one of them, as its own page says."
        )
    if cut:
        notes.append("The source's answer continues beyond what is shown: open the page cited.")
    if left_out:
        notes.append("Sentences giving a dose by body weight are left out for patients.")
    return Article(
        question=query.text,
        audience=query.audience,
        coverage="sourced",
        title=topic_title(candidate),
        bottom_line=CitedText(text=bottom, citations=[1]),
        sections=sections,
        references=references,
        follow_ups=[],
        status="draft",
        last_updated=today,
        disclaimer=disclaimer(query.audience),
        notes=[*query.warnings, *notes],
    )


def _opening(sentences: list[str]) -> list[str]:
    """The first sentence, and the next while the bottom line stays short."""
    out: list[str] = []
    for sentence in sentences:
        if out and len(" ".join([*out, sentence])) > OPENING_CHARS:
            break
        out.append(sentence)
    return out


def _section(n: int, title: str, statements: list[ArticleStatement]) -> Section:
    return Section(key=f"source-{n + 1}", title=title, statements=statements)
