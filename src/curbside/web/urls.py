"""Where things live on the web app, shared by the pages and the JSON API."""

from __future__ import annotations

from urllib.parse import urlencode

from curbside.library import ArticleRecord


def article_path(record: ArticleRecord) -> str:
    """The article page of a library article."""
    return f"/articles/{record.id}/{record.slug}"


def follow_up_path(thread: list[str], question: str, audience: str) -> str:
    """A follow-up page: the thread travels in the link, so the conversation can be shared."""
    params = [("thread", q) for q in thread] + [("q", question), ("audience", audience)]
    return f"/follow-up?{urlencode(params)}"
