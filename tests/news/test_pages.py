"""The reader pages: the latest articles and one article, as a browser receives them."""

from __future__ import annotations

import re
from datetime import timedelta

import lxml.html
import pytest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse, translate_url
from django.utils import timezone
from lxml.html import HtmlElement

from tests.factories import (
    ArticleFactory,
    EntityFactory,
    MentionFactory,
    SourceFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db


def parse(response: HttpResponse) -> HtmlElement:
    """The response body as an lxml tree."""
    return lxml.html.fromstring(response.content.decode())


def text_of(element: HtmlElement) -> str:
    """An element's text with whitespace collapsed."""
    return " ".join(element.text_content().split())


def find(element: HtmlElement, xpath: str) -> list[HtmlElement]:
    """Elements under element matching an XPath in which `has-class(x)` tests the class list."""
    xpath = re.sub(
        r"has-class\((\w[\w-]*)\)",
        r"contains(concat(' ', normalize-space(@class), ' '), ' \1 ')",
        xpath,
    )
    found: list[HtmlElement] = element.xpath(xpath)
    return found


def home_titles(tree: HtmlElement) -> list[str]:
    return [text_of(a) for a in find(tree, "//*[has-class(article-item__title)]/a")]


# Home page


def test_home_lists_articles_newest_first_with_source_and_time(client):
    now = timezone.now().replace(microsecond=0)
    older = ArticleFactory.create(title="Older", published_at=now - timedelta(days=2))
    undated = ArticleFactory.create(title="Undated", published_at=None)
    newest = ArticleFactory.create(title="Newest", published_at=now - timedelta(minutes=5))

    response = client.get(reverse("news:home"))

    assert response.status_code == 200
    tree = parse(response)
    assert home_titles(tree) == ["Newest", "Older", "Undated"]
    items = find(tree, "//li[has-class(article-item)]")
    first = items[0]
    assert find(first, ".//a")[0].get("href") == newest.get_absolute_url()
    assert text_of(find(first, ".//*[has-class(meta__source)]")[0]) == newest.source.name
    assert find(first, ".//time")[0].get("datetime") == (
        timezone.localtime(newest.published_at).isoformat()
    )
    assert find(items[1], ".//time")[0].get("datetime") == (
        timezone.localtime(older.published_at).isoformat()
    )
    assert find(items[2], ".//time") == []
    assert text_of(find(items[2], ".//*[has-class(meta__source)]")[0]) == undated.source.name


def test_home_shows_language_badge_and_lead_excerpt(client):
    ArticleFactory.create(
        language="ru", title="Рябков о стратегической стабильности", lead="Замминистра."
    )

    tree = parse(client.get(reverse("news:home")))

    item = find(tree, "//li[has-class(article-item)]/article")[0]
    assert item.get("lang") == "ru"
    assert text_of(find(item, ".//*[has-class(badge)]")[0]) == "RU"
    assert text_of(find(item, ".//*[has-class(article-item__lead)]")[0]) == "Замминистра."


def test_home_language_filter_shows_only_that_language(client):
    ArticleFactory.create(language="ru", title="Русская статья")
    ArticleFactory.create(language="en", title="English article")

    ru = parse(client.get(reverse("news:home"), {"lang": "ru"}))
    en = parse(client.get(reverse("news:home"), {"lang": "en"}))
    unknown = parse(client.get(reverse("news:home"), {"lang": "xx"}))

    assert home_titles(ru) == ["Русская статья"]
    assert home_titles(en) == ["English article"]
    assert sorted(home_titles(unknown)) == ["English article", "Русская статья"]


def test_home_paginates_thirty_per_page_and_keeps_the_language_filter(client):
    ArticleFactory.create_batch(31, language="en")

    first = parse(client.get(reverse("news:home"), {"lang": "en"}))
    second = parse(client.get(reverse("news:home"), {"lang": "en", "page": "2"}))

    assert len(home_titles(first)) == 30
    assert len(home_titles(second)) == 1
    assert find(first, "//a[@rel='next']")[0].get("href") == "?lang=en&page=2"


@pytest.mark.parametrize("page", ["abc", "9999", "0", "-1", ""])
def test_home_bad_page_numbers_show_a_page_instead_of_an_error(client, page):
    ArticleFactory.create_batch(3)

    response = client.get(reverse("news:home"), {"page": page})

    assert response.status_code == 200
    assert len(home_titles(parse(response))) == 3


def test_home_without_articles_says_so(client):
    response = client.get(reverse("news:home"))

    assert response.status_code == 200
    assert find(parse(response), "//*[has-class(empty)]")


def test_home_query_count_does_not_grow_with_sources(client, django_assert_max_num_queries):
    for _ in range(30):
        ArticleFactory.create(source=SourceFactory.create())

    # The articles and their count, and the sources of the filter form.
    with django_assert_max_num_queries(3):
        response = client.get(reverse("news:home"))

    assert len(home_titles(parse(response))) == 30


# Article page


@pytest.fixture
def interview(db):
    return ArticleFactory.create(
        title="Russia will block military threats from Japan",
        language="en",
        image_credit="Пресс-служба МИД РФ/ ТАСС",
        rights_holder="TASS",
        rights_statement="The material is placed by the copyright holder in the public domain",
        license_name="CC BY 4.0",
        license_url="https://creativecommons.org/licenses/by/4.0/",
        canonical_url="https://tass.example/interviews/16731",
        byline="Anastasia Bobyleva talked",
    )


def get_article(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return parse(response)


def test_article_page_shows_headline_image_with_credit_and_lead(client, interview):
    tree = get_article(client, interview)

    assert text_of(find(tree, "//article//h1")[0]) == interview.title
    img = find(tree, "//article//figure//img")[0]
    assert img.get("src") == interview.image_url
    assert img.get("alt") == interview.image_alt
    assert text_of(find(tree, "//article//figure/figcaption")[0]) == (
        "Image source: Пресс-служба МИД РФ/ ТАСС"
    )
    assert text_of(find(tree, "//article//*[has-class(lead)]")[0]) == interview.lead


def test_article_page_marks_the_content_with_the_article_language(client):
    article = ArticleFactory.create(language="ru")

    tree = get_article(client, article)

    assert find(tree, "//article[has-class(article)]")[0].get("lang") == "ru"


def test_article_image_that_a_browser_cannot_load_is_left_out_with_its_credit(client):
    article = ArticleFactory.create(image_url="file:///var/cache/image.jpg", image_credit="TASS")

    tree = get_article(client, article)

    assert find(tree, "//article//figure") == []
    assert "Image source" not in text_of(tree)


def test_article_body_keeps_order_and_sets_questions_apart_from_answers(client, interview):
    tree = get_article(client, interview)

    body = find(tree, "//*[has-class(article__body)]")[0]
    blocks = [child for child in body if child.tag in {"p", "h2", "blockquote"}]
    assert [text_of(b).removeprefix("Question: ") for b in blocks] == [
        p["text"] for p in interview.paragraphs
    ]
    questions = find(body, ".//*[has-class(para--question)]")
    answers = find(body, ".//*[has-class(para--answer)]")
    assert len(questions) == 2
    assert len(answers) == 3
    assert not set(questions) & set(answers)
    assert all("para--answer" not in q.get("class") for q in questions)
    assert find(body, ".//h2[has-class(para--heading)]")[0].text_content() == "The Korean peninsula"
    assert find(body, ".//blockquote[has-class(para--quote)]")


def test_article_page_shows_byline_after_the_body(client, interview):
    tree = get_article(client, interview)

    byline = find(tree, "//*[has-class(byline)]")[0]
    assert text_of(byline) == "Anastasia Bobyleva talked"
    body = find(tree, "//*[has-class(article__body)]")[0]
    assert body.getparent().index(body) < byline.getparent().getparent().index(byline.getparent())


def test_article_byline_falls_back_to_authors(client):
    article = ArticleFactory.create(byline="", authors=["Marco Rubio", "Mike Waltz"])

    tree = get_article(client, article)

    assert text_of(find(tree, "//*[has-class(byline)]")[0]) == "Marco Rubio, Mike Waltz"


def test_article_page_shows_source_rights_license_and_original(client, interview):
    tree = get_article(client, interview)

    rights = find(tree, "//*[has-class(rights)]")[0]
    text = text_of(rights)
    assert interview.source.name in text
    assert "The rights to this material belong to TASS" in text
    assert "placed by the copyright holder in the public domain" in text
    license_link = find(rights, ".//a[@rel='license']")[0]
    assert license_link.get("href") == "https://creativecommons.org/licenses/by/4.0/"
    assert text_of(license_link) == "CC BY 4.0"
    original = find(rights, ".//a[has-class(original-link)]")[0]
    assert original.get("href") == "https://tass.example/interviews/16731"
    assert text_of(original) == "Read the original"


def test_article_original_link_is_left_out_unless_it_is_http(client):
    article = ArticleFactory.create(canonical_url="file:///srv/corpus/article-1.txt")

    tree = get_article(client, article)

    assert find(tree, "//a[has-class(original-link)]") == []


def test_article_page_has_landmarks_canonical_link_and_open_graph(client, interview):
    tree = get_article(client, interview)

    for xpath in ("//header", "//main[@id='content']", "//footer", "//nav", "//article"):
        assert find(tree, xpath), xpath
    assert find(tree, "//a[has-class(skip-link)][@href='#content']")
    canonical = find(tree, "//link[@rel='canonical']")[0].get("href")
    assert canonical == f"http://testserver{interview.get_absolute_url()}"
    assert find(tree, "//meta[@property='og:title']")[0].get("content") == interview.title
    assert find(tree, "//meta[@property='og:url']")[0].get("content") == canonical
    assert find(tree, "//meta[@property='og:image']")[0].get("content") == interview.image_url


def test_article_page_keeps_slots_for_later_features(client, interview):
    tree = get_article(client, interview)

    for slot in ("mentions", "comments", "digest-signup", "discussion"):
        assert find(tree, f"//*[@id='{slot}']"), slot


def test_article_page_lists_mentioned_entities_once_each(client, interview):
    japan = EntityFactory.create(name_en="Japan", name_ru="Япония")
    MentionFactory.create(article=interview, entity=japan)
    MentionFactory.create(article=interview, entity=japan)
    MentionFactory.create(article=interview, entity=EntityFactory.create(name_en="Mongolia"))

    tree = get_article(client, interview)

    names = [text_of(li) for li in find(tree, "//*[@id='mentions']//li")]
    assert names == ["Japan", "Mongolia"]


def test_article_body_is_html_escaped(client):
    article = ArticleFactory.create(
        title="<b>Title</b>",
        lead="<img src=x onerror=alert(1)>",
        paragraphs=[{"role": "question", "text": "<script>alert(1)</script>"}],
        byline="<i>by</i>",
    )

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tree = parse(response)
    assert find(tree, "//script[not(@type='application/ld+json')]") == []
    assert find(tree, "//article//b | //article//i | //article//img[@src='x']") == []
    assert "<script>alert(1)</script>" in text_of(find(tree, "//*[has-class(para--question)]")[0])


def test_missing_article_is_404(client):
    response = client.get(reverse("news:article", kwargs={"pk": 999999}))

    assert response.status_code == 404
    assert "Page not found" in text_of(parse(response))


def test_server_error_page_renders_without_a_request():
    html = render_to_string("500.html")

    assert "Something went wrong" in html


def test_article_page_query_count(client, interview, django_assert_max_num_queries):
    MentionFactory.create_batch(5, article=interview)

    # The article, its translations, the entities it mentions and the related articles.
    with django_assert_max_num_queries(4):
        response = client.get(interview.get_absolute_url())

    assert response.status_code == 200


def test_article_page_renders_in_the_russian_interface(client, interview):
    response = client.get(translate_url(interview.get_absolute_url(), "ru"))

    assert response.status_code == 200
    assert parse(response).get("lang") == "ru"
    # The interface strings are translated, not just the lang attribute switched.
    html = response.content.decode()
    assert "Источник и права" in html
    assert "Source and rights" not in html
    assert "Источник изображения: " in html


def test_home_page_speaks_russian_to_a_browser_that_asks_for_it(client, interview):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9", follow=True)

    assert response.redirect_chain == [("/ru/", 302)]
    html = response.content.decode()
    assert "Последние новости" in html
    assert "Перейти к содержанию" in html


def test_home_lists_one_text_once_and_its_page_names_the_copies(client):
    now = timezone.now().replace(microsecond=0)
    story = StoryFactory.create(title="Talks resume")
    original = ArticleFactory.create(
        title="Talks resume", story=story, published_at=now - timedelta(hours=2)
    )
    copy = ArticleFactory.create(
        title="Geneva talks resume", story=story, published_at=now - timedelta(hours=1)
    )
    story.canonical_article = original
    story.save()
    ArticleFactory.create(title="Unrelated", published_at=now)

    tree = parse(client.get(reverse("news:home")))
    assert home_titles(tree) == ["Unrelated", "Talks resume"]

    page = parse(client.get(original.get_absolute_url()))
    copies = find(page, "//section[@id='copies']//li")
    assert [text_of(find(li, ".//a")[0]) for li in copies] == ["Geneva talks resume"]
    assert find(copies[0], ".//a")[0].get("href") == copy.get_absolute_url()
    assert copy.source.name in text_of(copies[0])
    # The copy's page points back to the original.
    back = parse(client.get(copy.get_absolute_url()))
    assert [text_of(a) for a in find(back, "//section[@id='copies']//li/a[1]")] == ["Talks resume"]


# Entity pages


def test_mentioned_entities_link_to_their_pages_most_mentioned_first(client, interview):
    japan = EntityFactory.create(name_en="Japan", name_ru="Япония", slug="japan")
    mongolia = EntityFactory.create(name_en="Mongolia", slug="mongolia")
    MentionFactory.create(article=interview, entity=mongolia)
    MentionFactory.create_batch(2, article=interview, entity=japan)
    # A mention in a translation names the same entities; it is not counted twice.
    MentionFactory.create(article=interview, entity=mongolia, language="ru")

    tree = get_article(client, interview)

    links = [(text_of(a), a.get("href")) for a in find(tree, "//*[@id='mentions']//li/a")]
    assert links == [("Japan", "/en/entities/japan/"), ("Mongolia", "/en/entities/mongolia/")]


def test_entity_page_names_it_in_both_languages_and_lists_the_news_that_mention_it(client):
    entity = EntityFactory.create(
        kind="person", name_en="Andrey Rudenko", name_ru="Андрей Руденко", slug="rudenko"
    )
    entity.aliases.create(name="Andrei Rudenko", normalized="andrei rudenko", language="en")
    entity.aliases.create(name="Andrey Rudenko", normalized="andrey rudenko", language="en")
    now = timezone.now()
    older = ArticleFactory.create(title="Older interview", published_at=now - timedelta(days=3))
    newer = ArticleFactory.create(title="Newer interview", published_at=now - timedelta(hours=1))
    ArticleFactory.create(title="Unrelated")
    for article in (older, newer, newer):
        MentionFactory.create(article=article, entity=entity)

    response = client.get("/en/entities/rudenko/")

    assert response.status_code == 200
    tree = parse(response)
    assert text_of(find(tree, "//h1")[0]) == "Andrey Rudenko"
    names = text_of(find(tree, "//dl[has-class(entity-names)]")[0])
    assert "Андрей Руденко" in names
    assert "Andrei Rudenko" in names
    assert names.count("Andrey Rudenko") == 1
    titles = [text_of(a) for a in find(tree, "//*[has-class(article-item__title)]/a")]
    assert titles == ["Newer interview", "Older interview"]
    assert find(tree, "//link[@rel='canonical']")[0].get("href").endswith("/entities/rudenko/")


def test_entity_page_in_the_russian_interface_names_it_in_russian(client):
    EntityFactory.create(name_en="North Korea", name_ru="КНДР", slug="north-korea")

    response = client.get("/entities/north-korea/", HTTP_ACCEPT_LANGUAGE="ru", follow=True)

    assert response.redirect_chain == [("/ru/entities/north-korea/", 302)]

    assert text_of(find(parse(response), "//h1")[0]) == "КНДР"


def test_a_merged_entity_redirects_to_the_one_it_was_merged_into(client):
    target = EntityFactory.create(slug="kishida")
    EntityFactory.create(slug="kisida", merged_into=target)

    response = client.get("/en/entities/kisida/")

    assert response.status_code == 301
    assert response["Location"] == "/en/entities/kishida/"


def test_a_missing_entity_is_404_and_the_page_costs_few_queries(
    client, django_assert_max_num_queries
):
    entity = EntityFactory.create(slug="japan")
    for article in ArticleFactory.create_batch(5):
        MentionFactory.create(article=article, entity=entity)

    assert client.get("/en/entities/nowhere/").status_code == 404
    # The entity, its names, the count, the page's ids and its articles, the weekly chart
    # (its window and its weeks) and the entities mentioned with it (counts, then rows).
    with django_assert_max_num_queries(9):
        assert client.get("/en/entities/japan/").status_code == 200
