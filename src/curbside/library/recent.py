"""Articles this process has lately stored or found stored, so that a question asked again is
answered after one small query (the article's revision) instead of a full read of the article,
and, while the knowledge and the evidence are unchanged, without composing the answer again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from curbside.library.model import ArticleRecord
from curbside.models import Article

RECENT_ARTICLES = 256  # entries kept (about 20 KB of JSON each)


class Kept(NamedTuple):
    """A stored article as read, with the library record it was read with."""

    revision: int
    article: Article
    record: ArticleRecord


class _Entry(NamedTuple):
    digest: str  # content hash of the answer that was stored
    versions: str  # knowledge and evidence versions the answer was composed from
    revision: int  # the article's revision when it was read
    json: str  # the stored article, as read
    record: ArticleRecord


class RecentArticles:
    """A bounded, thread-safe map from (library, article id) to the stored article, with the
    content hash, the knowledge and evidence versions and the revision it had when read.

    An entry is only good while the library still holds that revision: every write to an article
    (new version, review action, edit) raises its revision, so a change made by another process
    is seen on the next ask. Entries hold JSON, so each caller gets an article of its own.
    """

    def __init__(self, size: int = RECENT_ARTICLES) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, library: str, article_id: str, digest: str) -> Kept | None:
        """The article stored with this content, if one is kept."""
        return self._get(library, article_id, lambda e: e.digest == digest)

    def composed_from(self, library: str, article_id: str, versions: str) -> Kept | None:
        """The article stored from an answer composed with these knowledge and evidence
        versions, if one is kept: the same question would be answered the same way."""
        return self._get(library, article_id, lambda e: e.versions == versions)

    def _get(self, library: str, article_id: str, good: Callable[[_Entry], bool]) -> Kept | None:
        with self._lock:
            entry = self._entries.get((library, article_id))
            if entry is None or not good(entry):
                return None
            self._entries.move_to_end((library, article_id))
        return Kept(entry.revision, Article.model_validate_json(entry.json), entry.record)

    def put(
        self,
        library: str,
        digest: str,
        versions: str,
        article: Article,
        record: ArticleRecord,
    ) -> None:
        entry = _Entry(digest, versions, record.revision, article.model_dump_json(), record)
        with self._lock:
            self._entries[(library, record.id)] = entry
            self._entries.move_to_end((library, record.id))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, library: str, article_id: str) -> None:
        """Drop the entry (the article changed, or a stale copy was found)."""
        with self._lock:
            self._entries.pop((library, article_id), None)
