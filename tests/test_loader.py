"""The loader refuses malformed packs, naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.loader import PackError, load_packs, parse_pack

HEADER = """\
pack: test-pack
title: Test pack
updated: 2026-01-01
sources:
  - id: src-a
    title: A guideline
    publisher: A society
    year: 2020
    kind: guideline
    doi: 10.1000/xyz
"""

GOOD_STATEMENT = """\
statements:
  - id: st-1
    section: severity
    text:
      clinician: A statement long enough to be valid.
    cite:
      - {source: src-a, locator: "Recommendation 1"}
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> PackError:
    path = write(tmp_path, text)
    with pytest.raises(PackError) as info:
        load_packs([path])
    assert str(path) in str(info.value)
    return info.value


def test_builtin_packs_load(kb: KnowledgeBase) -> None:
    assert {"anastrozole", "letrozole", "exemestane", "anakinra", "palbociclib"} <= set(kb.drugs)
    assert all(statement.cite for statement in kb.statements)
    cited = {c.source for s in kb.statements for c in s.cite}
    assert cited <= set(kb.sources)


def test_a_good_pack_loads(tmp_path: Path) -> None:
    (loaded,) = load_packs([write(tmp_path, HEADER + GOOD_STATEMENT)])
    assert loaded.pack.statements[0].id == "st-1"


def test_statement_without_citation_is_refused_with_its_line(tmp_path: Path) -> None:
    text = HEADER + GOOD_STATEMENT.replace(
        '    cite:\n      - {source: src-a, locator: "Recommendation 1"}\n', ""
    )
    error = refusal(tmp_path, text)
    assert "cite at least one source" in error.message
    assert error.line == text.splitlines().index("  - id: st-1") + 1


def test_empty_citation_list_is_refused(tmp_path: Path) -> None:
    text = HEADER + GOOD_STATEMENT.replace(
        '    cite:\n      - {source: src-a, locator: "Recommendation 1"}', "    cite: []"
    )
    error = refusal(tmp_path, text)
    assert "cite at least one source" in error.message
    assert error.line == text.splitlines().index("    cite: []") + 1


def test_unknown_source_is_refused_with_the_line_of_the_citation(tmp_path: Path) -> None:
    text = HEADER + GOOD_STATEMENT.replace("source: src-a", "source: nowhere")
    error = refusal(tmp_path, text)
    assert "unknown source 'nowhere'" in error.message
    assert error.line == next(i for i, line in enumerate(text.splitlines(), 1) if "nowhere" in line)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("{anc: {min: 1000, max: 500}}", "min (1000.0) must be below max (500.0)"),
        ("{anc: {}}", "needs min, max or both"),
        ("{intents: [gossip]}", "intents.0"),
        ("{febrile: maybe}", "febrile"),
        ("{temperature: 38}", "unknown field 'temperature'"),
        ("{infections: [plague]}", "infections.0"),
    ],
)
def test_malformed_condition_is_refused(tmp_path: Path, condition: str, expected: str) -> None:
    text = HEADER + GOOD_STATEMENT.replace(
        "    section: severity\n", f"    section: severity\n    when: {condition}\n"
    )
    error = refusal(tmp_path, text)
    assert expected in error.message
    assert error.line == next(
        i for i, line in enumerate(text.splitlines(), 1) if line.startswith("    when:")
    )


def test_unknown_drug_in_a_condition_is_refused(tmp_path: Path) -> None:
    text = HEADER + GOOD_STATEMENT.replace(
        "    section: severity\n", "    section: severity\n    when: {drugs: [unobtainium]}\n"
    )
    assert "unknown drug 'unobtainium'" in refusal(tmp_path, text).message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    text = HEADER + "statements:\n  - id: [unclosed\n"
    error = refusal(tmp_path, text)
    assert "not valid YAML" in error.message
    assert error.line is not None and error.line >= len(HEADER.splitlines())


def test_duplicate_keys_and_ids_are_refused(tmp_path: Path) -> None:
    assert "duplicate key 'title'" in refusal(tmp_path, HEADER + "title: again\n").message
    text = HEADER + GOOD_STATEMENT + GOOD_STATEMENT.replace("statements:\n", "")
    assert "statement 'st-1' already declared" in refusal(tmp_path, text).message


def test_source_without_any_identifier_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, HEADER.replace("    doi: 10.1000/xyz\n", "") + GOOD_STATEMENT)
    assert "at least one of doi, pmid, url or set_id" in error.message


def test_empty_and_non_mapping_files_are_refused() -> None:
    with pytest.raises(PackError, match="empty"):
        parse_pack("", "empty.yaml")
    with pytest.raises(PackError, match="must be a mapping"):
        parse_pack("- a\n- b\n", "list.yaml")


def test_extra_packs_are_loaded_after_the_builtin_ones(tmp_path: Path) -> None:
    extra = write(tmp_path, HEADER + GOOD_STATEMENT)
    kb = KnowledgeBase.load([extra])
    assert kb.statements[-1].id == "st-1"
    assert "src-a" in kb.sources
