"""Patient data is never kept and never in an address: questions naming a person (titles with
names, record numbers, dates of birth, phone numbers, addresses) or carrying patient values are
answered but not stored, and say so; through a real server, no patient value, medicine of a
patient's record or identifier reaches the access log, and patient answers are not cacheable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.fhir_builders import FEVER_ON_RIBOCICLIB
from tests.http_server import serve

from curbside.ingest.run import IngestReport
from curbside.knowledge.base import KnowledgeBase
from curbside.library import open_library
from curbside.library.system import system_user
from curbside.privacy import identifiers
from curbside.service import ArticleService
from curbside.settings import Settings

ANASTROZOLE = "What is the management of neutropenia caused by anastrozole?"
NAMED = "Mrs Jones MRN 99887766 on clozapine: what is the management of her neutropenia?"
VALUES = "Woman on ribociclib, ANC 0.4 x10^9/L. Next steps?"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Mrs Jones on clozapine has an ANC of 0.8", "a name with a title"),
        ("Dr. Okafor asks about anakinra", "a name with a title"),
        ("MRN 99887766, neutropenia on clozapine", "a record number"),
        ("hospital number: A1234567 on methotrexate", "a record number"),
        ("DOB 12/03/1950, ANC 0.4, what now?", "a date of birth"),
        ("born on 1950-03-12 and neutropenic on clozapine", "a date of birth"),
        ("call 555-123-4567 about her neutropenia", "a phone number"),
        ("reach him on +44 20 7946 0958", "a phone number"),
        ("lives at 12 Oak Street, neutropenic on clozapine", "a street address"),
        ("write to jane.doe@example.org about her count", "an email address"),
    ],
)
def test_identifiers_are_found(question: str, kind: str) -> None:
    assert kind in identifiers(question)


@pytest.mark.parametrize(
    "question",
    [
        ANASTROZOLE,
        VALUES,
        "How is neutropenia graded in CTCAE v5?",
        "ANC 1,500 cells/µL on clozapine: continue?",
        "Patient on anakinra with an ANC of 800/µL and a temperature of 38.5 °C",
        "Is G-CSF indicated after 3 cycles of docetaxel 75 mg/m2?",
    ],
)
def test_clinical_questions_name_nobody(question: str) -> None:
    assert identifiers(question) == []


def test_answers_naming_a_person_or_with_patient_values_are_not_stored(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    service = ArticleService(Settings(home=tmp_path, publish=True, dense="off"), kb)
    named = service.respond(NAMED)
    assert named.record is None and named.private and named.article.bottom_line.text
    assert any("not stored" in n and "a name with a title" in n for n in named.article.notes)
    valued = service.respond(VALUES)
    assert valued.record is None and valued.private
    assert any("patient's values" in n and "not stored" in n for n in valued.article.notes)
    plain = service.respond(ANASTROZOLE)
    assert plain.record is not None and not plain.private
    library = open_library(None, tmp_path)
    stored = library.search(viewer=system_user(library), limit=100)
    library.close()
    assert [r.question for r in stored] == [ANASTROZOLE]
    service.close()


def _prefetch(record: dict[str, Any]) -> dict[str, Any]:
    resources = [e["resource"] for e in record["entry"]]  # type: ignore[index]
    return {
        "patient": next(r for r in resources if r["resourceType"] == "Patient"),
        "observations": {
            "resourceType": "Bundle",
            "entry": [{"resource": r} for r in resources if r["resourceType"] == "Observation"],
        },
        "medications": {
            "resourceType": "Bundle",
            "entry": [
                {"resource": r} for r in resources if r["resourceType"] == "MedicationRequest"
            ],
        },
    }


def test_no_patient_value_reaches_an_address_or_the_access_log(
    evidence: tuple[Settings, IngestReport], tmp_path: Path
) -> None:
    env = {
        "CURBSIDE_LIBRARY_URL": f"sqlite:///{tmp_path / 'library.sqlite'}",
        "CURBSIDE_PUBLIC_URL": "https://curbside.example.org",
    }
    with (
        serve(evidence[0].home, env, logs=tmp_path) as server,
        httpx.Client(base_url=server.base, timeout=60) as client,
    ):
        answers = [
            client.post("/api/ask", json={"question": NAMED}),
            client.post(
                "/api/ask",
                json={
                    "question": ANASTROZOLE,
                    "patient": {"anc": "0.4 x10^9/L", "temperature": "38.6 C"},
                },
            ),
            client.post("/api/ask", json={"question": VALUES}),
            client.post("/ask", data={"q": ANASTROZOLE, "anc": "0.4", "temperature": "38.6"}),
            client.post("/fragments/answer", data={"q": VALUES}),
            client.post(
                "/follow-up", data={"thread": [VALUES], "q": "What if she develops a fever?"}
            ),
        ]
        for response in answers:
            assert response.status_code == 200, response.text
            assert response.headers["cache-control"] == "no-store"
        for page in answers[3:]:  # no link of these pages carries the values
            for href in re.findall(r'href="([^"]*)"', page.text):
                assert not re.search(r"0\.4|38\.6|ribociclib|anc=", href, re.I), href
        call = {
            "hook": "patient-view",
            "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": {"userId": "Practitioner/1", "patientId": "p1"},
            "prefetch": _prefetch(FEVER_ON_RIBOCICLIB),
        }
        cds = client.post(
            "/cds-services/curbside-neutropenia", json=call, headers={"host": "evil.example"}
        )
        assert cds.status_code == 200 and cds.headers["cache-control"] == "no-store"
        (card,) = cds.json()["cards"]
        link = card["links"][0]["url"]
        assert link.startswith("https://curbside.example.org/situations/")  # not the Host
        page = client.get(link.removeprefix("https://curbside.example.org"))
        assert page.status_code == 200 and "ribociclib" in page.text.lower()
        assert page.headers["cache-control"] == "no-store"
    lines = server.log.read_text().splitlines()
    requests = [line for line in lines if '"POST ' in line or '"GET ' in line]
    assert len(requests) >= 8, requests
    for line in requests:
        assert not re.search(
            r"0\.4|38\.6|ribociclib|clozapine|jones|99887766|anc|temperature", line, re.I
        ), line
