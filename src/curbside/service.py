"""The article service: the answerer and the article library behind every shell (CLI, web pages,
JSON API, CDS Hooks).

It owns what the answerer must not know about: connections to the library (one per request,
taken from a pool and given back by the thread that used it), the recent copies of stored
articles, the system user that publishes answers, privacy (what is never stored) and the outage
policy: when the library is locked, full, read-only or unreachable the answer still comes,
unstored and saying so, with `Outcome.outage` set so that a shell can answer 503 with it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from curbside.answerer import Answered, Answerer
from curbside.guards import DraftQuota, LoginGuard
from curbside.knowledge.base import KnowledgeBase
from curbside.library import (
    ArticleRecord,
    Library,
    LibraryPool,
    LibraryUnavailable,
    NotFound,
    PermissionDenied,
    User,
)
from curbside.library.content import article_id, content_hash
from curbside.library.recent import RecentArticles
from curbside.library.system import system_user
from curbside.models import Article, Audience, Query
from curbside.patient.model import PatientData
from curbside.privacy import identifiers, not_stored_note
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings

OFF = "this server keeps no article library (CURBSIDE_PUBLISH is false)"
LOCAL = "local"  # the client of a question asked on this machine (CLI)


@dataclass(frozen=True)
class Outcome:
    """An answer as the service gives it: the article, the library record it is stored as (None
    when it was not stored), why the library could not be used (None when it could), and whether
    it is about one person (patient values or identifiers: never cached by a browser either)."""

    article: Article
    record: ArticleRecord | None = None
    outage: str | None = None
    private: bool = False


class ArticleService:
    """Answer questions and keep the answers: one per process, shared by every thread."""

    def __init__(
        self,
        settings: Settings | None = None,
        kb: KnowledgeBase | None = None,
        answerer: Answerer | None = None,
    ) -> None:
        self.settings = settings or (answerer.settings if answerer else Settings())
        self._kb = kb
        if answerer is not None:
            self.__dict__["answerer"] = answerer
        self.recent = RecentArticles()  # articles stored or found stored, by library and id
        self._pools: dict[tuple[str | None, str], LibraryPool] = {}
        self._system: dict[tuple[str | None, str], User] = {}
        self._lock = threading.Lock()
        s = self.settings
        self.logins = LoginGuard(
            s.login_concurrency,
            s.login_failures_per_account,
            s.login_failures_per_address,
            s.login_window,
        )
        self.drafts = DraftQuota(s.drafts_per_client_hour, s.max_pending_drafts)

    # ---- the answerer (loaded on first use: library commands need none) ----------------------

    @cached_property
    def answerer(self) -> Answerer:
        return Answerer(self.settings, self._kb)

    @property
    def kb(self) -> KnowledgeBase:
        return self.answerer.kb

    @property
    def store(self) -> EvidenceStore | None:
        return self.answerer.store

    def understand(self, question: str, audience: Audience | None = None) -> Query:
        return self.answerer.understand(question, audience)

    # ---- library connections -----------------------------------------------------------------

    @property
    def _place(self) -> tuple[str | None, str]:
        return (self.settings.library_url, str(self.settings.home))

    def pool(self) -> LibraryPool | None:
        """The connections of the configured library, made (and the schema migrated) on first
        use; None when publishing is off. LibraryUnavailable when it cannot be opened (tried
        again on the next call)."""
        if not self.settings.publish:
            return None
        place = self._place
        with self._lock:
            pool = self._pools.get(place)
            if pool is None:
                pool = LibraryPool(
                    place[0],
                    self.settings.home,
                    busy_timeout=self.settings.library_busy_timeout,
                    size=self.settings.library_connections,
                )
                self._pools[place] = pool
        return pool

    @contextmanager
    def connection(self) -> Iterator[Library | None]:
        """A library connection for this block alone (None when publishing is off); use it only
        in the thread that asked for it."""
        pool = self.pool()
        if pool is None:
            yield None
            return
        with pool.connection() as library:
            yield library

    @contextmanager
    def library(self) -> Iterator[Library]:
        """As `connection`, but LibraryUnavailable when this server keeps no library."""
        with self.connection() as library:
            if library is None:
                raise LibraryUnavailable(OFF)
            yield library

    def system_user(self, library: Library) -> User:
        """The account that publishes answers (looked up once per library)."""
        place = self._place
        user = self._system.get(place)
        if user is None:
            user = system_user(library)
            self._system[place] = user
        return user

    def authenticate(self, name: str, password: str, address: str) -> User:
        """The user, when the password is theirs (PermissionDenied otherwise); `Throttled`
        without checking it after too many failures, or while too many checks run (a library
        connection is taken only once a check may run)."""
        with self.logins.attempt(name, address) as outcome, self.library() as library:
            try:
                user = library.authenticate(name, password)
            except PermissionDenied:
                outcome(False)
                raise
            outcome(True)
            return user

    async def authenticate_async(self, name: str, password: str, address: str) -> User:
        """`authenticate` for the web app: the sign-in waits for a check slot in the event
        loop, not on a worker thread (see `LoginGuard.run`)."""
        return await self.logins.run(
            name, address, lambda: self.authenticate(name, password, address)
        )

    def close(self) -> None:
        """Close every pooled connection."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    # ---- answering ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
    ) -> Article:
        """Answer one question (stored in the library when it may be) as an article."""
        return self.respond(question, audience, today, patient).article

    def follow_up(
        self,
        previous: list[str],
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
    ) -> Article:
        """Answer a follow-up in the context of the earlier questions of a thread."""
        return self.respond_follow_up(previous, question, audience, today, patient).article

    def respond(
        self,
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
        client: str = LOCAL,
    ) -> Outcome:
        """The answer with where it is stored. A repeated patient-independent question is looked
        up first: while the knowledge, the evidence and the stored article are unchanged, the
        stored article is the answer and nothing is composed. `Retracted` (with the notice) when
        the board retracted the stored article of this question."""
        audience = audience or self.settings.audience
        private = identifiers(question)
        if self.settings.publish and patient is None and not private:
            found = self._repeat(question, audience)
            if found is not None:
                return found
        answered = self.answerer.answer(question, audience, today, patient)
        return self._keep(answered, private, client)

    def respond_follow_up(
        self,
        previous: list[str],
        question: str,
        audience: Audience | None = None,
        today: date | None = None,
        patient: PatientData | None = None,
        client: str = LOCAL,
    ) -> Outcome:
        """A follow-up's answer with where it is stored (only one that does not lean on its
        thread may be)."""
        private = identifiers("\n".join([*previous, question]))
        answered = self.answerer.answer_follow_up(previous, question, audience, today, patient)
        return self._keep(answered, private, client)

    def _repeat(self, question: str, audience: Audience) -> Outcome | None:
        """The stored article of a question answered before from the same knowledge and
        evidence, when the library still holds it unchanged (one small query)."""
        place = repr(self._place)
        key = article_id(question, audience)
        kept = self.recent.composed_from(place, key, self.answerer.versions)
        if kept is None:
            return None
        try:
            with self.library() as library:
                current = library.revision(key)
        except LibraryUnavailable:
            return None  # answered and reported as an outage by the full path
        if current != kept.revision:
            self.recent.forget(place, key)
            return None
        return Outcome(kept.article, kept.record)

    def _keep(self, answered: Answered, private: list[str], client: str) -> Outcome:
        """Store a storable answer (or find it stored); others are returned with a note saying
        they were not kept when privacy is the reason."""
        article = answered.article
        about_patient = article.patient is not None
        if private or about_patient:
            note = not_stored_note(private, about_patient)
            article = article.model_copy(update={"notes": [*article.notes, note]})
        if private or not answered.storable or not self.settings.publish:
            return Outcome(article, private=bool(private) or about_patient)
        try:
            return self._publish(article, answered.drugs, client)
        except LibraryUnavailable as exc:
            note = f"This answer was not stored: the article library is unavailable ({exc})."
            unstored = article.model_copy(update={"notes": [*article.notes, note]})
            return Outcome(unstored, outage=str(exc))

    def _publish(self, article: Article, drugs: list[str], client: str) -> Outcome:
        place = repr(self._place)
        key, digest = article_id(article.question, article.audience), content_hash(article)
        versions = self.answerer.versions
        with self.library() as library:
            actor = self.system_user(library)
            kept = self.recent.get(place, key, digest)
            revision = library.revision(key)
            if kept is not None and revision == kept.revision:
                return Outcome(kept.article, kept.record)  # same content, nothing changed since
            if revision is None and client != LOCAL:  # a new draft from a caller: quota
                refused = self.drafts.refusal(client, lambda: library.count("draft"))
                if refused is not None:
                    note = f"This answer was not stored in the library: {refused}."
                    unstored = article.model_copy(update={"notes": [*article.notes, note]})
                    return Outcome(unstored)
            record, made = library.publish(article, actor, drugs)
            if made == "created":
                self.drafts.created(client)
            library.check_not_retracted(record)  # the board withdrew it: the notice instead
            stored = library.article(record.id, viewer=actor)
        self.recent.put(place, digest, versions, stored, record)
        return Outcome(stored, record)

    def find(self, article: Article, viewer: User | None) -> ArticleRecord | None:
        """The library article an answer is stored as, if this viewer may see it (None for an
        answer about a patient, and while the library is unavailable)."""
        if article.patient is not None or not self.settings.publish:
            return None
        try:
            with self.library() as library:
                return library.find(article.question, article.audience, viewer)
        except (NotFound, LibraryUnavailable):
            return None
