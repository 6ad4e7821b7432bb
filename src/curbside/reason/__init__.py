"""Stage 3, reason: pick the statements whose conditions hold for this question and patient."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from curbside.clinical.ctcae import neutrophil_grade
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import Statement
from curbside.models import Intent, PatientSummary, Query
from curbside.reason.patient import Assessment, summary

# Follow-up kinds: an intent to ask about the same drug, or "fever" for the febrile pathway.
_DRUG_FOLLOW_UPS: tuple[Intent, ...] = ("hold", "resume", "monitoring", "alternatives")
_GENERAL_FOLLOW_UPS: tuple[Intent, ...] = ("growth-factor", "grading", "prophylaxis")
MAX_FOLLOW_UPS = 4
Scope = Literal["drug", "class", "general"]


@dataclass(frozen=True)
class Selected:
    """A statement chosen for the article, with why it ranks where it does."""

    statement: Statement
    score: int
    scope: Scope
    urgent: bool


@dataclass(frozen=True)
class Reasoning:
    """What the reason stage hands to the composer."""

    bottom_line: Selected | None
    statements: list[Selected]
    patient: PatientSummary | None
    out_of_scope: str | None  # why nothing curated applies, when that is so
    follow_ups: list[str] = field(default_factory=list)  # follow-up kinds the packs can answer
    assessment: Assessment | None = None  # what the calculators made of the patient's data


class Reasoner:
    """Matches statements to a query using only the conditions written in the packs."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        # Positions of the statements by (intent, what they are about: "" for every drug, else a
        # drug or class id). `_select` chooses a statement only when it shares an intent with the
        # question and is general or about the question's drugs or classes, so no other
        # statement need be looked at.
        self._index: dict[tuple[str, str], list[int]] = {}
        for n, statement in enumerate(kb.statements):
            about = [*statement.when.drugs, *statement.when.drug_classes] or [""]
            for intent in statement.when.intents:
                for key in about:
                    self._index.setdefault((intent, key), []).append(n)

    def _candidates(self, query: Query) -> list[Statement]:
        """The statements `_select` may choose for this query, in pack order."""
        about = ["", *query.drugs, *query.drug_classes]
        positions = sorted(
            {n for i in query.intents for key in about for n in self._index.get((i, key), ())}
        )
        return [self.kb.statements[n] for n in positions]

    def reason(self, query: Query, assessment: Assessment) -> Reasoning:
        patient = summary(assessment, query) if assessment.has_data else None
        why_not = self._out_of_scope(query)
        if why_not:
            return Reasoning(None, [], patient, why_not, assessment=assessment)
        chosen: list[Selected] = []
        bottom: list[Selected] = []
        for statement in self._candidates(query):
            selected = self._select(statement, query)
            if selected is not None:
                (bottom if statement.section == "bottom-line" else chosen).append(selected)
        if not chosen:
            return Reasoning(
                None, [], patient, "no reviewed statement answers this question", [], assessment
            )
        ranked = sorted(chosen, key=lambda s: (not s.urgent, -s.score))
        best_bottom = _bottom_line(bottom, ranked, query.intents[0])
        shown = {s.statement.id for s in ranked}
        follow_ups = self._follow_ups(query, shown)
        return Reasoning(best_bottom or ranked[0], ranked, patient, None, follow_ups, assessment)

    def _answers(self, query: Query, specific: bool, shown: set[str]) -> bool:
        """Whether `query` would add a statement not in `shown` (about its drug, if `specific`)."""
        for statement in self._candidates(query):
            if statement.id in shown or statement.section == "bottom-line":
                continue
            selected = self._select(statement, query)
            if selected and (not specific or selected.scope != "general"):
                return True
        return False

    def _follow_ups(self, query: Query, shown: set[str]) -> list[str]:
        """Follow-up kinds whose answers would add statements this article does not show."""
        kinds: list[str] = []
        if query.drugs or query.named_classes:
            for intent in _DRUG_FOLLOW_UPS:
                probe = query.model_copy(update={"intents": [intent]})
                if intent not in query.intents and self._answers(probe, True, shown):
                    kinds.append(intent)
        if query.febrile is not True and "febrile-neutropenia" not in query.conditions:
            probe = query.model_copy(update={"febrile": True, "intents": ["management"]})
            if self._answers(probe, False, shown):
                kinds.insert(0, "fever")
        for intent in _GENERAL_FOLLOW_UPS:
            probe = query.model_copy(update={"intents": [intent]})
            if intent not in query.intents and self._answers(probe, False, shown):
                kinds.append(intent)
        return kinds[:MAX_FOLLOW_UPS]

    def _out_of_scope(self, query: Query) -> str | None:
        if query.unknown_drugs and not (query.drugs or query.label_drugs or query.named_classes):
            names = ", ".join(query.unknown_drugs)
            return f"Curbside holds no reviewed guidance on {names}"
        if not query.conditions:
            return "the question is not about neutropenia, the subject of Curbside's knowledge"
        return None

    def _mechanisms(self, query: Query) -> set[str]:
        """How the drugs asked about cause neutropenia: those named, else the curated members
        of the classes named."""
        drugs = [self.kb.drugs[d] for d in query.drugs]
        if not drugs and query.drug_classes:
            named = set(query.drug_classes)
            drugs = [d for d in self.kb.drugs.values() if named & set(d.classes)]
        return {d.label.mechanism for d in drugs}

    def _select(self, statement: Statement, query: Query) -> Selected | None:
        when = statement.when
        if query.audience == "patient" and statement.text.patient is None:
            return None
        intents = set(when.intents) & set(query.intents)
        if not intents:
            return None
        score = 3 if query.intents[0] in when.intents else 1

        scope: Scope = "general"
        if when.drugs or when.drug_classes:
            if set(when.drugs) & set(query.drugs):
                score, scope = score + 8, "drug"
            elif set(when.drug_classes) & set(query.drug_classes):
                score, scope = score + 4, "class"
            else:
                return None
        if when.mechanisms:
            mechanisms = self._mechanisms(query)
            if mechanisms:
                if not mechanisms & set(when.mechanisms):
                    return None
                score += 2
        if when.conditions and not set(when.conditions) & set(query.conditions):
            return None
        if when.febrile is False and query.febrile:
            return None
        if when.febrile is not None and query.febrile == when.febrile:
            score += 2
        if when.anc is not None and query.anc is not None:
            if not when.anc.contains(query.anc.value):
                return None
            score += 2
        if when.grades:
            grade = query.grade
            if grade is None and query.anc is not None:
                grade = neutrophil_grade(query.anc.value)
            if grade is not None:
                if grade not in when.grades:
                    return None
                score += 2
        if when.infections:
            if not set(when.infections) & set(query.infections):
                return None
            score += 2
        urgent = statement.urgent and (
            bool(query.febrile) or "febrile-neutropenia" in query.conditions
        )
        return Selected(statement, score, scope, urgent)


def _bottom_line(bottom: list[Selected], ranked: list[Selected], first: Intent) -> Selected | None:
    """The one sentence that answers the question: an urgent bottom line (febrile neutropenia)
    first; else the best bottom-line statement written for what was asked first; else the best
    statement that answers it; else the best bottom-line statement."""
    best = max((b for b in bottom if b.urgent), key=lambda s: s.score, default=None)
    best = best or max(
        (b for b in bottom if first in b.statement.when.intents),
        key=lambda s: s.score,
        default=None,
    )
    best = best or next((s for s in ranked if first in s.statement.when.intents), None)
    return best or max(bottom, key=lambda s: s.score, default=None)
