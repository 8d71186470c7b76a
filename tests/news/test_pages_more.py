"""The reader pages beyond the basics: home filters, the original beside its translation,
related articles, an entity's weekly chart and neighbours, source and story pages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse, translate_url
from django.utils import timezone
from lxml.html import HtmlElement

from newsdesk.news.models import Article, Entity, Translation
from newsdesk.news.selectors import (
    article_related,
    entity_co_mentioned,
    entity_weekly_mentions,
    source_publishing_rate,
    source_weekly_articles,
    week_starts,
)
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    MentionFactory,
    SourceFactory,
    StoryFactory,
    TranslationFactory,
)
from tests.news.test_pages import find, parse, text_of

pytestmark = pytest.mark.django_db


def titles(tree: HtmlElement) -> list[str]:
    return [text_of(a) for a in find(tree, "//*[has-class(article-item__title)]/a")]


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def home(client, **params: str) -> HtmlElement:
    response = client.get(reverse("news:home"), params)
    assert response.status_code == 200
    return parse(response)


# Home: filters


@pytest.fixture
def wires(db):
    """Two sources, an entity, and articles in both languages from each."""
    tass = SourceFactory.create(name="TASS", slug="tass", language="ru")
    reuters = SourceFactory.create(name="Reuters", slug="reuters")
    japan = EntityFactory.create(name_en="Japan", name_ru="Япония", slug="japan")
    articles = {
        "tass-ru-japan": ArticleFactory.create(source=tass, language="ru", title="ТАСС о Японии"),
        "tass-ru": ArticleFactory.create(source=tass, language="ru", title="ТАСС о Монголии"),
        "tass-en-japan": ArticleFactory.create(source=tass, language="en", title="TASS on Japan"),
        "reuters-en-japan": ArticleFactory.create(
            source=reuters, language="en", title="Reuters on Japan"
        ),
        "reuters-en": ArticleFactory.create(source=reuters, language="en", title="Reuters on Oil"),
    }
    for key, article in articles.items():
        if key.endswith("japan"):
            MentionFactory.create(article=article, entity=japan)
    return articles


def test_home_filters_by_source(client, wires):
    tree = home(client, source="tass")

    assert sorted(titles(tree)) == ["TASS on Japan", "ТАСС о Монголии", "ТАСС о Японии"]
    selected = find(tree, "//select[@name='source']/option[@selected]")
    assert [option.get("value") for option in selected] == ["tass"]


def test_home_filters_by_entity(client, wires):
    tree = home(client, entity="japan")

    assert sorted(titles(tree)) == ["Reuters on Japan", "TASS on Japan", "ТАСС о Японии"]
    assert find(tree, "//form//input[@type='hidden'][@name='entity'][@value='japan']")


def test_home_filters_combine_and_each_can_be_removed(client, wires):
    tree = home(client, lang="en", source="tass", entity="japan")

    assert titles(tree) == ["TASS on Japan"]
    chips = find(tree, "//*[has-class(active-filter)]")
    assert [text_of(chip).split("×")[0].strip() for chip in chips] == [
        "Language: English",
        "Source: TASS",
        "Mentioning: Japan",
    ]
    hidden = [text_of(find(chip, ".//*[has-class(visually-hidden)]")[0]) for chip in chips]
    assert hidden[1] == "Remove the filter Source: TASS"
    removes = [a.get("href") for a in find(tree, "//a[has-class(active-filter__remove)]")]
    assert [query_of(href) for href in removes] == [
        {"source": ["tass"], "entity": ["japan"]},
        {"lang": ["en"], "entity": ["japan"]},
        {"lang": ["en"], "source": ["tass"]},
    ]
    assert all(urlsplit(href).path == "/en/" for href in removes)
    clear = find(tree, "//a[has-class(active-filters__clear)]")[0]
    assert clear.get("href") == "/en/"
    # Following a remove link drops that filter only.
    without_source = home(client, **{k: v[0] for k, v in query_of(removes[1]).items()})
    assert sorted(titles(without_source)) == ["Reuters on Japan", "TASS on Japan"]


def test_home_without_filters_shows_none_as_active(client, wires):
    tree = home(client)

    assert len(titles(tree)) == 5
    assert find(tree, "//*[has-class(active-filters)]") == []


def test_a_merged_entity_filters_as_the_entity_it_became(client, wires):
    japan = wires["tass-ru-japan"].mentions.get().entity
    EntityFactory.create(slug="nippon", merged_into=japan)

    tree = home(client, entity="nippon")

    assert len(titles(tree)) == 3
    assert find(tree, "//input[@name='entity']")[0].get("value") == "japan"


@pytest.mark.parametrize(
    "params",
    [
        {"lang": "xx"},
        {"lang": "EN-us"},
        {"source": "no-such-source"},
        {"source": "<script>"},
        {"entity": "no-such-entity"},
        {"entity": "a\x00b"},
        {"entity": "x" * 5000},
        {"entity": "../../etc/passwd"},
        {"source": "", "entity": "", "lang": ""},
        {"page": "-3", "source": "tass'--"},
    ],
)
def test_home_ignores_filter_values_that_name_nothing(client, wires, params):
    response = client.get(reverse("news:home"), params)

    assert response.status_code == 200
    tree = parse(response)
    assert len(titles(tree)) == 5
    assert find(tree, "//*[has-class(active-filters)]") == []


def test_home_says_so_when_no_article_matches_the_filters(client, wires):
    tree = home(client, lang="ru", source="reuters")

    assert titles(tree) == []
    assert "No articles match these filters." in text_of(find(tree, "//*[has-class(empty)]")[0])


def test_home_pagination_keeps_every_filter(client):
    source = SourceFactory.create(slug="tass")
    entity = EntityFactory.create(slug="japan")
    for article in ArticleFactory.create_batch(31, source=source, language="en"):
        MentionFactory.create(article=article, entity=entity)
    ArticleFactory.create_batch(3, source=source, language="en")

    first = home(client, lang="en", source="tass", entity="japan")
    next_href = find(first, "//a[@rel='next']")[0].get("href")
    second = home(client, **{k: v[0] for k, v in query_of(next_href).items()})

    assert query_of(next_href) == {
        "lang": ["en"],
        "source": ["tass"],
        "entity": ["japan"],
        "page": ["2"],
    }
    assert len(titles(first)) == 30
    assert len(titles(second)) == 1
    assert query_of(find(second, "//a[@rel='prev']")[0].get("href"))["source"] == ["tass"]


def test_home_filter_controls_have_labels(client, wires):
    tree = home(client)

    controls = find(tree, "//form[has-class(filters)]//select")
    assert [c.get("name") for c in controls] == ["lang", "source"]
    for control in controls:
        labels = find(tree, f"//label[@for='{control.get('id')}']")
        assert labels and text_of(labels[0])
    options = [o.get("value") for o in find(tree, "//select[@name='source']/option")]
    assert options == ["", "reuters", "tass"]
    assert find(tree, "//form[has-class(filters)]//button[@type='submit']")


def test_home_items_link_to_their_source_and_story(client):
    story = StoryFactory.create()
    first = ArticleFactory.create(story=story, title="First telling")
    ArticleFactory.create_batch(2, story=story)
    story.canonical_article = first
    story.save()
    alone = ArticleFactory.create(title="Alone")

    tree = home(client)

    items = {
        text_of(find(li, ".//h2/a")[0]): li for li in find(tree, "//li[has-class(article-item)]")
    }
    assert set(items) == {"First telling", "Alone"}
    source_link = find(items["Alone"], ".//a[has-class(meta__source)]")[0]
    assert source_link.get("href") == f"/en/sources/{alone.source.slug}/"
    story_link = find(items["First telling"], ".//a[has-class(meta__story)]")[0]
    assert story_link.get("href") == f"/en/stories/{story.pk}/"
    assert text_of(story_link) == "3 articles in this story"
    assert find(items["Alone"], ".//a[has-class(meta__story)]") == []


def test_home_with_filters_costs_the_same_few_queries_for_many_rows(
    client, django_assert_max_num_queries
):
    entity = EntityFactory.create(slug="japan")
    source = SourceFactory.create(slug="tass")
    for index in range(40):
        story = StoryFactory.create()
        article = ArticleFactory.create(
            source=source if index % 2 else SourceFactory.create(), story=story
        )
        story.canonical_article = article
        story.save()
        ArticleFactory.create(story=story)
        MentionFactory.create(article=article, entity=entity)

    # The sources of the form, the entity, the count, the page's ids and its articles.
    with django_assert_max_num_queries(5):
        tree = home(client, lang="en", source="tass", entity="japan")
    assert len(titles(tree)) == 20
    with django_assert_max_num_queries(3):
        tree = home(client)
    assert len(titles(tree)) == 30


# Article: the original beside its translation


@pytest.fixture
def translated(db):
    """A Russian interview with its English machine translation."""
    article = ArticleFactory.create(
        language="ru",
        title="Руденко: Россия заблокирует военные угрозы",
        lead="Замминистра иностранных дел дал интервью.",
        paragraphs=[
            {"role": "question", "text": "Как вы оцениваете ситуацию в регионе?"},
            {"role": "answer", "text": "Основная часть Азии делает ставку на стабильность."},
        ],
    )
    translation = TranslationFactory.create(
        article=article,
        title="Rudenko: Russia will block military threats",
        lead="The Deputy Foreign Minister gave an interview.",
        paragraphs=[
            {"role": "question", "text": "How do you assess the situation in the region?"},
            {"role": "answer", "text": "The main part of Asia is betting on stability."},
        ],
        provider="libretranslate",
        model="libretranslate/1.6.2",
    )
    return article, translation


def get(client, url: str) -> HtmlElement:
    response = client.get(url)
    assert response.status_code == 200
    return parse(response)


def test_article_shows_its_translation_beside_the_original_with_a_notice(client, translated):
    article, translation = translated

    tree = get(client, article.get_absolute_url())

    original = find(tree, "//section[has-class(version--original)]")[0]
    english = find(tree, "//section[has-class(version--translation)]")[0]
    assert original.get("lang") == "ru"
    assert english.get("lang") == "en"
    assert text_of(find(original, ".//*[has-class(version__title)]")[0]) == article.title
    assert text_of(find(english, ".//*[has-class(version__title)]")[0]) == translation.title
    assert text_of(find(english, ".//*[has-class(lead)]")[0]) == translation.lead
    assert [text_of(p) for p in find(english, ".//*[has-class(para--answer)]")] == [
        "The main part of Asia is betting on stability."
    ]
    # The interview's structure survives translation: the question is still set apart.
    assert find(english, ".//*[has-class(para--question)]")
    notice = text_of(find(tree, "//*[has-class(mt-notice)]")[0])
    assert "machine translation (Russian → English)" in notice
    assert "by libretranslate, model libretranslate/1.6.2" in notice
    # The English interface reads the English translation first, under its English headline.
    h1 = find(tree, "//h1")[0]
    assert (text_of(h1), h1.get("lang")) == (translation.title, "en")
    assert "version--secondary" in original.get("class")
    assert "version--secondary" not in english.get("class")
    assert find(tree, "//article[has-class(article)]")[0].get("lang") == "ru"


def test_article_version_links_switch_which_text_comes_first(client, translated):
    article, _translation = translated

    tree = get(client, article.get_absolute_url() + "?version=ru")

    links = find(tree, "//nav[has-class(versions-nav)]//a")
    assert [a.get("href") for a in links] == ["?version=ru", "?version=en"]
    assert [a.get("aria-current") for a in links] == ["true", None]
    h1 = find(tree, "//h1")[0]
    assert (text_of(h1), h1.get("lang")) == (article.title, "ru")
    assert "version--secondary" in find(tree, "//section[has-class(version--translation)]")[0].get(
        "class"
    )
    # Both texts are on the page either way: wide screens show them side by side.
    assert find(tree, "//section[has-class(version--original)]")


def test_article_in_the_russian_interface_reads_the_russian_original_first(client, translated):
    article, _translation = translated

    tree = get(client, translate_url(article.get_absolute_url(), "ru"))

    assert text_of(find(tree, "//h1")[0]) == article.title
    assert find(tree, "//nav[has-class(versions-nav)]//a[@aria-current]")[0].get("href") == (
        "?version=ru"
    )
    assert "Источник и права" in text_of(tree)


@pytest.mark.parametrize("version", ["xx", "", "EN ", "<b>", "original"])
def test_article_ignores_a_version_that_is_not_one(client, translated, version):
    article, translation = translated

    tree = get(client, article.get_absolute_url() + f"?version={version}")

    expected = article.title if version == "original" else translation.title
    assert text_of(find(tree, "//h1")[0]) == expected


@pytest.mark.parametrize("status", [Translation.Status.PENDING, Translation.Status.FAILED])
def test_article_without_a_finished_translation_shows_the_original_alone(client, status):
    translation = TranslationFactory.create(status=status)

    tree = get(client, translation.article.get_absolute_url())

    assert find(tree, "//*[has-class(mt-notice)]") == []
    assert find(tree, "//section[has-class(version)]") == []
    assert text_of(find(tree, "//h1")[0]) == translation.article.title


def test_translation_notice_without_a_model_names_the_provider(client):
    translation = TranslationFactory.create(provider="argos", model="")

    tree = get(client, translation.article.get_absolute_url())

    notice = text_of(find(tree, "//*[has-class(mt-notice)]")[0])
    assert "by argos." in notice
    assert "model" not in notice


def test_article_links_to_its_source_page_and_its_story(client):
    story = StoryFactory.create()
    original = ArticleFactory.create(story=story)
    ArticleFactory.create(story=story)
    story.canonical_article = original
    story.save()

    tree = get(client, original.get_absolute_url())

    source_link = find(tree, "//header//a[has-class(meta__source)]")[0]
    assert source_link.get("href") == f"/en/sources/{original.source.slug}/"
    story_link = find(tree, "//section[@id='copies']//*[has-class(copies__story)]/a")[0]
    assert story_link.get("href") == f"/en/stories/{story.pk}/"


# Article: related articles


def test_related_articles_are_other_texts_sharing_the_most_entities(client):
    now = timezone.now().replace(microsecond=0)
    japan, china, korea, mongolia = EntityFactory.create_batch(4)
    story = StoryFactory.create()
    article = ArticleFactory.create(title="The article", story=story, published_at=now)
    story.canonical_article = article
    story.save()
    for entity in (japan, china, korea):
        MentionFactory.create(article=article, entity=entity)
    copy = ArticleFactory.create(
        title="Its copy", story=story, published_at=now - timedelta(days=2)
    )

    def sharing(title: str, entities: list, **fields) -> object:
        other = ArticleFactory.create(title=title, **fields)
        for entity in entities:
            MentionFactory.create(article=other, entity=entity)
        return other

    sharing("Shares three", [japan, china, korea], published_at=now - timedelta(days=5))
    sharing("Shares two", [japan, china, mongolia], published_at=now - timedelta(days=1))
    sharing("Shares one, newer", [korea], published_at=now - timedelta(hours=1))
    sharing("Shares one, older", [japan], published_at=now - timedelta(days=3))
    sharing("Shares one, oldest", [china], published_at=now - timedelta(days=4))
    sharing("Shares nothing", [mongolia])
    sharing("Shares one, too long ago", [japan], published_at=now - timedelta(days=400))
    # Another story's copy is left out in favour of that story's canonical article.
    other_story = StoryFactory.create()
    other = sharing(
        "Other story", [japan, china], story=other_story, published_at=now - timedelta(days=2)
    )
    other_story.canonical_article = other
    other_story.save()
    sharing("Other story's copy", [japan, china, korea], story=other_story, published_at=now)

    related = article_related(article=article, limit=20)

    assert [a.title for a in related] == [
        "Shares three",
        "Shares two",
        "Other story",
        "Shares one, newer",
        "Shares one, older",
        "Shares one, oldest",
    ]
    # Its own copy is named under "The same text elsewhere", not again here.
    assert copy.pk not in {a.pk for a in related}
    tree = get(client, article.get_absolute_url())
    assert [text_of(a) for a in find(tree, "//section[@id='related']//h3/a")] == [
        a.title for a in related[:5]
    ]


def test_an_article_with_no_story_and_no_mentions_has_no_related_section(client):
    ArticleFactory.create_batch(3)
    article = ArticleFactory.create()

    tree = get(client, article.get_absolute_url())

    assert article_related(article=article) == []
    assert find(tree, "//section[@id='related']") == []


def test_article_page_with_translation_story_and_related_costs_few_queries(
    client, translated, django_assert_max_num_queries
):
    article, _translation = translated
    story = StoryFactory.create()
    article.story = story
    article.save()
    story.canonical_article = article
    story.save()
    entities = EntityFactory.create_batch(6)
    for entity in entities:
        MentionFactory.create(article=article, entity=entity)
    for _ in range(12):
        other = ArticleFactory.create(story=story if _ % 3 == 0 else None)
        for entity in entities[:3]:
            MentionFactory.create(article=other, entity=entity)

    # The article, its translations, its entities, its story's copies, related articles.
    with django_assert_max_num_queries(5):
        tree = get(client, article.get_absolute_url())
    assert len(find(tree, "//section[@id='related']//li")) == 5
    assert len(find(tree, "//section[@id='copies']//li")) == 4


# Entity: mentions per week and the entities mentioned with it


def monday_noon(weeks_ago: int) -> datetime:
    """Noon on the Monday of the week WEEKS_AGO weeks before this one (local time)."""
    monday = week_starts(weeks=weeks_ago + 1)[0]
    return datetime.combine(monday, time(12), tzinfo=timezone.get_current_timezone())


def test_entity_weekly_mentions_counts_each_week_and_keeps_empty_weeks():
    entity = EntityFactory.create()
    now = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)  # a Wednesday
    # Two mentions in one article in the week of 10 March, one in the week of 24 February.
    this_week = ArticleFactory.create(published_at=datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    MentionFactory.create_batch(2, article=this_week, entity=entity)
    two_weeks_ago = ArticleFactory.create(published_at=datetime(2025, 3, 2, 23, 0, tzinfo=UTC))
    MentionFactory.create(article=two_weeks_ago, entity=entity)
    # A mention in the translation is the same mention again: not counted.
    MentionFactory.create(article=two_weeks_ago, entity=entity, language="ru")
    # Undated articles count by when they were fetched.
    undated = ArticleFactory.create(
        published_at=None, fetched_at=datetime(2025, 3, 5, 8, 0, tzinfo=UTC)
    )
    MentionFactory.create(article=undated, entity=entity)
    # Before the 26 weeks, after now's week, or another entity: not counted.
    MentionFactory.create(
        article=ArticleFactory.create(published_at=datetime(2024, 9, 8, 12, 0, tzinfo=UTC)),
        entity=entity,
    )
    MentionFactory.create(
        article=ArticleFactory.create(published_at=datetime(2025, 3, 17, 0, 1, tzinfo=UTC)),
        entity=entity,
    )
    MentionFactory.create(article=this_week)

    weeks = entity_weekly_mentions(entity=entity, weeks=26, now=now)

    assert len(weeks) == 26
    assert weeks[0].start.isoformat() == "2024-09-16"
    assert weeks[-1].start.isoformat() == "2025-03-10"
    assert all(week.start.weekday() == 0 for week in weeks)
    counts = {week.start.isoformat(): week.count for week in weeks if week.count}
    assert counts == {"2025-02-24": 1, "2025-03-03": 1, "2025-03-10": 2}


def test_an_entity_out_of_the_news_shows_the_weeks_up_to_its_latest_mention():
    entity = EntityFactory.create()
    article = ArticleFactory.create(published_at=datetime(2023, 3, 7, 2, 33, tzinfo=UTC))
    MentionFactory.create_batch(3, article=article, entity=entity)

    weeks = entity_weekly_mentions(entity=entity, weeks=26)

    assert weeks[-1].start.isoformat() == "2023-03-06"
    assert [week.count for week in weeks][-1] == 3
    assert sum(week.count for week in weeks) == 3


def test_weekly_counts_follow_the_site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    entity = EntityFactory.create()
    # Sunday 22:30 UTC is already Monday 01:30 in Moscow: the next week there.
    article = ArticleFactory.create(published_at=datetime(2025, 3, 9, 22, 30, tzinfo=UTC))
    MentionFactory.create(article=article, entity=entity)

    with timezone.override("Europe/Moscow"):
        weeks = entity_weekly_mentions(
            entity=entity, weeks=2, now=datetime(2025, 3, 12, tzinfo=UTC)
        )

    assert [(w.start.isoformat(), w.count) for w in weeks] == [
        ("2025-03-03", 0),
        ("2025-03-10", 1),
    ]


def test_entity_page_draws_mentions_per_week_as_an_svg_with_a_table(client):
    entity = EntityFactory.create(slug="japan", name_en="Japan")
    for weeks_ago, mentions in ((0, 3), (2, 1), (25, 2)):
        article = ArticleFactory.create(published_at=monday_noon(weeks_ago))
        MentionFactory.create_batch(mentions, article=article, entity=entity)

    tree = get(client, "/en/entities/japan/")

    svg = find(tree, "//section[has-class(timeline)]//svg")[0]
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert text_of(find(svg, f".//*[@id='{title_id}']")[0]) == (
        "Mentions per week, the last 26 weeks"
    )
    assert text_of(find(svg, f".//*[@id='{desc_id}']")[0]).startswith("6 in all from the week of")
    bars = find(svg, ".//rect[has-class(chart__bar)]")
    assert len(bars) == 26
    counts = [int(bar.get("data-count")) for bar in bars]
    assert counts == [2] + [0] * 22 + [1, 0, 3]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[-1] == 100.0
    assert heights[0] == pytest.approx(66.7)
    assert heights[1] == 0.0
    assert bars[-1].get("data-week") == week_starts(weeks=1)[0].isoformat()
    rows = find(tree, "//table[has-class(chart__table)]/tbody/tr")
    assert len(rows) == 26
    assert [int(text_of(row.find("td"))) for row in rows] == counts
    assert find(rows[0], ".//time")[0].get("datetime") == week_starts(weeks=26)[0].isoformat()
    # No script draws it.
    assert find(tree, "//main//script") == []


def test_entity_chart_attributes_are_plain_numbers_in_the_russian_interface(client):
    entity = EntityFactory.create(slug="japan")
    for weeks_ago in (0, 0, 0, 1):
        MentionFactory.create(
            article=ArticleFactory.create(published_at=monday_noon(weeks_ago)), entity=entity
        )

    tree = get(client, "/ru/entities/japan/")

    heights = [bar.get("height") for bar in find(tree, "//rect[has-class(chart__bar)]")]
    assert heights[-2:] == ["33.3", "100.0"]
    assert "По-английски" in text_of(tree)


def test_entities_mentioned_with_it_most_often_come_first(client):
    japan = EntityFactory.create(slug="japan", name_en="Japan")
    china = EntityFactory.create(name_en="China")
    korea = EntityFactory.create(name_en="Korea")
    mongolia = EntityFactory.create(name_en="Mongolia")
    alone = EntityFactory.create(name_en="Alone")
    for together in ([china, korea], [china, korea], [china], [mongolia]):
        article = ArticleFactory.create()
        MentionFactory.create_batch(2, article=article, entity=japan)
        for entity in together:
            MentionFactory.create_batch(3, article=article, entity=entity)
    MentionFactory.create(article=ArticleFactory.create(), entity=alone)
    MentionFactory.create(article=ArticleFactory.create(), entity=china)

    neighbours = list(entity_co_mentioned(entity=japan))

    assert [(e.name_en, e.together) for e in neighbours] == [
        ("China", 3),
        ("Korea", 2),
        ("Mongolia", 1),
    ]
    tree = get(client, "/en/entities/japan/")
    items = find(tree, "//section[has-class(neighbours)]//li")
    assert [text_of(li) for li in items] == [
        "China 3 articles",
        "Korea 2 articles",
        "Mongolia 1 article",
    ]
    assert find(items[0], ".//a")[0].get("href") == china.get_absolute_url()


def test_co_mentioned_entities_are_ten_at_most_the_ties_by_name():
    japan = EntityFactory.create()
    article = ArticleFactory.create()
    MentionFactory.create(article=article, entity=japan)
    for name in "LKJIHGFEDCBA":
        MentionFactory.create(article=article, entity=EntityFactory.create(name_en=name))
    second = ArticleFactory.create()
    MentionFactory.create(article=second, entity=japan)
    MentionFactory.create(article=second, entity=Entity.objects.get(name_en="L"))
    kept = EntityFactory.create(name_en="Kept")
    gone = EntityFactory.create(name_en="0 merged", merged_into=kept)
    MentionFactory.create(article=second, entity=gone)

    neighbours = entity_co_mentioned(entity=japan)

    assert [(e.name_en, e.together) for e in neighbours] == [
        ("L", 2),
        *((name, 1) for name in "ABCDEFGHI"),
    ]


def test_entity_page_links_to_the_latest_news_filtered_by_it(client):
    entity = EntityFactory.create(slug="japan")
    MentionFactory.create(entity=entity)

    tree = get(client, "/en/entities/japan/")

    link = find(tree, "//*[has-class(entity-news__filter)]/a")[0]
    assert urlsplit(link.get("href")).path == "/en/"
    assert query_of(link.get("href")) == {"entity": ["japan"]}


def test_entity_page_costs_the_same_few_queries_for_many_rows(
    client, django_assert_max_num_queries
):
    entity = EntityFactory.create(slug="japan")
    others = EntityFactory.create_batch(15)
    for index in range(40):
        article = ArticleFactory.create(published_at=monday_noon(index % 30))
        MentionFactory.create(article=article, entity=entity)
        MentionFactory.create(article=article, entity=others[index % 15])
    entity.aliases.create(name="Nippon", normalized="nippon", language="en")

    # The entity, its aliases, the chart's window and weeks, the neighbours' counts and
    # rows, the paginator's count, the page's ids and its articles.
    with django_assert_max_num_queries(9):
        tree = get(client, "/en/entities/japan/")
    assert len(find(tree, "//section[has-class(neighbours)]//li")) == 10
    assert len(titles(tree)) == 30


# Source page


@pytest.fixture
def tass(db):
    return SourceFactory.create(
        name="TASS",
        slug="tass",
        homepage="https://tass.example/",
        language="ru",
        rights_holder="TASS Russian News Agency",
        rights_statement="The material is placed by the copyright holder in the public domain.",
        license_name="Public domain",
        license_url="https://creativecommons.org/publicdomain/mark/1.0/",
    )


def facts_of(tree: HtmlElement, css_class: str) -> dict[str, HtmlElement]:
    """The terms of the page's <dl class=CSS_CLASS>, each with its <dd>."""
    facts = find(tree, f"//dl[has-class({css_class})]")[0]
    return dict(zip([text_of(dt) for dt in facts.findall("dt")], facts.findall("dd"), strict=True))


def test_source_page_shows_its_name_home_page_language_rights_and_license(client, tass):
    tree = get(client, "/en/sources/tass/")

    assert text_of(find(tree, "//h1")[0]) == "TASS"
    pairs = facts_of(tree, "source-facts")
    assert find(pairs["Home page"], ".//a")[0].get("href") == "https://tass.example/"
    assert text_of(pairs["Language"]) == "Русский"
    assert text_of(pairs["Rights holder"]) == "TASS Russian News Agency"
    assert "public domain" in text_of(pairs["Rights"])
    license_link = find(pairs["License:"], ".//a[@rel='license']")[0]
    assert license_link.get("href") == "https://creativecommons.org/publicdomain/mark/1.0/"
    assert text_of(license_link) == "Public domain"
    canonical = find(tree, "//link[@rel='canonical']")[0].get("href")
    assert canonical == "http://testserver/en/sources/tass/"


def test_source_page_leaves_out_a_home_page_a_browser_cannot_open(client, tass):
    tass.homepage = ""
    tass.license_url = ""
    tass.save()

    tree = get(client, "/en/sources/tass/")

    pairs = facts_of(tree, "source-facts")
    assert "Home page" not in pairs
    assert text_of(pairs["License:"]) == "Public domain"
    assert find(pairs["License:"], ".//a") == []


def test_source_page_lists_its_articles_newest_first_thirty_a_page(client, tass):
    now = timezone.now()
    for index in range(31):
        ArticleFactory.create(
            source=tass, title=f"TASS {index:02d}", published_at=now - timedelta(hours=index)
        )
    ArticleFactory.create(title="Someone else's")

    first = get(client, "/en/sources/tass/")
    second = get(client, "/en/sources/tass/?page=2")

    assert titles(first)[:2] == ["TASS 00", "TASS 01"]
    assert len(titles(first)) == 30
    assert titles(second) == ["TASS 30"]
    assert find(first, "//a[@rel='next']")[0].get("href") == "?page=2"


def test_source_publishing_rate_counts_the_last_thirty_days(client, tass):
    now = timezone.now().replace(microsecond=0)
    for hours in range(0, 45 * 12, 12):  # 45 articles, one every 12 hours
        ArticleFactory.create(source=tass, published_at=now - timedelta(hours=hours, minutes=1))
    ArticleFactory.create(source=tass, published_at=now - timedelta(days=31))
    ArticleFactory.create(
        source=tass, published_at=None, fetched_at=now - timedelta(days=2)
    )  # undated: counted by its fetch time
    ArticleFactory.create(published_at=now)  # another source

    rate = source_publishing_rate(source=tass, days=30, now=now)

    assert (rate.count, rate.per_day) == (46, 1.5)
    tree = get(client, "/en/sources/tass/")
    assert text_of(find(tree, "//*[has-class(rate__summary)]")[0]) == (
        "46 articles in the last 30 days: 1.5 a day on average."
    )


def test_a_rarely_publishing_source_has_a_rate_below_one_a_day(client, tass):
    ArticleFactory.create(source=tass, published_at=timezone.now() - timedelta(days=3))

    tree = get(client, "/en/sources/tass/")

    assert text_of(find(tree, "//*[has-class(rate__summary)]")[0]) == (
        "1 article in the last 30 days: 0.03 a day on average."
    )


def test_source_weekly_articles_are_counted_per_week(client, tass):
    now = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)
    for day in (10, 11, 11, 3):
        ArticleFactory.create(source=tass, published_at=datetime(2025, 3, day, 9, tzinfo=UTC))
    ArticleFactory.create(published_at=datetime(2025, 3, 11, 9, tzinfo=UTC))

    weeks = source_weekly_articles(source=tass, weeks=4, now=now)

    assert [(w.start.isoformat(), w.count) for w in weeks] == [
        ("2025-02-17", 0),
        ("2025-02-24", 0),
        ("2025-03-03", 1),
        ("2025-03-10", 3),
    ]


def test_source_page_draws_articles_per_week(client, tass):
    for weeks_ago in (0, 0, 3):
        ArticleFactory.create(source=tass, published_at=monday_noon(weeks_ago))

    tree = get(client, "/en/sources/tass/")

    bars = find(tree, "//section[has-class(rate)]//rect[has-class(chart__bar)]")
    assert [int(bar.get("data-count")) for bar in bars] == [0] * 22 + [1, 0, 0, 2]


def test_source_page_in_russian_speaks_russian_where_it_is_translated(client, tass):
    response = client.get("/ru/sources/tass/")

    assert response.status_code == 200
    tree = parse(response)
    assert tree.get("lang") == "ru"
    text = text_of(tree)
    assert "Лицензия:" in text
    assert "Язык" in text
    assert "License:" not in text


def test_unknown_source_story_and_entity_are_404(client):
    for url in (
        "/en/sources/no-such-source/",
        "/ru/sources/nope/",
        "/en/stories/999999/",
        "/en/stories/0/",
        "/en/entities/nope/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url


def test_source_page_costs_the_same_few_queries_for_many_rows(
    client, tass, django_assert_max_num_queries
):
    for index in range(40):
        ArticleFactory.create(source=tass, published_at=monday_noon(index % 20))

    # The source, its articles and their count, the 30-day count, the weekly counts.
    with django_assert_max_num_queries(6):
        tree = get(client, "/en/sources/tass/")
    assert len(titles(tree)) == 30


# Story page


def test_story_page_lists_its_articles_earliest_first_with_source_and_language(client):
    now = timezone.now().replace(microsecond=0)
    tass = SourceFactory.create(name="TASS", slug="tass")
    inosmi = SourceFactory.create(name="InoSMI", slug="inosmi")
    story = StoryFactory.create(title="Rudenko on Japan")
    later = ArticleFactory.create(
        story=story, source=inosmi, language="en", title="Russia warns Japan", published_at=now
    )
    first = ArticleFactory.create(
        story=story,
        source=tass,
        language="ru",
        title="Руденко о Японии",
        published_at=now - timedelta(hours=3),
    )
    undated = ArticleFactory.create(story=story, source=tass, language="ru", published_at=None)
    story.canonical_article = first
    story.save()
    ArticleFactory.create(title="Elsewhere")

    tree = get(client, f"/en/stories/{story.pk}/")

    assert text_of(find(tree, "//h1")[0]) == "Rudenko on Japan"
    items = find(tree, "//ol[has-class(story-list)]/li/article")
    assert [text_of(find(i, ".//h3/a")[0]) for i in items] == [
        first.title,
        later.title,
        undated.title,
    ]
    assert [i.get("lang") for i in items] == ["ru", "en", "ru"]
    assert [text_of(find(i, ".//*[has-class(meta__source)]")[0]) for i in items] == [
        "TASS",
        "InoSMI",
        "TASS",
    ]
    assert find(items[1], ".//a[has-class(meta__source)]")[0].get("href") == "/en/sources/inosmi/"
    assert [text_of(find(i, ".//*[has-class(meta__language)]")[0]) for i in items] == [
        "Русский",
        "English",
        "Русский",
    ]
    facts = {term: text_of(dd) for term, dd in facts_of(tree, "story-facts").items()}
    assert facts == {"Articles": "3", "Sources": "TASS, InoSMI", "Languages": "English, Русский"}


def test_story_page_costs_two_queries_however_many_articles(client, django_assert_max_num_queries):
    story = StoryFactory.create()
    for _ in range(12):
        ArticleFactory.create(story=story, source=SourceFactory.create())

    with django_assert_max_num_queries(2):
        tree = get(client, f"/en/stories/{story.pk}/")
    assert len(find(tree, "//ol[has-class(story-list)]/li")) == 12


# Both languages


def test_home_in_russian_labels_its_filters_in_russian(client, wires):
    response = client.get("/ru/", {"lang": "ru"})

    tree = parse(response)
    assert tree.get("lang") == "ru"
    labels = [text_of(label) for label in find(tree, "//form[has-class(filters)]//label")]
    assert labels == ["Язык статей", "Источник"]
    assert text_of(find(tree, "//select[@name='lang']/option")[0]) == "Все языки"
    assert "Язык: Русский" in text_of(find(tree, "//*[has-class(active-filter)]")[0])


def test_story_and_entity_pages_render_in_russian(client):
    story = StoryFactory.create()
    article = ArticleFactory.create(story=story)
    entity = EntityFactory.create(slug="japan", name_en="Japan", name_ru="Япония")
    MentionFactory.create(article=article, entity=entity)

    story_tree = get(client, f"/ru/stories/{story.pk}/")
    entity_tree = get(client, "/ru/entities/japan/")

    assert story_tree.get("lang") == "ru"
    assert text_of(find(entity_tree, "//h1")[0]) == "Япония"
    assert "Новости, в которых упоминается" in text_of(entity_tree)
    assert (
        find(story_tree, "//a[has-class(meta__source)]")[0].get("href").startswith("/ru/sources/")
    )


def test_language_names_are_lower_case_mid_sentence_in_russian_only():
    from django.utils import translation

    from newsdesk.news.templatetags.news_tags import language_name

    with translation.override("ru"):
        assert (language_name("ru"), language_name("en")) == ("русский", "английский")
    with translation.override("en"):
        assert (language_name("ru"), language_name("en")) == ("Russian", "English")


def test_an_entity_pages_its_articles_newest_first_each_text_once(client):
    entity = EntityFactory.create(slug="japan")
    start = timezone.now() - timedelta(days=1)
    articles = []
    for index in range(64):
        article = ArticleFactory.create(
            title=f"Article {index:02}", published_at=start + timedelta(minutes=index)
        )
        MentionFactory.create(article=article, entity=entity)
        articles.append(article)
    # A copy of article 63 elsewhere: one story, listed once by its canonical article.
    story = StoryFactory.create(canonical_article=articles[63])
    copy = ArticleFactory.create(title="The copy", published_at=start, story=story)
    Article.objects.filter(pk=articles[63].pk).update(story=story)
    MentionFactory.create(article=copy, entity=entity)
    MentionFactory.create(article=ArticleFactory.create(title="Elsewhere"))

    first = get(client, "/en/entities/japan/")
    assert titles(first) == [f"Article {n:02}" for n in range(63, 33, -1)]
    assert "2 articles in this story" in text_of(find(first, "//ol[has-class(article-list)]/li")[0])
    assert titles(get(client, "/en/entities/japan/?page=2")) == [
        f"Article {n:02}" for n in range(33, 3, -1)
    ]
    assert titles(get(client, "/en/entities/japan/?page=3")) == [
        f"Article {n:02}" for n in range(3, -1, -1)
    ]
    assert titles(get(client, "/en/entities/japan/?page=99")) == titles(
        get(client, "/en/entities/japan/?page=3")
    )
    home = get(client, "/en/?entity=japan&page=3")
    assert titles(home) == [f"Article {n:02}" for n in range(3, -1, -1)]
