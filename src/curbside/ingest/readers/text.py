"""Plain text: FDA label sections named ``DRUG_section.txt``, and any other ``.txt`` file.

An FDA section file (the layout of LHNCBC/fda-ars ``Txt/``) starts with the section heading
(``5 WARNINGS AND PRECAUTIONS``), may hold an ``EXCERPT:`` block of highlights (its own
section, "Highlights") and numbered sub-headings on lines of their own (``5.1  Myelosuppression``)
that nest by their numbering: ``Warnings and precautions > 5.1 Myelosuppression``. Offsets are
into the decoded file.
"""

from __future__ import annotations

import re
from pathlib import Path

from curbside.ingest.chunking import chunk, chunk_blocks, collapse, paragraph_spans
from curbside.ingest.document import Document, ReaderError
from curbside.ingest.readers.base import Blocks, humanize, lines, read_text

LABEL_SECTIONS = frozenset(
    {"adverse_reactions", "boxed_warnings", "boxed_warning", "warnings_and_precautions"}
    | {"warnings", "contraindications", "dosage_and_administration", "drug_interactions"}
    | {"indications_and_usage", "use_in_specific_populations", "overdosage"}
)
_LABEL_FILE = re.compile(r"([A-Za-z0-9-]+)_([a-z_]+)")
_TOP_HEADING = re.compile(r"(\d{1,2})\.?\s+[A-Z][A-Z ,&/()-]*")
_SUB_HEADING = re.compile(r"(\d{1,2})((?:\.[ \t]*\d{1,2})+)\.?\s+([A-Z(].{0,159})")
_EXCERPT = re.compile(r"EXCERPT:\s*")


def label_section(path: Path) -> tuple[str, str] | None:
    """``(drug, section)`` when the file name is ``DRUG_section.txt`` for a known section."""
    match = _LABEL_FILE.fullmatch(path.stem)
    if match and match.group(2) in LABEL_SECTIONS:
        return match.group(1), match.group(2)
    return None


def _label_blocks(text: str, root: str) -> list[tuple[str, int, int]]:
    blocks = Blocks(root)
    top: str | None = None
    for start, end in lines(text):
        line = text[start:end]
        if start == end:
            blocks.close()
        elif top is None and (match := _TOP_HEADING.fullmatch(line)):
            top = match.group(1)
            blocks.close()
        elif (sub := _SUB_HEADING.fullmatch(line)) and sub.group(1) == (top or sub.group(1)):
            number = sub.group(1) + re.sub(r"\s", "", sub.group(2))
            blocks.heading(number.count("."), f"{number} {collapse(sub.group(3))}")
        elif excerpt := _EXCERPT.match(line):
            blocks.heading(1, "Highlights")
            blocks.line(start + excerpt.end(), end)
        else:
            blocks.line(start, end)
    blocks.close()
    return blocks.items


# A brand name is written capitalised wherever it appears and is used where the drug is meant:
# "patients treated with TREANDA", "Ferriprox can cause", "ELIQUIS-treated patients".
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]{3,}\b")
_DRUG_CONTEXT = re.compile(
    r"\b(?:with|receiving|taking|discontinue|interrupt|initiating|of)\s+(?P<a>[A-Z][A-Za-z]{3,})\b"
    r"|\b(?P<b>[A-Z][A-Za-z]{3,})(?:-treated|\s+(?:can|may|caused|causes|is|was|should)\b)"
)
_NOT_BRANDS = frozenset(
    """
    warning warnings precautions adverse reactions excerpt boxed clinical trials table section
    sections dosage administration contraindications indications patients grade monitor
    treatment tablets tablet capsules capsule injection solution lotion cream gel ointment
    spray patch film suspension
    """.split()  # noqa: SIM905
)
MIN_BRAND_MENTIONS = 3


def brand_names(text: str, generic: str) -> list[str]:
    """The label's brand name, read from how the text uses it (empty when none stands out).

    Label section files carry no metadata, so this is a heuristic (right for 97 of the 101
    drugs of ../shared/data/fda_labels, none for 2, a device or partner name for 2); openFDA
    JSON and SPL XML carry their brand names exactly.

    A candidate is a capitalised word never written in lower case in the text (so not an
    ordinary word that starts a sentence), used at least once where a drug name belongs, and
    written at least three times, and never followed by "disease" or "syndrome" (an eponym);
    the one used most often where a drug name belongs wins, then the most frequent.
    """
    lower_words = set(re.findall(r"\b[a-z][a-z]+\b", text))
    lower_words |= {
        m.group(1).lower()
        for m in re.finditer(r"\b([A-Z][A-Za-z]+)\s+(?:disease|syndrome)\b", text, re.I)
    }
    counts: dict[str, int] = {}
    for word in _CAPITALISED.findall(text):
        key = word.lower()
        plural_abbreviation = word[:-1].isupper() and word.endswith("s")  # "COCs", "NSAIDs"
        if key == generic.lower() or key in lower_words or key in _NOT_BRANDS:
            continue
        if plural_abbreviation:
            continue
        counts[key] = counts.get(key, 0) + 1
    in_context: dict[str, int] = {}
    for m in _DRUG_CONTEXT.finditer(text):
        key = (m.group("a") or m.group("b")).lower()
        in_context[key] = in_context.get(key, 0) + 1
    ranked = sorted(
        (in_context[word], n, word)
        for word, n in counts.items()
        if word in in_context and n >= MIN_BRAND_MENTIONS
    )
    if not ranked:
        return []
    word = ranked[-1][2]
    spellings = [w for w in _CAPITALISED.findall(text) if w.lower() == word]
    return [max(set(spellings), key=spellings.count)]


def read_text_file(path: Path) -> list[Document]:
    """An FDA label section file, or any other text file cut at blank lines."""
    text = read_text(path)
    label = label_section(path)
    if label:
        drug, section = label
        passages = chunk_blocks(text, _label_blocks(text, humanize(section)))
        title = f"{drug.upper()} label: {humanize(section)}"
        document = Document(
            key=f"label:{drug.lower()}",
            kind="drug-label",
            title=title,
            passages=passages,
            drugs=[drug.lower()],
            brand_names=brand_names(text, drug),
        )
    else:
        passages = chunk(text, paragraph_spans(text), "")
        title = path.stem.replace("_", " ")
        document = Document(key=f"doc:{path.stem}", kind="document", title=title, passages=passages)
    if not passages:
        raise ReaderError(f"{path}: no text")
    return [document]
