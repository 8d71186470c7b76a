"""Ingestion over a loopback HTTP server: idempotent upserts, failures recorded, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from newsdesk.news.models import Article
from newsdesk.sources.models import IngestFailure, IngestItem, Source
from newsdesk.sources.selectors import sources_due
from newsdesk.sources.services import source_ingest
from tests.loopback import LoopbackServer

pytestmark = pytest.mark.django_db


def page_html(*, title: str, paragraphs: list[str], canonical: str = "", lead: str = "") -> str:
    canonical_link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(title)}</title>{canonical_link}
<meta name="description" content="{escape(lead)}">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-05-01T10:30:00+03:00">
</head><body><nav><a href="/">Home</a></nav><main><article><h1>{escape(title)}</h1>
<p>{escape(lead)}</p>{body}</article></main><footer>Footer text</footer></body></html>"""


def rss(items: list[tuple[str, str, str]], *, content: bool = False) -> str:
    """RSS 2.0 with (title, link, summary) items."""
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<description>{escape(s)}</description>"
        f"<pubDate>Wed, 01 May 2024 07:30:00 GMT</pubDate>"
        + (
            f"<content:encoded>{escape('<p>' + s + '</p>' + '<p>More text. ' * 40 + '</p>')}"
            "</content:encoded>"
            if content
            else ""
        )
        + "</item>"
        for t, link, s in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Test feed</title><link>http://example.org/</link>{entries}</channel></rss>"
    )


LONG = [
    "The ministers met in Geneva on Tuesday to discuss the arms control agenda for the year.",
    "Both delegations said the talks were constructive and agreed to meet again next month.",
    "Observers noted that the tone had changed markedly since the last round of negotiations.",
]


def serve_site(server: LoopbackServer, *, n: int = 3, etag: str = "") -> Source:
    items = []
    for i in range(n):
        link = server.add(
            f"/news/{i}.html",
            page_html(
                title=f"Talks round {i}",
                lead=f"Lead of round {i}.",
                paragraphs=[f"Round {i}: {p}" for p in LONG],
            ),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        items.append((f"Talks round {i}", link, f"Lead of round {i}."))
    feed_url = server.add(
        "/feed.xml", rss(items), headers={"Content-Type": "application/rss+xml"}, etag=etag
    )
    return Source.objects.create(
        name="Loopback news",
        slug="loopback",
        url=feed_url,
        language="en",
        rights_holder="Loopback News Agency",
        rights_statement="Reproduced with permission.",
        license_name="CC BY 4.0",
        license_url="https://creativecommons.org/licenses/by/4.0/",
    )


def page_requests(server: LoopbackServer) -> list[str]:
    return [path for path, _ in server.requests if path.startswith("/news/")]


def test_first_ingest_stores_each_item_with_text_metadata_and_rights(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    source = serve_site(http_server)
    report = source_ingest(source=source)
    assert (report.new, report.updated, report.unchanged, report.failed) == (3, 0, 0, 0)
    article = Article.objects.get(title="Talks round 1")
    assert article.lead == "Lead of round 1."
    assert [p["text"] for p in article.paragraphs] == [f"Round 1: {p}" for p in LONG]
    assert article.authors == ["Jane Doe"]
    assert article.published_at == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)
    assert article.rights_holder == "Loopback News Agency"
    assert article.license_url == "https://creativecommons.org/licenses/by/4.0/"
    assert article.language == "en"
    assert len(article.content_hash) == 64
    source.refresh_from_db()
    assert source.last_success_at is not None
    assert source.next_fetch_at > timezone.now()


def test_second_ingest_adds_and_changes_nothing_and_refetches_no_page(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    source = serve_site(http_server)
    source_ingest(source=source)
    before = {a.pk: (a.updated_at, a.content_hash) for a in Article.objects.all()}
    fetched_pages = len(page_requests(http_server))

    report = source_ingest(source=source)

    assert (report.new, report.updated, report.unchanged, report.failed) == (0, 0, 3, 0)
    assert {a.pk: (a.updated_at, a.content_hash) for a in Article.objects.all()} == before
    assert len(page_requests(http_server)) == fetched_pages


def test_feed_with_etag_answers_304_on_the_second_run(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    source = serve_site(http_server, etag='"v1"')
    source_ingest(source=source)
    report = source_ingest(source=source)
    assert report.not_modified
    assert report.new == report.updated == 0
    feed_requests = [h for path, h in http_server.requests if path == "/feed.xml"]
    assert feed_requests[-1].get("If-None-Match") == '"v1"'
    assert Article.objects.count() == 3


def test_changed_item_updates_its_article_instead_of_adding_one(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    source = serve_site(http_server)
    source_ingest(source=source)
    link = http_server.url("/news/0.html")
    http_server.add(
        "/news/0.html",
        page_html(title="Talks round 0, updated", lead="Lead of round 0.", paragraphs=LONG),
    )
    http_server.add(
        "/feed.xml",
        rss(
            [("Talks round 0, updated", link, "Lead of round 0.")]
            + [
                (f"Talks round {i}", http_server.url(f"/news/{i}.html"), f"Lead of round {i}.")
                for i in (1, 2)
            ]
        ),
    )
    report = source_ingest(source=source)
    assert (report.new, report.updated, report.unchanged) == (0, 1, 2)
    assert Article.objects.count() == 3
    article = Article.objects.get(link=link)
    assert article.title == "Talks round 0, updated"
    # The earlier version is kept as a revision.
    revision = article.revisions.get()
    assert revision.title == "Talks round 0"
    assert revision.paragraphs[0]["text"] == f"Round 0: {LONG[0]}"


def test_article_moved_to_a_new_url_and_retitled_is_updated_not_added(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    source = serve_site(http_server, n=2)
    source_ingest(source=source)
    body = (
        http_server.routes["/news/0.html"]
        .body.decode()
        .replace("Talks round 0", "Talks round 0 end without agreement")
    )
    moved = http_server.add("/news/2024/talks-end.html", body)
    http_server.add(
        "/feed.xml",
        rss(
            [
                ("Talks round 0 end without agreement", moved, "Lead of round 0."),
                ("Talks round 1", http_server.url("/news/1.html"), "Lead of round 1."),
            ]
        ),
    )
    report = source_ingest(source=source)
    assert (report.new, report.updated, report.unchanged) == (0, 1, 1)
    assert Article.objects.count() == 2
    article = Article.objects.get(link=moved)
    assert article.title == "Talks round 0 end without agreement"
    assert [r.title for r in article.revisions.all()] == ["Talks round 0"]


def test_one_text_on_two_sources_makes_one_story_with_the_original_as_canonical(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    text = [
        *LONG,
        "The agency's correspondent added that a joint statement is expected on Friday.",
        "Officials declined to say whether the question of missile deployments was raised.",
        "A spokesman for the foreign ministry described the atmosphere as businesslike.",
    ]
    original = http_server.add("/wire/1.html", page_html(title="Talks resume", paragraphs=text))
    # A reprint: another title, one word changed, one sentence added.
    edited = [*text[:5], text[5].replace("businesslike", "constructive"), "More to follow."]
    copy_page = page_html(title="Geneva talks resume", paragraphs=edited)
    copy_page = copy_page.replace("2024-05-01T10:30:00+03:00", "2024-05-01T14:00:00+03:00")
    copy = http_server.add("/reprint/1.html", copy_page)
    wire = Source.objects.create(
        name="Wire", slug="wire", url=http_server.add("/wire.xml", rss([("Talks", original, "s")]))
    )
    reprint = Source.objects.create(
        name="Reprint",
        slug="reprint",
        url=http_server.add("/reprint.xml", rss([("Geneva talks", copy, "s")])),
    )
    source_ingest(source=reprint)  # the copy arrives first
    source_ingest(source=wire)
    first, second = Article.objects.get(link=copy), Article.objects.get(link=original)
    assert first.story is not None and first.story_id == second.story_id
    # Feed dates are equal here, so the page's own publication time decides the canonical.
    assert first.story.canonical_article == second
    assert first.story.title == "Talks resume"


def test_failed_page_is_recorded_the_rest_stored_and_retried_next_run(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    source = serve_site(http_server, etag='"v1"')
    good_body = http_server.routes["/news/1.html"].body
    http_server.add("/news/1.html", "gone", status=410)

    report = source_ingest(source=source)

    assert (report.new, report.failed) == (2, 1)
    failure = IngestFailure.objects.get()
    assert failure.stage == "fetch"
    assert failure.url == http_server.url("/news/1.html")
    assert "410" in failure.message
    item = IngestItem.objects.get(link=http_server.url("/news/1.html"))
    assert (item.status, item.attempts) == ("failed", 1)
    # The feed answers 304 now, yet the failed item is kept and tried again.
    http_server.add("/news/1.html", good_body)
    report = source_ingest(source=source)
    assert report.not_modified
    assert (report.new, report.failed) == (1, 0)
    assert Article.objects.count() == 3
    item.refresh_from_db()
    assert item.status == "done"


def test_broken_feed_is_recorded_and_the_source_backs_off(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/feed.xml", "<html><body>Not a feed</body></html>")
    source = Source.objects.create(name="Broken", slug="broken", url=url)
    report = source_ingest(source=source)
    assert report.failed == 1
    assert "not a readable feed" in report.errors[0]
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert "not a readable feed" in source.last_error
    assert source.next_fetch_at - timezone.now() > source.fetch_interval
    assert IngestFailure.objects.get().stage == "parse"
    source_ingest(source=source)
    source.refresh_from_db()
    assert source.consecutive_failures == 2


def test_feed_with_full_text_is_stored_without_fetching_pages(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add(
        "/full.xml",
        rss([("Full text item", http_server.url("/news/x.html"), "Summary line.")], content=True),
    )
    source = Source.objects.create(name="Full", slug="full", url=url)
    report = source_ingest(source=source)
    assert report.new == 1
    article = Article.objects.get()
    assert article.lead == "Summary line."
    assert "More text." in article.text
    assert page_requests(http_server) == []


def test_loopback_source_is_refused_unless_allowed(http_server: LoopbackServer) -> None:
    source = serve_site(http_server)
    report = source_ingest(source=source)
    assert report.failed == 1
    assert "NEWSDESK_FETCH_ALLOW" in report.errors[0]
    assert Article.objects.count() == 0
    assert http_server.requests == []


def test_two_links_to_one_canonical_url_make_one_article(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    canonical = http_server.url("/talks")
    for path in ("/a.html", "/b.html"):
        # The page names its canonical URL with a tracking parameter, which is dropped.
        page = page_html(title="Talks", paragraphs=LONG, canonical=canonical + "?utm_source=rss")
        http_server.add(path, page)
    url = http_server.add(
        "/feed.xml",
        rss(
            [("Talks", http_server.url("/a.html"), "s"), ("Talks", http_server.url("/b.html"), "t")]
        ),
    )
    source = Source.objects.create(name="Dup", slug="dup", url=url)
    source_ingest(source=source)
    assert Article.objects.filter(canonical_url=canonical).count() == 1
    assert Article.objects.count() == 1


def test_feed_item_without_link_is_recorded_not_stored(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add(
        "/feed.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>No link here</title><description>x</description></item>"
        "</channel></rss>",
    )
    source = Source.objects.create(name="Linkless", slug="linkless", url=url)
    report = source_ingest(source=source)
    assert report.failed == 1
    assert "without a link" in IngestFailure.objects.get().message


def test_sources_due_skips_disabled_and_not_yet_due_sources() -> None:
    now = timezone.now()
    due = Source.objects.create(name="Due", slug="due", url="http://a.example/feed")
    Source.objects.create(
        name="Later",
        slug="later",
        url="http://b.example/feed",
        next_fetch_at=now + timedelta(hours=1),
    )
    Source.objects.create(name="Off", slug="off", url="http://c.example/feed", enabled=False)
    past = Source.objects.create(
        name="Past",
        slug="past",
        url="http://d.example/feed",
        next_fetch_at=now - timedelta(minutes=1),
    )
    assert {s.pk for s in sources_due(now=now)} == {due.pk, past.pk}


def test_ingest_command_prints_a_summary_per_source(
    http_server: LoopbackServer, allow_loopback: None, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_site(http_server)
    call_command("ingest", "--all")
    out = capsys.readouterr().out
    assert "Loopback news" in out
    assert "Ingest summary" in out


def test_ingest_command_rejects_an_unknown_source() -> None:
    with pytest.raises(CommandError, match="no source with slug nope"):
        call_command("ingest", "--source", "nope")


def test_source_whose_document_is_not_of_its_kind_fails_with_a_clear_reason(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/sitemap.xml", rss([("Item", "http://example.org/a", "s")]))
    source = Source.objects.create(name="Map", slug="map", url=url, kind=Source.Kind.SITEMAP)
    report = source_ingest(source=source)
    assert report.failed == 1
    assert "not a sitemap: an RSS feed" in report.errors[0]
    assert IngestFailure.objects.get().stage == "parse"
    source.refresh_from_db()
    assert source.consecutive_failures == 1


def test_local_file_source_is_read_from_a_permitted_folder(settings, tmp_path) -> None:
    settings.NEWSDESK_FILE_ROOTS = [tmp_path]
    feed = tmp_path / "feed.xml"
    feed.write_text(
        rss([("Local item", (tmp_path / "a.html").as_uri(), "Local lead.")]), encoding="utf-8"
    )
    (tmp_path / "a.html").write_text(
        page_html(title="Local item", lead="Local lead.", paragraphs=LONG), encoding="utf-8"
    )
    source = Source.objects.create(
        name="Files", slug="files", url=feed.as_uri(), kind=Source.Kind.FILE
    )
    report = source_ingest(source=source)
    assert (report.new, report.failed) == (1, 0)
    assert Article.objects.get().lead == "Local lead."


def test_feed_in_windows1251_labelled_only_by_http_is_stored_in_proper_russian(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    body = rss([("Переговоры в Женеве", http_server.url("/ru.html"), "Кратко.")], content=True)
    body = body.replace('encoding="utf-8"', "")
    url = http_server.add(
        "/ru.xml",
        body.encode("cp1251", errors="xmlcharrefreplace"),
        headers={"Content-Type": "application/rss+xml; charset=windows-1251"},
    )
    source = Source.objects.create(name="RU", slug="ru", url=url, language="ru")
    report = source_ingest(source=source)
    assert report.new == 1, report.errors
    assert Article.objects.get().title == "Переговоры в Женеве"


def test_feed_and_page_in_windows1251_labelled_nowhere_are_stored_in_proper_russian(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    paragraphs = [
        "Министры иностранных дел встретились в Женеве, чтобы обсудить повестку переговоров "
        "по контролю над вооружениями на текущий год.",
        "Обе делегации назвали переговоры конструктивными и договорились встретиться снова "
        "в следующем месяце, сообщили журналисты.",
        "Наблюдатели отметили, что тон заметно изменился со времени прошлого раунда.",
    ]
    page = page_html(title="Переговоры в Женеве", lead="Кратко о главном.", paragraphs=paragraphs)
    page = page.replace('<meta charset="utf-8">', "")
    link = http_server.add(
        "/ru/page.html", page.encode("cp1251"), headers={"Content-Type": "text/html"}
    )
    feed = rss([("Переговоры в Женеве", link, "Кратко о главном.")])
    feed = feed.replace(' encoding="utf-8"', "")
    url = http_server.add(
        "/ru/feed.xml", feed.encode("cp1251"), headers={"Content-Type": "application/rss+xml"}
    )
    source = Source.objects.create(name="RU plain", slug="ru-plain", url=url, language="ru")
    report = source_ingest(source=source)
    assert report.new == 1, report.errors
    article = Article.objects.get()
    assert article.title == "Переговоры в Женеве"
    assert article.paragraphs[0]["text"] == paragraphs[0]


def test_feed_answering_429_with_a_long_retry_after_is_not_fetched_before_then(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/busy.xml", "slow down", status=429, headers={"Retry-After": "7200"})
    source = Source.objects.create(name="Busy", slug="busy", url=url)
    before = timezone.now()
    report = source_ingest(source=source)
    assert report.failed == 1
    assert "429" in report.errors[0]
    source.refresh_from_db()
    assert source.next_fetch_at >= before + timedelta(hours=2)
    assert source.consecutive_failures == 1
    # Only one request: a Retry-After beyond the fetch's own patience is not waited for.
    assert [path for path, _ in http_server.requests if path == "/busy.xml"] == ["/busy.xml"]


def test_source_failing_again_and_again_is_paused_with_the_reason(
    http_server: LoopbackServer, allow_loopback: None, settings
) -> None:
    settings.NEWSDESK_PAUSE_AFTER_FAILURES = 3
    url = http_server.add("/gone.xml", "gone", status=410)
    source = Source.objects.create(name="Gone", slug="gone", url=url)
    for _ in range(3):
        source_ingest(source=source)
    source.refresh_from_db()
    assert source.paused_at is not None
    assert "3" in source.pause_reason and "410" in source.pause_reason
    assert source not in sources_due(now=timezone.now() + timedelta(days=30))
