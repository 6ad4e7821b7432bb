"""The web app: pages, the JSON API and the CDS Hooks service over one article service. Every
route asks the service; nothing here knows clinical content. No asset is fetched from the
internet: the interactive API docs that load from a CDN are off, and `/openapi.json` is served."""

from __future__ import annotations

from contextlib import suppress

from fastapi import FastAPI, HTTPException, Request, Response

from curbside import __version__
from curbside.library import LibraryUnavailable
from curbside.patient.errors import PatientDataError
from curbside.service import ArticleService
from curbside.settings import Settings
from curbside.web import api, pages, problems, security
from curbside.web.cds_hooks import SERVICES, HookInputError, cards, discovery
from curbside.web.cds_models import Discovery, HookRequest, HookResponse
from curbside.web.situations import Situations


def create_app(settings: Settings | None = None, engine: ArticleService | None = None) -> FastAPI:
    """The ASGI app over one article service (the knowledge loaded once, the library's schema
    migrated once, at start-up)."""
    service = engine or ArticleService(settings)
    service.answerer  # noqa: B018 - the knowledge and evidence are loaded now, not on a request
    with suppress(LibraryUnavailable):  # a library that is down is tried again per request
        service.pool()  # migrate now, not on a request
    app = FastAPI(title="Curbside", version=__version__, docs_url=None, redoc_url=None)
    app.state.service = service
    app.state.situations = situations = Situations()
    api.install(app)
    pages.install(app)
    security.install(app)

    @app.get("/cds-services", response_model=Discovery, tags=["cds-hooks"])
    def cds_discovery() -> Discovery:
        """CDS Hooks discovery: the services and their prefetch templates."""
        return discovery()

    @app.post(
        "/cds-services/{service_id}",
        response_model=HookResponse,
        response_model_exclude_none=True,
        tags=["cds-hooks"],
        responses=problems.problem_responses(400, 404, 422),
    )
    def cds_call(service_id: str, call: HookRequest, request: Request) -> Response:
        """A CDS Hooks call: cards for this patient."""
        descriptor = SERVICES.get(service_id)
        if descriptor is None:
            raise HTTPException(status_code=404, detail=f"no CDS service '{service_id}'")
        if call.hook != descriptor.hook:
            raise HTTPException(
                status_code=400, detail=f"service '{service_id}' answers '{descriptor.hook}' only"
            )
        try:
            found = cards(service, call, situations)
        except PatientDataError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        except HookInputError as exc:
            return problems.hook_input(str(exc), request.url.path)
        body = found.model_dump_json(exclude_none=True)
        # Cards about one patient: no cache keeps them.
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    return app
