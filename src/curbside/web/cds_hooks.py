"""CDS Hooks: the EHR calls Curbside when a chart is opened (patient-view) or a medicine is being
ordered (order-select); Curbside reads the prefetched FHIR data and answers with cards.

A card appears only when there is something to act on: neutropenia on the latest count, or an
order for a medicine that can cause it in a patient whose count is low; or, when the EHR sent no
prefetched counts at all, a card saying which data Curbside needs. What a card says (its length
limits, the medicine in focus) is `curbside.web.cds_cards`. The card's detail holds
the article's cited statements; its link opens the full article for the same situation through
an opaque, short-lived reference (`curbside.web.situations`): no count, temperature or medicine
name is in the link. Links start with the configured public address (CURBSIDE_PUBLIC_URL), never
with the request's Host header.

Every input of the wrong shape (an entry that is not a list, a string where a CodeableConcept
belongs, a selection that is not a MedicationRequest reference...) is a `HookInputError`: a 400.
"""

from __future__ import annotations

import hashlib
from typing import Any

from curbside.models import Article
from curbside.patient.fhir import from_fhir_bundle
from curbside.patient.merge import merge
from curbside.patient.model import PatientData
from curbside.service import ArticleService
from curbside.web import cds_cards
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
from curbside.web.situations import Situations

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
MEDICINES_NAMED = 6  # medicines named in a card's question; the others are counted
MEDICINE_CHARS = 80  # characters of a medicine's name used in it
# prefetch key -> the resource types it may hold
PREFETCH_TYPES = {
    "patient": {"Patient"},
    "observations": {"Observation"},
    "medications": {"MedicationRequest", "MedicationStatement", "Medication"},
}


class HookInputError(ValueError):
    """A CDS Hooks call whose context or prefetch has the wrong shape; the message says where."""


def discovery() -> Discovery:
    return Discovery(services=list(SERVICES.values()))


def _entries(value: Any, where: str, types: set[str] | None = None) -> list[dict[str, Any]]:
    """The resources of a prefetch or context value: a single resource or a Bundle of them
    (none for null); HookInputError for any other shape, or a resource of another type."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise HookInputError(f"{where} must be a FHIR resource or Bundle (a JSON object)")
    if value.get("resourceType") != "Bundle":
        resources = [value]
    else:
        entry = value.get("entry")
        if entry is None:
            return []
        if not isinstance(entry, list):
            raise HookInputError(f"{where}.entry must be a list")
        resources = []
        for n, item in enumerate(entry):
            resource = item.get("resource") if isinstance(item, dict) else None
            if not isinstance(resource, dict):
                raise HookInputError(f"{where}.entry[{n}] must be an object with a resource")
            resources.append(resource)
    for resource in resources:
        kind = resource.get("resourceType")
        if not isinstance(kind, str):
            raise HookInputError(f"{where} holds a resource without a resourceType")
        if types is not None and kind not in types:
            allowed = " or ".join(sorted(types))
            raise HookInputError(f"{where} holds a {kind} resource where {allowed} belongs")
    return resources


def record_from(request: HookRequest) -> PatientData:
    """The patient's record from the prefetch (and, for order-select, the medicines ordered)."""
    resources = [
        r
        for key, value in (request.prefetch or {}).items()
        for r in _entries(value, f"prefetch.{key}", PREFETCH_TYPES.get(key))
    ]
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
    selections = request.context.get("selections") or []
    if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
        raise HookInputError("context.selections must be a list of references")
    for reference in selections:
        if not reference.startswith("MedicationRequest/"):
            raise HookInputError(
                f"context.selections names {reference!r}: only MedicationRequest/<id> is read"
            )
    selected = set(selections)
    names: list[str] = []
    orders = _entries(request.context.get("draftOrders"), "context.draftOrders")
    for n, resource in enumerate(orders):
        if resource.get("resourceType") != "MedicationRequest":
            continue
        reference = f"MedicationRequest/{resource.get('id')}"
        if selected and reference not in selected:
            continue
        name = _concept_name(resource.get("medicationCodeableConcept"), n)
        if name:
            names.append(name)
    return names


def _concept_name(concept: Any, n: int) -> str | None:
    """The text (or first display) of a CodeableConcept; HookInputError for another shape."""
    where = f"context.draftOrders entry {n}: medicationCodeableConcept"
    if concept is None:
        return None
    if not isinstance(concept, dict):
        raise HookInputError(f"{where} must be a CodeableConcept (an object)")
    coding = concept.get("coding") or []
    if not isinstance(coding, list) or not all(isinstance(c, dict) for c in coding):
        raise HookInputError(f"{where}.coding must be a list of Codings")
    text = concept.get("text")
    if text is not None and not isinstance(text, str):
        raise HookInputError(f"{where}.text must be text")
    displays = [c.get("display") for c in coding if isinstance(c.get("display"), str)]
    return text or (displays[0] if displays else None)


def summarised(medicines: list[str], first: set[str]) -> str:
    """The medicines as a question names them: those in `first` (ordered, or known to cause
    neutropenia) first, at most MEDICINES_NAMED, the others counted."""
    ranked = sorted(dict.fromkeys(medicines), key=lambda m: m not in first)
    named = [m[:MEDICINE_CHARS].strip() for m in ranked[:MEDICINES_NAMED]]
    rest = len(ranked) - len(named)
    if rest:
        named.append(f"{rest} other medicine{'s' if rest > 1 else ''}")
    return " and ".join(named)


def situation_question(
    record: PatientData, ordered: list[str], values: bool = True, first: set[str] | None = None
) -> str:
    """The question the card answers. With `values`, the count and temperature are written in
    it. A long medication list is summarised (see `summarised`)."""
    medicines = ordered or record.medications
    on = f" on {summarised(medicines, first or set(ordered))}" if medicines else ""
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


def flagged(service: ArticleService, medicines: list[str]) -> set[str]:
    """The medicines known to cause neutropenia."""
    answerer = service.answerer
    return {
        m
        for m in medicines
        if any(i in answerer.neutropenic for i in answerer.understander.drug_ids(m))
    }


def cards(service: ArticleService, request: HookRequest, situations: Situations) -> HookResponse:
    """The cards for one hook call (none when there is nothing to act on)."""
    record = record_from(request)
    ordered = ordered_medicines(request)
    if record.anc is None and record.wbc is None:
        missing = [k for k in ("observations",) if k not in (request.prefetch or {})]
        return HookResponse(cards=[_needs_data(request, ordered, missing)] if missing else [])
    named_first = set(ordered) | flagged(service, ordered or record.medications)
    question = situation_question(record, ordered, False, named_first)
    article = service.ask(question, "physician", patient=record)
    indicator = _indicator(article)
    if indicator is None or article.coverage == "none":
        return HookResponse(cards=[])
    first = article.references[article.bottom_line.citations[0] - 1]
    base_url = service.settings.public_url or DEFAULT_PUBLIC_URL
    link = f"{base_url.rstrip('/')}/situations/{situations.put(question, record)}"
    focus = _focus(service, ordered or sorted(named_first))
    card = Card(
        uuid=_uuid(f"{request.hookInstance}:{question}"),
        summary=cds_cards.summary(article, ordered, bool(ordered) and ordered[0] in named_first),
        detail=cds_cards.detail(article, focus, link),
        indicator=indicator,
        source=Source(label=f"Curbside, citing {first.title}"[:120], url=first.url),
        links=[Link(label="Full Curbside article", url=link, type="absolute")],
    )
    return HookResponse(cards=[card])


def _focus(service: ArticleService, medicines: list[str]) -> list[str]:
    """The medicines in focus as statements name them: as written, and their knowledge ids."""
    ids = [i for m in medicines for i in service.answerer.understander.drug_ids(m)]
    return list(dict.fromkeys([*medicines, *ids]))


def _uuid(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _needs_data(request: HookRequest, ordered: list[str], missing: list[str]) -> Card:
    """The card of a call whose prefetch lacks the counts: which data Curbside needs."""
    return Card(
        uuid=_uuid(f"{request.hookInstance}:needs:{','.join(missing)}"),
        summary=cds_cards.needs_data_summary(ordered),
        detail=cds_cards.needs_data_detail(missing),
        indicator="info",
        source=Source(label="Curbside"),
    )
