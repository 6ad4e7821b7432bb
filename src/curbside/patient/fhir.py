"""Read a patient's record from a FHIR R4 Bundle (validated with fhir.resources, R4B models).

What is read:

* Patient: ``birthDate`` gives the age in whole years at the newest observation used (today when
  there is none); ``gender`` gives the sex. A Bundle with two Patient resources is refused.
* Observation (status final, amended, corrected or preliminary), by LOINC code, the most recent
  of each by ``effectiveDateTime``/``effectiveInstant``/``effectivePeriod`` (end, else start),
  else ``issued``, from ``valueQuantity`` (its UCUM ``code``, else its ``unit``):

  ========================  ===============  =====================================
  field                     LOINC            unit
  ========================  ===============  =====================================
  anc                       751-8, 26499-4   10*3/uL, 10*9/L, /uL, cells/uL, /mm3
  wbc                       6690-2, 26464-8  as anc
  monocytes (CISNE)         742-7, 26484-6   as anc
  neutrophil_percent        770-8, 26511-6   %
  band_percent              764-1, 26508-2   %
  temperature               8310-5           Cel, [degF]
  ========================  ===============  =====================================

  A count coded with a '%' unit (an "ANC" that is a percentage) is never taken: it goes to
  ``warnings``, as do unknown units, missing values and impossible sizes. The neutrophil and band
  percentages are kept only with the WBC taken at the same time, so that the engine can compute
  the ANC from one blood draw; when there is no ANC, the newest draw that has a WBC and a
  neutrophil percentage is the one given.
* MedicationRequest (active, on-hold) and MedicationStatement (active, intended, on-hold): the
  name from ``medicationCodeableConcept`` (text, else a coding's display), or from the Medication
  that ``medicationReference`` points to (in the Bundle or contained).
* Condition (clinicalStatus active, recurrence or relapse; not refuted or entered in error): the
  ``code`` text, else a coding's display.

``origin`` is "fhir" for each field set. An invalid Bundle raises PatientDataError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from curbside.clinical.units import UnitError
from curbside.patient.errors import PatientDataError
from curbside.patient.merge import format_value, label, union
from curbside.patient.model import PatientData, Reading
from curbside.patient.readings import count_reading, is_percent_unit, temperature_reading

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
MAX_BUNDLE_BYTES = 64 * 1024 * 1024

_FIELD_BY_LOINC = {
    "751-8": "anc",
    "26499-4": "anc",
    "6690-2": "wbc",
    "26464-8": "wbc",
    "742-7": "monocytes",
    "26484-6": "monocytes",
    "770-8": "neutrophil_percent",
    "26511-6": "neutrophil_percent",
    "764-1": "band_percent",
    "26508-2": "band_percent",
    "8310-5": "temperature",
}
_PERCENTS = ("neutrophil_percent", "band_percent")
_USABLE_OBSERVATION = {"final", "amended", "corrected", "preliminary"}
_USABLE_REQUEST = {"active", "on-hold"}
_USABLE_STATEMENT = {"active", "intended", "on-hold"}
_USABLE_CONDITION = {"active", "recurrence", "relapse"}
_UNCONFIRMED_CONDITION = {"refuted", "entered-in-error"}
_SEXES = {"female", "male", "other", "unknown"}


@dataclass(frozen=True)
class _Measure:
    """One usable Observation: the field it fills and its reading (a percent is a bare number)."""

    field: str
    reading: Reading

    @property
    def when(self) -> datetime:
        return self.reading.taken or datetime.min.replace(tzinfo=UTC)


def from_fhir_bundle(
    bundle: dict[str, object] | str | Path, *, today: date | None = None
) -> PatientData:
    """PatientData from a FHIR R4 Bundle: a dict, JSON text, or the path of a JSON file.

    `today` is the reference date for the age when the Bundle has no dated observation.
    """
    parsed, source = _validate(bundle)
    resources: list[Any] = [e.resource for e in parsed.entry or [] if e.resource is not None]
    index = _index(parsed.entry or [])
    warnings: list[str] = []
    values: dict[str, object] = {}

    measures = [m for r in resources if isinstance(r, Observation) for m in _measure(r, warnings)]
    measures.sort(key=lambda m: m.when)
    series = [m.reading for m in measures if m.field == "anc" and m.reading.taken is not None]
    if len(series) > 1:
        values["anc_series"] = series
    for measure in _choose(measures, warnings).values():
        reading = measure.reading
        values[measure.field] = reading.value if measure.field in _PERCENTS else reading

    patients = [r for r in resources if isinstance(r, Patient)]
    if len(patients) > 1:
        raise PatientDataError(
            f"holds {len(patients)} Patient resources: give one patient's record", source=source
        )
    if patients:
        dated = [m.when for m in measures if m.reading.taken is not None]
        on = max(dated).date() if dated else today or date.today()
        values.update(_demographics(patients[0], on, warnings))

    medications = [_medication(r, index, warnings) for r in resources if _is_current_medicine(r)]
    values["medications"] = union(name for name in medications if name)
    conditions = [_condition(r, warnings) for r in resources if isinstance(r, Condition)]
    values["conditions"] = union(name for name in conditions if name)

    origin = {field: "fhir" for field, value in values.items() if value not in (None, [])}
    return PatientData.model_validate({**values, "origin": origin, "warnings": warnings})


# ---------------------------------------------------------------------------------------------
# Validation


def _validate(bundle: dict[str, object] | str | Path) -> tuple[Any, str]:
    """The validated Bundle and the name of its source for error messages."""
    source = "FHIR Bundle"
    data: object = bundle
    if isinstance(bundle, Path) or (
        isinstance(bundle, str) and bundle.lstrip()[:1] not in ("{", "[")
    ):
        path = Path(bundle)
        source = str(path)
        try:
            if path.stat().st_size > MAX_BUNDLE_BYTES:
                raise PatientDataError("is too large for a FHIR Bundle", source=source)
            data = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise PatientDataError(f"cannot be read ({exc})", source=source) from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise PatientDataError(f"is not valid JSON: {exc}", source=source) from None
    try:
        return Bundle.model_validate(data), source
    except ValidationError as exc:
        raise PatientDataError(_short(exc), source=source) from None
    except KeyError as exc:  # fhir.resources looks an entry's resourceType up in a table
        match = re.search(r"\.(\w+)Type'?$", str(exc))
        what = f"'{match.group(1)}'" if match else str(exc)
        raise PatientDataError(f"unknown FHIR resource type {what}", source=source) from None
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        message = f"failed FHIR validation: {exc}"
        raise PatientDataError(message[:300], source=source) from None


def _short(exc: ValidationError, shown: int = 3) -> str:
    errors = exc.errors()
    parts = []
    for error in errors[:shown]:
        where = ".".join(str(part) for part in error["loc"]) or "Bundle"
        parts.append(f"{where}: {' '.join(error['msg'].split())}"[:200])
    more = f" (and {len(errors) - shown} more)" if len(errors) > shown else ""
    return "failed FHIR validation: " + "; ".join(parts) + more


def _index(entries: Iterable[Any]) -> dict[str, Any]:
    """Resources by the references that can point at them: fullUrl and Type/id."""
    index: dict[str, Any] = {}
    for entry in entries:
        resource = entry.resource
        if resource is None:
            continue
        if entry.fullUrl:
            index[str(entry.fullUrl)] = resource
        if resource.id:
            index[f"{resource.get_resource_type()}/{resource.id}"] = resource
    return index


# ---------------------------------------------------------------------------------------------
# Observations


def _measure(observation: Any, warnings: list[str]) -> list[_Measure]:
    """The observation as a measure of one field: none if unusable, with a warning if unread."""
    field = _loinc_field(observation.code)
    if field is None or observation.status not in _USABLE_OBSERVATION:
        return []
    taken = _observation_time(observation)
    on = f" ({taken.date().isoformat()})" if taken else ""
    quantity = observation.valueQuantity
    if quantity is None or quantity.value is None:
        warnings.append(f"{label(field)}: an observation{on} has no numeric value; not used")
        return []
    value = float(quantity.value)
    unit: str = quantity.code if quantity.code and quantity.system in (None, UCUM) else ""
    unit = unit or quantity.unit or quantity.code or ""
    written = f"{quantity.comparator or ''}{value:g} {quantity.unit or unit}".strip()
    try:
        if not unit:
            raise UnitError(f"{written} has no unit")
        reading = _READERS[field](value, unit, written, taken)
    except ValueError as exc:  # UnitError, or a value the Reading refuses
        warnings.append(f"{label(field)}: {exc}{on}; not used")
        return []
    if quantity.comparator:
        warnings.append(f"{label(field)}: {written}{on} is a bound, not an exact value")
    return [_Measure(field, reading)]


def _loinc_field(code: Any) -> str | None:
    for coding in code.coding or []:
        if coding.system in (None, LOINC) and coding.code in _FIELD_BY_LOINC:
            return _FIELD_BY_LOINC[coding.code]
    return None


def _percent_reading(value: float, unit: str, written: str, taken: datetime | None) -> Reading:
    if not is_percent_unit(unit):
        raise UnitError(f"{written} is not a percentage")
    if not 0 <= value <= 100:
        raise UnitError(f"{written} is not a percentage from 0 to 100")
    return Reading(value=value, as_written=written, taken=taken)


def _count(value: float, unit: str, written: str, taken: datetime | None) -> Reading:
    return count_reading(value, unit, as_written=written, taken=taken)


def _temperature(value: float, unit: str, written: str, taken: datetime | None) -> Reading:
    return temperature_reading(value, unit, as_written=written, taken=taken)


_READERS: dict[str, Callable[[float, str, str, datetime | None], Reading]] = {
    "anc": _count,
    "wbc": _count,
    "monocytes": _count,
    "neutrophil_percent": _percent_reading,
    "band_percent": _percent_reading,
    "temperature": _temperature,
}


def _observation_time(observation: Any) -> datetime | None:
    period = observation.effectivePeriod
    for value in (
        observation.effectiveDateTime,
        observation.effectiveInstant,
        period.end or period.start if period is not None else None,
        observation.issued,
    ):
        if value is not None:
            return _as_datetime(value)
    return None


def _as_datetime(value: datetime | date | str) -> datetime:
    """A FHIR dateTime (aware), date, or partial date ("2026", "2026-11") as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    year, month = (int(part) for part in ([*value.split("-"), "1"][:2]))
    return datetime(year, month, 1, tzinfo=UTC)


def _choose(measures: list[_Measure], warnings: list[str]) -> dict[str, _Measure]:
    """The newest measure of each field, with the percentages kept only beside their WBC.

    `measures` is sorted oldest first. When there is no ANC, the WBC is the newest one that has
    a neutrophil percentage taken with it, so that the ANC can be computed from one draw.
    """
    chosen = {m.field: m for m in measures}
    draws: dict[datetime, dict[str, _Measure]] = {}
    for m in measures:
        if m.field in ("wbc", *_PERCENTS) and m.reading.taken is not None:
            draws.setdefault(m.when, {})[m.field] = m
    complete = [when for when, draw in draws.items() if {"wbc", "neutrophil_percent"} <= set(draw)]
    anc = chosen.get("anc")
    if complete and anc is None:
        paired = draws[max(complete)]["wbc"]
        if chosen["wbc"] is not paired:
            warnings.append(
                f"WBC: the newer {_describe(chosen['wbc'])} has no neutrophil percentage with it;"
                f" the WBC of {_describe(paired)} and its differential are given"
            )
        chosen["wbc"] = paired
    elif complete and anc is not None and anc.when < max(complete):
        warnings.append(
            f"ANC: the newest ANC, {_describe(anc)}, is older than the WBC and differential "
            f"of {max(complete).date().isoformat()}"
        )
    wbc = chosen.get("wbc")
    draw = draws.get(wbc.when, {}) if wbc is not None and wbc.reading.taken else {}
    for field in _PERCENTS:
        if field in draw:
            chosen[field] = draw[field]
        elif field in chosen:
            unpaired = chosen.pop(field)
            warnings.append(
                f"{label(field)}: {_describe(unpaired)} was not used: no WBC was taken with it"
            )
    return chosen


def _describe(measure: _Measure) -> str:
    return format_value(measure.field, measure.reading)


# ---------------------------------------------------------------------------------------------
# Patient, medicines, conditions


def _demographics(patient: Any, on: date, warnings: list[str]) -> dict[str, object]:
    values: dict[str, object] = {}
    if patient.gender in _SEXES:
        values["sex"] = str(patient.gender)
    birth = patient.birthDate
    if birth is None:
        return values
    born = _as_datetime(birth).date()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if not 0 <= age <= 130:
        warnings.append(f"Age: a birth date of {birth} gives an impossible age on {on}; not used")
        return values
    if isinstance(birth, str):
        warnings.append(f"Age: from a partial birth date ({birth}), so approximate")
    values["age_years"] = float(age)
    return values


def _is_current_medicine(resource: Any) -> bool:
    if isinstance(resource, MedicationRequest):
        return resource.status in _USABLE_REQUEST
    if isinstance(resource, MedicationStatement):
        return resource.status in _USABLE_STATEMENT
    return False


def _medication(resource: Any, index: dict[str, Any], warnings: list[str]) -> str | None:
    concept = resource.medicationCodeableConcept
    reference = resource.medicationReference
    name = _concept_name(concept)
    if name is None and reference is not None:
        medication = _resolve(reference.reference, resource, index)
        name = _concept_name(medication.code if medication is not None else None)
        name = name or (str(reference.display) if reference.display else None)
    if name is None:
        kind = resource.get_resource_type()
        warnings.append(f"Medications: a {kind} ({resource.status}) names no medicine; not used")
    return name


def _resolve(reference: str | None, holder: Any, index: dict[str, Any]) -> Any:
    """The resource a reference points to: contained ("#id"), a fullUrl, or Type/id."""
    if not reference:
        return None
    if reference.startswith("#"):
        contained = holder.contained or []
        return next((r for r in contained if r.id == reference[1:]), None)
    reference = reference.split("/_history/")[0]
    return index.get(reference) or index.get("/".join(reference.split("/")[-2:]))


def _condition(condition: Any, warnings: list[str]) -> str | None:
    if not _codes(condition.clinicalStatus) & _USABLE_CONDITION:
        return None
    if _codes(condition.verificationStatus) & _UNCONFIRMED_CONDITION:
        return None
    name = _concept_name(condition.code)
    if name is None:
        warnings.append("Conditions: an active Condition has no text or display; not used")
    return name


def _codes(concept: Any) -> set[str]:
    return {str(c.code) for c in (concept.coding or []) if c.code} if concept is not None else set()


def _concept_name(concept: Any) -> str | None:
    """A CodeableConcept's text, else its first coding's display."""
    if concept is None:
        return None
    if concept.text and str(concept.text).strip():
        return str(concept.text).strip()
    displays = [str(c.display).strip() for c in concept.coding or [] if c.display]
    return next((d for d in displays if d), None)
