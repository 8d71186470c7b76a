"""Chromium through Playwright: one browser for the browser tests, a fresh page a test, and
screenshots at a phone's and a desktop's width where CI keeps them."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from newsdesk.demo.corpus import DEMO_SOURCES, corpus_articles
from newsdesk.news.enrich import article_enrich
from newsdesk.news.models import Article
from newsdesk.pipeline.translate import LibreTranslate, NoTranslation
from newsdesk.search.index import index_rebuild
from newsdesk.sources.services import source_ingest
from tests.conftest import require_service
from tests.factories import SourceFactory
from tests.libretranslate import serving

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
# The articles of reader_site: demo corpus ids, and the id of a copy made for a story.
SEED = "tass-rudenko-interview"
TALKS = "kremlin-ru-76870"
TALKS_COPY = "kremlin-ru-76870-copy"
# The copy's source has a home page address long enough to overflow a phone's screen.
LONG_HOMEPAGE = (
    "http://kremlin.ru/events/president/transcripts/international-negotiations/76870"
    "?from=newsdesk-reader-tests&section=foreign-policy"
)

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


@pytest.fixture
def screenshot_now(request: pytest.FixtureRequest) -> Callable[..., None]:
    """shoot(page, name, dark=False): the whole page at its current width, into SCREENSHOTS
    as <test module>--<name>--phone-390.png (or desktop-1280, …); with DARK, in the dark
    colour scheme (…-dark.png), after which the page is light again."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def shoot(page: Page, name: str, *, dark: bool = False) -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        width = page.viewport_size["width"] if page.viewport_size else DESKTOP["width"]
        label = f"{'phone' if width < DESKTOP['width'] else 'desktop'}-{width}"
        path = SCREENSHOTS / f"{module}--{slug}--{label}{'-dark' if dark else ''}.png"
        if dark:
            page.emulate_media(color_scheme="dark")
        page.screenshot(path=path, full_page=True)
        if dark:
            page.emulate_media(color_scheme="light")
        _taken.append(path)

    return shoot


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once where the screenshots are, so CI logs point at them."""
    if _taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(_taken)} screenshots in {SCREENSHOTS}")


@pytest.fixture
def reader_site(settings: Settings, tmp_path: Path) -> Iterator[dict[str, Article]]:
    """The reader's site as the pipeline makes it, for tests that walk every kind of page.

    Through the demo origin pages and feeds (newsdesk.demo.site), ingested over file:// and
    enriched: the seed interview (TASS, English, with its photo); the Russian talks of
    kremlin.ru, machine-translated into English by a LibreTranslate-speaking server on
    loopback (tests.libretranslate); and the talks again on a second source, three hours
    later, which makes a story of the two. Then the search index is rebuilt, as
    `newsdesk search_index --rebuild` would. Keys: SEED, TALKS, TALKS_COPY (whose source's
    home page is LONG_HOMEPAGE).
    """
    from tests.browser.test_entities_browser import publish

    settings.NEWSDESK_FILE_ROOTS = [tmp_path]
    settings.NEWSDESK_HOST_DELAY = 0
    settings.NEWSDESK_TRANSLATE_TO = ("en",)
    texts = {article.id: article for article in corpus_articles()}
    talks = texts[TALKS]
    # The copy has no canonical URL of its own: the same one would make it the same article.
    copy = dataclasses.replace(
        talks, id=TALKS_COPY, url="", published=talks.published + timedelta(hours=3)
    )
    plan = [
        (SEED, "tass", texts[SEED], {}),
        (TALKS, "kremlin-ru", talks, {}),
        (
            TALKS_COPY,
            "kremlin-ru",
            copy,
            {"name": "Kremlin (copy)", "slug": "kremlin-copy", "homepage": LONG_HOMEPAGE},
        ),
    ]
    stored: dict[str, Article] = {}
    with (
        serving() as translator,
        contextlib.closing(LibreTranslate(translator.url, timeout=10.0)) as provider,
    ):
        for key, source_key, text, overrides in plan:
            spec = DEMO_SOURCES[source_key]
            source = SourceFactory.create(
                **{
                    "name": spec.name,
                    "url": publish(tmp_path / key, [text], source_key=source_key),
                    "homepage": spec.homepage,
                    "language": spec.language,
                    "rights_holder": spec.rights_holder,
                    "rights_statement": spec.rights_statement,
                    "license_name": spec.license_name,
                    "license_url": spec.license_url,
                    **overrides,
                }
            )
            report = source_ingest(source=source)
            assert report.new == 1, report
            stored[key] = article = Article.objects.get(source=source)
            article_enrich(article=article, provider=provider if key == TALKS else NoTranslation())
    index_rebuild()
    for article in stored.values():
        article.refresh_from_db()
    yield stored
    # The cached lead image lives in MEDIA_ROOT, which the test database does not clean.
    for article in Article.objects.exclude(image_file=""):
        article.image_file.delete(save=False)
