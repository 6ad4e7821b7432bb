"""Every CDS Hooks call of the wrong shape is a 400 problem, never a 500: the shapes named in
issue 14 one by one, then valid calls mutated at random (bounded, derandomised) the way the
`/api/*` routes are fuzzed. A long medication list is summarised, not refused."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fhir_builders import GRADE_4_ON_PALBOCICLIB, bundle, medication_request, observation
from tests.fhir_builders import patient as patient_resource

from curbside.knowledge.base import KnowledgeBase
from curbside.service import ArticleService
from curbside.settings import Settings
from curbside.web.app import create_app

BOUNDED = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ORDER = "/cds-services/curbside-neutropenia-order"
VIEW = "/cds-services/curbside-neutropenia"


def _resources(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in record["entry"]]


def _searchset(resources: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources if r["resourceType"] == kind],
    }


def order_call(record: dict[str, Any] = GRADE_4_ON_PALBOCICLIB) -> dict[str, Any]:
    """A valid order-select call: prefetch of the record, one draft order selected."""
    resources = _resources(record)
    return {
        "hook": "order-select",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {
            "userId": "Practitioner/1",
            "patientId": "p1",
            "selections": ["MedicationRequest/order-1"],
            "draftOrders": {
                "resourceType": "Bundle",
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
            },
        },
        "prefetch": {
            "patient": next(r for r in resources if r["resourceType"] == "Patient"),
            "observations": _searchset(resources, "Observation"),
            "medications": _searchset(resources, "MedicationRequest"),
        },
    }


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> TestClient:
    service = ArticleService(Settings(publish=False, rate_limit=0, dense="off"), kb)
    return TestClient(create_app(engine=service), raise_server_exceptions=False)


def _set(call: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(call)
    node: Any = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


ORDERS = ("context", "draftOrders")
CONCEPT = (*ORDERS, "entry", 0, "resource", "medicationCodeableConcept")
WRONG_SHAPES = {
    "entry not a list": (("prefetch", "observations", "entry"), {"resource": {}}),
    "entry of strings": (("prefetch", "observations", "entry"), ["Observation/1"]),
    "draft entry not a list": ((*ORDERS, "entry"), "MedicationRequest/order-1"),
    "empty entry": ((*ORDERS, "entry"), [{}]),
    "selections not a list": (("context", "selections"), "MedicationRequest/order-1"),
    "selections of numbers": (("context", "selections"), [1, 2]),
    "selection of the wrong resource type": (("context", "selections"), ["Observation/o1"]),
    "string for a CodeableConcept": (CONCEPT, "palbociclib"),
    "coding not a list": ((*CONCEPT, "coding"), {"display": "palbociclib"}),
    "prefetch of the wrong resource type": (("prefetch", "patient"), {"resourceType": "Group"}),
    "observation where medicines belong": (
        ("prefetch", "medications"),
        {"resourceType": "Observation", "status": "final"},
    ),
    "prefetch not an object": (("prefetch", "patient"), "Patient/p1"),
    "context not an object": (("context",), ["p1"]),
    "draft orders a string": (ORDERS, "MedicationRequest/order-1"),
}


@pytest.mark.parametrize("shape", sorted(WRONG_SHAPES))
def test_a_call_of_the_wrong_shape_is_a_400_problem(client: TestClient, shape: str) -> None:
    path, value = WRONG_SHAPES[shape]
    response = client.post(ORDER, json=_set(order_call(), path, value))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400 and response.json()["detail"]


def test_the_valid_call_gives_a_card(client: TestClient) -> None:
    response = client.post(ORDER, json=order_call())
    assert response.status_code == 200 and response.json()["cards"]


def _paths(node: Any, at: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every place in a JSON value, depth first."""
    found = [at] if at else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*at, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found += _paths(value, (*at, n))
    return found


VALID = order_call()
PLACES = _paths(VALID)
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["Patient/p1", "MedicationRequest/x", "Bundle", "Observation", "\x00"]),
)
JSON_VALUES = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@BOUNDED
@given(
    changes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(PLACES) - 1), JSON_VALUES),
        min_size=1,
        max_size=3,
    ),
    service=st.sampled_from([ORDER, VIEW]),
)
def test_mutated_calls_are_answered_or_refused_with_a_4xx_problem(
    client: TestClient, changes: list[tuple[int, Any]], service: str
) -> None:
    call = VALID
    for place, value in changes:
        try:
            call = _set(call, PLACES[place], value)
        except (KeyError, IndexError, TypeError):  # an earlier change removed that place
            continue
    if service == VIEW:
        call = {**call, "hook": "patient-view"}
    response = client.post(service, json=call)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text


def test_a_long_medication_list_is_summarised(client: TestClient) -> None:
    medicines = [medication_request(f"medicine number {n} extended release") for n in range(60)]
    record = bundle(
        patient_resource(),
        observation("751-8", 0.4, "10*3/uL", "2026-11-20T08:30:00Z"),
        medication_request("palbociclib"),
        *medicines,
    )
    call = {**order_call(record), "hook": "patient-view"}
    response = client.post(VIEW, json=call)
    assert response.status_code == 200, response.text
    (card,) = response.json()["cards"]
    assert "palbociclib" in card["detail"].lower()  # the medicine that matters is named
