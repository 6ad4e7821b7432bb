"""The answerer: the only module that knows the order of the stages, and does no library I/O.

understand (the question, merged with any patient data, and the calculators' reading of it) ->
reason -> retrieve -> compose -> verify. Retrieval runs after reasoning because what it fetches
depends on what the curated knowledge covers: the label text of a drug that has no curated entry,
and, when no curated statement applies at all, the passages for an evidence digest. Storing the
answer in the article library is the article service's work (`curbside.service`); the answerer
says whether an answer may be stored (`Answered.storable`).
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from curbside.compose.article import Evidence, compose
from curbside.compose.quotes import NEUTROPENIA_WORDS, digest_quotes, label_quotes
from curbside.knowledge.base import KnowledgeBase
from curbside.models import Article, Audience, Measurement, Query, Support
from curbside.patient.merge import merge
from curbside.patient.model import PatientData
from curbside.reason import Reasoner, Reasoning
from curbside.reason.patient import Assessment, assess
from curbside.retrieve import Retriever, filters_for
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings
from curbside.understand import Understander, inherit, with_patient
from curbside.understand.lexicon import LABEL_PREFIX
from curbside.understand.patient_text import patient_from_question
from curbside.verify import apply_verdicts, check_contract
from curbside.verify.support import statement_sha

if TYPE_CHECKING:  # the general tier loads the readers: only once a general question comes
    from curbside.general.answer import GeneralAnswers

DIGEST_PASSAGES = 20  # passages searched for digest sentences


@dataclass(frozen=True)
class Answered:
    """An answer, with what the article service needs to store it."""

    article: Article
    drugs: list[str]  # names of the drugs it is about, for library search
    storable: bool  # asked on its own (not leaning on a thread), about no particular patient


class Answerer:
    """Load the knowledge once, then answer questions: question + audience + patient ->
    Article. Reads knowledge and evidence only; never the article library."""

    def __init__(self, settings: Settings | None = None, kb: KnowledgeBase | None = None) -> None:
        self.settings = settings or Settings()
        self.kb = kb or KnowledgeBase.load(self.settings.packs)
        # The evidence store is opened only when something has been ingested: asking a question
        # never creates files.
        path = self.settings.evidence_path
        self.store = EvidenceStore(path) if path.is_file() else None
        label_names: dict[str, str] = {}
        label_classes: dict[str, list[str]] = {}
        if self.store is not None:
            for drug in self.store.label_drugs():
                for name in (drug.generic, *drug.brand_names):
                    label_names[name.lower()] = drug.generic
                classes = [self.kb.class_named(c) for c in drug.pharm_classes]
                label_classes[drug.generic] = [c for c in classes if c is not None]
        self.understander = Understander(self.kb, label_names, label_classes)
        self.reasoner = Reasoner(self.kb)
        # Drug ids (curated, or "label:<generic>") known to cause neutropenia.
        self.neutropenic = {
            d.id for d in self.kb.drugs.values() if d.label.neutropenia != "not-listed"
        }
        if self.store is not None:
            self.neutropenic |= {
                f"{LABEL_PREFIX}{g}" for g in self.store.label_drugs_mentioning(NEUTROPENIA_WORDS)
            }
        self.verdicts = self._current_verdicts()

    @cached_property
    def retriever(self) -> Retriever | None:
        """Hybrid search over the store; loaded on first use (the dense model takes a moment)."""
        return None if self.store is None else Retriever(self.settings, self.store)

    def _current_verdicts(self) -> dict[str, Support]:
        """Verdicts of the last `curbside verify` for statements unchanged since."""
        if self.store is None:
            return {}
        stored = self.store.verdicts()
        out: dict[str, Support] = {}
        for statement in self.kb.statements:
            found = stored.get(statement.id)
            if found and found[0] == statement_sha(statement.text.clinician):
                out[statement.id] = found[1]  # type: ignore[assignment]
        return out

    def understand(self, question: str, audience: Audience | None = None) -> Query:
        return self.understander.understand(question, audience or self.settings.audience)

    def assess(self, query: Query, patient: PatientData | None) -> tuple[Query, Assessment]:
        """Merge the question's patient details with the patient data given (the question
        first), run the calculators, and complete the query with what they found."""
        data = patient_from_question(query)
        if patient is not None:
            data = merge(data, patient)
        flagged = [
            m
            for m in data.medications
            if any(i in self.neutropenic for i in self.understander.drug_ids(m))
        ]
        assessment = assess(data, flagged)
        anc = None
        if assessment.anc is not None:
            written = data.anc.as_written if data.anc else assessment.anc_source or ""
            anc = Measurement(value=assessment.anc, unit="cells/µL", original=written)
        completed = with_patient(self.understander, query, data, anc, assessment.febrile.fever)
        warnings = [*completed.warnings, *assessment.warnings]
        return completed.model_copy(update={"warnings": warnings}), assessment

    @cached_property
    def general(self) -> GeneralAnswers | None:
        """Trusted sources' own answers (issue 17), built from the store on first use."""
        if self.store is None or self.retriever is None:
            return None
        from curbside.general.answer import GeneralAnswers

        drugs = [d.name for d in self.kb.drugs.values()]
        drugs += [d.generic for d in self.store.label_drugs()]
        return GeneralAnswers(self.store, self.retriever.lexical, drugs, self.retriever.dense)

    def retrieve(self, query: Query, reasoning: Reasoning) -> Evidence:
        """Label text for label-only drugs; digest quotations when nothing curated applies."""
        if self.store is None:
            return Evidence()
        if reasoning.curated:
            labels = {
                drug: label_quotes(self.store.passages_of([f"label:{drug}"]))
                for drug in query.label_drugs
            }
            return Evidence(labels=labels)
        retriever = self.retriever
        assert retriever is not None
        names = [self.kb.drugs[d].name for d in query.drugs] + query.label_drugs
        about = [n.lower() for n in [*names, *query.unknown_drugs]]
        # A general question (issue 17) is searched by its question sentences, not its story.
        general = self.general if not about else None
        text = general.asked(query.text) if general is not None else query.text
        filters = filters_for(query, names)
        result = retriever.search(text, k=DIGEST_PASSAGES, filters=filters)
        if filters and not result.hits:  # nothing about that drug or kind: search everything
            result = retriever.search(text, k=DIGEST_PASSAGES)
        note = f"The evidence search was lexical only: {result.note}." if result.note else None
        weights = retriever.lexical.term_weights(text)
        quotes = digest_quotes(text, result.hits, about, weights)
        if general is not None:  # only quotations on the question's focus and type
            quotes = general.on_topic(query.text, quotes)
        return Evidence(digest=quotes, note=note)

    @property
    def versions(self) -> str:
        """What an answer depends on besides the question: the knowledge loaded and the evidence
        ingested (with the verdicts of the last verification). A stored article looked up by
        question is only reused while these are unchanged."""
        path = self.settings.evidence_path
        evidence = _stamp([path, path.with_name(path.name + "-wal")])
        return f"{self.knowledge_version}:{evidence}:{self.settings.strict}"

    @cached_property
    def knowledge_version(self) -> str:
        """SHA-256 of the knowledge packs loaded (their text, read once)."""
        digest = hashlib.sha256()
        for pack in sorted(self.kb.pack_files):
            digest.update(str(pack).encode() + b"\0")
            with suppress(OSError):
                digest.update(pack.read_bytes())
        return digest.hexdigest()[:16]

    def ask(
        self,
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
    ) -> Article:
        """Answer one question, about this patient when data are given, as an article."""
        return self.answer(question, audience, today, patient).article

    def answer(
        self,
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
    ) -> Answered:
        """`ask`, with whether the answer may be stored and the drugs it is about."""
        return self._answer(self.understand(question, audience), patient, today, standalone=True)

    def follow_up(
        self,
        previous: list[str],
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
    ) -> Article:
        """Answer a follow-up in the context of the earlier questions of a thread."""
        return self.answer_follow_up(previous, question, audience, today, patient).article

    def answer_follow_up(
        self,
        previous: list[str],
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
    ) -> Answered:
        """Answer a follow-up in the context of the earlier questions of a thread (oldest first):
        what the new question does not say (the drug, the condition, the patient's values) is
        taken from them. A follow-up that leans on its thread is not storable."""
        query = self.understand(question, audience)
        context = [self.understand(q, audience) for q in previous]
        completed = inherit(query, context)
        values = [patient_from_question(q) for q in reversed(context)]
        given = [patient] if patient is not None else []
        record = merge(*given, *values) if (given or values) else None
        standalone = completed == query and not any(v.origin for v in values)
        answered = self._answer(completed, record, today, standalone=standalone)
        if standalone or not previous:
            return answered
        article = answered.article
        note = f"Answered in the context of: {' / '.join(previous)}"
        article = article.model_copy(update={"notes": [note, *article.notes]})
        return Answered(article, answered.drugs, storable=False)

    def _answer(
        self, query: Query, patient: PatientData | None, today: date | None, standalone: bool
    ) -> Answered:
        query, assessment = self.assess(query, patient)
        reasoning = self.reasoner.reason(query, assessment)
        # Issue 17: a trusted source's own answer, only where no curated statement applies and
        # the question is not about a particular patient (curated knowledge always comes first).
        asked_of = None if reasoning.curated or _about_a_patient(reasoning) else self.general
        sourced = asked_of.answer(query, today or date.today()) if asked_of is not None else None
        if sourced is not None:
            article = sourced
        else:
            evidence = self.retrieve(query, reasoning)
            article = compose(query, reasoning, evidence, self.kb, today or date.today())
        article = check_contract(apply_verdicts(article, self.verdicts, self.settings.strict))
        names = [self.kb.drugs[d].name for d in query.drugs] + query.label_drugs
        storable = standalone and article.patient is None and article.coverage != "none"
        return Answered(article, names, storable)


def _stamp(paths: list[Path]) -> str:
    """Size and modification time of each file (none: '-'): changes when anything is ingested
    or verified."""
    parts = []
    for path in paths:
        try:
            stat = path.stat()
            parts.append(f"{stat.st_size}.{stat.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return "/".join(parts)


def _about_a_patient(reasoning: Reasoning) -> bool:
    """Whether the question gives a particular patient's values (counts, temperature, grade,
    medicines): then it is not a general question. An age alone ("I'm 35 years old, is there
    treatment for ...") does not make it one; a child's age makes it a question about children,
    which only an answer written for children may answer (``general/questions.yaml``)."""
    p = reasoning.patient
    if p is None:
        return False
    values = (p.anc_per_uL, p.temperature_c, p.ctcae_grade)
    return any(v is not None for v in values) or bool(p.medications)
