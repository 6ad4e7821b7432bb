"""The three-part anchoring report of `curbside verify`: statement <-> quote, quote <-> document,
and coverage counts per pack and overall."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from curbside.knowledge.base import KnowledgeBase
from curbside.verify.quotes import (
    QuoteCheck,
    QuoteFound,
    check_quotes,
    document_texts,
    find_quote,
    locator_matches,
)
from curbside.verify.support import Judgement, Verifier


@dataclass(frozen=True)
class Coverage:
    """Counts of one pack (or all packs)."""

    statements: int
    anchored: int
    supported: int  # anchored, and every number, direction and negation is in the quotes
    quotes_checkable: int  # quotes whose document is ingested
    quotes_found: int

    @property
    def unanchored(self) -> int:
        return self.statements - self.anchored


@dataclass(frozen=True)
class Anchoring:
    checks: list[QuoteCheck]
    found: list[QuoteFound]
    per_pack: dict[str, Coverage]
    overall: Coverage

    @property
    def failures(self) -> int:
        unsupported = sum(c.anchored and not c.supported for c in self.checks)
        return unsupported + sum(f.checkable and not f.found for f in self.found)


def quote_checks(kb: KnowledgeBase) -> list[QuoteCheck]:
    return [check_quotes(s) for s in kb.statements]


def anchoring(kb: KnowledgeBase, verifier: Verifier | None) -> Anchoring:
    """Every check; documents are looked at only when a verifier (an evidence store) is given."""
    checks = quote_checks(kb)
    found: list[QuoteFound] = []
    for statement in kb.statements:
        for c in statement.cite:
            if not c.quote:
                continue
            docs = tuple(verifier.documents_for(c.source)) if verifier is not None else ()
            where = None
            if docs and verifier is not None:
                where = find_quote(c.quote, document_texts(verifier.store.passages_of(docs)))
            found.append(
                QuoteFound(
                    statement.id,
                    c.source,
                    c.locator,
                    c.quote,
                    docs,
                    where[0] if where else None,
                    where[1] if where else None,
                    locator_matches(c.locator, where[1]) if where else None,
                )
            )
    packs = sorted(set(kb.statement_pack.values()))
    per_pack = {p: _coverage(kb, checks, found, {p}) for p in packs}
    return Anchoring(checks, found, per_pack, _coverage(kb, checks, found, set(packs)))


def _coverage(
    kb: KnowledgeBase, checks: list[QuoteCheck], found: list[QuoteFound], packs: set[str]
) -> Coverage:
    ids = {s.id for s in kb.statements if kb.statement_pack.get(s.id) in packs}
    mine = [c for c in checks if c.statement_id in ids]
    quotes = [f for f in found if f.statement_id in ids]
    return Coverage(
        len(mine),
        sum(c.anchored for c in mine),
        sum(c.supported for c in mine),
        sum(f.checkable for f in quotes),
        sum(f.found for f in quotes),
    )


def _line(name: str, c: Coverage) -> str:
    share = c.anchored / c.statements if c.statements else 0.0
    return (
        f"{name}: {c.statements} statements, {c.anchored} anchored ({share:.0%}), "
        f"{c.supported} anchored and supported, {c.unanchored} unanchored; quotes found in "
        f"ingested documents {c.quotes_found} of {c.quotes_checkable}"
    )


def anchoring_report(result: Anchoring) -> str:
    lines = ["", "ANCHORING (statement <-> quote, quote <-> document)"]
    lines.append(_line("overall", result.overall))
    lines += [_line(f"  {pack}", c) for pack, c in result.per_pack.items()]
    for c in result.checks:
        if c.anchored and not c.supported:
            why = []
            if c.missing_numbers:
                why.append(
                    "numbers not in the quote: " + ", ".join(f"{n:g}" for n in c.missing_numbers)
                )
            if c.missing_cues:
                why.append("not in the quote: " + ", ".join(c.missing_cues))
            lines += [
                "",
                f"QUOTE DOES NOT SUPPORT {c.statement_id} ({'; '.join(why)})",
                f"  statement: {c.statement_text}",
                *(f"  quote: {q}" for q in c.quotes),
            ]
    for f in result.found:
        if f.checkable and not f.found:
            lines += [
                "",
                f"QUOTE NOT FOUND {f.statement_id} (cites {f.source_id}, {f.locator}; "
                f"searched {', '.join(f.documents)})",
                f"  quote: {f.quote}",
            ]
        elif f.found:
            match = "matches" if f.locator_matches else "DOES NOT match"
            lines.append(
                f"found {f.statement_id}: in {f.found_in} > {f.section!r}; locator "
                f"{f.locator!r} {match} that section"
            )
    return "\n".join(lines)


def combined_support(passage: Judgement, check: QuoteCheck) -> Judgement:
    """The verdict kept for answers: a quote that does not hold the statement's numbers,
    directions or negations makes it unsupported; with no quote and no ingested text to check
    against, the statement is unanchored."""
    if check.anchored and not check.supported:
        return "unsupported"
    if passage == "not-ingested" and not check.anchored:
        return "unanchored"
    return passage


def anchoring_json(result: Anchoring) -> dict[str, object]:
    return {
        "coverage": {
            "overall": dataclasses.asdict(result.overall),
            "packs": {p: dataclasses.asdict(c) for p, c in result.per_pack.items()},
        },
        "quote_checks": [
            {
                "statement_id": c.statement_id,
                "statement": c.statement_text,
                "quotes": list(c.quotes),
                "supported": c.supported,
                "missing_numbers": list(c.missing_numbers),
                "missing": list(c.missing_cues),
            }
            for c in result.checks
            if c.anchored
        ],
        "quotes_in_documents": [dataclasses.asdict(f) for f in result.found],
    }
