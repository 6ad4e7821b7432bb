"""HTML pages, read with the standard library's ``html.parser``.

Script, style and other non-content elements and comments are dropped whole, attributes are
never read as text (so event handlers cannot leak into passages), ``h1``-``h4`` build the
section path and block elements end paragraphs. The visible text is gathered with, for every
character, its span in the file, so passage offsets are exact offsets into the decoded file.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from curbside.ingest.chunking import chunk_blocks, collapse
from curbside.ingest.document import Document, Passage, ReaderError
from curbside.ingest.readers.base import Blocks, read_text
from curbside.ingest.readers.markdown import is_cancer_gov

_SKIPPED = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math"}
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_BLOCKS = frozenset(
    {"p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "li", "ul"}
    | {"ol", "dl", "dt", "dd", "table", "tr", "th", "td", "br", "hr", "blockquote", "pre"}
    | {"figure", "figcaption", "form", "h5", "h6", "body", "caption", "details", "summary"}
)
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr"})
_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")


class _PageParser(HTMLParser):
    """Visible text with a file offset per character, paragraph by paragraph."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.chars: list[str] = []  # visible text, a character (or entity) at a time
        self.spans: list[tuple[int, int]] = []  # file span of each entry of chars
        self.blocks = Blocks()  # paragraphs as spans of chars
        self.title = ""
        self.url: str | None = None
        self._skip: list[str] = []
        self._heading: tuple[int, int] | None = None  # (level, first char of heading text)
        self._in_title = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _end_heading(self) -> None:
        """Make the text gathered since the heading opened a section title."""
        if self._heading:
            level, first = self._heading
            title = collapse("".join(self.chars[first:]))
            del self.chars[first:], self.spans[first:]
            self._heading = None
            if title:
                self.blocks.heading(level, title)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip or tag in _SKIPPED:
            if tag not in _VOID:
                self._skip.append(tag)
            return
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.url = self.url or values.get("href") or None
        elif tag == "meta" and values.get("property", "").lower() == "og:url":
            self.url = self.url or values.get("content") or None
        elif tag == "title":
            self._in_title = True
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._end_heading()
            self.blocks.close()
            if tag in _HEADINGS:
                self._heading = (_HEADINGS[tag], len(self.chars))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag in self._skip:  # close the innermost open element of that name
                del self._skip[len(self._skip) - 1 - self._skip[::-1].index(tag) :]
            return
        if tag == "title":
            self._in_title = False
        elif tag in _HEADINGS:
            self._end_heading()
        elif tag in _BLOCKS:
            self.blocks.close()

    def _text(self, text: str, start: int, length: int) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += text
            return
        first = len(self.chars)
        self.chars.extend(text)
        if length == len(text):  # raw text: each character is its own span
            self.spans.extend((start + i, start + i + 1) for i in range(length))
        else:  # a character reference: each character it stands for spans the reference
            self.spans.extend((start, start + length) for _ in text)
        if self._heading is None and text.strip():
            self.blocks.line(first, len(self.chars))

    def handle_data(self, data: str) -> None:
        self._text(data, self._offset(), len(data))

    def _reference(self) -> None:
        start = self._offset()
        match = _REFERENCE.match(self.source, start)
        raw = match.group() if match else "&"
        self._text(unescape(raw), start, len(raw))

    def handle_entityref(self, name: str) -> None:
        self._reference()

    def handle_charref(self, name: str) -> None:
        self._reference()

    def close(self) -> None:
        super().close()
        self._end_heading()
        self.blocks.close()


def _passages(parser: _PageParser) -> list[Passage]:
    text = "".join(parser.chars)
    return [
        replace(p, start=parser.spans[p.start][0], end=parser.spans[p.end - 1][1])
        for p in chunk_blocks(text, parser.blocks.items)
    ]


def read_html(path: Path) -> list[Document]:
    """One page: ``page:<stem>``, or ``nci:<stem>`` when its canonical URL is on cancer.gov."""
    source = read_text(path)
    parser = _PageParser(source)
    parser.feed(source)
    parser.close()
    passages = _passages(parser)
    if not passages:
        raise ReaderError(f"{path}: no visible text in the HTML")
    nci = is_cancer_gov(parser.url)
    return [
        Document(
            key=f"{'nci' if nci else 'page'}:{path.stem}",
            kind="patient-information" if nci else "web-page",
            title=collapse(parser.title) or path.stem,
            passages=passages,
            url=parser.url,
        )
    ]
