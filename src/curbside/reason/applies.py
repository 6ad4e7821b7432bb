"""Where a statement applies: the population, setting and phase rules of its `when`.

- Population. A statement without `populations` is written for non-pregnant adults and is never
  applied to a child, an infant, a newborn, a pregnant or a breastfeeding patient. 'everyone'
  applies to all; 'adults' to non-pregnant adults; a population id (pregnancy, child, ...) to
  patients who belong to it (a newborn belongs to infants and children too). A trait such as
  benign ethnic neutropenia, named in `populations`, restricts the statement to patients with it.
- Setting and phase apply only when the question makes them known: a statement for the
  chemotherapy setting is left out when the question says there is no chemotherapy; one for
  'before-start' only answers a question asked before the drug is started.
- `with_drugs` (an interaction) applies only when every drug it names is involved.
"""

from __future__ import annotations

from curbside.knowledge.schema import ADULTS, EVERYONE, When
from curbside.models import Query


def population_applies(when: When, query: Query) -> bool:
    situation = query.situation
    wanted = set(when.populations)
    if EVERYONE in wanted:
        return True
    special = set(situation.special)
    traits = set(situation.populations) - special
    if special:
        return bool(wanted & special)
    named_traits = wanted - {ADULTS}
    if named_traits:  # e.g. benign ethnic neutropenia only: the patient must have it
        return bool(named_traits & traits) or ADULTS in wanted
    return True


def written_for(when: When, query: Query) -> bool:
    """Whether the statement is written for one of the patient's populations or traits."""
    return bool(set(when.populations) & set(query.situation.populations))


def written_for_special(when: When, query: Query) -> bool:
    """Whether the statement is written for one of the patient's special populations."""
    return bool(set(when.populations) & set(query.situation.special))


def setting_applies(when: When, query: Query) -> bool:
    setting = query.situation.setting
    return not when.settings or setting is None or setting in when.settings


def phase_applies(when: When, query: Query) -> bool:
    phase = query.situation.phase
    if not when.phases:
        return True
    return phase is not None and phase in when.phases


def interaction_applies(when: When, query: Query) -> bool:
    return set(when.with_drugs) <= set(query.drugs)


def situation_applies(when: When, query: Query) -> bool:
    """Population, setting, phase and interaction rules together."""
    return (
        population_applies(when, query)
        and setting_applies(when, query)
        and phase_applies(when, query)
        and interaction_applies(when, query)
    )
