"""Kept for callers of the former `Engine`: it is now the article service
(`curbside.service.ArticleService`) over the pure answerer (`curbside.answerer.Answerer`)."""

from curbside.service import ArticleService as Engine

__all__ = ["Engine"]
