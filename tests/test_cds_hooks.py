"""The CDS Hooks service over HTTP, in-process: discovery, patient-view and order-select cards,
validated against the CDS Hooks 2.0 card format."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from tests.fhir_builders import (
    FEVER_ON_RIBOCICLIB,
    GRADE_4_ON_PALBOCICLIB,
    bundle,
    medication_request,
    observation,
    patient,
)

from curbside.engine import Engine
from curbside.web.app import create_app

# The card and response format of https://cds-hooks.hl7.org/2.0/#cds-service-response
CARD = {
    "type": "object",
    "required": ["summary", "indicator", "source"],
    "properties": {
        "uuid": {"type": "string"},
        "summary": {"type": "string", "maxLength": 139, "minLength": 1},
        "detail": {"type": "string"},
        "indicator": {"enum": ["info", "warning", "critical"]},
        "source": {
            "type": "object",
            "required": ["label"],
            "properties": {
                "label": {"type": "string", "minLength": 1},
                "url": {"type": "string"},
                "icon": {"type": "string"},
            },
        },
        "suggestions": {"type": "array"},
        "selectionBehavior": {"enum": ["at-most-one", "any"]},
        "links": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["label", "url", "type"],
                "properties": {
                    "label": {"type": "string"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "type": {"enum": ["absolute", "smart"]},
                },
            },
        },
    },
}
RESPONSE = {
    "type": "object",
    "required": ["cards"],
    "properties": {"cards": {"type": "array", "items": CARD}},
}
DISCOVERY = {
    "type": "object",
    "required": ["services"],
    "properties": {
        "services": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["hook", "description", "id"],
                "properties": {"prefetch": {"type": "object"}},
            },
        }
    },
}


@pytest.fixture(scope="module")
def client(evidence_engine: Engine) -> TestClient:
    return TestClient(create_app(engine=evidence_engine))


def _split(record: dict[str, Any]) -> dict[str, Any]:
    """A Bundle as an EHR prefetches it: the Patient, then searchsets of results and orders."""
    resources = [e["resource"] for e in record["entry"]]
    by_type = lambda kind: {  # noqa: E731
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources if r["resourceType"] == kind],
    }
    return {
        "patient": next(r for r in resources if r["resourceType"] == "Patient"),
        "observations": by_type("Observation"),
        "medications": by_type("MedicationRequest"),
    }


def _call(
    client: TestClient, service: str, hook: str, record: dict[str, Any], **context: Any
) -> dict[str, Any]:
    body = {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/1", "patientId": "p1", **context},
        "prefetch": _split(record),
    }
    response = client.post(f"/cds-services/{service}", json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    jsonschema.validate(payload, RESPONSE)
    return payload


def test_discovery(client: TestClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    payload = response.json()
    jsonschema.validate(payload, DISCOVERY)
    hooks = {s["id"]: s["hook"] for s in payload["services"]}
    assert hooks == {
        "curbside-neutropenia": "patient-view",
        "curbside-neutropenia-order": "order-select",
    }
    prefetch = payload["services"][0]["prefetch"]
    assert "751-8" in prefetch["observations"] and prefetch["patient"].startswith("Patient/")


def test_grade_4_on_palbociclib_gives_a_warning_card(client: TestClient) -> None:
    (card,) = _call(client, "curbside-neutropenia", "patient-view", GRADE_4_ON_PALBOCICLIB)["cards"]
    assert card["indicator"] == "warning"
    assert "Grade 4" in card["summary"] and "400" in card["summary"]
    assert "palbociclib" in card["summary"]
    assert "palbociclib" in card["detail"].lower() and "References:" in card["detail"]
    assert "[1]" in card["detail"]
    link = card["links"][0]
    assert link["type"] == "absolute" and link["url"].startswith("http://127.0.0.1:8000/")
    # The link names no value or medicine, and opens the same situation as a page.
    for word in ("400", "anc", "palbociclib", "temperature", "?"):
        assert word not in link["url"].lower()
    page = client.get(link["url"].replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200 and "palbociclib" in page.text.lower()
    assert page.headers["cache-control"] == "no-store"
    assert client.get("/situations/not-a-token").status_code == 404


def test_fever_on_ribociclib_gives_a_critical_card(client: TestClient) -> None:
    (card,) = _call(client, "curbside-neutropenia", "patient-view", FEVER_ON_RIBOCICLIB)["cards"]
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Febrile neutropenia")
    assert "**Urgent:**" in card["detail"]
    assert card["source"]["label"].startswith("Curbside, citing")


def test_normal_count_gives_no_card(client: TestClient) -> None:
    record = bundle(patient(), observation("751-8", 3.1, "10*3/uL", "2026-11-20T08:30:00Z"))
    assert _call(client, "curbside-neutropenia", "patient-view", record)["cards"] == []


def test_order_select_names_the_medicine_being_ordered(client: TestClient) -> None:
    record = bundle(patient(), observation("751-8", 0.8, "10*3/uL", "2026-11-20T08:30:00Z"))
    draft = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": "order-1",
                    "status": "draft",
                    "intent": "order",
                    "subject": {"reference": "Patient/p1"},
                    "medicationCodeableConcept": {"text": "palbociclib"},
                }
            }
        ],
    }
    payload = _call(
        client,
        "curbside-neutropenia-order",
        "order-select",
        record,
        selections=["MedicationRequest/order-1"],
        draftOrders=draft,
    )
    (card,) = payload["cards"]
    assert card["indicator"] == "warning" and "palbociclib" in card["summary"]


def _order(client: TestClient, record: dict[str, Any], name: str) -> dict[str, Any]:
    draft = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": "order-1",
                    "status": "draft",
                    "intent": "order",
                    "subject": {"reference": "Patient/p1"},
                    "medicationCodeableConcept": {"text": name},
                }
            }
        ],
    }
    (card,) = _call(
        client,
        "curbside-neutropenia-order",
        "order-select",
        record,
        selections=["MedicationRequest/order-1"],
        draftOrders=draft,
    )["cards"]
    return card


def test_an_order_select_card_is_about_the_medicine_ordered_and_short(
    client: TestClient,
) -> None:
    """Issue 18: ordering co-trimoxazole for a patient on clozapine with ANC 720/µL: the card
    leads with co-trimoxazole, not with clozapine's bottom line, and stays within the limits."""
    record = bundle(
        patient(),
        observation("751-8", 0.72, "10*3/uL", "2026-11-20T08:30:00Z"),
        medication_request("clozapine"),
    )
    card = _order(client, record, "co-trimoxazole")
    assert card["summary"].startswith("Ordering co-trimoxazole")
    assert "clozapine" not in card["summary"]
    assert len(card["summary"]) < 140
    detail = card["detail"]
    assert len(detail) <= 600, len(detail)
    first = detail.split("\n")[0].lower()
    assert "co-trimoxazole" in first or "trimethoprim" in first or "sulfamethoxazole" in first
    assert detail.count("\n- ") + detail.startswith("- ") <= 3
    assert "[Full article](http://127.0.0.1:8000/situations/" in detail
    assert "References: [" in detail


@pytest.mark.parametrize("name", ["GRADE_4_ON_PALBOCICLIB", "FEVER_ON_RIBOCICLIB"])
def test_patient_view_cards_keep_within_the_limits(client: TestClient, name: str) -> None:
    (card,) = _call(client, "curbside-neutropenia", "patient-view", globals()[name])["cards"]
    assert len(card["summary"]) < 140 and len(card["detail"]) <= 600, card["detail"]
    statements = [line for line in card["detail"].splitlines() if line.startswith("- ")]
    assert 2 <= len(statements) <= 3
    assert all("[" in line for line in statements)  # every statement is cited


def test_missing_prefetch_gives_a_card_that_says_what_is_needed(client: TestClient) -> None:
    body = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
    }
    response = client.post("/cds-services/curbside-neutropenia", json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    jsonschema.validate(payload, RESPONSE)
    (card,) = payload["cards"]
    assert card["indicator"] == "info" and "neutrophil counts" in card["summary"]
    assert "`observations`" in card["detail"] and "751-8" in card["detail"]
    # Counts sent but none low, or an empty search: nothing to say.
    empty = {**body, "prefetch": {"observations": {"resourceType": "Bundle", "type": "searchset"}}}
    assert client.post("/cds-services/curbside-neutropenia", json=empty).json()["cards"] == []


def test_bad_calls_are_refused(client: TestClient) -> None:
    assert client.post("/cds-services/nope", json={}).status_code in (404, 400)
    wrong_hook = {
        "hook": "order-sign",
        "hookInstance": "x",
        "context": {},
        "prefetch": {},
    }
    assert client.post("/cds-services/curbside-neutropenia", json=wrong_hook).status_code == 400
    broken = {
        "hook": "patient-view",
        "hookInstance": "x",
        "context": {"patientId": "p1"},
        "prefetch": {"patient": {"resourceType": "Patinet", "id": "p1"}},
    }
    response = client.post("/cds-services/curbside-neutropenia", json=broken)
    assert response.status_code == 400 and "Patinet" in response.text


def test_json_api_and_page(client: TestClient) -> None:
    response = client.get("/api/ask", params={"q": "How is neutropenia graded in CTCAE v5?"})
    assert response.status_code == 200 and response.json()["coverage"] == "curated"
    assert client.get("/api/ask", params={"q": "   "}).status_code == 400
    page = client.get("/ask", params={"q": "<script>alert(1)</script> neutropenia"})
    assert page.status_code == 200 and "<script>alert(1)" not in page.text
