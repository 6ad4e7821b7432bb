"""The bottom line: the one statement that answers what was asked, for this situation.

The rule, in order; every step reads only what the packs declare (no hidden weights):
1. Febrile neutropenia established by the patient's data (a temperature and an ANC that meet
   the IDSA definition): an urgent bottom-line statement written for fever comes first.
2. A bottom-line statement that answers the ask (the question's first intent is in its
   `when.intents`) and agrees with the situation.
3. Otherwise a section statement that answers the ask and agrees with the situation.
4. Otherwise nothing answers the ask, and the answer says so: a curated statement about
   something else never stands in for it.
Within a step, the most specific statement wins: one written for the patient's special
population, then one about the drug asked about, then its class, then general guidance; then
the one naming more of the situation's conditions (ANC range, grade, fever, infection, phase,
interaction); then pack order.

A statement "agrees with the situation" unless it presumes a fever the patient is not known to
have, or excludes one the patient has (see `disagreement`, also used by the article check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from curbside.knowledge.schema import Statement
from curbside.models import Query
from curbside.reason.applies import written_for

if TYPE_CHECKING:
    from curbside.reason import Selected
    from curbside.reason.patient import Assessment

_SCOPE_ORDER = {"drug": 0, "class": 1, "general": 2}


@dataclass(frozen=True)
class Choice:
    selected: Selected
    why: str


def disagreement(
    statement: Statement, febrile: bool | None, fn: bool | None, anc: float | None
) -> str | None:
    """Why `statement` cannot lead an answer for a patient with this fever, febrile-neutropenia
    state and ANC, or None when it can."""
    when = statement.when
    if when.febrile is True and febrile is not True:
        return "it is written for a fever the patient is not known to have"
    if when.febrile is False and febrile is True:
        return "it is written for a patient without fever"
    if fn is True and not statement.urgent:
        return "the patient has febrile neutropenia and it is not the emergency statement"
    if anc is not None and when.anc is not None and not when.anc.contains(anc):
        return "the patient's ANC is outside the range it is written for"
    return None


def _specificity(selected: Selected, query: Query) -> tuple[int, int, int]:
    when = selected.statement.when
    named = sum(
        bool(x)
        for x in (when.anc, when.grades, when.febrile is not None, when.infections, when.phases)
    ) + len(when.with_drugs)
    return (0 if written_for(when, query) else 1, _SCOPE_ORDER[selected.scope], -named)


def _best(candidates: list[Selected], query: Query) -> Selected | None:
    return min(candidates, key=lambda s: _specificity(s, query), default=None)


def choose_bottom_line(
    bottom: list[Selected], ranked: list[Selected], query: Query, assessment: Assessment
) -> Choice | None:
    """Apply the rule above to the bottom-line statements and section statements that apply."""
    fn = assessment.febrile.febrile_neutropenia if assessment.has_data else None
    febrile = query.febrile
    anc = query.anc.value if query.anc else None
    if fn is True:
        urgent = [b for b in bottom if b.urgent and b.statement.when.febrile is True]
        best = _best(urgent, query)
        if best is not None:
            return Choice(best, "febrile neutropenia: the emergency statement leads")
    ask = query.intents[0]

    def fits(selected: Selected) -> bool:
        statement = selected.statement
        return ask in statement.when.intents and (disagreement(statement, febrile, fn, anc) is None)

    best = _best([b for b in bottom if fits(b)], query)
    if best is not None:
        return Choice(best, f"the bottom-line statement that answers '{ask}' for this situation")
    best = _best([s for s in ranked if fits(s)], query)
    if best is not None:
        return Choice(best, f"the statement that answers '{ask}' for this situation")
    return None
