"""Stage 1, understand: turn a question into a Query (drugs, condition, values, intent)."""

from __future__ import annotations

import re
import unicodedata

from curbside.clinical.febrile import FEVER_SINGLE_C, FEVER_SUSTAINED_C
from curbside.knowledge.base import KnowledgeBase
from curbside.models import (
    Audience,
    ConditionName,
    InfectionName,
    Intent,
    Measurement,
    Query,
    Situation,
)
from curbside.patient.model import PatientData
from curbside.understand.lexicon import LABEL_PREFIX, Lexicon
from curbside.understand.situation import SituationReader
from curbside.understand.values import read_values
from curbside.vocabulary import Compiled, vocabulary

MAX_QUESTION_CHARS = 2000
QUESTION_PATTERN = "[A-Za-z]"  # a question has at least one (Latin) letter
# Look-alike characters that NFKC leaves alone: Cyrillic and Greek letters that look Latin, and
# invisible characters (zero-width spaces and joiners, soft hyphens, the byte-order mark).
_LOOK_ALIKES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b",
        "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "τ": "t", "ρ": "p",
        "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
        "\u00ad": None,
    }
)  # fmt: skip


class QuestionError(ValueError):
    """A question that cannot be answered as given (empty, too long, not text)."""


def normalize(text: str) -> str:
    """NFKC, lower case, one spelling of µ, straight quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("μ", "u").replace("µ", "u").translate(_LOOK_ALIKES)
    text = text.replace("’", "'").replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", text).strip()


def check_question(text: str) -> str:
    """The question stripped, or a QuestionError that says what is wrong with it."""
    if not isinstance(text, str):
        raise QuestionError("the question must be text")
    stripped = text.strip()
    if not stripped:
        raise QuestionError("the question is empty: ask about a drug, a count or a situation")
    if len(stripped) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(stripped):,} characters long; keep it under "
            f"{MAX_QUESTION_CHARS:,} (put patient data in a patient file instead)"
        )
    if not re.search(QUESTION_PATTERN, stripped):
        raise QuestionError("the question has no words in it")
    return stripped


class Understander:
    """Holds the lexicon built from the knowledge base; `understand` is cheap per question."""

    def __init__(
        self,
        kb: KnowledgeBase,
        label_names: dict[str, str] | None = None,
        label_classes: dict[str, list[str]] | None = None,
        words: Compiled | None = None,
    ) -> None:
        """`label_names` maps generic and brand names of ingested labels to the generic name;
        `label_classes` maps such a generic name to the pack classes its label names; `words`
        is the vocabulary (the built-in one by default)."""
        self.kb = kb
        self.lexicon = Lexicon(kb, label_names)
        self.label_classes = label_classes or {}
        self.words = words or vocabulary()
        self.situations = SituationReader(self.words)

    def classes_for(self, drugs: list[str], label_drugs: list[str], named: list[str]) -> list[str]:
        """Classes named in the question, then those of its drugs (curated or label-only)."""
        out = list(named)
        found = self.kb.classes_of(drugs)
        found += [c for generic in label_drugs for c in self.label_classes.get(generic, [])]
        for class_id in found:
            if class_id not in out:
                out.append(class_id)
        return out

    def _warns_of_neutropenia(self, drugs: list[str]) -> bool:
        warned = ("boxed-warning", "warning")
        return any(self.kb.drugs[d].label.neutropenia in warned for d in drugs)

    def drug_ids(self, name: str) -> list[str]:
        """Ids of the drugs a medicine name denotes: curated ids, or 'label:<generic>'."""
        return [m.drug_id for m in self.lexicon.drugs(normalize(name))]

    def understand(self, question: str, audience: Audience = "physician") -> Query:
        asked = check_question(question)
        text = normalize(asked)
        drug_matches = self.lexicon.drugs(text)
        drugs = [m.drug_id for m in drug_matches if not m.drug_id.startswith(LABEL_PREFIX)]
        label_drugs = [
            m.drug_id.removeprefix(LABEL_PREFIX)
            for m in drug_matches
            if m.drug_id.startswith(LABEL_PREFIX)
        ]
        named_classes = self.lexicon.classes(text)
        classes = self.classes_for(drugs, label_drugs, named_classes)
        unknown = self.lexicon.unknown_drugs(text, {m.words for m in drug_matches})

        values = read_values(text)
        words = self.words
        conditions: list[ConditionName] = [c for c, p in words.conditions if p.search(text)]
        if values.anc is not None and values.anc.value < 1500 and "neutropenia" not in conditions:
            conditions.append("neutropenia")
        implied = {c.id: c.implies for c in words.data.conditions}
        for condition in list(conditions):
            conditions += [i for i in implied.get(condition, []) if i not in conditions]

        infections: list[InfectionName] = [i for i, p in words.infections if p.search(text)]
        if infections and "any" not in infections:
            infections.append("any")

        fever_at = values.temperature_at
        if fever_at is None:
            mention = words.febrile.search(text)
            fever_at = mention.start() if mention else None
        named = bool(drugs or label_drugs or named_classes)
        situation = self.situations.read(text, fever_at, named)
        names = [m.words for m in drug_matches]
        situation = situation.model_copy(update={"co_medications": names[1:]})
        febrile = self._fever_state(text, values.temperature, situation)
        if febrile and "febrile-neutropenia" not in conditions and "neutropenia" in conditions:
            conditions.insert(0, "febrile-neutropenia")

        if not conditions and named and words.blood_count.search(text):
            # "How often do I check the CBC on Kevzara?": a blood-count question about a drug.
            conditions.append("neutropenia")
        if not conditions and febrile and self._warns_of_neutropenia(drugs):
            # Fever (or a sore throat with fever) on a drug whose label warns of neutropenia or
            # agranulocytosis is suspected neutropenia until a count says otherwise.
            conditions += ["febrile-neutropenia", "neutropenia"]
        grade_match = words.grade.search(text)
        grade = int(grade_match.group("a") or grade_match.group("b")) if grade_match else None
        if grade is not None and "neutropenia" not in conditions:
            conditions.append("neutropenia")

        intents: list[Intent] = [i for i, p in words.intents if p.search(text)]
        if not intents:
            intents = ["management"]
        if values.wbc is not None and values.neutrophil_percent is not None and not values.anc:
            conditions = conditions or ["neutropenia"]

        return Query(
            text=asked,
            normalized=text,
            audience=audience,
            drugs=drugs,
            label_drugs=label_drugs,
            drug_classes=classes,
            named_classes=named_classes,
            unknown_drugs=unknown,
            conditions=conditions,
            infections=infections,
            febrile=febrile,
            anc=values.anc,
            temperature=values.temperature,
            grade=grade,
            intents=intents,
            warnings=values.warnings,
            situation=situation,
            wbc=values.wbc,
            haemoglobin=values.haemoglobin,
            platelets=values.platelets,
            neutrophil_percent=values.neutrophil_percent,
            band_percent=values.band_percent,
        )

    def _fever_state(
        self, text: str, temperature: Measurement | None, situation: Situation
    ) -> bool | None:
        """Fever by the IDSA definition, three-valued: a temperature of 38.3 °C or more is a
        fever; 38.0 to 38.2 °C is one when it has lasted an hour or more, not one when it is a
        single reading, and cannot be told otherwise; without a temperature, the words decide."""
        if temperature is not None:
            if temperature.value >= FEVER_SINGLE_C:
                return True
            if temperature.value < FEVER_SUSTAINED_C:
                return False
            if situation.fever_hours is not None and situation.fever_hours >= 1:
                return True
            return False if situation.fever_single_reading else None
        if self.words.afebrile.search(text):
            return False
        without_hypotheticals = self.words.hypothetical_fever.sub(" ", text)
        if self.words.febrile.search(without_hypotheticals):
            return True
        return None


def with_patient(
    understander: Understander,
    query: Query,
    data: PatientData,
    anc: Measurement | None,
    febrile: bool | None,
) -> Query:
    """The query as the patient's data complete it: the ANC used (measured or computed), the
    temperature, fever by the IDSA definition, the patient's medicines as drugs, and
    neutropenia when the ANC shows it."""
    update: dict[str, object] = {}
    if anc is not None:
        update["anc"] = anc
    if data.temperature is not None and data.origin.get("temperature") != "question":
        update["temperature"] = Measurement(
            value=data.temperature.value, unit="°C", original=data.temperature.as_written
        )
    if febrile is not None:
        update["febrile"] = febrile
    drugs, label_drugs = list(query.drugs), list(query.label_drugs)
    for name in data.medications:
        for drug_id in understander.drug_ids(name):
            if drug_id.startswith(LABEL_PREFIX):
                generic = drug_id.removeprefix(LABEL_PREFIX)
                if generic not in label_drugs:
                    label_drugs.append(generic)
            elif drug_id not in drugs:
                drugs.append(drug_id)
    classes = understander.classes_for(drugs, label_drugs, list(query.drug_classes))
    update.update(drugs=drugs, label_drugs=label_drugs, drug_classes=classes)
    conditions = list(query.conditions)
    used = anc or query.anc
    if used is not None and used.value < 1500 and "neutropenia" not in conditions:
        conditions.append("neutropenia")
    if febrile and "neutropenia" in conditions and "febrile-neutropenia" not in conditions:
        conditions.insert(0, "febrile-neutropenia")
    update["conditions"] = conditions
    return query.model_copy(update=update)


def inherit(query: Query, context: list[Query]) -> Query:
    """A follow-up question completed by its thread: the drugs (and their classes), conditions
    and infections of the latest earlier question that named them, where the follow-up names
    none. The follow-up's own intents and values stand; "what if she develops a fever?" asks
    for the febrile scenario, so it is answered as febrile."""
    update: dict[str, object] = {}
    names_drug = bool(query.drugs or query.label_drugs or query.named_classes)
    conditions = list(query.conditions)
    for earlier in reversed(context):
        earlier_drug = bool(earlier.drugs or earlier.label_drugs or earlier.named_classes)
        if not names_drug and earlier_drug and "drugs" not in update:
            update.update(
                drugs=earlier.drugs,
                label_drugs=earlier.label_drugs,
                named_classes=earlier.named_classes,
                drug_classes=earlier.drug_classes,
                unknown_drugs=earlier.unknown_drugs,
            )
        if not conditions and earlier.conditions:
            conditions = [c for c in earlier.conditions if c != "febrile-neutropenia"]
        if not query.infections and "infections" not in update and earlier.infections:
            update["infections"] = earlier.infections
    situation = query.situation
    for earlier in reversed(context):
        # Who the patient is and the setting carry over: "what if she gets a fever?" after a
        # question about a pregnant patient is still about a pregnant patient.
        inherited: dict[str, object] = {}
        if not situation.populations and earlier.situation.populations:
            inherited.update(
                populations=earlier.situation.populations, special=earlier.situation.special
            )
        for name in ("age_years", "pregnancy_weeks", "trimester", "setting"):
            if getattr(situation, name) is None and getattr(earlier.situation, name) is not None:
                inherited[name] = getattr(earlier.situation, name)
        if inherited:
            origin = {**situation.origin, **dict.fromkeys(inherited, "thread")}
            situation = situation.model_copy(update={**inherited, "origin": origin})
    if situation != query.situation:
        update["situation"] = situation
    febrile = query.febrile
    if febrile is None and context and vocabulary().hypothetical_fever.search(query.normalized):
        febrile = update["febrile"] = True
    if febrile and "neutropenia" in conditions and "febrile-neutropenia" not in conditions:
        conditions.insert(0, "febrile-neutropenia")
    if conditions != query.conditions:
        update["conditions"] = conditions
    return query.model_copy(update=update) if update else query
