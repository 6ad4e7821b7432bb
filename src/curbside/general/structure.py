"""The structure of a held answer: its headings, paragraphs and lists, every piece quoted exactly.

Passages are stored with whitespace collapsed, which loses the answer's own layout. The layout
is read back from the ingested file (each passage knows its span there): a short line with no
closing punctuation is a heading, lines starting with "- " (or MedQuAD's "  - " runs) are list
items, other lines make paragraphs. A piece is kept only when its cleaned text occurs word for
word in the passage it came from; when the file cannot be read, the passage's sentences are used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Literal

from curbside.ingest.chunking import collapse, split_sentences
from curbside.ingest.readers.markdown import clean_markdown
from curbside.retrieve.store import StoredPassage

BlockKind = Literal["heading", "paragraph", "list"]
_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)])\s+")
_INLINE_ITEMS = re.compile(r"\s{2,}-\s+|^-\s+")
_END = re.compile(r"[.!?:;)\]\"”]$")
MAX_HEADING_WORDS = 10
_CREDIT = re.compile(r"^(?:credit|image|photo)s?\s*:", re.IGNORECASE)
KEPT_SHARE = 0.8


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph (its sentences) or a list (its items) of an answer."""

    kind: BlockKind
    pieces: list[str]  # exact quotations: the heading, the sentences, or the items
    passage: StoredPassage


def _cleaner(passage: StoredPassage) -> Callable[[str], str]:
    if passage.path.endswith((".md", ".markdown")):
        return clean_markdown
    return lambda text: collapse(unescape(text))


def _sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in split_sentences(text) if text[a:b].strip()]


def blocks(passages: list[StoredPassage]) -> list[Block]:
    """The answer's blocks, in order."""
    out: list[Block] = []
    cache: dict[str, str | None] = {}
    for passage in passages:
        if passage.path not in cache:
            try:
                cache[passage.path] = Path(passage.path).read_text(
                    encoding="utf-8", errors="replace"
                )
            except OSError:
                cache[passage.path] = None
        raw = cache[passage.path]
        found = _read(raw[passage.start : passage.end], passage) if raw else None
        out += found or [Block("paragraph", _sentences(passage.text), passage)]
    return [b for b in out if b.pieces]


def _is_item(line: str) -> bool:
    return bool(_ITEM.match(line))


def _read(raw: str, passage: StoredPassage) -> list[Block] | None:
    clean = _cleaner(passage)
    held = passage.text
    out: list[Block] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close() -> None:
        if paragraph:
            out.append(Block("paragraph", _sentences(clean(" ".join(paragraph))), passage))
            paragraph.clear()
        if items:
            out.append(Block("list", list(items), passage))
            items.clear()

    lines = [line.strip() for line in raw.splitlines()]
    for at, text in enumerate(lines):
        if not text:
            close()
            continue
        if _is_item(text):
            if paragraph:
                out.append(Block("paragraph", _sentences(clean(" ".join(paragraph))), passage))
                paragraph.clear()
            inline = [p for p in _INLINE_ITEMS.split(text) if p.strip()]
            pieces = inline if text.startswith("- ") else [_ITEM.sub("", text)]
            items.extend(c for c in (clean(p) for p in pieces) if c)
            continue
        if items:
            close()
        cleaned = clean(text)
        if _CREDIT.match(cleaned):
            continue  # an image's credit line, not the answer's words
        following = next((n for n in lines[at + 1 :] if n), "")
        if (
            cleaned
            and not paragraph
            and len(cleaned.split()) <= MAX_HEADING_WORDS
            and not _END.search(cleaned)
            and not _is_item(following)  # a list's lead-in ("Symptoms include") is no heading
        ):
            close()
            out.append(Block("heading", [cleaned], passage))
            continue
        paragraph.append(text)
    close()
    # Every piece must be the source's own words, as stored; most of the passage must be kept.
    kept = [Block(b.kind, [p for p in b.pieces if p in held], passage) for b in out]
    if sum(len(p) for b in kept for p in b.pieces) < KEPT_SHARE * len(held):
        return None
    return [b for b in kept if b.pieces]
