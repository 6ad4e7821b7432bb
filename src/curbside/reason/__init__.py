"""Stage 3, reason: pick the statements whose conditions hold for this question and patient."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from curbside.clinical.ctcae import neutrophil_grade
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import Statement
from curbside.models import PatientSummary, Query
from curbside.reason.applies import situation_applies, written_for, written_for_special
from curbside.reason.bottom_line import choose_bottom_line
from curbside.reason.patient import Assessment, summary
from curbside.vocabulary import vocabulary

# Follow-up kinds: an intent whose vocabulary entry offers a follow-up, or "fever" for the
# febrile pathway.
FEVER_FOLLOW_UP = "fever"
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
    # Special populations of the patient for which no reviewed statement was written (their
    # labels, e.g. 'pregnancy'): only statements for everyone are shown, and the answer says so.
    population_gap: list[str] = field(default_factory=list)
    why_bottom_line: str = ""  # which rule chose the bottom line
    # "Is this febrile neutropenia?", "what is the MASCC score?": a calculator's finding answers.
    bottom_finding: bool = False

    @property
    def curated(self) -> bool:
        """Whether reviewed knowledge answers the question (a statement or a finding leads)."""
        return self.out_of_scope is None and (self.bottom_line is not None or self.bottom_finding)


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
        if assessment.is_febrile_neutropenia and "management" not in query.intents:
            # Febrile neutropenia leads whatever was asked: its emergency bottom line is a
            # candidate even when the ask is a score or a grade.
            probe = query.model_copy(update={"intents": [*query.intents, "management"]})
            for statement in self._candidates(probe):
                if statement.section == "bottom-line" and statement.urgent:
                    selected = self._select(statement, probe)
                    if selected is not None and selected not in bottom:
                        bottom.append(selected)
        gap = self._population_gap(query, [*bottom, *chosen])
        if not chosen and not bottom:
            why = "no reviewed statement answers this question"
            if gap:
                why = f"Curbside holds no reviewed guidance on this {' or '.join(gap)}"
            return Reasoning(None, [], patient, why, [], assessment)
        ranked = sorted(chosen, key=lambda s: (not s.urgent, -s.score))
        by_finding = self._finding_answers(query, assessment)
        choice = None if by_finding else choose_bottom_line(bottom, ranked, query, assessment)
        emergency = bool(
            choice and choice.selected.urgent and choice.selected.statement.when.febrile
        )
        if by_finding or (assessment.is_febrile_neutropenia and not emergency):
            # A calculator's finding answers the ask; or, for febrile neutropenia with no
            # reviewed emergency statement that applies (a special population), it leads.
            why_bottom = "a calculator's finding answers the ask or, for febrile neutropenia, leads"
            return Reasoning(
                None, ranked, patient, None, self._follow_ups(query, ranked), assessment, gap,
                why_bottom, bottom_finding=True,
            )  # fmt: skip
        if choice is None:
            ask = self._ask_description(query.intents[0])
            why = f"no reviewed statement answers the question asked ({ask})"
            return Reasoning(None, [], patient, why, [], assessment, gap)
        follow_ups = self._follow_ups(query, ranked)
        return Reasoning(
            choice.selected, ranked, patient, None, follow_ups, assessment, gap, choice.why
        )

    @staticmethod
    def _finding_answers(query: Query, assessment: Assessment) -> bool:
        """Whether a calculator's finding answers the ask: 'is this febrile neutropenia?' with
        patient data (unless it is febrile neutropenia: then the emergency statement leads), or
        'what is the MASCC / CISNE score?' with score items given for an adult, or 'what CTCAE
        grade is this haemoglobin / platelet count?'."""
        ask = query.intents[0]
        if ask == "classify":
            return assessment.has_data and assessment.febrile.febrile_neutropenia is not True
        if ask == "grading":
            # The grade of a haemoglobin or platelet count written in the question.
            return query.haemoglobin is not None or query.platelets is not None
        if ask == "risk-score" and "child" not in query.situation.populations:
            scored = assessment.mascc is not None or assessment.cisne is not None
            return scored and not assessment.is_febrile_neutropenia
        return False

    @staticmethod
    def _ask_description(intent: str) -> str:
        for term in vocabulary().data.intents:
            if term.id == intent:
                return term.description.rstrip(".").lower()
        return intent

    @staticmethod
    def _population_gap(query: Query, selected: list[Selected]) -> list[str]:
        """The patient's special populations that no selected statement is written for."""
        special = query.situation.special
        if not special or any(written_for_special(s.statement.when, query) for s in selected):
            return []
        words = vocabulary()
        # Name the narrowest population only: a newborn, not 'newborns or infants or children'.
        implied = {
            i for p in special for t in words.data.populations if t.id == p for i in t.implies
        }
        return [words.population(p) for p in special if p not in implied]

    def _answers(self, query: Query, specific: bool, shown: set[str]) -> bool:
        """Whether `query` would add a statement not in `shown` (about its drug, if `specific`)."""
        for statement in self._candidates(query):
            if statement.id in shown or statement.section == "bottom-line":
                continue
            selected = self._select(statement, query)
            if selected and (not specific or selected.scope != "general"):
                return True
        return False

    def _follow_ups(self, query: Query, ranked: list[Selected]) -> list[str]:
        """Follow-up kinds whose answers would add statements this article does not show."""
        shown = {s.statement.id for s in ranked}
        kinds: list[str] = []
        offered = [i for i in vocabulary().data.intents if i.follow_up is not None]
        about_drug = [i.id for i in offered if i.follow_up and i.follow_up.about == "drug"]
        general = [i.id for i in offered if i.follow_up and i.follow_up.about == "general"]
        if query.drugs or query.named_classes:
            for intent in about_drug:
                probe = query.model_copy(update={"intents": [intent]})
                if intent not in query.intents and self._answers(probe, True, shown):
                    kinds.append(intent)
        if query.febrile is not True and "febrile-neutropenia" not in query.conditions:
            probe = query.model_copy(update={"febrile": True, "intents": ["management"]})
            if self._answers(probe, False, shown):
                kinds.insert(0, FEVER_FOLLOW_UP)
        for intent in general:
            probe = query.model_copy(update={"intents": [intent]})
            if intent not in query.intents and self._answers(probe, False, shown):
                kinds.append(intent)
        return kinds[:MAX_FOLLOW_UPS]

    def _out_of_scope(self, query: Query) -> str | None:
        uncovered = query.situation.uncovered_ask
        if uncovered is not None:
            label = next(a.label for a in vocabulary().data.uncovered_asks if a.id == uncovered)
            return f"Curbside's reviewed knowledge does not cover {label}"
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
        if not intents or not situation_applies(when, query):
            return None
        score = 3 if query.intents[0] in when.intents else 1
        if written_for(when, query):
            score += 10

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
        if not when.conditions and "neutropenia" not in query.conditions:
            return None  # a statement naming no condition is about neutropenia
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
        # Urgent when fever is present, or febrile neutropenia is named and fever not ruled out.
        urgent = statement.urgent and (
            query.febrile is True
            or (query.febrile is None and "febrile-neutropenia" in query.conditions)
        )
        return Selected(statement, score, scope, urgent)
