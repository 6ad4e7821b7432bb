"""The HTML pages (being built): ask, article, follow-up, library, policy, review."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from curbside.compose.render import to_html
from curbside.models import Audience
from curbside.understand import QuestionError
from curbside.web.api import engine_of


def install(app: FastAPI) -> None:
    """Add the page routes to the app."""

    @app.get("/ask", response_class=HTMLResponse, tags=["pages"])
    def page_ask(q: str, request: Request, audience: Audience | None = None) -> str:
        """The article for a question, as a page."""
        try:
            return to_html(engine_of(request).ask(q, audience))
        except QuestionError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
