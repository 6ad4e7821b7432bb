"""The HTML pages over one engine that publishes to a SQLite library: the ask form, the answer
fragment, article, follow-up, library, policy, sign-in and review pages, and the element contract
the browser tests rely on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from curbside.compose import view
from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.library import ArticleRecord, Library, PermissionDenied, Role, open_library
from curbside.library.system import system_user
from curbside.models import Article, Reference
from curbside.settings import Settings
from curbside.web import page_kit
from curbside.web.app import create_app
from curbside.web.urls import article_path

SEED = "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?"
GRADING = "How is neutropenia graded in CTCAE version 5?"
ANAKINRA = (
    "How long to discontinue Anakinra in a patient with neutropenia and viral upper "
    "respiratory tract infection?"
)
PASSWORD = "correct horse battery staple"
HOSTILE = '<script>alert("pwned")</script> anastrozole neutropenia?'

# ---- a small DOM to check the element contract ------------------------------------------------

VOID = {"area", "base", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    """One element: tag, attributes, children (elements and text)."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def all(
        self, tag: str | None = None, cls: str | None = None, **attrs: str | bool
    ) -> list[Node]:
        """Descendants (and self) by tag, class and attributes (`aria_live` is aria-live; True
        asks only for presence)."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.attrs.get("class", "").split())
            and all(k in n.attrs if v is True else n.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str | bool) -> Node:
        found = self.all(tag, cls, **attrs)
        assert found, f"no {tag or '*'}.{cls} {attrs}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def dom(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.root


# ---- the site ---------------------------------------------------------------------------------


@dataclass
class Site:
    engine: Engine
    library: Library
    app: FastAPI

    def client(self, user: str | None = None) -> TestClient:
        """A browser: anonymous, or signed in as this user."""
        client = TestClient(self.app)
        if user is not None:
            fields = {"username": user, "password": PASSWORD, "next": "/review"}
            response = client.post("/login", data=fields, follow_redirects=False)
            assert response.status_code == 303, response.text
        return client

    def record(self, question: str) -> ArticleRecord:
        return self.library.find(question, "physician", system_user(self.library))

    def approve(self, question: str) -> ArticleRecord:
        """Publish the answer (asking stores it) and take it through review to approved."""
        self.engine.ask(question, "physician")
        record = self.record(question)
        ed, rev = self.library.user("ed"), self.library.user("rev")
        record = self.library.transition(record.id, "submitted", ed, record.revision)
        record = self.library.transition(record.id, "under_review", rev, record.revision)
        return self.library.transition(record.id, "approved", rev, record.revision)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> Site:
    engine = Engine(Settings(home=tmp_path_factory.mktemp("web"), publish=True), kb)
    library = open_library(engine.settings.library_url, engine.settings.home)
    assert library is not None
    operator = system_user(library)
    staff: tuple[tuple[str, Role], ...] = (("ed", "editor"), ("rev", "reviewer"), ("boss", "admin"))
    for name, role in staff:
        library.add_user(name, role, PASSWORD, actor=operator)
    return Site(engine, library, create_app(engine=engine))


@pytest.fixture(scope="module")
def approved_seed(site: Site) -> ArticleRecord:
    return site.approve(SEED)


def labelled(page: Node, control: Node) -> str:
    return page.one("label", for_=control.attrs["id"]).text() if "id" in control.attrs else ""


# ---- the ask page -----------------------------------------------------------------------------


def test_ask_page_has_the_form_contract_and_landmarks(site: Site) -> None:
    response = site.client().get("/")
    assert response.status_code == 200
    page = dom(response.text)
    assert page.one("html").attrs["lang"] == "en"
    for landmark in ("header", "nav", "main", "footer"):
        page.one(landmark)
    skip = page.one("a", cls="skip-link")
    page.one("main", id=skip.attrs["href"].removeprefix("#"))
    form = page.one("form", id="ask-form")
    question = form.one("textarea", id="question", name="q")
    assert labelled(page, question) == "Your question"
    fieldset = form.one("fieldset")
    assert fieldset.one("legend").text() == "Which best describes you?"
    radios = fieldset.all("input", type="radio", name="audience")
    assert [r.attrs["value"] for r in radios] == [
        "physician", "pharmacist", "nurse", "student", "patient",
    ]  # fmt: skip
    assert labelled(page, radios[-1]) == "Patient or caregiver"
    details = form.one("details", id="patient-values")
    details.one("input", id="anc", name="anc")
    details.one("input", id="temperature", name="temperature")
    assert form.one("button", id="ask-button").text() == "Ask"
    assert page.one("div", id="answer").attrs["aria-live"] == "polite"
    controls = page.all("input") + page.all("select") + page.all("textarea")
    for control in controls:
        if control.attrs.get("type") not in {"hidden"}:
            assert labelled(page, control), f"{control.attrs} has no label"


def test_static_files_carry_print_styles_and_the_script(site: Site) -> None:
    client = site.client()
    css = client.get("/static/curbside.css")
    assert css.status_code == 200 and "@media print" in css.text and ":focus-visible" in css.text
    js = client.get("/static/curbside.js")
    assert js.status_code == 200 and '"/fragments/answer"' in js.text
    assert 'method: "POST"' in js.text  # patient values never travel in an address


def test_the_readers_role_is_remembered_in_a_cookie(site: Site) -> None:
    client = site.client()
    response = client.get("/fragments/answer", params={"q": GRADING, "audience": "nurse"})
    assert response.status_code == 200
    assert client.cookies.get("audience") == "nurse"
    page = dom(client.get("/").text)
    assert "checked" in page.one("input", id="audience-nurse").attrs


def test_ask_renders_a_draft_and_redirects_to_the_article_once_approved(site: Site) -> None:
    client = site.client()
    response = client.get("/ask", params={"q": GRADING}, follow_redirects=False)
    assert response.status_code == 200  # stored as a draft, which readers may not see
    page = dom(response.text)
    page.one("main", id="article")
    assert not page.all("li", aria_current="step")
    assert "Draft" in page.one("p", cls="status-banner").text()
    record = site.approve(GRADING)
    response = client.get("/ask", params={"q": GRADING}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == article_path(record)


def test_the_fragment_is_an_article_with_the_patient_values(site: Site) -> None:
    params = {"q": SEED, "anc": "0.4", "anc_unit": "x10^9/L", "temperature": "38.6"}
    response = site.client().post("/fragments/answer", data=params)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "<html" not in response.text and "<main" not in response.text
    fragment = dom(response.text)
    fragment.one("h1", cls="article-title")
    values = fragment.one("section", cls="patient-values").text()
    assert "ANC 400 cells/µL" in values and "Febrile neutropenia (IDSA): yes" in values


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"anc": "lots"}, "is not a number"),
        ({"anc": "0.4", "anc_unit": "furlongs"}, "not one of the ANC units"),
        ({"temperature": "99", "temperature_unit": "C"}, "is not possible"),
        ({"audience": "surgeon"}, "not a reader role"),
    ],
)
def test_bad_patient_values_and_roles_are_400_with_a_message(
    site: Site, params: dict[str, str], said: str
) -> None:
    client = site.client()
    fragment = client.post("/fragments/answer", data={"q": SEED, **params})
    assert fragment.status_code == 400 and said in dom(fragment.text).one("p", cls="error").text()
    page = client.post("/ask", data={"q": SEED, **params})
    assert page.status_code == 400 and said in dom(page.text).one("p", cls="error").text()


# ---- the article page -------------------------------------------------------------------------


def test_the_article_page_has_the_contract_and_passage_tooltips(
    site: Site, approved_seed: ArticleRecord
) -> None:
    response = site.client().get(article_path(approved_seed))
    assert response.status_code == 200
    page = dom(response.text)
    main = page.one("main", id="article")
    assert "anastrozole" in main.one("h1", cls="article-title").text().lower()
    main.one("p", cls="bottom-line")
    assert len(main.all("li", data_statement=True)) >= 5
    cites = main.all("a", cls="cite")
    assert cites
    for cite in cites:
        n = cite.attrs["href"].removeprefix("#ref-")
        passage = main.one("span", cls="passage", id=cite.attrs["aria-describedby"])
        assert passage.attrs["role"] == "tooltip"
        reference = main.one("li", id=f"ref-{n}")
        title = passage.one("span", cls="passage-title").text()
        assert title.endswith(reference.one("cite").text())
        assert "Cited:" in passage.text()
    references = main.one("ol", cls="references").all("li")
    assert all(li.attrs["id"].startswith("ref-") for li in references)
    links = [a.attrs["href"] for a in main.one("ol", cls="references").all("a")]
    assert any(h.startswith("https://doi.org/10.") for h in links)
    assert any(h.startswith("https://pubmed.ncbi.nlm.nih.gov/") for h in links)
    stepper = main.one("ol", cls="status-stepper")
    assert stepper.one("li", aria_current="step").text().startswith("● Approved")
    main.one("a", href="/policy")
    assert main.one("p", cls="disclaimer").text()
    follow_ups = main.one("ul", cls="follow-ups").all("a")
    assert follow_ups and all(a.attrs["href"].startswith("/follow-up?thread=") for a in follow_ups)
    main.one("form", id="follow-up-form").one("input", name="q")


def test_a_quoted_statement_shows_the_quotation_in_its_passage(site: Site) -> None:
    article = site.engine.ask(SEED)
    first = article.sections[0].statements[0].model_copy(update={"support": "quoted"})
    section = article.sections[0].model_copy(update={"statements": [first]})
    quoted = article.model_copy(update={"sections": [section]})
    html = (
        page_kit.environment()
        .get_template("_article.html")
        .render(viewer=None, path="/", csrf_token="t", **page_kit.article_context(quoted, [], None))
    )
    item = dom(html).one("li", data_statement=first.id)
    assert item.one("q").text() == first.text
    assert item.one("q", cls="passage-quote").text() == first.text


def test_a_wrong_slug_redirects_and_unknown_or_unpublished_articles_are_not_found(
    site: Site, approved_seed: ArticleRecord
) -> None:
    client = site.client()
    for wrong in (f"/articles/{approved_seed.id}/old-slug", f"/articles/{approved_seed.id}"):
        response = client.get(wrong, follow_redirects=False)
        assert response.status_code == 301
        assert response.headers["location"] == article_path(approved_seed)
    missing = client.get("/articles/0000000000000000/nothing")
    assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text
    site.engine.ask(ANAKINRA)
    draft = site.record(ANAKINRA)
    assert client.get(article_path(draft)).status_code == 404
    assert site.client("ed").get(article_path(draft)).status_code == 200  # staff see drafts


# ---- follow-ups, library, policy --------------------------------------------------------------


def test_the_follow_up_page_keeps_the_drug_and_extends_the_thread(site: Site) -> None:
    params = {"thread": [SEED], "q": "What if she develops a fever?", "audience": "physician"}
    response = site.client().get("/follow-up", params=params)
    assert response.status_code == 200
    page = dom(response.text)
    assert "anastrozole" in page.one("h1", cls="article-title").text().lower()
    earlier = page.one("nav", cls="thread").all("a")
    assert [a.text() for a in earlier] == [SEED]
    assert earlier[0].attrs["href"].startswith("/ask?q=What+is+the+management")
    urgent = page.one("li", cls="urgent")
    assert urgent.one("strong", cls="urgent-label").text() == "Urgent:"
    form = page.one("form", id="follow-up-form")
    thread = [i.attrs["value"] for i in form.all("input", name="thread")]
    assert thread == [SEED, "What if she develops a fever?"]


def test_library_search_finds_approved_articles_for_readers_and_drafts_for_staff(
    site: Site, approved_seed: ArticleRecord
) -> None:
    site.engine.ask(ANAKINRA)
    reader = site.client()
    for params in ({"q": "anastrozole"}, {"drug": "anastrozole"}, {}):
        page = dom(reader.get("/library", params=params).text)
        hrefs = [a.attrs["href"] for a in page.all("a", cls="record-title")]
        assert article_path(approved_seed) in hrefs
        assert article_path(site.record(ANAKINRA)) not in hrefs
    staff = dom(site.client("ed").get("/library", params={"status": "draft"}).text)
    assert [a.text() for a in staff.all("a", cls="record-title")]
    assert reader.get("/library", params={"status": "pending"}).status_code == 400


def test_the_policy_page_explains_writing_review_statuses_and_errors(site: Site) -> None:
    response = site.client().get("/policy")
    assert response.status_code == 200
    headings = [h.text() for h in dom(response.text).all("h2")]
    for heading in ("How articles are written", "How articles are reviewed", "Review statuses"):
        assert heading in headings
    assert "How to report an error" in headings


# ---- sign-in and review -----------------------------------------------------------------------


def test_sign_in_sets_an_httponly_session_cookie_and_sign_out_revokes_it(site: Site) -> None:
    client = site.client()
    page = dom(client.get("/login").text)
    form = page.one("form", id="login-form")
    form.one("input", id="username")
    form.one("input", id="password", type="password")
    assert form.one("button", type="submit").text() == "Sign in"
    wrong = client.post("/login", data={"username": "rev", "password": "nope"})
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
    assert "curbside_session" not in client.cookies
    right = client.post(
        "/login", data={"username": "rev", "password": PASSWORD}, follow_redirects=False
    )
    assert right.status_code == 303 and right.headers["location"] == "/review"
    cookie = next(c for c in right.headers.get_list("set-cookie") if "curbside_session=" in c)
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    secret = client.cookies["curbside_session"]
    assert site.library.user_for_token(secret).name == "rev"
    assert client.get("/review").status_code == 200
    assert client.post("/logout", follow_redirects=False).status_code == 303
    with pytest.raises(PermissionDenied):
        site.library.user_for_token(secret)


def test_the_review_dashboard_needs_a_staff_sign_in(site: Site) -> None:
    response = site.client().get("/review/abc", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def _press(client: TestClient, site: Site, action: str, question: str = ANAKINRA) -> Node:
    record = site.record(question)
    fields = {"action": action, "revision": str(record.revision)}
    response = client.post(f"/review/{record.id}", data=fields)
    return dom(response.text)


def test_review_flow_the_author_cannot_approve_another_reviewer_can(site: Site) -> None:
    site.engine.ask(ANAKINRA)
    record = site.record(ANAKINRA)
    boss = site.client("boss")
    queue = dom(boss.get("/review").text)
    section = queue.one("section", id=f"queue-{record.status}")
    assert f"/review/{record.id}" in [a.attrs["href"] for a in section.all("a")]
    page = dom(boss.get(f"/review/{record.id}").text)
    page.one("main", id="article").one("h1", cls="article-title")
    comment = page.one("form", cls="comment-form")
    comment.one("select", name="statement_id")
    comment.one("textarea", name="text")
    page.one("button", name="action", value="submit")
    _press(boss, site, "submit")
    assert site.record(ANAKINRA).status == "submitted"
    _press(boss, site, "start")
    refused = _press(boss, site, "approve")
    message = refused.one("p", cls="error").text()
    assert message.startswith("The author cannot approve") and "another reviewer" in message
    assert site.record(ANAKINRA).status == "under_review"

    rev = site.client("rev")
    page = dom(rev.get(f"/review/{record.id}").text)
    page.one("button", name="action", value="approve")
    page.one("button", name="action", value="request-changes")
    done = _press(rev, site, "approve")
    assert done.one("p", cls="done").text().startswith("Approved")
    assert site.record(ANAKINRA).status == "approved"
    assert site.client().get(article_path(record)).status_code == 200


def test_a_stale_form_is_refused_with_a_reload_message_and_comments_are_kept(site: Site) -> None:
    site.engine.ask(GRADING, "nurse")
    record = site.library.find(GRADING, "nurse", system_user(site.library))
    ed = site.client("ed")
    statement = site.library.article(record.id, site.library.user("ed")).sections[0].statements[0]
    read = str(record.revision)
    fields = {"statement_id": statement.id, "text": "Cite the table.", "revision": read}
    response = ed.post(f"/review/{record.id}/comments", data=fields)
    assert response.status_code == 200
    comments = dom(response.text).one("ol", cls="comment-list").text()
    assert "Cite the table." in comments and f"statement {statement.id}" in comments
    stale = ed.post(f"/review/{record.id}", data={"action": "submit", "revision": read})
    assert stale.status_code == 409
    assert "Reload the page" in dom(stale.text).one("p", cls="error").text()
    empty = ed.post(f"/review/{record.id}/comments", data={"text": " ", "revision": read})
    assert empty.status_code == 400 and "needs some text" in empty.text


# ---- hostile and bad input --------------------------------------------------------------------


def test_a_hostile_question_is_escaped_everywhere(site: Site) -> None:
    client = site.client()
    responses = [
        client.get("/ask", params={"q": HOSTILE}),
        client.get("/fragments/answer", params={"q": HOSTILE}),
        client.get("/follow-up", params={"thread": [HOSTILE], "q": HOSTILE}),
        client.get("/ask", params={"q": HOSTILE + "x" * 3000}),
        client.get("/library", params={"q": HOSTILE}),
    ]
    for response in responses:
        assert response.status_code in {200, 400}
        assert "<script>alert" not in response.text
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    ("question", "said"),
    [("", "The question is empty"), ("   ", "The question is empty"), ("x" * 20_000, "20,000")],
)
def test_empty_and_overlong_questions_are_400_with_a_message(
    site: Site, question: str, said: str
) -> None:
    client = site.client()
    page = client.get("/ask", params={"q": question})
    assert page.status_code == 400
    tree = dom(page.text)
    assert said in tree.one("p", cls="error", id="ask-error").text()
    assert tree.one("textarea", id="question").attrs["aria-invalid"] == "true"
    fragment = client.get("/fragments/answer", params={"q": question})
    assert fragment.status_code == 400 and said in fragment.text
    follow_up = client.get("/follow-up", params={"thread": [SEED], "q": question})
    assert follow_up.status_code == 400 and said in follow_up.text


# ---- pieces -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "current"),
    [
        ("draft", None),
        ("submitted", "Submitted"),
        ("under_review", "Under review"),
        ("changes_requested", "Changes requested"),
        ("approved", "Approved"),
        ("retracted", None),
    ],
)
def test_the_stepper_marks_the_current_step(status: str, current: str | None) -> None:
    steps = view.stepper(status)  # type: ignore[arg-type]
    assert [s.label for s in steps if s.state == "current"] == ([current] if current else [])


def test_reference_links_go_to_doi_pubmed_and_the_source() -> None:
    ref = Reference(
        n=1, source_id="x", title="T", publisher="P", locator="L", kind="review",
        doi="10.1/ab(c)", pmid="123", url="https://example.org/a", set_id=None,
    )  # fmt: skip
    assert view.reference_links(ref) == [
        ("doi:10.1/ab(c)", "https://doi.org/10.1/ab(c)"),
        ("PubMed 123", "https://pubmed.ncbi.nlm.nih.gov/123/"),
        ("example.org", "https://example.org/a"),
    ]
    unsafe = ref.model_copy(update={"url": "javascript:alert(1)", "doi": None, "pmid": None})
    assert view.reference_links(unsafe) == []


def test_the_article_context_threads_the_question(site: Site) -> None:
    article: Article = site.engine.ask(SEED)
    context = page_kit.article_context(article, ["earlier"], "/x")
    assert context["thread"] == ["earlier", article.question]


def test_a_statement_opens_its_source_quotes_in_a_disclosure(site: Site) -> None:
    question = "How long should deferiprone be held for neutropenia with an ANC of 700?"
    response = site.client().post("/fragments/answer", data={"q": question})
    assert response.status_code == 200
    fragment = dom(response.text)
    anchored = [
        li
        for li in fragment.all("li")
        if li.attrs.get("data-statement") == "deferiprone-neutropenia-interrupt"
    ]
    assert anchored, "the deferiprone interrupt statement is in the article"
    (details,) = anchored[0].all("details", cls="evidence")
    assert details.one("summary").text().startswith("Source text")
    quote = details.one("blockquote").text()
    assert quote.startswith("For neutropenia (ANC < 1.5 x 10 9 /L")
    assert "ferriprox-us-label-2011" in details.one("figcaption").text()
