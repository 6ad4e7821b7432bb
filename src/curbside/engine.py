"""The engine: the only module that knows the order of the stages.

understand (the question, merged with any patient data, and the calculators' reading of it) ->
reason -> retrieve -> compose -> verify -> publish. Retrieval runs after reasoning because what
it fetches depends on what the curated knowledge covers: the label text of a drug that has no
curated entry, and, when no curated statement applies at all, the passages for an evidence digest.
Publishing stores a patient-independent answer in the article library (a question asked again
returns the stored article, with its review status); an answer about a particular patient is
returned as a draft and not stored.
"""

from __future__ import annotations

import threading
from datetime import date
from functools import cached_property

from curbside.compose.article import Evidence, compose
from curbside.compose.quotes import NEUTROPENIA_WORDS, digest_quotes, label_quotes
from curbside.knowledge.base import KnowledgeBase
from curbside.library import Library, open_library
from curbside.library.content import article_id, content_hash
from curbside.library.outage import unavailable_errors
from curbside.library.recent import RecentArticles
from curbside.library.system import system_user
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

DIGEST_PASSAGES = 20  # passages searched for digest sentences


class Engine:
    """Load the knowledge once, then answer questions."""

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
        self._local = threading.local()
        self.recent = RecentArticles()  # articles stored or found stored, by library and id
        # Drug ids (curated, or "label:<generic>") known to cause neutropenia.
        self.neutropenic = {
            d.id for d in self.kb.drugs.values() if d.label.neutropenia != "not-listed"
        }
        if self.store is not None:
            self.neutropenic |= {
                f"{LABEL_PREFIX}{g}" for g in self.store.label_drugs_mentioning(NEUTROPENIA_WORDS)
            }
        self.verdicts = self._current_verdicts()

    @property
    def library(self) -> Library | None:
        """The article library (None when publishing is off): one connection per thread, opened
        on first use, since a web server answers on several threads at once."""
        if not self.settings.publish:
            return None
        library: Library | None = getattr(self._local, "library", None)
        if library is None:
            library = open_library(self.settings.library_url, self.settings.home)
            self._local.library = library
        return library

    @property
    def library_if_open(self) -> Library | None:
        """This thread's library connection if one is open (None otherwise); opens nothing."""
        library: Library | None = getattr(self._local, "library", None)
        return library

    def forget_library(self) -> None:
        """Drop this thread's library connection (lost or closed); the next use reconnects."""
        self._local.library = None
        self._local.system_user = None

    def publish(self, article: Article, drugs: list[str]) -> Article:
        """Store the answer as an article (or find it stored) and return the stored version.
        When the library's database cannot be reached the answer is returned unpublished, with a
        note; this thread's connection is dropped, so the next answer tries the database again."""
        try:
            library = self.library
            if library is None or article.patient is not None or article.coverage == "none":
                return article
            actor = getattr(self._local, "system_user", None) or system_user(library)
            self._local.system_user = actor  # looked up once per thread's connection
            place = self.settings.library_url or str(self.settings.home)
            key, digest = article_id(article.question, article.audience), content_hash(article)
            kept = self.recent.get(place, key, digest)
            if kept is not None and library.revision(key) == kept[0]:
                return kept[1]  # asked before, same content, nothing changed since
            record, _ = library.publish(article, actor, drugs)
            stored = library.article(record.id, viewer=actor)
            self.recent.put(place, key, digest, record.revision, stored)
            return stored
        except unavailable_errors() as exc:
            self.forget_library()
            note = f"This answer was not stored: the article library is unavailable ({exc})."
            return article.model_copy(update={"notes": [*article.notes, note]})

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

    def retrieve(self, query: Query, reasoning: Reasoning) -> Evidence:
        """Label text for label-only drugs; digest quotations when nothing curated applies."""
        if self.store is None:
            return Evidence()
        if not (reasoning.out_of_scope or reasoning.bottom_line is None):
            labels = {
                drug: label_quotes(self.store.passages_of([f"label:{drug}"]))
                for drug in query.label_drugs
            }
            return Evidence(labels=labels)
        retriever = self.retriever
        assert retriever is not None
        names = [self.kb.drugs[d].name for d in query.drugs] + query.label_drugs
        filters = filters_for(query, names)
        result = retriever.search(query.text, k=DIGEST_PASSAGES, filters=filters)
        if filters and not result.hits:  # nothing about that drug or kind: search everything
            result = retriever.search(query.text, k=DIGEST_PASSAGES)
        note = f"The evidence search was lexical only: {result.note}." if result.note else None
        about = [n.lower() for n in [*names, *query.unknown_drugs]]
        weights = retriever.lexical.term_weights(query.text)
        quotes = digest_quotes(query.text, result.hits, about, weights)
        return Evidence(digest=quotes, note=note)

    def ask(
        self,
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
    ) -> Article:
        """Answer one question, about this patient when data are given, as an article."""
        return self._answer(self.understand(question, audience), patient, today, publish=True)

    def follow_up(
        self,
        previous: list[str],
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
    ) -> Article:
        """Answer a follow-up in the context of the earlier questions of a thread (oldest first):
        what the new question does not say (the drug, the condition, the patient's values) is
        taken from them. A follow-up that leans on its thread is not stored in the library."""
        query = self.understand(question, audience)
        context = [self.understand(q, audience) for q in previous]
        completed = inherit(query, context)
        values = [patient_from_question(q) for q in reversed(context)]
        given = [patient] if patient is not None else []
        record = merge(*given, *values) if (given or values) else None
        standalone = completed == query and not any(v.origin for v in values)
        article = self._answer(completed, record, today, publish=standalone)
        if standalone or not previous:
            return article
        note = f"Answered in the context of: {' / '.join(previous)}"
        return article.model_copy(update={"notes": [note, *article.notes]})

    def _answer(
        self, query: Query, patient: PatientData | None, today: date | None, publish: bool
    ) -> Article:
        query, assessment = self.assess(query, patient)
        reasoning = self.reasoner.reason(query, assessment)
        evidence = self.retrieve(query, reasoning)
        article = compose(query, reasoning, evidence, self.kb, today or date.today())
        article = check_contract(apply_verdicts(article, self.verdicts, self.settings.strict))
        if not publish:
            return article
        names = [self.kb.drugs[d].name for d in query.drugs] + query.label_drugs
        return self.publish(article, names)
