"""Run an evaluation question file: what each answer must and must not say."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from curbside.models import Audience, Coverage
from curbside.service import ArticleService as Engine


class Check(BaseModel):
    """One named check: passes when any pattern matches (case-insensitive)."""

    name: str = Field(description="Short name of what is checked.")
    any: list[str] = Field(description="Regular expressions; one match is enough.")

    @field_validator("any")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns

    def matches(self, text: str) -> bool:
        return any(re.search(p, text, re.IGNORECASE) for p in self.any)


class Expect(BaseModel):
    coverage: Coverage | list[Coverage] = Field(description="Expected coverage value(s).")
    must: list[Check] = Field(default_factory=list, description="Checks that must pass.")
    must_not: list[Check] = Field(default_factory=list, description="Checks that must not match.")


class EvalQuestion(BaseModel):
    id: str = Field(description="Question id.")
    question: str = Field(description="The question as a clinician would ask it.")
    audience: Audience = Field(default="physician", description="Who is asking.")
    expect: Expect = Field(description="What a good answer says.")


class EvalFile(BaseModel):
    version: int = Field(description="Format version (1).")
    questions: list[EvalQuestion] = Field(description="The questions.")


@dataclass
class Outcome:
    id: str
    seconds: float
    coverage: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_eval_file(path: Path) -> EvalFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return EvalFile.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{path}: not a usable evaluation file: {exc}") from exc


def run_question(engine: Engine, item: EvalQuestion) -> Outcome:
    start = time.perf_counter()
    article = engine.ask(item.question, item.audience)
    seconds = time.perf_counter() - start
    outcome = Outcome(item.id, seconds, article.coverage)
    expected = item.expect.coverage
    allowed = expected if isinstance(expected, list) else [expected]
    if article.coverage not in allowed:
        outcome.failures.append(
            f"coverage is {article.coverage!r}, expected {' or '.join(allowed)}"
        )
    text = article.answer_text()
    outcome.failures += [f"missing {c.name}" for c in item.expect.must if not c.matches(text)]
    outcome.failures += [f"says {c.name}" for c in item.expect.must_not if c.matches(text)]
    return outcome


def run_eval(engine: Engine, questions: list[EvalQuestion]) -> list[Outcome]:
    return [run_question(engine, item) for item in questions]


def report(outcomes: list[Outcome], total_seconds: float) -> str:
    lines = []
    for o in outcomes:
        status = "PASS" if o.passed else "FAIL"
        detail = "" if o.passed else "  " + "; ".join(o.failures)
        lines.append(f"{status}  {o.id:<28} {o.coverage:<8} {o.seconds * 1000:7.1f} ms{detail}")
    passed = sum(o.passed for o in outcomes)
    times = sorted(o.seconds for o in outcomes)
    median = times[len(times) // 2] * 1000 if times else 0.0
    lines.append(
        f"Totals - questions: {len(outcomes)}, passing: {passed}, "
        f"failing: {len(outcomes) - passed}; median {median:.1f} ms per answer, "
        f"{total_seconds:.2f} s in all"
    )
    return "\n".join(lines)
