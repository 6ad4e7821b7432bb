"""Is a word the name of a medicine? Answered from an installed, maintained drug-name list.

The list is the dictionary of the `drug-named-entity-recognition` package (Fast Data Science,
MIT licence): about 107,000 generic and brand names drawn from DrugBank, MedlinePlus, NHS and
Wikipedia. Its package stores the names pickled and bz2-compressed, which takes ~3.7 s to load
on these machines, so `make setup` writes the names once as a plain text file under the virtual
environment (`python -m curbside.understand.drug_names`); Curbside reads that file (~50 ms), and
only falls back to the package's own file when it is missing. Nothing is loaded until a question
holds a word that might name an unknown medicine.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
import sys
from functools import cache
from pathlib import Path

PACKAGE = "drug_named_entity_recognition"
PACKAGE_FILE = "drug_ner_dictionary.pkl.bz2"
NAMES_FILE = Path(sys.prefix) / "share" / "curbside" / "drug-names.txt"


def _package_names() -> set[str]:
    """Every name of the package's dictionary, lower case (empty if it is not installed)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return set()
    path = Path(next(iter(spec.submodule_search_locations))) / PACKAGE_FILE
    # The package's own data file, installed from PyPI with the package: trusted as its code is.
    with bz2.open(path, "rb") as handle:
        data = pickle.load(handle)
    return {str(name).lower() for name in data["drug_variant_to_canonical"]}


@cache
def drug_names() -> frozenset[str]:
    """The names, from the plain list written at set-up, else from the package."""
    if NAMES_FILE.is_file():
        return frozenset(NAMES_FILE.read_text(encoding="utf-8").split("\n"))
    return frozenset(_package_names())


def is_drug_name(word: str) -> bool:
    return word.lower() in drug_names()


def write_names(path: Path = NAMES_FILE) -> int:
    """Write the package's names as plain text, one a line; returns how many."""
    names = sorted(_package_names())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(names), encoding="utf-8")
    return len(names)


if __name__ == "__main__":  # pragma: no cover - run by `make setup`
    print(f"{write_names()} drug names written to {NAMES_FILE}")
