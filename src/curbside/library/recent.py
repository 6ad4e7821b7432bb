"""Articles this process has lately stored or found stored, so that a question asked again is
answered after one small query (the article's revision) instead of a full read of the article."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

from curbside.models import Article

RECENT_ARTICLES = 256  # entries kept (about 20 KB of JSON each)


class _Entry(NamedTuple):
    digest: str  # content hash of the answer that was stored
    revision: int  # the article's revision when it was read
    json: str  # the stored article, as read


class RecentArticles:
    """A bounded, thread-safe map from (library, article id) to the stored article, with the
    content hash and revision it had when read.

    An entry is only good while the library still holds that revision: every write to an article
    (new version, review action, edit) raises its revision, so a change made by another process
    is seen on the next ask. Entries hold JSON, so each caller gets an article of its own.
    """

    def __init__(self, size: int = RECENT_ARTICLES) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, library: str, article_id: str, digest: str) -> tuple[int, Article] | None:
        """(revision, article) of the article stored with this content, if one is kept."""
        with self._lock:
            entry = self._entries.get((library, article_id))
            if entry is None or entry.digest != digest:
                return None
            self._entries.move_to_end((library, article_id))
        return entry.revision, Article.model_validate_json(entry.json)

    def put(
        self, library: str, article_id: str, digest: str, revision: int, article: Article
    ) -> None:
        entry = _Entry(digest, revision, article.model_dump_json())
        with self._lock:
            self._entries[(library, article_id)] = entry
            self._entries.move_to_end((library, article_id))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
