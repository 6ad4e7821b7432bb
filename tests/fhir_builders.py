"""FHIR R4 resources for tests: a patient, counts, temperatures, medicines and conditions."""

from __future__ import annotations

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def patient(birth: str = "1960-05-14", gender: str = "female") -> dict[str, object]:
    return {
        "fullUrl": "urn:uuid:patient-1",
        "resource": {"resourceType": "Patient", "id": "p1", "gender": gender, "birthDate": birth},
    }


def observation(
    code: str, value: float, unit: str, when: str, status: str = "final"
) -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "Observation",
            "status": status,
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        }
    }


def medication_request(name: str, status: str = "active") -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "MedicationRequest",
            "status": status,
            "intent": "order",
            "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": {"text": name},
        }
    }


def condition(text: str, status: str = "active") -> dict[str, object]:
    clinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    return {
        "resource": {
            "resourceType": "Condition",
            "clinicalStatus": {"coding": [{"system": clinical, "code": status}]},
            "subject": {"reference": "Patient/p1"},
            "code": {"text": text},
        }
    }


def bundle(*entries: dict[str, object]) -> dict[str, object]:
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}


GRADE_4_ON_PALBOCICLIB = bundle(
    patient(),
    observation("751-8", 0.4, "10*3/uL", "2026-11-20T08:30:00Z"),
    observation("8310-5", 37.1, "Cel", "2026-11-20T08:30:00Z"),
    medication_request("palbociclib"),
    medication_request("letrozole"),
    condition("Breast cancer"),
)

FEVER_ON_RIBOCICLIB = bundle(
    patient("1971-02-03"),
    observation("26499-4", 0.3, "10*9/L", "2026-11-21T22:00:00+01:00"),
    observation("8310-5", 38.6, "Cel", "2026-11-21T22:00:00+01:00"),
    medication_request("ribociclib"),
)
