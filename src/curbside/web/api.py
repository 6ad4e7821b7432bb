"""The JSON API (being built): ask, articles, library, follow-up, review, health."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request

from curbside.engine import Engine
from curbside.models import Article, Audience
from curbside.understand import QuestionError


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def install(app: FastAPI) -> None:
    """Add the API routes to the app."""

    @app.get("/api/ask", response_model=Article, tags=["api"])
    def api_ask(q: str, request: Request, audience: Audience | None = None) -> Article:
        """The article for a question, as the answer contract's JSON."""
        try:
            return engine_of(request).ask(q, audience)
        except QuestionError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
