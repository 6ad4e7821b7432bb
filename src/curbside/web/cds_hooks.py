"""CDS Hooks: the EHR calls Curbside when a chart is opened (patient-view) or a medicine is being
ordered (order-select); Curbside reads the prefetched FHIR data and answers with cards.

A card appears only when there is something to act on: neutropenia on the latest count, or an
order for a medicine that can cause it in a patient whose count is low. The card's detail holds
the article's cited statements; its link opens the full article for the same situation.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from curbside.models import Article, Section
from curbside.patient.fhir import from_fhir_bundle
from curbside.patient.merge import merge
from curbside.patient.model import PatientData
from curbside.service import ArticleService
from curbside.web.cds_models import (
    Card,
    Discovery,
    HookRequest,
    HookResponse,
    Indicator,
    Link,
    ServiceDescriptor,
    Source,
)

_LOINC = "http://loinc.org|"
_COUNTS = ",".join(_LOINC + code for code in ("751-8", "26499-4", "770-8", "6690-2", "8310-5"))
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "observations": f"Observation?patient={{{{context.patientId}}}}&code={_COUNTS}&_sort=-date",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active",
}
SERVICES = {
    "curbside-neutropenia": ServiceDescriptor(
        hook="patient-view",
        id="curbside-neutropenia",
        title="Curbside: neutropenia in this patient",
        description=(
            "Grades the latest neutrophil count, recognises febrile neutropenia and returns cited "
            "management for the medicines the patient takes."
        ),
        prefetch=PREFETCH,
    ),
    "curbside-neutropenia-order": ServiceDescriptor(
        hook="order-select",
        id="curbside-neutropenia-order",
        title="Curbside: ordering a medicine in a neutropenic patient",
        description=(
            "When a medicine is ordered for a patient whose latest neutrophil count is low, "
            "returns the cited guidance for that medicine and count."
        ),
        prefetch=PREFETCH,
    ),
}
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # card links without CURBSIDE_PUBLIC_URL
DETAIL_STATEMENTS = 8  # statements carried on a card; the link holds the rest


def discovery() -> Discovery:
    return Discovery(services=list(SERVICES.values()))


def _entries(value: Any) -> list[dict[str, Any]]:
    """The resources of a prefetch value: a single resource or a Bundle of them."""
    if not isinstance(value, dict):
        return []
    if value.get("resourceType") == "Bundle":
        return [e["resource"] for e in value.get("entry") or [] if isinstance(e, dict)]
    return [value]


def record_from(request: HookRequest) -> PatientData:
    """The patient's record from the prefetch (and, for order-select, the medicines ordered)."""
    resources = [r for v in (request.prefetch or {}).values() for r in _entries(v)]
    bundle: dict[str, object] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    record = from_fhir_bundle(bundle)
    ordered = ordered_medicines(request)
    if ordered:
        record = merge(record, PatientData(medications=ordered, origin={"medications": "fhir"}))
    return record


def ordered_medicines(request: HookRequest) -> list[str]:
    """Names of the medicines selected in an order-select call (from context.draftOrders)."""
    selected = set(request.context.get("selections") or [])
    names: list[str] = []
    for resource in _entries(request.context.get("draftOrders")):
        if resource.get("resourceType") != "MedicationRequest":
            continue
        reference = f"MedicationRequest/{resource.get('id')}"
        if selected and reference not in selected:
            continue
        concept = resource.get("medicationCodeableConcept") or {}
        name = concept.get("text") or next(
            (c.get("display") for c in concept.get("coding") or [] if c.get("display")), None
        )
        if name:
            names.append(str(name))
    return names


def situation_question(record: PatientData, ordered: list[str], values: bool = True) -> str:
    """The question the card answers. With `values`, the count and temperature are written in
    it, so that the article link reproduces the situation without the record."""
    medicines = ordered or record.medications
    on = f" on {' and '.join(medicines)}" if medicines else ""
    parts = [f"Patient{on}"]
    if values and record.anc is not None:
        parts.append(f"with an ANC of {record.anc.value:.0f}/µL")
    if values and record.temperature is not None:
        parts.append(f"and a temperature of {record.temperature.value:.1f} °C")
    return " ".join(parts) + ": what is the management of the neutropenia?"


def _indicator(article: Article) -> Indicator | None:
    p = article.patient
    if p is None:
        return None
    if p.febrile_neutropenia:
        return "critical"
    if p.ctcae_grade in (3, 4):
        return "warning"
    if p.ctcae_grade in (1, 2):
        return "info"
    return None


def _summary(article: Article, ordered: list[str]) -> str:
    p = article.patient
    assert p is not None and p.anc_per_uL is not None
    count = f"ANC {p.anc_per_uL:,.0f}/µL"
    if p.febrile_neutropenia:
        text = f"Febrile neutropenia ({count}, {p.temperature_c:.1f} °C): treat as an emergency"
    else:
        text = f"Grade {p.ctcae_grade} neutropenia ({count})"
        drugs = ordered or p.neutropenia_drugs
        if drugs:
            text += f" on {', '.join(drugs)}"
    return text if len(text) < 140 else text[:136] + "..."


def _detail(article: Article) -> str:
    """The bottom line and the most important statements, cited, with their references."""
    used: set[int] = set(article.bottom_line.citations)
    lines = [f"**{article.bottom_line.text}** {_marks(article.bottom_line.citations)}", ""]
    shown = 0
    for section in sorted(article.sections, key=_priority):
        if shown >= DETAIL_STATEMENTS:
            break
        lines.append(f"*{section.title}*")
        for statement in section.statements[: DETAIL_STATEMENTS - shown]:
            flag = "**Urgent:** " if statement.urgent else ""
            lines.append(f"- {flag}{statement.text} {_marks(statement.citations)}")
            used.update(statement.citations)
            shown += 1
        lines.append("")
    lines.append("References:")
    for ref in article.references:
        if ref.n in used:
            lines.append(f"{ref.n}. {ref.title} ({ref.publisher}), {ref.locator}")
    return "\n".join(lines)


# What a prescriber needs first on a card: this patient, then the drug, then what to do now.
_SECTION_PRIORITY = {"patient": 0, "drug": 1, "febrile": 2, "afebrile": 2}


def _priority(section: Section) -> int:
    if section.key.startswith("label-"):
        return 1
    return _SECTION_PRIORITY.get(section.key, 3)


def _marks(citations: list[int]) -> str:
    return "".join(f"[{n}]" for n in citations)


def cards(service: ArticleService, request: HookRequest) -> HookResponse:
    """The cards for one hook call (none when there is nothing to act on)."""
    record = record_from(request)
    ordered = ordered_medicines(request)
    if record.anc is None and record.wbc is None:
        return HookResponse(cards=[])
    question = situation_question(record, ordered)
    article = service.ask(situation_question(record, ordered, False), "physician", patient=record)
    indicator = _indicator(article)
    if indicator is None or article.coverage == "none":
        return HookResponse(cards=[])
    first = article.references[article.bottom_line.citations[0] - 1]
    base_url = service.settings.public_url or DEFAULT_PUBLIC_URL
    link = f"{base_url.rstrip('/')}/ask?{urlencode({'q': question})}"
    digest = hashlib.sha256(f"{request.hookInstance}:{question}".encode()).hexdigest()
    card = Card(
        uuid=f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
        summary=_summary(article, ordered),
        detail=_detail(article),
        indicator=indicator,
        source=Source(label=f"Curbside, citing {first.title}"[:120], url=first.url),
        links=[Link(label="Full Curbside article", url=link, type="absolute")],
    )
    return HookResponse(cards=[card])
