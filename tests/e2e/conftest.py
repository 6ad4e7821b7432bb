"""Fixtures of the browser tests: the real app served by uvicorn on a free localhost port, a library
with an editor and a reviewer, and headless Debian Chromium driven by Playwright.

Everything here is module-scoped so the server, its data folder and the environment it sets are
gone before the rest of the suite runs. Nothing is downloaded: Chromium is Debian's
(`/usr/bin/chromium`, or CURBSIDE_E2E_CHROMIUM), the driver is the `playwright` pip package and
axe-core comes from `tests/e2e/.axe` (all installed by `scripts/e2e-setup.sh`).
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from e2e_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    TIMEOUT_MS,
    UI,
    USERS,
    browser_unavailable,
    watch,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from curbside.engine import Engine
    from curbside.library import Library, User


@pytest.fixture(scope="module")
def e2e_home() -> Iterator[Path]:
    """The app's data folder, with the operator, an editor and a reviewer in its library."""
    from curbside.library import open_library
    from curbside.library.system import system_user

    home = Path(tempfile.mkdtemp(prefix="curbside-e2e-"))
    library = open_library(None, home)
    try:
        operator = system_user(library)
        for name, (role, password) in USERS.items():
            library.add_user(name, role, password, actor=operator)  # type: ignore[arg-type]
    finally:
        library.close()
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def library(e2e_home: Path) -> Iterator[Library]:
    """A connection of the tests' own to the app's library (state checks)."""
    from curbside.library import open_library

    opened = open_library(None, e2e_home)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def operator(library: Library) -> User:
    from curbside.library.system import system_user

    return system_user(library)


@pytest.fixture(scope="module")
def oracle() -> Engine:
    """An engine of the tests' own, publishing nothing: what a page should show."""
    from curbside.engine import Engine
    from curbside.settings import Settings

    return Engine(
        Settings(
            home=Path(tempfile.mkdtemp(prefix="curbside-e2e-oracle-")), publish=False, dense="off"
        )
    )


@pytest.fixture(scope="module")
def base_url(e2e_home: Path) -> Iterator[str]:
    """The real app under uvicorn in a thread, on a free port of 127.0.0.1."""
    import uvicorn

    from curbside.settings import Settings
    from curbside.web.app import create_app

    with pytest.MonkeyPatch.context() as env:
        # Code that reads Settings() from the environment sees the same configuration.
        env.setenv("CURBSIDE_HOME", str(e2e_home))
        env.setenv("CURBSIDE_PUBLISH", "true")
        env.setenv("CURBSIDE_DENSE", "off")
        app = create_app(settings=Settings(home=e2e_home, publish=True, dense="off"))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the app did not start under uvicorn")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = browser_unavailable()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        yield launched
        launched.close()


@pytest.fixture
def open_ui(browser: Browser, base_url: str) -> Iterator[Callable[..., UI]]:
    """Opens a fresh context (no cookies) at a viewport size; all are closed afterwards."""
    contexts: list[Any] = []

    def make(viewport: tuple[int, int] = DESKTOP) -> UI:
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            device_scale_factor=1,
            is_mobile=viewport[0] < 600,
            has_touch=viewport[0] < 600,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        return watch(UI(page, base_url))

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def ui(open_ui: Callable[..., UI]) -> UI:
    return open_ui()
