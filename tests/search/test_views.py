"""The search page as a browser receives it: form, filters, notes, marks and pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from lxml.html import HtmlElement

from newsdesk.search.index import article_index
from tests.factories import EntityFactory, MentionFactory, SourceFactory, TranslationFactory
from tests.search.conftest import indexed

pytestmark = pytest.mark.django_db

URL = "/en/search/"


def parse(response: HttpResponse) -> HtmlElement:
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def result_titles(tree: HtmlElement) -> list[str]:
    return [
        " ".join(a.text_content().split())
        for a in tree.xpath("//ol[contains(@class, 'search-results')]//h2/a")
    ]


def notes(tree: HtmlElement) -> str:
    return " ".join(
        " ".join(li.text_content().split())
        for li in tree.xpath("//ul[contains(@class, 'search-notes')]/li")
    )


def test_the_url_is_wired_under_each_language():
    assert reverse("search:results") == URL
    with translation.override("ru"):
        assert reverse("search:results") == "/ru/search/"


def test_empty_search_shows_the_form_and_a_hint_and_is_noindex(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):  # the sources of the filter
        tree = parse(client.get(URL))

    field = tree.xpath("//form[@role='search']//input[@name='q']")[0]
    assert field.get("type") == "search"
    label = tree.xpath(f"//label[@for='{field.get('id')}']")
    assert label and label[0].text_content().strip()
    assert tree.xpath("//form[@role='search']")[0].get("method") == "get"
    assert tree.xpath("//meta[@name='robots']")[0].get("content") == "noindex"
    assert tree.xpath("//p[contains(@class, 'empty')]")
    assert result_titles(tree) == []


def test_results_show_marked_word_forms_with_links(client):
    article = indexed("Япония и Россия", "Министры Японии и России встретились.", language="ru")

    tree = parse(client.get(URL, {"q": "японию"}))

    assert result_titles(tree) == ["Япония и Россия"]
    link = tree.xpath("//ol[contains(@class, 'search-results')]//h2/a")[0]
    assert link.get("href") == article.get_absolute_url()
    assert [m.text for m in link.xpath(".//mark")] == ["Япония"]
    snippet = tree.xpath("//p[contains(@class, 'search-snippet')]")[0]
    assert [m.text for m in snippet.xpath(".//mark")] == ["Японии"]
    assert tree.xpath("//meta[@name='robots']")[0].get("content") == "noindex"
    assert tree.xpath("//input[@name='q']")[0].get("value") == "японию"


def test_a_result_found_in_a_translation_links_to_it_and_says_so(client):
    article = indexed("Заявление МИД", "Это прямая угроза.", language="ru")
    TranslationFactory.create(
        article=article,
        title="Foreign Ministry statement",
        lead="",
        paragraphs=[{"role": "paragraph", "text": "This is a direct threat."}],
    )
    article_index(article)

    for url, note in (
        (URL, "Found in its machine translation into English"),
        ("/ru/search/", "Найдено в машинном переводе на английский"),
    ):
        tree = parse(client.get(url, {"q": "threats"}))
        item = tree.xpath("//ol[contains(@class, 'search-results')]/li/article")[0]
        assert item.get("lang") == "en"
        link = item.xpath(".//h2/a")[0]
        assert link.text_content() == "Foreign Ministry statement"
        assert link.get("href").endswith(f"/articles/{article.pk}/?version=en")
        assert " ".join(item.xpath(".//p[@class='meta']")[0].text_content().split()).endswith(note)
        assert item.xpath(".//p[contains(@class, 'search-snippet')]/mark")[0].text == "threat"

    tree = parse(client.get(URL, {"q": "угроза"}))
    item = tree.xpath("//ol[contains(@class, 'search-results')]/li/article")[0]
    assert item.get("lang") == "ru"
    assert item.xpath(".//h2/a")[0].get("href").endswith(f"/articles/{article.pk}/")
    assert "machine translation" not in item.text_content()


def test_markup_in_articles_and_queries_stays_text(client):
    indexed("Alert <script>alert(1)</script>", "<img src=x onerror=alert(2)> alert")

    for query in ("alert", '"><script>alert(3)</script><img src=x onerror=alert(4)>'):
        response = client.get(URL, {"q": query})
        body = response.content.decode()
        tree = parse(response)
        assert "<script>alert" not in body and "<img src=x" not in body
        assert not tree.xpath("//body//script") and not tree.xpath("//body//img")
        assert tree.xpath("//input[@name='q']")[0].get("value") == query
    # A search for the plain word finds the article, its markup shown as text.
    tree = parse(client.get(URL, {"q": "alert"}))
    assert result_titles(tree) == ["Alert <script>alert(1)</script>"]


def test_filters_from_the_url(client):
    wire = SourceFactory.create(slug="wire", name="Wire")
    japan = EntityFactory.create(slug="japan", name_en="Japan")
    now = timezone.now()
    matching = indexed(
        "Drill near Japan", "", source=wire, language="en", published_at=now - timedelta(days=1)
    )
    MentionFactory.create(article=matching, entity=japan)
    indexed("Drill near Korea", "", language="en", published_at=now - timedelta(days=1))
    indexed("Учения у Японии drill", "", source=wire, language="ru")
    old = indexed("Drill last year", "", source=wire, published_at=now - timedelta(days=400))
    MentionFactory.create(article=old, entity=japan)
    day = timezone.localdate() - timedelta(days=10)

    assert len(result_titles(parse(client.get(URL, {"q": "drill"})))) == 4
    assert result_titles(parse(client.get(URL, {"q": "drill", "lang": "ru"}))) == [
        "Учения у Японии drill"
    ]
    assert len(result_titles(parse(client.get(URL, {"q": "drill", "source": "wire"})))) == 3
    assert len(result_titles(parse(client.get(URL, {"q": "drill", "source": str(wire.pk)})))) == 3
    assert len(result_titles(parse(client.get(URL, {"q": "drill", "entity": "japan"})))) == 2
    tree = parse(
        client.get(
            URL,
            {
                "q": "drill",
                "lang": "en",
                "source": "wire",
                "entity": "japan",
                "from": day.isoformat(),
            },
        )
    )
    assert result_titles(tree) == ["Drill near Japan"]
    assert tree.xpath("//select[@name='source']/option[@selected]")[0].get("value") == "wire"
    assert tree.xpath("//select[@name='lang']/option[@selected]")[0].get("value") == "en"
    assert tree.xpath("//input[@name='entity']")[0].get("value") == "japan"
    assert tree.xpath("//input[@name='from']")[0].get("value") == day.isoformat()


def test_empty_fields_and_the_first_page_redirect_to_the_same_search_without_them(client):
    indexed("Parade", "")

    response = client.get(URL + "?q=parade&lang=&source=&from=%20&to=&page=1&q=")
    assert response.status_code == 302
    assert response["Location"] == URL + "?q=parade"
    assert client.get(URL + "?lang=&q=")["Location"] == URL
    assert client.get("/ru/search/?source=&q=%D0%BF")["Location"] == "/ru/search/?q=%D0%BF"
    # What has a value stays, in its order, even when it is not understood.
    assert (
        client.get(URL + "?to=x&q=parade&lang=&page=2")["Location"] == URL + "?to=x&q=parade&page=2"
    )
    assert result_titles(parse(client.get(URL + "?q=parade"))) == ["Parade"]


def test_bad_dates_are_ignored_with_a_note_and_reversed_ones_swapped(client):
    indexed("Parade", "", published_at=timezone.make_aware(datetime(2024, 5, 9, 10)))

    for bad in ("2024-13-01", "yesterday", "9999-12-31", "0001-01-01", "2024-5-9", "\x00"):
        tree = parse(client.get(URL, {"q": "parade", "from": bad, "to": bad}))
        assert result_titles(tree) == ["Parade"], bad
        assert "YYYY-MM-DD" in notes(tree)
        assert tree.xpath("//input[@name='from']")[0].get("value") == ""

    tree = parse(client.get(URL, {"q": "parade", "from": "2024-05-10", "to": "2024-05-01"}))
    assert result_titles(tree) == ["Parade"]
    assert notes(tree) == ""


def test_unknown_source_and_entity_are_ignored_with_a_note(client):
    indexed("Parade", "")

    tree = parse(client.get(URL, {"q": "parade", "source": "nowhere", "entity": "nobody"}))

    assert result_titles(tree) == ["Parade"]
    assert "no such source" in notes(tree)
    assert "no such person" in notes(tree)


def test_no_results_and_no_words_say_so(client):
    indexed("Parade", "")

    tree = parse(client.get(URL, {"q": "regatta"}))
    assert result_titles(tree) == []
    assert "regatta" in tree.xpath("//p[contains(@class, 'empty')]")[0].text_content()

    tree = parse(client.get(URL, {"q": "?!* -- ^"}))
    assert result_titles(tree) == []
    assert "no words" in tree.xpath("//p[contains(@class, 'empty')]")[0].text_content()


@pytest.mark.parametrize(
    "query",
    ["x" * 10_000, 'parade "' * 500, "parade\x00", "NEAR(parade", "'; DROP TABLE news_article;"],
)
def test_hostile_and_long_queries_give_a_page(client, query):
    indexed("Parade", "")

    for page in ("abc", "9" * 30, "-3", "0"):
        tree = parse(client.get(URL, {"q": query, "page": page}))

    assert len(tree.xpath("//input[@name='q']")[0].get("value")) <= 200
    if len(query) > 200:
        assert "too long" in notes(tree)


def test_pages_keep_the_query_and_filters(client):
    wire = SourceFactory.create(slug="wire")
    now = timezone.now()
    for n in range(45):
        indexed(
            f"Convoy {n}", "", source=wire, language="en", published_at=now - timedelta(hours=n)
        )

    tree = parse(client.get(URL, {"q": "convoy", "lang": "en", "source": "wire", "page": "2"}))

    assert len(result_titles(tree)) == 20
    assert tree.xpath("//ol[contains(@class, 'search-results')]")[0].get("start") == "21"
    following = tree.xpath("//nav[contains(@class, 'pagination')]//a[@rel='next']")[0]
    query = parse_qs(urlsplit(following.get("href")).query)
    assert query == {"q": ["convoy"], "lang": ["en"], "source": ["wire"], "page": ["3"]}
    previous = tree.xpath("//nav[contains(@class, 'pagination')]//a[@rel='prev']")[0]
    # The first page's address has no number.
    assert parse_qs(urlsplit(previous.get("href")).query) == {
        "q": ["convoy"],
        "lang": ["en"],
        "source": ["wire"],
    }
    last = parse(client.get(URL, {"q": "convoy", "lang": "en", "source": "wire", "page": "3"}))
    assert len(result_titles(last)) == 5
    assert not last.xpath("//a[@rel='next']")


def test_result_page_query_count_does_not_grow_with_results(client, django_assert_max_num_queries):
    japan = EntityFactory.create(slug="japan")
    for n in range(30):
        article = indexed(f"Patrol {n}", "Japan patrol.", source=SourceFactory.create())
        MentionFactory.create(article=article, entity=japan)

    # Sources of the filter, the entity, the page's ids and count, its articles.
    with django_assert_max_num_queries(4):
        tree = parse(client.get(URL, {"q": "patrol", "entity": "japan", "page": "2"}))

    assert len(result_titles(tree)) == 10
