"""extract_article and its helpers over recorded news pages (tests/pipeline/fixtures/pages)."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from newsdesk.pipeline.extract import (
    MAX_PAGE_CHARS,
    Extracted,
    ExtractError,
    Paragraph,
    assign_roles,
    extract_article,
    find_human_date,
    find_image_credit,
    find_published,
    html_text,
    paragraphs_from_html,
)

PAGES = Path(__file__).parent / "fixtures" / "pages"


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def _extract(name: str, url: str = "https://site.example.com/news/story") -> Extracted:
    return extract_article(_page(name), url=url)


def _roles(extracted: Extracted) -> list[tuple[str, str]]:
    """Each paragraph's role and its first sentence (or clause, for long ones)."""
    return [
        (p.role, re.split(r"(?<=[.?!,])\s", p.text, maxsplit=1)[0]) for p in extracted.paragraphs
    ]


# --- interviews ---------------------------------------------------------------------------


def test_english_interview_splits_dialogue_dash_questions_from_answers() -> None:
    article = _extract(
        "interview_en_dashes.html",
        url="https://ledger.example.com/politics/2025/03/04/minister-interview",
    )

    assert article.title == "“We will not cut the budget”: finance minister on the year ahead"
    assert article.lead == (
        "The finance minister explains why spending stays where it is and what happens to taxes."
    )
    roles = [p.role for p in article.paragraphs]
    assert roles[:8] == [
        "paragraph",
        "question",
        "answer",
        "question",
        "answer",
        "answer",
        "question",
        "answer",
    ]
    assert article.paragraphs[1].text == (
        "How do you assess the state of the public finances after a year of high interest rates?"
    )
    assert article.paragraphs[2].text.startswith("The deficit is smaller than we forecast")
    assert article.paragraphs[6].text == "And taxes?"
    assert article.paragraphs[7].text.startswith("We are not raising income tax.")


def test_english_interview_metadata() -> None:
    article = _extract(
        "interview_en_dashes.html",
        url="https://ledger.example.com/politics/2025/03/04/minister-interview",
    )

    assert article.url == "https://ledger.example.com/politics/2025/03/04/minister-interview"
    assert article.authors == ["Anna Brooks"]
    assert article.byline == "Anna Brooks"
    assert article.published == datetime(2025, 3, 4, 6, 30, tzinfo=UTC)
    assert article.language == "en"
    assert article.site_name == "The Daily Ledger"
    assert article.image_url == "https://ledger.example.com/media/2025/03/minister-portrait.jpg"


def test_headline_and_lead_are_not_repeated_in_the_paragraphs() -> None:
    article = _extract("interview_en_dashes.html")

    texts = [p.text for p in article.paragraphs]
    assert article.title not in texts
    assert article.lead not in texts
    assert "© 2025 The Daily Ledger" not in article.text
    assert "Central bank keeps rates on hold" not in article.text


def test_russian_interview_with_bold_questions() -> None:
    article = _extract("interview_ru_bold.html")

    assert article.title == "Директор театра: «Зритель вернулся, и он стал требовательнее»"
    assert article.lead == (
        "Руководитель драмтеатра рассказал о новом сезоне, ценах на билеты и гастролях."
    )
    assert [p.role for p in article.paragraphs] == [
        "paragraph",
        "question",
        "answer",
        "question",
        "answer",
        "answer",
        "question",
        "answer",
    ]
    questions = [p.text for p in article.paragraphs if p.role == "question"]
    assert questions == [
        "Пётр Сергеевич, как прошёл прошлый сезон?",
        "Будут ли расти цены на билеты?",
        "Куда театр поедет на гастроли?",
    ]
    assert article.authors == ["Ольга Смирнова"]
    assert article.published == datetime(2025, 2, 28, 15, 5, tzinfo=UTC)
    assert article.language == "ru"
    assert article.image_url == "https://gazeta.example.ru/upload/iblock/teatr.jpg"


def test_russian_vopros_otvet_prefixes_become_roles_without_the_prefix() -> None:
    article = _extract("interview_ru_vopros_otvet.html")

    assert [p.role for p in article.paragraphs][:5] == [
        "paragraph",
        "question",
        "answer",
        "question",
        "answer",
    ]
    assert article.paragraphs[1].text == "Можно ли пить воду из-под крана без кипячения?"
    assert article.paragraphs[2].text.startswith("В большинстве районов города")
    assert not any(p.text.startswith(("Вопрос:", "Ответ:")) for p in article.paragraphs)
    assert article.published == datetime(2025, 3, 1, 7, 0, tzinfo=UTC)
    assert article.language == "ru"
    assert article.site_name == "Вести региона"


def test_english_q_and_a_prefixes_become_roles_without_the_prefix() -> None:
    article = _extract("interview_en_qa.html")

    assert article.title == "Q&A: what the new rail timetable means for commuters"
    assert _roles(article)[:5] == [
        ("paragraph", "The new timetable starts on Monday."),
        ("question", "Will the early trains still run before six?"),
        ("answer", "Yes."),
        ("question", "What happens to the evening fast trains?"),
        ("answer", "They keep their slots but call at two more stations,"),
    ]
    assert article.authors == ["Tom Hale"]
    assert article.published == datetime(2025, 3, 2, 7, 0, tzinfo=UTC)


# --- images -------------------------------------------------------------------------------


def test_figcaption_credit_is_the_image_credit_and_image_url_is_absolute() -> None:
    article = _extract("figure_credit_ru.html", url="https://neva.example.ru/city/most")

    assert article.image_url == "https://static.neva.example.ru/img/2025/04/most.jpg"
    assert article.image_credit == "ТАСС"
    assert article.image_alt == "Разведённый Дворцовый мост ночью"
    assert article.title == "В Петербурге развели Дворцовый мост для навигации"
    assert article.lead == "Первая разводка сезона прошла по графику."
    assert article.paragraphs[0].text.startswith("В ночь на воскресенье в Петербурге")
    assert "Фото: ТАСС" not in article.text
    assert article.published == datetime(2025, 4, 19, 22, 25, tzinfo=UTC)
    assert article.authors == ["Алексей Волков"]


def test_image_source_line_is_the_credit_and_not_article_text() -> None:
    article = _extract("image_source_line.html", url="https://coastherald.example.co.uk/news/1")

    assert article.image_credit == "Coastguard Agency"
    assert article.image_url == "https://coastherald.example.co.uk/images/storm-road.jpg"
    assert "Image source" not in article.text
    assert article.paragraphs[0].text.startswith("The coastal road between Westhaven")
    assert len(article.paragraphs) == 3
    assert article.language == "en"


def test_relative_image_url_resolves_against_the_page_url() -> None:
    article = _extract("interview_en_dashes.html", url="https://mirror.example.net/a/b.html")

    assert article.image_url == "https://mirror.example.net/media/2025/03/minister-portrait.jpg"


# --- structure ----------------------------------------------------------------------------


def test_h2_headings_and_blockquotes_keep_their_roles() -> None:
    article = _extract("headings_quote.html")

    assert [p.role for p in article.paragraphs] == [
        "paragraph",
        "heading",
        "paragraph",
        "paragraph",
        "heading",
        "paragraph",
        "quote",
        "paragraph",
    ]
    assert article.paragraphs[1].text == "What will be built"
    assert article.paragraphs[4].text == "What opponents say"
    assert article.paragraphs[6].text.startswith("We are not against bicycles.")


def test_closing_byline_line_becomes_the_byline_not_a_paragraph() -> None:
    article = _extract("headings_quote.html")

    assert article.authors == ["Maria Lopez", "David Chen"]
    assert article.byline == "By Maria Lopez and David Chen"
    assert "By Maria Lopez" not in article.text
    assert article.published == datetime(2025, 2, 10, 19, 0, tzinfo=UTC)


def test_short_two_sentence_statement_is_an_article() -> None:
    article = _extract("short_statement.html")

    assert article.title == "Readout of the foreign ministers' call"
    assert [p.as_dict() for p in article.paragraphs] == [
        {
            "role": "paragraph",
            "text": "The foreign ministers discussed the humanitarian situation and agreed to "
            "meet in Geneva next week. Both sides confirmed their commitment to the ceasefire.",
        }
    ]
    assert article.published == datetime(2025, 3, 5, 11, 20, tzinfo=UTC)


def test_as_json_holds_every_field() -> None:
    data = _extract("figure_credit_ru.html").as_json()

    assert data["published"] == "2025-04-19T22:25:00+00:00"
    assert data["image_credit"] == "ТАСС"
    # The page shows its lead as the body's first paragraph: the text opens with it.
    assert data["text"] == "\n\n".join([data["lead"], *(p["text"] for p in data["paragraphs"])])
    assert {p["role"] for p in data["paragraphs"]} == {"paragraph"}
    assert data["description"] == data["lead"]
    assert data["site_name"]


# --- dates and encodings ------------------------------------------------------------------


def test_publication_time_only_in_json_ld_is_found_with_its_time_of_day() -> None:
    article = _extract("jsonld_date_only.html")

    assert article.published == datetime(2025, 3, 3, 20, 15, tzinfo=UTC)
    assert article.title == "Museum returns stolen painting after forty years"
    assert article.authors == ["Clara Weiss"]


def test_publication_time_in_a_json_ld_graph_is_found_with_its_time_of_day() -> None:
    article = _extract("jsonld_graph.html")

    assert article.published == datetime(2025, 2, 14, 14, 45, tzinfo=UTC)


def test_windows_1251_bytes_with_a_meta_charset_decode_russian_text() -> None:
    article = _extract("windows1251_ru.html")

    assert article.title == "Урожай зерна в области превысил прогноз"
    assert article.paragraphs[0].text.startswith("Аграрии области собрали больше двух миллионов")
    assert article.language == "ru"
    assert article.published == datetime(2024, 9, 12, 7, 0, tzinfo=UTC)


def test_windows_1251_bytes_without_any_charset_decode_russian_text() -> None:
    raw = _page("windows1251_ru.html")
    bare = raw.replace(
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', b""
    )
    assert bare != raw

    article = extract_article(bare, url="https://agro.example.ru/news/1")

    assert article.title == "Урожай зерна в области превысил прогноз"
    assert "Уборка подсолнечника и кукурузы" in article.text


def test_xhtml_page_with_an_xml_declaration_is_read() -> None:
    for html in (_page("xhtml_declaration_ru.html"), _page("xhtml_declaration_ru.html").decode()):
        article = extract_article(html, url="https://roads.example.ru/m4")

        assert article.title == "На трассе М-4 открыли новый участок"
        assert article.lead == "Движение по обходу Аксая запущено на месяц раньше срока."
        assert article.paragraphs[0].text.startswith("Новый участок длиной восемнадцать")
        assert article.language == "ru"
        assert article.published == datetime(2024, 12, 20, 12, 30, tzinfo=UTC)


def test_str_and_bytes_input_give_the_same_article() -> None:
    raw = _page("headings_quote.html")

    from_bytes = extract_article(raw, url="https://e.com/a")
    from_str = extract_article(raw.decode("utf-8"), url="https://e.com/a")

    assert from_bytes.as_json() == from_str.as_json()


# --- pages without an article -------------------------------------------------------------


def test_page_with_only_navigation_links_raises_extract_error() -> None:
    with pytest.raises(ExtractError, match="no article text"):
        _extract("nav_only.html")


@pytest.mark.parametrize("html", [b"", "", b"   \n  ", "\t"])
def test_empty_input_raises_extract_error(html: str | bytes) -> None:
    with pytest.raises(ExtractError, match="empty"):
        extract_article(html, url="https://e.com/a")


@pytest.mark.parametrize(
    "html",
    [
        bytes(range(256)) * 20,
        b"\x89PNG\r\n\x1a\n" + bytes(2048),
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\ntrailer",
        b"\x00" * 512,
        b"\x1f\x8b\x08\x00" + bytes(range(200)),
        "<p>nul \x00 and control \x0b characters</p>",
        b"<<<>>>",
        b"<html></html>",
    ],
    ids=["all-bytes", "png", "pdf", "nuls", "gzip", "control-chars", "brackets", "empty-html"],
)
def test_binary_garbage_raises_extract_error_not_another_exception(html: str | bytes) -> None:
    with pytest.raises(ExtractError):
        extract_article(html, url="https://e.com/a")


def test_plain_text_without_markup_raises_extract_error() -> None:
    with pytest.raises(ExtractError):
        extract_article(b"Service temporarily unavailable.", url="https://e.com/a")


# --- assign_roles -------------------------------------------------------------------------


def test_assign_roles_dash_without_a_question_mark_is_not_a_question() -> None:
    paragraphs = [Paragraph("paragraph", "— Нет.— сказал он и вышел.")]

    assert assign_roles(paragraphs) == paragraphs


def test_assign_roles_keeps_headings_and_quotes_inside_an_interview() -> None:
    paragraphs = assign_roles(
        [
            Paragraph("paragraph", "Q: Why now?"),
            Paragraph("heading", "Part two"),
            Paragraph("quote", "A quoted line."),
            Paragraph("paragraph", "Because it is time."),
        ]
    )

    assert [p.role for p in paragraphs] == ["question", "heading", "quote", "answer"]
    assert paragraphs[0].text == "Why now?"


def test_assign_roles_dash_question_alone_has_no_empty_answer() -> None:
    paragraphs = assign_roles([Paragraph("paragraph", "— Почему сейчас?—")])

    assert paragraphs == [Paragraph("question", "Почему сейчас?")]


def test_assign_roles_of_nothing_is_nothing() -> None:
    assert assign_roles([]) == []


# --- paragraphs_from_html -----------------------------------------------------------------


def test_paragraphs_from_html_reads_feed_content_with_roles() -> None:
    html = (
        "<p>Intro paragraph.</p><h2>Section</h2>"
        "<p><strong>Why did you leave?</strong></p><p>I wanted a change.</p>"
        "<blockquote><p>Quoted words.</p></blockquote>"
        "<blockquote>Bare quote.</blockquote>"
        "<ul><li>First point</li><li>Second point</li></ul>"
    )

    assert [p.as_dict() for p in paragraphs_from_html(html)] == [
        {"role": "paragraph", "text": "Intro paragraph."},
        {"role": "heading", "text": "Section"},
        {"role": "question", "text": "Why did you leave?"},
        {"role": "answer", "text": "I wanted a change."},
        {"role": "quote", "text": "Quoted words."},
        {"role": "quote", "text": "Bare quote."},
        {"role": "answer", "text": "First point"},
        {"role": "answer", "text": "Second point"},
    ]


def test_paragraphs_from_html_of_empty_or_markup_only_content_is_empty() -> None:
    assert paragraphs_from_html("") == []
    assert paragraphs_from_html("<p> </p><br><p>\n</p>") == []


# --- find_image_credit and find_published -------------------------------------------------


def test_find_image_credit_strips_the_photo_prefix_from_a_figcaption() -> None:
    tree = lxml.html.fromstring(
        "<html><body><figure><img src='a.jpg' alt='Alt text'>"
        "<figcaption>Photo: Reuters / Jane Roe</figcaption></figure></body></html>"
    )

    assert find_image_credit(tree, image_url="https://e.com/a.jpg") == (
        "Reuters / Jane Roe",
        "Alt text",
    )


def test_find_image_credit_without_any_credit_is_empty() -> None:
    tree = lxml.html.fromstring("<html><body><p>Just text.</p></body></html>")

    assert find_image_credit(tree, image_url="") == ("", "")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            '<meta property="article:published_time" content="2025-03-04T12:00:00+03:00">',
            datetime(2025, 3, 4, 9, 0, tzinfo=UTC),
        ),
        (
            '<meta name="pubdate" content="2025-03-04T12:00:00Z">',
            datetime(2025, 3, 4, 12, 0, tzinfo=UTC),
        ),
        (
            '<script type="application/ld+json">[{"@type":"NewsArticle",'
            '"datePublished":"2025-03-04T12:00:00-05:00"}]</script>',
            datetime(2025, 3, 4, 17, 0, tzinfo=UTC),
        ),
        (
            '<script type="application/ld+json">{not json</script>'
            '<meta property="og:published_time" content="2025-03-04T08:00:00">',
            datetime(2025, 3, 4, 8, 0, tzinfo=UTC),
        ),
    ],
    ids=["article-meta", "pubdate", "json-ld-list", "bad-json-ld-then-naive-meta"],
)
def test_find_published_reads_meta_tags_and_json_ld_in_utc(head: str, expected: datetime) -> None:
    tree = lxml.html.fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>")

    assert find_published(tree) == expected


def test_find_published_falls_back_to_a_time_element() -> None:
    tree = lxml.html.fromstring(
        "<html><body><article><time datetime='2025-01-02T03:04:05+01:00'>2 Jan</time>"
        "<p>x</p></article></body></html>"
    )

    assert find_published(tree) == datetime(2025, 1, 2, 2, 4, 5, tzinfo=UTC)


def test_find_published_skips_unparseable_values_and_returns_none_without_any() -> None:
    bad = lxml.html.fromstring(
        "<html><head><meta property='article:published_time' content='yesterday'></head>"
        "<body><time datetime='soon'>soon</time></body></html>"
    )

    assert find_published(bad) is None


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("", ""),
        ("   ", ""),
        (
            "<p>Переговоры &laquo;в Женеве&raquo;</p>\n<p>  закончились</p>",
            "Переговоры «в Женеве» закончились",
        ),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("plain text, no tags", "plain text, no tags"),
    ],
)
def test_html_text_gives_plain_text_of_fragments_even_broken_ones(fragment: str, text: str) -> None:
    assert html_text(fragment) == text


# --- lead, canonical URL, human dates, JSON-LD body ---------------------------------------

_BODY = (
    "<p>Первый абзац статьи о том, как городские власти решили перестроить набережную, "
    "и что об этом думают жители соседних кварталов.</p>"
    "<p>Второй абзац: работы начнутся весной и продлятся два года, а движение по набережной "
    "на это время закроют для машин.</p>"
)


def _article_page(head: str = "", body: str = _BODY, before: str = "") -> str:
    return (
        f"<html lang='ru'><head><title>Набережную перестроят</title>{head}</head><body>"
        f"<article><h1>Набережную перестроят</h1>{before}{body}</article></body></html>"
    )


def test_lead_shown_in_the_body_opens_the_text_but_stays_out_of_the_paragraphs() -> None:
    article = _extract("interview_en_dashes.html")

    assert article.text.startswith(article.lead + "\n\n")
    assert article.lead not in [p.text for p in article.paragraphs]
    assert article.as_json()["text"] == article.text


def test_lead_only_in_meta_tags_is_not_added_to_the_text() -> None:
    html = _article_page('<meta name="description" content="Краткое описание для поиска.">')

    article = extract_article(html, url="https://city.example.ru/a")

    assert article.lead == "Краткое описание для поиска."
    assert article.description == article.lead
    assert "Краткое описание" not in article.text
    assert article.text.startswith("Первый абзац")


def test_same_site_canonical_link_is_the_url_without_its_trackers() -> None:
    head = '<link rel="canonical" href="https://www.city.example.ru/news/1?utm_source=tg#top">'

    article = extract_article(_article_page(head), url="https://m.city.example.ru/n1?from=rss")

    assert article.url == "https://www.city.example.ru/news/1"


@pytest.mark.parametrize(
    "head",
    [
        '<link rel="canonical" href="https://victim.example.com/exclusive">',
        '<meta property="og:url" content="https://victim.example.com/exclusive">',
        '<link rel="canonical" href="javascript:alert(1)">',
        '<link rel="canonical" href="http://[::1">',
    ],
    ids=["other-site-canonical", "other-site-og-url", "javascript", "malformed"],
)
def test_canonical_pointing_elsewhere_or_broken_is_ignored(head: str) -> None:
    article = extract_article(
        _article_page(head), url="https://city.example.ru/news/1?utm_medium=rss&id=5"
    )

    assert article.url == "https://city.example.ru/news/1?id=5"


def test_page_read_from_a_file_takes_its_canonical_url() -> None:
    head = '<link rel="canonical" href="https://city.example.ru/news/1?utm_source=x">'

    article = extract_article(_article_page(head), url="file:///tmp/saved/page.html")

    assert article.url == "https://city.example.ru/news/1"


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        (
            "<div class='article__date'>7 марта 2023, 05:33</div>",
            datetime(2023, 3, 7, 5, 33, tzinfo=UTC),
        ),
        ("<time>March 7, 2023</time>", datetime(2023, 3, 7, tzinfo=UTC)),
        (
            "<span class='published'>Опубликовано: 12.01.2024 в 18:40</span>",
            datetime(2024, 1, 12, 18, 40, tzinfo=UTC),
        ),
        (
            "<p class='byline'>By Jane Roe | 5 June 2024 at 9:15</p>",
            datetime(2024, 6, 5, 9, 15, tzinfo=UTC),
        ),
    ],
    ids=["ru-date-class", "en-time-text", "ru-dotted", "en-byline"],
)
def test_human_written_date_is_found_when_no_machine_date_exists(
    marker: str, expected: datetime
) -> None:
    article = extract_article(_article_page(before=marker), url="https://city.example.ru/a")

    assert article.published == expected


def test_numbers_in_the_text_are_not_taken_for_a_date() -> None:
    body = (
        "<p>В 2023 году на ремонт потратили 12 05 1999 рублей, а 7 из 10 жителей одобрили план "
        "перестройки набережной, сообщили в мэрии города в понедельник вечером.</p>"
        "<div class='stats'>Счёт 3:1, 12 марта</div>"
    )

    article = extract_article(_article_page(body=body), url="https://city.example.ru/a")

    assert article.published is None
    assert find_human_date(lxml.html.fromstring(_article_page(body=body))) is None


def test_machine_date_wins_over_a_human_one() -> None:
    head = '<meta property="article:published_time" content="2023-03-07T05:33:00+03:00">'
    page = _article_page(head, before="<div class='date'>1 января 2020</div>")

    article = extract_article(page, url="https://city.example.ru/a")

    assert article.published == datetime(2023, 3, 7, 2, 33, tzinfo=UTC)


def test_json_ld_article_body_stands_in_for_text_rendered_by_scripts() -> None:
    body = "\n".join(
        f"Абзац номер {n}: власти города рассказали о планах на весну и лето." for n in range(12)
    )
    ld = json.dumps({"@type": "NewsArticle", "headline": "Планы", "articleBody": body})
    page = (
        "<html><head><title>Планы</title>"
        f'<script type="application/ld+json">{ld}</script></head>'
        "<body><article><h1>Планы</h1><p>Загрузка… Включите JavaScript, чтобы читать.</p>"
        "</article><div id='app'></div></body></html>"
    )

    article = extract_article(page, url="https://city.example.ru/a")

    assert len(article.paragraphs) == 12
    assert article.paragraphs[3].text.startswith("Абзац номер 3:")


def test_json_ld_with_cdata_and_offset_without_colon_gives_the_date_and_image_credit() -> None:
    ld = (
        '<script type="application/ld+json"><![CDATA[{"@type":"NewsArticle",'
        '"datePublished":"2021-11-01T10:52:50+0100","image":{"@type":"ImageObject",'
        '"url":"https://e.cz/a.jpg","creditText":"Reuters"}}]]></script>'
    )

    article = extract_article(_article_page(ld), url="https://e.cz/a")

    assert article.published == datetime(2021, 11, 1, 9, 52, 50, tzinfo=UTC)
    assert article.image_credit == "Reuters"


# --- image credits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caption", "credit"),
    [
        ("(Фото: РИА Новости / Иван Петров)", "РИА Новости / Иван Петров"),
        ("Фотография: пресс-служба мэрии", "пресс-служба мэрии"),
        ("Photo credit: AP", "AP"),
        ("Иллюстрация: Midjourney", "Midjourney"),
    ],
)
def test_image_credit_lines_in_their_many_forms(caption: str, credit: str) -> None:
    page = _article_page(
        before=f"<figure><img src='/a.jpg'><figcaption>{caption}</figcaption></figure>"
    )

    article = extract_article(page, url="https://city.example.ru/a")

    assert article.image_credit == credit
    assert caption not in article.text


def test_the_lead_images_own_figure_gives_the_credit() -> None:
    tree = lxml.html.fromstring(
        "<html><body>"
        "<figure><img src='/img/other.jpg'><figcaption>Фото: Архив</figcaption></figure>"
        "<figure><img src='/img/lead-800x600.jpg' alt='Мост'>"
        "<figcaption>Мост ночью. <span>Фото: ТАСС</span></figcaption></figure>"
        "</body></html>"
    )

    assert find_image_credit(tree, image_url="https://e.ru/img/lead.jpg") == ("ТАСС", "Мост")


# --- encodings and hostile input ----------------------------------------------------------


def test_koi8_r_bytes_without_a_charset_decode_russian_text() -> None:
    raw = _page("windows1251_ru.html").decode("windows-1251")
    raw = raw.replace(
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', ""
    )

    article = extract_article(
        raw.encode("koi8-r", errors="replace"), url="https://agro.example.ru/news/1"
    )

    assert article.title == "Урожай зерна в области превысил прогноз"


def test_http_charset_decodes_a_page_whose_meta_is_silent() -> None:
    raw = _page("windows1251_ru.html").replace(
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', b""
    )

    article = extract_article(raw, url="https://agro.example.ru/news/1", charset="windows-1251")

    assert "Уборка подсолнечника и кукурузы" in article.text


def test_page_over_the_size_cap_is_refused() -> None:
    huge = b"<html><body><p>" + b"word " * (MAX_PAGE_CHARS // 5 + 1) + b"</p></body></html>"

    with pytest.raises(ExtractError, match="cap"):
        extract_article(huge, url="https://e.com/a")
    with pytest.raises(ExtractError, match="cap"):
        extract_article(huge.decode(), url="https://e.com/a")


def test_nul_bytes_inside_a_page_do_not_hide_the_article() -> None:
    page = _page("headings_quote.html").replace(b"<body>", b"<body>\x00\x00", 1)

    article = extract_article(page, url="https://e.com/a")

    assert "protected cycle lanes" in article.text


def test_deeply_nested_markup_is_an_error_or_an_article_not_a_crash() -> None:
    page = (
        "<html><body>" + "<div>" * 5000 + "<p>Deep text.</p>" + "</div>" * 5000 + "</body></html>"
    )

    with contextlib.suppress(ExtractError):
        extract_article(page, url="https://e.com/a")


def test_json_ld_that_is_broken_or_hostile_is_skipped() -> None:
    head = (
        '<script type="application/ld+json">{"@graph": [1, "x", null]}</script>'
        '<script type="application/ld+json">' + "[" * 5000 + "</script>"
        '<script type="application/ld+json">{"articleBody": 12, "image": [null, 3]}</script>'
    )

    article = extract_article(_article_page(head), url="https://city.example.ru/a")

    assert article.text.startswith("Первый абзац")


_PROSE = (
    "The council met on Tuesday evening to discuss the new budget for the coming year, "
    "and members argued for several hours about roads, schools and the library."
)


def test_interview_questions_in_headings_with_permalinks_are_kept() -> None:
    # The markup of anchor.js permalinks, as on GitHub's blog.
    answers = "".join(
        f'<h2 id="q{i}"><b>What did you learn from job number {i}?</b><a href="#q{i}" '
        f'class="heading-link" aria-label="job {i}" data-anchorjs-icon="#" '
        f'style="padding-left: 0.375em;"></a></h2><p>{_PROSE} ({i})</p>'
        for i in range(1, 5)
    )
    html = (
        "<html><head><title>Spotlight</title></head><body><article>"
        f"<p>{_PROSE}</p>{answers}</article></body></html>"
    )

    extracted = extract_article(html, url="https://blog.example.com/spotlight")

    for i in range(1, 5):
        assert f"What did you learn from job number {i}?" in extracted.text


def test_article_in_divs_beside_a_little_paragraph_text_is_found_whole() -> None:
    # Precision mode reads <p> text only, once the page has some; this article is all <div>s.
    divs = "".join(f'<div class="absatz">{_PROSE} Part {i} of the story.</div>' for i in range(60))
    notices = "".join(
        f"<p>Our digital edition brings you the news first, every day, notice {i}.</p>"
        for i in range(8)
    )
    html = (
        "<html><head><title>A long story</title></head><body>"
        f'<div class="column-wide"><div class="dig-text">{divs}</div></div>'
        f'<div class="asset-box">{notices}</div></body></html>'
    )

    text = extract_article(html, url="https://news.example.com/story").text

    assert "Part 0 of the story." in text
    assert "Part 59 of the story." in text


def test_opening_heading_that_is_the_title_with_a_suffix_is_not_text() -> None:
    html = (
        '<html><head><meta property="og:title" content="Певица поддержала акцию">'
        "<title>Певица поддержала акцию</title></head><body><article>"
        f"<h1>Певица поддержала акцию. ФОТО</h1><p>{_PROSE}</p><p>{_PROSE}</p>"
        "</article></body></html>"
    )

    extracted = extract_article(html, url="https://ura.example.com/news/1")

    assert extracted.title == "Певица поддержала акцию"
    assert "ФОТО" not in extracted.text


def test_opening_heading_that_only_starts_like_the_title_stays() -> None:
    html = (
        "<html><head><title>Cat</title></head><body><article>"
        f"<h2>Cats of the city</h2><p>{_PROSE}</p><p>{_PROSE}</p></article></body></html>"
    )

    assert "Cats of the city" in extract_article(html, url="https://x.example.com/c").text
