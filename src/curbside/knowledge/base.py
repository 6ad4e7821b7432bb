"""The knowledge base: every pack loaded, cross-checked and indexed for the later stages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

from curbside.knowledge.cache import default_cache_dir, load_cached
from curbside.knowledge.loader import BUILTIN_PACKS, pack_files
from curbside.knowledge.schema import Drug, DrugClass, Source, Statement


@dataclass(frozen=True)
class KnowledgeBase:
    """Sources, drug classes, drugs and statements from all packs, in pack order."""

    sources: dict[str, Source]
    classes: dict[str, DrugClass]
    drugs: dict[str, Drug]
    statements: list[Statement]
    statement_updated: dict[str, date] = field(default_factory=dict)
    pack_files: list[Path] = field(default_factory=list)
    statement_pack: dict[str, str] = field(default_factory=dict)  # statement id -> pack id

    @classmethod
    def load(
        cls, extra: Iterable[Path] = (), cache_dir: Path | Literal["default"] | None = "default"
    ) -> KnowledgeBase:
        """Load the packs that ship with Curbside plus any extra pack files or folders, from the
        validated cache under CURBSIDE_HOME when it holds these very files (None: no cache)."""
        files = pack_files([BUILTIN_PACKS, *extra])
        loaded = load_cached(files, default_cache_dir() if cache_dir == "default" else cache_dir)
        sources: dict[str, Source] = {}
        classes: dict[str, DrugClass] = {}
        drugs: dict[str, Drug] = {}
        statements: list[Statement] = []
        updated: dict[str, date] = {}
        packs: dict[str, str] = {}
        for item in loaded:
            pack = item.pack
            sources.update((s.id, s) for s in pack.sources)
            classes.update((c.id, c) for c in pack.classes)
            drugs.update((d.id, d) for d in pack.drugs)
            statements.extend(pack.statements)
            updated.update((s.id, pack.updated) for s in pack.statements)
            packs.update((s.id, pack.pack) for s in pack.statements)
        files = [item.path for item in loaded]
        return cls(sources, classes, drugs, statements, updated, files, packs)

    @cached_property
    def statements_by_id(self) -> dict[str, Statement]:
        return {s.id: s for s in self.statements}

    def class_named(self, name: str) -> str | None:
        """The class a name denotes (its name or a synonym, singular or plural, any case, an
        openFDA suffix such as ' [EPC]' ignored), or None."""
        wanted = _class_key(name)
        for drug_class in self.classes.values():
            names = (drug_class.name, *drug_class.synonyms)
            if any(_class_key(n) == wanted for n in names):
                return drug_class.id
        return None

    def classes_of(self, drug_ids: Iterable[str]) -> list[str]:
        """Class ids of the given drugs, without repeats, in order."""
        out: list[str] = []
        for drug_id in drug_ids:
            for class_id in self.drugs[drug_id].classes:
                if class_id not in out:
                    out.append(class_id)
        return out


def _class_key(name: str) -> str:
    key = re.sub(r"\s*\[[a-z]+\]\s*$", "", name.strip().lower())
    key = re.sub(r"[\s-]+", " ", key)
    return key[:-1] if key.endswith("s") else key
