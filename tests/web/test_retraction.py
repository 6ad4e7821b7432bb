"""A retracted article is not served as content: readers get a notice with the date and the
board's reason, from the article's page and JSON, and when they ask its question again."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from curbside.knowledge.base import KnowledgeBase
from curbside.library import open_library
from curbside.library.system import system_user
from curbside.service import ArticleService
from curbside.settings import Settings
from curbside.web.app import create_app
from curbside.web.urls import article_path

QUESTION = "What is the management of neutropenia caused by anastrozole?"
REASON = "the dose statement was wrong"


def test_a_retracted_article_is_a_notice_with_date_and_reason(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    settings = Settings(home=tmp_path, publish=True, dense="off", rate_limit=0)
    client = TestClient(create_app(engine=ArticleService(settings, kb)))
    asked = client.post("/api/ask", json={"question": QUESTION}).json()
    bottom_line = asked["article"]["bottom_line"]["text"]
    library = open_library(None, tmp_path)
    admin = system_user(library)
    record = library.get(asked["article_id"], admin)
    record = library.transition(record.id, "retracted", admin, record.revision, note=REASON)
    day = library.audit(admin, record.id)[-1].at.date().isoformat()

    for response in (
        client.get(f"/api/articles/{record.id}"),
        client.post("/api/ask", json={"question": QUESTION}),
        client.get("/api/ask", params={"q": QUESTION}),
    ):
        assert response.status_code == 410, response.text
        problem = response.json()
        assert problem["type"] == "/api/docs#problem-retracted"
        assert day in problem["detail"] and REASON in problem["detail"]
        assert bottom_line not in response.text
    for page in (client.get(article_path(record)), client.post("/ask", data={"q": QUESTION})):
        assert page.status_code == 410
        assert day in page.text and REASON in page.text and bottom_line not in page.text

    # Reopened by the admin (the one review action defined in the workflow), then served again
    # once approved; until then it is a draft readers do not see.
    token = library.create_token(admin).secret
    reopened = client.post(
        f"/api/articles/{record.id}/review",
        json={"action": "reopen"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "draft"
    assert client.get(f"/api/articles/{record.id}").status_code == 404
    library.close()
