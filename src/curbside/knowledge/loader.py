"""Load knowledge packs from YAML, refusing anything malformed with the file and line at fault."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from curbside.knowledge.schema import ADULTS, EVERYONE, Citation, Pack
from curbside.vocabulary import Compiled, vocabulary
from curbside.yamlnodes import Loc, line_of, plain, yaml_loader

BUILTIN_PACKS = Path(__file__).parent / "packs"


class PackError(ValueError):
    """A knowledge pack that cannot be used, with where the problem is."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class LoadedPack:
    """A validated pack with the line of every node, for later cross-checks."""

    path: Path
    pack: Pack
    lines: dict[Loc, int]

    def line(self, loc: Loc) -> int | None:
        return line_of(self.lines, loc)


def _message(error: dict[str, Any]) -> str:
    loc = error["loc"]
    field = ".".join(str(part) for part in loc)
    if loc and loc[-1] == "cite":
        return f"{field}: every statement must cite at least one source"
    if error["type"] == "extra_forbidden":
        return f"{field}: unknown field '{loc[-1]}'"
    return f"{field}: {error['msg']}"


def parse_pack(text: str, path: Path | str = "<pack>") -> LoadedPack:
    """Validate one pack's YAML text. Cross-pack references are checked by `check_references`."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise PackError(path, line, f"not valid YAML: {exc.problem or exc}") from exc
    if node is None:
        raise PackError(path, None, "the file is empty")
    lines: dict[Loc, int] = {}
    try:
        data = plain(node, (), lines)
    except ValueError as exc:
        raise PackError(path, None, str(exc)) from exc
    if not isinstance(data, dict):
        raise PackError(path, 1, "a pack must be a mapping with 'pack', 'title' and 'updated'")
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PackError(path, line_of(lines, tuple(first["loc"])), _message(dict(first))) from exc
    return LoadedPack(Path(path), pack, lines)


def load_pack(path: Path) -> LoadedPack:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(path, None, f"cannot read the file: {exc}") from exc
    return parse_pack(text, path)


def _citations(loaded: LoadedPack) -> Iterator[tuple[Loc, Citation]]:
    for i, drug in enumerate(loaded.pack.drugs):
        for j, citation in enumerate(drug.label.citations):
            yield ("drugs", i, "label", "citations", j), citation
    for i, statement in enumerate(loaded.pack.statements):
        for j, citation in enumerate(statement.cite):
            yield ("statements", i, "cite", j), citation


def check_references(packs: Iterable[LoadedPack]) -> None:
    """Refuse duplicate ids and references to sources, drugs or classes no pack declares."""
    packs = list(packs)
    sources: dict[str, str] = {}
    classes: dict[str, str] = {}
    drugs: dict[str, str] = {}
    statements: dict[str, str] = {}

    def declare(table: dict[str, str], kind: str, key: str, loaded: LoadedPack, loc: Loc) -> None:
        here = f"{loaded.path}:{loaded.line(loc)}"
        if key in table:
            raise PackError(
                loaded.path, loaded.line(loc), f"{kind} '{key}' already declared at {table[key]}"
            )
        table[key] = here

    for loaded in packs:
        p = loaded.pack
        for i, source in enumerate(p.sources):
            declare(sources, "source", source.id, loaded, ("sources", i))
        for i, drug_class in enumerate(p.classes):
            declare(classes, "drug class", drug_class.id, loaded, ("classes", i))
        for i, drug in enumerate(p.drugs):
            declare(drugs, "drug", drug.id, loaded, ("drugs", i))
        for i, statement in enumerate(p.statements):
            declare(statements, "statement", statement.id, loaded, ("statements", i))

    loc: Loc
    for loaded in packs:
        for loc, citation in _citations(loaded):
            if citation.source not in sources:
                raise PackError(
                    loaded.path, loaded.line(loc), f"cites unknown source '{citation.source}'"
                )
        for i, drug in enumerate(loaded.pack.drugs):
            for j, class_id in enumerate(drug.classes):
                if class_id not in classes:
                    loc = ("drugs", i, "classes", j)
                    raise PackError(
                        loaded.path, loaded.line(loc), f"unknown drug class '{class_id}'"
                    )
        for i, statement in enumerate(loaded.pack.statements):
            for field in ("drugs", "with_drugs"):
                for j, drug_id in enumerate(getattr(statement.when, field)):
                    if drug_id not in drugs:
                        loc = ("statements", i, "when", field, j)
                        raise PackError(loaded.path, loaded.line(loc), f"unknown drug '{drug_id}'")
            for j, class_id in enumerate(statement.when.drug_classes):
                if class_id not in classes:
                    loc = ("statements", i, "when", "drug_classes", j)
                    raise PackError(
                        loaded.path, loaded.line(loc), f"unknown drug class '{class_id}'"
                    )


def pack_files(directories: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in directories:
        if directory.is_file():
            files.append(directory)
        elif directory.is_dir():
            files.extend(sorted(directory.glob("*.yaml")))
        else:
            raise PackError(directory, None, "no such knowledge pack file or folder")
    return files


def load_files(files: Iterable[Path]) -> list[LoadedPack]:
    """Load the pack files, cross-checked with each other and with the vocabulary."""
    loaded = [load_pack(path) for path in files]
    check_references(loaded)
    check_terms(loaded, vocabulary())
    return loaded


def load_packs(directories: Iterable[Path]) -> list[LoadedPack]:
    """Load and cross-check every pack under the given folders (or files)."""
    return load_files(pack_files(directories))


def check_terms(packs: Iterable[LoadedPack], vocabulary: Compiled) -> None:
    """Raise PackError (file:line) for the first statement that names an unknown term."""
    v = vocabulary.data
    known = {
        "intents": {i.id for i in v.intents},
        "conditions": {c.id for c in v.conditions},
        "infections": {i.id for i in v.infections},
        "populations": {p.id for p in v.populations} | {EVERYONE, ADULTS},
    }
    for loaded in packs:
        for i, statement in enumerate(loaded.pack.statements):
            when = statement.when
            for field, values in (
                ("intents", when.intents),
                ("conditions", when.conditions),
                ("infections", when.infections),
                ("populations", when.populations),
            ):
                for j, value in enumerate(values):
                    if value not in known[field]:
                        loc = ("statements", i, "when", field, j)
                        kind = field.removesuffix("s")
                        raise PackError(
                            loaded.path,
                            loaded.line(loc),
                            f"statements.{i}.when.{field}.{j}: unknown {kind} '{value}' "
                            "(not in the vocabulary)",
                        )
