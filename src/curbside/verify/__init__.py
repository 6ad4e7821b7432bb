"""Stage 5, verify: check that an article keeps the answer contract before it leaves the engine."""

from __future__ import annotations

import re

from curbside.models import Article

# Patients never see dose tables (see the brief); a weight-based dose in patient text is a leak.
_DOSE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:µg|mcg|mg|g)\s*/\s*kg\b", re.IGNORECASE)


class ContractError(AssertionError):
    """An article that breaks the answer contract: a bug in the packs or the composer."""


def contract_problems(article: Article) -> list[str]:
    """Every way the article breaks the contract; empty when it keeps it."""
    problems: list[str] = []
    numbers = [ref.n for ref in article.references]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"references are not numbered 1..{len(numbers)}: {numbers}")
    cited_in_order: list[int] = []
    texts = [("bottom line", article.bottom_line.text, article.bottom_line.citations)]
    texts += [(s.id, s.text, s.citations) for sec in article.sections for s in sec.statements]
    for name, text, citations in texts:
        if article.coverage != "none" and not citations:
            problems.append(f"{name} has no citation")
        for n in citations:
            if n not in numbers:
                problems.append(f"{name} cites [{n}], which is not in the reference list")
            if n not in cited_in_order:
                cited_in_order.append(n)
        if article.audience == "patient" and _DOSE.search(text):
            problems.append(f"{name} shows a patient a weight-based dose")
    if cited_in_order != sorted(cited_in_order):
        problems.append(f"citations are not numbered in order of first use: {cited_in_order}")
    uncited = set(numbers) - set(cited_in_order)
    if uncited:
        problems.append(f"references never cited: {sorted(uncited)}")
    if article.coverage == "none" and article.sections:
        problems.append("an article with coverage 'none' must not carry clinical sections")
    return problems


def check_contract(article: Article) -> Article:
    problems = contract_problems(article)
    if problems:
        raise ContractError("; ".join(problems))
    return article
