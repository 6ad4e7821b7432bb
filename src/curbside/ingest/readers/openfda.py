"""openFDA drug-label JSON: ``{"results": [record, ...]}``, a list of records or one record.

One document per record with label text. The text fields read are ``boxed_warning``,
``warnings_and_cautions``, ``warnings``, ``adverse_reactions`` and
``dosage_and_administration``; each is a section of its own (``Warnings and cautions``).
Passage offsets are relative to the field's text: its list of strings joined by blank lines
(for the usual one-string list, the string itself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curbside.ingest.chunking import chunk, paragraph_spans
from curbside.ingest.document import Document, Passage, ReaderError
from curbside.ingest.readers.base import (
    dailymed_url,
    humanize,
    label_key,
    label_title,
    unique,
    year_of,
)

TEXT_FIELDS = (
    "boxed_warning",
    "warnings_and_cautions",
    "warnings",
    "adverse_reactions",
    "dosage_and_administration",
)


def _records(data: Any) -> list[Any] | None:
    """The label records of openFDA-shaped JSON, or None when it is not shaped so."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return list(data["results"])
    candidates = data if isinstance(data, list) else [data]
    if candidates and all(
        isinstance(r, dict) and ("openfda" in r or any(f in r for f in TEXT_FIELDS))
        for r in candidates
    ):
        return list(candidates)
    return None


def is_openfda(data: Any) -> bool:
    """Whether parsed JSON looks like openFDA drug labels."""
    return _records(data) is not None


def _strings(value: Any) -> list[str]:
    """A field's strings: a list of strings, or one string."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str) and item.strip()]


def _document(path: Path, record: Any, n: int) -> Document | None:
    if not isinstance(record, dict):
        raise ReaderError(f"{path}: record {n} is not an object")
    passages: list[Passage] = []
    for field in TEXT_FIELDS:
        text = "\n\n".join(_strings(record.get(field)))
        passages += chunk(text, paragraph_spans(text), humanize(field))
    if not passages:
        return None
    meta: dict[str, Any] = record["openfda"] if isinstance(record.get("openfda"), dict) else {}
    generics = unique(_strings(meta.get("generic_name")))
    brands = unique(_strings(meta.get("brand_name")))
    set_id = (_strings(meta.get("spl_set_id")) + _strings(record.get("set_id")) + [""])[0]
    fallback = f"{path.stem}-{n}"
    return Document(
        key=label_key(generics, brands, fallback),
        kind="drug-label",
        title=label_title(generics, brands, fallback),
        passages=passages,
        url=dailymed_url(set_id),
        drugs=[g.lower() for g in generics],
        brand_names=brands,
        pharm_classes=unique(_strings(meta.get("pharm_class_epc"))),
        set_id=set_id or None,
        year=year_of(record.get("effective_time")),
    )


def openfda_documents(path: Path, data: Any) -> list[Document]:
    """The labels of parsed openFDA JSON (records without label text are left out)."""
    records = _records(data) or []
    documents = [d for n, r in enumerate(records, 1) if (d := _document(path, r, n))]
    if not documents:
        raise ReaderError(f"{path}: no label text in the openFDA JSON")
    return documents
