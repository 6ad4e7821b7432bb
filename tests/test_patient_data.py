"""Patient data from a patient file, from a FHIR R4 Bundle, and merged with precedence."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.fhir_builders import (
    FEVER_ON_RIBOCICLIB,
    GRADE_4_ON_PALBOCICLIB,
)
from tests.fhir_builders import (
    bundle as _bundle,
)
from tests.fhir_builders import (
    condition as _condition,
)
from tests.fhir_builders import (
    medication_request as _medication_request,
)
from tests.fhir_builders import (
    observation as _observation,
)
from tests.fhir_builders import (
    patient as _patient,
)

from curbside.patient.errors import PatientDataError
from curbside.patient.fhir import from_fhir_bundle
from curbside.patient.file import load_patient_file
from curbside.patient.merge import merge
from curbside.patient.model import PatientData, Reading


def test_grade_4_neutropenia_on_palbociclib(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(GRADE_4_ON_PALBOCICLIB))
    data = from_fhir_bundle(path)
    assert data.anc is not None and data.anc.value == 400
    assert data.anc.taken is not None and data.anc.taken.date() == date(2026, 11, 20)
    assert data.temperature is not None and data.temperature.value == 37.1
    assert data.sex == "female"
    assert data.age_years == 66  # on 2026-11-20, the newest observation
    assert data.medications == ["palbociclib", "letrozole"]
    assert data.conditions == ["Breast cancer"]
    assert data.origin["anc"] == data.origin["medications"] == "fhir"
    assert data.warnings == []
    # The same Bundle as a dict and as JSON text.
    assert from_fhir_bundle(GRADE_4_ON_PALBOCICLIB) == data
    assert from_fhir_bundle(json.dumps(GRADE_4_ON_PALBOCICLIB)) == data


def test_fever_on_ribociclib() -> None:
    data = from_fhir_bundle(FEVER_ON_RIBOCICLIB)
    assert data.anc is not None and data.anc.value == 300
    assert data.temperature is not None and data.temperature.value == 38.6
    assert data.medications == ["ribociclib"]
    assert data.age_years == 55


def test_wbc_and_differential_without_anc() -> None:
    when = "2026-11-19T07:00:00Z"
    data = from_fhir_bundle(
        _bundle(
            _observation("6690-2", 2.0, "10*3/uL", when),
            _observation("770-8", 20, "%", when),
            _observation("764-1", 5, "%", when),
            _observation("6690-2", 3.1, "10*3/uL", "2026-11-01T07:00:00Z"),
        )
    )
    assert data.anc is None  # the engine computes it from one draw
    assert data.wbc is not None and data.wbc.value == 2000
    assert (data.neutrophil_percent, data.band_percent) == (20, 5)
    assert data.warnings == []


def test_differential_without_its_wbc_is_not_used() -> None:
    data = from_fhir_bundle(
        _bundle(
            _observation("6690-2", 2.0, "10*3/uL", "2026-11-19T07:00:00Z"),
            _observation("770-8", 20, "%", "2026-11-12T07:00:00Z"),
        )
    )
    assert data.wbc is not None and data.neutrophil_percent is None
    assert any("no WBC was taken with it" in w for w in data.warnings)


def test_anc_with_percent_unit_is_rejected_with_a_warning() -> None:
    data = from_fhir_bundle(_bundle(_observation("751-8", 45, "%", "2026-11-20T08:00:00Z")))
    assert data.anc is None
    assert len(data.warnings) == 1 and "percentage, not an absolute count" in data.warnings[0]


def test_unknown_unit_goes_to_warnings() -> None:
    data = from_fhir_bundle(_bundle(_observation("751-8", 4, "mmol/L", "2026-11-20T08:00:00Z")))
    assert data.anc is None and "unknown count unit" in data.warnings[0]


def test_newest_observation_wins_and_cancelled_is_ignored() -> None:
    data = from_fhir_bundle(
        _bundle(
            _observation("751-8", 900, "/uL", "2026-11-20T08:00:00Z"),
            _observation("751-8", 0.4, "10*9/L", "2026-11-10T08:00:00Z"),
            _observation("751-8", 50, "/uL", "2026-11-22T08:00:00Z", status="cancelled"),
            _observation("751-8", 60, "/uL", "2026-11-23T08:00:00Z", status="entered-in-error"),
        )
    )
    assert data.anc is not None and data.anc.value == 900
    assert data.anc.as_written == "900 /uL"


def test_medications_by_reference_and_status() -> None:
    medication: dict[str, object] = {
        "fullUrl": "urn:uuid:med-1",
        "resource": {
            "resourceType": "Medication",
            "id": "med-1",
            "code": {
                "coding": [
                    {
                        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                        "code": "1873916",
                        "display": "ribociclib",
                    }
                ]
            },
        },
    }
    by_reference: dict[str, object] = {
        "resource": {
            "resourceType": "MedicationStatement",
            "status": "active",
            "subject": {"reference": "Patient/p1"},
            "medicationReference": {"reference": "Medication/med-1"},
        }
    }
    data = from_fhir_bundle(
        _bundle(
            medication,
            by_reference,
            _medication_request("Letrozole", status="on-hold"),
            _medication_request("tamoxifen", status="stopped"),
            _condition("Hypertension", status="resolved"),
        )
    )
    assert data.medications == ["ribociclib", "Letrozole"]
    assert data.conditions == []


@pytest.mark.parametrize(
    ("bundle", "says"),
    [
        ({"resourceType": "Bundel", "type": "collection"}, "Bundel"),
        (_bundle({"resource": {"resourceType": "Patinet", "id": "p1"}}), "Patinet"),
        (_bundle(_patient(birth="1960-13-45")), "birthDate"),
        ({"resourceType": "Bundle"}, "type"),
        ("{not json", "JSON"),
    ],
)
def test_invalid_bundle_is_refused(bundle: dict[str, object] | str, says: str) -> None:
    with pytest.raises(PatientDataError, match=says):
        from_fhir_bundle(bundle)


def test_two_patients_are_refused() -> None:
    with pytest.raises(PatientDataError, match="2 Patient"):
        from_fhir_bundle(_bundle(_patient(), _patient("1971-02-03", "male")))


# ---------------------------------------------------------------------------------------------
# Patient files

PATIENT_YAML = """\
age: 65
sex: female
anc: "0.4 x10^9/L"
wbc: 2.0 x10^9/L
neutrophils: 20%        # segmented, percent of WBC
bands: 5%
temperature: 101.5 F
fever_sustained_1h: false
medications: [palbociclib, letrozole]
conditions: [breast cancer]
mascc: {burden_of_illness: mild, hypotension: false, copd: false, tumour: solid,
        dehydration: false, outpatient: true}
cisne: {ecog: 1, stress_hyperglycemia: false, chronic_cardiovascular_disease: false,
        mucositis_grade: 0, monocytes: "300/uL"}
"""

PATIENT_JSON = {
    "age": 65,
    "sex": "female",
    "anc": {"value": 400, "unit": "cells/uL"},
    "wbc": "2000 /mm3",
    "neutrophils": "20 %",
    "bands": {"value": 5, "unit": "%"},
    "temperature": {"value": 101.5, "unit": "F"},
    "fever_sustained_1h": False,
    "medications": ["palbociclib", "letrozole"],
    "conditions": ["breast cancer"],
    "mascc": {
        "burden_of_illness": "mild",
        "hypotension": False,
        "copd": False,
        "tumour": "solid",
        "dehydration": False,
        "outpatient": True,
    },
    "cisne": {
        "ecog": 1,
        "stress_hyperglycemia": False,
        "chronic_cardiovascular_disease": False,
        "mucositis_grade": 0,
        "monocytes": "0.3 G/L",
    },
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _values(data: PatientData) -> dict[str, object]:
    """The data without what differs between two spellings (as written)."""
    dumped = data.model_dump(exclude={"warnings"})
    for field in ("anc", "wbc", "monocytes", "temperature"):
        dumped[field] = dumped[field]["value"]
    return dumped


def test_yaml_and_json_files_give_the_same_data(tmp_path: Path) -> None:
    from_yaml = load_patient_file(_write(tmp_path, "p.yaml", PATIENT_YAML))
    from_json = load_patient_file(_write(tmp_path, "p.json", json.dumps(PATIENT_JSON)))
    assert _values(from_yaml) == _values(from_json)
    assert from_yaml.anc == Reading(value=400, as_written="0.4 x10^9/L")
    assert from_yaml.wbc is not None and from_yaml.wbc.value == 2000
    assert from_yaml.monocytes is not None and from_yaml.monocytes.value == 300
    assert from_yaml.temperature is not None and from_yaml.temperature.value == 38.61
    assert (from_yaml.neutrophil_percent, from_yaml.band_percent) == (20, 5)
    assert (from_yaml.tumour, from_yaml.ecog, from_yaml.outpatient) == ("solid", 1, True)
    assert set(from_yaml.origin.values()) == {"file"}
    assert "anc" in from_yaml.origin and "prior_fungal_infection" not in from_yaml.origin


@pytest.mark.parametrize(
    ("written", "per_ul"),
    [
        ("0.4 x10^9/L", 400),
        ("400/uL", 400),
        ("400 cells/µL", 400),
        ("0.4 10*3/uL", 400),
        ("1.2 K/uL", 1200),
        ("350 /mm3", 350),
        ("0.5 G/L", 500),
    ],
)
def test_count_units_are_converted(tmp_path: Path, written: str, per_ul: float) -> None:
    data = load_patient_file(_write(tmp_path, "p.yaml", f"anc: {written}\n"))
    assert data.anc is not None and data.anc.value == per_ul


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("anc: 45%\n", "anc", "percentage, not an absolute count"),
        ("anc: 400\n", "anc", "no unit"),
        ("anc: 1,200/uL\n", "anc", "thousands separator"),
        ("anc: 0.4 mmol/L\n", "anc", "unknown count unit"),
        ("anc: 900 x10^9/L\n", "anc", "not possible"),
        ("neutrophils: 0.4 x10^9/L\n", "neutrophils", "not a percentage"),
        ("neutrophils: 120%\n", "neutrophils", "0 to 100"),
        ("temperature: 60 C\n", "temperature", "not possible"),
        ("age: -3\n", "age", "outside"),
        ("age: sixty\n", "age", "expected a number"),
        ("sex: woman\n", "sex", "expected one of"),
        ("fever_sustained_1h: maybe\n", "fever_sustained_1h", "true or false"),
        ("medications: palbociclib\n", "medications", "list of names"),
        ("cisne: {ecog: 7}\n", "cisne.ecog", "outside"),
        ("cisne: {ecog: 1.5}\n", "cisne.ecog", "whole number"),
        ("mascc: mild\n", "mascc", "expected a mapping"),
        ("temprature: 38 C\n", "temprature", "did you mean 'temperature'"),
        ("ecog: 1\n", "ecog", "belongs under 'cisne'"),
        ("weight: 70 kg\n", "weight", "unknown key 'weight'"),
    ],
)
def test_bad_values_are_refused_naming_file_and_field(
    tmp_path: Path, text: str, field: str, says: str
) -> None:
    path = _write(tmp_path, "patient.yaml", text)
    with pytest.raises(PatientDataError, match=says) as caught:
        load_patient_file(path)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{path}: {field}: ")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("p.yaml", "anc: [unclosed\n"),
        ("p.yaml", "!!python/object/apply:os.system ['echo hacked']\n"),
        ("p.yaml", "anc: 400/uL\nanc: 900/uL\n"),
        ("p.yaml", "- just\n- a list\n"),
        ("p.yaml", ""),
        ("p.json", '{"anc": "400/uL",}'),
        ("p.json", '{"anc": "400/uL", "anc": "900/uL"}'),
        ("p.txt", "anc: 400/uL\n"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, name: str, content: str) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(PatientDataError, match=str(path)):
        load_patient_file(path)


def test_binary_and_huge_and_missing_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "p.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    huge = _write(tmp_path, "huge.yaml", "conditions:\n" + "- x\n" * 100_000)
    for path in (binary, huge, tmp_path / "missing.yaml"):
        with pytest.raises(PatientDataError, match=str(path)):
            load_patient_file(path)


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    levels = ["&l0 [" + ", ".join(["lol"] * 9) + "]"]
    levels += [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    path = _write(tmp_path, "p.yaml", "medications: [" + ", ".join(levels) + "]\n")
    with pytest.raises(PatientDataError, match="list of names"):
        load_patient_file(path)


# ---------------------------------------------------------------------------------------------
# Merge


def test_merge_precedence_and_conflict_warning() -> None:
    question = PatientData(
        anc=Reading(value=400, as_written="400/µL"),
        medications=["Palbociclib"],
        origin={"anc": "question", "medications": "question"},
    )
    fhir = from_fhir_bundle(
        _bundle(
            _patient(),
            _observation("751-8", 900, "/uL", "2026-11-20T08:00:00Z"),
            _observation("8310-5", 37.1, "Cel", "2026-11-20T08:00:00Z"),
            _medication_request("palbociclib"),
            _medication_request("letrozole"),
        )
    )
    patient_file = PatientData(
        age_years=65,
        conditions=["breast cancer"],
        medications=["Letrozole", "denosumab"],
        origin={"age_years": "file", "conditions": "file", "medications": "file"},
    )
    merged = merge(question, patient_file, fhir)
    assert merged.anc is not None and merged.anc.value == 400
    assert merged.origin["anc"] == "question"
    assert merged.age_years == 65 and merged.origin["age_years"] == "file"
    assert merged.temperature is not None and merged.origin["temperature"] == "fhir"
    assert merged.sex == "female" and merged.origin["sex"] == "fhir"
    assert merged.medications == ["Palbociclib", "Letrozole", "denosumab"]
    assert merged.origin["medications"] == "question"
    assert merged.conditions == ["breast cancer"]
    assert merged.warnings == [
        "Age: the patient file's 65 years was used over the FHIR record's 66 years",
        "ANC: the question's 400/µL was used over the FHIR record's 900/µL (2026-11-20)",
    ]


def test_merge_of_equal_values_says_nothing() -> None:
    a = PatientData(anc=Reading(value=400, as_written="400/uL"), origin={"anc": "question"})
    b = PatientData(anc=Reading(value=400, as_written="0.4 x10^9/L"), origin={"anc": "file"})
    merged = merge(a, b)
    assert merged.anc == a.anc and merged.warnings == []
    assert merge() == PatientData()


def test_a_leukaemic_white_count_is_read(tmp_path: Path) -> None:
    record = _write(tmp_path, "p.yaml", "wbc: 250 x10^9/L\nneutrophils: 2%\n")
    data = load_patient_file(record)
    assert data.wbc is not None and data.wbc.value == 250_000
