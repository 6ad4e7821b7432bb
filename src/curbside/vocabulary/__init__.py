"""The vocabulary: YAML files of the words Curbside recognises and frames answers with.

`load_vocabulary()` reads every `*.yaml` file of this folder (and of any extra folders or files),
merges their top-level keys (a key may be given by one file only), validates the result against
`schema.Vocabulary` and checks that ids referred to exist. Every problem is a `VocabularyError`
that names the file and line. `vocabulary()` is the built-in vocabulary, loaded once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from curbside.cachefile import write_cache
from curbside.knowledge.schema import SectionKey
from curbside.vocabulary import schema
from curbside.vocabulary.schema import Term, Vocabulary
from curbside.yamlnodes import Loc, line_of, plain_with_lines

log = logging.getLogger(__name__)
BUILTIN = Path(__file__).parent
# Ids the code itself relies on: the default intent, and the conditions it derives from values.
REQUIRED_INTENTS = ("management",)
REQUIRED_CONDITIONS = ("neutropenia", "febrile-neutropenia")
# Every section key of the knowledge packs needs a heading (the bottom line has none).
REQUIRED_SECTIONS = tuple(k for k in get_args(SectionKey) if k != "bottom-line")


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used, with the file and line at fault."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True)
class Compiled:
    """The vocabulary with its triggers compiled, ready for the understand stage."""

    data: Vocabulary

    def terms(self, terms: list[Term]) -> list[tuple[str, re.Pattern[str]]]:
        return [(t.id, _any(t.triggers)) for t in terms]

    @cached_property
    def conditions(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.terms(list(self.data.conditions))

    @cached_property
    def infections(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.terms(list(self.data.infections))

    @cached_property
    def intents(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.terms(list(self.data.intents))

    @cached_property
    def uncovered(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.terms(list(self.data.uncovered_asks))

    @cached_property
    def populations(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.terms(list(self.data.populations))

    @cached_property
    def settings(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.terms(list(self.data.settings))

    @cached_property
    def phases(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.terms(list(self.data.phases))

    @cached_property
    def instability(self) -> list[tuple[str, re.Pattern[str]]]:
        return self.terms(list(self.data.instability))

    @cached_property
    def blood_count(self) -> re.Pattern[str]:
        return _any(self.data.blood_count)

    @cached_property
    def grade(self) -> re.Pattern[str]:
        return _any(self.data.grade)

    @cached_property
    def febrile(self) -> re.Pattern[str]:
        return _any(self.data.fever.present)

    @cached_property
    def afebrile(self) -> re.Pattern[str]:
        return _any(self.data.fever.absent)

    @cached_property
    def hypothetical_fever(self) -> re.Pattern[str]:
        return _any(self.data.fever.hypothetical)

    @cached_property
    def single_reading(self) -> re.Pattern[str]:
        return _any(self.data.fever.single_reading)

    @cached_property
    def pregnancy_weeks(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.data.pregnancy_weeks]

    def population(self, population_id: str) -> str:
        """How the answer names a population ('pregnancy', 'children')."""
        for population in self.data.populations:
            if population.id == population_id:
                return population.label
        return population_id

    def with_implied(self, population_ids: Iterable[str]) -> list[str]:
        """The populations and those they imply, in vocabulary order."""
        wanted = set(population_ids)
        for population in self.data.populations:
            if population.id in wanted:
                wanted.update(population.implies)
        return [p.id for p in self.data.populations if p.id in wanted]

    @cached_property
    def special_populations(self) -> frozenset[str]:
        return frozenset(p.id for p in self.data.populations if p.special)

    @cached_property
    def intent_ids(self) -> frozenset[str]:
        return frozenset(i.id for i in self.data.intents)


def _load_file(path: Path) -> tuple[dict[str, Any], dict[Loc, int]]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VocabularyError(path, None, f"cannot read the file: {exc}") from exc
    try:
        data, lines = plain_with_lines(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise VocabularyError(
            path, mark.line + 1 if mark else None, f"not valid YAML: {exc.problem or exc}"
        ) from exc
    except ValueError as exc:
        raise VocabularyError(path, None, str(exc)) from exc
    if not isinstance(data, dict):
        raise VocabularyError(path, 1, "a vocabulary file must be a mapping of sections")
    return data, lines


def _files(places: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for place in places:
        if place.is_dir():
            out.extend(sorted(place.glob("*.yaml")))
        elif place.is_file():
            out.append(place)
        else:
            raise VocabularyError(place, None, "no such vocabulary file or folder")
    return out


def load_vocabulary(extra: Iterable[Path] = ()) -> Compiled:
    """Load, merge, validate and cross-check the built-in vocabulary plus `extra` files."""
    merged: dict[str, Any] = {}
    where: dict[str, tuple[Path, dict[Loc, int]]] = {}
    for path in _files([BUILTIN, *extra]):
        data, lines = _load_file(path)
        for key, value in data.items():
            if key in merged:
                first = where[key][0]
                raise VocabularyError(
                    path, lines.get((key,)), f"section '{key}' is already given by {first}"
                )
            merged[key] = value
            where[key] = (path, lines)
    try:
        vocabulary = Vocabulary.model_validate(merged)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        path, lines = where.get(str(loc[0]), (BUILTIN, {})) if loc else (BUILTIN, {})
        field = ".".join(str(p) for p in loc)
        if error["type"] == "extra_forbidden":
            message = f"{field}: unknown key '{loc[-1]}'"
        elif error["type"] == "missing" and len(loc) == 1:
            message = f"the vocabulary has no '{loc[0]}' section"
        else:
            message = f"{field}: {error['msg']}"
        raise VocabularyError(path, line_of(lines, loc), message) from exc
    _cross_check(vocabulary, where)
    return Compiled(vocabulary)


def _cross_check(v: Vocabulary, where: dict[str, tuple[Path, dict[Loc, int]]]) -> None:
    def fail(section: str, loc: Loc, message: str) -> VocabularyError:
        path, lines = where.get(section, (BUILTIN, {}))
        return VocabularyError(path, line_of(lines, (section, *loc)), message)

    for section in ("conditions", "infections", "intents", "populations", "settings", "phases"):
        seen: set[str] = set()
        for i, term in enumerate(getattr(v, section)):
            if term.id in seen:
                raise fail(section, (i, "id"), f"{section}: '{term.id}' is given twice")
            seen.add(term.id)
    intents = {i.id for i in v.intents}
    for required in REQUIRED_INTENTS:
        if required not in intents:
            raise fail("intents", (), f"intents: '{required}' is required")
    conditions = {c.id for c in v.conditions}
    for required in REQUIRED_CONDITIONS:
        if required not in conditions:
            raise fail("conditions", (), f"conditions: '{required}' is required")
    for i, condition in enumerate(v.conditions):
        for j, implied in enumerate(condition.implies):
            if implied not in conditions:
                raise fail(
                    "conditions", (i, "implies", j), f"unknown condition '{implied}' implied"
                )
    populations = {p.id for p in v.populations}
    for i, population in enumerate(v.populations):
        for j, implied in enumerate(population.implies):
            if implied not in populations:
                raise fail(
                    "populations", (i, "implies", j), f"unknown population '{implied}' implied"
                )
    for i, band in enumerate(v.age_bands):
        if band.population not in populations:
            raise fail("age_bands", (i, "population"), f"unknown population '{band.population}'")
    keys = [s.key for s in v.framing.sections]
    missing = [k for k in REQUIRED_SECTIONS if k not in keys]
    if missing:
        raise fail("framing", ("sections",), f"framing.sections: no heading for {missing}")
    for i, key in enumerate(v.framing.patient_order):
        if key not in keys:
            raise fail("framing", ("patient_order", i), f"unknown section '{key}'")
    infections = {t.id for t in v.infections}
    for infection in v.framing.infections:
        if infection not in infections:
            raise fail("framing", ("infections", infection), f"unknown infection '{infection}'")


@cache
def vocabulary() -> Compiled:
    """The built-in vocabulary, loaded once per process: read back from a validated JSON copy
    under CURBSIDE_HOME/cache while the vocabulary files and the code that reads them are
    unchanged (YAML is parsed, and yaml imported, only when they change)."""
    from curbside.settings import Settings

    digest = hashlib.sha256()
    for path in [Path(schema.__file__), Path(__file__), *sorted(BUILTIN.glob("*.yaml"))]:
        digest.update(path.read_bytes())
    cached = Settings().home / "cache" / f"vocabulary-{digest.hexdigest()[:32]}.json"
    try:
        return Compiled(Vocabulary.model_validate_json(cached.read_bytes()))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:  # a damaged copy: parse the YAML again
        log.warning("ignoring the vocabulary cache %s (%s)", cached, exc)
    compiled = load_vocabulary()
    write_cache(cached, compiled.data.model_dump_json(), "vocabulary-")
    return compiled
