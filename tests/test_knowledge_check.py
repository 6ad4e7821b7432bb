"""`curbside knowledge check --strict` and `curbside knowledge schema` (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curbside.cli import main

BAD_PACK = """\
pack: bad-pack
title: A pack that breaks the gates
updated: 2026-12-04
sources:
  - id: bad-src
    title: A label
    publisher: A maker
    kind: guideline
    doi: 10.1000/bad
statements:
  - id: bad-threshold
    section: drug
    when: {anc: {min: 500, max: 1500}}
    text:
      clinician: Hold the medicine until the count recovers to a safe level.
    cite:
      - {source: bad-src, locator: "Section 5.1"}
  - id: bad-quote
    section: drug
    text:
      clinician: Do not start the medicine if the ANC is below 2,000/µL.
    cite:
      - source: bad-src
        locator: "Section 2.1"
        quote: Start the medicine when the ANC is below 1500 per mm3.
        read_at: {url: "https://example.org/label", date: 2026-12-04}
"""


def test_strict_check_passes_on_the_builtin_packs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["knowledge", "check", "--strict"]) == 0
    assert "ok (strict)" in capsys.readouterr().out


def test_strict_check_reports_every_error_as_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text(BAD_PACK, encoding="utf-8")
    monkeypatch.setenv("CURBSIDE_PACKS", json.dumps([str(tmp_path)]))
    assert main(["knowledge", "check"]) == 0  # valid packs: only the gates fail
    assert main(["knowledge", "check", "--strict"]) == 1
    err = capsys.readouterr().err
    assert f"{pack}:11: threshold: bad-threshold: ANC bound 500/µL" in err
    assert f"{pack}:11: threshold: bad-threshold: ANC bound 1500/µL" in err
    line = f"{pack}:18: quote: bad-quote: not in its quote: 2000, negation"
    assert line in err, err
    assert "3 errors" in err


def test_schema_command_prints_the_pack_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["knowledge", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    citation = schema["$defs"]["Citation"]["properties"]
    assert {"source", "locator", "quote", "read_at"} <= set(citation)
    assert all("description" in p for p in citation.values())
    assert "statements" in schema["properties"]
