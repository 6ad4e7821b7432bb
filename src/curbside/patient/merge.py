"""Merge what the question, the patient file and the FHIR record say about one patient.

Precedence: the parts are given highest first, normally ``merge(question, patient_file, fhir)``:
what the clinician wrote in the question overrides the patient file, which overrides the FHIR
record. For each field the first part that has a value gives it, and ``origin`` follows that
value. Medications and conditions are the union of all parts (first spelling and order kept,
duplicates compared without case). Warnings are kept, and when a lower part gives a different
value for a field that a higher part set, a warning says which was used, e.g. "ANC: the
question's 400/µL was used over the FHIR record's 900/µL (2026-11-20)".
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from curbside.patient.model import Origin, PatientData, Reading

_LISTS = ("medications", "conditions")
_BOOKKEEPING = ("origin", "warnings")
_SOURCE = {
    "question": "the question's",
    "file": "the patient file's",
    "fhir": "the FHIR record's",
    "request": "the request's",
}
_LABELS = {
    "age_years": "Age",
    "anc": "ANC",
    "wbc": "WBC",
    "neutrophil_percent": "Neutrophils",
    "band_percent": "Bands",
    "monocytes": "Monocytes",
    "ecog": "ECOG",
    "copd": "COPD",
}
_UNITS = {
    "age_years": " years",
    "anc": "/µL",
    "wbc": "/µL",
    "monocytes": "/µL",
    "temperature": " °C",
    "neutrophil_percent": "%",
    "band_percent": "%",
}


def merge(*parts: PatientData) -> PatientData:
    """One PatientData from several, highest precedence first (see the module docstring)."""
    values: dict[str, object] = {}
    origin: dict[str, Origin] = {}
    warnings = union(*(part.warnings for part in parts), casefold=False)
    for field in PatientData.model_fields:
        if field in _BOOKKEEPING:
            continue
        if field in _LISTS:
            lists: list[list[str]] = [getattr(part, field) for part in parts]
            values[field] = union(*lists)
            first = next((part for part, names in zip(parts, lists, strict=True) if names), None)
            if first is not None and field in first.origin:
                origin[field] = first.origin[field]
            continue
        given = [(part, getattr(part, field)) for part in parts]
        given = [(part, value) for part, value in given if value is not None]
        if not given:
            continue
        (chosen_part, chosen), *others = given
        values[field] = chosen
        if field in chosen_part.origin:
            origin[field] = chosen_part.origin[field]
        for part, value in others:
            if not _same(chosen, value):
                warnings.append(
                    f"{label(field)}: {_describe(chosen_part, field, chosen)} was used over "
                    f"{_describe(part, field, value)}"
                )
    return PatientData.model_validate({**values, "origin": origin, "warnings": warnings})


def union(*lists: Iterable[str], casefold: bool = True) -> list[str]:
    """The items of all lists in order, each once (compared without case when casefold)."""
    seen: set[str] = set()
    result: list[str] = []
    for items in lists:
        for item in items:
            key = item.strip().casefold() if casefold else item
            if key and key not in seen:
                seen.add(key)
                result.append(item.strip() if casefold else item)
    return result


def label(field: str) -> str:
    """How a field is named in a warning: "ANC", "Temperature", "Mucositis grade"."""
    return _LABELS.get(field, field.replace("_", " ").capitalize())


def format_value(field: str, value: object) -> str:
    """A field's value as a warning shows it: "400/µL (2026-11-20)", "38.6 °C", "yes"."""
    if isinstance(value, Reading):
        unit = _UNITS.get(field, "")
        number = f"{value.value:,.0f}" if unit == "/µL" else f"{value.value:g}"
        when = f" ({value.taken.date().isoformat()})" if value.taken else ""
        return f"{number}{unit}{when}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}{_UNITS.get(field, '')}"
    return f"{value}{_UNITS.get(field, '')}"


def _describe(part: PatientData, field: str, value: object) -> str:
    source = _SOURCE.get(part.origin.get(field, ""), "another source's")
    return f"{source} {format_value(field, value)}"


def _same(a: object, b: object) -> bool:
    if isinstance(a, Reading) and isinstance(b, Reading):
        return math.isclose(a.value, b.value, rel_tol=1e-3, abs_tol=1e-6)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-6)
    return a == b
