"""What the browser tests share: where Chromium and axe-core are, the viewports, the users, and
one browser context on the app (`UI`). Imported by conftest.py and test_browser.py."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Response

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CURBSIDE_E2E_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = HERE / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = (1280, 900)
PHONE = (390, 844)  # a common phone viewport (the issue 18 goal)
TIMEOUT_MS = 10_000

USERS = {"ed": ("editor", "ed-long-password"), "rev": ("reviewer", "rev-long-password")}


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (run scripts/e2e-setup.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (run scripts/e2e-setup.sh)"
    return None


@dataclass
class UI:
    """One browser context (its own cookies) on the app, with the page's script errors."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Response:
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response is not None, f"no response for {path}"
        return response

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    def assert_no_errors(self) -> None:
        """No uncaught script error, console error, failed asset or request off the app."""
        assert not self.errors, "errors in the browser:\n" + "\n".join(self.errors)


def _console(ui: UI, msg: ConsoleMessage) -> None:
    # A failed load is reported by _failed_asset with its address; the console line has none.
    if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
        ui.errors.append(f"console.error: {msg.text}")


def _offsite(ui: UI, url: str) -> None:
    """The app is offline: every request stays on the test server (data: and blob: aside)."""
    if url.startswith(("data:", "blob:", "about:")):
        return
    if not url.startswith(ui.base_url + "/") and url != ui.base_url:
        ui.errors.append(f"request off the app: {url}")


def _failed_asset(ui: UI, response: Response) -> None:
    """Scripts, styles, images and fetches that fail (the pages' own status is tested apart)."""
    kind = response.request.resource_type
    if response.status >= 400 and kind != "document" and not response.url.endswith("/favicon.ico"):
        ui.errors.append(f"{kind} {response.url} answered {response.status}")


def watch(ui: UI) -> UI:
    """Record the page's errors on `ui.errors` from now on."""
    ui.page.on("pageerror", lambda exc: ui.errors.append(f"uncaught: {exc}"))
    ui.page.on("console", lambda msg: _console(ui, msg))
    ui.page.on("request", lambda request: _offsite(ui, request.url))
    ui.page.on("response", lambda response: _failed_asset(ui, response))
    return ui
