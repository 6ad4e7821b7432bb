"""Stage 5, verify: check that an article keeps the answer contract before it leaves the engine."""

from __future__ import annotations

import re

from curbside.models import Article, CitedText, Support

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


def apply_verdicts(article: Article, verdicts: dict[str, Support], strict: bool) -> Article:
    """Mark each curated statement with its verification verdict; in strict mode drop the
    unsupported ones and renumber the references that remain in order of first use."""
    sections = []
    for section in article.sections:
        kept = []
        for statement in section.statements:
            if statement.support == "quoted":
                kept.append(statement)
                continue
            support = verdicts.get(statement.id, "unverified")
            if strict and support == "unsupported":
                continue
            kept.append(statement.model_copy(update={"support": support}))
        if kept:
            sections.append(section.model_copy(update={"statements": kept}))
    update: dict[str, object] = {"sections": sections}
    bottom = article.bottom_line
    if strict and bottom.id is not None and verdicts.get(bottom.id) == "unsupported":
        # An unsupported bottom line is replaced by the first statement that remains.
        replacement = next((s for sec in sections for s in sec.statements), None)
        if replacement is not None:
            update["bottom_line"] = CitedText(
                text=replacement.text, citations=replacement.citations, id=replacement.id
            )
    return _renumber(article.model_copy(update=update))


def _renumber(article: Article) -> Article:
    order: dict[int, int] = {}
    for n in article.bottom_line.citations:
        order.setdefault(n, len(order) + 1)
    for section in article.sections:
        for statement in section.statements:
            for n in statement.citations:
                order.setdefault(n, len(order) + 1)
    if list(order) == [ref.n for ref in article.references]:
        return article

    def cited(text: CitedText) -> list[int]:
        return [order[n] for n in text.citations]

    return article.model_copy(
        update={
            "bottom_line": article.bottom_line.model_copy(
                update={"citations": cited(article.bottom_line)}
            ),
            "sections": [
                section.model_copy(
                    update={
                        "statements": [
                            s.model_copy(update={"citations": cited(s)}) for s in section.statements
                        ]
                    }
                )
                for section in article.sections
            ],
            "references": sorted(
                (
                    ref.model_copy(update={"n": order[ref.n]})
                    for ref in article.references
                    if ref.n in order
                ),
                key=lambda ref: ref.n,
            ),
        }
    )
