"""End-to-end: the real web app in headless Chromium, as a reader, an editor and a reviewer would
use it. Expectations come from an engine of the tests' own (`oracle`), so the pages are checked
against the same answers the API and the CLI give. Skipped when Chromium or Playwright is missing
(install both with scripts/e2e-setup.sh)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import pytest
from e2e_support import AXE_JS, DESKTOP, PHONE, SCREENSHOTS, UI, USERS, browser_unavailable

_REASON = browser_unavailable()
if _REASON:
    pytest.skip(f"browser tests skipped: {_REASON}", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

if TYPE_CHECKING:
    from curbside.engine import Engine
    from curbside.library import Library, User
    from curbside.models import Article

ANASTROZOLE = "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?"
ANAKINRA = (
    "How long to discontinue Anakinra in a patient with neutropenia and viral upper respiratory "
    "tract infection?"
)
PATIENT_QUESTION = (
    "My mother takes anastrozole and her neutrophils came back low. What should she do?"
)
FEVER = "What if she develops a fever?"
AUDIENCES = ["physician", "pharmacist", "nurse", "student", "patient"]
ASK_PAGES = ("/", "/ask")  # where the ask form may live, tried in this order

# What a draft says of itself, and an approved article must not (see the brief: no "pending
# human review" on published pages).
NOT_REVIEWED = re.compile(r"not (yet )?reviewed|pending (human )?review", re.IGNORECASE)
# A dose as a number with a unit (5 µg/kg/day, 1 mg, 500 mg twice daily, 10 units).
DOSE = re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:µg|mcg|mg|g|mL|units?|IU)\b(?!\s*/\s*(?:L|dL|mm))")
# Clinician words a patient answer should not use.
JARGON = re.compile(
    r"\bANC\b|absolute neutrophil count|febrile neutropenia|empiric|β-lactam|beta-lactam|"
    r"\bCTCAE\b|MASCC|anti-pseudomonal|prophylaxis",
    re.IGNORECASE,
)
# The reader's text of an answer: bottom line and statements, without the cited source passages
# (quotes from labels may give doses) and without the reference list.
READER_TEXT_JS = """el => {
  const copy = el.cloneNode(true);
  copy.querySelectorAll('.passage, [role=tooltip], ol.references, .references, script, style')
      .forEach(n => n.remove());
  return copy.innerText;
}"""


# -- helpers ------------------------------------------------------------------------------------


def page_path(question: str, audience: str = "physician") -> str:
    """The article page of a question (the app's GET /ask?q=)."""
    return "/ask?" + urlencode({"q": question, "audience": audience})


def statement_ids(article: Article) -> list[str]:
    return [s.id for section in article.sections for s in section.statements]


def open_ask_page(ui: UI) -> str:
    """Go to the page with the ask form; the path it was found at."""
    seen = []
    for path in ASK_PAGES:
        response = ui.goto(path)
        if ui.page.locator("form#ask-form").count():
            return path
        seen.append(f"{path} ({response.status})")
    pytest.fail(f"no form#ask-form on {', '.join(seen)}")


def ask_in_form(ui: UI, question: str, audience: str, expected_bottom_line: str) -> str:
    """Ask through the form and wait for the answer in #answer; its reader's text."""
    page = ui.page
    page.locator("textarea#question").fill(question)
    page.locator(f"input[name=audience][value={audience}]").check()
    marker = uuid.uuid4().hex
    page.evaluate("m => { window.__e2eMarker = m; }", marker)
    page.locator("button#ask-button").click()
    answer = page.locator("div#answer")
    reloaded = "the page was reloaded: the answer must be filled in place, not by a full submit"
    try:
        expect(answer).to_contain_text(expected_bottom_line, timeout=10_000)
    except AssertionError:
        if page.evaluate("() => window.__e2eMarker") != marker:
            pytest.fail(f"{reloaded} (now at {ui.path()})")
        raise
    assert page.evaluate("() => window.__e2eMarker") == marker, reloaded
    text: str = answer.evaluate(READER_TEXT_JS)
    return text


def check_article_page(ui: UI, article: Article) -> list[str]:
    """What the article page lacks of the element contract, checked against `article`."""
    page = ui.page
    problems: list[str] = []

    def need(selector: str, what: str) -> Any:
        found = page.locator(selector)
        if not found.count():
            problems.append(f"missing {selector} ({what})")
        return found

    if need("main#article", "the article").count():
        expect(page.locator("main#article")).to_be_visible()
    title = need("h1.article-title", "topic title")
    if title.count() and title.first.inner_text().strip() != article.title:
        problems.append(f"h1.article-title is {title.first.inner_text()!r}, not {article.title!r}")
    bottom = need("p.bottom-line", "bottom line")
    if bottom.count() and article.bottom_line.text not in " ".join(
        bottom.first.inner_text().split()
    ):
        problems.append(f"p.bottom-line lacks {article.bottom_line.text!r}")
    shown = page.locator("li[data-statement]").evaluate_all(
        "els => els.map(e => e.dataset.statement)"
    )
    if shown != statement_ids(article):
        problems.append(f"li[data-statement] are {shown}, expected {statement_ids(article)}")
    urgent = page.locator("li[data-statement].urgent").evaluate_all(
        "els => els.map(e => e.dataset.statement)"
    )
    expected_urgent = [s.id for sec in article.sections for s in sec.statements if s.urgent]
    if urgent != expected_urgent:
        problems.append(f"li.urgent are {urgent}, expected {expected_urgent}")
    need('a.cite[href^="#ref-"]', "citation links")
    refs = page.locator("ol.references li[id^=ref-]")
    if refs.count() != len(article.references):
        problems.append(
            f"ol.references li[id^=ref-]: {refs.count()} shown, {len(article.references)} expected"
        )
    stepper = need("ol.status-stepper", "review status")
    if stepper.count() and page.locator("ol.status-stepper [aria-current=step]").count() > 1:
        problems.append("ol.status-stepper has more than one [aria-current=step]")
    need('a[href="/policy"]', "link to the editorial policy")
    disclaimer = need("p.disclaimer", "disclaimer")
    if disclaimer.count() and article.disclaimer not in " ".join(
        disclaimer.first.inner_text().split()
    ):
        problems.append(f"p.disclaimer lacks {article.disclaimer!r}")
    follow_ups = page.locator("ul.follow-ups a")
    texts = [" ".join(t.split()) for t in follow_ups.all_inner_texts()]
    if texts != article.follow_ups:
        problems.append(f"ul.follow-ups a are {texts}, expected {article.follow_ups}")
    need("form#follow-up-form input[name=q]", "follow-up question")
    return problems


def login(ui: UI, name: str) -> None:
    ui.goto("/login")
    page = ui.page
    expect(page.locator("form#login-form")).to_be_visible()
    page.locator("input#username").fill(name)
    page.locator("input#password").fill(USERS[name][1])
    with page.expect_navigation():
        page.locator("form#login-form").get_by_role("button", name="Sign in").click()
    assert not ui.path().startswith("/login"), f"signing in as {name} failed: {ui.path()}"


def logout(ui: UI) -> None:
    page = ui.page
    control = page.locator(
        'form[action$="/logout"] button, form[action$="/logout"] [type=submit], a[href$="/logout"]'
    ).or_(page.get_by_role("button", name=re.compile(r"sign out|log out", re.I)))
    if not control.count():
        pytest.fail(f"no sign-out control (a form posting to /logout, or a button) on {ui.path()}")
    with page.expect_navigation():
        control.first.click()


def wait_for(check: Callable[[], bool], what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def review_action(ui: UI, value: str) -> None:
    button = ui.page.locator(f"button[name=action][value={value}]")
    if not button.count():
        pytest.fail(f"no button[name=action][value={value}] on {ui.path()}")
    button.first.click()
    ui.page.wait_for_load_state()


def run_axe(ui: UI) -> list[dict[str, Any]]:
    if not AXE_JS.is_file():
        pytest.skip(f"axe-core is not installed at {AXE_JS} (run scripts/e2e-setup.sh)")
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy (scripts from
    # /static only) rightly refuses an injected <script>, and stays on for the whole test.
    ui.page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = ui.page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations'], iframes: false})"
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


# -- scenarios ----------------------------------------------------------------------------------


def test_ask_form_contract(ui: UI) -> None:
    """The ask form: question box, the reader's role as a labelled radio group, patient values."""
    open_ask_page(ui)
    page = ui.page
    form = page.locator("form#ask-form")
    expect(form.locator("textarea#question[name=q]")).to_be_visible()
    legend = page.locator("legend", has_text="Which best describes you?")
    fieldset = form.locator("fieldset").filter(has=legend)
    expect(fieldset).to_have_count(1)
    values = fieldset.locator("input[type=radio][name=audience]").evaluate_all(
        "els => els.map(e => e.value)"
    )
    assert values == AUDIENCES
    details = form.locator("details#patient-values")
    expect(details).to_have_count(1)
    expect(details.locator("input#anc")).to_be_hidden()
    details.locator("summary").click()
    expect(details.locator("input#anc")).to_be_visible()
    expect(details.locator("input#temperature")).to_be_visible()
    expect(page.locator("button#ask-button")).to_be_visible()
    expect(page.locator("div#answer")).to_have_attribute("aria-live", "polite")
    ui.assert_no_errors()


def test_patient_values_in_the_ask_form(ui: UI) -> None:
    """The patient-values fields reach the answer: ANC 400/µL with 38.6 °C is febrile
    neutropenia, so the answer opens with an urgent statement."""
    open_ask_page(ui)
    page = ui.page
    page.locator("textarea#question").fill(ANASTROZOLE)
    page.locator("input[name=audience][value=physician]").check()
    page.locator("details#patient-values summary").click()
    page.locator("input#anc").fill("400")
    page.locator("input#temperature").fill("38.6")
    page.locator("button#ask-button").click()
    first = page.locator("div#answer li[data-statement]").first
    expect(first).to_have_class(re.compile(r"\burgent\b"))
    expect(page.locator("div#answer")).to_contain_text("febrile neutropenia")
    ui.assert_no_errors()


@pytest.mark.parametrize("question", [ANASTROZOLE, ANAKINRA], ids=["anastrozole", "anakinra"])
def test_physician_asks_a_seed_question(ui: UI, oracle: Engine, question: str) -> None:
    """Scenario 1: the seed questions as a physician; the bottom line appears in place."""
    expected = oracle.ask(question, "physician")
    open_ask_page(ui)
    text = ask_in_form(ui, question, "physician", expected.bottom_line.text)
    assert expected.title in text
    ui.assert_no_errors()


def test_patient_gets_plain_words_and_no_dose(ui: UI, oracle: Engine) -> None:
    """Scenario 2: a caregiver's question as a patient: plain words, no dose, when to call."""
    expected = oracle.ask(PATIENT_QUESTION, "patient")
    open_ask_page(ui)
    text = ask_in_form(ui, PATIENT_QUESTION, "patient", expected.bottom_line.text)
    assert not DOSE.findall(text), f"doses shown to a patient: {DOSE.findall(text)}"
    assert not JARGON.findall(text), f"clinician words shown to a patient: {JARGON.findall(text)}"
    assert "call" in text.lower() and "fever" in text.lower()
    physician = oracle.ask(PATIENT_QUESTION, "physician")
    assert physician.bottom_line.text not in text
    ui.assert_no_errors()


def test_article_page_and_citation_tooltip(ui: UI, oracle: Engine) -> None:
    """Scenario 3: the article page's parts; a citation shows its passage on focus and on hover,
    and its link goes to the reference."""
    article = oracle.ask(ANASTROZOLE, "physician")
    response = ui.goto(page_path(ANASTROZOLE))
    assert response.status == 200
    problems = check_article_page(ui, article)
    assert not problems, "the article page lacks:\n" + "\n".join(problems)

    page = ui.page
    cite = page.locator('a.cite[href^="#ref-"]').first
    tip_id = cite.get_attribute("aria-describedby")
    assert tip_id, "a.cite has no aria-describedby"
    tip = page.locator(f"span.passage[role=tooltip]#{tip_id}")
    expect(tip).to_have_count(1)
    assert tip.inner_text().strip() or tip.text_content(), "the passage tooltip is empty"
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    cite.focus()
    expect(tip).to_be_visible()
    cite.blur()
    expect(tip).to_be_hidden()
    cite.hover()
    expect(tip).to_be_visible()
    page.keyboard.press("Escape")  # WCAG 1.4.13: dismissible without moving the pointer

    href = cite.get_attribute("href")
    assert href
    cite.click()
    assert urlsplit(page.url).fragment == href[1:]
    reference = page.locator(f"ol.references li{href}")
    expect(reference).to_have_count(1)
    expect(reference).to_be_in_viewport()
    n = int(href.removeprefix("#ref-"))
    expect(reference).to_contain_text(article.references[n - 1].title)

    policy = ui.goto("/policy")
    assert policy.status == 200, "/policy (the editorial policy) does not answer"
    ui.assert_no_errors()


def test_follow_up_on_fever(ui: UI, oracle: Engine) -> None:
    """Scenario 4: 'What if she develops a fever?' under the anastrozole article gives the
    febrile guidance for anastrozole on a /follow-up page that carries the thread."""
    expected = oracle.follow_up([ANASTROZOLE], FEVER, "physician")
    assert "anastrozole" in expected.title.lower()
    ui.goto(page_path(ANASTROZOLE))
    page = ui.page
    field = page.locator("form#follow-up-form input[name=q]")
    expect(field).to_have_count(1)
    field.fill(FEVER)
    with page.expect_navigation():
        field.press("Enter")
    parts = urlsplit(page.url)
    assert parts.path == "/follow-up", page.url
    assert not parts.query, page.url  # sent by POST: the thread is not in the address
    thread = page.locator("form#follow-up-form input[name=thread]").evaluate_all(
        "els => els.map(e => e.value)"
    )
    assert thread == [ANASTROZOLE, FEVER], thread
    expect(page.locator("h1.article-title")).to_have_text(expected.title)
    expect(page.locator("p.bottom-line")).to_contain_text(expected.bottom_line.text)
    body = page.locator("main#article").inner_text().lower()
    assert "febrile" in body and "anastrozole" in body
    problems = check_article_page(ui, expected)
    assert not problems, "the follow-up page lacks:\n" + "\n".join(problems)

    # A suggested follow-up is a link to the same kind of page.
    ui.goto(page_path(ANASTROZOLE))
    link = page.locator("ul.follow-ups a").first
    assert (link.get_attribute("href") or "").startswith("/follow-up?")
    link.click()
    page.wait_for_load_state()
    expect(page.locator("p.bottom-line")).to_be_visible()
    ui.assert_no_errors()


def test_review_flow(
    open_ui: Callable[..., UI], library: Library, operator: User, oracle: Engine
) -> None:
    """Scenario 5: the editor submits; the reviewer starts, comments on a statement and approves;
    signed out, a reader sees the article as Approved."""
    from curbside.web.urls import article_path

    ui = open_ui()
    page = ui.page
    assert ui.goto(page_path(ANAKINRA)).status == 200  # asking publishes the draft
    record = library.find(ANAKINRA, "physician", viewer=operator)
    assert record.status == "draft"
    article_id = record.id
    statement = statement_ids(oracle.ask(ANAKINRA, "physician"))[0]

    def status() -> str:
        return library.get(article_id, viewer=operator).status

    login(ui, "ed")
    ui.goto("/review")
    entry = page.locator(f'a[href="/review/{article_id}"]')
    expect(entry.first).to_be_visible()
    entry.first.click()
    page.wait_for_load_state()
    assert ui.path().startswith(f"/review/{article_id}")
    review_action(ui, "submit")
    wait_for(lambda: status() == "submitted", "the article to be submitted")
    ui.goto("/review")
    logout(ui)

    login(ui, "rev")
    ui.goto("/review")
    entry.first.click()
    page.wait_for_load_state()
    assert ui.path().startswith(f"/review/{article_id}")
    review_action(ui, "start")
    wait_for(lambda: status() == "under_review", "the review to start")

    comment = f"Check the restart threshold wording ({uuid.uuid4().hex[:6]})."
    form = page.locator("form.comment-form").first
    expect(form).to_have_count(1)
    form.locator("select[name=statement_id]").select_option(value=statement)
    form.locator("textarea[name=text]").fill(comment)
    form.locator("[type=submit], button").first.click()
    page.wait_for_load_state()

    def commented() -> bool:
        return any(
            c.body == comment and c.statement_id == statement
            for c in library.comments(article_id, viewer=operator)
        )

    wait_for(commented, "the comment to be stored")
    ui.goto(f"/review/{article_id}")
    expect(page.get_by_text(comment).first).to_be_visible()

    review_action(ui, "approve")
    wait_for(lambda: status() == "approved", "the approval")
    ui.goto("/review")
    logout(ui)

    # Signed out: the review pages are closed, and the article reads as Approved.
    review = ui.goto("/review")
    assert review.status in (401, 403) or page.locator("form#login-form").count(), (
        f"/review is open after signing out ({review.status}, {ui.path()})"
    )
    approved = library.get(article_id, viewer=operator)
    for reader in (ui, open_ui()):
        assert reader.goto(article_path(approved)).status == 200
        current = reader.page.locator("ol.status-stepper [aria-current=step]")
        expect(current).to_have_count(1)
        expect(current).to_contain_text("Approved")
        expect(reader.page.get_by_text(NOT_REVIEWED)).to_have_count(0)
    ui.assert_no_errors()


def test_screenshots(open_ui: Callable[..., UI]) -> None:
    """Scenario 6: the article page at desktop and phone widths, and the ask page."""
    SCREENSHOTS.mkdir(exist_ok=True)
    shots = []
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        ui = open_ui(size)
        assert ui.goto(page_path(ANASTROZOLE)).status == 200
        expect(ui.page.locator("p.bottom-line")).to_be_visible()
        path = SCREENSHOTS / f"article-{name}.png"
        ui.page.screenshot(path=path, full_page=True)
        shots.append(path)
        overflow = ui.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the article page scrolls sideways by {overflow}px at {size[0]}px"
        ui.assert_no_errors()
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        ui = open_ui(size)
        open_ask_page(ui)
        path = SCREENSHOTS / f"ask-{name}.png"
        ui.page.screenshot(path=path, full_page=True)
        shots.append(path)
        ui.assert_no_errors()
    for shot in shots:
        assert shot.stat().st_size > 1000, shot


@pytest.mark.parametrize("which", ["ask", "article"])
def test_accessibility(ui: UI, which: str) -> None:
    """Scenario 7: axe-core finds no serious or critical violation (all are printed)."""
    if which == "ask":
        open_ask_page(ui)
        details = ui.page.locator("details#patient-values")
        if details.count():
            details.evaluate("d => { d.open = true; }")  # check the patient fields too
    else:
        assert ui.goto(page_path(ANASTROZOLE)).status == 200
    violations = run_axe(ui)
    print(f"\naxe on the {which} page: {len(violations)} violation(s)")
    if violations:
        print(describe(violations))
    blocking = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not blocking, (
        f"axe: serious or critical violations on the {which} page:\n{describe(blocking)}\n"
        + json.dumps([v["id"] for v in violations])
    )
