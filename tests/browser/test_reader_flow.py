"""A reader's way through the site in Chromium, at a desktop's and a phone's width: the home
page, an article, a person or country it mentions, a search that finds another form of the
word, the same search in Russian, and a Russian result.

The articles come through the pipeline (the reader_site fixture). Each page is photographed
at the width of the run, and in the dark colour scheme on the desktop run; the phone run also
checks that no page scrolls sideways at 360 px, the narrowest phone we design for.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

import pytest
from django.urls import translate_url
from pytest_django.live_server_helper import LiveServer

from newsdesk.news.models import Article, Entity
from tests.browser.conftest import DESKTOP, PHONE, SEED, TALKS

# Without Playwright the chromium fixture skips these tests (fails them in CI).
with contextlib.suppress(ImportError):
    from playwright.sync_api import Page, ViewportSize, expect

SEED_TITLE = (
    "Russian Deputy Foreign Minister: Russia will block military threats from Japan"
    " - TASS interview"
)
TALKS_TITLE = "Российско-китайские переговоры"
NARROWEST = 360

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_reader_goes_from_the_home_page_through_an_article_and_a_search_into_russian(
    width: str,
    reader_site: dict[str, Article],
    live_server: LiveServer,
    page: Page,
    page_problems: list[str],
    screenshot_now: Callable[..., None],
) -> None:
    base = DESKTOP if width == "desktop" else PHONE
    size: ViewportSize = {"width": base["width"], "height": base["height"]}
    narrowest: ViewportSize = {"width": NARROWEST, "height": base["height"]}

    def seen(name: str) -> None:
        """Photograph the page; in dark colours too on a desktop; at 360 px on a phone."""
        screenshot_now(page, name)
        if width == "desktop":
            screenshot_now(page, name, dark=True)
        else:
            page.set_viewport_size(narrowest)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            page.set_viewport_size(size)
            assert overflow <= NARROWEST, f"{name}: {overflow} px wide at {NARROWEST} px"

    page.set_viewport_size(size)
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/en/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest news")
    seen("home en")

    page.get_by_role("link", name=SEED_TITLE).click()
    expect(page).to_have_url(live_server.url + reader_site[SEED].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_TITLE)
    expect(page.locator(".article .meta time")).to_have_text("March 7, 2023, 02:33")
    seen("article seed en")

    mentions = page.locator("#mentions")
    expect(mentions.get_by_role("heading")).to_have_text("The news mentions")
    mentions.get_by_role("link", name="Japan", exact=True).click()
    japan = Entity.objects.get(name_en="Japan")
    expect(page).to_have_url(live_server.url + japan.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Japan")
    expect(page.locator(".article-list .article-item__title a")).to_have_text([SEED_TITLE])
    seen("entity japan en")

    # The text says "threats", never "threat": the search finds the word by its stem.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    expect(page).to_have_url(live_server.url + "/en/search/")
    search = page.get_by_role("search")
    search.get_by_role("searchbox", name="Search the news").fill("threat")
    search.get_by_role("button", name="Search").click()
    # The page's script leaves the empty filters out of the address.
    expect(page).to_have_url(live_server.url + "/en/search/?q=threat")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.locator(".search-count")).to_have_text("1 article found")
    result = page.locator(".search-results .article-item")
    expect(result.locator(".article-item__title a")).to_have_text(SEED_TITLE)
    expect(result.locator(".article-item__title mark")).to_have_text("threats")
    expect(result.locator(".search-snippet mark").first).to_have_text(re.compile("^[Tt]hreats$"))
    expect(result.locator("time")).to_have_text("March 7, 2023, 02:33")
    seen("search threat en")

    page.get_by_role("link", name="Русский").click()
    expect(page).to_have_url(live_server.url + "/ru/search/?q=threat")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Поиск")
    expect(page.get_by_role("searchbox", name="Искать в новостях")).to_have_value("threat")
    expect(page.locator(".search-count")).to_have_text("Найдена 1 статья")
    expect(result.locator("time")).to_have_text("7 марта 2023, 02:33")
    expect(result.locator(".article-item__title mark")).to_have_text("threats")
    expect(page.get_by_role("link", name="English")).to_have_attribute(
        "href", re.compile(r"^/en/search/\?q=threat(&|$)")
    )
    seen("search threat ru")

    # A Russian word in a form the texts do not use: "переговорах" finds "переговоры".
    page.get_by_role("searchbox", name="Искать в новостях").fill("переговорах")
    page.get_by_role("button", name="Найти", exact=True).click()
    expect(page).to_have_url(
        live_server.url
        + "/ru/search/?q=%D0%BF%D0%B5%D1%80%D0%B5%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%D0%B0%D1%85"
    )
    # The talks and their copy make one story, which the results list once.
    expect(page.locator(".search-count")).to_have_text("Найдена 1 статья")
    expect(page.locator(".search-results .article-item__title mark")).to_have_text("переговоры")
    expect(page.locator(".search-results time")).to_have_text("8 мая 2025, 07:10")
    seen("search talks ru")

    page.locator(".search-results .article-item__title a").click()
    talks = reader_site[TALKS]
    expect(page).to_have_url(live_server.url + translate_url(talks.get_absolute_url(), "ru"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TALKS_TITLE)
    expect(page.locator("#mentions h2")).to_have_text("В новости упоминаются")
    expect(page.locator("#rights-title")).to_have_text("Источник и права")
    seen("article talks ru")
    assert page_problems == []
