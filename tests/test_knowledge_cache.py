"""Knowledge packs are validated once and read back from a cache that any change to a pack file
(or to the set of packs) invalidates; a damaged cache is ignored with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from tests.test_loader import GOOD_STATEMENT, HEADER

from curbside.knowledge import cache
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.loader import PackError


def _no_yaml(files: object) -> None:
    raise AssertionError(f"{files} were parsed again")


def test_the_second_load_comes_from_the_cache_and_equals_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(HEADER + GOOD_STATEMENT, encoding="utf-8")
    first = KnowledgeBase.load([extra], cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("knowledge-*.json"))) == 1
    monkeypatch.setattr(cache, "load_files", _no_yaml)
    again = KnowledgeBase.load([extra], cache_dir=tmp_path / "cache")
    assert again == first
    assert again.statements[-1].text.clinician == "A statement long enough to be valid."


def test_a_changed_pack_is_read_again(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(HEADER + GOOD_STATEMENT, encoding="utf-8")
    KnowledgeBase.load([extra], cache_dir=tmp_path / "cache")
    extra.write_text(HEADER + GOOD_STATEMENT.replace("long enough", "still long enough"))
    kb = KnowledgeBase.load([extra], cache_dir=tmp_path / "cache")
    assert kb.statements[-1].text.clinician == "A statement still long enough to be valid."
    assert len(list((tmp_path / "cache").glob("knowledge-*.json"))) == 1  # the stale one gone
    # A broken pack is refused, with its line, even though a cache for the old text exists.
    extra.write_text(HEADER + GOOD_STATEMENT.replace("cite:", "cite: []\n    nope:"))
    with pytest.raises(PackError):
        KnowledgeBase.load([extra], cache_dir=tmp_path / "cache")


def test_a_damaged_cache_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = KnowledgeBase.load(cache_dir=tmp_path)
    (stored,) = tmp_path.glob("knowledge-*.json")
    stored.write_text(stored.read_text()[:1000])
    with caplog.at_level(logging.WARNING, logger="curbside.knowledge.cache"):
        assert KnowledgeBase.load(cache_dir=tmp_path) == expected
    assert "ignoring the knowledge cache" in caplog.text
    assert KnowledgeBase.load(cache_dir=tmp_path) == expected  # written again, whole


def test_the_vocabulary_is_part_of_the_cache_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pack is checked against the vocabulary: the cached packs are only reused while the
    vocabulary files are the same."""
    files = [tmp_path / "p.yaml"]
    files[0].write_text(HEADER + GOOD_STATEMENT, encoding="utf-8")
    words = tmp_path / "words"
    words.mkdir()
    for source in cache.VOCABULARY_FILES.glob("*.yaml"):
        (words / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(cache, "VOCABULARY_FILES", words)
    key = cache.cache_key(files)
    changed = words / "framing.yaml"
    changed.write_text(changed.read_text() + "\n# a comment\n")
    assert cache.cache_key(files) != key
