"""DailyMed Structured Product Labeling (HL7 v3 ``<document xmlns="urn:hl7-org:v3">``).

Every ``<section>`` with text gives passages under its nested title path
(``6 ADVERSE REACTIONS > 6.1 Clinical Trials Experience``). A section's ``<text>`` is flattened
to plain text, one paragraph per ``<paragraph>``, list ``<item>`` or table row, separated by blank
lines; passage offsets are relative to that extracted text of the passage's own section.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from curbside.ingest.chunking import chunk, paragraph_spans
from curbside.ingest.document import Document, Passage, ReaderError
from curbside.ingest.readers.base import (
    dailymed_url,
    element_text,
    label_key,
    label_title,
    local,
    unique,
    year_of,
)

_BLOCKS = frozenset({"paragraph", "item", "tr", "caption", "title", "list", "table", "br"})
_CELLS = frozenset({"td", "th"})
_SPACE = re.compile(r"\s+")


def is_spl(root: ET.Element) -> bool:
    """Whether ``root`` is an HL7 v3 SPL ``<document>``."""
    return local(root.tag) == "document"


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if local(child.tag) == name]


def _descendants(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element.iter() if local(child.tag) == name]


def section_text(text: ET.Element) -> str:
    """The plain text of a ``<text>`` element: blank lines between paragraphs, items and rows."""
    parts: list[str] = []

    def walk(element: ET.Element) -> None:
        parts.append(_SPACE.sub(" ", element.text or ""))
        for child in element:
            name = local(child.tag)
            parts.append("\n\n" if name in _BLOCKS else " " if name in _CELLS else "")
            walk(child)
            parts.append("\n\n" if name in _BLOCKS else "")
            parts.append(_SPACE.sub(" ", child.tail or ""))

    walk(text)
    return "".join(parts)


def _sections(element: ET.Element, path: list[str]) -> list[Passage]:
    """Passages of the sections below ``element`` (``component/section``), depth first."""
    passages: list[Passage] = []
    for component in _children(element, "component"):
        for section in _children(component, "section"):
            code = next(iter(_children(section, "code")), None)
            title = element_text(next(iter(_children(section, "title")), None))
            title = title or (code.get("displayName", "") if code is not None else "")
            here = [*path, title] if title else path
            for text in _children(section, "text"):
                flat = section_text(text)
                passages += chunk(flat, paragraph_spans(flat), " > ".join(here))
            passages += _sections(section, here)
    return passages


def spl_documents(path: Path, root: ET.Element) -> list[Document]:
    """The label of a parsed SPL document."""
    bodies = _descendants(root, "structuredBody")
    passages = [p for body in bodies for p in _sections(body, [])]
    if not passages:
        raise ReaderError(f"{path}: no section text in the SPL document")
    generics = unique(
        element_text(n) for g in _descendants(root, "genericMedicine") for n in _children(g, "name")
    )
    brands = unique(
        element_text(n)
        for p in _descendants(root, "manufacturedProduct")
        for n in _children(p, "name")
    )
    set_id = next((e.get("root") for e in _children(root, "setId")), None) or None
    effective = next((e.get("value") for e in _children(root, "effectiveTime")), None)
    return [
        Document(
            key=label_key(generics, brands, path.stem),
            kind="drug-label",
            title=label_title(generics, brands, path.stem),
            passages=passages,
            url=dailymed_url(set_id),
            drugs=[g.lower() for g in generics],
            brand_names=brands,
            set_id=set_id,
            year=year_of(effective),
        )
    ]
