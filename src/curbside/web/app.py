"""The web app: the article as JSON and HTML, and the CDS Hooks service. Every route asks the
engine; nothing here knows clinical content."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from curbside import __version__
from curbside.compose.render import to_html
from curbside.engine import Engine
from curbside.models import Article, Audience
from curbside.patient.errors import PatientDataError
from curbside.settings import Settings
from curbside.understand import QuestionError
from curbside.web.cds_hooks import SERVICES, cards, discovery
from curbside.web.cds_models import Discovery, HookRequest, HookResponse


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The ASGI app over one engine (loaded once)."""
    engine = engine or Engine(settings)
    app = FastAPI(title="Curbside", version=__version__)

    def answer(q: str, audience: Audience | None) -> Article:
        try:
            return engine.ask(q, audience)
        except QuestionError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc

    @app.get("/api/ask", response_model=Article)
    def api_ask(q: str, audience: Audience | None = None) -> Article:
        """The article for a question, as the answer contract's JSON."""
        return answer(q, audience)

    @app.get("/ask", response_class=HTMLResponse)
    def page_ask(q: str, audience: Audience | None = None) -> str:
        """The article for a question, as a page."""
        return to_html(answer(q, audience))

    @app.get("/cds-services", response_model=Discovery)
    def cds_discovery() -> Discovery:
        """CDS Hooks discovery: the services and their prefetch templates."""
        return discovery()

    @app.post(
        "/cds-services/{service_id}",
        response_model=HookResponse,
        response_model_exclude_none=True,
    )
    def cds_call(service_id: str, call: HookRequest, request: Request) -> HookResponse:
        """A CDS Hooks call: cards for this patient."""
        service = SERVICES.get(service_id)
        if service is None:
            raise HTTPException(status_code=404, detail=f"no CDS service '{service_id}'")
        if call.hook != service.hook:
            raise HTTPException(
                status_code=400, detail=f"service '{service_id}' answers '{service.hook}' only"
            )
        try:
            return cards(engine, call, str(request.base_url))
        except PatientDataError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc

    return app
