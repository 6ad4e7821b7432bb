"""The CLI and the evaluation runner, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curbside.cli import main
from curbside.engine import Engine
from curbside.evaluate import load_eval_file, run_eval
from curbside.knowledge.base import KnowledgeBase

# A subset for the command's own output checks (the whole set is checked below).
REQUIRED = [
    "seed-anastrozole",
    "seed-anakinra",
    "fn-first-dose",
    "gcsf-afebrile",
    "fq-prophylaxis",
    "ctcae-grading",
    "kineret-monitoring",
    "patient-anastrozole",
    "out-of-scope",
]


def test_every_evaluation_question_passes(engine: Engine, shared: Path) -> None:
    questions = load_eval_file(shared / "eval/questions.yaml").questions
    failures = {o.id: o.failures for o in run_eval(engine, questions) if not o.passed}
    assert failures == {}


def test_every_evaluation_question_passes_with_sources_ingested(
    evidence_engine: Engine, shared: Path
) -> None:
    questions = load_eval_file(shared / "eval/questions.yaml").questions
    failures = {o.id: o.failures for o in run_eval(evidence_engine, questions) if not o.passed}
    assert failures == {}


def test_eval_command_reports_per_question_and_totals(
    shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["eval", str(shared / "eval/questions.yaml"), "--only", ",".join(REQUIRED)])
    out = capsys.readouterr().out
    assert code == 0
    for qid in REQUIRED:
        assert f"PASS  {qid}" in out
    assert f"questions: {len(REQUIRED)}, passing: {len(REQUIRED)}, failing: 0" in out
    assert "ms per answer" in out


def test_eval_command_shows_what_was_missed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "version: 1\nquestions:\n"
        "- id: wants-the-impossible\n"
        "  question: How is neutropenia graded in CTCAE version 5?\n"
        "  expect:\n"
        "    coverage: curated\n"
        "    must:\n      - {name: unicorn, any: ['unicorn']}\n"
        "    must_not:\n      - {name: lln, any: ['LLN']}\n",
        encoding="utf-8",
    )
    assert main(["eval", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  wants-the-impossible" in out
    assert "missing unicorn" in out and "says lln" in out


def test_ask_prints_markdown_json_and_html(capsys: pytest.CaptureFixture[str]) -> None:
    question = "How often should neutrophil counts be checked on Kineret?"
    assert main(["ask", question]) == 0
    assert capsys.readouterr().out.startswith("# Monitoring neutrophil counts on anakinra")
    assert main(["ask", question, "--format", "json", "--audience", "pharmacist"]) == 0
    assert json.loads(capsys.readouterr().out)["audience"] == "pharmacist"
    assert main(["ask", question, "--format", "html"]) == 0
    assert capsys.readouterr().out.startswith("<!doctype html>")


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000])
def test_bad_questions_exit_2_with_a_message(
    question: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", question]) == 2
    assert "curbside: error:" in capsys.readouterr().err


def test_bad_eval_file_and_bad_pack_exit_with_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions: [1, 2", encoding="utf-8")
    assert main(["eval", str(bad)]) == 2
    assert "not a usable evaluation file" in capsys.readouterr().err
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "pack: x\ntitle: X\nupdated: 2026-01-01\nstatements: [{id: a}]\n", encoding="utf-8"
    )
    assert main(["knowledge", "check", str(pack)]) == 3
    err = capsys.readouterr().err
    assert f"{pack}:4" in err


def test_knowledge_check_counts_the_packs(
    kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["knowledge", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: {len(kb.pack_files)} packs, {len(kb.sources)} sources, ")
    assert len(kb.drugs) >= 40  # issue 5: the common causes of drug-induced neutropenia


def test_a_closed_pipe_ends_a_command_quietly() -> None:
    """`curbside knowledge report | head` exits 0 without a BrokenPipeError traceback."""
    import subprocess
    import sys

    run = [sys.executable, "-m", "curbside.cli", "knowledge", "report"]
    process = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, err
    assert "BrokenPipe" not in err and "Traceback" not in err
