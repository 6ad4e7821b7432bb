"""Fuzzing the readers of outside input with Hypothesis: the question parser, the FHIR and
patient-file readers, and every `/api/...` endpoint of the web app. Each may refuse input only
with its own error (QuestionError, PatientDataError, a 4xx problem), never crash.

Every test is bounded (`max_examples`, `deadline`) so the module runs in seconds; the examples
are derandomized so a failure is reproducible.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fhir_builders import FEVER_ON_RIBOCICLIB, GRADE_4_ON_PALBOCICLIB

from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.library import open_library
from curbside.library.system import system_user
from curbside.models import Article
from curbside.patient.errors import PatientDataError
from curbside.patient.fhir import from_fhir_bundle
from curbside.patient.file import load_patient_file
from curbside.patient.model import PatientData
from curbside.settings import Settings
from curbside.understand import QuestionError
from curbside.web.app import create_app

BOUNDED = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

ODD_FRAGMENTS = (
    "0.4 x10^9/L", "1,2,3/mm3", "10^3/µL", "-500 /uL", "NaN", "1e400", "-1e400", "inf", "ANC",
    "anc 0", "neutrophils", "temp 38.5", "T 104F", "39,5 °C", "0.0000001", "10**9", "½", "٣٠٠",
    "anastrozole", "palbociclib", "neutropenia", "fever", "grade 4", "CTCAE v5", "%", "x10⁹/L",
    "cells/uL", "?", "\x00", "\u202e", "\ufeff", "\U0001f600", "DROP TABLE articles;--", "'\"",
)  # fmt: skip


def questions() -> st.SearchStrategy[str]:
    """Random text, clinical-looking fragments with odd numbers and units, very long tokens."""
    fragment = st.one_of(
        st.sampled_from(ODD_FRAGMENTS),
        st.text(max_size=20),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.text(alphabet="0123456789.,-eE^x/µuLmm ", max_size=12),
    )
    built = st.lists(fragment, max_size=12).map(" ".join)
    long_token = st.integers(min_value=100, max_value=20_000).map(lambda n: "a" * n)
    return st.one_of(st.text(), built, long_token, st.text(min_size=1).map(lambda t: t * 500))


@pytest.fixture(scope="module")
def fuzz_engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb=kb)


@settings(BOUNDED, max_examples=150)
@given(text=questions())
def test_understand_accepts_a_question_or_raises_question_error(
    fuzz_engine: Engine, text: str
) -> None:
    with contextlib.suppress(QuestionError):
        fuzz_engine.understand(text)


@settings(BOUNDED, max_examples=40)
@given(text=st.one_of(questions(), questions().map(lambda t: f"anastrozole neutropenia ANC {t}")))
def test_ask_gives_an_article_or_raises_question_error(fuzz_engine: Engine, text: str) -> None:
    with contextlib.suppress(QuestionError):
        assert isinstance(fuzz_engine.ask(text), Article)


# ---- patient data ----------------------------------------------------------------------------

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["Bundle", "Patient", "Observation", "751-8", "10*3/uL", "Cel", "2026-11-20"]),
)
JSON_VALUES = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)
FHIR_KEYS = st.sampled_from(
    ["resourceType", "type", "entry", "resource", "status", "code", "coding", "system",
     "valueQuantity", "value", "unit", "effectiveDateTime", "birthDate", "gender", "subject",
     "medicationCodeableConcept", "clinicalStatus", "text", "fullUrl", "id"]
)  # fmt: skip
VALID_BUNDLES = (GRADE_4_ON_PALBOCICLIB, FEVER_ON_RIBOCICLIB)


def _read_fhir(bundle: object) -> None:
    with contextlib.suppress(PatientDataError):
        assert isinstance(from_fhir_bundle(bundle), PatientData)  # type: ignore[arg-type]


@BOUNDED
@given(bundle=st.dictionaries(st.one_of(FHIR_KEYS, st.text(max_size=8)), JSON_VALUES, max_size=6))
def test_fhir_reader_on_random_dicts(bundle: dict[str, object]) -> None:
    _read_fhir({"resourceType": "Bundle", **bundle} if len(bundle) % 2 else bundle)


def _paths(node: object, at: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every place in a JSON document (dict keys and list indexes)."""
    found = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*at, index))
    return found


@st.composite
def mutated_bundles(draw: st.DrawFn) -> object:
    """A valid Bundle with a few values replaced, removed, or duplicated."""
    document: Any = copy.deepcopy(draw(st.sampled_from(VALID_BUNDLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        places = [p for p in _paths(document) if p]
        if not places:
            break
        place = draw(st.sampled_from(places))
        parent: Any = document
        for step in place[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "delete":
            del parent[place[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[int(place[-1])]))
        else:
            parent[place[-1]] = draw(JSON_VALUES)
    return document


@BOUNDED
@given(bundle=mutated_bundles())
def test_fhir_reader_on_mutated_valid_bundles(bundle: object) -> None:
    _read_fhir(bundle)


@BOUNDED
@given(text=st.text(max_size=300))
def test_fhir_reader_on_random_json_text(text: str) -> None:
    _read_fhir(text)


PATIENT_KEYS = st.sampled_from(
    ["age", "sex", "anc", "wbc", "neutrophils_percent", "temperature", "medications",
     "conditions", "value", "unit", "taken", "weight_kg", "creatinine"]
)  # fmt: skip


def _documents() -> st.SearchStrategy[str]:
    mapping = st.dictionaries(st.one_of(PATIENT_KEYS, st.text(max_size=8)), JSON_VALUES, max_size=6)
    as_json = mapping.map(lambda d: json.dumps(d, allow_nan=True))
    as_yaml = mapping.map(lambda d: yaml.safe_dump(d, allow_unicode=True))
    odd = st.lists(st.sampled_from(ODD_FRAGMENTS), max_size=4).map(" ".join)
    units = st.builds(lambda k, v: f"{k}: {v}\n", PATIENT_KEYS, odd)
    return st.one_of(as_json, as_yaml, st.text(max_size=200), units)


@BOUNDED
@given(text=_documents(), suffix=st.sampled_from([".json", ".yaml", ".yml", ".txt"]))
def test_patient_file_reader(tmp_path: Path, text: str, suffix: str) -> None:
    path = tmp_path / f"patient{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(PatientDataError):
        assert isinstance(load_patient_file(path), PatientData)


# ---- the HTTP API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> tuple[TestClient, str]:
    """A client of an app with a library and no rate limit, and an editor's API token."""
    home = tmp_path_factory.mktemp("fuzz-api")
    engine = Engine(Settings(home=home, publish=True, rate_limit=0), kb)
    library = open_library(engine.settings.library_url, engine.settings.home)
    assert library is not None
    editor = library.add_user("ed", "editor", "a long enough password", actor=system_user(library))
    token = library.create_token(editor, label="fuzz").secret
    engine.ask("anastrozole neutropenia")
    return TestClient(create_app(engine=engine), raise_server_exceptions=False), token


def _operations(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/")
        for method in operations
    )


BODIES: st.SearchStrategy[Callable[[], dict[str, Any]]] = st.one_of(
    JSON_VALUES.map(lambda v: lambda: {"json": v}),
    st.dictionaries(
        st.sampled_from(["question", "audience", "patient", "thread", "anc", "status", "text",
                         "revision", "statement_id", "note", "to", "expected_revision"]),
        JSON_VALUES,
        max_size=5,
    ).map(lambda d: lambda: {"json": d}),
    st.binary(max_size=200).map(lambda b: lambda: {"content": b}),
    st.text(max_size=200).map(
        lambda t: lambda: {"content": t.encode("utf-8", "surrogatepass"),
                           "headers": {"content-type": "application/json"}}
    ),
)  # fmt: skip
QUERY = st.dictionaries(
    st.sampled_from(["q", "question", "audience", "limit", "status", "offset", "version", "x"]),
    st.text(max_size=30),
    max_size=4,
)
AUTH = st.sampled_from(["none", "valid", "garbage", "basic"])


@settings(BOUNDED, max_examples=200)
@given(
    pick=st.integers(min_value=0, max_value=10_000),
    segment=st.text(max_size=30),
    query=QUERY,
    body=BODIES,
    auth=AUTH,
)
def test_api_endpoints_answer_bad_input_with_a_4xx_problem(
    api: tuple[TestClient, str],
    pick: int,
    segment: str,
    query: dict[str, str],
    body: Callable[[], dict[str, Any]],
    auth: str,
) -> None:
    client, token = api
    operations = _operations(client)
    method, template = operations[pick % len(operations)]
    path = template.replace("{article_id}", quote(segment, safe="") or "x")
    headers = {
        "none": {},
        "valid": {"authorization": f"Bearer {token}"},
        "garbage": {"authorization": "Bearer " + quote(segment)},
        "basic": {"authorization": "Basic Zm9vOmJhcg=="},
    }[auth]
    request = body() if method == "POST" else {}
    request["headers"] = {**request.get("headers", {}), **headers}
    response = client.request(method, path, params=query, **request)
    assert response.status_code < 500, (method, path, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text
        assert response.json()["status"] == response.status_code
