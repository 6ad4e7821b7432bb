"""Markdown pages, such as the cancer.gov / NCI PDQ pages with YAML front matter.

Headings (``#`` to ``######``) build the section path; a heading marker alone on its line
(``##``) takes its text from the next non-empty line. Images are dropped, links keep their text,
emphasis markers and table rules go; "References" sections are left out. Offsets are into the
decoded file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from curbside.ingest.chunking import chunk_blocks, collapse
from curbside.ingest.document import Document, ReaderError
from curbside.ingest.readers.base import Blocks, lines, read_text, year_of

_FRONT_MATTER = re.compile(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", re.DOTALL)
_HEADING = re.compile(r"(#{1,6})(?:\s+(.*?))?\s*#*")
_FENCE = re.compile(r"(```|~~~)")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\([^)]*\)")  # an image or a link, never cut
_HIDDEN = "script|style|iframe|noscript|template|object"
# Raw HTML that opens a hidden element (or a comment) on one line and closes it on a later one.
_HIDDEN_OPEN = re.compile(rf"<({_HIDDEN})\b|<!--", re.IGNORECASE)
_CLEANUPS = [
    (re.compile(rf"<({_HIDDEN})\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL), ""),
    (re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"), ""),  # other HTML tags
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"\]\([^()\s]*\)|\[(?=\s|$)"), ""),  # ends of a link cut by a blank line
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}.*$", re.MULTILINE), ""),  # table rules
    (re.compile(r"^[ \t]*(?:[-*+]|>+)[ \t]+", re.MULTILINE), ""),  # bullets, quotes
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (
        re.compile(r"([*_])(?<![^\s(\[][*_])(?=\S)(.+?)(?<=\S)\1(?![^\s)\].,;:!?])"),
        r"\2",
    ),  # italics
    (re.compile(r"`+|\|"), " "),  # code, table cells
]
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
_LEFT_OUT = re.compile(r"references?|bibliography", re.IGNORECASE)


def clean_markdown(text: str) -> str:
    """Markdown to plain text, whitespace collapsed."""
    for pattern, replacement in _CLEANUPS:
        text = pattern.sub(replacement, text)
    return collapse(text)


def _front_matter(path: Path, text: str) -> tuple[dict[str, Any], int]:
    """The YAML front matter and the offset where the body starts."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        return {}, 0
    try:
        meta = yaml.load(match.group(1), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise ReaderError(f"{path}: malformed front matter ({exc})") from None
    offset = match.end() + (len(text) - len(text.lstrip("\ufeff")))
    return (meta if isinstance(meta, dict) else {}), offset


def _blocks(text: str, body: int) -> tuple[list[tuple[str, int, int]], str | None]:
    """Paragraph blocks with their heading paths, and the first heading (a title)."""
    blocks = Blocks()
    first: str | None = None
    pending: int | None = None  # depth of a heading marker still waiting for its text
    fenced = left_out = False
    hidden: str | None = None  # what ends the raw HTML being skipped: "</script", "-->"
    for start, end in lines(text, body):
        line = text[start:end]
        if hidden is not None:  # inside raw HTML to skip, up to and including its last line
            hidden = None if hidden in line.lower() else hidden
            continue
        if opened := _HIDDEN_OPEN.search(line):
            closing = f"</{opened.group(1).lower()}" if opened.group(1) else "-->"
            if closing not in line[opened.end() :].lower():  # else the cleanup removes it
                hidden = closing
                blocks.close()
                continue
        fence = bool(_FENCE.match(line))
        heading = None if fenced or fence else _HEADING.fullmatch(line)
        if fenced or fence:
            fenced ^= fence
        elif start == end:
            blocks.close()
            continue
        elif heading or pending:
            depth = len(heading.group(1)) if heading else pending or 1
            title = clean_markdown(heading.group(2) or "" if heading else line)
            pending = None if title else depth
            if title:
                blocks.heading(depth, title)
                left_out = bool(_LEFT_OUT.fullmatch(title))
                first = first or title
            continue
        if not left_out:
            blocks.line(start, end)
    blocks.close()
    return blocks.items, first


def read_markdown(path: Path) -> list[Document]:
    """One page: ``nci:<stem>`` for NCI / cancer.gov pages, else ``page:<stem>``."""
    text = read_text(path)
    meta, body = _front_matter(path, text)
    items, first_heading = _blocks(text, body)
    passages = chunk_blocks(text, items, clean_markdown, _LINK)
    if not passages:
        raise ReaderError(f"{path}: no text in the Markdown")
    url = str(meta["url"]) if meta.get("url") else None
    nci = str(meta.get("source", "")).upper() == "NCI" or is_cancer_gov(url)
    headings = [h for h in (first_heading, *(s.split(" > ")[0] for s, _, _ in items)) if h]
    return [
        Document(
            key=f"{'nci' if nci else 'page'}:{path.stem}",
            kind="patient-information" if nci else "web-page",
            title=str(meta.get("title") or first_heading or path.stem),
            passages=passages,
            url=url,
            year=year_of(meta.get("lastReviewed") or meta.get("date")),
            meta=_page_facts(meta, url, headings, [p.section for p in passages]),
        )
    ]


_PROFESSIONAL = re.compile(r"health ?professional version|-hp-pdq\b", re.IGNORECASE)


def _page_facts(
    meta: dict[str, Any], url: str | None, headings: list[str], sections: list[str]
) -> dict[str, object]:
    """Audience (patient or professional), last-reviewed date and section paths of a page.

    The audience comes from the page itself where it says so (a PDQ "Health Professional
    Version", a ``-hp-pdq`` address) before the front matter's ``audienceLevel``, which some
    health-professional summaries give as "patient"."""
    said = str(meta.get("audienceLevel") or "").strip().lower()
    professional = bool(_PROFESSIONAL.search(" ".join([url or "", *headings[:3]])))
    audience = "professional" if professional or said.startswith("prof") else said or None
    reviewed = meta.get("lastReviewed")
    facts: dict[str, object] = {"sections": list(dict.fromkeys(sections))}
    if audience:
        facts["audience"] = audience
    if reviewed:
        facts["last_reviewed"] = str(reviewed)
    return facts


def is_cancer_gov(url: str | None) -> bool:
    """Whether ``url`` is on cancer.gov."""
    host = urlparse(url or "").hostname or ""
    return host == "cancer.gov" or host.endswith(".cancer.gov")
