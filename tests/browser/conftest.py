"""Chromium through Playwright: one browser for the browser tests, a fresh page a test, and
screenshots at a phone's and a desktop's width where CI keeps them."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.conftest import require_service

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Without the background-networking flags Chromium keeps trying to reach the internet.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

_taken: list[Path] = []


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (NEWSDESK_CHROMIUM, else /usr/bin/chromium), headless.

    Package-scoped: it closes after the last browser test, because while Playwright's
    driver runs, its event loop counts as running in this thread and Django would refuse
    the ORM calls of every later test. The code under test stays synchronous, so Django's
    check is lifted for as long as the browser lives.
    """
    executable = os.environ.get("NEWSDESK_CHROMIUM", "/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("Playwright", "install the dev extra: make install")
    if not os.access(executable, os.X_OK):
        require_service("Chromium", f"{executable} is missing: apt-get install chromium")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A page in its own browser context (no cookies from other tests), English first."""
    context = chromium.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_problems(page: Page, live_server: LiveServer) -> list[str]:
    """What went wrong while the page was used: console errors, script errors, failed or
    4xx/5xx requests, and any request that left the site (a reader's browser must not
    call the origins)."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" and not message.location["url"].endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "requestfailed", lambda request: problems.append(f"failed {request.url}: {request.failure}")
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "about:"))
            else problems.append(f"request outside the site: {request.url}")
        ),
    )
    return problems


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """shoot(page, name): the whole page at phone and desktop widths, into SCREENSHOTS as
    <test module>--<name>--phone-390.png and …--desktop-1280.png; the page is left at
    desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def shoot(page: Page, name: str) -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            path = SCREENSHOTS / f"{module}--{slug}--{label}-{size['width']}.png"
            page.screenshot(path=path, full_page=True)
            _taken.append(path)

    return shoot


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once where the screenshots are, so CI logs point at them."""
    if _taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(_taken)} screenshots in {SCREENSHOTS}")
