"""Read a patient file: a small JSON or YAML record that a clinician writes by hand.

The file's extension picks the syntax (``.json``, ``.yaml`` or ``.yml``). Every key is optional,
an unknown key is refused, and a count must carry its unit. Example (YAML)::

    age: 65                        # years
    sex: female                    # female, male, other or unknown
    anc: 0.4 x10^9/L               # or 400/uL, 400 cells/mm3, 0.4 G/L, {value: 400, unit: cells/uL}
    wbc: 2.0 x10^9/L
    neutrophils: 20%               # segmented neutrophils, as a percentage of the WBC
    bands: 5%                      # band neutrophils, as a percentage of the WBC
    temperature: 38.6 C            # or 101.5 F; a bare 38.6 is read as °C and a bare 101.5 as °F
    fever_sustained_1h: false      # 38.0 °C or more for an hour
    anc_expected_below_500: true   # within the next 48 hours
    medications: [palbociclib, letrozole]
    conditions: [breast cancer]
    mascc: {burden_of_illness: mild, hypotension: false, copd: false, tumour: solid,
            prior_fungal_infection: false, dehydration: false, outpatient: true}
    cisne: {ecog: 1, stress_hyperglycemia: false, chronic_cardiovascular_disease: false,
            mucositis_grade: 0, monocytes: 300/uL}

The same in JSON is ``{"age": 65, "anc": "0.4 x10^9/L", "mascc": {"tumour": "solid"}, ...}``.

Values:

* counts (``anc``, ``wbc``, ``cisne.monocytes``): a number and a unit, as text (``"0.4 x10^9/L"``)
  or as ``{value: 0.4, unit: x10^9/L, taken: 2026-11-20}`` (``taken`` is optional). They are
  converted to cells/µL. A bare number is refused (400 and 0.4 differ by a factor of 1,000), and
  so is a percentage: ``anc: 45%`` is an error, because a share of the white cells is not a count.
* percentages (``neutrophils``, ``bands``): ``20%`` or ``{value: 20, unit: "%"}``, 0 to 100.
* ``temperature``: ``38.6 C``, ``101.5 F``, ``{value: 38.6, unit: C}``; converted to °C.
* ``age``: a number of years; ``mascc.burden_of_illness``: none, mild, moderate or severe;
  ``mascc.tumour``: solid or hematologic; ``cisne.ecog``: 0 to 4; ``cisne.mucositis_grade``: 0 to 5;
  the other ``mascc``/``cisne`` keys and the fever keys: true or false.
* ``medications``, ``conditions``: lists of names.

A key with nothing after it (``anc:``) is ignored. Anything else (bad syntax, a key written
twice, a wrong type, an impossible value) raises `PatientDataError` naming the file and the key.
YAML is read with the safe loader only.

The reading helpers at the end (`count_reading`, `temperature_reading`) are shared with the FHIR
reader: they accept the UCUM spellings FHIR uses (``10*3/uL``, ``{cells}/uL``, ``Cel``,
``[degF]``) as well as the everyday ones.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import reprlib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from curbside.clinical.units import (
    infer_temperature_unit,
)
from curbside.patient.errors import PatientDataError
from curbside.patient.model import PatientData, Reading
from curbside.patient.readings import count_reading, is_percent_unit, temperature_reading

MAX_FILE_BYTES = 256 * 1024
_YAML_SUFFIXES = {".yaml", ".yml"}

Parser = Callable[[object], object]
"""Turns a value as written in the file into the PatientData value; raises ValueError."""
_Spec = tuple[str, Parser]
"""A key's PatientData field and its parser."""
_Table = Mapping[str, _Spec | Mapping[str, _Spec]]
"""The keys of one mapping of the file; a nested table is a group (mascc, cisne)."""


def load_patient_file(path: Path) -> PatientData:
    """Read a JSON or YAML patient file into PatientData; raise PatientDataError if malformed."""
    path = Path(path)
    document = _read_document(path)
    if not isinstance(document, dict):
        raise PatientDataError(
            "expected a mapping of keys such as age, anc, medications", source=path
        )
    values = _parse_mapping(document, _KEYS, path, prefix="")
    origin = dict.fromkeys(values, "file")
    try:
        return PatientData.model_validate({**values, "origin": origin})
    except ValidationError as exc:  # the parsers check ranges first; this is a backstop
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise PatientDataError(first["msg"], source=path, field=field) from None


# ---------------------------------------------------------------------------------------------
# Reading the document


def _read_document(path: Path) -> object:
    suffix = path.suffix.lower()
    if suffix not in _YAML_SUFFIXES | {".json"}:
        raise PatientDataError("unknown file type: use .json, .yaml or .yml", source=path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PatientDataError(f"cannot be read ({exc.strerror})", source=path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise PatientDataError(
            f"is larger than {MAX_FILE_BYTES // 1024} KiB: not a patient file", source=path
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PatientDataError("is not a UTF-8 text file", source=path) from None
    try:
        if suffix == ".json":
            return json.loads(text, object_pairs_hook=_json_object)
        return yaml.load(text, Loader=_StrictSafeLoader)  # a SafeLoader: no Python objects
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} (line {exc.lineno})"
        raise PatientDataError(message, source=path) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise PatientDataError(f"not valid YAML: {exc.problem}{where}", source=path) from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise PatientDataError(f"cannot be parsed: {exc}", source=path) from None


def _json_object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key '{key}' is written twice")
        result[key] = value
    return result


class _StrictSafeLoader(yaml.SafeLoader):
    """The safe YAML loader, refusing a key written twice in one mapping."""


def _construct_unique_mapping(
    loader: yaml.SafeLoader, node: yaml.MappingNode
) -> dict[object, object]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key: construct_mapping reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key '{key}' is written twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictSafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique_mapping,
)


# ---------------------------------------------------------------------------------------------
# Keys and their parsers


def _parse_mapping(
    document: dict[object, object],
    keys: _Table,
    path: Path,
    prefix: str,
) -> dict[str, object]:
    """Parse one mapping of the file against its table of keys; a nested table is a group."""
    values: dict[str, object] = {}
    for raw_key, raw_value in document.items():
        key = str(raw_key)[:60]
        name = prefix + key
        spec = keys.get(key) if isinstance(raw_key, str) else None
        if spec is None:
            raise PatientDataError(_unknown_key(key, keys), source=path, field=name)
        if raw_value is None:
            continue  # "anc:" with nothing after it: unknown, as if absent
        if isinstance(spec, Mapping):
            if not isinstance(raw_value, dict):
                raise PatientDataError(
                    f"expected a mapping of {', '.join(spec)}", source=path, field=name
                )
            values.update(_parse_mapping(raw_value, spec, path, prefix=name + "."))
            continue
        field, parse = spec
        try:
            values[field] = parse(raw_value)
        except ValueError as exc:
            raise PatientDataError(str(exc), source=path, field=name) from None
    return values


def _unknown_key(key: str, keys: _Table) -> str:
    for group, spec in _KEYS.items():
        if isinstance(spec, Mapping) and key in spec and keys is not spec:
            return f"unknown key '{key}': it belongs under '{group}'"
    close = difflib.get_close_matches(key, list(keys), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f"; known keys: {', '.join(keys)}"
    return f"unknown key '{key}'{hint}"


def _show(value: object) -> str:
    """A value for an error message, shortened (a hostile file can hold a huge structure)."""
    return reprlib.repr(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, not {_show(value)}")
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, not {_show(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{_show(value)} is not a number")
    return float(value)


def _bounded(low: float, high: float, *, whole: bool = False) -> Parser:
    def parse(value: object) -> float | int:
        if whole and not isinstance(value, int):
            raise ValueError(
                f"expected a whole number from {low:g} to {high:g}, not {_show(value)}"
            )
        number = _number(value)
        if not low <= number <= high:
            raise ValueError(f"{number:g} is outside {low:g} to {high:g}")
        return int(number) if whole else number

    return parse


def _choice(*options: str, aliases: Mapping[str, str] | None = None) -> Parser:
    def parse(value: object) -> str:
        word = value.strip().lower() if isinstance(value, str) else ""
        word = (aliases or {}).get(word, word)
        if word not in options:
            raise ValueError(f"expected one of {', '.join(options)}, not {_show(value)}")
        return word

    return parse


def _names(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(
            f"expected a list of names, e.g. [palbociclib, letrozole], not {_show(value)}"
        )
    return [item.strip() for item in value if item.strip()]


_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


def _quantity(value: object) -> tuple[float, str | None, str, datetime | None]:
    """Split a written quantity into (number, unit or None, as written, taken)."""
    if isinstance(value, dict):
        unknown = set(map(str, value)) - {"value", "unit", "taken"}
        if unknown or "value" not in value:
            raise ValueError("expected {value: ..., unit: ..., taken: ...} (taken is optional)")
        number = _number(value["value"])
        unit = value.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise ValueError(f"the unit must be text, not {_show(unit)}")
        taken = _taken(value.get("taken"))
        return number, unit or None, f"{number:g} {unit or ''}".strip(), taken
    if isinstance(value, str):
        if "," in value:
            raise ValueError(
                f"'{value}': write decimals with a point and no thousands separator (1200, 1.2)"
            )
        match = _QUANTITY.match(value)
        if match is None:
            raise ValueError(f"'{value}' is not a number with a unit, e.g. '0.4 x10^9/L'")
        number = _number(float(match.group(1)))
        return number, match.group(2) or None, value.strip(), None
    return _number(value), None, str(value), None


def _taken(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'taken' must be a date such as 2026-11-20, not {_show(value)}")


def _count(value: object) -> Reading:
    number, unit, written, taken = _quantity(value)
    if unit is None:
        raise ValueError(
            f"{written} has no unit: write e.g. '{number:g}/uL' or '{number:g} x10^9/L' "
            "(they differ 1,000-fold)"
        )
    if is_percent_unit(unit):
        raise ValueError(
            f"{written} is a percentage, not an absolute count: give a count with its unit "
            "(e.g. 0.4 x10^9/L), or write the percentage under 'neutrophils' with 'wbc'"
        )
    return count_reading(number, unit, as_written=written, taken=taken)


def _percent(value: object) -> float:
    number, unit, written, _ = _quantity(value)
    if not is_percent_unit(unit):
        what = "has no % sign" if unit is None else "is not a percentage"
        raise ValueError(
            f"{written} {what}: give the share of white cells as e.g. 20% "
            "(an absolute count goes under 'anc')"
        )
    if not 0 <= number <= 100:
        raise ValueError(f"{written} is not a percentage from 0 to 100")
    return number


def _temperature(value: object) -> Reading:
    number, unit, written, taken = _quantity(value)
    if unit is None:
        unit = infer_temperature_unit(number)
        if unit is None:
            raise ValueError(f"{written} is not a body temperature in °C or °F")
    return temperature_reading(number, unit, as_written=written, taken=taken)


_KEYS: _Table = {
    "age": ("age_years", _bounded(0, 130)),
    "sex": (
        "sex",
        _choice("female", "male", "other", "unknown", aliases={"f": "female", "m": "male"}),
    ),
    "anc": ("anc", _count),
    "wbc": ("wbc", _count),
    "neutrophils": ("neutrophil_percent", _percent),
    "bands": ("band_percent", _percent),
    "temperature": ("temperature", _temperature),
    "fever_sustained_1h": ("fever_sustained_1h", _flag),
    "anc_expected_below_500": ("anc_expected_below_500", _flag),
    "medications": ("medications", _names),
    "conditions": ("conditions", _names),
    "mascc": {
        "burden_of_illness": (
            "burden_of_illness",
            _choice("none", "mild", "moderate", "severe"),
        ),
        "hypotension": ("hypotension", _flag),
        "copd": ("copd", _flag),
        "tumour": (
            "tumour",
            _choice(
                "solid",
                "hematologic",
                aliases={"haematologic": "hematologic", "haematological": "hematologic"},
            ),
        ),
        "prior_fungal_infection": ("prior_fungal_infection", _flag),
        "dehydration": ("dehydration", _flag),
        "outpatient": ("outpatient", _flag),
    },
    "cisne": {
        "ecog": ("ecog", _bounded(0, 4, whole=True)),
        "stress_hyperglycemia": ("stress_hyperglycemia", _flag),
        "chronic_cardiovascular_disease": ("chronic_cardiovascular_disease", _flag),
        "mucositis_grade": ("mucositis_grade", _bounded(0, 5, whole=True)),
        "monocytes": ("monocytes", _count),
    },
}
