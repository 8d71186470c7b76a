"""The mentions feature as a reader meets it in Chromium: from the home page to an article,
from its "The news mentions" to a person's page, in English and in Russian.

The articles come through the pipeline: demo origin pages and feeds (newsdesk.demo.site)
written for the seed interview and one Russian text of the demo corpus, ingested over
file:// and enriched. The texts: TASS (public domain) and kremlin.ru (President of Russia,
CC BY 4.0); attribution and changes in newsdesk/demo/corpus/README.md.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.urls import translate_url
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from newsdesk.demo.corpus import DEMO_SOURCES, DemoArticle, corpus_articles
from newsdesk.demo.site import LEAD_IMAGE, placeholder_png, render_feed, render_page
from newsdesk.news.enrich import article_enrich
from newsdesk.news.entities import entities_merge
from newsdesk.news.models import Article, Entity
from newsdesk.pipeline.translate import NoTranslation
from newsdesk.sources.services import source_ingest
from tests.factories import EntityFactory, SourceFactory

# Without Playwright the chromium fixture skips these tests (fails them in CI).
with contextlib.suppress(ImportError):
    from playwright.sync_api import Page, expect

SEED = "tass-rudenko-interview"
SEED_TITLE = "Russian Deputy Foreign Minister: Russia will block military threats from Japan"
TALKS = "kremlin-ru-76870"  # "Российско-китайские переговоры": short, and it names China
TALKS_TITLE = "Российско-китайские переговоры"

pytestmark = pytest.mark.django_db(transaction=True)


def publish(folder: Path, articles: list[DemoArticle], *, source_key: str) -> str:
    """Write the articles' origin pages and their source's feed; returns the feed's URL."""
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    (folder / "feeds").mkdir(exist_ok=True)
    (folder / LEAD_IMAGE).parent.mkdir(exist_ok=True)
    (folder / LEAD_IMAGE).write_bytes(placeholder_png(320, 180))
    source = DEMO_SOURCES[source_key]
    for article in articles:
        page = render_page(article, source=source)
        (folder / "articles" / f"{article.id}.html").write_text(page, encoding="utf-8")
    feed = folder / "feeds" / f"{source_key}.xml"
    feed.write_bytes(render_feed(articles, source=source, out_dir=folder))
    return feed.as_uri()


@pytest.fixture
def enriched(settings: Settings, tmp_path: Path) -> Iterator[dict[str, Article]]:
    """The seed interview and the Russian talks, ingested from their feeds and enriched."""
    settings.NEWSDESK_FILE_ROOTS = [tmp_path]
    settings.NEWSDESK_HOST_DELAY = 0
    texts = {article.id: article for article in corpus_articles()}
    stored: dict[str, Article] = {}
    for key, identifier in (("tass", SEED), ("kremlin-ru", TALKS)):
        spec = DEMO_SOURCES[key]
        source = SourceFactory.create(
            name=spec.name,
            url=publish(tmp_path / key, [texts[identifier]], source_key=key),
            homepage=spec.homepage,
            language=spec.language,
            rights_holder=spec.rights_holder,
            rights_statement=spec.rights_statement,
            license_name=spec.license_name,
            license_url=spec.license_url,
        )
        report = source_ingest(source=source)
        assert report.new == 1, report
        stored[identifier] = article = Article.objects.get(source=source)
        article_enrich(article=article, provider=NoTranslation())
    yield stored
    # The cached lead image lives in MEDIA_ROOT, which the test database does not clean.
    for article in Article.objects.exclude(image_file=""):
        article.image_file.delete(save=False)


def test_a_reader_goes_from_an_article_to_the_people_it_mentions_in_english_and_russian(
    enriched: dict[str, Article],
    live_server: LiveServer,
    page: Page,
    page_problems: list[str],
    screenshot: Callable[[Page, str], None],
) -> None:
    page.goto(live_server.url + "/")
    # An address without a language leads to the reader's (the browser asks for English).
    expect(page).to_have_url(live_server.url + "/en/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest news")
    assert_stylesheet_applied(page)
    page.get_by_role("link", name=SEED_TITLE).click()

    expect(page).to_have_url(live_server.url + enriched[SEED].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(SEED_TITLE))
    figure = page.locator(".article__figure img")
    assert figure.get_attribute("alt")
    # The image loads after the page does: wait for it rather than look too early.
    page.wait_for_function(
        "() => { const image = document.querySelector('.article__figure img');"
        " return image.complete && image.naturalWidth > 0; }"
    )
    assert figure.evaluate("image => image.naturalWidth") == 320
    expect(page.locator(".article__figure figcaption")).to_have_text(
        "Image source: Пресс-служба МИД РФ/ ТАСС"
    )
    mentions = page.locator("#mentions")
    expect(mentions.get_by_role("heading")).to_have_text("The news mentions")
    expect(mentions.get_by_role("link", name="China", exact=True)).to_be_visible()
    screenshot(page, "article seed interview en")
    mentions.get_by_role("link", name="Andrey Rudenko", exact=True).click()

    rudenko = Entity.objects.get(key="person:rudenko")
    expect(page).to_have_url(live_server.url + rudenko.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Andrey Rudenko")
    names = page.locator(".entity-names")
    expect(names.locator("dd[lang=en]")).to_have_text("Andrey Rudenko")
    expect(names.locator("dd[lang=ru]")).to_have_text("Андрей Руденко")
    expect(names).to_contain_text("In Russian")
    expect(page.get_by_role("heading", name="News that mentions it")).to_be_visible()
    expect(page.locator(".article-list .article-item__title a")).to_have_text(
        [re.compile(SEED_TITLE)]
    )
    screenshot(page, "entity rudenko en")

    page.get_by_role("link", name="Русский").click()

    expect(page).to_have_url(live_server.url + translate_url(rudenko.get_absolute_url(), "ru"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Андрей Руденко")
    expect(names).to_contain_text("По-английски")
    expect(names).to_contain_text("По-русски")
    expect(page.get_by_role("heading", name="Новости, в которых упоминается")).to_be_visible()
    expect(page.get_by_role("link", name="Последние новости")).to_be_visible()
    screenshot(page, "entity rudenko ru")

    # Back to the article, in the Russian interface, and on to a country both texts name.
    page.get_by_role("link", name=re.compile(SEED_TITLE)).click()
    expect(page.locator("#mentions h2")).to_have_text("В новости упоминаются")
    page.locator("#mentions").get_by_role("link", name="Китай", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Китай")
    # Newest first: the talks of 2025, then the interview of 2023.
    expect(page.locator(".article-list .article-item__title a")).to_have_text(
        [TALKS_TITLE, re.compile(SEED_TITLE)]
    )
    expect(page.locator(".article-list article[lang=ru] .article-item__title a")).to_have_text(
        TALKS_TITLE
    )
    assert page_problems == []


def test_a_merged_entity_s_old_address_leads_the_browser_to_the_entity_it_became(
    live_server: LiveServer, page: Page, page_problems: list[str]
) -> None:
    kept = EntityFactory.create(
        kind=Entity.Kind.PERSON, name_en="Andrey Rudenko", name_ru="Андрей Руденко", slug="rudenko"
    )
    duplicate = EntityFactory.create(
        kind=Entity.Kind.PERSON, name_en="A. Rudenko", name_ru="", slug="a-rudenko"
    )
    entities_merge(target=kept, others=[duplicate])

    response = page.goto(live_server.url + "/en/entities/a-rudenko/")

    expect(page).to_have_url(live_server.url + "/en/entities/rudenko/")
    assert response is not None and response.status == 200
    redirect = response.request.redirected_from
    assert redirect is not None and redirect.url.endswith("/entities/a-rudenko/")
    assert redirect.response() is not None and redirect.response().status == 301
    expect(page.get_by_role("heading", level=1)).to_have_text("Andrey Rudenko")
    expect(page.locator(".entity-names")).to_contain_text("A. Rudenko")
    assert page_problems == []


def assert_stylesheet_applied(page: Page) -> None:
    """The site's stylesheets arrived and their rules apply (a 404 would leave none)."""
    sheets = dict(
        page.evaluate(
            "() => [...document.styleSheets].map(sheet => [sheet.href, sheet.cssRules.length])"
        )
    )
    assert any(href.endswith("/static/newsdesk/css/site.css") for href in sheets), sheets
    assert all(rules > 0 for rules in sheets.values()), sheets
