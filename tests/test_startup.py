"""A command imports what it needs and nothing more: no FHIR models without FHIR input, no
database driver for a SQLite library, no dense model (numpy, weights) for a lexical search or a
curated answer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("fhir.resources", "psycopg", "numpy", "tokenizers", "safetensors", "yaml", "jinja2")
PROBE = f"""
import json, sys
from curbside.cli import main
main(sys.argv[1:])
print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)
"""
QUESTION = "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?"


def _imported(home: Path, *args: str) -> set[str]:
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_PUBLISH": "true"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stderr.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def home(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("startup")
    sources = home / "sources"
    sources.mkdir()
    for name in ("DEFERIPRONE_boxed_warnings.txt", "ABIRATERONE_adverse_reactions.txt"):
        shutil.copy(shared / "data" / "fda_labels" / "Txt" / name, sources / name)
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_DENSE": "off"}
    subprocess.run(
        [sys.executable, "-m", "curbside.cli", "ingest", str(sources)],
        env=env,
        capture_output=True,
        check=True,
    )
    return home


def test_a_curated_answer_loads_no_fhir_driver_dense_model_or_yaml(home: Path) -> None:
    _imported(home, "ask", QUESTION, "--format", "json")  # the first run writes the pack cache
    loaded = _imported(home, "ask", QUESTION, "--format", "json")
    assert not loaded & {"fhir.resources", "psycopg", "numpy", "tokenizers", "safetensors"}
    assert "yaml" not in loaded  # the packs came from their validated cache


def test_a_lexical_search_does_not_load_the_dense_model(home: Path) -> None:
    loaded = _imported(home, "search", "agranulocytosis", "--mode", "lexical")
    assert not loaded & {"numpy", "tokenizers", "safetensors", "psycopg", "fhir.resources"}


def test_fhir_input_loads_the_fhir_models(home: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}))
    assert "fhir.resources" in _imported(home, "ask", "Next steps?", "--fhir", str(bundle))
