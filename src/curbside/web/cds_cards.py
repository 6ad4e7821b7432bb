"""What a CDS Hooks card says, short enough to be read while ordering: a summary under 140
characters about the medicine in context (in order-select, the one being ordered), a detail under
600 characters holding the two or three statements that matter now, cited, and the link to the
full article for the rest; and, when the EHR sent no counts, a card saying which data it needs."""

from __future__ import annotations

from curbside.models import Article, ArticleStatement, CitedText, Section

SUMMARY_MAX = 139  # CDS Hooks: "<140 characters"
DETAIL_MAX = 600
DETAIL_STATEMENTS = 3
CANDIDATES = 6  # statements tried, in order, for the card's two or three
REFERENCE_TITLE_CHARS = 60
# What a prescriber needs first on a card: this patient, then the drug, then what to do now.
_SECTION_PRIORITY = {"patient": 0, "drug": 1, "febrile": 2, "afebrile": 2}
NEEDED_DATA = (
    "neutrophil counts (FHIR Observations: LOINC 751-8 or 26499-4 ANC, 770-8 neutrophils %, "
    "6690-2 WBC) and the temperature (8310-5), in prefetch `observations`"
)


def clip(text: str, limit: int) -> str:
    """The text cut at a word to at most `limit` characters, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def summary(article: Article, ordered: list[str], focus_flagged: bool) -> str:
    """One line about the medicine in context and the count."""
    p = article.patient
    assert p is not None and p.anc_per_uL is not None
    count = f"ANC {p.anc_per_uL:,.0f}/µL"
    drug = ordered[0] if ordered else None
    if p.febrile_neutropenia:
        text = f"Febrile neutropenia ({count}, {p.temperature_c:.1f} °C): treat as an emergency"
        if drug:
            text += f" before ordering {drug}"
    elif drug:
        text = f"Ordering {drug} with grade {p.ctcae_grade} neutropenia ({count})"
        if focus_flagged:
            text += f": {drug} can itself lower neutrophils"
    else:
        text = f"Grade {p.ctcae_grade} neutropenia ({count})"
        if p.neutropenia_drugs:
            text += f" on {', '.join(p.neutropenia_drugs)}"
    return clip(text, SUMMARY_MAX)


def _priority(section: Section) -> int:
    if section.key.startswith("label-"):
        return 1
    return _SECTION_PRIORITY.get(section.key, 3)


def _about(text: CitedText, focus: list[str]) -> bool:
    words = text.text.lower()
    ident = (text.id or "").lower()
    return any(f.lower() in words or ident.startswith(f.lower()) for f in focus)


def chosen(article: Article, focus: list[str]) -> list[CitedText]:
    """The statements that matter now: an urgent one first, then those about the medicine in
    focus, then the bottom line (when it is about that medicine, or nothing is in focus), then
    the rest by section priority; CANDIDATES of them, for `detail` to keep those that fit."""
    statements: list[ArticleStatement] = [
        s for section in sorted(article.sections, key=_priority) for s in section.statements
    ]
    urgent = [s for s in statements if s.urgent][:1]
    about = [s for s in statements if focus and _about(s, focus)]
    bottom: list[CitedText] = []
    if not focus or _about(article.bottom_line, focus) or not about:
        bottom = [article.bottom_line]
    picked: list[CitedText] = []
    for candidate in [*urgent, *about[:2], *bottom, *statements]:
        if all(candidate.text != p.text for p in picked):
            picked.append(candidate)
    return picked[:CANDIDATES]


def _marks(citations: list[int]) -> str:
    return "".join(f"[{n}]" for n in citations)


def _compose(statements: list[tuple[CitedText, str]], article: Article, link: str) -> str:
    used = sorted({n for s, _ in statements for n in s.citations})
    refs = {r.n: r for r in article.references}
    sources = "; ".join(
        f"[{n}] {clip(refs[n].title, REFERENCE_TITLE_CHARS)}" for n in used if n in refs
    )
    lines = []
    for s, text in statements:
        flag = "**Urgent:** " if isinstance(s, ArticleStatement) and s.urgent else ""
        lines.append(f"- {flag}{text} {_marks(s.citations)}")
    tail = [f"References: {sources}" if sources else "", f"[Full article]({link})"]
    return "\n".join(lines) + "\n\n" + "\n\n".join(t for t in tail if t)


def detail(article: Article, focus: list[str], link: str) -> str:
    """Markdown under DETAIL_MAX characters: the chosen statements, cited and whole (only a first
    statement too long for the card is cut), their references in short, and the link to the
    full article for the rest."""
    kept: list[tuple[CitedText, str]] = []
    for s in chosen(article, focus):
        if len(kept) == DETAIL_STATEMENTS:
            break
        if len(_compose([*kept, (s, s.text)], article, link)) <= DETAIL_MAX:
            kept.append((s, s.text))
        elif not kept:
            over = len(_compose([(s, s.text)], article, link)) - DETAIL_MAX
            kept.append((s, clip(s.text, len(s.text) - over)))
    return _compose(kept, article, link)


def needs_data_summary(ordered: list[str]) -> str:
    when = f" before {ordered[0]} is ordered" if ordered else ""
    return clip(f"Curbside needs recent neutrophil counts to advise{when}", SUMMARY_MAX)


def needs_data_detail(missing: list[str]) -> str:
    keys = ", ".join(f"`{k}`" for k in missing)
    return (
        f"The EHR sent no prefetch {keys}, so Curbside cannot grade a neutropenia. It needs the "
        f"patient's {NEEDED_DATA}; the active medicines (prefetch `medications`) let it name "
        "those that can lower neutrophils."
    )
